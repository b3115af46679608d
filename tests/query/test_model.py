"""The JSON query model: strict validation with clear messages, and lossless round trips."""

from __future__ import annotations

import json

import pytest

from app.query import QueryError, parse_query

SPECS = [
    {"kind": "segmentation"},
    {"kind": "segmentation", "events": ["Signed Up", "Page Viewed"], "measure": "unique", "unit": "week",
     "range": {"from": "2026-09-01", "to": "2026-09-30"}, "timezone": "Europe/Berlin",
     "where": [{"property": "plan", "op": "eq", "value": ["pro", "team"]},
               {"trait": "age", "op": "between", "value": [18, 65]},
               {"any": [{"property": "$city", "op": "contains", "value": "ber", "ignore_case": True},
                        {"property": "paid", "op": "true"}]}],
     "breakdown": {"trait": "plan"}, "limit": 5, "compare_previous": True},
    {"kind": "segmentation", "measure": {"median": "price"}, "unit": "hour", "range": {"last": 2, "unit": "week"},
     "breakdown": "$browser", "where": [{"property": "d", "op": "in_last_days", "value": 7},
                                        {"property": "d", "op": "before", "value": "2026-01-02"}]},
    {"kind": "live", "after_id": 42, "limit": 10, "events": ["A"], "where": [{"property": "x", "op": "set"}]},
    {"kind": "discovery", "what": "events", "range": {"last": 7, "unit": "day"}},
    {"kind": "discovery", "what": "properties", "event": "Purchase", "sample": 500},
    {"kind": "discovery", "what": "values", "trait": "plan", "limit": 20},
]


@pytest.mark.parametrize("spec", SPECS)
def test_to_dict_round_trips_through_json(spec: dict) -> None:
    query = parse_query(spec)
    again = parse_query(json.loads(json.dumps(query.to_dict())))
    assert again == query
    assert again.to_dict() == query.to_dict()


def test_defaults_are_filled_in() -> None:
    out = parse_query({"kind": "segmentation"}).to_dict()
    assert out["measure"] == "total" and out["unit"] == "day" and out["limit"] == 12
    assert out["range"] == {"last": 30, "unit": "day"} and out["compare_previous"] is False


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "nope"}, "unknown query kind 'nope'"),
        ({}, "needs a 'kind'"),
        ([1], "must be a JSON object"),
        ({"kind": "segmentation", "mesure": "total"}, "unknown key 'mesure'"),
        ({"kind": "segmentation", "unit": "year"}, "unit must be one of hour, day, week, month"),
        ({"kind": "segmentation", "measure": "count"}, "measure must be 'total', 'unique'"),
        ({"kind": "segmentation", "where": [{"property": "a", "op": "like", "value": "x"}]},
         "where[0].op must be one of"),
        ({"kind": "segmentation", "where": [{"property": "a", "op": "gt", "value": "5"}]},
         "where[0].value must be a number"),
        ({"kind": "segmentation", "where": [{"property": "a", "op": "between", "value": [5]}]},
         "where[0].value must be a list [low, high]"),
        ({"kind": "segmentation", "where": [{"property": "a", "op": "set", "value": 1}]},
         "takes no value"),
        ({"kind": "segmentation", "where": [{"property": "a", "op": "eq"}]}, "where[0].value is required"),
        ({"kind": "segmentation", "where": [{"any": []}]}, "where[0].any must list at least one filter"),
        ({"kind": "segmentation", "where": [{"any": [{"property": "a", "op": "eq", "value": {"x": 1}}]}]},
         "where[0].any[0].value must be a string, number or boolean"),
        ({"kind": "segmentation", "where": [{"property": 'a"b', "op": "set"}]}, "may not contain double quotes"),
        ({"kind": "segmentation", "where": [{"op": "set"}]}, "must have exactly one of"),
        ({"kind": "segmentation", "range": {"from": "2026-09-30", "to": "2026-09-01"}}, "is before 'from'"),
        ({"kind": "segmentation", "range": {"from": "2026-13-01", "to": "2026-09-01"}}, "range.from is not a date"),
        ({"kind": "segmentation", "range": {"last": 0}}, "range.last must be at least 1"),
        ({"kind": "segmentation", "timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"kind": "segmentation", "limit": 2.5}, "limit must be an integer"),
        ({"kind": "segmentation", "events": "A"}, "events must be a list"),
        ({"kind": "discovery", "what": "values"}, "exactly one of 'property' or 'trait'"),
        ({"kind": "live", "after_id": -1}, "after_id must be at least 0"),
    ],
)
def test_bad_specs_name_the_problem(spec: object, message: str) -> None:
    with pytest.raises(QueryError, match=None) as info:
        parse_query(spec)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


_GT = {"property": "price", "op": "gt", "value": 100}
_BAD_OP = {"property": "plan", "op": "is", "value": "pro"}


@pytest.mark.parametrize("spec, message", [
    # A typo in a filter's keys: it was "where[0].value is required", or (as "propery") "must have
    # exactly one of ...": the typo itself went unnamed, and a reader showing the query anyway
    # (a saved report opens a half-made one) made it a filter without a value, or dropped it.
    ({"kind": "segmentation", "where": [{**_GT, "value": None, "valeu": 100}]},
     "unknown key 'valeu' (did you mean 'value'?) in where[0]; also where[0].value is required for operator 'gt'"),
    ({"kind": "segmentation", "where": [{"propery": "price", "op": "eq", "value": 1}]},
     "unknown key 'propery' (did you mean 'property'?) in where[0]; also where[0] must have exactly one of "),
    # Unknown keys behind a problem the parser stopped at: they were never looked at.
    ({"kind": "segmentation", "where": [_BAD_OP], "sampling": 10},
     "unknown key 'sampling'; also where[0].op must be one of "),
    ({"kind": "segmentation", "where": [_BAD_OP, {**_GT, "Value": 5}]},
     "unknown key 'Value' (did you mean 'value'?) in where[1]; also where[0].op must be one of "),
    ({"kind": "segmentation", "events": 5, "where": [1, {**_GT, "valeu": 5}]},
     "unknown key 'valeu' (did you mean 'value'?) in where[1]; also events must be a list, got the number 5"),
    ({"kind": "segmentation", "where": [{"any": [_BAD_OP, {**_GT, "ignore_cases": True}]}]},
     "unknown key 'ignore_cases' (did you mean 'ignore_case'?) in where[0].any[1]; also where[0].any[0].op must be one of "),
    ({"kind": "funnel", "steps": ["A", {"event": "", "where": []}, {"event": "C", "wheres": [_GT]}]},
     "unknown key 'wheres' (did you mean 'where'?) in steps[2]; also steps[1].event must be a non-empty string"),
    ({"kind": "funnel", "steps": ["A", "B"], "view": "sankey", "breakdown": {"property": "plan", "top": 3}},
     "unknown key 'top' in breakdown; also view must be one of "),
    ({"kind": "retention", "start": {"event": "A", "where": [{**_GT, "value": None}]}, "return": {"event": "B", "whre": []}},
     "unknown key 'whre' (did you mean 'where'?) in return; also start.where[0].value is required for operator 'gt'"),
    ({"kind": "users", "where": [{"trait": "age", "op": "gt"}], "did": [{"event": "A", "mx": 3}]},
     "unknown key 'mx' (did you mean 'max'?) in did[0]; also where[0].value is required for operator 'gt'"),
    ({"kind": "segmentation", "range": {"last": 0, "unit": "day", "form": "2026-01-01"}},
     "unknown key 'form' (did you mean 'from'?) in range; also range.last must be at least 1, got 0"),
])
def test_unknown_keys_are_named_whatever_else_is_wrong(spec: dict, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(spec)
    assert str(caught.value).startswith(message), str(caught.value)


def test_the_unknown_key_sweep_names_only_keys_that_are_there() -> None:
    """Setting refused parts aside never invents a key: a query with many problems and no
    unknown key is refused for its first problem, as before."""
    spec = {"kind": "funnel", "steps": ["A", {"event": ""}, 3], "window": {"days": 0}, "range": {"last": 0},
            "where": [_BAD_OP, 1, {"property": "x", "op": "gt"}], "view": "sankey", "order": "any",
            "exclusions": [{"event": "X", "from_step": 3, "to_step": 1}]}
    with pytest.raises(QueryError) as caught:
        parse_query(spec)
    assert str(caught.value) == "steps[1].event must be a non-empty string, got the string ''"
