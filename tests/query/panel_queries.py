"""Hypothesis strategies for the queries each panel shows: every filter operator (with and
without ignore_case), OR groups, cohorts, breakdowns, funnel options, retention options.

Shared by tests/query/test_panel_state.py (no Qt) and tests/ui/test_panel_round_trip.py (the
real panels). Every generated spec is valid (`parse_query` accepts it).
"""

from __future__ import annotations

import string
from typing import Any

from hypothesis import strategies as st

from app.query.model import MEASURES, NUMERIC_MEASURES, OPS_NO_VALUE, OPS_NUMBER, OPS_SCALAR_OR_LIST, UNITS
from app.query.runners.funnel_base import ORDERS, VIEWS, WINDOW_UNITS
from app.query.runners.retention import BRACKETS, MODES, RETENTION_UNITS
from app.query.runners.users import MATCHES, SORT_KEYS

_NAME_CHARS = string.ascii_letters + string.digits + "_$ -.é"
names = st.text(_NAME_CHARS, min_size=1, max_size=12).filter(lambda s: s.strip() == s and s.strip() != "")
event_names = st.one_of(st.sampled_from(["Signed Up", "Order Completed", "Say \"hi\"", "back\\slash"]), names)
texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=10)
numbers = st.one_of(st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False, width=64))
scalars = st.one_of(texts, numbers, st.booleans())
dates = st.dates(min_value=__import__("datetime").date(1900, 1, 1),
                 max_value=__import__("datetime").date(9998, 12, 31)).map(lambda d: d.isoformat())
timezones = st.one_of(st.none(), st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]))
ranges = st.one_of(
    st.builds(lambda n, u: {"last": n, "unit": u}, st.integers(1, 400), st.sampled_from(["day", "week", "month"])),
    st.tuples(dates, dates).map(lambda ab: {"from": min(ab), "to": max(ab)}),
)
breakdowns = st.one_of(st.none(), names, names.map(lambda n: {"trait": n}))


@st.composite
def value_filters(draw: st.DrawFn, targets: tuple[str, ...] = ("property", "trait")) -> dict[str, Any]:
    op = draw(st.sampled_from((*OPS_SCALAR_OR_LIST, *OPS_NO_VALUE, *OPS_NUMBER, "between", "before", "after",
                               "in_last_days")))
    out: dict[str, Any] = {draw(st.sampled_from(targets)): draw(names), "op": op}
    if op in ("eq", "neq"):
        out["value"] = draw(st.one_of(scalars, st.lists(scalars, min_size=1, max_size=3)))
    elif op in OPS_SCALAR_OR_LIST:
        out["value"] = draw(st.one_of(texts, st.lists(texts, min_size=1, max_size=3)))
    elif op in OPS_NUMBER:
        out["value"] = draw(numbers)
    elif op == "between":
        lo, hi = sorted(draw(st.tuples(numbers, numbers)))
        out["value"] = [lo, hi]
    elif op in ("before", "after"):
        out["value"] = draw(dates)
    elif op == "in_last_days":
        out["value"] = draw(st.integers(1, 100_000))
    if draw(st.booleans()):
        out["ignore_case"] = True
    return out


cohort_filters = st.builds(lambda c, op: {"cohort": c, "op": op}, st.integers(1, 10**6), st.sampled_from(["in", "not_in"]))


def filter_lists(*, targets: tuple[str, ...] = ("property", "trait"), cohorts: bool = True,
                 max_size: int = 4) -> st.SearchStrategy[list[dict[str, Any]]]:
    leaf = value_filters(targets)
    if cohorts:
        leaf = st.one_of(leaf, cohort_filters)
    tree = st.recursive(leaf, lambda inner: st.lists(inner, min_size=1, max_size=3).map(lambda m: {"any": m}),
                        max_leaves=5)
    return st.lists(tree, max_size=max_size)


event_filter_lists = filter_lists(cohorts=False, max_size=2)
event_specs = st.builds(lambda e, w: {"event": e, "where": w}, event_names, event_filter_lists)


@st.composite
def segmentation_queries(draw: st.DrawFn) -> dict[str, Any]:
    measure = draw(st.one_of(st.sampled_from(MEASURES),
                             st.builds(lambda k, p: {k: p}, st.sampled_from(NUMERIC_MEASURES), names)))
    spec: dict[str, Any] = {
        "kind": "segmentation", "events": draw(st.lists(event_names, max_size=4, unique=True)), "measure": measure,
        "unit": draw(st.sampled_from(UNITS)), "range": draw(ranges), "where": draw(filter_lists()),
        "limit": draw(st.integers(1, 1000)), "compare_previous": draw(st.booleans()),
    }
    _optional(draw, spec, timezone=timezones, breakdown=breakdowns)
    return spec


@st.composite
def funnel_queries(draw: st.DrawFn) -> dict[str, Any]:
    steps = draw(st.lists(st.one_of(event_names, event_specs), min_size=1, max_size=5))
    unit = draw(st.sampled_from(list(WINDOW_UNITS)))
    most = min(100_000, {"minutes": 366 * 1440, "hours": 366 * 24, "days": 366, "weeks": 52}[unit])
    order = draw(st.sampled_from(ORDERS))
    spec: dict[str, Any] = {
        "kind": "funnel", "steps": steps, "window": {unit: draw(st.integers(1, most))}, "range": draw(ranges),
        "where": draw(filter_lists()), "limit": draw(st.integers(1, 1000)), "view": draw(st.sampled_from(VIEWS)),
        "unit": draw(st.sampled_from(UNITS)), "bins": draw(st.integers(1, 1000)), "order": order,
    }
    if order != "any" and len(steps) >= 2:
        exclusions = []
        for _ in range(draw(st.integers(0, 3))):
            first = draw(st.integers(1, len(steps) - 1))
            exclusions.append({"event": draw(event_names), "where": draw(event_filter_lists),
                               "from_step": first, "to_step": draw(st.integers(first + 1, len(steps)))})
        spec["exclusions"] = exclusions
    _optional(draw, spec, timezone=timezones, breakdown=breakdowns, hold=st.one_of(st.none(), names))
    return spec


@st.composite
def retention_queries(draw: st.DrawFn) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "kind": "retention", "start": draw(st.one_of(event_names, event_specs)),
        "return": draw(st.one_of(st.just("$any"), event_names, event_specs)),
        "mode": draw(st.sampled_from(MODES)), "unit": draw(st.sampled_from(RETENTION_UNITS)),
        "periods": draw(st.integers(1, 100)), "bracket": draw(st.sampled_from(BRACKETS)), "range": draw(ranges),
        "where": draw(filter_lists()), "limit": draw(st.integers(1, 1000)),
    }
    _optional(draw, spec, timezone=timezones, breakdown=breakdowns)
    return spec


@st.composite
def did_clauses(draw: st.DrawFn) -> dict[str, Any]:
    low = draw(st.integers(0, 20))
    high = draw(st.one_of(st.none(), st.integers(low, 40)))
    where = draw(filter_lists(targets=("property",), cohorts=False, max_size=2))
    clause: dict[str, Any] = {"event": draw(event_names), "where": where, "min": low, "max": high}
    if draw(st.booleans()):
        clause["range"] = draw(ranges)
    return clause


@st.composite
def users_queries(draw: st.DrawFn) -> dict[str, Any]:
    by = draw(st.one_of(st.sampled_from(SORT_KEYS), names.map(lambda n: {"trait": n})))
    spec: dict[str, Any] = {
        "kind": "users", "where": draw(filter_lists(targets=("trait",))), "did": draw(st.lists(did_clauses(), max_size=2)),
        "match": draw(st.sampled_from(MATCHES)), "sort": {"by": by, "desc": draw(st.booleans())},
        "limit": draw(st.integers(1, 10_000)), "count": draw(st.booleans()),
    }
    _optional(draw, spec, timezone=timezones, search=st.one_of(st.none(), names),
              columns=st.one_of(st.none(), st.lists(names, max_size=4)))
    return spec


@st.composite
def live_queries(draw: st.DrawFn) -> dict[str, Any]:
    return {"kind": "live", "events": draw(st.lists(event_names, max_size=3, unique=True)),
            "where": draw(filter_lists())}


def _optional(draw: st.DrawFn, spec: dict[str, Any], **strategies: st.SearchStrategy[Any]) -> None:
    for key, strategy in strategies.items():
        value = draw(strategy)
        if value is not None:
            spec[key] = value


QUERIES = {"segmentation": segmentation_queries(), "funnel": funnel_queries(), "retention": retention_queries(),
           "users": users_queries(), "live": live_queries()}
