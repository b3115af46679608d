"""The hourly rollups stay equal to what the events say, whoever writes and however."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection, Engine, delete, func, insert, inspect, select, update

from app.core import rollups
from app.core.backends import backend_for, backend_for_url
from app.core.schema import SCHEMA_VERSION, event_hours, event_person_hours, events, person_hours
from app.ingest.writer import EventWriter


@pytest.fixture(autouse=True)
def _only_where_rollups_exist(db_url: str) -> None:
    """Triggers and schema migrations of the hourly rollups: SQLite and PostgreSQL. ClickHouse has
    neither (its segmentation scans events, fast there; tests/clickhouse)."""
    if backend_for_url(db_url).appends_only:
        pytest.skip("ClickHouse keeps no hourly rollups and has no older schema to migrate")

HOUR = rollups.HOUR_MS


Rollups = tuple[dict[tuple[int, str], int], dict[tuple[int, str], int], dict[tuple[int, str, str], int]]


def _read(conn: Connection) -> Rollups:
    by_event = {(r.hour, r.event): r.n for r in conn.execute(select(event_hours))}
    by_person = {(r.hour, r.person): r.n for r in conn.execute(select(person_hours))}
    by_both = {(r.hour, r.event, r.person): r.n for r in conn.execute(select(event_person_hours))}
    return by_event, by_person, by_both


def stored(engine: Engine) -> Rollups:
    with engine.connect() as conn:
        return _read(conn)


def recomputed(engine: Engine) -> Rollups:
    """The rollups as a reader would compute them from the events, in Python."""
    by_event: dict[tuple[int, str], int] = {}
    by_person: dict[tuple[int, str], int] = {}
    by_both: dict[tuple[int, str, str], int] = {}
    with engine.connect() as conn:
        for event, person, ts in conn.execute(select(events.c.event, events.c.person, events.c.ts)):
            if event is None:
                continue
            hour = ts // HOUR * HOUR
            by_event[(hour, event)] = by_event.get((hour, event), 0) + 1
            by_person[(hour, person)] = by_person.get((hour, person), 0) + 1
            by_both[(hour, event, person)] = by_both.get((hour, event, person), 0) + 1
    return by_event, by_person, by_both


def _t(hour: int, minute: int) -> str:
    return f"2026-03-29T{hour:02d}:{minute:02d}:00Z"


def test_writer_and_identity_merge_keep_the_rollups_exact(engine: Engine) -> None:
    writer = EventWriter(engine)
    writer.write([
        {"type": "track", "messageId": "a", "anonymousId": "anon", "event": "Viewed", "timestamp": _t(9, 10)},
        {"type": "track", "messageId": "b", "anonymousId": "anon", "event": "Viewed", "timestamp": _t(9, 50)},
        {"type": "page", "messageId": "c", "anonymousId": "anon", "name": "Home", "timestamp": _t(10, 0)},
        {"type": "track", "messageId": "d", "userId": "ann", "event": "Viewed", "timestamp": _t(9, 20)},
    ])
    assert stored(engine) == recomputed(engine)
    by_event, by_person, by_both = stored(engine)
    nine = 1774774800000  # 2026-03-29T09:00Z
    assert by_event[(nine, "Viewed")] == 3
    assert by_person[(nine, "anon")] == 2 and by_person[(nine, "ann")] == 1
    assert by_both[(nine, "Viewed", "anon")] == 2 and by_both[(nine, "Viewed", "ann")] == 1

    # anon signs in as ann: their hours move to ann, adding up where both were active.
    writer.write([{"type": "identify", "messageId": "i", "anonymousId": "anon", "userId": "ann",
                   "timestamp": _t(11, 0)}])
    assert stored(engine) == recomputed(engine)
    _, by_person, by_both = stored(engine)
    assert by_person[(nine, "ann")] == 3 and by_both[(nine, "Viewed", "ann")] == 3
    assert not any(person == "anon" for _, person in by_person)
    assert not any(person == "anon" for _, _, person in by_both)


def test_direct_inserts_updates_and_deletes_keep_the_rollups_exact(engine: Engine) -> None:
    rows: list[dict[str, object]] = [{"message_id": f"m{i}", "type": "track", "event": name, "person": person, "ts": ts,
             "received_at": ts, "properties": {}}
            for i, (name, person, ts) in enumerate([
                ("A", "p1", 5), ("A", "p1", HOUR - 1), ("B", "p2", HOUR), ("A", "p2", 3 * HOUR + 7),
                (None, "p1", 20)])]
    rows[-1]["type"] = "identify"
    with engine.begin() as conn:
        conn.execute(insert(events), rows)
        # SQLite has no insert trigger: another program's rows count from the writer's next
        # batch or the next writable open, or at once with catch_up (a no-op elsewhere).
        assert rollups.catch_up(conn) == (5 if backend_for(conn).rollups_by_writer else 0)
    assert stored(engine) == recomputed(engine)
    assert stored(engine)[0] == {(0, "A"): 2, (HOUR, "B"): 1, (3 * HOUR, "A"): 1}

    with engine.begin() as conn:
        conn.execute(update(events).where(events.c.person == "p2").values(person="p1"))
        conn.execute(update(events).where(events.c.message_id == "m0").values(ts=2 * HOUR))
    assert stored(engine) == recomputed(engine)

    with engine.begin() as conn:
        conn.execute(delete(events).where(events.c.event == "A"))
    assert stored(engine) == recomputed(engine) == ({(HOUR, "B"): 1}, {(HOUR, "p1"): 1}, {(HOUR, "B", "p1"): 1})

    with engine.begin() as conn:
        conn.execute(delete(events))
        left = conn.execute(select(func.count()).select_from(person_hours)).scalar_one()
    assert stored(engine) == ({}, {}, {}) and left == 0


def test_backfill_recomputes_rollups_that_were_lost(engine: Engine) -> None:
    EventWriter(engine).write([
        {"type": "track", "messageId": f"x{i}", "userId": f"u{i % 3}", "event": f"E{i % 2}",
         "timestamp": _t(i % 5, i)} for i in range(30)])
    expected = stored(engine)
    with engine.begin() as conn:
        conn.execute(delete(event_hours))
        conn.execute(delete(person_hours))
        conn.execute(delete(event_person_hours))
        rollups.backfill(conn)
    assert stored(engine) == expected == recomputed(engine)


def _make_schema_1(engine: Engine) -> None:
    """Turn a new database into what a schema-1 database looked like."""
    from app.core.schema import meta

    with engine.begin() as conn:
        json_type = "JSONB" if conn.dialect.name == "postgresql" else "JSON"
        conn.exec_driver_sql(f"ALTER TABLE events ADD COLUMN context {json_type} NOT NULL DEFAULT '{{}}'")
        conn.exec_driver_sql("UPDATE events SET context = (SELECT c.context FROM event_context c WHERE c.id = events.id)")
        conn.exec_driver_sql("DROP TABLE event_context")
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("DROP INDEX ix_events_ts_brin")
            conn.exec_driver_sql("CREATE INDEX ix_events_ts ON events (ts)")
        for trigger in ("events_rollup_insert", "events_rollup_delete", "events_rollup_update"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}" + (" ON events" if conn.dialect.name != "sqlite" else ""))
        conn.exec_driver_sql("DROP INDEX ix_events_event_person_ts")
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP INDEX ix_events_event_ts_person_props")
            conn.exec_driver_sql("CREATE INDEX ix_events_event_ts_person ON events (event, ts, person)")
        conn.exec_driver_sql("DROP TABLE event_hours")
        conn.exec_driver_sql("DROP TABLE person_hours")
        conn.exec_driver_sql("DROP TABLE event_person_hours")
        conn.execute(update(meta).where(meta.c.key == "schema_version").values(value="1"))


def _schema_1_database(db_url: str) -> tuple[Rollups, list[dict[str, Any]]]:
    """12 events with contexts stored, then the database taken back to schema 1; returns the
    rollups they make and what the Live View listed, for after the upgrade."""
    from app.core.database import open_database
    from app.query import run_query

    engine = open_database(db_url)
    EventWriter(engine).write([
        {"type": "track", "messageId": f"x{i}", "userId": f"u{i % 4}", "event": "Viewed",
         "timestamp": _t(i % 3, i), "context": {"ip": f"10.0.0.{i}", "locale": "de-DE"}} for i in range(12)])
    expected = recomputed(engine)
    live = run_query(engine, {"kind": "live", "after_id": 0, "limit": 100})["events"]
    _make_schema_1(engine)
    engine.dispose()
    return expected, live


def test_a_schema_1_database_is_migrated_with_filled_rollups_and_contexts_moved_out(db_url: str) -> None:
    from app.core.database import open_database
    from app.core.schema import event_context, meta
    from app.query import run_query

    expected, live = _schema_1_database(db_url)
    assert live[0]["context"]["locale"] == "de-DE"

    engine = open_database(db_url)
    with engine.connect() as conn:
        assert conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar_one() == str(SCHEMA_VERSION)
        indexes = {ix["name"] for ix in inspect(conn).get_indexes("events")}
        assert "context" not in {c["name"] for c in inspect(conn).get_columns("events")}
        assert conn.execute(select(func.count()).select_from(event_context)).scalar_one() == 12
    assert run_query(engine, {"kind": "live", "after_id": 0, "limit": 100})["events"] == live
    assert "ix_events_event_person_ts" in indexes
    if engine.dialect.name == "sqlite":  # the covering index replaces the narrower one
        assert "ix_events_event_ts_person_props" in indexes and "ix_events_event_ts_person" not in indexes
    else:  # BRIN replaces the `ts` B-tree
        assert "ix_events_ts_brin" in indexes and "ix_events_ts" not in indexes
    assert stored(engine) == expected
    EventWriter(engine).write([{"type": "track", "messageId": "new", "userId": "u9", "event": "Viewed",
                                "timestamp": _t(1, 1)}])  # the triggers (SQLite: the writer) count again
    assert stored(engine) == recomputed(engine) != expected
    engine.dispose()


def backfilled(engine: Engine) -> Rollups:
    """The rollups as rollups.backfill recomputes them from the events (rolled back after)."""
    with engine.connect() as conn, conn.begin() as tx:
        rollups.backfill(conn)
        out = _read(conn)
        tx.rollback()
    return out


def test_batches_with_duplicates_merges_and_a_delete_keep_the_rollups_equal_to_backfill(engine: Engine) -> None:
    """The writer's per-batch maintenance (SQLite: one grouped upsert per rollup and batch, the
    insert trigger standing aside) against backfill's recomputation, row for row."""
    writer = EventWriter(engine)

    def track(mid: str, event: str, minute: int, hour: int, **ids: str) -> dict[str, object]:
        return {"type": "track", "messageId": mid, "event": event, "timestamp": _t(hour, minute), **ids}

    first = [
        track("a1", "Viewed", 5, 9, anonymousId="anon"),
        track("a1", "Viewed", 5, 9, anonymousId="anon"),  # a duplicate within the batch
        track("a2", "Viewed", 59, 9, anonymousId="anon"),
        track("a3", "Clicked", 0, 10, anonymousId="anon"),
        {"type": "page", "messageId": "a4", "anonymousId": "anon2", "name": "Home", "timestamp": _t(10, 30)},
        {"type": "identify", "messageId": "a5", "userId": "bob", "traits": {"plan": "pro"}, "timestamp": _t(9, 1)},
        track("b1", "Viewed", 10, 9, userId="ann"),
    ]
    result = writer.write(first)
    assert (result.stored, result.duplicates) == (6, 1)
    assert stored(engine) == backfilled(engine) == recomputed(engine)

    second = [
        *first[:3],  # re-sent: stored already, must not count again
        track("c1", "Viewed", 20, 9, userId="ann"),
        {"type": "identify", "messageId": "c2", "anonymousId": "anon", "userId": "ann", "timestamp": _t(11, 0)},
        track("c3", "Clicked", 1, 11, anonymousId="anon"),  # after the merge: ann's
        {"type": "alias", "messageId": "c4", "previousId": "anon2", "userId": "bob", "timestamp": _t(12, 0)},
        {"type": "group", "messageId": "c5", "userId": "bob", "groupId": "g1", "timestamp": _t(12, 5)},
    ]
    result = writer.write(second)
    assert (result.stored, result.duplicates) == (5, 3)
    assert stored(engine) == backfilled(engine) == recomputed(engine)
    by_event, by_person, by_both = stored(engine)
    nine = 1774774800000  # 2026-03-29T09:00Z
    assert by_event[(nine, "Viewed")] == 4
    assert by_person[(nine, "ann")] == 4 and not any(p in ("anon", "anon2") for _, p in by_person)
    assert by_both[(nine, "Viewed", "ann")] == 4 and not any(p in ("anon", "anon2") for _, _, p in by_both)

    # Another program inserts (SQLite: counted by the writer's next batch, which has a merge),
    # then a batch that is all duplicates.
    with engine.begin() as conn:
        conn.execute(insert(events), [
            {"message_id": "x1", "type": "track", "event": "Viewed", "person": "zoe", "ts": nine + 60_000,
             "received_at": nine, "properties": {}},
            {"message_id": "x2", "type": "track", "event": "Viewed", "person": "anon3", "ts": nine + 70_000,
             "received_at": nine, "properties": {}}])
    writer.write([{"type": "identify", "messageId": "x3", "anonymousId": "anon3", "userId": "bob",
                   "timestamp": _t(14, 0)}])
    assert writer.write(second[:3]).stored == 0
    assert stored(engine) == backfilled(engine) == recomputed(engine)

    with engine.begin() as conn:
        conn.execute(delete(events).where(events.c.message_id.in_(("a2", "x1"))))
    writer.write([track("d1", "Viewed", 30, 9, userId="ann"), track("d2", "Bought", 0, 13, userId="bob")])
    assert stored(engine) == backfilled(engine) == recomputed(engine)


def test_rows_another_program_inserted_count_at_the_next_open(db_url: str) -> None:
    from app.core.database import open_database

    engine = open_database(db_url)
    EventWriter(engine).write([{"type": "track", "messageId": "w", "userId": "u", "event": "E",
                                "timestamp": _t(9, 0)}])
    with engine.begin() as conn:
        conn.execute(insert(events), [{"message_id": f"o{i}", "type": "track", "event": "E", "person": "v",
                                       "ts": 1774774800000 + i, "received_at": 0, "properties": {}}
                                      for i in range(3)])
    engine.dispose()
    engine = open_database(db_url)
    assert stored(engine) == backfilled(engine) == recomputed(engine)
    assert stored(engine)[0] == {(1774774800000, "E"): 4}
    engine.dispose()


def test_a_failed_batch_leaves_neither_events_nor_counts(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.core.database import DatabaseError

    writer = EventWriter(engine)
    writer.write([{"type": "track", "messageId": "ok", "userId": "u", "event": "E", "timestamp": _t(9, 0)}])
    before = stored(engine)

    def fail(self: object, cursor: object, after_id: int) -> None:
        cursor.execute("SELECT no_such_column FROM events")  # type: ignore[attr-defined]

    if writer.backend.rollups_by_writer:
        monkeypatch.setattr(type(writer.backend), "end_rollup_batch", fail)  # after the inserts
    else:  # the staged insert fails instead
        monkeypatch.setattr(type(writer.backend), "insert_staged",
                            lambda self, conn, cols, rows: conn.exec_driver_sql("SELECT no_such_column FROM events"))
    with pytest.raises(DatabaseError):
        writer.write([{"type": "track", "messageId": "bad", "userId": "u", "event": "E", "timestamp": _t(9, 1)}])
    monkeypatch.undo()
    assert stored(engine) == before == recomputed(engine)
    assert writer.write([{"type": "track", "messageId": "ok2", "userId": "u", "event": "E",
                          "timestamp": _t(9, 2)}]).stored == 1
    assert stored(engine) == recomputed(engine)


_SCHEMA_3_SQLITE_TRIGGERS = [
    """CREATE TRIGGER events_rollup_insert AFTER INSERT ON events BEGIN
INSERT INTO event_hours (hour, event, n) SELECT (NEW.ts - ((NEW.ts % 3600000) + 3600000) % 3600000), NEW.event, 1
WHERE NEW.event IS NOT NULL ON CONFLICT (hour, event) DO UPDATE SET n = n + 1;
INSERT INTO person_hours (hour, person, n) SELECT (NEW.ts - ((NEW.ts % 3600000) + 3600000) % 3600000), NEW.person, 1
WHERE NEW.event IS NOT NULL ON CONFLICT (hour, person) DO UPDATE SET n = n + 1;
END""",
    """CREATE TRIGGER events_rollup_delete AFTER DELETE ON events BEGIN
UPDATE event_hours SET n = n - 1 WHERE OLD.event IS NOT NULL
AND hour = (OLD.ts - ((OLD.ts % 3600000) + 3600000) % 3600000) AND event = OLD.event;
UPDATE person_hours SET n = n - 1 WHERE OLD.event IS NOT NULL
AND hour = (OLD.ts - ((OLD.ts % 3600000) + 3600000) % 3600000) AND person = OLD.person;
END""",
]


def test_a_schema_3_database_loses_its_insert_trigger_and_keeps_its_counts(db_url: str) -> None:
    """3 -> 4 on SQLite: the per-row insert trigger would count the writer's batches a second
    time; the migration drops it, guards the others and records every stored event as counted."""
    from app.core.database import open_database
    from app.core.schema import meta

    engine = open_database(db_url)
    rows = [{"type": "track", "messageId": f"x{i}", "userId": f"u{i % 3}", "event": "Viewed",
             "timestamp": _t(i % 4, i)} for i in range(10)]
    EventWriter(engine).write(rows[:5])
    if engine.dialect.name == "sqlite":  # what schema 3 had: a row trigger for every insert
        with engine.begin() as conn:
            for trigger in ("events_rollup_insert", "events_rollup_delete", "events_rollup_update"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
            for ddl in _SCHEMA_3_SQLITE_TRIGGERS:
                conn.exec_driver_sql(ddl)
            conn.execute(delete(meta).where(meta.c.key == rollups.THROUGH_KEY))
            conn.execute(insert(events), [{"message_id": "direct", "type": "track", "event": "Viewed",
                                           "person": "u1", "ts": 5, "received_at": 5, "properties": {}}])
    with engine.begin() as conn:
        conn.execute(update(meta).where(meta.c.key == "schema_version").values(value="3"))
    assert stored(engine)[:2] == recomputed(engine)[:2]  # the rollups schema 3 had
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE event_person_hours")  # schema 5's
    engine.dispose()

    engine = open_database(db_url)
    with engine.connect() as conn:
        assert conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar_one() == str(SCHEMA_VERSION)
        if engine.dialect.name == "sqlite":
            triggers = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
            assert triggers == {"events_rollup_delete", "events_rollup_update"}
    assert stored(engine) == recomputed(engine)
    EventWriter(engine).write(rows[5:])
    with engine.begin() as conn:
        conn.execute(delete(events).where(events.c.message_id == "x0"))
    assert stored(engine) == backfilled(engine) == recomputed(engine)
    assert sum(stored(engine)[0].values()) == 9 + (engine.dialect.name == "sqlite")
    engine.dispose()


def test_a_schema_4_database_gets_the_event_person_rollup_from_its_events(db_url: str) -> None:
    """4 -> 5: event_person_hours is created and filled from the events the other rollups
    count; rows another program inserted (SQLite: not counted yet) are counted into all three
    at the same open, and the writer, deletes and merges keep it exact after."""
    from app.core.database import open_database
    from app.core.schema import meta

    engine = open_database(db_url)
    writer = EventWriter(engine)
    writer.write([{"type": "track", "messageId": f"x{i}", "anonymousId": f"a{i % 3}", "event": f"E{i % 2}",
                   "timestamp": _t(i % 4, i)} for i in range(12)])
    with engine.begin() as conn:
        conn.execute(insert(events), [{"message_id": f"o{i}", "type": "track", "event": "E0", "person": "a1",
                                       "ts": 1774774800000 + i, "received_at": 0, "properties": {}}
                                      for i in range(3)])
        conn.exec_driver_sql("DROP TABLE event_person_hours")
        conn.execute(update(meta).where(meta.c.key == "schema_version").values(value="4"))
    engine.dispose()

    engine = open_database(db_url)
    with engine.connect() as conn:
        assert conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar_one() == str(SCHEMA_VERSION)
        assert "ix_event_person_hours_person" in {ix["name"] for ix in inspect(conn).get_indexes("event_person_hours")}
    assert stored(engine) == backfilled(engine) == recomputed(engine)
    assert stored(engine)[2][(1774774800000, "E0", "a1")] == 3
    writer = EventWriter(engine)
    writer.write([{"type": "identify", "messageId": "i", "anonymousId": "a1", "userId": "u",
                   "timestamp": _t(5, 0)},
                  {"type": "track", "messageId": "y", "userId": "u", "event": "E0", "timestamp": _t(9, 30)}])
    with engine.begin() as conn:
        conn.execute(delete(events).where(events.c.message_id == "x0"))
    assert stored(engine) == backfilled(engine) == recomputed(engine)
    assert not any(p == "a1" for _, _, p in stored(engine)[2])
    engine.dispose()


def test_a_schema_upgrade_interrupted_midway_leaves_the_old_schema_and_the_next_open_upgrades(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The migrations run in one transaction, DDL included, on SQLite too: Python's sqlite3
    begins a transaction only before an INSERT, UPDATE or DELETE, so the CREATE TABLE that starts
    the 2 -> 3 upgrade stayed when the upgrade was interrupted (Ctrl+C, a crash, a full disk)
    while the rest rolled back: a schema-2 file with an empty event_context, which every later
    open refused ('table event_context already exists'): its events could no longer be read."""
    from app.core import migrations
    from app.core.database import open_database
    from app.core.schema import event_context, meta
    from app.query import run_query

    expected, live = _schema_1_database(db_url)
    with monkeypatch.context() as patch:  # a schema-2 database: the 1 -> 2 upgrade alone
        patch.setattr(migrations, "SCHEMA_VERSION", 2)
        open_database(db_url).dispose()

    def interrupted(conn: Connection) -> None:
        raise KeyboardInterrupt  # after 2 -> 3 ran
    with monkeypatch.context() as patch:
        patch.setitem(migrations.MIGRATIONS, 3, interrupted)
        with pytest.raises(KeyboardInterrupt):
            open_database(db_url)

    engine = open_database(db_url, create=False)  # as it is, not migrated: still schema 2, whole
    with engine.connect() as conn:
        assert conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar_one() == "2"
        assert "context" in {c["name"] for c in inspect(conn).get_columns("events")}
        assert not inspect(conn).has_table("event_context")
    engine.dispose()

    engine = open_database(db_url)
    with engine.connect() as conn:
        assert conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar_one() == str(SCHEMA_VERSION)
        assert conn.execute(select(func.count()).select_from(event_context)).scalar_one() == 12
    assert run_query(engine, {"kind": "live", "after_id": 0, "limit": 100})["events"] == live
    assert stored(engine) == expected
    engine.dispose()


def test_two_processes_creating_the_same_new_database_at_once_both_open_it(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Creating the schema is one transaction of the database's only writer: `tracklens collect`
    and `tracklens import` (or two imports) started together on a new SQLite file or an empty
    PostgreSQL database raced, and one of them stopped with 'table events already exists' (SQLite,
    8 runs of 8 with two processes) or 'duplicate key value violates unique constraint
    "pg_type_typname_nsp_index"' (PostgreSQL, 3 of 6). The second now waits for the first, then
    finds the schema made. Here the first is held inside its creation while the second opens."""
    import threading

    from app.core.database import open_database
    from app.core.schema import meta

    inside, release = threading.Event(), threading.Event()
    install = rollups.install

    def held_install(conn: Connection) -> None:
        install(conn)
        if threading.current_thread().name == "first":
            inside.set()
            release.wait(60)
    monkeypatch.setattr(rollups, "install", held_install)
    outcome: dict[str, object] = {}

    def open_as(name: str) -> None:
        try:
            open_database(db_url).dispose()
            outcome[name] = "opened"
        except Exception as exc:
            outcome[name] = exc
    first = threading.Thread(target=open_as, args=("first",), name="first")
    first.start()
    assert inside.wait(60)
    second = threading.Thread(target=open_as, args=("second",), name="second")
    second.start()
    second.join(1)  # it waits for the first (the outcome is the same if it has not started yet)
    release.set()
    first.join(60)
    second.join(60)
    assert outcome == {"first": "opened", "second": "opened"}
    engine = open_database(db_url)
    with engine.connect() as conn:
        assert conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalars().all() \
            == [str(SCHEMA_VERSION)]
    engine.dispose()
