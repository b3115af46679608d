"""One backend object per database, chosen once from the URL or the engine's dialect.

Everything that differs between SQLite and PostgreSQL (SQL pieces, the writer's bulk path,
engine settings, capabilities the app shows) lives in app/core/backends/<database>.py; the
rest of the program asks `backend_for(...)` and never tests a dialect's name itself. A URL or
dialect of another database raises UnsupportedDatabase, naming the ones supported.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger

from app.core.backends.base import Backend, UnsupportedDatabase
from app.core.backends.clickhouse import ClickHouseBackend
from app.core.backends.postgresql import PostgreSQLBackend
from app.core.backends.sqlite import SQLiteBackend
from app.core.suggest import did_you_mean
from app.core.urls import hide_password

__all__ = ["BACKENDS", "Backend", "UnsupportedDatabase", "backend_for", "backend_for_url", "backend_schemes",
           "column_type", "supported_list"]

#: dialect name -> its backend (one shared, stateless instance each)
BACKENDS: dict[str, Backend] = {b.name: b for b in (SQLiteBackend(), PostgreSQLBackend(), ClickHouseBackend())}


def column_type(kind: str) -> Any:
    """The schema's type for `kind` ("json", "id"): generic, with each backend's own variant."""
    generic: Any = {"json": JSON(), "id": BigInteger()}[kind]
    for backend in BACKENDS.values():
        own = backend.column_types.get(kind)
        if own is not None:
            generic = generic.with_variant(own, backend.name)
    return generic


def backend_schemes() -> list[str]:
    """Every URL scheme a backend answers to ('sqlite', 'postgres', 'chdb', ...), read from the
    backends each time: a scheme added to one is known to every check of a typed URL at once."""
    return [scheme for backend in BACKENDS.values() for scheme in backend.schemes]


def supported_list() -> str:
    """'SQLite (sqlite:///file.sqlite or a file path), PostgreSQL (postgresql://...) or ClickHouse (...)'."""
    return ("SQLite (sqlite:///path/events.sqlite or a plain file path), PostgreSQL (postgresql://user@host/db) "
            "or ClickHouse (clickhousedb://user@host:8123/db, or chdb:///path/to/folder for embedded chDB)")


def backend_for(target: Any) -> Backend:
    """The backend of an Engine, Connection, Dialect or dialect name."""
    name = target if isinstance(target, str) else getattr(getattr(target, "dialect", target), "name", None)
    backend = BACKENDS.get(name) if isinstance(name, str) else None
    if backend is None:
        raise UnsupportedDatabase(f"Tracklens does not work with {name or target!r} databases; "
                                  f"it supports {supported_list()}")
    return backend


def backend_for_url(url: str) -> Backend:
    """The backend a URL asks for (by its scheme before any `+driver`)."""
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower() if "://" in url else ""
    for backend in BACKENDS.values():
        if scheme in backend.schemes:
            return backend
    close = did_you_mean(scheme, backend_schemes())
    # 'sqlte://' named only what is supported, and the reader had to spot the typo in a long list.
    meant = f" (did you mean {hide_password(close + url[len(scheme):])!r}?)" if close else ""
    raise UnsupportedDatabase(f"Tracklens does not work with {scheme or url!r} databases{meant}; "
                              f"it supports {supported_list()}")
