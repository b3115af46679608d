"""Live polls and the pickers' discovery queries, on both databases."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select

from app.core.schema import events
from app.query import run_query
from tests.query.support import event_row, insert_rows, ms, user_row

NOW = dt.datetime(2026, 11, 4, 12, 0, tzinfo=dt.UTC)


def seed(engine: Engine) -> dict[int, int]:
    """The rows below; their ids by insertion order 1..4 (SQLite and PostgreSQL give 1..4;
    ClickHouse's ids are time based)."""
    insert_rows(engine, [
        event_row("Signed Up", "p1", ms("2026-11-01 10:00:00.250"), {"plan": "pro", "n": 5, "d": "2026-10-01"},
                  city="Berlin", country_code="DE", browser="Firefox", os="Linux", referring_domain="$direct"),
        event_row("Signed Up", "p2", ms("2026-11-01 11:00"), {"plan": "pro", "n": 5.5, "flag": True}),
        event_row("Bought", "p2", ms("2026-11-02 11:00"), {"plan": "free", "n": "5"}),
        event_row(None, "p2", ms("2026-11-02 12:00"), {}, type_="identify"),
    ], [user_row("p1", {"age": 3, "email": "a@example.com", "since": "2026-01-02"}, last_seen=5),
        user_row("p2", {"age": "x"}, last_seen=9)])
    with engine.connect() as conn:
        ids = [row[0] for row in conn.execute(select(events.c.id).order_by(events.c.id))]
    return dict(enumerate(ids, start=1))


def test_live_returns_new_rows_newest_first_with_every_type(engine: Engine) -> None:
    i = seed(engine)
    first = run_query(engine, {"kind": "live"}, now=NOW)
    assert [(e["id"], e["type"], e["event"]) for e in first["events"]] == [
        (i[4], "identify", None), (i[3], "track", "Bought"), (i[2], "track", "Signed Up"),
        (i[1], "track", "Signed Up")]
    oldest = first["events"][-1]
    assert oldest["time"] == "2026-11-01T10:00:00.250Z" and oldest["ts"] == ms("2026-11-01 10:00:00.250")
    assert (oldest["$city"], oldest["$country_code"], oldest["$browser"], oldest["$os"],
            oldest["$referring_domain"]) == ("Berlin", "DE", "Firefox", "Linux", "$direct")
    assert oldest["properties"] == {"plan": "pro", "n": 5, "d": "2026-10-01"} and oldest["person"] == "p1"
    assert first["max_id"] == i[4] and first["more"] is False
    nothing_new = run_query(engine, {"kind": "live", "after_id": i[4]}, now=NOW)
    assert nothing_new == {"events": [], "max_id": i[4], "after_id": i[4], "more": False, "people": {}}
    burst = run_query(engine, {"kind": "live", "after_id": i[1], "limit": 2}, now=NOW)
    assert [e["id"] for e in burst["events"]] == [i[4], i[3]] and burst["more"] is True
    filtered = run_query(engine, {"kind": "live", "events": ["Signed Up"],
                                  "where": [{"trait": "age", "op": "gt", "value": 1}]}, now=NOW)
    assert [e["id"] for e in filtered["events"]] == [i[1]]


def test_live_answer_names_its_persons_by_their_label_traits(engine: Engine) -> None:
    """The view names people from the answer itself: p1 has an e-mail, p2 no label trait."""
    seed(engine)
    insert_rows(engine, [event_row("Bought", "p3", ms("2026-11-03 09:00"), {})],
                [user_row("p3", {"name": "Ada", "email": "ada@example.com", "age": 40}, last_seen=1)])
    answer = run_query(engine, {"kind": "live"}, now=NOW)
    assert answer["people"] == {"p1": {"email": "a@example.com"},
                                "p3": {"name": "Ada", "email": "ada@example.com"}}
    only_p2 = run_query(engine, {"kind": "live", "events": ["Bought"], "limit": 1,
                                 "where": [{"property": "plan", "op": "eq", "value": "free"}]}, now=NOW)
    assert [e["person"] for e in only_p2["events"]] == ["p2"] and only_p2["people"] == {}


def test_live_polls_with_different_filters_do_not_share_answers(engine: Engine) -> None:
    """Poll statements are built once per filter set and reused: each filter set keeps its own."""
    i = seed(engine)
    for _ in range(2):
        pro = run_query(engine, {"kind": "live", "where": [{"property": "plan", "op": "eq", "value": "pro"}]}, now=NOW)
        free = run_query(engine, {"kind": "live", "where": [{"property": "plan", "op": "eq", "value": "free"}]},
                         now=NOW)
        bought = run_query(engine, {"kind": "live", "events": ["Bought"], "after_id": 0}, now=NOW)
        assert [e["id"] for e in pro["events"]] == [i[2], i[1]]
        assert [e["id"] for e in free["events"]] == [i[3]] == [e["id"] for e in bought["events"]]


def test_discovery_of_event_names(engine: Engine) -> None:
    seed(engine)
    everything = run_query(engine, {"kind": "discovery", "what": "events"}, now=NOW)
    assert everything["events"] == [
        {"event": "Signed Up", "count": 2, "last_seen": ms("2026-11-01 11:00")},
        {"event": "Bought", "count": 1, "last_seen": ms("2026-11-02 11:00")}]
    one_day = run_query(engine, {"kind": "discovery", "what": "events", "timezone": "UTC",
                                 "range": {"from": "2026-11-02", "to": "2026-11-02"}}, now=NOW)
    assert [e["event"] for e in one_day["events"]] == ["Bought"]
    # Whole-hour ranges read the hourly rollup, a +05:30 zone's range reads events: same answers.
    for zone in ("UTC", "Asia/Kolkata"):
        week = run_query(engine, {"kind": "discovery", "what": "events", "timezone": zone,
                                  "range": {"from": "2026-10-31", "to": "2026-11-02"}}, now=NOW)
        assert week["events"] == everything["events"], zone
    before = run_query(engine, {"kind": "discovery", "what": "events", "timezone": "UTC",
                                "range": {"from": "2026-11-01", "to": "2026-11-01"}}, now=NOW)
    assert before["events"] == [{"event": "Signed Up", "count": 2, "last_seen": ms("2026-11-01 11:00")}]


def test_discovery_of_property_and_trait_keys(engine: Engine) -> None:
    seed(engine)
    props = run_query(engine, {"kind": "discovery", "what": "properties", "event": "Signed Up"}, now=NOW)["properties"]
    assert [p["name"] for p in props if p["enriched"]] == ["$city", "$region", "$country_code", "$browser", "$os",
                                                            "$device", "$referring_domain"]
    found = {p["name"]: (p["type"], p["count"]) for p in props if not p["enriched"]}
    assert found == {"plan": ("string", 2), "n": ("number", 2), "d": ("date", 1), "flag": ("boolean", 1)}
    everywhere = run_query(engine, {"kind": "discovery", "what": "properties"}, now=NOW)["properties"]
    n = next(p for p in everywhere if p["name"] == "n")
    assert n["types"] == ["number", "string"] and n["type"] == "number" and n["count"] == 3
    traits = run_query(engine, {"kind": "discovery", "what": "traits"}, now=NOW)["traits"]
    assert [(t["name"], t["type"], t["types"]) for t in traits] == [
        ("age", "number", ["number", "string"]), ("email", "string", ["string"]), ("since", "date", ["date"])]


def test_discovery_of_common_values_keeps_their_types(engine: Engine) -> None:
    seed(engine)
    n = run_query(engine, {"kind": "discovery", "what": "values", "property": "n"}, now=NOW)["values"]
    assert n == [{"value": 5, "type": "number", "count": 1}, {"value": 5.5, "type": "number", "count": 1},
                 {"value": "5", "type": "string", "count": 1}]
    plans = run_query(engine, {"kind": "discovery", "what": "values", "property": "plan"}, now=NOW)["values"]
    assert [(v["value"], v["count"]) for v in plans] == [("pro", 2), ("free", 1)]
    on_event = run_query(engine, {"kind": "discovery", "what": "values", "property": "plan", "event": "Bought"},
                         now=NOW)["values"]
    assert [v["value"] for v in on_event] == ["free"]
    cities = run_query(engine, {"kind": "discovery", "what": "values", "property": "$city"}, now=NOW)["values"]
    assert cities == [{"value": "Berlin", "type": "string", "count": 1}]
    ages = run_query(engine, {"kind": "discovery", "what": "values", "trait": "age"}, now=NOW)["values"]
    assert ages == [{"value": 3, "type": "number", "count": 1}, {"value": "x", "type": "string", "count": 1}]
    nothing = run_query(engine, {"kind": "discovery", "what": "values", "property": "nope"}, now=NOW)
    assert nothing == {"values": []}
