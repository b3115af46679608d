"""Snapshots of the SQL the funnel, funnel-persons, users and profile runners compile, per
dialect (see tests/query/snapshot.py; regenerate with TRACKLENS_UPDATE_SNAPSHOTS=1)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from app.query import build_runner
from app.query.runners import funnel_persons
from tests.query.snapshot import DIALECTS, assert_same_cache_keys, assert_sql_snapshot

NOW = dt.datetime(2026, 11, 4, 12, 0, tzinfo=dt.UTC)
RANGE = {"from": "2026-10-20", "to": "2026-10-30"}
FUNNEL = {"kind": "funnel", "timezone": "Europe/Berlin", "range": RANGE, "window": {"days": 7},
          "steps": [{"event": "View", "where": [{"property": "page", "op": "eq", "value": "home"}]},
                    {"event": "Cart"}, {"event": "Buy"}]}

SPECS: dict[str, dict[str, Any]] = {
    "funnel_steps": {**FUNNEL, "where": [{"trait": "age", "op": "gt", "value": 35}, {"cohort": 3}]},
    "funnel_steps_breakdown": {**FUNNEL, "breakdown": "$city", "limit": 3},
    "funnel_trends": {**FUNNEL, "view": "trends", "unit": "week"},
    "funnel_strict_exclusion_hold": {
        **FUNNEL, "order": "strict", "hold": "product_id",
        "exclusions": [{"event": "Refund", "from_step": 1, "to_step": 3,
                        "where": [{"property": "amount", "op": "gt", "value": 100}]}]},
    "funnel_any_order": {**FUNNEL, "order": "any", "hold": "product_id"},
    "funnel_exclusion_hold": {**FUNNEL, "hold": "$browser",
                              "exclusions": [{"event": "Refund", "from_step": 2, "to_step": 3}]},
    "funnel_time_to_convert": {**FUNNEL, "view": "time_to_convert", "bins": 10},
    "funnel_persons_dropped": {"kind": "funnel_persons", "funnel": FUNNEL, "step": 2, "status": "dropped",
                               "after": "WzEwLCJ1MSJd"},
    "users_example_cohort": {
        "kind": "users", "timezone": "UTC",
        "where": [{"trait": "gender", "op": "eq", "value": "female"}, {"trait": "age", "op": "gt", "value": 35}],
        "did": [{"event": "Order Completed", "min": 3, "range": {"last": 30, "unit": "day"}}]},
    "users_trait_sort_search_did_not": {
        "kind": "users", "search": "ann@", "match": "any", "sort": {"by": {"trait": "age"}, "desc": False},
        "after": "WzAsMzUsInUxIl0", "did": [{"event": "Churned", "max": 0}, {"event": "Login", "max": 2}]},
    "profile": {"kind": "profile", "user": "anon-1", "timeline": {"limit": 20, "before_id": 99, "events": ["Buy"]}},
}


@pytest.mark.parametrize("dialect_name", sorted(DIALECTS))
@pytest.mark.parametrize("name", sorted(SPECS))
def test_sql(name: str, dialect_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(funnel_persons, "_occurrence", itertools.count(1))
    runner = build_runner(SPECS[name], DIALECTS[dialect_name], now=NOW)
    statements = runner.statements(tops=["Berlin", None]) if name == "funnel_steps_breakdown" else runner.statements()
    assert_sql_snapshot(name, statements, dialect_name)


def test_values_are_never_pasted_into_sql() -> None:
    evil = "x'); DROP TABLE events; --"
    specs = [
        {**FUNNEL, "steps": [evil, {"event": "B", "where": [{"property": "it's", "op": "eq", "value": evil}]}],
         "breakdown": "we'ird"},
        {"kind": "users", "search": evil, "did": [{"event": evil}], "sort": {"by": {"trait": "it's"}}},
        {"kind": "profile", "user": evil, "timeline": {"events": [evil]}},
    ]
    for dialect in DIALECTS.values():
        for spec in specs:
            runner = build_runner(spec, dialect, now=NOW)
            sql = "\n".join(str(s.compile(dialect=dialect)) for s in runner.statements())
            assert "DROP" not in sql and "it's" not in sql and "we'ird" not in sql


@pytest.mark.parametrize("dialect_name", sorted(d for d in DIALECTS if DIALECTS[d].supports_statement_cache))
@pytest.mark.parametrize("name", sorted(n for n in SPECS if n != "funnel_persons_dropped"))
def test_same_query_same_cache_key(name: str, dialect_name: str) -> None:
    """Building a query twice gives statements SQLAlchemy recognises as the same, so it compiles
    them once (a global counter in a CTE name once made every users query a cache miss: 1.7 ms
    per statement). A funnel nested as a filter numbers its CTEs per use, so it is left out.
    Not for ClickHouse: its dialect compiles every statement anew (no statement cache)."""
    assert_same_cache_keys(lambda: build_runner(SPECS[name], DIALECTS[dialect_name], now=NOW).statements())
