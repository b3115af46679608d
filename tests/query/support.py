"""Helpers for query tests: insert already-resolved rows straight into `events` and `users`.

Query tests do not go through the ingestion writer: they state exactly which rows exist
(person already resolved), so a failure points at the engine, not at ingestion.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert

from app.core import rollups
from app.core.backends import backend_for
from app.core.schema import ENRICHED_COLUMNS, events, identities, users
from app.ingest.rawsql import json_text

_counter = itertools.count(1)


def ms(text: str, zone: str = "UTC") -> int:
    """Epoch ms of a local wall time like '2026-09-01 10:00' in `zone`."""
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return int(moment.timestamp() * 1000)


def event_row(event: str | None, person: str, ts: int, properties: Mapping[str, Any] | None = None,
              *, type_: str | None = None, **enriched: Any) -> dict[str, Any]:
    """One `events` row; enriched fields by their `$name` without the dollar (city=...)."""
    n = next(_counter)
    row: dict[str, Any] = {
        "message_id": f"m{n}",
        "type": type_ or ("track" if event is not None else "identify"),
        "event": event,
        "user_id": person,
        "anonymous_id": None,
        "person": person,
        "ts": ts,
        "received_at": ts,
        "properties": dict(properties or {}),
    }
    for column in ENRICHED_COLUMNS.values():
        row[column] = enriched.get(column)
    return row


def user_row(person: str, traits: Mapping[str, Any] | None = None, first_seen: int = 0,
             last_seen: int = 0, event_count: int = 0) -> dict[str, Any]:
    return {"id": person, "traits": dict(traits or {}), "email": (traits or {}).get("email"),
            "first_seen": first_seen, "last_seen": last_seen, "event_count": event_count}


def insert_rows(engine: Engine, event_rows: Iterable[dict[str, Any]] = (),
                user_rows: Iterable[dict[str, Any]] = ()) -> None:
    ev, us = list(event_rows), list(user_rows)
    backend = backend_for(engine)
    if backend.appends_only:
        with engine.connect() as conn:
            append_rows(backend, conn, ev, us)
        return
    with engine.begin() as conn:
        if ev:
            conn.execute(insert(events), ev)
            rollups.catch_up(conn)  # SQLite: rows not written by the writer are counted here
        if us:
            conn.execute(insert(users), us)


def append_rows(backend: Any, conn: Any, event_rows: list[dict[str, Any]], user_rows: list[dict[str, Any]]) -> None:
    """insert_rows() on a database that appends only (ClickHouse): its storage tables, ids and
    row versions as the writer gives them."""
    from app.ingest.appendstore import EVENT_COLUMNS

    if event_rows:
        first = backend.ids.take(len(event_rows))
        rows = []
        for n, row in enumerate(event_rows):
            full = {**row, "id": first + n, "properties": json_text(row.get("properties") or {}),
                    "context": json_text(row.get("context") or {})}
            rows.append(tuple(full.get(c) for c in EVENT_COLUMNS))
        backend.append_rows(conn, "events_data", EVENT_COLUMNS, rows)
    if user_rows:
        version = backend.versions.take()
        cols = ("id", "traits", "email", "first_seen", "last_seen", "event_count", "version", "deleted")
        backend.append_rows(conn, "users_data", cols, [
            (u["id"], json_text(u.get("traits") or {}), u.get("email"), u.get("first_seen", 0), u.get("last_seen", 0),
             u.get("event_count", 0), version, 0) for u in user_rows])


#: The storage tables behind each table the engine reads, where the database appends only.
_STORAGE = {"events": ("events_data", "event_ids", "person_overrides", "event_hours_data", "person_hours_data"),
            "users": ("users_data",),
            "identities": ("identities_data",)}


def clear_rows(engine: Engine, *tables: Any) -> None:
    """Empty these tables (events, users, identities) between generated examples."""
    backend = backend_for(engine)
    with engine.begin() as conn:
        for table in tables:
            if backend.appends_only:
                for name in _STORAGE[table.name]:
                    conn.exec_driver_sql(f"TRUNCATE TABLE {name}")
            else:
                conn.execute(table.delete())


def insert_identities(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """Rows of `identities` (distinct_id, person, linked_at)."""
    backend = backend_for(engine)
    with engine.begin() as conn:
        if backend.appends_only:
            version = backend.versions.take()
            backend.append_rows(conn, "identities_data", ("distinct_id", "person", "linked_at", "version"),
                                [(r["distinct_id"], r["person"], r["linked_at"], version) for r in rows])
        else:
            conn.execute(identities.insert(), rows)


def examples(engine: Engine, n: int) -> int:
    """Hypothesis examples for a generated test on this database: fewer where every statement
    costs tens of milliseconds to plan (ClickHouse), so the suite stays minutes long."""
    return n if not backend_for(engine).appends_only else max(10, n // 10)
