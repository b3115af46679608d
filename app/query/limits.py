"""The engine's bounds on the size of a query, checked before any SQL runs.

An attack run found specs that asked a 2-core machine for gigabytes (hourly buckets over five
years for 1,000 events), ran for many minutes (1,000 behavioural clauses, an `any` group of
10,000 members) or failed in the driver (100,000 list values; SQLite's expression-depth limit).
The numbers below are generous for an analyst (Mixpanel/PostHog-like use) and keep every
query within memory and SQL limits; docs/query.md ("Limits") lists them for users. A spec over
a bound raises QueryTooLarge ("too large: ..."), a QueryError, so the CLI and the panels show
it like any other bad query.

Three stages: `check_spec_shape` walks the raw JSON (size, nesting, strings) before the parser
recurses into it; the parser refuses single oversized parts with their path (lists, `any`
groups, event lists); `check_query_totals` counts what the whole parsed query holds (filters,
behavioural clauses, list values). Buckets and result cells depend on "today" and the zone, so
the runners check them when they resolve the range (app.query.timerange, segmentation).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from app.query.errors import QueryError, QueryTooLarge

#: Bytes of a spec file or of standard input (`tracklens query --spec`, saved reports).
MAX_SPEC_BYTES = 1_000_000
#: Nesting of JSON objects and lists in a spec (an `any` group nests two levels).
MAX_SPEC_DEPTH = 32
#: JSON values (objects, lists, strings, numbers...) in one spec.
MAX_SPEC_NODES = 20_000
#: Characters of any one string in a spec (filter values, ids, search text).
MAX_STRING_CHARS = 10_000
#: Values of one filter's list (`eq`/`neq` compile strings to one IN list).
MAX_LIST_VALUES = 1_000
#: Values of one list that each become their own comparison: every value of contains,
#: not_contains and starts_with, the numbers and booleans of eq and neq.
MAX_LIST_TERMS = 100
#: Members of one `any` group.
MAX_ANY_MEMBERS = 100
#: Event names of one list (segmentation series, Live and profile event restrictions).
MAX_EVENTS = 100
#: Filters in the whole query, at any depth (groups and their members, step filters, the
#: filters inside behavioural clauses and inlined cohorts).
MAX_FILTERS = 200
#: Behavioural (`did`) and funnel filters in the whole query: each is a subquery over events.
MAX_PERSON_CLAUSES = 20
#: List values of all filters together.
MAX_FILTER_VALUES = 10_000
#: Time buckets of one range (10,000 hours is 13 months; 10,000 days is 27 years).
MAX_BUCKETS = 10_000
#: Segmentation result cells: buckets x series, counted from the spec's upper bound (events,
#: 12 when none are named; x (limit + 1) with a breakdown; x 2 with compare_previous).
MAX_CELLS = 1_000_000
#: Integers in a spec fit the databases' 64-bit integers.
MAX_INT = 2**63 - 1
MIN_INT = -(2**63)


def check_spec_shape(spec: Any) -> None:
    """Refuse a raw spec that is too deep, has too many values or too long a string.

    Iterative, so a spec nested 100,000 levels deep is refused without a RecursionError.
    """
    nodes = 0
    stack: list[tuple[Any, int]] = [(spec, 1)]
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_SPEC_NODES:
            raise QueryTooLarge(f"the query has more than {MAX_SPEC_NODES:,} JSON values")
        if isinstance(value, str):
            check_text(value, "a string")
            continue
        if isinstance(value, Mapping):
            children: Any = value.values()
            for key in value:
                if isinstance(key, str):
                    check_text(key, "a key")
        elif isinstance(value, list | tuple):
            children = value
        else:
            continue
        if depth >= MAX_SPEC_DEPTH and children:
            raise QueryTooLarge(f"the query is nested more than {MAX_SPEC_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in children)


def check_text(text: str, what: str) -> None:
    """A spec string the databases can take: not too long, no NUL (PostgreSQL text cannot hold
    one), no lone surrogate (not encodable as UTF-8, so no driver can send it)."""
    if len(text) > MAX_STRING_CHARS:
        raise QueryTooLarge(f"{what} of {len(text):,} characters (at most {MAX_STRING_CHARS:,})")
    if "\x00" in text:
        raise QueryError(f"{what} contains a NUL character: {text[:40]!r}")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise QueryError(f"{what} is not valid Unicode (it has a lone surrogate): {text[:40]!r}") from None


def check_count(count: int, limit: int, what: str) -> None:
    """QueryTooLarge when `count` things exceed `limit`; `what` names them with their path."""
    if count > limit:
        raise QueryTooLarge(f"{what} has {count:,} items (at most {limit:,})")


def check_query_totals(query: Any, filter_type: type, value_filter_type: type) -> None:
    """Count the filters, behavioural clauses and list values of a parsed query, at any depth.

    The model passes its Filter and ValueFilter classes (it imports this module, not the
    other way round)."""

    filters = person_clauses = values = 0
    stack: list[Any] = [query]
    while stack:
        obj = stack.pop()
        if isinstance(obj, list | tuple):
            stack.extend(obj)
            continue
        if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
            continue
        if isinstance(obj, filter_type):
            filters += 1
            person_clauses += int(getattr(obj, "person_level", 0))
            if isinstance(obj, value_filter_type):
                value = getattr(obj, "value", None)
                if isinstance(value, tuple):
                    values += len(value)
                continue
        stack.extend(getattr(obj, f.name) for f in dataclasses.fields(obj))
    if filters > MAX_FILTERS:
        raise QueryTooLarge(f"the query has {filters:,} filters (at most {MAX_FILTERS})")
    if person_clauses > MAX_PERSON_CLAUSES:
        raise QueryTooLarge(f"the query has {person_clauses:,} behavioural (did) and funnel filters "
                            f"(at most {MAX_PERSON_CLAUSES})")
    if values > MAX_FILTER_VALUES:
        raise QueryTooLarge(f"the query's filters list {values:,} values (at most {MAX_FILTER_VALUES:,})")


def check_cells(buckets: int, series: int) -> None:
    """Segmentation: refuse a result of more than MAX_CELLS numbers."""
    if buckets * series > MAX_CELLS:
        raise QueryTooLarge(f"{buckets:,} buckets x up to {series:,} series is more than {MAX_CELLS:,} "
                            "numbers; use a larger unit, a shorter range or fewer events")
