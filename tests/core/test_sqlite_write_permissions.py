"""A SQLite file that becomes read-only while a writer has it open (chmod while `tracklens collect`
runs): each write transaction asks again, and names the file the engine opened. Run as a user
meets it: permissions enforced, through setpriv dropping root's powers when the tests run as root."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.permissions import without_root_powers

REPO = Path(__file__).resolve().parents[2]

#: Opens the file by a relative URL, takes the write lock, makes the file read-only, and tries again.
_WRITER = """
import os
from app.core.backends import backend_for
from app.core.database import open_database

engine = open_database("sqlite:///events.sqlite")
backend = backend_for(engine)


def attempt():
    with engine.connect() as conn:
        try:
            backend.lock_for_writing(conn)
        except Exception as exc:
            return str(getattr(exc, "orig", exc))
        conn.rollback()
        return "locked"


print(attempt())
os.chmod("events.sqlite", 0o444)
print(attempt())
engine.dispose()
"""


def test_a_file_made_read_only_while_open_is_refused_by_its_full_path(tmp_path: Path) -> None:
    """The path was found again from the URL at each transaction: opened as
    'sqlite:///events.sqlite', the refusal said 'events.sqlite is read-only', where the error of
    a refused statement on the same engine named the full path."""
    done = subprocess.run([*without_root_powers(), sys.executable, "-c", _WRITER], cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    path = tmp_path / "events.sqlite"
    assert done.stdout.splitlines() == [
        "locked",
        f"{path} is read-only: its permissions do not let you write to it; make it writable, or work on a copy you "
        "can write to"]
