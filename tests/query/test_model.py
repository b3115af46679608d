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
