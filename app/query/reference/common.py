"""The oracle's shared pieces: loading the raw tables, and filters evaluated row by row.

Deliberately written from the documented semantics (docs/query.md), not from the SQL, so a
mistake in the compiler shows up as a disagreement.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select

from app.core.schema import ENRICHED_COLUMNS, events, users
from app.query.model import AnyFilter, Filter, ValueFilter

MISSING = object()


@dataclass(frozen=True)
class Event:
    id: int
    type: str
    event: str | None
    person: str
    ts: int
    properties: Mapping[str, Any]
    enriched: Mapping[str, str | None] = field(default_factory=dict)


@dataclass
class Dataset:
    events: list[Event]
    traits: dict[str, Mapping[str, Any]]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def load(engine: Engine) -> Dataset:
    """Every event and every person's traits, as plain Python values."""
    enriched_cols = [events.c[c] for c in ENRICHED_COLUMNS.values()]
    with engine.connect() as conn:
        rows = conn.execute(select(events.c.id, events.c.type, events.c.event, events.c.person, events.c.ts,
                                   events.c.properties, *enriched_cols).order_by(events.c.id)).all()
        people = conn.execute(select(users.c.id, users.c.traits)).all()
    out = []
    for row in rows:
        enriched = {name: row[6 + i] for i, name in enumerate(ENRICHED_COLUMNS)}
        out.append(Event(row[0], row[1], row[2], row[3], int(row[4]), _json(row[5]) or {}, enriched))
    return Dataset(out, {pid: _json(traits) or {} for pid, traits in people})


def json_kind(value: Any) -> str:
    if value is MISSING:
        return "missing"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object" if isinstance(value, dict) else "array"


def lookup(row: Event, data: Dataset, target: str, name: str) -> tuple[Any, bool]:
    """(value, is_text_column): the value a filter or breakdown sees, MISSING when absent."""
    if target == "property":
        if name in ENRICHED_COLUMNS:
            value = row.enriched.get(name)
            return (MISSING if value is None else value), True
        return row.properties.get(name, MISSING), False
    return data.traits.get(row.person, {}).get(name, MISSING), False


def display(value: Any) -> str | None:
    """Breakdown/value text: strings as is, booleans true/false, numbers as JSON text."""
    kind = json_kind(value)
    if kind == "string":
        return str(value)
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "number":
        return json.dumps(value)
    return None


def number(value: Any) -> float | None:
    return float(value) if json_kind(value) == "number" else None


def exact_number(value: int | float) -> int | float:
    """A JSON number as filters compare it: exactly, as Python compares an int and a float
    (9007199254740993 is not 9007199254740992.0); an integer beyond 64 bits as the double the
    databases read it as (SQLite's JSON reads it as a real)."""
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        return float(value)
    return value


def fold(text: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


def event_matches(f: Filter, row: Event, data: Dataset, today: dt.date, people: Any, zone_name: str | None,
                  now: dt.datetime) -> bool:
    """An event against one of a query's filters; a person-level one (cohort, did, funnel,
    retention) is asked of the event's person, which needs the oracle's `people` (load_people)."""
    if isinstance(f, AnyFilter):
        return any(event_matches(m, row, data, today, people, zone_name, now) for m in f.filters)
    if isinstance(f, ValueFilter):
        return matches(f, row, data, today)
    if people is None:
        raise NotImplementedError("person-level filters need the oracle's `people` (load_people)")
    return bool(people.matches(f, row.person, data, zone_name, now))


def matches(f: Filter, row: Event, data: Dataset, today: dt.date) -> bool:
    if isinstance(f, AnyFilter):
        return any(matches(m, row, data, today) for m in f.filters)
    if not isinstance(f, ValueFilter):
        raise NotImplementedError(f"the reference has no {type(f).__name__}")
    value, _ = lookup(row, data, f.target, f.name)
    kind = json_kind(value)
    op, arg = f.op, f.value

    def text() -> str | None:
        if kind != "string":
            return None
        return fold(value) if f.ignore_case else value

    def needle(s: str) -> str:
        return fold(s) if f.ignore_case else s

    def eq(values: Iterable[Any]) -> bool:
        for v in values:
            if isinstance(v, bool):
                if kind == "boolean" and value is v:
                    return True
            elif isinstance(v, str):
                if kind == "string" and text() == needle(v):
                    return True
            elif kind == "number" and exact_number(value) == v:
                return True
        return False

    def many(v: Any) -> tuple[Any, ...]:
        return v if isinstance(v, tuple) else (v,)

    if op == "eq":
        return eq(many(arg))
    if op == "neq":
        return not eq(many(arg))
    if op in ("contains", "not_contains"):
        t = text()
        hit = t is not None and any(needle(s) in t for s in many(arg))
        return hit if op == "contains" else not hit
    if op == "starts_with":
        t = text()
        return t is not None and any(t.startswith(needle(s)) for s in many(arg))
    if op == "set":
        return kind not in ("missing", "null")
    if op == "not_set":
        return kind in ("missing", "null")
    if op in ("true", "false"):
        return kind == "boolean" and value is (op == "true")
    if op in ("gt", "gte", "lt", "lte", "between"):
        if kind != "number":
            return False
        n = exact_number(value)
        if op == "between":
            return bool(arg[0] <= n <= arg[1])
        return {"gt": n > arg, "gte": n >= arg, "lt": n < arg, "lte": n <= arg}[op]
    if op in ("before", "after", "in_last_days"):
        if kind != "string" or not _starts_with_date(value):
            return False
        day = value[:10]
        if op == "before":
            return day < arg
        if op == "after":
            return day > arg
        first = (today - dt.timedelta(days=int(arg) - 1)).isoformat()
        return first <= day <= today.isoformat()
    raise NotImplementedError(op)


def _starts_with_date(text: str) -> bool:
    return (len(text) >= 10 and text[4] == "-" and text[7] == "-"
            and all(text[i].isdigit() and text[i].isascii() for i in (0, 1, 2, 3, 5, 6, 8, 9)))


def code_points(text: str) -> tuple[int, ...]:
    return tuple(ord(c) for c in text)
