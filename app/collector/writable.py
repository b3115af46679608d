"""Whether the collector can write its events, asked of the database before it listens.

A database the collector could read but not write (a SQLite file or folder that is read-only, a
PostgreSQL role that may only SELECT, a read-only replica) let it start and announce itself, and
then every batch was answered 503: the clients kept retrying forever and nobody was told why.
The probe is a real write, rolled back: the statements the writer sends, each matching no row,
so nothing a user could see is made (no row, no table, no sequence value) and it takes a few
milliseconds. A database that fails only for now (locked by another writer, a lost connection)
is not refused here: the collector answers 503 until it is back, as it does while serving.
"""

from __future__ import annotations

from sqlalchemy import Engine, delete, false, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.core.backends import backend_for
from app.core.database import describe_error, is_disconnect
from app.core.schema import event_context, events, identities, users


class NotWritable(Exception):
    """The collector cannot store events in the database: one line naming it (a path or the URL
    without its password) and saying why."""


def check_writable(engine: Engine) -> None:
    """Raise NotWritable when the writer's statements are refused (read-only file, folder, role
    or transaction). ClickHouse, which only appends and cannot roll back, is not asked."""
    backend = backend_for(engine)
    if backend.appends_only:
        return
    try:
        with engine.connect() as conn:
            # What app.ingest (writer, identity, people) writes, each statement matching nothing.
            # No Backend.lock_for_writing: it would wait for another writer's whole transaction.
            for table in (events, event_context, users, identities):
                columns = list(table.c)
                conn.execute(insert(table).from_select([c.name for c in columns], select(*columns).where(false())))
            for table in (events, identities):
                conn.execute(update(table).where(false()).values(person=table.c.person))
            conn.execute(update(users).where(false()).values(id=users.c.id))
            conn.execute(delete(users).where(false()))
            conn.rollback()
    except SQLAlchemyError as exc:
        if is_disconnect(exc):
            return  # passing (locked, connection lost): the 503s while serving say it
        # A file or folder's permissions, in the words every command says them in; else the
        # database's own reason (a role that may only read).
        why = backend.why_not_writable(engine.url)
        if why is None:
            why = f"cannot write to {backend.describe_location(engine.url)}: {describe_error(exc)}"
        raise NotWritable(why) from exc
