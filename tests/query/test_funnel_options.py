"""Funnel options (issue 14): exclusion steps, strict order and a held property, on SQLite and
PostgreSQL, each answer checked against the oracle too."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine

from app.core.backends import backend_for
from app.query import QueryError, run_query
from app.query.explain import explain_query
from app.query.reference.common import load
from app.query.reference.funnel import funnel as oracle
from app.query.runners import funnel_base
from tests.query.support import event_row, insert_rows, ms, user_row

NOW = dt.datetime(2026, 11, 4, 12, 0, tzinfo=dt.UTC)
BASE: dict[str, Any] = {"kind": "funnel", "range": {"from": "2026-11-01", "to": "2026-11-03"}, "timezone": "UTC",
                        "window": {"days": 1}}


def store(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """The events, and a users row for each of their persons (the persons lists read users)."""
    insert_rows(engine, rows, [user_row(p) for p in sorted({r["person"] for r in rows})])


def counts(engine: Engine, spec: dict[str, Any]) -> list[int]:
    got = run_query(engine, spec, now=NOW)
    assert got == oracle(load(engine), spec, NOW)
    return [s["count"] for s in got["steps"]]


def persons(engine: Engine, spec: dict[str, Any], step: int, status: str = "reached") -> list[str]:
    funnel = {k: v for k, v in spec.items() if k != "kind"}
    result = run_query(engine, {"kind": "funnel_persons", "funnel": funnel, "step": step, "status": status,
                                "sort": {"by": "id", "desc": False}}, now=NOW)
    return [u["id"] for u in result["users"]]


@pytest.fixture(params=["probe", "hash"])
def exclusion_form(request: pytest.FixtureRequest, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every exclusion in one form (hash: where exclusions are joins, PostgreSQL)."""
    backend = backend_for(engine)
    if request.param == "hash" and (not backend.funnel_steps_by_join or backend.funnel_person_arrays):
        pytest.skip(f"{backend.label} has one form of exclusions")
    monkeypatch.setattr(funnel_base, "FORCE_EXCLUSION_FORM", request.param)
    return str(request.param)


def test_an_exclusion_between_two_steps_removes_the_person_from_the_whole_funnel(engine: Engine,
                                                                                 exclusion_form: str) -> None:
    store(engine, [
        # ann: A, then Refund, then B -> excluded (also from step 1)
        event_row("A", "ann", ms("2026-11-01 10:00")), event_row("Refund", "ann", ms("2026-11-01 10:30")),
        event_row("B", "ann", ms("2026-11-01 11:00")),
        # bob: Refund at exactly A's and B's milliseconds -> strictly after/before only: kept
        event_row("A", "bob", ms("2026-11-01 10:00")), event_row("Refund", "bob", ms("2026-11-01 10:00")),
        event_row("B", "bob", ms("2026-11-01 11:00")), event_row("Refund", "bob", ms("2026-11-01 11:00")),
        # cat: never reaches B; Refund inside the window -> excluded; dan: Refund after the window -> kept
        event_row("A", "cat", ms("2026-11-02 10:00")), event_row("Refund", "cat", ms("2026-11-03 10:00")),
        event_row("A", "dan", ms("2026-11-02 10:00")), event_row("Refund", "dan", ms("2026-11-03 10:00:00.001")),
        # eve: Refund before A: not between the steps -> kept
        event_row("Refund", "eve", ms("2026-11-01 09:00")), event_row("A", "eve", ms("2026-11-01 10:00")),
        event_row("B", "eve", ms("2026-11-01 12:00")),
    ])
    plain = {**BASE, "steps": ["A", "B"]}
    assert counts(engine, plain) == [5, 3]
    excluding = {**plain, "exclusions": [{"event": "Refund", "from_step": 1, "to_step": 2}]}
    assert counts(engine, excluding) == [3, 2]
    assert persons(engine, excluding, 1) == ["bob", "dan", "eve"]
    assert persons(engine, excluding, 1, "dropped") == ["dan"]
    trends = run_query(engine, {**excluding, "view": "trends"}, now=NOW)
    assert trends["total"] == {"entered": 3, "converted": 2, "rate": round(2 / 3, 6)}


def test_an_exclusion_has_its_own_filters(engine: Engine, exclusion_form: str) -> None:
    store(engine, [
        event_row("A", "ann", ms("2026-11-01 10:00")),
        event_row("Refund", "ann", ms("2026-11-01 10:30"), {"amount": 5}),
        event_row("B", "ann", ms("2026-11-01 11:00")),
        event_row("A", "bob", ms("2026-11-01 10:00")),
        event_row("Refund", "bob", ms("2026-11-01 10:30"), {"amount": 500}),
        event_row("B", "bob", ms("2026-11-01 11:00")),
    ])
    spec = {**BASE, "steps": ["A", "B"], "exclusions": [
        {"event": "Refund", "from_step": 1, "to_step": 2, "where": [{"property": "amount", "op": "gt", "value": 100}]}]}
    assert counts(engine, spec) == [1, 1]
    assert persons(engine, spec, 2) == ["ann"]


def test_an_exclusion_counts_up_to_the_window_end_of_the_ranges_last_entry(engine: Engine,
                                                                          exclusion_form: str) -> None:
    """The range ends 2026-11-03 (so at 11-04 00:00): an entry in its last millisecond is
    excluded by an event one window (a day) later, past the range; one millisecond more is not."""
    last = ms("2026-11-04 00:00") - 1
    store(engine, [
        event_row("A", "ann", last), event_row("Refund", "ann", last + 86_400_000),
        event_row("A", "bob", last), event_row("Refund", "bob", last + 86_400_001),
        event_row("A", "cat", ms("2026-11-01 00:00")), event_row("Refund", "cat", ms("2026-11-01 00:00") + 1),
        event_row("B", "cat", ms("2026-11-01 00:01")),
    ])
    spec = {**BASE, "steps": ["A", "B"], "exclusions": [{"event": "Refund", "from_step": 1, "to_step": 2}]}
    assert counts(engine, spec) == [1, 0]
    assert persons(engine, spec, 1) == ["bob"]


def test_a_rare_exclusion_event_is_read_once_and_a_common_one_probed_per_person(engine: Engine) -> None:
    """PostgreSQL: the form is chosen by the events' counts in the range (event_hours), shown
    in the recorded SQL; both give the oracle's answer."""
    backend = backend_for(engine)
    if not backend.funnel_steps_by_join or backend.funnel_person_arrays:
        pytest.skip(f"{backend.label} has one form of exclusions")
    rows = []
    for i in range(12):
        t = ms("2026-11-01 10:00") + i * 60_000
        rows += [event_row("A", f"p{i}", t), event_row("Page", f"p{i}", t + 1), event_row("Page", f"p{i}", t + 2),
                 event_row("B", f"p{i}", t + 3)]
    rows.append(event_row("Refund", "p3", ms("2026-11-01 10:03") + 1))
    store(engine, rows)
    for event, hashed in (("Refund", True), ("Page", False)):
        spec = {**BASE, "steps": ["A", "B"], "exclusions": [{"event": event, "from_step": 1, "to_step": 2}]}
        assert counts(engine, spec) == ([11, 11] if hashed else [0, 0])
        sql = explain_query(engine, spec, now=NOW)
        assert "event_hours" in sql[0]
        assert ("funnel_xe0" in sql[-1]) is hashed, event
        # A step's persons (the drill) choose as the funnel does, and list the same persons.
        drill = {"kind": "funnel_persons", "funnel": {k: v for k, v in spec.items() if k != "kind"}, "step": 1}
        sql = explain_query(engine, drill, now=NOW)
        assert "event_hours" in sql[0]
        assert any("funnel_xe0" in s for s in sql[1:]) is hashed, event
        assert persons(engine, spec, 1) == ([f"p{i}" for i in sorted(range(12), key=str) if i != 3] if hashed else [])


def test_strict_order_wants_the_next_step_event_to_be_the_next_step(engine: Engine) -> None:
    store(engine, [
        # ann: A B C in a row
        event_row("A", "ann", ms("2026-11-01 10:00")), event_row("B", "ann", ms("2026-11-01 10:01")),
        event_row("C", "ann", ms("2026-11-01 10:02")),
        # bob: A C B C: C comes between A and B -> stops at A (ordered: reaches C)
        event_row("A", "bob", ms("2026-11-01 10:00")), event_row("C", "bob", ms("2026-11-01 10:01")),
        event_row("B", "bob", ms("2026-11-01 10:02")), event_row("C", "bob", ms("2026-11-01 10:03")),
        # cat: A A B C: the repeated A is a step event in between -> stops at A
        event_row("A", "cat", ms("2026-11-01 10:00")), event_row("A", "cat", ms("2026-11-01 10:01")),
        event_row("B", "cat", ms("2026-11-01 10:02")), event_row("C", "cat", ms("2026-11-01 10:03")),
        # dan: A, a page view (not a step), B, C -> other events do not break a strict funnel
        event_row("A", "dan", ms("2026-11-01 10:00")), event_row("Page Viewed", "dan", ms("2026-11-01 10:01")),
        event_row("B", "dan", ms("2026-11-01 10:02")), event_row("C", "dan", ms("2026-11-01 10:03")),
    ])
    ordered = {**BASE, "steps": ["A", "B", "C"]}
    assert counts(engine, ordered) == [4, 4, 4]
    strict = {**ordered, "order": "strict"}
    assert counts(engine, strict) == [4, 2, 2]
    assert persons(engine, strict, 1, "dropped") == ["bob", "cat"]


def test_a_held_property_must_be_the_entry_events_on_every_step(engine: Engine) -> None:
    store(engine, [
        # ann views p1, adds p2 to the cart, then p1: the p1 add counts
        event_row("Viewed", "ann", ms("2026-11-01 10:00"), {"product": "p1"}),
        event_row("Added", "ann", ms("2026-11-01 10:10"), {"product": "p2"}),
        event_row("Added", "ann", ms("2026-11-01 10:20"), {"product": "p1"}),
        # bob views p1, adds only p2
        event_row("Viewed", "bob", ms("2026-11-01 10:00"), {"product": "p1"}),
        event_row("Added", "bob", ms("2026-11-01 10:10"), {"product": "p2"}),
        # cat's entry has no product: nothing can match it; dan's entry holds 7, the add "7"
        event_row("Viewed", "cat", ms("2026-11-01 10:00")),
        event_row("Added", "cat", ms("2026-11-01 10:10")),
        event_row("Viewed", "dan", ms("2026-11-01 10:00"), {"product": 7}),
        event_row("Added", "dan", ms("2026-11-01 10:10"), {"product": "7"}),
    ])
    spec = {**BASE, "steps": ["Viewed", "Added"], "hold": "product"}
    assert counts(engine, {**spec, "hold": None}) == [4, 4]
    assert counts(engine, spec) == [4, 2]
    assert persons(engine, spec, 2) == ["ann", "dan"]
    ttc = run_query(engine, {**spec, "view": "time_to_convert"}, now=NOW)
    assert ttc["converted"] == 2 and ttc["median_seconds"] == 900.0  # ann 20 min, dan 10 min


def test_options_round_trip_and_refuse_nonsense() -> None:
    from app.query import parse_query

    spec = {**BASE, "steps": ["A", "B", "C"], "order": "strict", "hold": "$browser",
            "exclusions": [{"event": "X", "from_step": 1, "to_step": 3, "where": []}]}
    assert parse_query(parse_query(spec).to_dict()) == parse_query(spec)
    for bad, message in [
        ({"order": "sideways"}, "order must be one of"),
        ({"exclusions": [{"event": "X", "from_step": 2, "to_step": 2}]}, "from_step (2) must be before to_step"),
        ({"exclusions": [{"event": "X", "from_step": 1, "to_step": 4}]}, "to_step at most the number of steps"),
        ({"hold": 'a"b'}, "may not contain double quotes"),
        ({"exclusions": [{"event": "X", "from_step": 1, "to_step": 2}] * 11}, "at most 10 exclusions"),
    ]:
        with pytest.raises(QueryError) as info:
            parse_query({**spec, **bad})
        assert message in str(info.value), bad


def test_any_order_counts_the_steps_done_within_the_window_from_the_first(engine: Engine) -> None:
    store(engine, [
        # ann: C, A, B within the window -> all three, in any order
        event_row("C", "ann", ms("2026-11-01 10:00")), event_row("A", "ann", ms("2026-11-01 10:10")),
        event_row("B", "ann", ms("2026-11-01 10:40")),
        # bob: only B -> entered (any step opens the funnel), one step done
        event_row("B", "bob", ms("2026-11-01 10:00")),
        # cat: C, then A two days later: outside the 1-day window from her first step event
        event_row("C", "cat", ms("2026-11-01 10:00")), event_row("A", "cat", ms("2026-11-03 10:00")),
        # dan: A A A: one step, however often
        event_row("A", "dan", ms("2026-11-01 10:00")), event_row("A", "dan", ms("2026-11-01 11:00")),
    ])
    ordered = {**BASE, "steps": ["A", "B", "C"]}
    assert counts(engine, ordered) == [3, 1, 0]  # ann, cat (A on the 3rd), dan enter at A
    spec = {**ordered, "order": "any"}
    got = run_query(engine, spec, now=NOW)
    assert got == oracle(load(engine), spec, NOW)
    assert [s["count"] for s in got["steps"]] == [4, 1, 1]
    # ann reached her 2nd step 10 minutes after her first, her 3rd 30 minutes after that
    assert [s["median_seconds_from_previous"] for s in got["steps"]] == [None, 600.0, 1800.0]
    assert persons(engine, spec, 3) == ["ann"]
    assert persons(engine, spec, 1, "dropped") == ["bob", "cat", "dan"]
    with pytest.raises(QueryError, match="ordered or strict"):
        run_query(engine, {**spec, "exclusions": [{"event": "X", "from_step": 1, "to_step": 2}]}, now=NOW)


def test_breakdowns_in_every_view_and_the_persons_of_one_group(engine: Engine) -> None:
    store(engine, [
        event_row("A", "ann", ms("2026-11-01 10:00"), {"plan": "pro"}), event_row("B", "ann", ms("2026-11-01 10:30")),
        event_row("A", "bob", ms("2026-11-01 10:00"), {"plan": "pro"}),
        event_row("A", "cat", ms("2026-11-02 10:00"), {"plan": "free"}), event_row("B", "cat", ms("2026-11-02 12:00")),
        event_row("A", "dan", ms("2026-11-02 10:00")), event_row("B", "dan", ms("2026-11-02 10:10")),
    ])
    spec = {**BASE, "steps": ["A", "B"], "breakdown": "plan", "limit": 1}
    trends = run_query(engine, {**spec, "view": "trends"}, now=NOW)
    assert trends == oracle(load(engine), {**spec, "view": "trends"}, NOW)
    assert trends["entered"] == [2, 2, 0] and trends["converted"] == [1, 2, 0]
    assert [(g["group"], g["entered"], g["converted"]) for g in trends["breakdown"]] == [
        ("pro", [2, 0, 0], [1, 0, 0]), ("Other", [0, 2, 0], [0, 2, 0])]
    ttc = run_query(engine, {**spec, "view": "time_to_convert", "bins": 2}, now=NOW)
    assert ttc == oracle(load(engine), {**spec, "view": "time_to_convert", "bins": 2}, NOW)
    assert ttc["converted"] == 3 and ttc["median_seconds"] == 1800.0
    assert [(g["group"], g["converted"], g["median_seconds"]) for g in ttc["breakdown"]] == [
        ("pro", 1, 1800.0), ("Other", 2, 3900.0)]
    assert [b["count"] for b in ttc["breakdown"][1]["bins"]] == [1, 1]  # the overall bins, shared

    def group_persons(**which: Any) -> list[str]:
        result = run_query(engine, {"kind": "funnel_persons", "funnel": spec, "step": 1, "status": "dropped",
                                    "sort": {"by": "id", "desc": False}, **which}, now=NOW)
        return [u["id"] for u in result["users"]]

    assert group_persons(group="pro") == ["bob"]
    assert group_persons(other=True) == []
    assert group_persons(group=None) == []
    assert group_persons() == ["bob"]
    with pytest.raises(QueryError, match="needs the funnel's breakdown"):
        run_query(engine, {"kind": "funnel_persons", "funnel": {**BASE, "steps": ["A", "B"]}, "step": 1,
                           "group": "pro"}, now=NOW)
