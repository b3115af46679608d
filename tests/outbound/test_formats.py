"""The request bodies spliced from the stored JSON text equal the ones the forwarder built by
parsing every document and serializing it again (batch_messages, the original path): same
messages, same keys in the same order, same values -- for unusual JSON too."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import Engine

from app.ingest.writer import prepare_messages
from app.outbound.destinations import store
from app.outbound.destinations.config import parse_destinations
from app.outbound.destinations.formats import (
    _body,
    _holds_mixpanel_key,
    _mixpanel_fast,
    _segment_fast,
    batch_messages,
    encode_body,
    mixpanel_event,
    record_row_getter,
    request_for,
    stored_event,
)
from app.outbound.destinations.formats import (
    iso_ms as store_iso,
)
from tests.outbound.destinations_support import store_messages, track

DESTINATIONS = parse_destinations([
    {"name": "hook", "type": "webhook", "url": "http://127.0.0.1:1/h"},
    {"name": "one", "type": "webhook", "url": "http://127.0.0.1:1/h", "batch": 1},
    {"name": "seg", "type": "segment", "url": "http://127.0.0.1:1", "write_key": "k"},
    {"name": "mp", "type": "mixpanel", "url": "http://127.0.0.1:1", "api_secret": "s"},
    {"name": "mpt", "type": "mixpanel", "url": "http://127.0.0.1:1", "api_secret": "s", "project_token": "tok"},
])

UNICODE = {"name": "Café ☕", "emoji": "😀 𝄞", "rtl": "مرحبا", "cjk": "東京", "esc": "q\" b\\ n\n t\t \u0001 \u2028",
           "é-key": "ü"}
NUMBERS: dict[str, Any] = {"big": 123456789012345678901234567890, "neg": -(2 ** 70), "u64": 2 ** 64 - 1, "f": 5.6, "e": 1e16,
           "tiny": 1e-7, "negzero": -0.0, "sum": 0.1 + 0.2, "int": 7, "t": True, "n": None}
SMALL_NUMBERS = {k: v for k, v in NUMBERS.items() if not isinstance(v, int) or abs(v) < 2 ** 63}
NESTED: dict[str, Any] = {"a": {"b": [1, {"c": []}, {}], "d": {}}, "list": [[], [[]]], "s": ""}


def edge_messages() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        track(1, **UNICODE),
        track(2, **NUMBERS),
        track(3, **NESTED),
        track(4),
        # keys Mixpanel's format sets: the stored values are replaced in place, not duplicated
        track(5, time="yesterday", token="theirs", distinct_id="x", **{"$city": "Nowhere", "$insert_id": "i"}),
        {"type": "track", "event": "Anon ✓", "anonymousId": "a-ü", "messageId": "m-anon-üñí", "properties": {"x": 1},
         "timestamp": "2026-11-01T00:00:00.000Z"},
        {"type": "page", "anonymousId": "a1", "messageId": "p1", "name": "Home ☕", "category": "Shop",
         "properties": {"url": "https://x.example/", **UNICODE}, "timestamp": "2026-11-02T10:00:00.123Z",
         "context": {"page": {"title": "Tïtle"}, "locale": "de-DE"}},
        {"type": "page", "anonymousId": "a1", "messageId": "p2", "properties": {"name": 12, "category": ["c"]},
         "timestamp": "2026-11-02T10:00:01.000Z"},
        {"type": "page", "anonymousId": "a1", "messageId": "p3", "properties": {"name": 2 ** 70},
         "timestamp": "2026-11-02T10:00:02.000Z"},
        {"type": "page", "anonymousId": "a1", "messageId": "p4", "properties": {"path": "/only"},
         "timestamp": "2026-11-02T10:00:03.000Z"},
        {"type": "screen", "userId": "u1", "messageId": "s1", "name": "Basket", "properties": {"category": "not used"},
         "timestamp": "2026-11-02T10:00:04.000Z"},
        # (no integer past 64 bits in traits: the people table's writer refuses them today)
        {"type": "identify", "userId": "u1", "messageId": "i1", "traits": {**UNICODE, **SMALL_NUMBERS},
         "timestamp": "2026-11-03T10:00:00.000Z"},
        {"type": "group", "userId": "u1", "groupId": "acmé", "messageId": "g1", "traits": {"size": 2 ** 65},
         "timestamp": "2026-11-04T10:00:00.000Z"},
        {"type": "alias", "userId": "u1", "previousId": "a1", "messageId": "al1", "timestamp": "2026-11-05T10:00:00Z"},
    ]
    return out


def pairs(content: bytes) -> Any:
    """The JSON with every object as its list of (key, value) pairs: equal means same keys, same
    order, same values (exact integers)."""
    return json.loads(content, object_pairs_hook=list)


def original_content(dest: Any, rows: Any) -> bytes:
    """What the forwarder sent before splicing: documents parsed, messages rebuilt, encoded."""
    return encode_body(_body(dest, batch_messages(dest, rows)))


def check_equivalent(engine: Engine, *, exact_order: bool = True) -> int:
    checked = 0
    for dest in DESTINATIONS:
        with engine.connect() as conn:
            rows = store.EventReader(dest).fetch(conn, after=0, upto=store.max_event_id(conn), limit=1000)
        assert rows
        batches = [rows[i:i + 1] for i in range(len(rows))] if dest.batch == 1 else [rows]
        for batch in batches:
            new = request_for(dest, batch).content
            assert new is not None
            old = original_content(dest, batch)
            if exact_order:
                assert pairs(new) == pairs(old), (dest.name, new, old)
            assert json.loads(new) == json.loads(old), (dest.name, new, old)
            checked += 1
    return checked


def test_spliced_bodies_equal_the_rebuilt_ones(engine: Engine) -> None:
    store_messages(engine, edge_messages())
    assert check_equivalent(engine) > 0
    # The webhook message of a big integer is exact, as before.
    with engine.connect() as conn:
        rows = store.EventReader(DESTINATIONS[0]).fetch(conn, after=0, upto=store.max_event_id(conn), limit=1000)
    # Tracklens' own rows take the splice, except those that need a parsed document.
    slow = {r.message_id for r in rows if _segment_fast(r) is None}
    assert slow == {"p2", "p3", "g1", "al1"}, slow
    sent = json.loads(request_for(DESTINATIONS[0], rows).content or b"")["batch"]
    by_id = {m["messageId"]: m for m in sent}
    assert by_id["m-00002"]["properties"]["big"] == 123456789012345678901234567890
    assert by_id["m-00001"]["properties"]["emoji"] == "😀 𝄞"
    assert by_id["p1"]["name"] == "Home ☕" and by_id["p1"]["category"] == "Shop"
    with engine.connect() as conn:
        rows = store.EventReader(DESTINATIONS[3]).fetch(conn, after=0, upto=store.max_event_id(conn), limit=1000)
    # (m-00001 and p1 hold a control character, stored as a \u escape, which could spell a key)
    assert {r.message_id for r in rows if _mixpanel_fast(r, None) is None} == {"m-00001", "p1", "m-00005"}
    mixpanel = json.loads(request_for(DESTINATIONS[3], rows).content or b"")
    props = next(e["properties"] for e in mixpanel if e["properties"]["$insert_id"] == "m-00005")
    assert props["token"] == "theirs" and props["distinct_id"] == "u5" and props["time"] != "yesterday"


def test_the_writers_own_text_skips_the_check_and_sends_the_same_bytes() -> None:
    """Records the collector committed (`written`: the writer's text, never NaN or a non-object)
    skip the splice check; the body is the same, byte for byte, as with the check."""
    nan = {**track(40, x=float("nan"), y=float("inf")), "messageId": "m-nan"}
    records, result = prepare_messages([*edge_messages(), nan], None)
    assert not result.rejected
    for dest in DESTINATIONS:
        get = record_row_getter(dest.type)
        rows = [(i + 1, *get(rec)) for i, rec in enumerate(records) if dest.type != "mixpanel" or rec.event]
        checked = request_for(dest, rows).content
        assert request_for(dest, rows, written=True).content == checked, dest.name
        assert b'"m-nan"' in (checked or b"") or dest.type == "mixpanel"


def test_arrival_times_that_change_from_row_to_row_stay_each_rows_own() -> None:
    """The last row's receivedAt string is reused only for the same arrival time."""
    records, _ = prepare_messages([track(i) for i in range(6)], None)
    get = record_row_getter("segment")
    arrivals = [1793491200000, 1793491200000, 1793491201500, 1793491200000, 1793491299999, 1793491299999]
    rows = [(i + 1, *get(rec)[:6], at, *get(rec)[7:]) for i, (rec, at) in enumerate(zip(records, arrivals, strict=True))]
    for dest in DESTINATIONS[:3]:
        sent = json.loads(request_for(dest, rows).content or b"")
        messages = sent.get("batch", [sent])
        assert [m["receivedAt"] for m in messages] == [store_iso(at) for at in arrivals][:len(messages)]
        assert pairs(request_for(dest, rows).content or b"") == pairs(original_content(dest, rows))


def _insert_raw(engine: Engine, message_id: str, kind: str, event: str | None, properties: str,
                context: str | None) -> None:
    """A row as another program might have written it (SQLite keeps any text)."""
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO events (message_id, type, event, user_id, anonymous_id, person, ts, received_at, "
            "properties, city) VALUES (?, ?, ?, 'u', NULL, 'u', 1793491199123, 1793491200000, ?, 'Köln')",
            (message_id, kind, event, properties))
        if context is not None:
            conn.exec_driver_sql("INSERT INTO event_context (id, context) SELECT id, ? FROM events "
                                 "WHERE message_id = ?", (context, message_id))


@pytest.mark.parametrize("properties, context", [
    ('{"n": NaN, "i": -Infinity}', '{"ip": "1.2.3.4"}'),
    ('{"a": 1}', '{"x": NaN}'),
    ("[1, 2]", None),
    ("null", "null"),
    ("{}", "{}"),
    ('  {"spaced" :  5.60 , "e": 1E+2 }  ', '{"k":"\\u00e9\\ud83d\\ude00"}'),
    ('{"ti\\u006de": 1, "na\\u006de": "escaped"}', None),
    ('{"deep": {"big": 123456789012345678901234567890123}}', None),
])
@pytest.mark.parametrize("kind", ["track", "page", "identify"])
def test_rows_of_other_programs_go_out_as_before(sqlite_url: str, properties: str, context: str | None,
                                                 kind: str) -> None:
    from app.core.database import open_database

    engine = open_database(sqlite_url)
    try:
        _insert_raw(engine, "raw-1", kind, None if kind == "identify" else "Raw", properties, context)
        store_messages(engine, [track(1, plan="pro")])
        assert check_equivalent(engine, exact_order=False) > 0
    finally:
        engine.dispose()


def test_duplicate_keys_reach_the_receiver_as_stored(sqlite_url: str) -> None:
    """Only another program stores a duplicate key; the spliced text keeps both, and a JSON
    reader (the receiver's) keeps the last, which is what the rebuilt message held."""
    from app.core.database import open_database

    engine = open_database(sqlite_url)
    try:
        _insert_raw(engine, "dup", "track", "Dup", '{"a": 1, "a": 2}', None)
        check_equivalent(engine, exact_order=False)
    finally:
        engine.dispose()


def test_mixpanel_events_carry_each_enriched_column_under_its_own_key() -> None:
    """The enriched columns (city ... referring domain) go out under Mixpanel's names, each its
    own value in mixpanel_event's order, absent ones left out; spliced or rebuilt, the same."""
    dest = DESTINATIONS[4]
    enriched = ("Berlin", "Land Berlin", "DE", "Firefox", "Linux", "Desktop", "news.example")
    for k in range(len(enriched) + 1):
        values = tuple(v if i != k else None for i, v in enumerate(enriched))
        row = (7, "m-7", "track", "Order Completed", "u7", "a7", 1_790_000_000_123, 1_790_000_000_456,
               '{"price":12,"sku":"A-1"}', *values)
        fast = _mixpanel_fast(row, dest.project_token, True)
        assert fast is not None
        assert pairs(json.dumps(mixpanel_event(stored_event(row, "mixpanel"), dest.project_token)).encode()) == \
            pairs(encode_body(fast))
        props = json.loads(encode_body(fast))["properties"]
        assert [props.get(key) for key in ("$city", "$region", "mp_country_code", "$browser", "$os", "$device",
                                           "$referring_domain")] == list(values)


@pytest.mark.parametrize("key", ["time", "distinct_id", "token", "mp_country_code", "$insert_id", "$user_id",
                                 "$device_id", "$city", "$region", "$browser", "$os", "$device", "$referring_domain"])
def test_a_document_holding_a_key_mixpanel_sets_is_rebuilt(key: str) -> None:
    """Each key mixpanel_event sets, as a key or a string value, sends the row the original way
    (which replaces it in place); look-alikes do not."""
    reference = re.compile(r'"(?:time|distinct_id|token|mp_country_code|\$(?:insert_id|user_id|device_id|city|'
                           r'region|browser|os|device|referring_domain))"')
    for text in (json.dumps({key: 1}), json.dumps({"a": key}), json.dumps({key + "x": 1, "$": "x" + key}),
                 json.dumps({"$other": 1, "b": [key]})):
        assert _holds_mixpanel_key(text) == (reference.search(text) is not None), text
    assert _holds_mixpanel_key(json.dumps({key: 1}))
    assert not _holds_mixpanel_key(json.dumps({key + "x": 1}))


def _catch_up(engine: Engine, spec: dict[str, Any], url: str) -> Any:
    """A worker of the destination `spec` posting to `url` catches up (each batch tried twice at
    most) and is closed: its summary."""
    from app.outbound.destinations.forwarder import DestinationWorker
    from app.outbound.retry import Backoff

    (dest,) = parse_destinations([{**spec, "url": url}])
    worker = DestinationWorker(engine, dest, backoff=Backoff(base=0.01, cap=0.05, attempts=0), max_attempts=2)
    try:
        return worker.catch_up()
    finally:
        worker.close()


@pytest.mark.parametrize("kind", ["track", "page", "group"])
@pytest.mark.parametrize("spec", [
    {"name": "hook", "type": "webhook"},
    {"name": "seg", "type": "segment", "write_key": "k"},
    {"name": "mp", "type": "mixpanel", "api_secret": "s"},
])
def test_a_lone_surrogate_another_program_stored_goes_out_and_the_destination_goes_on(
        sqlite_url: str, kind: str, spec: dict[str, Any]) -> None:
    """A document holding an unpaired surrogate escape (only another program stores one: the
    collector refuses it) took the rebuilt path, whose encoder raised on it: the destination
    retried that batch for ever and nothing after it was delivered. It goes out as stored (the
    escape), and the next event after it."""
    from app.core.database import open_database
    from tests.outbound.destinations_support import Receiver

    engine = open_database(sqlite_url)
    receiver = Receiver().start()
    try:
        _insert_raw(engine, "lone", kind, None if kind == "group" else "Odd",
                    '{"groupId": "g", "s": "a\\ud800b", "traits": {"s": "a\\ud800b"}}', '{"ip": "\\udfff"}')
        store_messages(engine, [track(1, plan="pro")])
        summary = _catch_up(engine, spec, receiver.url)
        messages = receiver.delivered()
        if spec["type"] == "mixpanel":
            if kind == "group":  # (Mixpanel gets analysis events only)
                assert [m["properties"]["$insert_id"] for m in messages] == ["m-00001"]
            else:
                assert [m["properties"]["$insert_id"] for m in messages] == ["lone", "m-00001"]
                assert messages[0]["properties"]["s"] == "a\ud800b"
        else:
            assert [m["messageId"] for m in messages] == ["lone", "m-00001"]
            document = messages[0]["traits"] if kind == "group" else messages[0]["properties"]
            assert document["s"] == "a\ud800b"
            assert messages[0]["context"] == {"ip": "\udfff"}
        assert summary.outcome == "idle"
    finally:
        receiver.stop()
        engine.dispose()


@pytest.mark.parametrize("properties, context", [
    ('{"a": 1', '{"ip": "1.2.3.4"}'),        # cut short
    ('{"a": }', None),
    ('{"price": 5, "plan": "pro"}', '{"ip": '),  # the context is the broken one
    ('{"a": 1}\x00{"b": 2}', None),          # a NUL, where SQLite's own JSON reading stops
])
@pytest.mark.parametrize("spec", [
    {"name": "hook", "type": "webhook"},
    {"name": "seg", "type": "segment", "write_key": "k"},
    {"name": "mp", "type": "mixpanel", "api_secret": "s"},
])
def test_a_row_that_begins_like_an_object_but_is_not_json_leaves_the_body_json(
        sqlite_url: str, properties: str, context: str | None, spec: dict[str, Any]) -> None:
    """A document another program stored beginning with '{' but not JSON was spliced into the
    body as it was: the receiver got invalid JSON for the whole batch (here it cannot read it
    and the batch is retried until the attempts end; a Segment-compatible receiver refuses the
    batch and every message in it is parked). Mixpanel's splice also cut its last character.
    Such a row now goes out the parsed way, its text as a string, and the batch is delivered."""
    from app.core.database import open_database
    from tests.outbound.destinations_support import Receiver

    engine = open_database(sqlite_url)
    receiver = Receiver().start()
    try:
        store_messages(engine, [track(1, plan="pro")])
        _insert_raw(engine, "raw-bad", "track", "Odd", properties, context)
        store_messages(engine, [track(2, plan="free")])
        summary = _catch_up(engine, spec, receiver.url)
        assert summary.outcome == "idle" and summary.dead == 0
        messages = receiver.delivered()
        if spec["type"] == "mixpanel":
            assert [m["properties"]["$insert_id"] for m in messages] == ["m-00001", "raw-bad", "m-00002"]
            odd = messages[1]["properties"]
            assert odd["distinct_id"] == "u" and odd["$city"] == "Köln"
            if properties.startswith('{"price"'):
                assert odd["price"] == 5
        else:
            assert [m["messageId"] for m in messages] == ["m-00001", "raw-bad", "m-00002"]
            odd = messages[1]
            if properties.startswith('{"price"'):
                assert odd["properties"] == {"price": 5, "plan": "pro"} and odd["context"] == '{"ip": '
            else:
                assert odd["properties"] == properties  # the text as stored, as a string
            assert messages[2]["properties"] == {"plan": "free"}
    finally:
        receiver.stop()
        engine.dispose()
