"""Cohorts: storage functions, static snapshots taken in the database, and the cohort filter in
users, segmentation and funnel queries on both databases."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine

from app.query import run_query
from app.query.cohorts import (
    CohortError,
    cohort_users_query,
    create_cohort,
    delete_cohort,
    get_cohort,
    list_cohorts,
    rename_cohort,
)
from app.query.reference.common import load
from app.query.reference.funnel import funnel as funnel_oracle
from app.query.reference.users import load_people
from app.query.reference.users import users as users_oracle
from tests.query.support import event_row, insert_rows, ms, user_row

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
PRO = {"kind": "users", "where": [{"trait": "plan", "op": "eq", "value": "pro"}]}


@pytest.fixture
def people(engine: Engine) -> Engine:
    t = ms("2026-11-10 12:00")
    insert_rows(engine, [event_row("View", p, t) for p in ("a", "b", "c")] + [event_row("Buy", "a", t + 5)],
                [user_row("a", {"plan": "pro"}), user_row("b", {"plan": "pro"}), user_row("c", {"plan": "free"})])
    return engine


def ids(engine: Engine, spec: dict[str, Any]) -> list[str]:
    got = run_query(engine, {**spec, "sort": {"by": "id", "desc": False}}, now=NOW)
    expected = users_oracle(load(engine), load_people(engine), {**spec, "sort": {"by": "id", "desc": False}}, NOW)
    assert got["users"] == expected["users"] and got["total"] == expected["total"]
    return [u["id"] for u in got["users"]]


def test_static_snapshot_vs_dynamic_reevaluation(people: Engine) -> None:
    dynamic = create_cohort(people, "Pro users", PRO, now=NOW)
    static = create_cohort(people, "Pro snapshot", PRO, static=True, now=NOW)
    assert static["size"] == 2 and dynamic["size"] is None and dynamic["kind"] == "dynamic"
    insert_rows(people, user_rows=[user_row("d", {"plan": "pro"})])
    assert ids(people, cohort_users_query(dynamic)) == ["a", "b", "d"]
    assert ids(people, cohort_users_query(static)) == ["a", "b"]
    assert ids(people, {"kind": "users", "where": [{"cohort": static["id"], "op": "not_in"}]}) == ["c", "d"]


def test_cohort_filter_in_segmentation_and_funnels(people: Engine) -> None:
    cohort = create_cohort(people, "Pro", PRO, now=NOW)
    seg = run_query(people, {"kind": "segmentation", "events": ["View"], "timezone": "UTC", "measure": "unique",
                             "range": {"last": 30, "unit": "day"}, "where": [{"cohort": cohort["id"]}]}, now=NOW)
    assert seg["series"][0]["total"] == 2
    spec = {"kind": "funnel", "steps": ["View", "Buy"], "timezone": "UTC", "range": {"last": 30, "unit": "day"},
            "where": [{"cohort": cohort["id"], "op": "in"}]}
    got = run_query(people, spec, now=NOW)
    assert [s["count"] for s in got["steps"]] == [2, 1]
    # the oracle gets the cohort inlined the way run_query does
    from app.query.cohorts import resolve_cohorts

    assert got == funnel_oracle(load(people), resolve_cohorts(people, spec), NOW, load_people(people))


def test_cohorts_of_cohorts_and_behaviour(people: Engine) -> None:
    buyers = create_cohort(people, "Buyers", {"kind": "users", "did": [{"event": "Buy"}]}, now=NOW)
    both = create_cohort(people, "Pro buyers", {"where": [{"cohort": buyers["id"]}, *PRO["where"]]}, now=NOW)
    assert ids(people, cohort_users_query(both)) == ["a"]


def test_list_rename_delete_and_errors(people: Engine) -> None:
    one = create_cohort(people, "b-cohort", PRO)
    two = create_cohort(people, "a-cohort", PRO, static=True)
    assert [c["name"] for c in list_cohorts(people)] == ["a-cohort", "b-cohort"]
    with pytest.raises(CohortError, match="already exists"):
        create_cohort(people, "a-cohort", PRO)
    with pytest.raises(CohortError, match="already exists"):
        rename_cohort(people, one["id"], "a-cohort")
    assert rename_cohort(people, one["id"], " Renamed ")["name"] == "Renamed"
    assert delete_cohort(people, two["id"]) is True and get_cohort(people, two["id"]) is None
    assert delete_cohort(people, two["id"]) is False
    with pytest.raises(CohortError, match="does not exist"):
        run_query(people, {"kind": "users", "where": [{"cohort": two["id"]}]})
    with pytest.raises(CohortError, match="needs a name"):
        create_cohort(people, "  ", PRO)
    with pytest.raises(CohortError, match="unknown key"):
        create_cohort(people, "typo", {"wher": []})
    assert [c["name"] for c in list_cohorts(people)] == ["Renamed"]


def test_static_snapshot_is_copied_inside_the_database(people: Engine) -> None:
    """Thousands of members are written by one INSERT ... SELECT (no rows through Python)."""
    from sqlalchemy import event

    insert_rows(people, [event_row("View", f"x{i}", 1) for i in range(10)])
    statements: list[str] = []
    event.listen(people, "before_cursor_execute", lambda *a: statements.append(a[2]))
    create_cohort(people, "all", {"kind": "users"}, static=True)
    inserts = [s.replace("`", "") for s in statements if "INSERT INTO" in s and "cohort_members" in s]
    assert len(inserts) == 1 and "SELECT" in inserts[0]
