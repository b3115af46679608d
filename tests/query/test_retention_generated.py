"""Hypothesis-generated event logs and retention queries: SQLite, PostgreSQL and the oracle agree
exactly (cohort tables, breakdowns, and the persons of a cell)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from app.core.schema import events, users
from app.query import run_query
from app.query.reference.common import load
from app.query.reference.retention import retention as oracle
from app.query.reference.users import load_people, pages
from app.query.reference.users import users as users_oracle
from tests.query.support import clear_rows, event_row, examples, insert_rows, user_row

# "Now" falls inside the ranges below, so some periods have not started (null).
NOW = dt.datetime(2026, 10, 30, 12, 0, tzinfo=dt.UTC)
START = int(dt.datetime(2026, 10, 20, tzinfo=dt.UTC).timestamp() * 1000)
HOUR = 3_600_000
PEOPLE = [f"p{i}" for i in range(5)]
MISSING = object()


@st.composite
def event_rows(draw: st.DrawFn) -> dict[str, Any]:
    # Whole hours (plus a few ±1 ms) make births at bucket edges and returns at exactly birth + U
    # likely; the range crosses Berlin's and New York's fall-back days (10-25, 11-01).
    ts = START + draw(st.integers(0, 14 * 24)) * HOUR + draw(st.sampled_from([0, 0, 0, 1, -1]))
    props = {}
    plan = draw(st.sampled_from([MISSING, "pro", "free", 5, None]))
    if plan is not MISSING:
        props["plan"] = plan
    return event_row(draw(st.sampled_from(["A", "B", "C", "A", None])), draw(st.sampled_from(PEOPLE)), ts, props,
                     city=draw(st.sampled_from([None, "Berlin", "Paris"])))


which = st.one_of(st.sampled_from(["A", "B", "$any", "Nope"]),
                  st.fixed_dictionaries({"event": st.sampled_from(["A", "B", "$any"]),
                                         "where": st.sampled_from([[{"property": "plan", "op": "eq", "value": "pro"}],
                                                                   [{"property": "plan", "op": "not_set"}]])}))


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    unit = draw(st.sampled_from(["day", "day", "week", "month"]))
    spec: dict[str, Any] = {
        "kind": "retention",
        "start": draw(which),
        "return": draw(which),
        "mode": draw(st.sampled_from(["first_time", "recurring"])),
        "unit": unit,
        "periods": draw(st.integers(1, 5)),
        "bracket": draw(st.sampled_from(["on", "on_or_after"])),
        "range": draw(st.sampled_from([{"from": "2026-10-22", "to": "2026-10-28"}, {"last": 7, "unit": "day"},
                                       {"from": "2026-10-20", "to": "2026-11-02"}])),
        "timezone": draw(st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"])),
        "where": draw(st.sampled_from([[], [{"property": "$city", "op": "set"}],
                                       [{"trait": "tier", "op": "eq", "value": "gold"}]])),
    }
    breakdown = draw(st.sampled_from([None, None, "plan", "$city", {"trait": "tier"}]))
    if breakdown is not None:
        spec["breakdown"] = breakdown
        spec["limit"] = draw(st.integers(1, 3))
    return spec


@pytest.mark.slow
def test_engine_matches_oracle(engine: Engine) -> None:
    @settings(max_examples=examples(engine, 150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(rows=st.lists(event_rows(), max_size=45), tiers=st.lists(st.sampled_from(["gold", "silver", 1]),
           min_size=5, max_size=5), queries=st.lists(specs(), min_size=2, max_size=2),
           period=st.integers(0, 4), day=st.integers(0, 13), whole=st.booleans(), lost=st.booleans())
    def check(rows: list[dict[str, Any]], tiers: list[Any], queries: list[dict[str, Any]], period: int,
              day: int, whole: bool, lost: bool) -> None:
        clear_rows(engine, events, users)
        insert_rows(engine, rows, [user_row(p, {"tier": t}, first_seen=i, last_seen=i % 3, event_count=i % 2)
                                   for i, (p, t) in enumerate(zip(PEOPLE, tiers, strict=True))])
        data = load(engine)
        people = load_people(engine)
        for spec in queries:
            assert run_query(engine, spec, now=NOW) == oracle(data, spec, NOW, people), spec
        spec = {k: v for k, v in queries[0].items() if k not in ("kind", "breakdown", "limit")}
        result = run_query(engine, {**spec, "kind": "retention"}, now=NOW)
        starts = [c["start"][:10] for c in result["cohorts"]]
        born = None if whole else starts[day % len(starts)]
        cell = {"kind": "retention_persons", "retention": spec, "born": born, "period": period % spec["periods"],
                "status": "lost" if lost else "retained", "sort": {"by": "id"}}
        expected = users_oracle(data, people, cell, NOW)
        assert pages(lambda s: run_query(engine, s, now=NOW), cell, 2) == expected["users"], cell
        if born is not None:
            # A cell's persons are exactly its count (lost: the size minus it), while the period has started.
            i = starts.index(born)
            count = result["cohorts"][i]["counts"][cell["period"]]
            if count is not None:
                size = result["cohorts"][i]["size"]
                assert expected["total"] == (size - count if lost else count)

    check()
