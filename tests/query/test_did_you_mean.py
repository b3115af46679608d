"""A misspelt key or value of a query spec is refused with the word it most likely means.

Before: `unknown key 'evnets'`, `unit must be one of hour, day, week, month; got 'dya'` and the
like, at every level, said what was wrong but not what to write instead."""

from __future__ import annotations

from typing import Any

import pytest

from app.query import QueryError, parse_query
from app.query.errors import UnknownKeys

_STEPS = ["Signed Up", "Order Completed"]


def _refusal(spec: dict[str, Any]) -> str:
    with pytest.raises(QueryError) as caught:
        parse_query(spec)
    return str(caught.value)


@pytest.mark.parametrize(("spec", "says"), [
    ({"kind": "segmentation", "evnets": ["A"], "breakdwon": "plan"},
     "unknown keys 'breakdwon' (did you mean 'breakdown'?), 'evnets' (did you mean 'events'?)"),
    ({"kind": "segmentation", "range": {"lats": 7}}, "unknown key 'lats' (did you mean 'last'?) in range"),
    ({"kind": "segmentation", "measure": {"summ": "price"}}, "unknown key 'summ' (did you mean 'sum'?) in measure"),
    ({"kind": "segmentation", "breakdown": {"trai": "plan"}}, "unknown key 'trai' (did you mean 'trait'?) in breakdown"),
    ({"kind": "funnel", "steps": _STEPS, "windwo": {"days": 3}}, "unknown key 'windwo' (did you mean 'window'?)"),
    ({"kind": "funnel", "steps": _STEPS, "window": {"dyas": 3}}, "unknown key 'dyas' (did you mean 'days'?) in window"),
    ({"kind": "funnel", "steps": [{"evnet": "A"}, "B"]}, "unknown key 'evnet' (did you mean 'event'?) in steps[0]"),
    ({"kind": "funnel", "steps": _STEPS, "exclusions": [{"event": "C", "from_stp": 1}]},
     "unknown key 'from_stp' (did you mean 'from_step'?) in exclusions[0]"),
    ({"kind": "users", "wher": []}, "unknown key 'wher' (did you mean 'where'?)"),
    ({"kind": "users", "did": [{"event": "A", "mni": 2}]}, "unknown key 'mni' (did you mean 'min'?) in did[0]"),
    ({"kind": "users", "sort": {"by": "id", "dsc": True}}, "unknown key 'dsc' (did you mean 'desc'?) in sort"),
    ({"kind": "retention", "start_event": "A", "return": "B"},
     "unknown key 'start_event' (did you mean 'start'?)"),
    ({"kind": "retention", "start": "A", "return": "B", "brackt": "on"}, "unknown key 'brackt' (did you mean 'bracket'?)"),
    # filters, at any depth, and a filter with no property/trait key at all
    ({"kind": "segmentation", "where": [{"property": "price", "op": "gt", "valeu": 1}]},
     "unknown key 'valeu' (did you mean 'value'?) in where[0]"),
    ({"kind": "segmentation", "where": [{"propery": "price", "op": "gt", "value": 1}]},
     "unknown key 'propery' (did you mean 'property'?) in where[0]"),
    ({"kind": "funnel", "steps": [{"event": "A", "where": [{"any": [{"trait": "plan", "op": "set", "Ignore_Case": True}]}]}, "B"]},
     "unknown key 'Ignore_Case' (did you mean 'ignore_case'?) in steps[0].where[0].any[0]"),
    ({"kind": "users", "where": [{"did": {"event": "A", "whre": []}}]},
     "unknown key 'whre' (did you mean 'where'?) in where[0].did"),
    # another product's name for a key no spelling of it is close to
    ({"kind": "segmentation", "interval": "day"}, "unknown key 'interval' (did you mean 'unit'?)"),
    ({"kind": "funnel", "steps": _STEPS, "conversion_window": {"days": 3}},
     "unknown key 'conversion_window' (did you mean 'window'?)"),
])
def test_a_misspelt_key_says_what_it_most_likely_means(spec: dict[str, Any], says: str) -> None:
    assert _refusal(spec).startswith(says)


@pytest.mark.parametrize(("spec", "says"), [
    ({"kind": "segmentation", "unit": "dya"}, "unit must be one of hour, day, week, month; got 'dya' (did you mean 'day'?)"),
    ({"kind": "segmentation", "unit": "Week"}, "got 'Week' (did you mean 'week'?)"),
    ({"kind": "segmentation", "measure": "uniq"}, "got 'uniq' (did you mean 'unique'?)"),
    ({"kind": "segmentaton"}, "unknown query kind 'segmentaton' (did you mean 'segmentation'?); expected one of "),
    ({"kind": "segmentation", "where": [{"property": "plan", "op": "eqq", "value": "pro"}]},
     "got 'eqq' (did you mean 'eq'?)"),
    ({"kind": "funnel", "steps": _STEPS, "view": "trend"}, "view must be one of steps, trends, time_to_convert; "
                                                          "got 'trend' (did you mean 'trends'?)"),
    ({"kind": "funnel", "steps": _STEPS, "order": "strikt"}, "got 'strikt' (did you mean 'strict'?)"),
    ({"kind": "users", "match": "al"}, "got 'al' (did you mean 'all'?)"),
    ({"kind": "users", "sort": {"by": "frist_seen"}}, "got 'frist_seen' (did you mean 'first_seen'?)"),
    ({"kind": "retention", "start": "A", "return": "B", "unit": "wek"}, "got 'wek' (did you mean 'week'?)"),
    ({"kind": "retention", "start": "A", "return": "B", "bracket": "on_or_afer"},
     "got 'on_or_afer' (did you mean 'on_or_after'?)"),
])
def test_a_misspelt_value_says_what_it_most_likely_means(spec: dict[str, Any], says: str) -> None:
    message = _refusal(spec)
    assert says in message, message
    assert message.count("did you mean") == 1


def test_nothing_is_suggested_when_nothing_is_close() -> None:
    assert _refusal({"kind": "segmentation", "sampling": 10}) == "unknown key 'sampling'"
    assert _refusal({"kind": "segmentation", "unit": "fortnight"}) == (
        "unit must be one of hour, day, week, month; got 'fortnight'")
    long_key = "evnets" * 50  # no typo of a known key: not compared
    assert _refusal({"kind": "segmentation", long_key: 1}) == f"unknown key '{long_key[:80]}...'"


def test_the_unknown_keys_alone_stay_apart_from_the_suggestions() -> None:
    """The desktop app words its own refusal of a report around `message` (the keys and their
    places): the suggestions come with str() and as `suggestions`, and the "also" part once."""
    with pytest.raises(UnknownKeys) as caught:
        parse_query({"kind": "segmentation", "evnets": ["A"], "unit": "dya",
                     "where": [{"property": "p", "op": "gt", "valeu": 1}]})
    exc = caught.value
    assert exc.message == "unknown key 'evnets'; unknown key 'valeu' in where[0]"
    assert exc.suggestions == {"evnets": "events", "valeu": "value"}
    assert str(exc) == ("unknown key 'evnets' (did you mean 'events'?); unknown key 'valeu' (did you mean 'value'?) "
                        "in where[0]; also unit must be one of hour, day, week, month; got 'dya' (did you mean 'day'?)")
