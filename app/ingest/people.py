"""The `users` table: one row per person, kept consistent with events and merges.

Per batch, the rows of every person involved are read once, updated in memory
(first/last seen, analysis event count, traits with later values winning) and written
back with executemany, because one round trip per event would cap ingestion speed.

A profile's traits are bounded (MAX_PROFILE_TRAITS names, MAX_PROFILE_BYTES of JSON), as
Mixpanel bounds profile properties (2,000) and PostHog person properties (512 KB): every batch
touching a person reads and writes all of them, so a profile anyone with the write key could
grow without limit would make each of its batches (and the collector's shared commits) cost
more and more. A trait that would take the profile past a bound is left out of the profile; its
message keeps it (an identify's traits are its event's properties, context.traits its context).
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
#: Most trait names one profile holds (Mixpanel's limit on a profile's properties).
MAX_PROFILE_TRAITS = 2000
#: Most bytes of a profile's traits as JSON text (PostHog's limit on a person's properties).
MAX_PROFILE_BYTES = 512 * 1024


class _Person:
    __slots__ = ("changes", "count", "exists", "first", "last", "traits")

    def __init__(self, traits: dict[str, Any], first: int, last: int, count: int, exists: bool) -> None:
        self.traits = traits
        self.first = first
        self.last = last
        self.count = count
        self.exists = exists
        #: this batch's traits for the person, in message order (applied in plan_people)
        self.changes: list[dict[str, Any]] = []


def _size(value: Any) -> int:
    """Bytes of a value as JSON text (as json_text writes it)."""
    return len(json_text(value).encode("utf-8"))


def _bounded(traits: dict[str, Any], changes: list[dict[str, Any]]) -> tuple[dict[str, Any], int]:
    """`traits` with `changes` applied one message at a time within the bounds: a new trait name
    is added while the profile holds fewer than MAX_PROFILE_TRAITS and stays within
    MAX_PROFILE_BYTES, a trait it holds takes its new value unless that would take the profile
    past MAX_PROFILE_BYTES (a smaller value always). Also the number of changes with a trait left out."""
    # Each trait costs its name, a colon, its value and a comma: the JSON text is 1 + their sum.
    sizes = {key: _size(key) + _size(value) + 2 for key, value in traits.items()}
    total = 1 + sum(sizes.values())
    result = dict(traits)
    left_out = 0
    for change in changes:
        refused = False
        for key, value in change.items():
            size = _size(key) + _size(value) + 2
            old = sizes.get(key)
            if old is None:
                if len(result) >= MAX_PROFILE_TRAITS or total + size > MAX_PROFILE_BYTES:
                    refused = True
                    continue
                total += size
            else:
                if size > old and total + size - old > MAX_PROFILE_BYTES:
                    refused = True
                    continue
                total += size - old
            result[key] = value
            sizes[key] = size
        left_out += refused
    return result, left_out


def _fits(traits: dict[str, Any], text: str) -> bool:
    # len(text) is at most its UTF-8 bytes: encode only when the characters alone fit.
    return len(traits) <= MAX_PROFILE_TRAITS and len(text) <= MAX_PROFILE_BYTES \
        and (text.isascii() or len(text.encode("utf-8")) <= MAX_PROFILE_BYTES)


def _email(traits: Mapping[str, Any]) -> str | None:
    value = traits.get("email")
    return value.strip()[:MAX_ID_LENGTH] if isinstance(value, str) and value.strip() else None


def plan_people(rows: Sequence[tuple[Any, ...]], records: Sequence[Record], merges: Mapping[str, str],
                ) -> tuple[list[str], list[dict[str, Any]], list[dict[str, Any]], int]:
    """The users rows after this batch: (ids to remove, rows to update, rows to insert, how many
    messages had a trait left out of their profile by its bounds), from the stored rows
    (id, traits, first_seen, last_seen, event_count) of every person involved."""
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
            combined = {**merged.traits, **into.traits}
            if not _fits(combined, json_text(combined)):
                own = into.traits
                combined, _ = _bounded(own, [{k: v for k, v in merged.traits.items() if k not in own}])
            into.traits = combined
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
            person.changes.append(rec.traits)
        touched.add(rec.person)

    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    left_out = 0
    for pid in touched:
        person = people.get(pid)
        if person is None:
            continue
        traits = person.traits
        if person.changes:
            # Usually the batch's result is within the bounds; only when it is not are the
            # messages' traits applied one at a time, each within them (_bounded).
            traits = {**traits}
            for change in person.changes:
                traits.update(change)
            text = json_text(traits)
            if not _fits(traits, text):
                traits, refused = _bounded(person.traits, person.changes)
                left_out += refused
                text = json_text(traits)
        else:
            text = json_text(traits)
        row = {
            "traits": text,
            "email": _email(traits),
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
    return removed, updates, inserts, left_out


def people_involved(records: Sequence[Record], merges: Mapping[str, str]) -> list[str]:
    """The persons whose users rows a batch reads."""
    return sorted({rec.person for rec in records} | set(merges) | set(merges.values()))


def update_people(conn: Connection, records: Sequence[Record], merges: Mapping[str, str]) -> int:
    """Apply a batch (already resolved to persons) and its merges to `users`; returns how many
    messages had a trait left out of their profile (MAX_PROFILE_TRAITS, MAX_PROFILE_BYTES)."""
    rows = select_in(conn, users, users.c.id, people_involved(records, merges),
                     users.c.id, users.c.traits, users.c.first_seen, users.c.last_seen, users.c.event_count)
    removed, updates, inserts, left_out = plan_people(rows, records, merges)
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
    return left_out
