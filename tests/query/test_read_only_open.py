"""Opening a database to read it (`tracklens query`, the GUI's connect test and connect path)
never changes a file that is not a Tracklens database: not its journal mode (WAL rewrites the
header), not its tables, not its folder; it says "PATH is not a Tracklens database"."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from app.cli.main import cli
from app.core.database import DatabaseError, open_database
from app.ingest.writer import EventWriter
from tests.support.permissions import without_root_powers

LIVE = json.dumps({"kind": "live"})


def _foreign(path: Path, *, wal: bool) -> bytes:
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('keep me')")
    conn.commit()
    conn.close()
    return path.read_bytes()


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("wal", [False, True], ids=["rollback-journal", "wal"])
def test_query_leaves_another_applications_file_alone(tmp_path: Path, wal: bool) -> None:
    path = tmp_path / "other-app.db"
    before = _foreign(path, wal=wal)
    files = _files(tmp_path)
    out = CliRunner().invoke(cli, ["query", "--db", str(path), "--spec", "-"], input=LIVE)
    assert out.exit_code == 1
    assert out.stderr.strip() == f"Error: {path} is not a Tracklens database (it has other tables: notes)"
    assert path.read_bytes() == before
    assert _files(tmp_path) == files


@pytest.mark.parametrize("create", [False, True], ids=["read", "connect"])
def test_open_database_refuses_before_connecting(tmp_path: Path, create: bool) -> None:
    """`create=True` is the GUI's connect path (it would create the schema in a new file)."""
    path = tmp_path / "other-app.db"
    before = _foreign(path, wal=False)
    with pytest.raises(DatabaseError, match="is not a Tracklens database"):
        open_database(str(path), create=create)
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["other-app.db"]


def test_missing_empty_and_garbage_files(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = tmp_path / "missing.sqlite"
    out = runner.invoke(cli, ["query", "--db", str(missing), "--spec", "-"], input=LIVE)
    assert out.exit_code == 1
    assert out.stderr.strip() == f"Error: no Tracklens database at {missing} (the file does not exist)"
    assert not missing.exists()
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    out = runner.invoke(cli, ["query", "--db", str(empty), "--spec", "-"], input=LIVE)
    assert out.exit_code == 1 and f"no Tracklens database at {empty} (the file is empty)" in out.stderr
    assert empty.read_bytes() == b""
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"garbage" * 1000)
    out = runner.invoke(cli, ["query", "--db", str(garbage), "--spec", "-"], input=LIVE)
    assert out.exit_code == 1 and out.stderr.strip() == f"Error: {garbage} is not a SQLite database"
    assert garbage.read_bytes() == b"garbage" * 1000
    assert _files(tmp_path) == ["empty.sqlite", "garbage.sqlite"]


def test_a_tracklens_file_opened_for_reading_keeps_its_bytes(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    open_database(str(path)).dispose()
    before = path.read_bytes()
    out = CliRunner().invoke(cli, ["query", "--db", str(path), "--spec", "-"], input=LIVE)
    assert out.exit_code == 0, out.output
    assert path.read_bytes() == before


@pytest.mark.postgres
def test_postgresql_database_without_tracklens_tables(pg_server: object) -> None:
    url = pg_server.create_database()  # type: ignore[attr-defined]
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE notes (id int)")
    out = CliRunner().invoke(cli, ["query", "--db", url, "--spec", "-"], input=LIVE)
    assert out.exit_code == 1 and out.stderr.strip().endswith("is not a Tracklens database")
    assert "Traceback" not in out.output
    assert inspect(engine).get_table_names() == ["notes"]
    engine.dispose()


def test_a_read_only_uri_opens_the_file_it_names(tmp_path: Path) -> None:
    """`sqlite:////path?mode=ro&uri=true` (SQLite's URI options without the `file:` prefix, as
    people write them) used to open a new, empty file named `path?mode=ro` beside the database
    and say the database was empty; with `demo` it would have filled that file instead."""
    path = tmp_path / "events.sqlite"
    engine = open_database(str(path))
    message = {"type": "track", "event": "Signed Up", "userId": "u1", "timestamp": "2026-12-01T10:00:00Z"}
    assert not EventWriter(engine, enrich=False).write([message]).rejected
    engine.dispose()
    runner = CliRunner()
    out = runner.invoke(cli, ["query", "--db", f"sqlite:///{path}?mode=ro&uri=true", "--spec", "-"], input=LIVE)
    assert out.exit_code == 0, out.output
    assert [row["event"] for row in json.loads(out.stdout)["events"]] == ["Signed Up"]
    assert not any("?" in name for name in _files(tmp_path)), _files(tmp_path)
    missing = tmp_path / "missing.sqlite"
    out = runner.invoke(cli, ["query", "--db", f"sqlite:///{missing}?mode=ro&uri=true", "--spec", "-"], input=LIVE)
    assert out.exit_code == 1
    assert out.stderr.strip() == f"Error: no Tracklens database at {missing} (the file does not exist)"
    other = tmp_path / "other-app.db"
    before = _foreign(other, wal=False)
    out = runner.invoke(cli, ["query", "--db", f"sqlite:///file:{other}?mode=ro&uri=true", "--spec", "-"], input=LIVE)
    assert out.exit_code == 1
    assert out.stderr.strip() == f"Error: {other} is not a Tracklens database (it has other tables: notes)"
    assert other.read_bytes() == before
    assert not any("?" in name for name in _files(tmp_path)), _files(tmp_path)


def test_a_wal_database_in_a_read_only_folder_is_explained(tmp_path: Path) -> None:
    """A database handed over on a read-only share: SQLite cannot read a WAL-mode file without
    creating its -shm file beside it, and said only "attempt to write a readonly database"."""
    folder = tmp_path / "share"
    folder.mkdir()
    path = folder / "events.sqlite"
    engine = open_database(str(path))
    EventWriter(engine).write([{"type": "track", "event": "Signed Up", "userId": "u1"}])
    engine.dispose()
    assert not (folder / "events.sqlite-shm").exists()
    path.chmod(0o444)
    folder.chmod(0o555)
    try:
        done = subprocess.run([*without_root_powers(), sys.executable, "-m", "app", "query", "--db", str(path),
                               "--spec", "-"], input=LIVE, capture_output=True, text=True, timeout=120)
    finally:
        folder.chmod(0o755)
    assert done.returncode == 1, done.stdout[:300]
    assert done.stderr.strip() == (
        f"Error: cannot open {path}: its folder is read-only, and SQLite must create events.sqlite-shm "
        "beside a database in WAL mode to read it; copy the file to a folder you can write to"), done.stderr
    assert _files(folder) == ["events.sqlite"]
