"""Snapshots of the SQL each runner compiles, per dialect (see tests/query/snapshot.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from app.query import build_runner
from app.query.runners.segmentation import SegmentationRunner
from tests.query.snapshot import DIALECTS, assert_same_cache_keys, assert_sql_snapshot

NOW = dt.datetime(2026, 11, 4, 12, 0, tzinfo=dt.UTC)
RANGE = {"from": "2026-10-20", "to": "2026-10-30"}  # spans Berlin's fall-back day

SEGMENTATION: dict[str, dict[str, Any]] = {
    "segmentation_top12_day": {"kind": "segmentation", "timezone": "Europe/Berlin", "range": RANGE},
    "segmentation_top12_filtered_previous": {
        "kind": "segmentation", "timezone": "Europe/Berlin", "range": RANGE, "compare_previous": True,
        "where": [{"property": "$country_code", "op": "eq", "value": "US"}]},
    "segmentation_unique_week_filters": {
        "kind": "segmentation", "events": ["A", "B"], "measure": "unique", "unit": "week", "timezone": "Europe/Berlin",
        "range": RANGE, "where": [{"property": "plan", "op": "eq", "value": ["pro", "team"], "ignore_case": True},
                                  {"any": [{"trait": "age", "op": "between", "value": [18, 65]},
                                           {"property": "$city", "op": "not_set"}]}]},
    "segmentation_median_breakdown_previous": {
        "kind": "segmentation", "events": ["A"], "measure": {"median": "price"}, "unit": "month",
        "timezone": "America/New_York", "range": RANGE, "breakdown": "plan", "limit": 3, "compare_previous": True},
    # a JSON number's sum: computed once per row in a subquery on SQLite (not per aggregate)
    "segmentation_sum_day_filtered": {
        "kind": "segmentation", "events": ["A"], "measure": {"sum": "price"}, "unit": "day", "timezone": "UTC",
        "range": RANGE, "where": [{"property": "plan", "op": "eq", "value": "pro"}]},
    "segmentation_daily_active_people": {
        "kind": "segmentation", "events": ["$all_events"], "measure": "unique", "unit": "day",
        "timezone": "Europe/Berlin", "range": RANGE},
    "segmentation_avg_hour_trait_breakdown": {
        "kind": "segmentation", "events": ["A"], "measure": {"avg": "price"}, "unit": "hour", "timezone": "UTC",
        "range": {"from": "2026-10-25", "to": "2026-10-25"}, "breakdown": {"trait": "plan"}},
    # from event_person_hours on SQLite and PostgreSQL (one statement per range, then the fallback)
    "segmentation_unique_trait_breakdown_previous": {
        "kind": "segmentation", "events": ["A", "B"], "measure": "unique", "unit": "day", "timezone": "UTC",
        "range": RANGE, "breakdown": {"trait": "plan"}, "compare_previous": True},
}

OTHERS: dict[str, dict[str, Any]] = {
    "live_filtered": {"kind": "live", "after_id": 10, "events": ["A"], "where": [{"property": "n", "op": "gte", "value": 2}]},
    "discovery_events": {"kind": "discovery", "what": "events", "timezone": "UTC", "range": RANGE},
    "discovery_properties": {"kind": "discovery", "what": "properties", "event": "A"},
    "discovery_values": {"kind": "discovery", "what": "values", "property": "plan"},
    "discovery_trait_values": {"kind": "discovery", "what": "values", "trait": "plan"},
}


@pytest.mark.parametrize("dialect_name", sorted(DIALECTS))
@pytest.mark.parametrize("name", sorted(SEGMENTATION))
def test_segmentation_sql(name: str, dialect_name: str) -> None:
    runner = build_runner(SEGMENTATION[name], DIALECTS[dialect_name], now=NOW)
    assert isinstance(runner, SegmentationRunner)
    statements = runner.statements(names=["A", "B"], tops={"A": ["pro", None], "B": ["free"]})
    assert_sql_snapshot(name, statements, dialect_name)


@pytest.mark.parametrize("dialect_name", sorted(DIALECTS))
@pytest.mark.parametrize("name", sorted(OTHERS))
def test_other_kinds_sql(name: str, dialect_name: str) -> None:
    runner = build_runner(OTHERS[name], DIALECTS[dialect_name], now=NOW)
    assert_sql_snapshot(name, runner.statements(), dialect_name)


def test_values_are_never_pasted_into_sql() -> None:
    spec = {"kind": "segmentation", "events": ["x'); DROP TABLE events; --"], "timezone": "UTC", "range": RANGE,
            "where": [{"property": "it's", "op": "eq", "value": "Robert'); DROP TABLE users; --"}],
            "breakdown": "we'ird"}
    for dialect in DIALECTS.values():
        runner = build_runner(spec, dialect, now=NOW)
        assert isinstance(runner, SegmentationRunner)
        sql = "\n".join(str(s.compile(dialect=dialect)) for s in runner.statements(tops={"x": ["y'z"]}))
        assert "DROP" not in sql and "it's" not in sql and "we'ird" not in sql and "y'z" not in sql


#: Statements SQLAlchemy never caches, and why (their compile time is small beside their run time).
UNCACHEABLE = {"segmentation_daily_active_people": "its VALUES list of bucket bounds (not cached by SQLAlchemy)"}


@pytest.mark.parametrize("dialect_name", sorted(d for d in DIALECTS if DIALECTS[d].supports_statement_cache))
@pytest.mark.parametrize("name", sorted(set(SEGMENTATION) - set(UNCACHEABLE)) + sorted(OTHERS))
def test_same_query_same_cache_key(name: str, dialect_name: str) -> None:
    """Building a query twice gives statements SQLAlchemy recognises as the same (compiled once,
    then taken from its statement cache). Not for ClickHouse: its dialect compiles every time."""
    def statements() -> list[Any]:
        runner = build_runner({**SEGMENTATION, **OTHERS}[name], DIALECTS[dialect_name], now=NOW)
        if isinstance(runner, SegmentationRunner):
            return runner.statements(names=["A", "B"], tops={"A": ["pro", None], "B": ["free"]})
        return runner.statements()

    assert_same_cache_keys(statements)
