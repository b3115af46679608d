"""A batch the database partly refuses is split by the collector and its parts committed apart,
outside the path that hands commits to the forwarder: a destination fed by `collect
--destinations` must still get every stored message of it, once and in order, and go on
from memory after (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import DataError

from app.collector.committer import CommitQueue
from app.core.schema import events
from app.ingest.messages import Record
from app.ingest.writer import EventWriter
from app.outbound.destinations.config import parse_destinations
from app.outbound.destinations.forwarder import IDLE, Forwarder
from app.outbound.retry import Backoff
from tests.outbound.destinations_support import Receiver, track

REFUSED = "Refused by the database"


@pytest.fixture
def rx() -> Iterator[Receiver]:
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def test_a_split_batch_reaches_the_destination_whole_and_once(engine: Engine, rx: Receiver,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    insert_events = EventWriter._insert_events

    def refuse_one(self: EventWriter, conn: Any, records: list[Record]) -> None:
        # What the database does with a value it will not store: a DataError inside the transaction.
        if any(r.event == REFUSED for r in records):
            raise DataError("INSERT INTO events", {}, Exception("value out of range"))
        insert_events(self, conn, records)

    monkeypatch.setattr(EventWriter, "_insert_events", refuse_one)
    forwarder = Forwarder(engine, parse_destinations([{"name": "hook", "type": "webhook", "url": rx.url}]),
                          backoff=Backoff(base=0.01, cap=0.05, attempts=0))
    (worker,) = forwarder.workers
    queue = CommitQueue(EventWriter(engine, enrich=False), on_committed=forwarder.committed,
                        in_transaction=forwarder.in_transaction)
    queue.start()

    def commit(messages: list[dict[str, Any]]) -> int:
        return asyncio.run(queue.submit(messages, datetime.now(UTC))).accepted

    def drain() -> None:
        for _ in range(1000):
            if worker.step() == IDLE:
                return

    try:
        assert commit([track(i) for i in range(10)]) == 10
        drain()  # caught up: what follows is handed over from memory
        split = [track(i) for i in range(10, 17)] + [track(17, event=REFUSED)] + [track(i) for i in range(18, 22)]
        assert commit(split) == 11
        drain()
        assert commit([track(i) for i in range(22, 40)]) == 18
        drain()
    finally:
        queue.close(timeout=10)
        worker.close()
    with engine.connect() as conn:
        stored = list(conn.execute(select(events.c.message_id).order_by(events.c.id)).scalars())
    assert len(stored) == 39 and "m-00017" not in stored
    sent = [m["messageId"] for hit in rx.ok_hits() for m in hit.messages()]
    assert sent == stored
