"""Hypothesis-generated persons, events and users queries: every page of SQLite and PostgreSQL
concatenates to exactly the oracle's sorted list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from app.core.schema import events, identities, users
from app.query import run_query
from app.query.reference.common import load
from app.query.reference.users import load_people, pages
from app.query.reference.users import users as oracle
from app.query.runners import users as users_runner
from tests.query.support import clear_rows, event_row, examples, insert_identities, insert_rows, user_row

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
START = int(dt.datetime(2026, 10, 1, tzinfo=dt.UTC).timestamp() * 1000)
PEOPLE = ["a", "b", "B", "c", "ä", "d1", "d2"]
MISSING = object()
values = st.one_of(st.sampled_from([MISSING, None, 30, 30.0, 41, 7.5, "30", "x", "X", "Ä", True, False, [1]]),
                   # numbers at the edges of exact reading: beyond 64 bits (ClickHouse's parser
                   # reads them as strings), floats from 1e16 up and -0.0 (PostgreSQL keeps
                   # neither), and integers one double holds two of (2**60, 2**60 + 1)
                   st.sampled_from([2**70, -(2**64), 2**64 - 1, 1e23, 1e16, -0.0, 0, 2**60, 2**60 + 1,
                                    9007199254740993, "1180591620717411303424"]))


@st.composite
def person(draw: st.DrawFn, pid: str) -> dict[str, Any]:
    traits = {}
    for key in ("age", "plan"):
        v = draw(values)
        if v is not MISSING:
            traits[key] = v
    if draw(st.booleans()):
        traits["email"] = draw(st.sampled_from(["ann@x.io", "Ann@x.io", "an@y.io", "bob@x.io"]))
    return user_row(pid, traits, draw(st.integers(0, 3)), draw(st.integers(0, 3)), draw(st.integers(0, 3)))


filters = st.sampled_from([
    {"trait": "age", "op": "gt", "value": 29},
    {"trait": "age", "op": "gte", "value": 2**60 + 1},
    {"trait": "age", "op": "eq", "value": [0, 1.1805916207174113e21]},
    {"trait": "plan", "op": "eq", "value": "x", "ignore_case": True},
    {"trait": "plan", "op": "not_set"},
    {"did": {"event": "A", "min": 2}},
    {"did": {"event": "A", "max": 0}},
    {"did": {"event": "B", "max": 1, "range": {"last": 10, "unit": "day"}}},
    {"did": {"event": "A", "min": 1, "max": 2, "where": [{"property": "n", "op": "gte", "value": 1}]}},
    {"any": [{"trait": "age", "op": "lt", "value": 31}, {"did": {"event": "B"}}]},
    {"funnel": {"steps": ["A", "B"], "timezone": "UTC", "range": {"last": 60, "unit": "day"}}, "step": 2},
    {"funnel": {"steps": ["A", "B"], "timezone": "UTC", "range": {"last": 60, "unit": "day"}}, "step": 1,
     "status": "dropped"},
])
sorts = st.sampled_from([None, {"by": "last_seen", "desc": False}, {"by": "first_seen"}, {"by": "events"},
                         {"by": "id"}, {"by": "id", "desc": False}, {"by": {"trait": "age"}},
                         {"by": {"trait": "plan"}, "desc": False}])


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    spec: dict[str, Any] = {"kind": "users", "timezone": "UTC", "where": draw(st.lists(filters, max_size=2)),
                            "match": draw(st.sampled_from(["all", "any"]))}
    sort = draw(sorts)
    if sort is not None:
        spec["sort"] = sort
    if draw(st.integers(0, 4)) == 0:
        spec["search"] = draw(st.sampled_from(["an", "Ann@", "a", "anon-a", "b"]))
    return spec


@pytest.mark.slow
@pytest.mark.parametrize("did_form", [None, "per_person"])
def test_pages_match_oracle(engine: Engine, did_form: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """did_form None: the engine's choice (grouped on tiny data, or per person when the event's
    rows outnumber the persons); "per_person": every did-clause as seeks per person."""
    if did_form is not None and engine.dialect.name not in ("sqlite", "postgresql"):
        pytest.skip("the per-person form runs where correlated subqueries do")
    monkeypatch.setattr(users_runner, "FORCE_DID_FORM", did_form)

    @settings(max_examples=examples(engine, 120), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(people=st.tuples(*[person(p) for p in PEOPLE]),
           rows=st.lists(st.tuples(st.sampled_from(["A", "B", None]), st.sampled_from(PEOPLE), st.integers(0, 50),
                                   st.sampled_from([{}, {"n": 1}, {"n": "1"}])), max_size=30),
           queries=st.lists(specs(), min_size=2, max_size=2), page=st.integers(1, 3))
    def check(people: tuple[dict[str, Any], ...], rows: list[Any], queries: list[dict[str, Any]],
              page: int) -> None:
        clear_rows(engine, events, users, identities)
        insert_identities(engine, [{"distinct_id": "anon-a", "person": "a", "linked_at": 0}])
        insert_rows(engine, [event_row(e, p, START + d * 86_400_000, props) for e, p, d, props in rows], list(people))
        data, everyone = load(engine), load_people(engine)
        for spec in queries:
            expected = oracle(data, everyone, spec, NOW)
            assert pages(lambda s: run_query(engine, s, now=NOW), spec, page) == expected["users"], spec
            assert run_query(engine, {**spec, "limit": 1}, now=NOW)["total"] == expected["total"], spec

    check()
