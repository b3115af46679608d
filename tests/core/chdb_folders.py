"""chDB folders of their own for tests that delete, move or replace them.

chDB opens one folder per process and the test run holds the suite's (conftest.chdb_folder), so
whatever opens another folder runs in a process of its own: a short Python script here, or the
collector (tests/collector/harness.start_process). Tests ask for the `chdb_folder` fixture only
to be skipped where chDB is not installed (failed under CI=true); they never open it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

#: Prints the message ids stored in the folder argv[1] (JSON), or null when there is no folder
#: there; opening it changes nothing a test reads (the schema is there already).
_MESSAGE_IDS = """
import json, sys
from pathlib import Path
from app.core.database import open_database
if not Path(sys.argv[1]).exists():
    print(json.dumps(None))
    raise SystemExit
engine = open_database(sys.argv[2])
with engine.connect() as conn:
    print(json.dumps(sorted(row[0] for row in conn.exec_driver_sql("SELECT message_id FROM events_data"))))
engine.dispose()
"""

#: Makes a Tracklens database in the folder argv[1] holding one event per message id argv[2:].
_MAKE = """
import sys
from app.core.database import open_database
from app.ingest.writer import EventWriter
engine = open_database(sys.argv[1])
EventWriter(engine, enrich=False).write([{"type": "track", "event": "Restored", "userId": "u", "messageId": m}
                                         for m in sys.argv[2:]])
engine.dispose()
"""


def folder_url(folder: Path) -> str:
    return f"chdb:///{folder.as_posix().lstrip('/')}"


def run_script(script: str, *args: str, timeout: float = 180) -> Any:
    """Run `script` in a new Python process (`args` as sys.argv[1:]); the JSON of its last line."""
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def make_folder(folder: Path, *message_ids: str) -> None:
    """Another Tracklens chDB folder, with one event per message id, closed."""
    subprocess.run([sys.executable, "-c", _MAKE, folder_url(folder), *message_ids], check=True, timeout=180,
                   cwd=REPO, capture_output=True)


def message_ids_in(folder: Path) -> list[str] | None:
    """The message ids stored in a chDB folder (None: no folder there)."""
    found: list[str] | None = run_script(_MESSAGE_IDS, str(folder), folder_url(folder))
    return found
