"""The oracle for users queries, funnel persons and cohort filters (docs/query.md "Users"):
every person's row is tested in Python and the matches sorted by the documented order."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from app.core.schema import cohort_members, cohorts, identities
from app.core.schema import users as users_table
from app.query.model import AnyFilter, Filter, ValueFilter, parse_query
from app.query.reference.common import Dataset, Event, code_points, display, json_kind, matches
from app.query.reference.funnel import funnel_people
from app.query.reference.retention import retention_people
from app.query.runners.funnel_persons import FunnelFilter
from app.query.runners.persons_base import PersonsQuery
from app.query.runners.retention import Cohorts
from app.query.runners.retention_persons import RetentionFilter
from app.query.runners.users import DidFilter, UsersQuery, user_dict
from app.query.timerange import resolve_range, today
from app.query.zones import zone_info


@dataclass
class People:
    """Everything the users oracle reads besides events: rows, identities, cohorts."""

    rows: dict[str, dict[str, Any]]
    identities: dict[str, str]
    cohorts: dict[int, tuple[str, Any]]
    members: dict[int, set[str]]

    def matches(self, f: Filter, person: str, data: Dataset, zone_name: str | None, now: dt.datetime) -> bool:
        """A person-level filter (cohort, did, funnel) holds for `person`. The funnel oracle
        calls this on the `people` it is given, so it need not import this module."""
        return person_matches(f, person, data, self, zone_name, now)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def load_people(engine: Engine) -> People:
    with engine.connect() as conn:
        rows = {r.id: dict(r._mapping) for r in conn.execute(select(users_table))}
        ids = {r.distinct_id: r.person for r in conn.execute(select(identities))}
        cs = {int(r.id): (r.kind, _json(r.definition)) for r in conn.execute(select(cohorts))}
        members: dict[int, set[str]] = {}
        for r in conn.execute(select(cohort_members)):
            members.setdefault(int(r.cohort_id), set()).add(r.person)
    for row in rows.values():
        row["traits"] = _json(row["traits"]) or {}
    return People(rows, ids, cs, members)


def person_matches(f: Filter, person: str, data: Dataset, people: People, zone_name: str | None,
                   now: dt.datetime) -> bool:
    zone = zone_info(zone_name)
    day = today(zone, now)
    if isinstance(f, AnyFilter):
        return any(person_matches(m, person, data, people, zone_name, now) for m in f.filters)
    if isinstance(f, ValueFilter):
        probe = Event(0, "track", None, person, 0, {})
        return matches(f, probe, data, day)
    if isinstance(f, DidFilter):
        period = resolve_range(f.range, zone_info(f.timezone or zone_name), now) if f.range else None
        n = sum(1 for r in data.events if r.person == person and r.event == f.event
                and (period is None or period.start_ms <= r.ts < period.end_ms)
                and all(matches(w, r, data, day) for w in f.where))
        return n >= f.min and (f.max is None or n <= f.max)
    if isinstance(f, FunnelFilter):
        return person in funnel_people(data, f.funnel, now, f.step, f.status, people, f.group, f.other)
    if isinstance(f, RetentionFilter):
        cohort = f.cohort_index(Cohorts.of(f.retention, now))
        return person in retention_people(data, f.retention, now, cohort, f.period, f.status, people)
    from app.query.cohorts import CohortFilter

    if isinstance(f, CohortFilter):
        kind, definition = people.cohorts.get(f.cohort, ("static", None))
        if kind == "dynamic":
            inner = parse_query(definition)
            assert isinstance(inner, UsersQuery)
            inside = person in {p for p in people.rows if selected(inner, p, data, people, now)}
        else:
            inside = person in people.members.get(f.cohort, set())
        return inside if f.op == "in" else not inside
    raise NotImplementedError(type(f).__name__)


def selected(q: UsersQuery, person: str, data: Dataset, people: People, now: dt.datetime) -> bool:
    tests = [person_matches(f, person, data, people, q.timezone, now) for f in (*q.where, *q.did)]
    ok = (all(tests) if q.match == "all" else any(tests)) if tests else True
    if ok and q.search is not None:
        row = people.rows[person]
        email = row.get("email")
        ok = (person == q.search or people.identities.get(q.search) == person
              or (isinstance(email, str) and email.startswith(q.search)))
    return ok


def _sort_key(q: UsersQuery, row: Mapping[str, Any]) -> tuple[Any, ...]:
    """Ascending key; descending sorts reverse everything but the trait rank."""
    ident = code_points(row["id"])
    sign = -1 if q.sort.desc else 1
    if q.sort.by == "trait":
        assert q.sort.trait is not None
        value = row["traits"].get(q.sort.trait, None)
        kind = json_kind(value) if q.sort.trait in row["traits"] else "missing"
        if kind == "number":
            return (0, sign * float(value), _signed(ident, sign))
        if kind in ("string", "boolean"):
            return (1, _signed(code_points(display(value) or ""), sign), _signed(ident, sign))
        return (2, (), _signed(ident, sign))
    if q.sort.by == "id":
        return (_signed(ident, sign),)
    column = {"last_seen": "last_seen", "first_seen": "first_seen", "events": "event_count"}[q.sort.by]
    return (sign * int(row[column]), _signed(ident, sign))


class _Rev:
    """Reverses the order of a tuple of code points (descending text)."""

    def __init__(self, value: tuple[int, ...]) -> None:
        self.value = value

    def __lt__(self, other: _Rev) -> bool:
        return self.value > other.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Rev) and self.value == other.value

    def __hash__(self) -> int:
        return hash(self.value)


def _signed(value: tuple[int, ...], sign: int) -> Any:
    return value if sign > 0 else _Rev(value)


def users(data: Dataset, people: People, spec: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """{"total", "users"}: EVERY matching person in order (no paging: tests concatenate pages)."""
    q = parse_query(spec)
    if isinstance(q, PersonsQuery):
        q = q.users
    assert isinstance(q, UsersQuery)
    chosen = [row for pid, row in people.rows.items() if selected(q, pid, data, people, now)]
    chosen.sort(key=lambda row: _sort_key(q, row))
    return {"total": len(chosen), "users": [user_dict(row, q.columns) for row in chosen]}


def pages(run: Any, spec: Mapping[str, Any], limit: int) -> list[dict[str, Any]]:
    """Every page of a users query through `run(spec) -> result`, concatenated."""
    out: list[dict[str, Any]] = []
    after = None
    for _ in range(10_000):
        page = run({**spec, "limit": limit, **({"after": after} if after else {})})
        out += page["users"]
        after = page["next"]
        if after is None:
            return out
    raise AssertionError("pagination did not end")


__all__: Sequence[str] = ["People", "load_people", "pages", "selected", "users"]
