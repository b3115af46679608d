"""The panels' Qt-free state objects: query -> state -> query is the identity, callbacks fire
once per change, and every choice list is the query model's."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.query import parse_query
from app.query.model import MEASURES, NUMERIC_MEASURES, OPS, UNITS
from app.query.panel_state import (
    FUNNEL_ORDER_CHOICES,
    MEASURE_CHOICES,
    OPERATORS_BY_TYPE,
    PANEL_STATES,
    RETENTION_BRACKET_CHOICES,
    UNIT_CHOICES,
    ConditionState,
    FunnelState,
    SegmentationState,
    UsersState,
)
from app.query.runners.funnel_base import ORDERS
from app.query.runners.retention import BRACKETS
from tests.query.panel_queries import QUERIES, value_filters

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def canonical(spec: dict[str, Any]) -> dict[str, Any]:
    out = parse_query(spec).to_dict()
    if out["kind"] == "live":
        out = {k: v for k, v in out.items() if k not in ("after_id", "limit")}
    return out


@pytest.mark.parametrize("kind", sorted(QUERIES))
@SETTINGS
@given(data=st.data())
def test_query_state_query_is_the_identity(kind: str, data: st.DataObject) -> None:
    spec = data.draw(QUERIES[kind])
    state = PANEL_STATES[kind]()
    state.load(spec)
    assert state.to_query() == canonical(spec)
    # ...and the state's query is one the engine accepts as it is.
    assert canonical(state.to_query()) == state.to_query()


@SETTINGS
@given(value_filters())
def test_condition_round_trips_every_operator_and_ignore_case(spec: dict[str, Any]) -> None:
    expected = parse_query({"kind": "segmentation", "where": [spec]}).to_dict()["where"][0]
    assert ConditionState.from_json(expected).to_json() == expected


def test_ignore_case_survives_the_state() -> None:
    spec = {"kind": "segmentation", "where": [{"property": "$city", "op": "eq", "value": "berlin", "ignore_case": True}]}
    state = SegmentationState()
    state.load(spec)
    assert state.to_query()["where"] == spec["where"]


def test_callbacks_fire_once_per_load_and_only_on_change() -> None:
    state = SegmentationState()
    seen: list[Any] = []
    changes: list[set[str]] = []
    state.add_callback("unit", seen.append)
    state.add_global_callback(changes.append)
    state.load({"kind": "segmentation", "unit": "week", "limit": 3})
    assert seen == ["week"] and changes == [{"unit", "limit"}]
    state.unit = "week"
    assert seen == ["week"]  # the same value: no call
    state.unit = "hour"
    assert seen == ["week", "hour"]


def test_typed_values_differ() -> None:
    """1, 1.0 and true are different filter values: setting one after another is a change."""
    condition = ConditionState(name="n", op="eq", value=1)
    condition.value = True
    assert condition.to_json() == {"property": "n", "op": "eq", "value": True}
    condition.value = 1.0
    assert condition.to_json() == {"property": "n", "op": "eq", "value": 1.0}


def test_state_values_are_copies() -> None:
    state = SegmentationState()
    state.where = [{"property": "a", "op": "set"}]
    state.where.append({"property": "b", "op": "set"})
    assert state.where == [{"property": "a", "op": "set"}]


def test_incomplete_condition_is_left_out_and_set_op_drops_a_mismatched_value() -> None:
    condition = ConditionState()
    assert condition.to_json() is None
    condition.name = "price"
    condition.set_op("gt", "number")
    assert condition.to_json() is None
    condition.value = 5
    condition.set_op("lt", "number")  # the same editor: the value stays
    assert condition.to_json() == {"property": "price", "op": "lt", "value": 5}
    condition.set_op("between", "number")
    assert condition.value is None


def test_measure_helpers() -> None:
    state = SegmentationState()
    state.set_measure("sum", "price")
    assert state.measure == {"sum": "price"} and state.measure_kind == "sum" and state.measure_property == "price"
    state.set_measure("avg", "  ")
    assert state.measure == "total"  # a numeric measure without its property counts events
    state.set_measure("unique", "price")
    assert state.measure == "unique"


def test_funnel_any_order_keeps_exclusions_aside() -> None:
    state = FunnelState()
    state.load({"kind": "funnel", "steps": ["a", "b"], "exclusions": [{"event": "x"}]})
    state.order = "any"
    assert "exclusions" not in state.to_query()
    parse_query(state.to_query())
    state.order = "strict"
    assert state.to_query()["exclusions"] == [{"event": "x", "where": [], "from_step": 1, "to_step": 2}]


def test_users_filters_split_into_where_and_did() -> None:
    state = UsersState()
    state.set_filters([{"trait": "age", "op": "gt", "value": 3}, {"did": {"event": "x", "min": 1, "max": None}}])
    assert state.where == [{"trait": "age", "op": "gt", "value": 3}]
    assert state.did == [{"event": "x", "min": 1, "max": None}]
    assert state.filters == [{"trait": "age", "op": "gt", "value": 3}, {"did": {"event": "x", "min": 1, "max": None}}]


def test_a_spec_the_model_refuses_still_loads_what_it_has() -> None:
    state = PANEL_STATES["retention"]()
    state.load({"kind": "retention", "mode": "recurring"})  # no start event yet
    assert state.to_query()["mode"] == "recurring"


def test_choice_lists_are_the_models() -> None:
    assert [k for k, _ in MEASURE_CHOICES] == [*MEASURES, *NUMERIC_MEASURES]
    assert [k for k, _ in UNIT_CHOICES] == list(UNITS)
    assert [k for k, _ in FUNNEL_ORDER_CHOICES] == list(ORDERS)
    assert [k for k, _ in RETENTION_BRACKET_CHOICES] == list(BRACKETS)
    offered = {op for ops in OPERATORS_BY_TYPE.values() for op in ops}
    assert offered == set(OPS)
