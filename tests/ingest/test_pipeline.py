"""Two-stage bulk writing keeps order and stops cleanly on errors from either side."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from app.ingest.pipeline import write_pipelined
from app.ingest.writer import EventWriter, IngestResult
from tests.ingest.conftest import event_rows


def _batch(n: int) -> list[dict[str, Any]]:
    return [{"type": "track", "messageId": f"b{n}-{i}", "userId": "u", "event": "E"} for i in range(3)]


def test_batches_are_stored_in_order(sqlite_url: str) -> None:
    from app.core.database import open_database

    engine = open_database(sqlite_url)
    seen: list[int] = []
    write_pipelined(EventWriter(engine, enrich=False), ((_batch(n), n) for n in range(6)),
                    lambda result, _m, tag: seen.append(tag))
    assert seen == list(range(6))
    assert [r["message_id"] for r in event_rows(engine)] == [f"b{n}-{i}" for n in range(6) for i in range(3)]


def test_reader_error_surfaces_after_what_was_read_is_stored(engine: Engine) -> None:
    def batches() -> Iterator[tuple[list[dict[str, Any]], int]]:
        yield _batch(0), 0
        raise OSError("disk went away")

    results: list[IngestResult] = []
    with pytest.raises(OSError, match="disk went away"):
        write_pipelined(EventWriter(engine, enrich=False), batches(), lambda r, _m, _t: results.append(r))
    assert [r.stored for r in results] == [3]


def test_storing_error_stops_the_reader(sqlite_url: str) -> None:
    from app.core.database import open_database

    engine = open_database(sqlite_url)
    pulled: list[int] = []

    def batches() -> Iterator[tuple[list[dict[str, Any]], int]]:
        for n in range(1000):
            pulled.append(n)
            yield _batch(n), n

    def fail(_result: IngestResult, _messages: list[Any], tag: int) -> None:
        if tag == 1:
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        write_pipelined(EventWriter(engine, enrich=False), batches(), fail)
    assert len(pulled) < 10
