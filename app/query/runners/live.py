"""Live: the newest events after the last id the view has, newest first.

`WHERE id > after_id ORDER BY id DESC LIMIT n` walks the primary key backwards from the end,
so a poll costs only the rows that arrived since the last one, whatever the table size.

Ids and commit order: on SQLite one writer at a time means ids are committed in order. On
PostgreSQL ids come from a sequence, and two transactions could commit out of id order; the
Tracklens writer takes a transaction-scoped advisory lock before inserting
(PostgreSQLBackend.lock_for_writing), which serialises writers so ids commit in order. For rows written by other
tools, the view should poll with `after_id = max_id - lookback` and drop ids it already shows
(docs/query.md, "Live").

The answer carries the label traits (name, e-mail) of the persons it returns, so a view can
name people without a second round trip or a query of its own.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, Connection, FromClause, Integer, Result, Select, bindparam, select
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable

from app.core.backends import backend_for
from app.core.schema import ENRICHED_COLUMNS, event_context, events, users
from app.query.filters import FilterContext, compile_filters, needs_users
from app.query.isotime import as_ms, iso_utc_ms
from app.query.model import LiveQuery, filters_to_list, parse_filters
from app.query.runner import QueryRunner, register_runner
from app.query.timerange import today
from app.query.zones import zone_info

#: The traits a person is named by in lists (app.ui.people picks among them).
LABEL_TRAITS = ("email", "name")
#: Persons looked up per statement (an IN list of this many primary keys).
LOOKUP_CHUNK = 500

#: Times from 1970 to 2999 take the cached fast path (time.gmtime covers them on every
#: platform); others, as stored by older writers or other tools, the calendar arithmetic.
_FAST_END_MS = 32_503_680_000_000


def iso_utc(ms: int) -> str:
    """ISO-8601 UTC with milliseconds, e.g. 2026-11-01T12:00:00.123Z."""
    if not 0 <= ms < _FAST_END_MS:
        return iso_utc_ms(ms)
    minute, rest = divmod(ms, 60_000)
    return f"{_minute_prefix(minute)}{rest // 1000:02d}.{rest % 1000:03d}Z"


@lru_cache(maxsize=4096)
def _minute_prefix(minute: int) -> str:
    """'YYYY-MM-DDTHH:MM:' of a minute since the epoch: a poll's events share a few minutes."""
    return time.strftime("%Y-%m-%dT%H:%M:", time.gmtime(minute * 60))


@register_runner
class LiveRunner(QueryRunner):
    query_class = LiveQuery
    query: LiveQuery

    def to_query(self) -> Select[Any]:
        q = self.query
        filters = json.dumps(filters_to_list(q.where), sort_keys=True)
        return _statement(self.dialect, tuple(q.events), filters, today(zone_info(None), self.now).isoformat())

    def calculate(self, conn: Connection) -> dict[str, Any]:
        q = self.query
        # One row more than asked tells whether the view missed a burst.
        rows: list[Any] = list(self.execute(conn, self.to_query(), {"after_id": q.after_id, "limit": q.limit + 1}))
        more = len(rows) > q.limit
        out = []
        enriched = list(ENRICHED_COLUMNS)
        for row in rows[: q.limit]:
            ident, type_, event, person, user_id, anonymous_id, ts, received_at, props, context = row[:10]
            ts, received_at = as_ms(ts), as_ms(received_at)
            item: dict[str, Any] = {
                "id": int(ident),
                "type": type_,
                "event": event,
                "person": person,
                "user_id": user_id,
                "anonymous_id": anonymous_id,
                "time": iso_utc(ts) if ts is not None else None,
                "ts": ts,
                "received_at": received_at,
            }
            item.update(zip(enriched, row[10:], strict=True))
            item["properties"] = props or {}
            item["context"] = context or {}
            out.append(item)
        max_id = out[0]["id"] if out else q.after_id
        people = person_labels(conn, {str(r["person"]) for r in out if r["person"]}, self.execute)
        return {"events": out, "max_id": max_id, "after_id": q.after_id, "more": more, "people": people}


def person_labels(conn: Connection, persons: set[str],
                  execute: Callable[[Connection, Executable], Result[Any]]) -> dict[str, dict[str, Any]]:
    """The LABEL_TRAITS of these persons, by id; persons without any are left out. `execute`:
    the runner's (it records the statement for --explain)."""
    ids = sorted(persons)
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[start:start + LOOKUP_CHUNK]
        for row in execute(conn, select(users.c.id, users.c.traits).where(users.c.id.in_(chunk))):
            person, traits = row.id, row.traits
            if isinstance(traits, str):
                try:
                    traits = json.loads(traits)
                except ValueError:
                    continue
            if isinstance(traits, dict):
                wanted = {k: traits[k] for k in LABEL_TRAITS if k in traits}
                if wanted:
                    out[str(person)] = wanted
    return out


@lru_cache(maxsize=64)
def _statement(dialect: Dialect, names: tuple[str, ...], filters: str, day: str) -> Select[Any]:
    """The poll statement for one set of event names and filters, built once and reused: a view
    polls the same question every second, with only `after_id` (a bound parameter) moving."""
    where_filters = parse_filters(json.loads(filters))
    uses_users = needs_users(where_filters)
    with_context, context = backend_for(dialect).with_context(events, event_context)
    source: FromClause = (with_context.outerjoin(users, users.c.id == events.c.person) if uses_users
                          else with_context)
    ctx = FilterContext(dialect, events, users if uses_users else None, events.c.person,
                        dt.date.fromisoformat(day))
    conds = [events.c.id > bindparam("after_id", type_=BigInteger)]
    if names:
        conds.append(events.c.event.in_(list(names)))
    where = compile_filters(where_filters, ctx)
    if where is not None:
        conds.append(where)
    columns = [events.c.id, events.c.type, events.c.event, events.c.person, events.c.user_id,
               events.c.anonymous_id, events.c.ts, events.c.received_at, events.c.properties,
               context.label("context"), *(events.c[c] for c in ENRICHED_COLUMNS.values())]
    return (select(*columns).select_from(source).where(*conds).order_by(events.c.id.desc())
            .limit(bindparam("limit", type_=Integer)))
