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

import os
from pathlib import Path

from sqlalchemy import Engine, delete, false, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.core.backends import backend_for
from app.core.database import describe_error, is_disconnect
from app.core.schema import event_context, events, identities, users


class NotWritable(Exception):
    """The collector cannot store events in the database: `where` (a path or the URL without
    its password) and why, for one line."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"cannot write to {where}: {reason}")
        self.where = where
        self.reason = reason


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
        where = backend.describe_location(engine.url)
        raise NotWritable(where, _why(where, describe_error(exc))) from exc


def _why(where: str, reason: str) -> str:
    """The driver's reason, or for a file or folder the permission that explains it."""
    path = Path(where)
    if not path.is_absolute() or not path.exists():
        return reason
    kind = "folder" if path.is_dir() else "file"
    if not os.access(path, os.W_OK):
        return f"the {kind} is read-only"
    if kind == "file" and not os.access(path.parent, os.W_OK):
        return (f"its folder is read-only, and the database must create its journal "
                f"({path.name}-wal or {path.name}-journal) beside it")
    return reason
