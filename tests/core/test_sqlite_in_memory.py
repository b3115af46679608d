"""A SQLite URL naming no file (`sqlite://`, a `--db` whose path was left out) is refused with
one line: the import, demo and collector stored into a database in memory, reported every
event stored and exited 0, and the events were gone (new-user defect hunt)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli.main import cli
from app.core.database import DatabaseError, open_database

MESSAGE = {"type": "track", "event": "Signed Up", "userId": "u1", "messageId": "m1",
           "timestamp": "2026-12-01T10:00:00Z"}


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite:///:memory:", "sqlite+pysqlite://",
                                 "sqlite:///file:events?mode=memory&cache=shared&uri=true",
                                 "sqlite:///file:?uri=true"])
def test_import_into_a_database_in_memory_is_refused(tmp_path: Path, url: str) -> None:
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps(MESSAGE) + "\n")
    out = CliRunner().invoke(cli, ["import", "--quiet", "--db", url, str(export)])
    assert out.exit_code == 1, out.output
    assert "stored" not in out.output
    assert "in memory" in out.stderr and "give a file" in out.stderr
    assert "Traceback" not in out.output
    with pytest.raises(DatabaseError, match="in memory"):
        open_database(url)


def test_file_uris_still_open_their_file(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps(MESSAGE) + "\n")
    out = CliRunner().invoke(cli, ["import", "--quiet", "--db", f"sqlite:///file:{path}?uri=true", str(export)])
    assert out.exit_code == 0, out.output
    out = CliRunner().invoke(cli, ["query", "--db", str(path), "--spec", '{"kind": "live"}'])
    assert out.exit_code == 0, out.output
    assert [e["event"] for e in json.loads(out.stdout)["events"]] == ["Signed Up"]
