"""The commit queue: shared transactions, isolation of a poisonous request, outages, draining on close."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, OperationalError

from app.collector.committer import CommitQueue, Outcome
from app.collector.errors import DatabaseUnavailable
from app.core.database import DatabaseError
from app.ingest.writer import EventWriter, IngestResult
from tests.collector.conftest import stored, stored_ids
from tests.collector.harness import WRITE_KEY, collector_in_thread
from tests.collector.messages import track


class CountingWriter(EventWriter):
    """The real writer, counting transactions and failing the way a test asks it to."""

    def __init__(self, engine: Engine, fail_with: BaseException | None = None) -> None:
        super().__init__(engine, enrich=False)
        self.calls = 0
        self.fail_with = fail_with

    def write(self, messages: Iterable[Any], received_at: datetime | None = None, *,
              arrived_now: bool = True) -> IngestResult:
        messages = list(messages)
        self.calls += 1
        if self.fail_with is not None:
            raise self.fail_with
        if any(m.get("poison") for m in messages):
            # What a value the database refuses looks like once the writer has wrapped it.
            raise DatabaseError("invalid input value") from DataError("INSERT", {}, Exception("bad value"))
        return super().write(messages, received_at, arrived_now=arrived_now)


async def _submit_all(queue: CommitQueue, batches: list[list[dict[str, Any]]], *, start: bool) -> list[Any]:
    tasks = [asyncio.ensure_future(queue.submit(batch, datetime.now(UTC))) for batch in batches]
    await asyncio.sleep(0.05)  # every request is queued before the thread takes any
    if start:
        queue.start()
    return await asyncio.gather(*tasks, return_exceptions=True)


def test_concurrent_requests_share_one_transaction(engine: Engine) -> None:
    writer = CountingWriter(engine)
    queue = CommitQueue(writer)
    batches = [[track(), track()] for _ in range(20)]
    outcomes = asyncio.run(_submit_all(queue, batches, start=True))
    queue.close(10)
    assert outcomes == [Outcome(accepted=2)] * 20
    assert writer.calls == 1
    assert len(stored_ids(engine)) == 40


def test_a_poisonous_message_fails_alone_and_its_neighbours_are_stored(engine: Engine) -> None:
    writer = CountingWriter(engine)
    queue = CommitQueue(writer)
    bad = [track(), {**track(), "poison": True}, track()]
    good = [track(), track()]
    outcomes = asyncio.run(_submit_all(queue, [good, bad], start=True))
    queue.close(10)
    assert outcomes[0] == Outcome(accepted=2)
    assert outcomes[1].accepted == 2
    assert [index for index, _ in outcomes[1].rejected] == [1]
    assert "could not be stored" in outcomes[1].rejected[0][1]
    expected = {m["messageId"] for m in good} | {bad[0]["messageId"], bad[2]["messageId"]}
    assert set(stored_ids(engine)) == expected


@pytest.mark.parametrize("failure", [
    DatabaseError("cannot reach the database server"),
    OperationalError("INSERT", {}, Exception("database is locked")),
], ids=["wrapped", "raw"])
def test_an_unavailable_database_fails_every_request_of_the_round(engine: Engine, failure: Exception) -> None:
    queue = CommitQueue(CountingWriter(engine, fail_with=failure))
    outcomes = asyncio.run(_submit_all(queue, [[track()], [track(), track()]], start=True))
    queue.close(10)
    assert all(isinstance(o, DatabaseUnavailable) for o in outcomes)
    assert stored_ids(engine) == []


def test_close_commits_what_is_still_queued(engine: Engine) -> None:
    writer = CountingWriter(engine)
    queue = CommitQueue(writer)

    async def scenario() -> list[Any]:
        tasks = [asyncio.ensure_future(queue.submit([track()], datetime.now(UTC))) for _ in range(5)]
        await asyncio.sleep(0.05)
        queue.start()
        await asyncio.get_running_loop().run_in_executor(None, queue.close, 10.0)
        return await asyncio.gather(*tasks)

    assert asyncio.run(scenario()) == [Outcome(accepted=1)] * 5
    assert len(stored_ids(engine)) == 5


def test_a_closing_queue_refuses_new_work_so_clients_retry_elsewhere(engine: Engine) -> None:
    queue = CommitQueue(CountingWriter(engine))
    queue.start()
    queue.close(10)
    with pytest.raises(DatabaseUnavailable):
        asyncio.run(queue.submit([track()], datetime.now(UTC)))


def test_requests_sharing_a_transaction_keep_their_own_arrival_time(engine: Engine) -> None:
    writer = CountingWriter(engine)
    queue = CommitQueue(writer)
    first_arrival = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
    later_arrival = datetime(2026, 5, 1, 12, 0, 1, 250_000, tzinfo=UTC)
    early = track(originalTimestamp="2026-05-01T11:00:00Z", sentAt="2026-05-01T11:00:10Z")
    late = track(originalTimestamp="2026-05-01T11:00:00Z", sentAt="2026-05-01T11:00:10Z",
                 receivedAt="1999-01-01T00:00:00Z")

    async def scenario() -> list[Any]:
        tasks = [asyncio.ensure_future(queue.submit([early], first_arrival)),
                 asyncio.ensure_future(queue.submit([late], later_arrival))]
        await asyncio.sleep(0.05)
        queue.start()
        return await asyncio.gather(*tasks)

    asyncio.run(scenario())
    queue.close(10)
    assert writer.calls == 1
    rows = {r["message_id"]: r for r in stored(engine)}
    ms = 1000
    for message, arrival in ((early, first_arrival), (late, later_arrival)):
        row = rows[message["messageId"]]
        # receivedAt is this request's arrival (a client's own receivedAt is overridden), and the
        # device clock is corrected against it: 10 s between call and send on the device.
        assert row["received_at"] == int(arrival.timestamp() * ms)
        assert row["ts"] == int(arrival.timestamp() * ms) - 10 * ms


def test_a_filling_database_gets_planner_statistics_as_it_grows(engine: Engine,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite never analyses by itself: the collector refreshes statistics at 3, 6, 12... messages,
    up to a size past which the proportions are settled."""
    from app.collector import committer

    monkeypatch.setattr(committer, "FIRST_STATISTICS_AT", 3)
    monkeypatch.setattr(committer, "LAST_STATISTICS_AT", 12)
    writer = CountingWriter(engine)
    refreshed: list[int] = []
    monkeypatch.setattr(writer, "refresh_statistics", lambda: refreshed.append(queue.committed_messages))
    queue = CommitQueue(writer)
    queue.start()

    async def send(n: int) -> None:
        for _ in range(n):
            await queue.submit([track()], datetime.now(UTC))

    asyncio.run(send(30))
    queue.close(10)
    assert refreshed == [3, 6, 12]


def test_health_counts_what_a_split_batch_stored(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch the database partly refuses is split and retried; /health's counters (with a write
    key) must then say what was stored, as they do for a batch stored whole."""
    from app.ingest.messages import Record

    insert_events = EventWriter._insert_events

    def refuse_one(self: EventWriter, conn: Any, records: list[Record]) -> None:
        # What the database does with a value it will not store: a DataError inside the transaction.
        if any(r.event == "Refused by the database" for r in records):
            raise DataError("INSERT INTO events", {}, Exception("value out of range"))
        insert_events(self, conn, records)

    monkeypatch.setattr(EventWriter, "_insert_events", refuse_one)
    batch = [track(), track(), track(), {**track(), "event": "Refused by the database"}]
    with collector_in_thread(sqlite_url) as running, httpx.Client(base_url=running.url,
                                                                  auth=(WRITE_KEY, "")) as http:
        answer = http.post("/v1/batch", json={"batch": batch})
        assert answer.status_code == 200, answer.text
        assert answer.json()["accepted"] == 3
        health = http.get("/health").json()
        held = stored_ids(running.engine)
    assert len(held) == 3
    # split in halves: [0, 1] committed, [2, 3] refused, then [2] committed and [3] refused alone
    assert (health["committed"], health["transactions"]) == (3, 2)
