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

from app.core.schema import ENRICHED_COLUMNS, events, users

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
    with engine.begin() as conn:
        if ev:
            conn.execute(insert(events), ev)
        if us:
            conn.execute(insert(users), us)
