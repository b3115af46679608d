"""The ClickHouse writer's lookups by id (ClickHouseBackend._rows_with): a batch's ids go to
ClickHouse as one string literal split in SQL, so ids with quotes, backslashes, SQL or
formatting syntax, non-ASCII text, and batches whose ids exceed one statement's size must find
exactly what is stored: a re-import stores nothing twice and identities still merge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text

from app.core.backends import backend_for
from app.core.database import open_database
from app.ingest.writer import EventWriter
from tests.conftest import chdb_url

#: Ids that a naive literal, %-formatting, {}-formatting or a comment would break.
AWKWARD = ["it's", "back\\slash", "both\\'", "%s", "%(ids)s", "{ids}", "{x:String}", "a -- b", "/* c */",
           "'); DROP TABLE events_data; --", "ünïcødé", "emoji 🎉", "tab\\t", "semi;colon", "\\"]


def _track(message_id: str, n: int, **ids: str) -> dict[str, Any]:
    return {"type": "track", "event": "Viewed", "messageId": message_id, "properties": {"n": n},
            "timestamp": f"2026-11-02T10:{n % 60:02d}:00Z", **ids}


def test_awkward_ids_are_stored_once_and_merge_their_identities(chdb_folder: Path) -> None:
    engine = open_database(chdb_url(chdb_folder))
    try:
        batch = [_track(f"m{mid}", i, anonymousId=f"anon {mid}") for i, mid in enumerate(AWKWARD)]
        first = EventWriter(engine, enrich=False).write(batch)
        again = EventWriter(engine, enrich=False).write(batch)
        # One user signs in from every awkward anonymous id: all their events become one person's.
        user = "user 'q' \\ {x:String} 🎉"
        links = [{"type": "identify", "messageId": f"id {mid}", "userId": user, "anonymousId": f"anon {mid}",
                  "timestamp": "2026-11-03T10:00:00Z"} for mid in AWKWARD]
        merged = EventWriter(engine, enrich=False).write(links)
        with engine.connect() as conn:
            events = conn.execute(text("SELECT count() FROM events WHERE event = 'Viewed'")).scalar()
            persons = conn.execute(text("SELECT uniqExact(person) FROM events")).scalar()
            person = conn.execute(text("SELECT any(person) FROM events")).scalar()
            ids = {row[0] for row in conn.execute(text("SELECT distinct_id FROM identities WHERE person = :p"),
                                                  {"p": person})}
    finally:
        engine.dispose()
    assert (first.stored, first.duplicates) == (len(AWKWARD), 0)
    assert (again.stored, again.duplicates) == (0, len(AWKWARD))
    assert merged.stored == len(AWKWARD)
    assert (events, persons) == (len(AWKWARD), 1)
    assert ids == {user, *(f"anon {mid}" for mid in AWKWARD)}


def test_a_batch_of_ids_larger_than_one_statement_is_checked_whole(chdb_folder: Path) -> None:
    # 1,200 ids of 250 two- and four-byte characters: ~900 KB of ids, several statements' worth.
    def mid(i: int) -> str:
        return f"{i:05d}" + ("é" if i % 2 else "🎉") * 245

    engine = open_database(chdb_url(chdb_folder))
    try:
        batch = [_track(mid(i), i, anonymousId=f"a{i % 7}") for i in range(1200)]
        first = EventWriter(engine, enrich=False).write(batch)
        mixed = EventWriter(engine, enrich=False).write([*batch[::2], _track(mid(5000), 1, anonymousId="new")])
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT count() FROM events")).scalar()
            counted = conn.execute(text("SELECT sum(event_count) FROM users")).scalar()
    finally:
        engine.dispose()
    assert (first.stored, mixed.stored, mixed.duplicates) == (1200, 1, 600)
    assert (stored, counted) == (1201, 1201)


def test_ids_a_literal_cannot_carry_are_looked_up_as_a_list(chdb_folder: Path) -> None:
    # Validation never lets a newline or NUL into an id; the lookup still answers right for them.
    engine = open_database(chdb_url(chdb_folder))
    try:
        EventWriter(engine, enrich=False).write([_track("plain", 1, anonymousId="a")])
        backend: Any = backend_for(engine)
        with engine.connect() as conn:
            found = backend.stored_message_ids(conn, ["plain", "two\nlines", "nul\0"])
            none = backend.stored_message_ids(conn, [])
    finally:
        engine.dispose()
    assert (found, none) == ({"plain"}, set())
