"""Bounds on a query's size (app.query.limits): refused as "too large: ..." before any SQL runs.

The specs are the attack run's (issue 18) and one just past each documented bound; each must
raise QueryTooLarge (a QueryError) without a single statement reaching the database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event

from app.query import QueryError, QueryTooLarge, limits, parse_query, run_query

FIVE_YEARS = {"from": "2021-01-01", "to": "2025-12-31"}


def _names(n: int) -> list[str]:
    return [f"Event {i}" for i in range(n)]


def _nested_any(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"property": "plan", "op": "eq", "value": "pro"}
    for _ in range(depth):
        node = {"any": [node]}
    return node


TOO_LARGE: list[tuple[str, dict[str, Any], str]] = [
    ("hourly over 5 years, 1,000 events",
     {"kind": "segmentation", "unit": "hour", "range": FIVE_YEARS, "events": _names(1000)}, "events has 1,000 items"),
    ("hourly over 5 years, default events",
     {"kind": "segmentation", "unit": "hour", "range": FIVE_YEARS}, "more than 10,000 hour buckets"),
    ("200 events by day over a year",
     {"kind": "segmentation", "range": {"from": "2025-01-01", "to": "2025-12-31"}, "events": _names(200)},
     "events has 200 items"),
    ("cells: 50 events x 101 breakdown series x 365 days",
     {"kind": "segmentation", "range": {"from": "2025-01-01", "to": "2025-12-31"}, "events": _names(50),
      "breakdown": "plan", "limit": 100}, "more than 1,000,000 numbers"),
    ("cells with compare_previous",
     {"kind": "segmentation", "unit": "hour", "range": {"from": "2025-01-01", "to": "2025-12-31"},
      "events": _names(60), "compare_previous": True}, "more than 1,000,000 numbers"),
    ("users with 1,000 did clauses",
     {"kind": "users", "did": [{"event": f"E{i}", "min": 1} for i in range(1000)]}, "did has 1,000 items"),
    ("21 did filters spread over where and did",
     {"kind": "users", "did": [{"event": f"E{i}"} for i in range(11)],
      "where": [{"did": {"event": f"W{i}"}} for i in range(10)]}, "21 behavioural (did) and funnel filters"),
    ("any with 10,000 members",
     {"kind": "segmentation", "where": [{"any": [{"property": "p", "op": "eq", "value": i} for i in range(10_000)]}]},
     "more than 20,000 JSON values"),
    ("any with 101 members",
     {"kind": "users", "where": [{"any": [{"trait": "t", "op": "eq", "value": i} for i in range(101)]}]},
     "where[0].any has 101 items"),
    ("eq list of 100,000 values",
     {"kind": "segmentation", "where": [{"property": "p", "op": "eq", "value": [str(i) for i in range(100_000)]}]},
     "more than 20,000 JSON values"),
    ("eq list of 1,001 strings",
     {"kind": "segmentation", "where": [{"property": "p", "op": "eq", "value": [str(i) for i in range(1001)]}]},
     "where[0].value has 1,001 items"),
    ("eq list of 101 numbers",
     {"kind": "live", "where": [{"property": "p", "op": "eq", "value": list(range(101))}]},
     "101 numbers and booleans"),
    ("contains list of 101 values",
     {"kind": "live", "where": [{"property": "p", "op": "contains", "value": [str(i) for i in range(101)]}]},
     "101 values (at most 100 for 'contains')"),
    ("201 filters",
     {"kind": "live", "where": [{"property": "p", "op": "set"}] * 201}, "where has 201 items"),
    ("201 filters at several depths",
     {"kind": "live", "where": [{"any": [{"property": "p", "op": "set"}] * 100}] * 2}, "has 202 filters"),
    ("over 10,000 list values in all",
     {"kind": "live", "where": [{"property": f"p{i}", "op": "eq", "value": [str(j) for j in range(1000)]}
                                for i in range(11)]}, "11,000 values"),
    ("nested 300 levels deep",
     {"kind": "live", "where": [_nested_any(150)]}, "nested more than 32 levels deep"),
    ("a string of 10,001 characters",
     {"kind": "profile", "user": "x" * 10_001}, "a string of 10,001 characters"),
    ("101 live event names",
     {"kind": "live", "events": _names(101)}, "events has 101 items"),
    ("funnel trends hourly over 2 years",
     {"kind": "funnel", "steps": ["A", "B"], "view": "trends", "unit": "hour",
      "range": {"from": "2024-01-01", "to": "2025-12-31"}}, "more than 10,000 hour buckets"),
]


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every statement the engine sends (there must be none)."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize(("spec", "message"), [pytest.param(s, m, id=i) for i, s, m in TOO_LARGE])
def test_too_large_is_refused_before_any_sql(engine: Engine, statements: list[str], spec: dict[str, Any],
                                             message: str) -> None:
    with pytest.raises(QueryTooLarge) as caught:
        run_query(engine, spec)
    assert str(caught.value).startswith("too large: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, QueryError)
    assert statements == []


WITHIN: list[tuple[str, dict[str, Any]]] = [
    ("hourly over 13 months, 12 events",
     {"kind": "segmentation", "unit": "hour", "range": {"from": "2025-01-01", "to": "2026-01-31"}}),
    ("100 events by day over a year",
     {"kind": "segmentation", "range": {"from": "2025-01-01", "to": "2025-12-31"}, "events": _names(100)}),
    ("20 did clauses",
     {"kind": "users", "did": [{"event": f"E{i}", "range": {"last": 30, "unit": "day"}} for i in range(20)]}),
    ("an any group of 100 members, 900 strings and 100 numbers in eq",
     {"kind": "live", "where": [{"any": [{"property": "p", "op": "eq", "value": i} for i in range(100)]},
                                {"property": "q", "op": "eq", "value": [str(i) for i in range(900)] + list(range(100))}]}),
    ("nested 12 any groups (26 levels)", {"kind": "live", "where": [_nested_any(12)]}),
]


@pytest.mark.parametrize("spec", [pytest.param(s, id=i) for i, s in WITHIN])
def test_specs_within_the_limits_run(engine: Engine, spec: dict[str, Any]) -> None:
    assert isinstance(run_query(engine, spec), dict)


def test_limits_are_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "query.md").read_text(encoding="utf-8")
    for name in ("MAX_SPEC_BYTES", "MAX_SPEC_DEPTH", "MAX_SPEC_NODES", "MAX_STRING_CHARS", "MAX_LIST_VALUES",
                 "MAX_LIST_TERMS", "MAX_ANY_MEMBERS", "MAX_EVENTS", "MAX_FILTERS", "MAX_PERSON_CLAUSES",
                 "MAX_FILTER_VALUES", "MAX_BUCKETS", "MAX_CELLS"):
        assert f"{getattr(limits, name):,}" in doc, name


def test_a_deep_spec_is_refused_without_recursion() -> None:
    spec: Any = {"property": "p", "op": "set"}
    for _ in range(100_000):
        spec = {"any": [spec]}
    with pytest.raises(QueryTooLarge, match="nested more than 32 levels"):
        parse_query({"kind": "live", "where": [spec]})
    assert len(json.dumps({"kind": "live"})) < limits.MAX_SPEC_BYTES
