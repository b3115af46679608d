"""Ctrl+C during `tracklens import`: what it says is stored is what the database holds."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from app.cli.main import cli
from app.core.backends.base import Backend
from app.core.backends.clickhouse import ClickHouseBackend
from app.core.database import open_database
from app.core.schema import events
from app.ingest.writer import EventWriter


def _stored(url: str) -> tuple[int, int]:
    engine = open_database(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(func.count(), func.count(events.c.message_id.distinct()))).one()
            return int(row[0]), int(row[1])
    finally:
        engine.dispose()


def test_ctrl_c_as_a_batch_is_written_is_counted_as_the_database_holds_it(
        tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Ctrl+C that arrives while the database writes a batch (on chDB, a quarter of the time:
    its insert runs in C, and the signal is raised in the first Python after it) came out of the
    writer after the batch was in, before it was counted: "40,000 stored" over 60,000 rows
    (measured with a real SIGINT). Here the signal is sent once the second of three batches is
    in, before the writer returns. The summary now says 2 batches stored, as the database holds,
    and the same import run again completes the file with nothing twice."""
    for backend in (Backend, ClickHouseBackend):
        monkeypatch.setattr(backend, "bulk_batch_rows", 100)
    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps({"type": "track", "event": "E", "userId": f"u{i % 7}", "messageId": f"m{i}",
                                        "timestamp": "2026-12-01T00:00:00Z"}) + "\n" for i in range(250)))
    store = EventWriter.store
    batches = 0

    def store_then_ctrl_c(self: EventWriter, *args: Any, **kwargs: Any) -> Any:
        nonlocal batches
        result = store(self, *args, **kwargs)
        batches += 1
        if batches == 2:
            os.kill(os.getpid(), signal.SIGINT)
        return result

    monkeypatch.setattr(EventWriter, "store", store_then_ctrl_c)
    command = ["import", "--db", db_url, "--quiet", "--no-enrich", "--workers", "0", str(path)]
    interrupted = CliRunner().invoke(cli, command)
    assert interrupted.exit_code == 1, interrupted.output
    assert "interrupted" in interrupted.output
    assert _stored(db_url) == (200, 200)
    assert "200 stored, 0 duplicates skipped" in interrupted.output, interrupted.output
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    monkeypatch.setattr(EventWriter, "store", store)
    rerun = CliRunner().invoke(cli, command)
    assert rerun.exit_code == 0, rerun.output
    assert "50 stored, 200 duplicates skipped" in rerun.output
    assert _stored(db_url) == (250, 250)
