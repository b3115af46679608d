"""Live: the newest events after the last id the view has, newest first.

`WHERE id > after_id ORDER BY id DESC LIMIT n` walks the primary key backwards from the end,
so a poll costs only the rows that arrived since the last one, whatever the table size.

Ids and commit order: on SQLite one writer at a time means ids are committed in order. On
PostgreSQL ids come from a sequence, and two transactions could commit out of id order; the
Tracklens writer takes a transaction-scoped advisory lock before inserting (app.core.dialect.
lock_for_writing), which serialises writers so ids commit in order. For rows written by other
tools, the view should poll with `after_id = max_id - lookback` and drop ids it already shows
(docs/query.md, "Live").
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import BigInteger, Connection, FromClause, Integer, Select, literal, select

from app.core.schema import ENRICHED_COLUMNS, events, users
from app.query.filters import FilterContext, compile_filters, needs_users
from app.query.model import LiveQuery
from app.query.runner import QueryRunner, register_runner
from app.query.timerange import today, zone_info


def iso_utc(ms: int) -> str:
    """ISO-8601 UTC with milliseconds, e.g. 2026-11-01T12:00:00.123Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


@register_runner
class LiveRunner(QueryRunner):
    query_class = LiveQuery
    query: LiveQuery

    def to_query(self) -> Select[Any]:
        q = self.query
        uses_users = needs_users(q.where)
        source: FromClause = events.outerjoin(users, users.c.id == events.c.person) if uses_users else events
        ctx = FilterContext(self.dialect, events, users if uses_users else None, events.c.person,
                            today(zone_info(None), self.now))
        conds = [events.c.id > literal(q.after_id, BigInteger)]
        if q.events:
            conds.append(events.c.event.in_(list(q.events)))
        where = compile_filters(q.where, ctx)
        if where is not None:
            conds.append(where)
        columns = [events.c.id, events.c.type, events.c.event, events.c.person, events.c.user_id,
                   events.c.anonymous_id, events.c.ts, events.c.received_at, events.c.properties,
                   events.c.context, *(events.c[c] for c in ENRICHED_COLUMNS.values())]
        # One row more than asked tells whether the view missed a burst.
        return (select(*columns).select_from(source).where(*conds).order_by(events.c.id.desc())
                .limit(literal(q.limit + 1, Integer)))

    def calculate(self, conn: Connection) -> dict[str, Any]:
        q = self.query
        rows = self.execute(conn, self.to_query()).mappings().all()
        more = len(rows) > q.limit
        out = []
        for row in rows[: q.limit]:
            item: dict[str, Any] = {
                "id": int(row["id"]),
                "type": row["type"],
                "event": row["event"],
                "person": row["person"],
                "user_id": row["user_id"],
                "anonymous_id": row["anonymous_id"],
                "time": iso_utc(int(row["ts"])),
                "ts": int(row["ts"]),
                "received_at": int(row["received_at"]),
            }
            for name, column in ENRICHED_COLUMNS.items():
                item[name] = row[column]
            item["properties"] = row["properties"] or {}
            item["context"] = row["context"] or {}
            out.append(item)
        max_id = out[0]["id"] if out else q.after_id
        return {"events": out, "max_id": max_id, "after_id": q.after_id, "more": more}
