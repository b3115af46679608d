"""The `users` table: one row per person, kept consistent with events and merges.

Per batch, the rows of every person involved are read once, updated in memory
(first/last seen, analysis event count, traits with later values winning) and written
back with executemany, because one round trip per event would cap ingestion speed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, update

from app.core.backends import backend_for
from app.core.schema import ANALYSIS_TYPES, users
from app.ingest.messages import MAX_ID_LENGTH, Record
from app.ingest.rawsql import cached, json_text, json_value, select_in

_ANALYSIS = frozenset(ANALYSIS_TYPES)


class _Person:
    __slots__ = ("count", "exists", "first", "last", "traits")

    def __init__(self, traits: dict[str, Any], first: int, last: int, count: int, exists: bool) -> None:
        self.traits = traits
        self.first = first
        self.last = last
        self.count = count
        self.exists = exists


def _email(traits: Mapping[str, Any]) -> str | None:
    value = traits.get("email")
    return value.strip()[:MAX_ID_LENGTH] if isinstance(value, str) and value.strip() else None


def plan_people(rows: Sequence[tuple[Any, ...]], records: Sequence[Record],
                merges: Mapping[str, str]) -> tuple[list[str], list[dict[str, Any]], list[dict[str, Any]]]:
    """The users rows after this batch: (ids to remove, rows to update, rows to insert), from the
    stored rows (id, traits, first_seen, last_seen, event_count) of every person involved."""
    people: dict[str, _Person] = {}
    for pid, traits, first, last, count in rows:
        people[pid] = _Person(dict(json_value(traits) or {}), first, last, count or 0, True)

    removed: list[str] = []
    for source, target in merges.items():
        merged = people.pop(source, None)
        if merged is None:
            continue
        if merged.exists:
            removed.append(source)
        into = people.get(target)
        if into is None:
            people[target] = _Person(merged.traits, merged.first, merged.last, merged.count, False)
        else:
            # The identified person's own values win over what the anonymous id had.
            into.traits = {**merged.traits, **into.traits}
            into.first = min(into.first, merged.first)
            into.last = max(into.last, merged.last)
            into.count += merged.count

    touched: set[str] = set(merges.values())
    for rec in records:
        person = people.get(rec.person)
        if person is None:
            person = people[rec.person] = _Person({}, rec.ts, rec.ts, 0, False)
        else:
            if rec.ts < person.first:
                person.first = rec.ts
            if rec.ts > person.last:
                person.last = rec.ts
        if rec.type in _ANALYSIS:
            person.count += 1
        if rec.traits:
            person.traits.update(rec.traits)
        touched.add(rec.person)

    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    for pid in touched:
        person = people.get(pid)
        if person is None:
            continue
        row = {
            "traits": json_text(person.traits),
            "email": _email(person.traits),
            "first_seen": person.first,
            "last_seen": person.last,
            "event_count": person.count,
        }
        if person.exists:
            row["pid"] = pid
            updates.append(row)
        else:
            row["id"] = pid
            inserts.append(row)
    return removed, updates, inserts


def people_involved(records: Sequence[Record], merges: Mapping[str, str]) -> list[str]:
    """The persons whose users rows a batch reads."""
    return sorted({rec.person for rec in records} | set(merges) | set(merges.values()))


def update_people(conn: Connection, records: Sequence[Record], merges: Mapping[str, str]) -> None:
    """Apply a batch (already resolved to persons) and its merges to `users`."""
    rows = select_in(conn, users, users.c.id, people_involved(records, merges),
                     users.c.id, users.c.traits, users.c.first_seen, users.c.last_seen, users.c.event_count)
    removed, updates, inserts = plan_people(rows, records, merges)
    if removed:
        conn.execute(delete(users).where(users.c.id == bindparam("pid")), [{"pid": p} for p in removed])
    dialect = conn.dialect
    if updates:
        cached(dialect, "update_users", lambda: update(users).where(users.c.id == bindparam("pid")).values(
            traits=backend_for(dialect).json_text_param("traits"), email=bindparam("email"),
            first_seen=bindparam("first_seen"), last_seen=bindparam("last_seen"),
            event_count=bindparam("event_count"),
        )).executemany(conn, updates)
    if inserts:
        cached(dialect, "insert_users", lambda: insert(users).values(
            id=bindparam("id"), traits=backend_for(dialect).json_text_param("traits"), email=bindparam("email"),
            first_seen=bindparam("first_seen"), last_seen=bindparam("last_seen"),
            event_count=bindparam("event_count"),
        )).executemany(conn, inserts)
