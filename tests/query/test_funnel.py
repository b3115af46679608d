"""Funnels on SQLite and PostgreSQL against hand-computed answers and the oracle."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import Engine

from app.query import QueryError, run_query
from app.query.reference.common import load
from app.query.reference.funnel import funnel as oracle
from tests.query.support import event_row, insert_rows, ms, user_row

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
RANGE = {"from": "2026-11-01", "to": "2026-11-10"}
BASE: dict[str, Any] = {"kind": "funnel", "timezone": "UTC", "range": RANGE,
                        "steps": [{"event": "View"}, {"event": "Cart"}, {"event": "Buy"}]}


def check(engine: Engine, spec: dict[str, Any]) -> dict[str, Any]:
    got = run_query(engine, spec, now=NOW)
    assert got == oracle(load(engine), spec, NOW)
    return got


def counts(result: dict[str, Any]) -> list[int]:
    return [s["count"] for s in result["steps"]]


def test_order_window_and_repeated_first_steps(engine: Engine) -> None:
    rows = [
        # p1: full path, with other events in between
        event_row("View", "p1", ms("2026-11-01 10:00")), event_row("Other", "p1", ms("2026-11-01 10:01")),
        event_row("Cart", "p1", ms("2026-11-01 10:05")), event_row("Buy", "p1", ms("2026-11-01 10:35")),
        # p2: steps out of order (Buy before Cart) -> reaches Cart only
        event_row("View", "p2", ms("2026-11-02 10:00")), event_row("Buy", "p2", ms("2026-11-02 10:10")),
        event_row("Cart", "p2", ms("2026-11-02 10:20")),
        # p3: a repeated View later does not restart the window: Buy 8 days after the FIRST View
        event_row("View", "p3", ms("2026-11-03 10:00")), event_row("Cart", "p3", ms("2026-11-03 11:00")),
        event_row("View", "p3", ms("2026-11-09 10:00")), event_row("Buy", "p3", ms("2026-11-11 10:00")),
        # p4: Cart before entering does not count
        event_row("Cart", "p4", ms("2026-11-04 09:00")), event_row("View", "p4", ms("2026-11-04 10:00")),
        # p5: entry before the range: the first View IN the range counts
        event_row("View", "p5", ms("2026-10-30 10:00")), event_row("View", "p5", ms("2026-11-05 10:00")),
        event_row("Cart", "p5", ms("2026-11-05 10:00")),  # same ms: not strictly later
        event_row("Cart", "p5", ms("2026-11-05 10:00:00.001")),
    ]
    insert_rows(engine, rows)
    got = check(engine, BASE)
    assert counts(got) == [5, 4, 1]
    assert got["steps"][1]["conversion_from_previous"] == 0.8
    assert got["steps"][2]["conversion_from_first"] == 0.2
    # Cart after View: p1 300 s, p2 1200 s, p3 3600 s, p5 0.001 s
    assert got["steps"][1]["median_seconds_from_previous"] == 750.0
    assert got["steps"][1]["avg_seconds_from_previous"] == round((300 + 1200 + 3600 + 0.001) / 4, 3)
    assert got["steps"][0]["median_seconds_from_previous"] is None


def test_window_boundary_is_inclusive_and_steps_may_end_after_the_range(engine: Engine) -> None:
    entry = ms("2026-11-10 12:00")
    insert_rows(engine, [
        event_row("View", "a", entry), event_row("Cart", "a", entry + 7 * 86_400_000),  # exactly entry + 7 d
        event_row("View", "b", entry), event_row("Cart", "b", entry + 7 * 86_400_000 + 1),  # 1 ms too late
        event_row("View", "c", ms("2026-11-11 00:00")), event_row("Cart", "c", ms("2026-11-11 00:01")),  # after range
    ])
    got = check(engine, {**BASE, "steps": ["View", "Cart"], "window": {"days": 7}})
    assert counts(got) == [2, 1]
    short = check(engine, {**BASE, "steps": ["View", "Cart"], "window": {"minutes": 1}})
    assert counts(short) == [2, 0]


def test_equal_timestamps_and_same_event_twice(engine: Engine) -> None:
    t = ms("2026-11-02 10:00")
    insert_rows(engine, [
        event_row("View", "p1", t), event_row("View", "p1", t),  # same ms: one step only
        event_row("View", "p2", t), event_row("View", "p2", t + 1),
        event_row("View", "p3", t), event_row("Cart", "p3", t),
    ])
    assert counts(check(engine, {**BASE, "steps": ["View", "View"]})) == [3, 1]
    assert counts(check(engine, {**BASE, "steps": ["View", "Cart"]})) == [3, 0]


def test_identify_in_the_middle_counts_anonymous_history(engine: Engine) -> None:
    """Rows of the anonymous id were rewritten to the user by the merge: one person, full path."""
    from app.ingest.writer import EventWriter

    def msg(kind: str, **fields: Any) -> dict[str, Any]:
        return {"type": kind, "messageId": f"m-{kind}-{fields.get('event', '')}-{fields['timestamp']}", **fields}

    EventWriter(engine, enrich=False).write([
        msg("track", event="View", anonymousId="anon-1", timestamp="2026-11-02T10:00:00Z"),
        msg("track", event="Cart", anonymousId="anon-1", timestamp="2026-11-02T10:01:00Z"),
        msg("identify", userId="user-1", anonymousId="anon-1", timestamp="2026-11-02T10:02:00Z",
            traits={"email": "u1@example.com"}),
        msg("track", event="Buy", userId="user-1", timestamp="2026-11-02T10:03:00Z"),
    ])
    got = check(engine, BASE)
    assert counts(got) == [1, 1, 1]


def test_filters_per_step_and_global_and_trait(engine: Engine) -> None:
    t = ms("2026-11-02 10:00")
    insert_rows(engine, [
        event_row("View", "p1", t, {"page": "home"}), event_row("Cart", "p1", t + 1, {"sku": "a"}),
        event_row("View", "p2", t, {"page": "docs"}), event_row("Cart", "p2", t + 1, {"sku": "b"}),
        event_row("View", "p2", t + 5, {"page": "home"}), event_row("Cart", "p2", t + 6, {"sku": "a"}),
    ], [user_row("p1", {"plan": "pro"})])
    spec = {**BASE, "steps": [{"event": "View", "where": [{"property": "page", "op": "eq", "value": "home"}]},
                              {"event": "Cart", "where": [{"property": "sku", "op": "eq", "value": "a"}]}]}
    got = check(engine, spec)
    assert counts(got) == [2, 2]
    assert got["steps"][1]["median_seconds_from_previous"] == 0.001
    assert counts(check(engine, {**spec, "where": [{"trait": "plan", "op": "eq", "value": "pro"}]})) == [1, 1]


def test_breakdown_takes_the_entry_events_value_with_top_n_and_other(engine: Engine) -> None:
    t = ms("2026-11-02 10:00")
    rows = []
    for i, plan in enumerate(["pro", "pro", "pro", "free", "free", "team", None]):
        props = {"plan": plan} if plan else {}
        rows.append(event_row("View", f"p{i}", t + i, props))
        rows.append(event_row("View", f"p{i}", t + 100 + i, {"plan": "later"}))  # not the entry
        if i % 2 == 0:
            rows.append(event_row("Cart", f"p{i}", t + 1000))
    insert_rows(engine, rows, [user_row("p0", {"tier": "gold"})])
    got = check(engine, {**BASE, "steps": ["View", "Cart"], "breakdown": "plan", "limit": 2})
    groups = [(g["group"], g["other"], [s["count"] for s in g["steps"]]) for g in got["breakdown"]]
    assert groups == [("pro", False, [3, 2]), ("free", False, [2, 1]), ("Other", True, [2, 1])]
    assert counts(got) == [7, 4]
    traits = check(engine, {**BASE, "steps": ["View", "Cart"], "breakdown": {"trait": "tier"}})
    assert [(g["group"], g["steps"][0]["count"]) for g in traits["breakdown"]] == [(None, 6), ("gold", 1)]


def test_breakdown_tie_on_the_same_ms_takes_the_first_stored_event(engine: Engine) -> None:
    t = ms("2026-11-02 10:00")
    insert_rows(engine, [event_row("View", "p1", t, {"plan": "b"}), event_row("View", "p1", t, {"plan": "a"})])
    got = check(engine, {**BASE, "steps": ["View"], "breakdown": "plan"})
    assert [g["group"] for g in got["breakdown"]] == ["b"]


def test_trends_by_local_entry_day_and_time_to_convert(engine: Engine) -> None:
    berlin = "Europe/Berlin"
    insert_rows(engine, [
        event_row("View", "p1", ms("2026-11-02 00:30", berlin)), event_row("Buy", "p1", ms("2026-11-02 01:30", berlin)),
        event_row("View", "p2", ms("2026-11-01 23:30", berlin)), event_row("Buy", "p2", ms("2026-11-03 23:30", berlin)),
        event_row("View", "p3", ms("2026-11-02 12:00", berlin)),
    ])
    spec = {**BASE, "timezone": berlin, "steps": ["View", "Buy"], "range": {"from": "2026-11-01", "to": "2026-11-03"}}
    trends = check(engine, {**spec, "view": "trends"})
    assert trends["entered"] == [1, 2, 0] and trends["converted"] == [1, 1, 0]
    assert trends["rates"] == [1.0, 0.5, 0.0]
    ttc = check(engine, {**spec, "view": "time_to_convert", "bins": 4})
    assert ttc["converted"] == 2 and ttc["median_seconds"] == (3600 + 172800) / 2
    assert [b["count"] for b in ttc["bins"]] == [1, 0, 0, 1]
    assert ttc["bins"][0]["from_seconds"] == 3600.0


def test_empty_ranges_and_unknown_names_are_empty_not_errors(engine: Engine) -> None:
    insert_rows(engine, [event_row("View", "p1", ms("2026-11-02 10:00"))])
    empty = check(engine, {**BASE, "range": {"from": "2025-01-01", "to": "2025-01-02"}})
    assert counts(empty) == [0, 0, 0] and empty["steps"][1]["conversion_from_previous"] == 0.0
    unknown = check(engine, {**BASE, "steps": ["Nope", "View"], "breakdown": "nope",
                             "where": [{"property": "nope", "op": "eq", "value": 1}]})
    assert counts(unknown) == [0, 0] and unknown["breakdown"] == []
    assert check(engine, {**BASE, "view": "time_to_convert"})["bins"] == []
    assert check(engine, {**BASE, "view": "trends"})["total"] == {"entered": 1, "converted": 0, "rate": 0.0}


@pytest.mark.parametrize(("spec", "message"), [
    ({"steps": []}, "at least one step"),
    ({"window": {"days": 1, "hours": 2}}, "exactly one of"),
    ({"window": {"days": 400}}, "at most 366 days"),
    ({"window": {"days": None}}, "window.days is required"),  # was a TypeError traceback
    ({"steps": [{"event": "A", "wher": []}]}, "unknown key 'wher' (did you mean 'where'?) in steps[0]"),
])
def test_bad_specs_are_one_line_query_errors(sqlite_url: str, spec: dict[str, Any], message: str) -> None:
    from app.core.database import open_database

    with pytest.raises(QueryError, match=re.escape(message)):
        run_query(open_database(sqlite_url), {**BASE, **spec})
