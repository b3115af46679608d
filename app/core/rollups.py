"""Hourly rollups of the analysis events, kept exact by database triggers and the writer.

`event_hours` (events per UTC hour and name) and `person_hours` (events per UTC hour and
person) let segmentation without filters count a 10M-event range from a few hundred thousand
rows; `event_person_hours` (events per UTC hour, name and person; schema 5, where
Backend.event_person_rollup) counts one event's distinct persons. Triggers (Backend.rollup_triggers, app/core/backends/) maintain them on every delete and
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

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Engine,
    Select,
    Table,
    delete,
    func,
    insert,
    literal,
    select,
)

from app.core.backends import backend_for
from app.core.schema import event_hours, event_person_hours, events, meta, person_hours

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
    """Recompute the rollups from `events` (also repairs them after a bulk load without triggers)."""
    for table in rollup_tables(conn):
        conn.execute(delete(table))
        conn.execute(insert(table).from_select(*_counted(table)))
    if backend_for(conn).rollups_by_writer:
        mark_counted(conn)


def rollup_tables(conn: Connection) -> list[Table]:
    """The rollups this database keeps."""
    extra = [event_person_hours] if backend_for(conn).event_person_rollup else []
    return [event_hours, person_hours, *extra]


def _counted(table: Table, *where: ColumnElement[bool]) -> tuple[list[str], Select[Any]]:
    """(columns, SELECT) of a rollup's rows computed from the analysis events."""
    keys = [events.c[c.name] for c in table.primary_key.columns if c.name != "hour"]
    hour = hour_of(events.c.ts)
    rows = (select(hour.label("hour"), *keys, func.count().label("n"))
            .where(events.c.event.is_not(None), *where).group_by(hour, *keys))
    return ["hour", *(k.name for k in keys), "n"], rows


def fill_event_persons(conn: Connection) -> None:
    """Compute `event_person_hours` from the events the other rollups count (the schema 4 -> 5
    migration): with Backend.rollups_by_writer those up to rollups_through_id, the rest being
    counted into all three by the next catch_up or batch; elsewhere every event (the triggers,
    created first, count what comes after)."""
    conn.execute(delete(event_person_hours))
    where: list[ColumnElement[bool]] = []
    if backend_for(conn).rollups_by_writer:
        through = conn.execute(select(meta.c.value).where(meta.c.key == THROUGH_KEY)).scalar()
        if through is None:  # not known what the others count: recompute all three
            backfill(conn)
            return
        where.append(events.c.id <= literal(int(through), BigInteger))
    conn.execute(insert(event_person_hours).from_select(*_counted(event_person_hours, *where)))


def mark_counted(conn: Connection) -> None:
    """Record every stored event as counted (Backend.rollups_by_writer): after a backfill, or
    when the rollups were exact by other means (the schema 3 -> 4 migration)."""
    through = conn.execute(select(func.coalesce(func.max(events.c.id), 0))).scalar_one()
    conn.execute(delete(meta).where(meta.c.key == THROUGH_KEY))
    conn.execute(insert(meta).values(key=THROUGH_KEY, value=str(through)))


def catch_up(conn: Connection) -> int:
    """Count the events other programs inserted since the writer's last batch (Backend.
    rollups_by_writer), in the caller's write transaction; how many ids that covered (0: none).

    Reads the counted id and the newest id once each, under the caller's write lock: values
    read before it may be stale by then (another writer's batch)."""
    backend = backend_for(conn)
    if not backend.rollups_by_writer:
        return 0
    through = conn.execute(select(meta.c.value).where(meta.c.key == THROUGH_KEY)).scalar()
    newest = int(conn.execute(select(func.coalesce(func.max(events.c.id), 0))).scalar_one())
    if through is None:
        backfill(conn)  # not known what they count (should not happen): recompute them
        return newest
    if newest <= int(through):
        return 0
    cursor = conn.connection.cursor()
    try:
        backend.end_rollup_batch(cursor, int(through))
    finally:
        cursor.close()
    return newest - int(through)


def catch_up_on_open(engine: Engine) -> int:
    """catch_up in a write transaction of its own, taken only when there is something to count
    (a writable open: app.core.migrations.ensure_schema). The look before the lock only decides
    whether to take it; catch_up reads both ids again under it."""
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
