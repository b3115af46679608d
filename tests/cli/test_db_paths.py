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
