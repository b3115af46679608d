"""Unknown keys are named wherever they are and whatever else is wrong with the query: every one
of them, in one error (app.query.model._sweep_unknown_keys). A reader that showed a refused
query anyway (a saved report opens a half-made query for its panel to name the problem) would
otherwise drop a key it was never told about: another query than the one saved."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.query import QueryError, parse_query
from tests.query.panel_queries import QUERIES, event_names, names

_GT = {"property": "price", "op": "gt", "value": 100}


def _refusal(spec: Any) -> str:
    with pytest.raises(QueryError) as caught:
        parse_query(spec)
    return str(caught.value)


@pytest.mark.parametrize("spec, message", [
    # The step has no event: the sweep took the whole step out, so its filter's 'valeu' was
    # never looked at and the error named only the missing event.
    ({"kind": "funnel", "steps": ["A", {"where": [{**_GT, "valeu": 5}]}, "C"]},
     "unknown key 'valeu' (did you mean 'value'?) in steps[1].where[0]; also steps[1].event must be a non-empty string, got null"),
    ({"kind": "retention", "start": {"where": [{"any": [{**_GT, "ignore_cases": True}]}]}, "return": "B"},
     "unknown key 'ignore_cases' (did you mean 'ignore_case'?) in start.where[0].any[0]; also start.event must be a non-empty string, got null"),
    ({"kind": "users", "did": [{"where": [{**_GT, "Value": 3}], "range": {"last": 7, "units": "day"}}]},
     "unknown key 'Value' (did you mean 'value'?) in did[0].where[0]; unknown key 'units' (did you mean 'unit'?) in did[0].range; "
     "also did[0].event must be a non-empty string, got null"),
    # No steps: the first exclusion (with a filter) is refused for its to_step, and the sweep
    # set aside the whole list of exclusions, the second one's typo with it.
    ({"kind": "funnel", "exclusions": [{"event": "X", "where": [_GT], "from_step": 1, "to_step": 2},
                                       {"event": "Y", "from_step": 1, "to_step": 2, "wher": []}]},
     "unknown key 'wher' (did you mean 'where'?) in exclusions[1]; also steps must list at least one step"),
])
def test_an_unknown_key_beside_a_missing_required_value_is_named(spec: dict, message: str) -> None:
    assert _refusal(spec) == message


def test_many_nested_unknown_keys_are_all_named() -> None:
    """The error named the first object with unknown keys only: fixing that typo and running
    again met the next one, as many times as there were typos."""
    spec = {"kind": "funnel", "windw": {"days": 3},
            "steps": ["A", {"event": "B", "where": [{**_GT, "valeu": 1}, {**_GT, "Op": "lt"}]},
                      {"event": "C", "wheres": []}],
            "exclusions": [{"event": "X", "from_step": 1, "to_step": 2, "where": [{"any": [{**_GT, "x": 1}]}]}],
            "breakdown": {"property": "plan", "top": 3}}
    assert _refusal(spec) == (
        "unknown key 'windw' (did you mean 'window'?); unknown key 'valeu' (did you mean 'value'?) in steps[1].where[0]; unknown key 'Op' (did you mean 'op'?) in steps[1].where[1]; "
        "unknown key 'wheres' (did you mean 'where'?) in steps[2]; unknown key 'top' in breakdown; "
        "unknown key 'x' in exclusions[0].where[0].any[0]")


def test_an_unknown_key_behind_many_other_problems_is_named() -> None:
    """The sweep set aside at most 32 refused parts: a typo behind 40 bad filters was not named."""
    spec = {"kind": "segmentation", "where": [{"property": "p", "op": "is", "value": 1}] * 40 + [{**_GT, "valeu": 5}]}
    assert _refusal(spec).startswith("unknown key 'valeu' (did you mean 'value'?) in where[40]; also where[0].op must be one of ")
    many = {"kind": "segmentation", "where": [{**_GT, f"k{i}": 1} for i in range(40)]}
    assert _refusal(many) == "; ".join(f"unknown key 'k{i}' in where[{i}]" for i in range(40))


def test_an_unknown_key_behind_thousands_of_problems_at_the_spec_limits_is_named() -> None:
    """4,800 refused filters (about 20,000 JSON values, the most a query may have) and a typo in
    the last: each bad filter cost the sweep nine parses of the whole query (its value taken
    out, seven values tried in its place, then the filter), so its budget ran out first. A
    refused object holding nothing unread is now set aside at once."""
    where = [{"any": [{"property": "plan", "op": "is", "value": 1} for _ in range(24)]} for _ in range(200)]
    where[-1]["any"][-1]["valeu"] = 1
    assert _refusal({"kind": "segmentation", "where": where}).startswith(
        "unknown key 'valeu' (did you mean 'value'?) in where[199].any[23]; also where[0].any[0].op must be one of ")


def test_the_error_without_unknown_keys_is_unchanged() -> None:
    """Filling a missing value in to read on never makes up a problem: a query with no unknown
    key is refused for its first problem, as before."""
    spec = {"kind": "funnel", "steps": ["A", {"where": [_GT]}, {"event": "C", "where": [{"property": "x", "op": "gt"}]}]}
    assert _refusal(spec) == "steps[1].event must be a non-empty string, got null"


@st.composite
def profile_queries(draw: st.DrawFn) -> dict[str, Any]:
    timeline: dict[str, Any] = {"limit": draw(st.integers(1, 1000)),
                                "events": draw(st.lists(event_names, max_size=3, unique=True))}
    if draw(st.booleans()):
        timeline["before_id"] = draw(st.integers(1, 2**40))
    return {"kind": "profile", "user": draw(names), "timeline": timeline}


def _objects(value: Any, path: str = "") -> list[tuple[str, dict]]:
    """Every JSON object of a spec with its path, as the parser names it (`steps[1].where[0]`)."""
    if isinstance(value, dict):
        out = [(path, value)]
        for key, item in value.items():
            out += _objects(item, f"{path}.{key}" if path else key)
        return out
    if isinstance(value, list):
        return [found for i, item in enumerate(value) for found in _objects(item, f"{path}[{i}]")]
    return []


def _values(value: Any) -> list[tuple[Any, Any]]:
    """(container, key) of every value of a spec below the top."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    return [pair for key, item in items for pair in [(value, key), *_values(item)]]


KINDS = {**{k: QUERIES[k] for k in ("segmentation", "funnel", "users", "retention")}, "profile": profile_queries()}
spoiled_specs = st.sampled_from(sorted(KINDS)).flatmap(lambda kind: KINDS[kind])


@settings(max_examples=int(__import__("os").environ.get("H5N", "300")), deadline=None, derandomize=__import__("os").environ.get("H5N") is None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=spoiled_specs, data=st.data())
def test_a_random_unknown_key_anywhere_is_named(spec: dict, data: st.DataObject) -> None:
    """A key no version has, put into a random object of a valid query of each kind the saved
    reports hold, is named with its place; also when another value of the query is missing,
    null or of a wrong type (a hand-edited report)."""
    spoil = data.draw(st.sampled_from(["none", "delete", "null", "wrong type"]), label="spoil")
    if spoil != "none":
        container, at = data.draw(st.sampled_from([v for v in _values(spec) if v != (spec, "kind")]), label="spoiled")
        if spoil == "delete":
            del container[at]
        else:
            container[at] = None if spoil == "null" else 7.5
    path, target = data.draw(st.sampled_from(_objects(spec)), label="object")
    key = "~" + data.draw(names, label="key")
    target[key] = 1
    message = _refusal(spec)
    assert f"{key!r} in {path}" in message if path else message.startswith(f"unknown key {key!r}"), message
