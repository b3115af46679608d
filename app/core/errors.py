"""The core's one error type for people: the database could not be opened or used."""

from __future__ import annotations


class DatabaseError(Exception):
    """A database could not be opened or used; the message is one line meant for a person."""
