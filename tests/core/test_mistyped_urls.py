"""A database URL typed without its '//' ('sqlite:x.db', 'chdb:events', 'file:y.db') is refused
in one line: taken as a file path, it created a SQLite file with that literal name and stored
the import there (new-user defect hunt). Real paths, a Windows drive among them, stay paths."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli.main import cli
from app.core.backends import BACKENDS, UnsupportedDatabase
from app.core.database import DatabaseError, normalize_url, open_database

MESSAGE = {"type": "track", "event": "Signed Up", "userId": "u1", "messageId": "m1",
           "timestamp": "2026-12-01T10:00:00Z"}


@pytest.mark.parametrize("url", ["sqlite:events.sqlite", "sqlite:/events.sqlite", "chdb:events",
                                 "file:events.sqlite", "postgresql:/localhost/app", "SQLite:events.sqlite",
                                 "sqlite+pysqlite:events.sqlite"])
def test_a_url_without_its_slashes_is_refused_and_creates_nothing(tmp_path: Path, url: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps(MESSAGE) + "\n")
    out = CliRunner().invoke(cli, ["import", "--quiet", "--db", url, str(export)])
    assert out.exit_code == 1, out.output
    assert f"{url!r} is not a database URL: a URL has '://' after its scheme" in out.stderr
    assert "Traceback" not in out.output
    with pytest.raises(DatabaseError, match="is not a database URL"):
        open_database(url)
    assert sorted(os.listdir(tmp_path)) == ["export.jsonl"]


@pytest.mark.parametrize("path", ["events.sqlite", "C:events.sqlite", "data/my:file.sqlite"])
def test_paths_stay_paths(path: str) -> None:
    assert normalize_url(path).startswith("sqlite:///")


@pytest.mark.parametrize("url", ["chdb://", "chdb:///", "chdb://?database=shop", "chdb:///?database=shop"])
def test_a_chdb_url_without_its_folder_is_refused_and_creates_nothing(tmp_path: Path, url: str, chdb_folder: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """`chdb://` was the current folder and `chdb:///` the root: the import reported its events
    stored and left chDB's data/, metadata/, store/ and tmp/ among the user's files."""
    monkeypatch.chdir(tmp_path)
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps(MESSAGE) + "\n")
    out = CliRunner().invoke(cli, ["import", "--quiet", "--db", url, str(export)])
    assert out.exit_code == 1, out.output
    assert out.stderr.strip() == f"Error: cannot open {url}: this chDB URL names no folder: give one, " \
                                 "e.g. chdb:///path/to/folder"
    assert "stored" not in out.output
    with pytest.raises(DatabaseError, match="names no folder"):
        open_database(url)
    assert sorted(os.listdir(tmp_path)) == ["export.jsonl"]


@pytest.mark.parametrize("command", [["import", "--quiet"], ["query", "--spec", '{"kind": "users"}'],
                                     ["collect", "--write-key", "k", "--port", "0"]])
def test_an_empty_db_says_none_was_given(tmp_path: Path, command: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`--db "$DB"` with DB unset named the current folder: 'cannot read /home/ann (Is a directory)'."""
    monkeypatch.chdir(tmp_path)
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps(MESSAGE) + "\n")
    args = [command[0], "--db", "", *command[1:]] + ([str(export)] if command[0] == "import" else [])
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 1, out.output
    [line] = out.stderr.strip().splitlines()
    # One reason, not 'cannot open : no database given' (there is no URL to name).
    assert line.startswith("Error: no database given (an empty --db): "), line
    assert sorted(os.listdir(tmp_path)) == ["export.jsonl"]


EVERY_SCHEME = [scheme for backend in BACKENDS.values() for scheme in backend.schemes]


@pytest.mark.parametrize("scheme", EVERY_SCHEME)
def test_every_backend_scheme_typed_without_its_colon_or_slashes_is_refused(tmp_path: Path, scheme: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Every scheme a backend answers to is a mistyped URL when its ':' or its '//' is left out."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UnsupportedDatabase, match=rf"^'{scheme}//events' is not a database URL .* did you mean "):
        normalize_url(f"{scheme}//events")
    with pytest.raises(UnsupportedDatabase, match=rf"^'{scheme}:events' is not a database URL: "):
        normalize_url(f"{scheme}:events")


def test_a_scheme_added_to_a_backend_is_a_mistyped_url_without_its_colon(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks kept their own list of the backends' schemes: a scheme added to a backend and
    typed 'sqlite3//events.db' became the file events.db in a folder 'sqlite3' ("folder does not
    exist") instead of its 'did you mean'; 'sqlite3:events.db' created a file of that name."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(BACKENDS["sqlite"], "schemes", ("sqlite", "sqlite3"))
    with pytest.raises(UnsupportedDatabase, match=r"did you mean 'sqlite3:///events\.db'"):
        normalize_url("sqlite3//events.db")
    with pytest.raises(UnsupportedDatabase, match=r"'sqlite3:events\.db' is not a database URL"):
        normalize_url("sqlite3:events.db")
    with pytest.raises(UnsupportedDatabase, match=r"did you mean 'sqlite3:///events\.db'"):
        normalize_url("sqlte3:///events.db")
