"""Hypothesis-generated event logs and funnels: SQLite, PostgreSQL and the oracle agree exactly
(steps with breakdowns, trends, time to convert, and the persons of each step; strict order,
exclusions and a held property)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from app.core.backends import backend_for
from app.core.materialized import materialize
from app.core.schema import events, users
from app.query import run_query
from app.query.reference.common import load
from app.query.reference.funnel import funnel as oracle
from app.query.reference.users import load_people, pages
from app.query.reference.users import users as users_oracle
from app.query.runners import funnel_base
from tests.query.support import clear_rows, event_row, examples, insert_rows, user_row

NOW = dt.datetime(2026, 11, 4, 12, 0, tzinfo=dt.UTC)
START = int(dt.datetime(2026, 10, 24, tzinfo=dt.UTC).timestamp() * 1000)
HOUR = 3_600_000
PEOPLE = [f"p{i}" for i in range(5)]
MISSING = object()


@st.composite
def event_rows(draw: st.DrawFn) -> dict[str, Any]:
    # Coarse times (whole hours, a few exact repeats) make equal timestamps and window edges likely.
    ts = START + draw(st.integers(0, 12 * 24)) * HOUR + draw(st.sampled_from([0, 0, 0, 1, -1]))
    props = {}
    # and numbers no database reads exactly as written: beyond 64 bits, 1e23, -0.0
    plan = draw(st.sampled_from([MISSING, "pro", "free", 5, True, None, 2**70, 1e23, -0.0, 0]))
    if plan is not MISSING:
        props["plan"] = plan
    return event_row(draw(st.sampled_from(["A", "B", "C", "A", "D", None])), draw(st.sampled_from(PEOPLE)), ts, props,
                     city=draw(st.sampled_from([None, "Berlin", "Paris"])))


step = st.one_of(st.sampled_from(["A", "B", "C", "Nope"]),
                 st.fixed_dictionaries({"event": st.sampled_from(["A", "B"]),
                                        "where": st.sampled_from([[{"property": "plan", "op": "eq", "value": "pro"}],
                                                                  [{"property": "plan", "op": "not_set"}],
                                                                  [{"property": "plan", "op": "gt", "value": 100}],
                                                                  [{"property": "plan", "op": "eq", "value": 1e23}]])}))


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    view = draw(st.sampled_from(["steps", "steps", "trends", "time_to_convert"]))
    spec: dict[str, Any] = {
        "kind": "funnel",
        "steps": draw(st.lists(step, min_size=1, max_size=4)),
        "window": draw(st.sampled_from([{"hours": 1}, {"hours": 25}, {"days": 2}, {"minutes": 60}, {"weeks": 1}])),
        "range": draw(st.sampled_from([{"from": "2026-10-25", "to": "2026-10-30"}, {"last": 7, "unit": "day"},
                                       {"from": "2026-10-24", "to": "2026-11-05"}])),
        "timezone": draw(st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"])),
        "where": draw(st.sampled_from([[], [{"property": "$city", "op": "set"}],
                                       [{"trait": "tier", "op": "eq", "value": "gold"}]])),
        "view": view,
    }
    breakdown = draw(st.sampled_from([None, "plan", "$city", {"trait": "tier"}]))
    if breakdown is not None:
        spec["breakdown"] = breakdown
        spec["limit"] = draw(st.integers(1, 3))
    if view == "trends":
        spec["unit"] = draw(st.sampled_from(["day", "week", "hour"]))
        if spec["unit"] == "hour":
            spec["range"] = {"from": "2026-10-25", "to": "2026-10-26"}
    else:
        spec["bins"] = draw(st.integers(1, 6))
    order = draw(st.sampled_from(["ordered", "ordered", "strict", "any"]))
    if order != "ordered":
        spec["order"] = order
    n = len(spec["steps"])
    if n >= 2 and order != "any" and draw(st.booleans()):
        first = draw(st.integers(1, n - 1))
        exclusion: dict[str, Any] = {"event": draw(st.sampled_from(["D", "C", "A"])), "from_step": first,
                                     "to_step": draw(st.integers(first + 1, n))}
        if draw(st.booleans()):
            exclusion["where"] = [{"property": "plan", "op": "eq", "value": "free"}]
        spec["exclusions"] = [exclusion]
    if draw(st.integers(0, 3)) == 0:
        spec["hold"] = draw(st.sampled_from(["plan", "$city"]))
    return spec


@pytest.mark.slow
def test_engine_matches_oracle(engine: Engine) -> None:
    matches_oracle(engine, 150)


@pytest.mark.slow
def test_engine_matches_oracle_with_the_held_property_materialized(engine: Engine) -> None:
    """`tracklens materialize plan`: held funnels and breakdowns by `plan` read its column."""
    if not backend_for(engine).materializes_properties:
        pytest.skip(f"{backend_for(engine).label} does not materialize properties")
    materialize(engine, "plan")
    matches_oracle(engine, 50)


@pytest.mark.slow
def test_engine_matches_oracle_with_exclusions_hashed(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL's other exclusion form (a rare event's rows read once and hash-joined),
    chosen by the events' counts; forced here so every generated example runs it."""
    backend = backend_for(engine)
    if not backend.funnel_steps_by_join or backend.funnel_person_arrays:
        pytest.skip(f"{backend.label} has one form of exclusions")
    monkeypatch.setattr(funnel_base, "FORCE_EXCLUSION_FORM", "hash")
    matches_oracle(engine, 50)


def matches_oracle(engine: Engine, n: int) -> None:
    @settings(max_examples=examples(engine, n), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(rows=st.lists(event_rows(), max_size=45), tiers=st.lists(st.sampled_from(["gold", "silver", 1]),
           min_size=5, max_size=5), queries=st.lists(specs(), min_size=2, max_size=2),
           step_no=st.integers(1, 4), dropped=st.booleans(),
           group_value=st.sampled_from(["pro", "free", "5", "true", "Berlin", "gold", None]))
    def check(rows: list[dict[str, Any]], tiers: list[Any], queries: list[dict[str, Any]], step_no: int,
              dropped: bool, group_value: str | None) -> None:
        clear_rows(engine, events, users)
        insert_rows(engine, rows, [user_row(p, {"tier": t}, first_seen=i, last_seen=i % 3, event_count=i % 2)
                                   for i, (p, t) in enumerate(zip(PEOPLE, tiers, strict=True))])
        data = load(engine)
        for spec in queries:
            assert run_query(engine, spec, now=NOW) == oracle(data, spec, NOW), spec
        funnel = {k: v for k, v in queries[0].items() if k not in ("view", "unit", "bins", "kind")}
        n = len(funnel["steps"])
        step_k = min(step_no, n - 1 if dropped and n > 1 else n)
        status = "dropped" if dropped and n > 1 else "reached"
        persons = {"kind": "funnel_persons", "funnel": funnel, "step": step_k, "status": status, "sort": {"by": "id"}}
        if "breakdown" in funnel:
            # the persons of one breakdown group, or of Other
            persons.update({"other": True} if step_no % 2 else {"group": group_value})
        expected = users_oracle(data, load_people(engine), persons, NOW)
        got = pages(lambda s: run_query(engine, s, now=NOW), persons, 2)
        assert got == expected["users"], persons
        assert run_query(engine, {**persons, "limit": 1}, now=NOW)["total"] == expected["total"]

    check()
