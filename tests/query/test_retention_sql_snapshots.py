"""Snapshots of the SQL the retention and retention-persons runners compile, per dialect (see
tests/query/snapshot.py; regenerate with TRACKLENS_UPDATE_SNAPSHOTS=1)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from app.query import build_runner
from app.query.runners import retention_persons
from tests.query.snapshot import DIALECTS, assert_same_cache_keys, assert_sql_snapshot

NOW = dt.datetime(2026, 11, 4, 12, 0, tzinfo=dt.UTC)
RETENTION: dict[str, Any] = {
    "kind": "retention", "start": {"event": "Signed Up", "where": [{"property": "plan", "op": "eq", "value": "pro"}]},
    "return": {"event": "$any", "where": []}, "mode": "first_time", "unit": "day", "periods": 3, "bracket": "on",
    "range": {"from": "2026-10-20", "to": "2026-10-30"}, "timezone": "Europe/Berlin"}

SPECS: dict[str, dict[str, Any]] = {
    "retention_first_time_day": {**RETENTION, "where": [{"trait": "age", "op": "gt", "value": 35}]},
    "retention_recurring_week_on_or_after": {**RETENTION, "mode": "recurring", "unit": "week",
                                             "bracket": "on_or_after", "return": {"event": "Login"}},
    "retention_breakdown_property": {**RETENTION, "breakdown": "$city", "limit": 3},
    "retention_persons_lost": {"kind": "retention_persons", "retention": RETENTION, "born": "2026-10-25",
                               "period": 1, "status": "lost"},
}


@pytest.mark.parametrize("dialect_name", sorted(DIALECTS))
@pytest.mark.parametrize("name", sorted(SPECS))
def test_sql(name: str, dialect_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retention_persons, "_occurrence", itertools.count(1))
    runner = build_runner(SPECS[name], DIALECTS[dialect_name], now=NOW)
    breakdown = name == "retention_breakdown_property"
    statements = runner.statements(tops=["Berlin", None]) if breakdown else runner.statements()
    assert_sql_snapshot(name, statements, dialect_name)


def test_values_are_never_pasted_into_sql() -> None:
    evil = "x'); DROP TABLE events; --"
    specs = [
        {**RETENTION, "start": evil, "return": {"event": evil, "where": [{"property": "it's", "op": "eq", "value": evil}]},
         "breakdown": "we'ird"},
        {"kind": "retention_persons", "retention": {**RETENTION, "start": evil}, "period": 0},
    ]
    for dialect in DIALECTS.values():
        for spec in specs:
            runner = build_runner(spec, dialect, now=NOW)
            sql = "\n".join(str(s.compile(dialect=dialect)) for s in runner.statements())
            assert "DROP" not in sql and "it's" not in sql and "we'ird" not in sql


@pytest.mark.parametrize("dialect_name", sorted(DIALECTS))
@pytest.mark.parametrize("name", sorted(n for n in SPECS if n != "retention_persons_lost"))
def test_same_query_same_cache_key(name: str, dialect_name: str) -> None:
    """Building a retention twice gives statements SQLAlchemy compiles once (no counters in names)."""
    assert_same_cache_keys(lambda: build_runner(SPECS[name], DIALECTS[dialect_name], now=NOW).statements())
