"""EventWriter on SQLite and PostgreSQL: every call type, rejections, duplicates, enrichment."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from app.core.schema import events
from app.ingest.writer import EventWriter
from tests.ingest.conftest import event_rows, identity_map, user_rows
from tests.support.postgres import PostgresServer

T0 = "2024-03-10T09:00:00Z"
T0_MS = 1710061200000

CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/120.0.0.0 Safari/537.36")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1")


def test_every_call_type_is_stored(engine: Engine, writer: EventWriter) -> None:
    batch = [
        {"type": "track", "messageId": "t", "userId": "u1", "event": "Order Completed",
         "properties": {"revenue": 19.5, "currency": "EUR"}, "timestamp": T0},
        {"type": "page", "messageId": "p", "userId": "u1", "name": "Home", "timestamp": T0,
         "properties": {"url": "https://acme.test/", "path": "/"}},
        {"type": "screen", "messageId": "s", "userId": "u1", "name": "Settings", "timestamp": T0},
        {"type": "identify", "messageId": "i", "userId": "u1", "traits": {"plan": "pro"}, "timestamp": T0},
        {"type": "group", "messageId": "g", "userId": "u1", "groupId": "acme", "timestamp": T0},
        {"type": "alias", "messageId": "a", "previousId": "old-1", "userId": "u1", "timestamp": T0},
    ]
    result = writer.write(batch)
    assert (result.stored, result.duplicates, result.rejected) == (6, 0, [])
    rows = {r["message_id"]: r for r in event_rows(engine)}
    assert rows["t"]["event"] == "Order Completed"
    assert rows["t"]["properties"] == {"revenue": 19.5, "currency": "EUR"}
    assert rows["p"]["event"] == "Page Viewed"
    assert rows["p"]["properties"]["name"] == "Home"
    assert rows["s"]["event"] == "Screen Viewed"
    assert rows["s"]["properties"] == {"name": "Settings"}
    for kind in "iga":
        assert rows[kind]["event"] is None
    assert {r["type"] for r in rows.values()} == {"track", "page", "screen", "identify", "group", "alias"}
    assert all(r["ts"] == T0_MS and r["person"] == "u1" for r in rows.values())
    person = user_rows(engine)["u1"]
    assert person["event_count"] == 3  # identify/group/alias are not analysis events
    assert person["traits"] == {"plan": "pro"}
    # Ids increase in input order (the Live View polls by id).
    assert [r["message_id"] for r in event_rows(engine)] == ["t", "p", "s", "i", "g", "a"]


def test_bad_messages_rejected_rest_of_batch_stored(engine: Engine, writer: EventWriter) -> None:
    batch = [
        {"type": "track", "messageId": "ok1", "userId": "u", "event": "A"},
        {"type": "track", "messageId": "bad1", "event": "A"},
        {"type": "launch", "messageId": "bad2", "userId": "u"},
        {"type": "track", "messageId": "bad3", "userId": "u", "event": "A", "timestamp": "not a date"},
        {"type": "track", "messageId": "bad4", "userId": "u"},
        "not an object",
        {"type": "track", "messageId": "ok2", "anonymousId": "a", "event": "B"},
    ]
    result = writer.write(batch)
    assert result.stored == 2
    assert [(r.index, r.message_id) for r in result.rejected] == [
        (1, "bad1"), (2, "bad2"), (3, "bad3"), (4, "bad4"), (5, None)]
    assert "userId" in result.rejected[0].reason and "anonymousId" in result.rejected[0].reason
    assert "unknown type" in result.rejected[1].reason
    assert "timestamp" in result.rejected[2].reason
    assert "event" in result.rejected[3].reason
    assert [r["message_id"] for r in event_rows(engine)] == ["ok1", "ok2"]


def test_resent_message_is_stored_once(engine: Engine, writer: EventWriter) -> None:
    msg = {"type": "track", "messageId": "m-1", "userId": "u", "event": "A", "timestamp": T0}
    first = writer.write([msg, dict(msg)])
    assert (first.stored, first.duplicates) == (1, 1)
    again = writer.write([msg, {**msg, "messageId": "m-2"}])
    assert (again.stored, again.duplicates) == (1, 1)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(events)).scalar() == 2
    assert user_rows(engine)["u"]["event_count"] == 2


def test_received_at_and_clock_correction(engine: Engine, writer: EventWriter) -> None:
    arrived = datetime(2024, 3, 10, 9, 0, 10, tzinfo=UTC)
    # Device clock 2 hours behind, in a +01:00 zone; sent 3 s after the call.
    msg = {"type": "track", "messageId": "m", "userId": "u", "event": "A",
           "timestamp": "2024-03-10T08:00:07+01:00", "sentAt": "2024-03-10T08:00:10+01:00"}
    writer.write([msg], received_at=arrived)
    row = event_rows(engine)[0]
    assert row["received_at"] == T0_MS + 10_000
    assert row["ts"] == T0_MS + 7_000


def test_enrichment_of_ip_user_agent_and_referrer(engine: Engine, writer: EventWriter) -> None:
    batch = [
        {"type": "page", "messageId": "google", "anonymousId": "a1", "timestamp": T0,
         "context": {"ip": "8.8.8.8", "userAgent": CHROME_WINDOWS,
                     "page": {"url": "https://acme.test/", "referrer": "https://www.google.com/search?q=acme"}}},
        {"type": "page", "messageId": "direct", "anonymousId": "a2", "timestamp": T0,
         "context": {"ip": "1.1.1.1", "userAgent": SAFARI_IPHONE, "page": {"url": "https://acme.test/"}}},
        {"type": "track", "messageId": "private", "anonymousId": "a3", "event": "E", "timestamp": T0,
         "context": {"ip": "192.168.1.20", "page": {"referrer": "https://t.co/xyz"}}},
        {"type": "track", "messageId": "server", "userId": "u", "event": "E", "timestamp": T0,
         "context": {"library": {"name": "analytics-python"}}},
    ]
    assert writer.write(batch).stored == 4
    rows = {r["message_id"]: r for r in event_rows(engine)}
    google = rows["google"]
    assert (google["city"], google["region"], google["country_code"]) == ("Mountain View", "California", "US")
    assert (google["browser"], google["os"], google["device"]) == ("Chrome", "Windows", "Desktop")
    assert google["referring_domain"] == "www.google.com"
    direct = rows["direct"]
    assert (direct["city"], direct["country_code"]) == ("Sydney", "AU")
    assert (direct["browser"], direct["os"], direct["device"]) == ("Mobile Safari", "iOS", "iPhone")
    assert direct["referring_domain"] == "$direct"
    private = rows["private"]
    assert (private["city"], private["region"], private["country_code"]) == (None, None, None)
    assert private["referring_domain"] == "t.co"
    server = rows["server"]
    assert server["referring_domain"] is None and server["browser"] is None


def test_enrichment_can_be_switched_off(engine: Engine) -> None:
    EventWriter(engine, enrich=False).write([
        {"type": "track", "messageId": "m", "userId": "u", "event": "E", "context": {"ip": "8.8.8.8"}}])
    assert event_rows(engine)[0]["city"] is None


def test_user_row_tracks_first_last_seen_traits_and_email(engine: Engine, writer: EventWriter) -> None:
    writer.write([
        {"type": "track", "userId": "u", "event": "E", "timestamp": "2024-03-10T10:00:00Z"},
        {"type": "identify", "userId": "u", "timestamp": "2024-03-10T08:00:00Z",
         "traits": {"email": "ann@example.com", "plan": "free", "age": 31}},
    ])
    writer.write([
        {"type": "identify", "userId": "u", "timestamp": "2024-03-11T08:00:00Z", "traits": {"plan": "pro"}},
        {"type": "track", "userId": "u", "event": "E", "timestamp": "2024-03-09T10:00:00Z"},
    ])
    person = user_rows(engine)["u"]
    assert person["traits"] == {"email": "ann@example.com", "plan": "pro", "age": 31}
    assert person["email"] == "ann@example.com"
    assert person["first_seen"] == 1709978400000  # 2024-03-09T10:00Z
    assert person["last_seen"] == 1710144000000  # 2024-03-11T08:00Z
    assert person["event_count"] == 2
    assert identity_map(engine) == {"u": "u"}


def test_unicode_and_nested_properties_round_trip(engine: Engine, writer: EventWriter) -> None:
    props = {"name": "Café ☕ 東京", "nested": {"list": [1, 2.5, True, None], "flag": False}}
    writer.write([{"type": "track", "messageId": "u", "userId": "ü", "event": "Ünïcode", "properties": props}])
    row = event_rows(engine)[0]
    assert row["properties"] == props
    assert (row["event"], row["person"]) == ("Ünïcode", "ü")


def test_empty_and_all_invalid_batches_touch_nothing(engine: Engine, writer: EventWriter) -> None:
    assert writer.write([]).stored == 0
    result = writer.write([{"type": "nope"}])
    assert result.stored == 0 and len(result.rejected) == 1
    assert event_rows(engine) == []


@pytest.mark.parametrize("bad", [{"p": "a\x00b"}, {"p": "\ud800"}])
def test_text_postgresql_cannot_store_is_rejected_on_both(engine: Engine, writer: EventWriter, bad: dict) -> None:
    result = writer.write([
        {"type": "track", "messageId": "bad", "userId": "u", "event": "E", "properties": bad},
        {"type": "track", "messageId": "good", "userId": "u", "event": "E"},
    ])
    assert result.stored == 1 and result.rejected[0].message_id == "bad"


def test_database_failure_is_one_line_and_classified(sqlite_url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from app.core.database import DatabaseError, open_database

    engine = open_database(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE identities"))
    with pytest.raises(DatabaseError) as info:
        EventWriter(engine, enrich=False).write([{"type": "track", "userId": "u", "event": "E"}])
    assert "identities" in str(info.value) and "\n" not in str(info.value)
    # Callers (the collector) tell "database unavailable" from "data refused" by the cause's class.
    assert isinstance(info.value.__cause__, OperationalError)


def test_concurrent_writers_lose_nothing(engine: Engine) -> None:
    """Collector, importer and simulator may write at once; the write lock serialises them."""
    import threading

    errors: list[BaseException] = []

    def work(worker: int) -> None:
        writer = EventWriter(engine, enrich=False)
        try:
            for batch in range(5):
                writer.write([
                    {"type": "track", "messageId": f"w{worker}-{batch}-{i}", "anonymousId": f"d{i % 7}",
                     "userId": f"u{i % 3}" if i % 2 else None, "event": "E", "timestamp": T0}
                    for i in range(40)
                ])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(events)).scalar() == 3 * 5 * 40
    people = user_rows(engine)
    assert sum(p["event_count"] for p in people.values()) == 600
    assert set(identity_map(engine).values()) <= set(people)


def test_every_event_keeps_its_own_context_across_batches_deletes_and_other_writers(
        engine: Engine, writer: EventWriter) -> None:
    """The writer files each context under the id its event was given (by the batch's id range,
    or by message id when that range is not one block): after the newest event was deleted (its
    id is never reused), after another program's row, and with duplicates skipped in a batch,
    every event still shows its own context and none shows another's."""
    from sqlalchemy import delete, insert

    from app.core.backends import backend_for

    if backend_for(engine).appends_only:
        pytest.skip("ClickHouse keeps the context in the events rows (no id to file it under)")

    def batch(prefix: str, n: int) -> list[dict[str, object]]:
        return [{"type": "track", "messageId": f"{prefix}{i}", "userId": "u", "event": "E", "timestamp": T0,
                 "context": {"locale": f"{prefix}{i}"}} for i in range(n)]

    writer.write(batch("a", 5))
    with engine.begin() as conn:
        conn.execute(delete(events).where(events.c.message_id == "a4"))
        conn.execute(insert(events).values(message_id="other", type="track", event="E", person="v", ts=T0_MS,
                                           received_at=0, properties={}))
    result = writer.write(batch("b", 3) + batch("a", 2))
    assert (result.stored, result.duplicates) == (3, 2)
    writer.write(batch("c", 4))
    rows = event_rows(engine)
    assert [r["message_id"] for r in rows] == ["a0", "a1", "a2", "a3", "other", "b0", "b1", "b2",
                                               "c0", "c1", "c2", "c3"]
    assert [(r["context"] or {}).get("locale") for r in rows] == [
        r["message_id"] if r["message_id"] != "other" else None for r in rows]


def test_contexts_stay_right_when_a_trigger_adds_rows_to_the_batch(sqlite_url: str) -> None:
    """A user's own trigger that inserts events while the writer inserts (so the batch's rows are
    not its records alone): the writer finds each id by message id instead, and every event still
    shows its own context (the trigger's row has none)."""
    from app.core.database import open_database

    engine = open_database(sqlite_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER audit AFTER INSERT ON events WHEN NEW.message_id = 'b1' BEGIN "
            "INSERT INTO events (message_id, type, event, person, ts, received_at, properties) "
            "VALUES ('audit', 'track', 'Audit', 'v', NEW.ts, 0, '{}'); END")
    writer = EventWriter(engine)
    writer.write([{"type": "track", "messageId": f"b{i}", "userId": "u", "event": "E", "timestamp": T0,
                   "context": {"locale": f"b{i}"}} for i in range(3)])
    rows = event_rows(engine)
    assert [r["message_id"] for r in rows] == ["b0", "b1", "audit", "b2"]
    assert [(r["context"] or {}).get("locale") for r in rows] == ["b0", "b1", None, "b2"]
    engine.dispose()


def _located_batch(prefix: str, n: int) -> list[dict[str, object]]:
    return [{"type": "track", "messageId": f"{prefix}{i}", "userId": "u", "event": "E", "timestamp": T0,
             "context": {"locale": f"{prefix}{i}"}} for i in range(n)]


@pytest.mark.postgres
def test_postgresql_batch_whose_message_id_was_stored_meanwhile_keeps_the_rest(
        pg_server: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL COPYs a checked batch straight into events; when another program stored one of
    its message ids after the duplicate check (simulated: the check finds nothing), the COPY
    conflicts and the batch goes through the staging table instead: the stored row stays as it
    was, every other event is stored once with its own context, and the rollups count each once."""
    from sqlalchemy import text

    from app.core.backends.postgresql import PostgreSQLBackend
    from app.core.database import open_database

    engine = open_database(pg_server.create_database())
    writer = EventWriter(engine, enrich=False)
    writer.write(_located_batch("a", 3))
    monkeypatch.setattr(PostgreSQLBackend, "stored_message_ids", lambda self, conn, ids: set())
    writer.write(_located_batch("b", 2) + _located_batch("a", 2)[1:] + _located_batch("c", 2))
    rows = event_rows(engine)
    assert [r["message_id"] for r in rows] == ["a0", "a1", "a2", "b0", "b1", "c0", "c1"]
    assert [(r["context"] or {}).get("locale") for r in rows] == [r["message_id"] for r in rows]
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(text("SELECT hour, event, n FROM event_hours"))] == [
            (T0_MS, "E", 7)]
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_contexts_stay_right_when_a_trigger_adds_rows_to_the_batch(pg_server: PostgresServer) -> None:
    """A user's own row trigger on PostgreSQL that inserts an event while the writer's COPY runs
    (so the ids above the previous newest are not the batch's alone, nor consecutive): each id is
    found by message id instead, and every event still shows its own context."""
    from app.core.database import open_database

    engine = open_database(pg_server.create_database())
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "INSERT INTO events (message_id, type, event, person, ts, received_at, properties) "
            "VALUES ('audit', 'track', 'Audit', 'v', NEW.ts, 0, '{}'); RETURN NEW; END $$")
        # BEFORE: it runs as the row arrives (b1 has its id), so the audit row's id lies between b1's and b2's.
        conn.exec_driver_sql("CREATE TRIGGER audit BEFORE INSERT ON events FOR EACH ROW "
                             "WHEN (NEW.message_id = 'b1') EXECUTE FUNCTION audit()")
    EventWriter(engine, enrich=False).write(_located_batch("b", 3))
    rows = event_rows(engine)
    assert [r["message_id"] for r in rows] == ["b0", "b1", "audit", "b2"]
    assert {r["message_id"]: (r["context"] or {}).get("locale") for r in rows} == {
        "b0": "b0", "b1": "b1", "b2": "b2", "audit": None}
    engine.dispose()


def test_the_text_backslash_u0000_is_stored_and_only_a_real_nul_refused(engine: Engine, writer: EventWriter) -> None:
    """A property holding code or an escaped JSON snippet ('printf("\\u0000")', six characters
    after the quote) was refused as 'contains a NUL character': its serialized form \\\\u0000
    holds the byte sequence of a NUL's escape."""
    snippet = 'printf("\\u0000"); // and \\\\u0000'
    batch = [
        {"type": "track", "messageId": "code", "userId": "u1", "event": "Error Logged", "timestamp": T0,
         "properties": {"source": snippet, "key \\u0000": 1}, "context": {"page": {"title": "\\u0000"}}},
        {"type": "identify", "messageId": "traits", "userId": "u1", "timestamp": T0,
         "traits": {"bio": "\\u0000 is NUL"}},
        {"type": "track", "messageId": "nul", "userId": "u1", "event": "E", "timestamp": T0,
         "properties": {"source": "a\\\u0000"}},
    ]
    result = writer.write(batch)
    assert result.stored == 2
    assert [(r.message_id, r.reason) for r in result.rejected] == [
        ("nul", "properties contains a NUL character (\\u0000)")]
    rows = {r["message_id"]: r for r in event_rows(engine)}
    props = rows["code"]["properties"]
    props = props if isinstance(props, dict) else json.loads(props)
    assert props == {"source": snippet, "key \\u0000": 1}
    context = rows["code"]["context"]
    context = context if isinstance(context, dict) else json.loads(context)
    assert context["page"]["title"] == "\\u0000"
    traits = user_rows(engine)["u1"]["traits"]
    traits = traits if isinstance(traits, dict) else json.loads(traits)
    assert traits["bio"] == "\\u0000 is NUL"


def test_ctrl_c_whose_clean_up_fails_in_the_driver_is_still_an_interruption(
        engine: Engine, writer: EventWriter, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl+C in the middle of a statement can leave the driver's connection mid-exchange, so its
    clean-up fails with an error of its own that replaces the KeyboardInterrupt (psycopg, when the
    interrupt cut off the pool's ping: 'can't change 'autocommit' now: connection in transaction
    status ACTIVE', seen in 1 of 5 Ctrl+C of `tracklens import` on PostgreSQL). The writer raised
    that as a database error, so the import said "database error: can't change 'autocommit' now"
    instead of "interrupted: the batches committed so far are stored; run the same import again".
    It raises the KeyboardInterrupt, and nothing of the batch is stored."""
    from sqlalchemy.exc import ProgrammingError

    connect = engine.connect

    def interrupted_checkout() -> Any:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            try:
                raise RuntimeError("can't change 'autocommit' now: connection in transaction status ACTIVE")
            except RuntimeError as driver_error:
                raise ProgrammingError("SELECT 1", {}, driver_error) from driver_error

    monkeypatch.setattr(engine, "connect", interrupted_checkout)
    with pytest.raises(KeyboardInterrupt):
        writer.write([{"type": "track", "event": "E", "userId": "u1", "messageId": "m1"}])
    monkeypatch.setattr(engine, "connect", connect)
    assert event_rows(engine) == []
