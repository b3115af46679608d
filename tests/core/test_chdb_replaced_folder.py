"""A chDB folder deleted, moved or replaced while an engine has it open (app.core.backends.pathwatch,
clickhouse._FolderWatch).

Before, chDB went on with the tables it had loaded: inserts wrote their parts under the path
(recreating it) into no table anyone reads, and were reported stored; the app's panels showed
"Code: 107. DB::Exception: Cannot open file .../data.bin" for good, also once another folder was
at the path. Each test runs the engine in a process of its own (tests/core/chdb_folders.py).
"""

from __future__ import annotations

from pathlib import Path

from tests.core.chdb_folders import make_folder, run_script

#: The app's engine (follow_replaced_file) on argv[1]: what it shows, then after each action of
#: argv[3:] ("rm": the folder deleted, "in": the folder argv[2] moved to the path).
_APP = """
import json, shutil, sys
from pathlib import Path
from app.core.backends import backend_for
from app.core.database import DatabaseError, open_database
from app.ingest.writer import EventWriter
from app.query import run_query

folder, other = Path(sys.argv[1]), Path(sys.argv[2])
engine = open_database("chdb:///" + sys.argv[1].lstrip("/"))
told = []
backend_for(engine).follow_replaced_file(engine, told.append)
EventWriter(engine, enrich=False).write([{"type": "track", "event": "Mine", "userId": "u", "messageId": f"mine{i}"}
                                         for i in range(5)])

def shown():
    try:
        result = run_query(engine, {"kind": "segmentation", "range": {"last": 7, "unit": "day"}})
    except DatabaseError as exc:
        return str(exc)
    return {s["event"]: s["total"] for s in result["series"]}

steps = [{"shown": shown()}]
for action in sys.argv[3:]:
    if action == "rm":
        shutil.rmtree(folder)
    else:
        folder.rename(other.with_name("old")) if folder.exists() else None
        other.rename(folder)
    steps.append({"shown": shown(), "told": list(told), "folder": folder.exists()})
engine.dispose()
print(json.dumps(steps))
"""


def test_the_app_shows_the_folder_moved_into_the_path(tmp_path: Path, chdb_folder: Path) -> None:
    folder, other = tmp_path / "shop-ch", tmp_path / "restored-ch"
    make_folder(other, "restored-1", "restored-2")
    before, after = run_script(_APP, str(folder), str(other), "in")
    assert before["shown"] == {"Mine": 5}
    assert after["shown"] == {"Restored": 2}  # was: Code: 107 ... Cannot open file, for good
    assert after["told"] == [f"The chDB folder {folder} was replaced by another folder while open."]


def test_the_app_says_the_folder_is_gone_and_follows_one_put_back(tmp_path: Path, chdb_folder: Path) -> None:
    folder, other = tmp_path / "shop-ch", tmp_path / "restored-ch"
    make_folder(other, "restored-1")
    _, gone, back = run_script(_APP, str(folder), str(other), "rm", "in")
    assert gone["shown"] == (f"the chDB folder {folder} was deleted or moved while in use; nothing is stored in or "
                             "read from that path before a folder is back there")
    assert gone["told"] == [f"The chDB folder {folder} was deleted or moved while open."]
    assert not gone["folder"]  # chDB did not make an empty folder there
    assert back["shown"] == {"Restored": 1}


#: A writer on argv[1] whose folder is deleted during its second batch, after the users and
#: identities inserts and before the events insert (the collector's commit thread at that moment).
_DELETED_DURING_A_WRITE = """
import json, shutil, sys
from pathlib import Path
from app.core.backends.clickhouse import ClickHouseBackend
from app.core.database import DatabaseError, open_database
from app.ingest.writer import EventWriter

folder = Path(sys.argv[1])
engine = open_database("chdb:///" + sys.argv[1].lstrip("/"))
writer = EventWriter(engine, enrich=False)
first = writer.write([{"type": "track", "event": "E", "userId": "u", "messageId": "first"}]).stored
original = ClickHouseBackend.append_rows

def append_rows(self, conn, table, *args, **kwargs):
    if table == "events_data":
        shutil.rmtree(folder)
    return original(self, conn, table, *args, **kwargs)

ClickHouseBackend.append_rows = append_rows
try:
    outcome = {"stored": writer.write([{"type": "track", "event": "E", "userId": "u", "messageId": "second"}]).stored}
except DatabaseError as exc:
    outcome = {"error": str(exc)}
print(json.dumps({"first": first, **outcome}))
"""


def test_a_folder_deleted_during_a_write_is_not_acknowledged(tmp_path: Path, chdb_folder: Path) -> None:
    folder = tmp_path / "shop-ch"
    outcome = run_script(_DELETED_DURING_A_WRITE, str(folder))
    assert outcome["first"] == 1
    # was: {"stored": 1}, the event written under the deleted path, into no table
    assert "error" in outcome, outcome
    assert outcome["error"].startswith(f"the chDB folder {folder} was deleted or moved while in use")

