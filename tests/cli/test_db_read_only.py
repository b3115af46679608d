"""A SQLite file or folder its user may not write, as `tracklens import`, `demo` and `materialize`
meet it (new-user walkthrough): one line naming the file and saying it is read-only. Run as a
user meets it: permissions enforced, through setpriv dropping root's powers when the tests run
as root."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.database import open_database
from app.ingest.writer import EventWriter
from tests.support.permissions import without_root_powers

REPO = Path(__file__).resolve().parents[2]


def _tracklens(*args: str) -> tuple[int, str]:
    """`tracklens ARGS` as a user without root's powers: its status and last line on stderr."""
    done = subprocess.run([*without_root_powers(), sys.executable, "-m", "app", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=180)
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    return done.returncode, lines[-1] if lines else ""


def _export(tmp_path: Path) -> str:
    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps({"type": "track", "event": "Order Completed", "userId": "bob", "messageId": "m2",
                                "timestamp": "2026-11-01T10:00:00Z", "properties": {"plan": "pro"}}) + "\n",
                    encoding="utf-8")
    return str(path)


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Path]:
    """A Tracklens database with one event, in a folder of its own, closed."""
    folder = tmp_path / "share"
    folder.mkdir()
    path = folder / "events.sqlite"
    engine = open_database(str(path))
    EventWriter(engine).write([{"type": "track", "event": "Signed Up", "userId": "ann", "messageId": "m1",
                                "properties": {"plan": "free"}}])
    engine.dispose()
    yield path
    folder.chmod(0o755)
    for file in folder.iterdir():
        file.chmod(0o644)


READ_ONLY = "is read-only: its permissions do not let you write to it; make it writable, or work on a copy you can " \
            "write to"


def test_a_read_only_file_is_named_and_said_read_only(shared: Path, tmp_path: Path) -> None:
    """chmod 444: `import` said 'Error: database error: attempt to write a readonly database; ...',
    `materialize` 'Error: attempt to write a readonly database', `demo` named the file but kept
    SQLite's words."""
    shared.chmod(0o444)
    before = shared.read_bytes()
    status, line = _tracklens("import", "--quiet", "--db", str(shared), _export(tmp_path))
    assert status == 1 and line.startswith(f"Error: database error: {shared} {READ_ONLY}; "), line
    status, line = _tracklens("materialize", "--db", str(shared), "plan")
    assert (status, line) == (1, f"Error: {shared} {READ_ONLY}")
    status, line = _tracklens("demo", "--quiet", "--workers", "0", "--events", "10", "--db", str(shared))
    assert (status, line) == (1, f"Error: cannot write the demo: {shared} {READ_ONLY} (nothing was "
                                 "stored)")
    assert shared.read_bytes() == before
    # Reading it stays possible.
    status, line = _tracklens("materialize", "--db", str(shared), "--list")
    assert (status, line) == (0, "")


def test_a_new_file_in_a_read_only_folder_names_the_folder(shared: Path, tmp_path: Path) -> None:
    """Was 'Error: cannot open .../new.sqlite: cannot open the SQLite file (check the path and
    permissions)'."""
    folder = shared.parent
    new = folder / "new.sqlite"
    folder.chmod(0o555)
    said = f"Error: cannot create {new}: its folder {folder} is read-only; choose a folder you can write to"
    assert _tracklens("import", "--quiet", "--db", str(new), _export(tmp_path)) == (1, said)
    assert _tracklens("demo", "--quiet", "--workers", "0", "--events", "10", "--db", str(new)) == (1, said)
    assert not new.exists()


def test_a_file_in_a_read_only_folder_is_named_once(shared: Path, tmp_path: Path) -> None:
    """Was 'Error: cannot open X: cannot open X: its folder is read-only, ...' (the URL, then the
    reason naming the same file), or for a file not in WAL mode 'attempt to write a readonly
    database'."""
    folder = shared.parent
    folder.chmod(0o555)
    status, line = _tracklens("import", "--quiet", "--db", str(shared), _export(tmp_path))
    assert (status, line) == (1, f"Error: cannot open {shared}: its folder is read-only, and SQLite must create "
                                 "events.sqlite-shm beside a database in WAL mode to read it; copy the file to a "
                                 "folder you can write to")
    folder.chmod(0o755)
    with open_database(str(shared)).connect() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
    folder.chmod(0o555)
    said = (f"cannot write to {shared}: its folder {folder} is read-only, and SQLite writes its journal "
            "(events.sqlite-wal) beside the file; copy the file to a folder you can write to")
    assert _tracklens("import", "--quiet", "--db", str(shared), _export(tmp_path)) == (1, f"Error: {said}")
    assert _tracklens("materialize", "--db", str(shared), "plan") == (1, f"Error: {said}")
