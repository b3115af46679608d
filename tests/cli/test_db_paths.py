"""--db given as a file path with characters that mean something in a URL (CLI defect hunt)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli.main import cli


@pytest.mark.parametrize("name", ["week 48?.sqlite", "100%41.sqlite", "ü ñ #1.sqlite"])
def test_a_file_path_is_the_file_of_that_name(tmp_path: Path, name: str) -> None:
    """A bare path became 'sqlite:///' + path and was parsed as a URL: 'week 48?.sqlite' was
    stored into a file named 'week 48' (the rest taken for the URL's query), '100%41.sqlite'
    into '100A.sqlite' (an escape), and `query` on another such path read the wrong file."""
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps({"type": "track", "event": "Signed Up", "userId": "ann", "messageId": "m1",
                                  "timestamp": "2026-11-01T10:00:00Z"}) + "\n", encoding="utf-8")
    folder = tmp_path / "dbs"
    folder.mkdir()
    db = str(folder / name)
    done = CliRunner().invoke(cli, ["import", "--quiet", "--db", db, str(export)])
    assert done.exit_code == 0 and "1 stored" in done.output, done.output
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [name]
    users = CliRunner().invoke(cli, ["query", "--db", db, "--spec", '{"kind": "users"}'])
    assert users.exit_code == 0 and json.loads(users.stdout)["total"] == 1, users.output


def _export(tmp_path: Path) -> Path:
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps({"type": "track", "event": "Signed Up", "userId": "ann", "messageId": "m1",
                                  "timestamp": "2026-11-01T10:00:00Z"}) + "\n", encoding="utf-8")
    return export


def test_a_file_whose_name_is_not_utf8_opens_again(tmp_path: Path) -> None:
    """A name with a Latin-1 byte (b'caf\\xe9.sqlite', which Python reads as 'caf\\udce9'): the
    import that created the file worked, and every later open of it (import, query, collect,
    the app) was a UnicodeEncodeError traceback."""
    db = str(tmp_path / "caf\udce9.sqlite")
    export = _export(tmp_path)
    for expected in ("1 stored", "1 duplicates skipped"):
        done = CliRunner().invoke(cli, ["import", "--quiet", "--db", db, str(export)])
        assert done.exit_code == 0 and expected in done.output, (done.output, done.exception)
    assert (tmp_path / "caf\udce9.sqlite").exists()
    users = CliRunner().invoke(cli, ["query", "--db", db, "--spec", '{"kind": "users"}'])
    assert users.exit_code == 0 and json.loads(users.stdout)["total"] == 1, (users.output, users.exception)


@pytest.mark.parametrize("command", ["import", "demo"])
def test_a_url_with_bytes_that_are_not_utf8_fails_in_one_line(tmp_path: Path, command: str) -> None:
    """Saying the database could not be opened wrote the URL with its password hidden, and that
    rendering raised on the lone surrogates of a non-UTF-8 argument: a traceback instead."""
    url = f"sqlite:///{tmp_path}/gone\udce9/events.sqlite"
    args = ["import", "--quiet", "--db", url, str(_export(tmp_path))] if command == "import" else \
        ["demo", "--db", url, "--events", "10"]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 1 and isinstance(done.exception, SystemExit), done.exception
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("Error: cannot open sqlite:///") and "folder does not exist" in line, line
