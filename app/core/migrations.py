"""Creating, checking and migrating the schema of app.core.schema in a database.

Kept apart from the table definitions: the rollup maintenance (app.core.rollups) reads the
tables and a migration installs it, so one module for both would import itself in a cycle.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, inspect, select

from app.core import rollups
from app.core.backends import backend_for
from app.core.schema import (
    ADDITIVE_TABLES,
    ANALYSIS_PERSON_INDEX,
    SCHEMA_VERSION,
    event_context,
    event_person_hours,
    events,
    meta,
    metadata,
)


class SchemaError(Exception):
    """The database exists but cannot be used as a Tracklens database."""


#: Migrations from version N to N+1, keyed by N. Each runs inside one transaction.
def _add_funnel_index_and_rollups(conn: Connection) -> None:
    """1 -> 2: the (event, person, ts) index for funnels, SQLite's covering segmentation index
    and the hourly rollups (with the event-person one of schema 5, which install() fills)."""
    for table in rollups.rollup_tables(conn):
        table.create(conn, checkfirst=True)
    backend = backend_for(conn)
    for index in events.indexes:
        if index.name in ("ix_events_event_person_ts", "ix_events_event_ts_person_props") \
                and backend.wants_index(index.name):
            index.create(conn, checkfirst=True)
    backend.after_migration(conn, 2)
    rollups.install(conn)


def _move_context_out(conn: Connection) -> None:
    """2 -> 3: `events.context` moves to event_context, and the table is rewritten where the
    database keeps the dropped column's bytes (the backend's part); PostgreSQL's `ts` B-tree
    becomes a BRIN index."""
    event_context.create(conn)
    conn.exec_driver_sql("INSERT INTO event_context (id, context) SELECT id, context FROM events")
    conn.exec_driver_sql("ALTER TABLE events DROP COLUMN context")
    backend = backend_for(conn)
    backend.after_migration(conn, 3)
    for index in events.indexes:
        if index.name == "ix_events_ts_brin" and backend.wants_index(index.name):
            index.create(conn, checkfirst=True)


def _rollups_by_the_writer(conn: Connection) -> None:
    """3 -> 4: where the writer adds each batch's counts to the hourly rollups itself
    (Backend.rollups_by_writer: SQLite), the insert trigger goes and the delete and update
    triggers count only rows the rollups hold; the counts stay (the triggers kept them exact)."""
    backend = backend_for(conn)
    if not backend.rollups_by_writer:
        return
    backend.after_migration(conn, 4)
    for ddl in backend.rollup_triggers():
        conn.exec_driver_sql(ddl)
    rollups.mark_counted(conn)


def _add_event_person_rollup(conn: Connection) -> None:
    """4 -> 5: `event_person_hours` where the backend keeps it (Backend.event_person_rollup),
    its triggers, and its rows computed from the events the other rollups count."""
    backend = backend_for(conn)
    if not backend.event_person_rollup:
        return
    event_person_hours.create(conn, checkfirst=True)
    for index in event_person_hours.indexes:
        index.create(conn, checkfirst=True)
    backend.after_migration(conn, 5)
    for ddl in backend.rollup_triggers():  # first: on PostgreSQL no insert lands in between
        conn.exec_driver_sql(ddl)
    rollups.fill_event_persons(conn)


def _add_analysis_person_index(conn: Connection) -> None:
    """5 -> 6: `events (person, ts) WHERE event IS NOT NULL` where the backend keeps it
    (Backend.analysis_person_index): one pass over the events (10M on PostgreSQL: ~10 s)."""
    if backend_for(conn).analysis_person_index:
        ANALYSIS_PERSON_INDEX.create(conn, checkfirst=True)


MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    1: _add_funnel_index_and_rollups, 2: _move_context_out, 3: _rollups_by_the_writer,
    4: _add_event_person_rollup, 5: _add_analysis_person_index}


#: Databases opened without migrating (`open_database(create=False)`, e.g. `tracklens query`)
#: at an older schema, by their engine's dialect (one per engine): runners then leave out the
#: tables that schema lacks instead of failing with "no such table".
_OPENED_AT: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()


def note_opened_at(engine: Engine, version: int) -> None:
    if version < SCHEMA_VERSION:
        _OPENED_AT[engine.dialect] = version


def opened_at(dialect: Any) -> int:
    """The schema version of the database behind `dialect`: the current one unless it was
    opened at an older one without migrating."""
    return _OPENED_AT.get(dialect, SCHEMA_VERSION)


def schema_version(conn: Connection) -> int | None:
    """The stored schema version, or None when the database has no Tracklens tables."""
    if not inspect(conn).has_table(meta.name):
        return None
    row = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).first()
    return int(row[0]) if row else None


def ensure_schema(engine: Engine, *, before_upgrade: Callable[[int], None] | None = None) -> int:
    """Create the schema in an empty database, migrate an older one, refuse a foreign one.
    `before_upgrade(found_version)` is called before migrating (which can take minutes)."""
    with engine.begin() as conn:
        version = schema_version(conn)
        if version != SCHEMA_VERSION or any(not inspect(conn).has_table(t.name) for t in ADDITIVE_TABLES):
            # Whatever follows creates or alters tables: as the only writer, in this one
            # transaction. On SQLite that is what makes the DDL part of it (Python's sqlite3
            # begins a transaction only before an INSERT, UPDATE or DELETE, so an interrupted
            # upgrade kept its CREATE TABLEs and the next open refused the half-migrated file),
            # and a second process opening the database meanwhile waits, then finds it done.
            backend_for(conn).lock_for_writing(conn)
            version = schema_version(conn)
        if version is None:
            foreign = [t for t in inspect(conn).get_table_names() if t not in metadata.tables]
            known = [t for t in inspect(conn).get_table_names() if t in metadata.tables]
            if foreign and not known:
                raise SchemaError(
                    "this database is not a Tracklens database "
                    f"(it has other tables: {', '.join(sorted(foreign)[:5])})"
                )
            backend = backend_for(conn)
            if backend.creates_schema():
                # Its own rollups (the event-person one is not kept there: see Backend).
                backend.create_schema(conn, [t for t in metadata.sorted_tables if t is not event_person_hours
                                             or backend.event_person_rollup])
            else:
                metadata.create_all(conn)
                rollups.install(conn)
            conn.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
            return SCHEMA_VERSION
        if version > SCHEMA_VERSION:
            raise SchemaError(
                f"this database was written by a newer Tracklens (schema {version}, "
                f"this version understands up to {SCHEMA_VERSION}); please upgrade"
            )
        started = version
        if version < SCHEMA_VERSION and before_upgrade is not None:
            before_upgrade(version)
        while version < SCHEMA_VERSION:
            MIGRATIONS[version](conn)
            version += 1
            conn.execute(
                meta.update().where(meta.c.key == "schema_version").values(value=str(version))
            )
        for table in ADDITIVE_TABLES:
            backend_for(conn).create_table(conn, table)
    backend_for(engine).after_migrations(engine, started)
    # Events another program inserted since the writer's last batch (SQLite: no insert trigger).
    rollups.catch_up_on_open(engine)
    return version
