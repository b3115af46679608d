"""The collector's SQLite file deleted or replaced under it: before, it went on answering 200 for
events written into the deleted file (lost when it stopped) or into the old file behind the new
one (whose `-wal`, left at the path, then made the new file read as the old database)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from app.core.database import open_database
from app.ingest.writer import EventWriter
from tests.collector.harness import WRITE_KEY, collector_in_thread
from tests.collector.messages import track
from tests.support.sqlite_files import message_ids_in


def test_a_deleted_file_makes_the_collector_answer_503(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    with collector_in_thread(f"sqlite:///{path}") as running, \
            httpx.Client(base_url=running.url, auth=(WRITE_KEY, ""), timeout=30) as http:
        assert http.post("/v1/track", json=track()).status_code == 200
        path.unlink()
        refused = http.post("/v1/track", json=track())
        assert refused.status_code == 503 and int(refused.headers["Retry-After"]) > 0
        assert "events.sqlite was deleted or moved while in use" in refused.json()["message"]
        health = http.get("/health")
        assert health.status_code == 503 and "deleted or moved" in health.json()["message"]
        assert not path.exists()  # no empty file was made in its place


def test_a_replaced_file_is_not_written_and_stays_as_it_was(tmp_path: Path) -> None:
    path, other = tmp_path / "events.sqlite", tmp_path / "restored.sqlite"
    engine = open_database(other)
    EventWriter(engine, enrich=False).write([track(messageId="restored-1")])
    engine.dispose()
    with collector_in_thread(f"sqlite:///{path}") as running, \
            httpx.Client(base_url=running.url, auth=(WRITE_KEY, ""), timeout=30) as http:
        assert http.post("/v1/track", json=track(messageId="before")).status_code == 200
        os.replace(other, path)
        refused = http.post("/v1/track", json=track(messageId="after"))
        assert refused.status_code == 503
        assert "replaced by another file" in refused.json()["message"]
    assert message_ids_in(path) == ["restored-1"]
