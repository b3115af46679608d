"""The core's one error type for people: the database could not be opened or used."""

from __future__ import annotations


class DatabaseError(Exception):
    """A database could not be opened or used; the message is one line meant for a person."""


class NoTracklensDatabase(DatabaseError):
    """Nothing is at the URL yet (a missing or empty SQLite file, an empty PostgreSQL database, a
    missing chDB folder): opening did not create anything, and creating one there is possible."""
