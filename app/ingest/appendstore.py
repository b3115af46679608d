"""The writer's database half for databases that append rows and never update them (ClickHouse).

The same identity and people rules as the transactional path (app.ingest.identity.link,
app.ingest.people.plan_people), applied by appending: an identity merge adds person overrides
(read by the `events` view at query time) instead of rewriting events, and users/identities rows
get a new version instead of an UPDATE. One batch is a few large inserts, each acknowledged by
the database before the next; the collector acknowledges a request only after all of them.

No transactions: the process's writers are serialised by a lock (the duplicate check and the
read-modify-write of person rows must not interleave), and the order of the inserts makes a
batch that failed midway safe to retry: events go last, so a retried batch is not yet "stored"
(its message ids are checked against `event_ids`, filled by the events insert itself), and every
insert carries a token made of the batch's message ids, so ClickHouse drops the retry's person
and identity rows where the first attempt stored them (their counts would otherwise add twice).
"""

from __future__ import annotations

import hashlib
import operator
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from app.ingest.identity import ids_of, link
from app.ingest.messages import Record
from app.ingest.people import people_involved, plan_people

if TYPE_CHECKING:
    from app.core.backends.clickhouse import ClickHouseBackend

#: events_data columns, in insert order, and the Record attribute each comes from.
EVENT_COLUMNS = ("id", "message_id", "type", "event", "user_id", "anonymous_id", "person", "ts", "received_at",
                 "properties", "context", "city", "region", "country_code", "browser", "os", "device",
                 "referring_domain")
_ATTRS = tuple({"properties": "properties_json", "context": "context_json"}.get(c, c) for c in EVENT_COLUMNS[1:])
#: Each events_data column after the id from a record: the events go in as columns, one C map
#: per column (row tuples pivoted into columns cost ~0.9 us more per event: docs/benchmarks/clickhouse.md).
_EVENT_GETTERS = tuple(operator.attrgetter(attr) for attr in _ATTRS)


def store(backend: ClickHouseBackend, conn: Connection, records: list[Record]) -> tuple[int, int]:
    """Store the records not stored yet; returns how many were new and how many of them had a
    trait left out of their profile (app.ingest.people's bounds). Call under the write lock."""
    stored = backend.stored_message_ids(conn, [rec.message_id for rec in records])
    fresh = [rec for rec in records if rec.message_id not in stored] if stored else records
    if not fresh:
        return 0, 0
    # The same fresh messages give the same token: a retry of a batch that failed after some of
    # its inserts (or whose acknowledgement was lost) inserts nothing twice, so counts stay right.
    token = hashlib.sha256("\n".join(sorted(rec.message_id for rec in fresh)).encode("utf-8",
                           "surrogatepass")).hexdigest()
    resolution, new_ids = link(fresh, dict(backend.identity_rows(conn, sorted(ids_of(fresh)))))
    merges = resolution.merges
    version = backend.versions.take()
    identity_rows: list[tuple[Any, ...]] = [(i, p, ts, version) for i, p, ts in new_ids]
    # Order of the inserts: overrides, persons, identities, events (see the module docstring).
    if merges:
        sources = list(merges)
        # Events stay as written: each merged person, and every older person already mapped to
        # it, now maps to the merge's target (one lookup at query time, no chains).
        pairs = [(src, dst) for src, dst in merges.items()]
        pairs += [(old, merges[target]) for old, target in backend.overrides_of_persons(conn, sources)]
        backend.append_rows(conn, "person_overrides", ("old_person", "person"), pairs)
        identity_rows += [(i, merges[p], ts, version)
                          for i, p, ts in backend.identities_of_persons(conn, sources) if p in merges]

    # Persons before identities: a retry after the identities went in would no longer see the
    # merge (the id is linked by then) and would not move the merged person's row; with this
    # order the retry recomputes the merge, and its person rows are dropped by the token.
    rows = backend.person_rows(conn, people_involved(fresh, merges))
    removed, updates, inserts, left_out = plan_people(rows, fresh, merges)
    people: list[tuple[Any, ...]] = [(pid, "{}", None, 0, 0, 0, version, 1) for pid in removed]
    for row in (*updates, *inserts):
        people.append((row.get("pid", row.get("id")), row["traits"], row["email"], row["first_seen"],
                       row["last_seen"], row["event_count"], version, 0))
    backend.append_rows(conn, "users_data", ("id", "traits", "email", "first_seen", "last_seen", "event_count",
                                             "version", "deleted"), people, token)
    if identity_rows:
        backend.append_rows(conn, "identities_data", ("distinct_id", "person", "linked_at", "version"), identity_rows,
                            token)

    first = backend.ids.take(len(fresh))
    events = [list(range(first, first + len(fresh))), *(list(map(get, fresh)) for get in _EVENT_GETTERS)]
    backend.append_rows(conn, "events_data", EVENT_COLUMNS, events, token, by_column=True)
    return len(fresh), left_out

