"""Identity merge, Mixpanel's simplified ID-merge semantics, resolved per batch in memory.

A person's id is their userId once known, else their anonymousId. An identify, any
message carrying both ids, or alias(previousId → userId) links the anonymous id to the
user. When an id that was its own person gets linked, its earlier rows are rewritten to
the user (one UPDATE per merged id, using ix_events_person_ts), so every query can group by
`events.person` without a join. An id already linked to a different person is never
re-linked: the first link wins, as in Mixpanel, so a shared device cannot pull one
user's history into another's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam

from app.core.backends import backend_for
from app.core.schema import events, identities
from app.ingest.messages import Record
from app.ingest.rawsql import RawStatement, cached, select_in


@dataclass
class Resolution:
    """What one batch did to identities: the merges the database must apply."""

    #: merged id → the person it now belongs to (only ids that had rows of their own).
    merges: dict[str, str] = field(default_factory=dict)
    new_ids: int = 0


class _Links:
    """The id → person map of one batch, loaded from `identities` and extended in order."""

    def __init__(self, known: dict[str, str]) -> None:
        self.known = known
        self.person: dict[str, str] = dict(known)
        self.first_ts: dict[str, int] = {}
        self.merged: list[str] = []

    def find(self, distinct_id: str) -> str:
        current = self.person.get(distinct_id, distinct_id)
        # Merges within this batch make short chains (a → b → c); follow them.
        while True:
            nxt = self.person.get(current, current)
            if nxt == current:
                return current
            current = nxt

    def see(self, distinct_id: str, ts: int) -> None:
        if distinct_id not in self.person:
            self.person[distinct_id] = distinct_id
            self.first_ts[distinct_id] = ts

    def link(self, source: str, user: str, ts: int) -> None:
        self.see(user, ts)
        target = self.find(user)
        if source not in self.person:
            self.person[source] = target
            self.first_ts[source] = ts
            return
        if self.person[source] != source:
            return  # already belongs to someone (the same user or another): first link wins
        if source == target:
            return
        self.person[source] = target
        self.merged.append(source)


def load_identities(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
    """distinct_id → person for the ids already in the database."""
    rows = select_in(conn, identities, identities.c.distinct_id, sorted(set(ids)),
                     identities.c.distinct_id, identities.c.person)
    return {row[0]: row[1] for row in rows}


def _insert_identities(conn: Connection) -> RawStatement:
    return cached(conn.dialect, "insert_identities",
                  lambda: backend_for(conn).insert_ignoring_conflicts(identities, ["distinct_id"]).values(
                      distinct_id=bindparam("distinct_id"), person=bindparam("person"),
                      linked_at=bindparam("linked_at")))


def ids_of(records: Sequence[Record]) -> set[str]:
    """Every distinct id the records mention."""
    ids: set[str] = set()
    for rec in records:
        if rec.user_id is not None:
            ids.add(rec.user_id)
        if rec.anonymous_id is not None:
            ids.add(rec.anonymous_id)
        if rec.previous_id is not None:
            ids.add(rec.previous_id)
    return ids


def link(records: Sequence[Record], known: dict[str, str]) -> tuple[Resolution, list[tuple[str, str, int]]]:
    """Set `person` on every record from the stored links `known` (distinct_id -> person) and
    the batch's own, in order; the merges to apply and the new identities (id, person, ts)."""
    links = _Links(known)
    for rec in records:
        if rec.type == "alias":
            assert rec.previous_id is not None and rec.user_id is not None
            links.link(rec.previous_id, rec.user_id, rec.ts)
            if rec.anonymous_id is not None:
                links.see(rec.anonymous_id, rec.ts)
        elif rec.user_id is not None:
            if rec.anonymous_id is not None:
                links.link(rec.anonymous_id, rec.user_id, rec.ts)
            else:
                links.see(rec.user_id, rec.ts)
        elif rec.anonymous_id is not None:
            links.see(rec.anonymous_id, rec.ts)

    find = links.find
    for rec in records:
        # Both ids resolve through the map: a userId that was aliased resolves to its alias.
        rec.person = find(rec.user_id) if rec.user_id is not None else find(rec.anonymous_id or "")

    result = Resolution(new_ids=len(links.first_ts))
    for source in links.merged:
        if links.known.get(source) == source:
            result.merges[source] = find(source)
    return result, [(i, find(i), ts) for i, ts in links.first_ts.items()]


def resolve(conn: Connection, records: Sequence[Record]) -> Resolution:
    """Set `person` on every record, apply merges to stored rows, record new identities.

    Must run inside the writer's transaction, before the records are inserted.
    """
    result, new_ids = link(records, load_identities(conn, ids_of(records)))
    if result.merges:
        _apply_merges(conn, result.merges)
    if new_ids:
        insert = _insert_identities(conn)
        if insert.order == ("distinct_id", "person", "linked_at"):
            insert.executemany_rows(conn, new_ids)
        else:
            insert.executemany(conn, [{"distinct_id": i, "person": p, "linked_at": ts} for i, p, ts in new_ids])
    return result


#: Merges per UPDATE statement (three parameters each, well below every parameter limit).
_MERGES_PER_STATEMENT = 500


def _apply_merges(conn: Connection, merges: dict[str, str]) -> None:
    """Move every row of each merged person to its new person: one set-based UPDATE per table
    (per 500 merges), not one per merge, so PostgreSQL's statement-level rollup triggers run once.
    Merges never chain (each target is a person of its own), so their order does not matter.
    The statement is written here and sent to the driver: compiling a Core UPDATE with a CASE of
    hundreds of branches cost ~0.5 us per stored event (docs/benchmarks/ingest.md)."""
    quote = conn.dialect.identifier_preparer.quote
    mark = backend_for(conn).driver_placeholder
    pairs = list(merges.items())
    cursor = conn.connection.cursor()
    try:
        for start in range(0, len(pairs), _MERGES_PER_STATEMENT):
            part = pairs[start:start + _MERGES_PER_STATEMENT]
            whens = " ".join([f"WHEN {mark} THEN {mark}"] * len(part))
            marks = ", ".join([mark] * len(part))
            params = [value for pair in part for value in pair] + [source for source, _ in part]
            for table in (events, identities):
                person = quote(table.c.person.name)
                cursor.execute(f"UPDATE {quote(table.name)} SET {person} = CASE {person} {whens} END "
                               f"WHERE {person} IN ({marks})", params)
    finally:
        cursor.close()
