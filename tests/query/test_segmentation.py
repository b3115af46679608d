"""Segmentation on SQLite and PostgreSQL against hand-computed answers and the oracle."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine

from app.core.backends import backend_for
from app.query import QueryError, run_query
from app.query.model import parse_query
from app.query.reference.common import load
from app.query.reference.segmentation import segmentation as oracle
from app.query.runners.segmentation import SegmentationRunner
from tests.query.support import event_row, insert_rows, ms, user_row

NOW = dt.datetime(2026, 11, 4, 12, 0, tzinfo=dt.UTC)
BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def check(engine: Engine, spec: dict[str, Any]) -> dict[str, Any]:
    """The engine's answer, after asserting the oracle gives exactly the same."""
    got = run_query(engine, spec, now=NOW)
    assert got == oracle(load(engine), spec, NOW)
    return got


def by_key(result: dict[str, Any]) -> dict[tuple[str, Any, bool], dict[str, Any]]:
    return {(s["event"], s["group"], s["previous"]): s for s in result["series"]}


def test_berlin_fall_back_day_is_one_25_hour_bucket(engine: Engine) -> None:
    insert_rows(engine, [
        event_row("A", "p1", ms("2026-10-24 23:30", BERLIN)),
        event_row("A", "p1", ms("2026-10-25 00:30", BERLIN)),
        event_row("A", "p2", ms("2026-10-25 02:30+02:00")),
        event_row("A", "p2", ms("2026-10-25 02:30+01:00")),
        event_row("A", "p3", ms("2026-10-25 23:30", BERLIN)),  # 22:30 UTC: still the 25th locally
        event_row("A", "p3", ms("2026-10-26 00:10", BERLIN)),
    ])
    got = check(engine, {"kind": "segmentation", "events": ["A"], "timezone": BERLIN,
                         "range": {"from": "2026-10-24", "to": "2026-10-26"}})
    assert got["buckets"] == ["2026-10-24T00:00:00+02:00", "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00"]
    assert got["series"] == [{"event": "A", "group": None, "other": False, "previous": False,
                              "values": [1, 4, 1], "total": 6}]


def test_a_clock_change_at_local_midnight_puts_its_first_second_in_the_new_day(engine: Engine) -> None:
    """Apia skipped 2011-12-30: at 10:00 UTC on the 30th its clocks went from 29 Dec 24:00 (-10)
    to 31 Dec 00:00 (+14). An event at that instant is on the 31st. The engine's offset
    segments began a second late where a change falls on a local midnight, and counted it on
    the 30th, a day with no time in it."""
    instant = int(dt.datetime(2011, 12, 30, 10, 0, tzinfo=dt.UTC).timestamp() * 1000)
    insert_rows(engine, [event_row("A", "p1", instant), event_row("A", "p2", instant + 1000)])
    got = check(engine, {"kind": "segmentation", "events": ["A"], "timezone": "Pacific/Apia",
                         "range": {"from": "2011-12-29", "to": "2011-12-31"}})
    assert got["series"][0]["values"] == [0, 0, 2]


def test_new_york_hours_across_both_transitions(engine: Engine) -> None:
    insert_rows(engine, [
        event_row("A", "p1", ms("2026-03-08 01:59", NEW_YORK)),
        event_row("A", "p1", ms("2026-03-08 03:00", NEW_YORK)),  # 02:00 does not exist
        event_row("A", "p1", ms("2026-11-01 01:30-04:00")),
        event_row("A", "p1", ms("2026-11-01 01:30-05:00")),
    ])
    spring = check(engine, {"kind": "segmentation", "events": ["A"], "unit": "hour", "timezone": NEW_YORK,
                            "range": {"from": "2026-03-08", "to": "2026-03-08"}})
    assert len(spring["buckets"]) == 23
    assert spring["buckets"][1:3] == ["2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00"]
    assert spring["series"][0]["values"][1:3] == [1, 1]
    fall = check(engine, {"kind": "segmentation", "events": ["A"], "unit": "hour", "timezone": NEW_YORK,
                          "range": {"from": "2026-11-01", "to": "2026-11-01"}})
    assert len(fall["buckets"]) == 25
    assert fall["buckets"][1:3] == ["2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00"]
    assert fall["series"][0]["values"][1:3] == [1, 1]
    days = check(engine, {"kind": "segmentation", "events": ["A"], "unit": "day", "timezone": NEW_YORK,
                          "range": {"from": "2026-10-31", "to": "2026-11-02"}})
    assert days["series"][0]["values"] == [0, 2, 0]


def test_weeks_start_on_monday_and_months_on_the_first(engine: Engine) -> None:
    insert_rows(engine, [
        event_row("A", "p1", ms("2026-09-06 23:59", BERLIN)),  # Sunday
        event_row("A", "p1", ms("2026-09-07 00:00", BERLIN)),  # Monday
        event_row("A", "p1", ms("2026-09-30 23:59", BERLIN)),
        event_row("A", "p1", ms("2026-10-01 00:00", BERLIN)),
    ])
    weeks = check(engine, {"kind": "segmentation", "events": ["A"], "unit": "week", "timezone": BERLIN,
                           "range": {"from": "2026-09-02", "to": "2026-10-01"}})
    assert weeks["buckets"][:2] == ["2026-08-31T00:00:00+02:00", "2026-09-07T00:00:00+02:00"]
    assert weeks["series"][0]["values"] == [1, 1, 0, 0, 2]
    months = check(engine, {"kind": "segmentation", "events": ["A"], "unit": "month", "timezone": BERLIN,
                            "range": {"from": "2026-09-01", "to": "2026-10-31"}})
    assert months["buckets"] == ["2026-09-01T00:00:00+02:00", "2026-10-01T00:00:00+02:00"]
    assert months["series"][0]["values"] == [3, 1]


def test_top_12_events_by_occurrences_ties_by_name(engine: Engine) -> None:
    rows = []
    names = [f"E{i:02d}" for i in range(14)] + ["b", "B"]
    for i, name in enumerate(names):
        for k in range(2 if i < 10 else 1):
            rows.append(event_row(name, "p1", ms(f"2026-11-0{1 + k} 12:00")))
    rows.append(event_row(None, "p1", ms("2026-11-01 12:00")))  # identify: never an event
    for _ in range(3):
        rows.append(event_row("Zeta", "p2", ms("2026-10-01 12:00")))  # outside the range
    insert_rows(engine, rows)
    got = check(engine, {"kind": "segmentation", "timezone": "UTC", "range": {"from": "2026-11-01", "to": "2026-11-03"}})
    assert [s["event"] for s in got["series"]] == [f"E{i:02d}" for i in range(10)] + ["B", "E10"]
    assert [s["total"] for s in got["series"]] == [2] * 10 + [1, 1]
    # Filtered, the rollups can't answer: every event is counted in one pass and ranked in Python.
    filtered = check(engine, {"kind": "segmentation", "timezone": "UTC", "range": {"from": "2026-11-01", "to": "2026-11-03"},
                              "where": [{"property": "$city", "op": "not_set"}], "compare_previous": True})
    assert [s["event"] for s in filtered["series"] if not s["previous"]] == [s["event"] for s in got["series"]]
    assert [s["values"] for s in filtered["series"] if not s["previous"]] == [s["values"] for s in got["series"]]


def test_empty_ranges_and_unknown_names_are_empty_not_errors(engine: Engine) -> None:
    insert_rows(engine, [event_row("A", "p1", ms("2026-11-01 12:00"), {"plan": "pro"})])
    rng = {"from": "2026-01-01", "to": "2026-01-03"}
    empty = check(engine, {"kind": "segmentation", "timezone": "UTC", "range": rng})
    assert empty["series"] == [] and len(empty["buckets"]) == 3
    unknown = check(engine, {"kind": "segmentation", "events": ["Nope"], "timezone": "UTC", "range": rng,
                             "breakdown": "nope", "where": [{"property": "nope", "op": "eq", "value": 1}]})
    assert unknown["series"] == []
    zeros = check(engine, {"kind": "segmentation", "events": ["Nope", "A"], "timezone": "UTC", "measure": {"avg": "x"},
                           "range": {"from": "2026-11-01", "to": "2026-11-02"}})
    assert [(s["event"], s["values"], s["total"]) for s in zeros["series"]] == [("Nope", [0.0, 0.0], 0.0),
                                                                                ("A", [0.0, 0.0], 0.0)]


def test_numeric_measures_and_numbers_inside_json(engine: Engine) -> None:
    day1, day2 = ms("2026-11-01 12:00"), ms("2026-11-02 12:00")
    insert_rows(engine, [
        event_row("Buy", "p1", day1, {"price": 10}),
        event_row("Buy", "p1", day1, {"price": 9}),
        event_row("Buy", "p2", day1, {"price": 2.5}),
        event_row("Buy", "p2", day1, {"price": "100"}),  # a string: not a number
        event_row("Buy", "p3", day2, {"price": True}),
        event_row("Buy", "p3", day2, {}),
        event_row("Buy", "p3", day2, {"price": 4}),
    ])
    base = {"kind": "segmentation", "events": ["Buy"], "timezone": "UTC", "range": {"from": "2026-11-01", "to": "2026-11-02"}}
    results = {m: check(engine, {**base, "measure": {m: "price"}})["series"][0] for m in ("sum", "avg", "median")}
    assert results["sum"]["values"] == [21.5, 4.0] and results["sum"]["total"] == 25.5
    assert results["avg"]["values"] == [round(21.5 / 3, 6), 4.0] and results["avg"]["total"] == 6.375
    assert results["median"]["values"] == [9.0, 4.0] and results["median"]["total"] == 6.5
    unique = check(engine, {**base, "measure": "unique"})["series"][0]
    assert unique["values"] == [2, 1] and unique["total"] == 3
    gt = check(engine, {**base, "where": [{"property": "price", "op": "gt", "value": 9}]})["series"][0]
    assert gt["total"] == 1  # 10 (a number); "100" is text, and 10 > 9 numerically, not as text


def test_string_equality_matches_only_strings(engine: Engine) -> None:
    """`eq "5"` is the string "5", not the number 5; `eq "true"` not the boolean; `eq '{"a": 1}'`
    not an object whose JSON text reads so; a plain word needs no type test but still misses
    other types (the SQL leaves the type test out only when the value cannot be such text)."""
    t = ms("2026-11-01 12:00")
    insert_rows(engine, [
        event_row("A", "s5", t, {"v": "5"}), event_row("A", "n5", t, {"v": 5}),
        event_row("A", "st", t, {"v": "true"}), event_row("A", "bt", t, {"v": True}),
        event_row("A", "so", t, {"v": '{"a":1}'}), event_row("A", "o", t, {"v": {"a": 1}}),
        event_row("A", "sa", t, {"v": "[1]"}), event_row("A", "a", t, {"v": [1]}),
        event_row("A", "w", t, {"v": "Beans"}), event_row("A", "missing", t, {}),
    ])
    base = {"kind": "segmentation", "events": ["A"], "measure": "unique", "timezone": "UTC",
            "range": {"from": "2026-11-01", "to": "2026-11-01"}}
    for value in ("5", "true", '{"a":1}', "[1]", "Beans"):
        got = check(engine, {**base, "where": [{"property": "v", "op": "eq", "value": value}]})
        assert got["series"][0]["total"] == 1, value
        got = check(engine, {**base, "where": [{"property": "v", "op": "neq", "value": value}]})
        assert got["series"][0]["total"] == 9, value
    got = check(engine, {**base, "where": [{"property": "v", "op": "eq", "value": ["Beans", "5"]}]})
    assert got["series"][0]["total"] == 2


def test_breakdown_top_values_other_and_unique_people(engine: Engine) -> None:
    t = ms("2026-11-01 12:00")
    rows = [event_row("A", "p1", t, {"plan": "pro"}), event_row("A", "p2", t, {"plan": "pro"}),
            event_row("A", "p3", t, {"plan": "pro"}),
            event_row("A", "p1", t, {"plan": "team"}), event_row("A", "p1", t, {"plan": "team"}),
            # p4 touches two small values: once in Other for `unique`
            event_row("A", "p4", t, {"plan": "free"}), event_row("A", "p4", t, {"plan": "trial"}),
            event_row("A", "p5", t, {}), event_row("A", "p1", t, {"plan": 5})]
    insert_rows(engine, rows, [user_row("p1", {"plan": "gold"}), user_row("p2", {"plan": "gold"})])
    base = {"kind": "segmentation", "events": ["A"], "timezone": "UTC", "limit": 2,
            "range": {"from": "2026-11-01", "to": "2026-11-01"}}
    total = check(engine, {**base, "breakdown": "plan"})
    assert [(s["group"], s["other"], s["total"]) for s in total["series"]] == [
        ("pro", False, 3), ("team", False, 2), ("Other", True, 4)]
    unique = check(engine, {**base, "breakdown": "plan", "measure": "unique"})
    assert [(s["group"], s["total"]) for s in unique["series"]] == [("pro", 3), ("team", 1), ("Other", 3)]
    traits = check(engine, {**base, "breakdown": {"trait": "plan"}, "measure": "unique", "limit": 5})
    # people without a users row (or without the trait) group under null
    assert [(s["group"], s["total"]) for s in traits["series"]] == [("gold", 2), (None, 3)]


def test_compare_previous_mirrors_the_current_series(engine: Engine) -> None:
    insert_rows(engine, [
        event_row("A", "p1", ms("2026-10-30 12:00"), {"plan": "pro"}),
        event_row("A", "p1", ms("2026-11-02 12:00"), {"plan": "pro"}),
        event_row("A", "p2", ms("2026-11-03 12:00"), {"plan": "team"}),
    ])
    got = check(engine, {"kind": "segmentation", "events": ["A"], "timezone": "UTC", "compare_previous": True,
                         "range": {"last": 3, "unit": "day"}, "breakdown": "plan"})
    assert got["range"] == {"from": "2026-11-02", "to": "2026-11-04"}
    assert got["previous"]["from"] == "2026-10-30" and got["previous"]["to"] == "2026-11-01"
    series = by_key(got)
    assert series[("A", "pro", True)]["values"] == [1, 0, 0]
    assert series[("A", "team", True)]["values"] == [0, 0, 0]
    assert series[("A", "pro", False)]["values"] == [1, 0, 0]


def test_filters_on_traits_and_enriched_fields(engine: Engine) -> None:
    t = ms("2026-11-01 12:00")
    insert_rows(engine, [
        event_row("A", "p1", t, {"d": "2026-11-03T10:00:00Z"}, city="Berlin", browser="Firefox"),
        event_row("A", "p2", t, {"d": "2026-10-01"}, city="BERLIN"),
        event_row("A", "p3", t, {"d": "not a date"}),
    ], [user_row("p1", {"age": 40}), user_row("p2", {"age": "40"})])
    base = {"kind": "segmentation", "events": ["A"], "timezone": "UTC", "range": {"from": "2026-11-01", "to": "2026-11-01"}}

    def total(where: list[dict[str, Any]]) -> int:
        return int(check(engine, {**base, "where": where})["series"][0]["total"])

    assert total([{"property": "$city", "op": "eq", "value": "berlin", "ignore_case": True}]) == 2
    assert total([{"property": "$city", "op": "eq", "value": "berlin"}]) == 0
    assert total([{"property": "$browser", "op": "not_set"}]) == 2
    assert total([{"trait": "age", "op": "between", "value": [40, 41]}]) == 1
    assert total([{"trait": "age", "op": "neq", "value": 40}]) == 2  # "40" and no users row
    assert total([{"property": "d", "op": "in_last_days", "value": 2}]) == 1
    assert total([{"property": "d", "op": "before", "value": "2026-11-03"}]) == 1
    assert total([{"any": [{"trait": "age", "op": "eq", "value": "40"},
                           {"property": "$browser", "op": "starts_with", "value": "Fire"}]}]) == 2


def test_bad_timezone_is_a_query_error(engine: Engine) -> None:
    with pytest.raises(QueryError, match="unknown time zone"):
        run_query(engine, {"kind": "segmentation", "timezone": "Nowhere/Else"})


def test_all_events_counts_every_analysis_event(engine: Engine) -> None:
    t = ms("2026-11-01 12:00")
    insert_rows(engine, [event_row("A", "p1", t), event_row("B", "p1", t), event_row("B", "p2", t),
                         event_row(None, "p3", t, type_="identify")])
    got = check(engine, {"kind": "segmentation", "events": ["B", "$all_events"], "measure": "unique",
                         "timezone": "UTC", "range": {"from": "2026-11-01", "to": "2026-11-01"}})
    assert [(s["event"], s["total"]) for s in got["series"]] == [("B", 2), ("$all_events", 2)]
    total = check(engine, {"kind": "segmentation", "events": ["$all_events"], "timezone": "UTC",
                           "range": {"from": "2026-11-01", "to": "2026-11-01"}, "breakdown": "x"})
    assert [(s["group"], s["total"]) for s in total["series"]] == [(None, 3)]


def test_trait_breakdown_of_unique_persons_ranks_values_by_events(engine: Engine) -> None:
    """Top trait values rank by occurrences, not persons (one busy gold person outranks two
    silver ones), and each bucket counts a person once: the same whether `events` or
    `event_person_hours` answers (SQLite and PostgreSQL read the rollup)."""
    day1, day2 = ms("2026-11-01 09:00"), ms("2026-11-02 10:30")
    rows = [event_row("A", "g1", day1 + i * 60_000) for i in range(4)] + [
        event_row("A", "g1", day2), event_row("A", "s1", day1), event_row("A", "s2", day2),
        event_row("A", "s2", day2 + 3_600_000), event_row("A", "anon", day2), event_row("B", "s1", day1)]
    insert_rows(engine, rows, [user_row("g1", {"tier": "gold"}), user_row("s1", {"tier": "silver"}),
                               user_row("s2", {"tier": "silver"})])
    spec = {"kind": "segmentation", "events": ["A"], "measure": "unique", "timezone": "UTC", "unit": "day",
            "range": {"from": "2026-11-01", "to": "2026-11-02"}, "breakdown": {"trait": "tier"}, "limit": 1}
    runner = SegmentationRunner(parse_query(spec), engine.dialect, now=NOW)
    assert (runner.rollup == "event_people") == backend_for(engine).event_person_rollup
    got = check(engine, spec)
    assert [(s["group"], s["values"], s["total"]) for s in got["series"]] == [
        ("gold", [1, 1], 1), ("Other", [1, 2], 3)]
