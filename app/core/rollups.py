"""Hourly rollups of the analysis events, kept exact by database triggers and the writer.

`event_hours` (events per UTC hour and name) and `person_hours` (events per UTC hour and
person) let segmentation without filters count a 10M-event range from a few hundred thousand
rows. Triggers (Backend.rollup_triggers, app/core/backends/) maintain them on every delete and
identity-merge update of `events`, and on PostgreSQL on every insert too (a statement trigger:
one grouped upsert per statement). On SQLite (Backend.rollups_by_writer, schema 4) a row trigger
on inserts cost a third of storing an event, so there the writer adds each batch's counts in
its transaction (EventWriter._insert_events), and `tracklens_meta.rollups_through_id` records the
highest events.id counted: rows another program inserted are counted by `catch_up`, which the
writer's next batch and every writable open run. `backfill` computes them from the events once,
when a database gets them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Connection, Engine, delete, func, insert, literal, select

from app.core.backends import backend_for
from app.core.schema import event_hours, events, meta, person_hours

#: Milliseconds in an hour: the rollups' granularity.
HOUR_MS = 3_600_000
#: tracklens_meta key: the highest events.id the rollups count (Backend.rollups_by_writer).
THROUGH_KEY = "rollups_through_id"


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
    if backend_for(conn).rollups_by_writer:
        mark_counted(conn)


def mark_counted(conn: Connection) -> None:
    """Record every stored event as counted (Backend.rollups_by_writer): after a backfill, or
    when the rollups were exact by other means (the schema 3 -> 4 migration)."""
    through = conn.execute(select(func.coalesce(func.max(events.c.id), 0))).scalar_one()
    conn.execute(delete(meta).where(meta.c.key == THROUGH_KEY))
    conn.execute(insert(meta).values(key=THROUGH_KEY, value=str(through)))


def catch_up(conn: Connection) -> int:
    """Count the events other programs inserted since the writer's last batch (Backend.
    rollups_by_writer), in the caller's write transaction; how many ids that covered (0: none)."""
    backend = backend_for(conn)
    if not backend.rollups_by_writer:
        return 0
    newest = conn.execute(select(func.coalesce(func.max(events.c.id), 0))).scalar_one()
    if conn.execute(select(meta.c.value).where(meta.c.key == THROUGH_KEY)).scalar() is None:
        backfill(conn)  # not known what they count (should not happen): recompute them
        return int(newest)
    cursor = conn.connection.cursor()
    try:
        through = backend.begin_rollup_batch(cursor)
        if newest <= through:
            return 0
        backend.end_rollup_batch(cursor, through)
    finally:
        cursor.close()
    return int(newest - through)


def catch_up_on_open(engine: Engine) -> int:
    """catch_up in a write transaction of its own, taken only when there is something to count
    (a writable open: app.core.migrations.ensure_schema)."""
    backend = backend_for(engine)
    if not backend.rollups_by_writer:
        return 0
    with engine.connect() as conn:
        through = conn.execute(select(meta.c.value).where(meta.c.key == THROUGH_KEY)).scalar()
        newest = conn.execute(select(func.coalesce(func.max(events.c.id), 0))).scalar_one()
        conn.rollback()
        if through is not None and newest <= int(through):
            return 0
        backend.lock_for_writing(conn)
        added = catch_up(conn)
        conn.commit()
    return added
