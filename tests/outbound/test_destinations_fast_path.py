"""`collect --destinations` hands each commit's records to the forwarder: a caught-up destination
sends them from memory, checked against what is stored above its cursor, and reads the database
whenever they differ. The database cursor stays the source of truth: nothing skipped, nothing
repeated (no crash here), filters exactly those of a read, on SQLite and PostgreSQL (where the
writer's text goes out: JSONB would return the same values with its own key order and spaces)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from app.collector.committer import CommitQueue
from app.core.schema import events
from app.ingest.writer import EventWriter
from app.outbound.destinations import forwarder as forwarder_module
from app.outbound.destinations import store
from app.outbound.destinations.config import parse_destinations
from app.outbound.destinations.forwarder import IDLE, PAUSED, DestinationWorker, Forwarder
from app.outbound.retry import Backoff
from tests.outbound.destinations_support import Receiver, mixed_messages, store_messages, track

FAST = Backoff(base=0.01, cap=0.05, attempts=0)
#: what each test destination forwards: orders over 100 and page views (events and a property filter)
FILTERED = {"events": ["Order Completed", "Page Viewed"],
            "where": [{"any": [{"property": "price", "op": "gt", "value": 100}, {"property": "path", "op": "eq", "value": "/"}]}]}


@pytest.fixture
def rx() -> Iterator[Receiver]:
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


class Collector:
    """The collector's commit queue, handing its commits to a forwarder and carrying its cursor
    moves as `collect` does."""

    def __init__(self, engine: Engine, forwarder: Forwarder) -> None:
        self.queue = CommitQueue(EventWriter(engine, enrich=False), on_committed=forwarder.committed,
                                 in_transaction=forwarder.in_transaction)
        self.queue.start()

    def commit(self, messages: list[dict[str, Any]]) -> None:
        outcome = asyncio.run(self.queue.submit(messages, datetime.now(UTC)))
        assert outcome.accepted == len(messages) and not outcome.rejected

    def close(self) -> None:
        self.queue.close(timeout=10)


@contextlib.contextmanager
def hook_fed_by_collector(engine: Engine, rx: Receiver, **options: Any) -> Iterator[tuple[DestinationWorker, Collector]]:
    """The webhook destination `hook` (to `rx`, with `options`) and a collector handing it its
    commits; both closed after, the collector first (its last commit may carry a cursor move)."""
    forwarder = Forwarder(engine, parse_destinations([{"name": "hook", "type": "webhook", "url": rx.url, **options}]),
                          backoff=FAST)
    (w,) = forwarder.workers
    collector = Collector(engine, forwarder)
    try:
        yield w, collector
    finally:
        collector.close()
        w.close()


def drain(*workers: DestinationWorker) -> None:
    """Step each worker until it has nothing left (as its thread would, without the poll wait)."""
    for w in workers:
        for _ in range(1000):
            if w.step() == IDLE:
                break


def stored_ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(events.c.message_id).order_by(events.c.id)).scalars())


def specs(url: str) -> list[dict[str, Any]]:
    return [{"name": "hook", "type": "webhook", "url": f"{url}/hook", "batch": 50},
            {"name": "seg", "type": "segment", "url": f"{url}/seg", "write_key": "k", "batch": 40, **FILTERED},
            {"name": "mp", "type": "mixpanel", "url": f"{url}/mp", "api_secret": "s", "project_token": "t",
             "batch": 60, **FILTERED}]


def by_path(rx: Receiver, prefix: str) -> list[Any]:
    return [m for h in rx.ok_hits() if h.path.startswith(prefix) for m in h.messages()]


def fed_beside_read(engine: Engine, rx: Receiver, count: int, stored_first: int) -> Forwarder:
    """Each destination twice: one fed by the collector's commits (of 70, after `stored_first`
    messages stored before), one reading the database only, stepped at the same moments (so
    trait filters see the same traits). Both send the receiver the same, message for message,
    in order, and the webhook every stored message. Gives the fed forwarder (closed)."""
    fed = Forwarder(engine, parse_destinations(specs(rx.url + "/fed")), backoff=FAST)
    read = [DestinationWorker(engine, d, backoff=FAST)
            for d in parse_destinations([{**s, "name": s["name"] + "-read"} for s in specs(rx.url + "/read")])]
    collector = Collector(engine, fed)
    messages = mixed_messages(count)
    try:
        store_messages(engine, messages[:stored_first])  # stored before: read from the database first
        drain(*fed.workers, *read)
        for start in range(stored_first, count, 70):  # then commits of 70 messages, a step between each
            collector.commit(messages[start:start + 70])
            drain(*fed.workers, *read)
    finally:
        collector.close()
        for w in (*fed.workers, *read):
            w.close()
    for kind in ("hook", "seg", "mp"):
        got, want = by_path(rx, f"/fed/{kind}"), by_path(rx, f"/read/{kind}")
        assert got == want and len(got) > 50, kind
    assert [m["messageId"] for m in by_path(rx, "/fed/hook")] == stored_ids(engine)
    return fed


def test_commits_sent_from_memory_equal_what_a_read_of_the_database_sends(engine: Engine, rx: Receiver) -> None:
    """Each destination twice: one fed by the collector's commits, one reading the database only
    (same filters, stepped at the same moments, so trait filters would see the same traits). What
    the receiver gets from both is the same, message for message, in order."""
    fed = fed_beside_read(engine, rx, 600, stored_first=100)
    # (on PostgreSQL too: the writer's text, which JSONB would return reordered, the same values)
    assert all(w.fast_batches >= 7 for w in fed.workers), [w.fast_batches for w in fed.workers]


def test_a_destination_behind_reads_the_database_then_continues_from_memory(engine: Engine,
                                                                              rx: Receiver) -> None:
    """Behind: full batches read from the database while commits keep arriving (their records
    are dropped). Caught up: the feed's records already sent by the last read are skipped, the
    rest go from memory. Every stored message reaches the receiver once, in order."""
    with hook_fed_by_collector(engine, rx, batch=100) as (w, collector):
        store_messages(engine, [track(i, price=i) for i in range(450)])
        i = 450
        for _ in range(40):
            collector.commit([track(n, price=n) for n in range(i, i + 30)])
            i += 30
            w.step()
        drain(w)
    assert [m["messageId"] for m in rx.delivered()] == stored_ids(engine)
    assert w.read_batches >= 5
    assert w.fast_batches >= 10


def test_stale_records_and_another_writers_rows_are_never_sent_twice_or_skipped(engine: Engine,
                                                                                rx: Receiver) -> None:
    """The committer hands a commit over only after it committed, so a read of the database may
    send it first: those records are skipped. Rows another program stored between two commits are
    not in the feed: the matching prefix goes from memory, the rest is read."""
    forwarder = Forwarder(engine, parse_destinations([{"name": "hook", "type": "webhook", "url": rx.url}]),
                          backoff=FAST)
    (w,) = forwarder.workers
    writer = EventWriter(engine, enrich=False)

    def commit(messages: list[dict[str, Any]], *, hand_over: bool = True) -> list[Any]:
        records, result = writer.prepare(messages, datetime.now(UTC), arrived_now=False)
        writer.store(records, result)
        if hand_over:
            forwarder.committed(records, True)
        return records

    try:
        commit([track(i) for i in range(5)])
        drain(w)  # the first read: everything from the database
        late = commit([track(i) for i in range(5, 10)], hand_over=False)
        drain(w)  # read from the database before the hand-off below
        forwarder.committed(late, True)  # ...which arrives late: already sent
        commit([track(i) for i in range(10, 15)])
        drain(w)
        fast_before = w.fast_batches
        commit([track(i) for i in range(15, 20)])
        store_messages(engine, [track(i, event="Imported") for i in range(20, 23)])  # another writer
        commit([track(i) for i in range(23, 26)])
        drain(w)
    finally:
        w.close()
    assert [m["messageId"] for m in rx.delivered()] == [f"m-{i:05d}" for i in range(26)]
    assert fast_before >= 1 and w.fast_batches > fast_before
    assert w.read_batches >= 3


def test_a_commit_that_found_a_message_already_stored_sends_the_stored_one(engine: Engine, rx: Receiver) -> None:
    """Another program stored a messageId just before the collector's commit of the same id: the
    collector's copy was not stored, so it must not be the one sent (the stored row is)."""
    with hook_fed_by_collector(engine, rx) as (w, collector):
        collector.commit([track(i) for i in range(3)])
        drain(w)
        store_messages(engine, [track(3, source="import")])
        collector.commit([track(3, source="collector"), track(4)])
        drain(w)
    got = rx.delivered()
    assert [m["messageId"] for m in got] == [f"m-{i:05d}" for i in range(5)]
    assert got[3]["properties"] == {"source": "import"}


def test_a_batch_refused_from_memory_is_parked_as_a_dead_letter_and_the_rest_goes_on(engine: Engine,
                                                                                     rx: Receiver) -> None:
    with hook_fed_by_collector(engine, rx, batch=3) as (w, collector):
        collector.commit([track(i) for i in range(2)])
        drain(w)
        rx.script = [(400, {})]
        collector.commit([track(i, price=i) for i in range(2, 8)])
        drain(w)
    (letter,) = store.dead_letters(engine, "hook")
    assert [m["messageId"] for m in letter.messages] == ["m-00002", "m-00003", "m-00004"]
    assert letter.messages[1]["properties"] == {"price": 3} and letter.status == 400
    assert [m["messageId"] for m in rx.delivered()] == [f"m-{i:05d}" for i in (0, 1, 5, 6, 7)]
    assert w.fast_batches >= 2


@pytest.mark.parametrize("spec", [
    {"name": "orders", "type": "webhook", "events": ["Order Completed"], "batch": 20},
    {"name": "mp", "type": "mixpanel", "api_secret": "s", "batch": 20},
])
def test_event_name_filters_are_checked_by_the_ends_of_the_stored_rows(engine: Engine, rx: Receiver,
                                                                       spec: dict[str, Any]) -> None:
    """Filters on event names only are evaluated in memory, and the stored rows are checked by
    their two ends (first and last messageId, ids as far apart as records): rows of another
    program in between, or ids with a gap, fall back to the full check, and the receiver gets
    exactly what a read of the database selects, in order."""
    forwarder = Forwarder(engine, parse_destinations([{**spec, "url": rx.url}]), backoff=FAST)
    (w,) = forwarder.workers
    full_checks: list[int] = []
    identities = w.reader.identities

    def counted(conn: Any, **kw: Any) -> Any:
        full_checks.append(1)
        return identities(conn, **kw)

    w.reader.identities = counted  # type: ignore[method-assign]
    collector = Collector(engine, forwarder)

    def batch(start: int, n: int) -> list[dict[str, Any]]:
        out = []
        for i in range(start, start + n):
            m = track(i, event="Order Completed" if i % 3 else "Cart Viewed", price=i)
            out.append({**m, "type": "identify", "traits": {"n": i}} if i % 7 == 0 else m)
        return out

    try:
        collector.commit(batch(0, 10))
        drain(w)  # the first read: from the database
        for start in range(10, 70, 15):
            collector.commit(batch(start, 15))
            drain(w)
        clean = len(full_checks)
        collector.commit(batch(70, 6))
        store_messages(engine, [track(i, event="Order Completed") for i in range(76, 79)])  # another writer
        collector.commit(batch(79, 6))
        drain(w)
    finally:
        collector.close()
        w.close()
    with engine.connect() as conn:
        want = [r[0] for r in conn.execute(select(events.c.message_id, events.c.event).order_by(events.c.id))
                if (r[1] == "Order Completed" if spec.get("events") else r[1] is not None)]
    got = [m["messageId"] if "messageId" in m else m["properties"]["$insert_id"] for m in rx.delivered()]
    assert got == want and len(want) > 40
    assert clean == 0 and w.fast_batches >= 4  # caught up: never the full check
    assert full_checks  # another writer's rows in between: the full check found them


def test_a_caught_up_destination_checks_two_ids_not_its_cursor_row_and_still_stops_when_paused(
        engine: Engine, rx: Receiver) -> None:
    """While it knows where its cursor is (it moved it itself, under a second ago), a caught-up
    destination checks the records by the two ids its cursor puts them at, without reading the
    cursor row. A pause from elsewhere (the panel, `forward --pause`) still stops it: the move
    after at most one more batch finds the row paused, and nothing more goes until resumed; then
    the rest arrives, everything once and in order."""
    with hook_fed_by_collector(engine, rx, batch=100) as (w, collector):
        collector.commit([track(i) for i in range(5)])
        drain(w)  # the first read: from the database
        for start in range(5, 50, 9):
            collector.commit([track(i) for i in range(start, start + 9)])
            drain(w)
        known, reads = w.known_batches, w.read_batches
        store.set_paused(engine, "hook", True)
        collector.commit([track(i) for i in range(50, 60)])
        w.step()  # (known cursor: may send this one batch, then finds the row paused)
        after_pause = len(rx.delivered())
        for start in range(60, 90, 10):
            collector.commit([track(i) for i in range(start, start + 10)])
            assert w.step() == PAUSED
        assert len(rx.delivered()) == after_pause
        store.set_paused(engine, "hook", False)
        drain(w)
    assert known == 5 and reads == 1  # every commit after the first read: two ids checked
    assert after_pause <= 60
    assert [m["messageId"] for m in rx.delivered()] == [f"m-{i:05d}" for i in range(90)]


def test_the_batches_a_poll_gathered_are_checked_by_one_lookup_and_sent_in_order(engine: Engine,
                                                                                   rx: Receiver) -> None:
    """A caught-up destination's poll gathers several batches' worth of commits (the collector
    under load): the ends of everything gathered are checked once, by two ids, instead of once
    per batch (on PostgreSQL a lookup costs about as much CPU as 200 messages' body), and every
    message still goes once, in order. Another program's rows among what was gathered make that
    check fail: the batches are then checked one by one, and nothing is sent out of place."""
    forwarder = Forwarder(engine, parse_destinations([{"name": "hook", "type": "webhook", "url": rx.url,
                                                       "batch": 100}]), backoff=FAST)
    (w,) = forwarder.workers
    collector = Collector(engine, forwarder)
    lookups: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "events.id = " in statement and " OR " in statement:  # (store.EventReader.message_ids_at)
            lookups.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        collector.commit([track(i) for i in range(5)])
        drain(w)  # the first read: from the database
        collector.commit([track(i) for i in range(5, 10)])
        drain(w)  # from memory, by its known cursor
        before = len(lookups)
        for start in range(10, 360, 70):  # five commits while the worker waits for its poll
            collector.commit([track(i) for i in range(start, start + 70)])
        drain(w)
        gathered = len(lookups) - before
        collector.commit([track(i) for i in range(360, 420)])
        store_messages(engine, [track(i, event="Imported") for i in range(420, 425)])  # another program
        collector.commit([track(i) for i in range(425, 485)])
        drain(w)
    finally:
        event.remove(engine, "before_cursor_execute", count)
        collector.close()
        w.close()
    assert gathered == 1 and w.known_batches >= 5  # 350 messages in batches of 100: one lookup
    assert [m["messageId"] for m in rx.delivered()] == stored_ids(engine)
    assert len(stored_ids(engine)) == 485


def test_a_cursor_moved_by_hand_while_known_is_obeyed(engine: Engine, rx: Receiver) -> None:
    """`forward --skip-stored` moves the cursor of a running destination: the worker's next move
    finds it elsewhere, reads it again and goes on from there (no message below it again)."""
    with hook_fed_by_collector(engine, rx) as (w, collector):
        collector.commit([track(i) for i in range(5)])
        drain(w)
        collector.commit([track(i) for i in range(5, 10)])
        drain(w)
        store_messages(engine, [track(i, event="Imported") for i in range(10, 20)])  # another program
        with engine.connect() as conn:
            skip_to = store.max_event_id(conn)
        store.set_position(engine, "hook", skip_to)  # skip what is stored so far
        for start in range(20, 40, 10):
            collector.commit([track(i) for i in range(start, start + 10)])
            drain(w)
    assert [m["messageId"] for m in rx.delivered()] == [f"m-{i:05d}" for i in (*range(10), *range(20, 40))]


def test_a_destination_behind_catches_up_into_the_commits_it_holds(engine: Engine, rx: Receiver) -> None:
    """Behind while the collector keeps committing: the commits are kept, and once a read of the
    database reaches the first of them the rest goes from memory, instead of every batch being
    read back until a read comes back short. Every message once, in order."""
    with hook_fed_by_collector(engine, rx, batch=100) as (w, collector):
        store_messages(engine, [track(i) for i in range(300)])  # the backlog
        i = 300
        for _ in range(12):
            collector.commit([track(n) for n in range(i, i + 60)])  # 60 per step: 100 go out
            i += 60
            w.step()
        drain(w)
    assert [m["messageId"] for m in rx.delivered()] == stored_ids(engine)
    assert w.read_batches <= 4 and w.fast_batches >= 8, (w.read_batches, w.fast_batches)


def cursor_at(engine: Engine) -> tuple[int, int]:
    """(position, delivered) of the test destination's stored cursor."""
    cur = store.cursor(engine, "hook")
    return (cur.position, cur.delivered) if cur is not None else (0, 0)


def test_cursor_moves_go_into_the_collectors_next_commit(engine: Engine, rx: Receiver) -> None:
    """While the collector writes, a destination commits nothing of its own: a delivered batch's
    cursor move goes into the collector's next commit. Until then the stored cursor stays before
    the batch (a crash sends it again); after it the cursor is past the batch, each message
    counted once. The last move is committed by the forwarder when it stops. Everything arrives
    once, in order."""
    seen = []
    with hook_fed_by_collector(engine, rx, batch=100) as (w, collector):
        for start in range(0, 50, 10):
            collector.commit([track(i) for i in range(start, start + 10)])  # carries the last move
            seen.append(cursor_at(engine))
            assert w.step() == "sent"
            assert cursor_at(engine) == seen[-1]  # delivered, the stored cursor not moved yet
    assert [m["messageId"] for m in rx.delivered()] == [f"m-{i:05d}" for i in range(50)]
    assert seen == [(0, 0), (10, 10), (20, 20), (30, 30), (40, 40)]  # (ids 1-10 are the first commit's)
    assert cursor_at(engine) == (50, 50)  # the last move: committed at the stop
    assert (w.moves_in_collector, w.moves_own) == (4, 1)


def test_a_crash_before_the_collectors_commit_sends_the_batch_again_and_skips_nothing(
        engine: Engine, rx: Receiver) -> None:
    """The process dies after a batch was delivered and before the collector's next commit, which
    would have moved the cursor past it: the restarted forwarder sends that batch again (each
    message with its messageId) and then the rest; nothing is skipped."""
    dest = parse_destinations([{"name": "hook", "type": "webhook", "url": rx.url, "batch": 100}])
    forwarder = Forwarder(engine, dest, backoff=FAST)
    (w,) = forwarder.workers
    collector = Collector(engine, forwarder)
    try:
        collector.commit([track(i) for i in range(10)])
        assert w.step() == "sent"
        collector.commit([track(i) for i in range(10, 20)])  # moves the cursor past 0-9
        assert w.step() == "sent"  # 10-19, from memory; its move waits for the next commit...
    finally:
        collector.close()  # ... which never comes: the process dies (no flush, no release)
        w._drop_connection()
    assert cursor_at(engine) == (10, 10)
    store_messages(engine, [track(i) for i in range(20, 25)])
    # The restarted process (the same holder here: one whose process is gone is replaced at once)
    restarted = DestinationWorker(engine, dest[0], owner=w.owner, backoff=FAST)
    try:
        assert restarted.catch_up().outcome == IDLE
    finally:
        restarted.close()
    ids = [m["messageId"] for m in rx.delivered()]
    assert ids == [f"m-{i:05d}" for i in (*range(20), *range(10, 25))]
    assert cursor_at(engine) == (25, 25)


def test_a_move_whose_collector_commit_failed_goes_into_the_next_one(engine: Engine, rx: Receiver) -> None:
    """A collector transaction that carried a cursor move and then failed (rolled back) leaves the
    move waiting: the next commit makes it, counted once; nothing is sent twice or skipped."""
    forwarder = Forwarder(engine, parse_destinations([{"name": "hook", "type": "webhook", "url": rx.url,
                                                       "batch": 100}]), backoff=FAST)
    (w,) = forwarder.workers
    collector = Collector(engine, forwarder)
    try:
        collector.commit([track(i) for i in range(10)])
        assert w.step() == "sent"
        with engine.connect() as conn:  # a commit that fails after the forwarder's statements
            done = forwarder.in_transaction(conn)
            assert done is not None
            conn.rollback()
        done(False)
        assert cursor_at(engine) == (0, 0)
        collector.commit([track(i) for i in range(10, 20)])
        assert cursor_at(engine) == (10, 10)
        drain(w)
    finally:
        collector.close()
        w.close()
    assert [m["messageId"] for m in rx.delivered()] == [f"m-{i:05d}" for i in range(20)]
    assert cursor_at(engine) == (20, 20)
    assert w.moves_in_collector == 1


def test_no_more_than_the_bound_waits_for_the_collectors_commit_while_one_is_in_progress(
        engine: Engine, rx: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    """The delivered messages whose cursor move is not committed stay within PENDING_MOST (what a
    crash can send again), counting those of a collector commit still in progress: a batch that
    would pass it waits until that commit has ended."""
    monkeypatch.setattr(forwarder_module, "PENDING_MOST", 15)
    forwarder = Forwarder(engine, parse_destinations([{"name": "hook", "type": "webhook", "url": rx.url,
                                                       "batch": 10}]), backoff=FAST)
    (w,) = forwarder.workers
    collector = Collector(engine, forwarder)
    delivered_at_commit: list[int] = []
    try:
        collector.commit([track(i) for i in range(10)])
        assert w.step() == "sent"  # 0-9
        collector.commit([track(i) for i in range(10, 20)])  # moves the cursor past 0-9
        collector.commit([track(i) for i in range(20, 30)])
        assert w.step() == "sent"  # 10-19: its move waits
        conn = engine.connect()  # a collector commit carrying that move, still in progress
        done = forwarder.in_transaction(conn)
        assert done is not None

        def commit() -> None:
            delivered_at_commit.append(len(rx.delivered()))
            conn.commit()
            done(True)

        timer = threading.Timer(0.3, commit)
        timer.start()
        assert w.step() == "sent"  # 20-29: 10 in progress + 10 more would pass 15, so after it
        timer.join()
        conn.close()
        drain(w)
    finally:
        collector.close()
        w.close()
    assert delivered_at_commit == [20]
    assert [m["messageId"] for m in rx.delivered()] == [f"m-{i:05d}" for i in range(30)]
    assert cursor_at(engine) == (30, 30)


def test_batches_from_memory_send_the_records_as_held_and_a_cut_batch_moves_the_cursor_to_its_last(
        engine: Engine, rx: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch sent from memory hands the feed's records to the request as they are, their ids
    beside them (formats.RecordRows: no (id, *record) row per message, ~0.1 µs each,
    docs/benchmarks/forward.md), filtered or not; a body too large for one request is cut to
    what fits and the cursor moves to the last message sent: every message reaches each receiver
    once, in order, as a read of the database sends it."""
    handed: list[tuple[str, Any]] = []
    fitted = forwarder_module.fitted_request

    def spy(dest: Any, rows: Any, **kwargs: Any) -> Any:
        handed.append((dest.name, rows))
        return fitted(dest, rows, **kwargs)

    monkeypatch.setattr(forwarder_module, "fitted_request", spy)
    # ~12 webhook messages per request: the batches of 50 are cut to fit
    monkeypatch.setitem(forwarder_module.MAX_BODY_BYTES, "webhook", 5_000)
    fed_beside_read(engine, rx, 300, stored_first=20)
    assert max(len(h.messages()) for h in rx.ok_hits() if h.path.startswith("/fed/hook")) < 50  # (cut)
    from_memory = [(name, rows) for name, rows in handed if name in ("hook", "seg", "mp")
                   and not isinstance(rows, list)]
    assert {name for name, _ in from_memory} == {"hook", "seg", "mp"}
    for _name, rows in from_memory:
        assert isinstance(rows, forwarder_module.RecordRows)
        assert all(type(rec) is tuple and len(rec) == len(rows[0]) - 1 for rec in rows.records)
