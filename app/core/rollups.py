"""Hourly rollups of the analysis events, kept exact by database triggers.

`event_hours` (events per UTC hour and name) and `person_hours` (events per UTC hour and
person) let segmentation without filters count a 10M-event range from a few hundred thousand
rows. Triggers (Backend.rollup_triggers, app/core/backends/) maintain them on every insert, delete
and identity-merge update of `events`, whoever writes, so they never drift from the events;
`backfill` computes them from the events once, when a database gets them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Connection, delete, func, insert, literal, select

from app.core.backends import backend_for
from app.core.schema import event_hours, events, person_hours

#: Milliseconds in an hour: the rollups' granularity.
HOUR_MS = 3_600_000


def whole_hours(*instants: int) -> bool:
    """Are all these instants (and UTC offsets) whole UTC hours, so that a range bounded by them
    is a union of rollup hours and the rollups answer it exactly?"""
    return all(ms % HOUR_MS == 0 for ms in instants)


def hour_of(ts: ColumnElement[Any]) -> ColumnElement[Any]:
    """The SQL expression of a timestamp's UTC hour start, as the triggers compute it."""
    ms = literal(HOUR_MS, BigInteger)
    return ts - ((ts % ms) + ms) % ms


def install(conn: Connection) -> None:
    """Create the triggers, then fill the rollups from the events already stored.

    Triggers first: on PostgreSQL, CREATE TRIGGER locks out concurrent writers until this
    transaction commits, so no event lands between the backfill and its trigger.
    """
    for ddl in backend_for(conn).rollup_triggers():
        conn.exec_driver_sql(ddl)
    backfill(conn)


def backfill(conn: Connection) -> None:
    """Recompute both rollups from `events` (also repairs them after a bulk load without triggers)."""
    conn.execute(delete(event_hours))
    conn.execute(delete(person_hours))
    hour = hour_of(events.c.ts)
    analysis = events.c.event.is_not(None)
    for table, key in ((event_hours, events.c.event), (person_hours, events.c.person)):
        rows = (select(hour.label("hour"), key, func.count().label("n"))
                .where(analysis).group_by(hour, key))
        conn.execute(insert(table).from_select(["hour", key.name, "n"], rows))
