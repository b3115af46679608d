"""Opening an event database by SQLAlchemy URL, with one-line errors instead of tracebacks."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, inspect, make_url, text
from sqlalchemy.exc import DBAPIError, NoSuchModuleError, OperationalError

from app.core.backends import UnsupportedDatabase, backend_for, backend_for_url, backend_schemes
from app.core.errors import DatabaseError, NoTracklensDatabase
from app.core.migrations import SchemaError, ensure_schema, note_opened_at, schema_version
from app.core.schema import meta, metadata
from app.core.urls import hide_password, parse_url

#: Schemes of databases Tracklens has no backend for, and SQLite's `file:` URI: no file path
#: starts with one followed by ':' either.
_OTHER_SCHEMES = ("mysql", "mariadb", "duckdb", "file")


def _schemes(names: list[str]) -> str:
    """A pattern of the schemes `names`, each with an optional '+driver'."""
    return "(" + "|".join(re.escape(name) for name in names) + r")(\+[\w.]+)?"


def _scheme_without_slashes(raw: str) -> re.Match[str] | None:
    """A database scheme followed by ':' but not '://' ('sqlite:x.db', 'chdb:events', 'file:y.db'):
    a mistyped URL, which as a file path would silently create a SQLite file of that name."""
    return re.match(_schemes([*backend_schemes(), *_OTHER_SCHEMES]) + ":(?!//)", raw, re.IGNORECASE)


def _scheme_without_colon(raw: str) -> re.Match[str] | None:
    """A backend's scheme and '//' without the ':' between them ('sqlite//x.db',
    'postgresql//u@h/db'). The schemes are the backends' own: a list kept here missed a scheme
    added to a backend, whose 'scheme//path' then became a file in a folder of that name."""
    return re.match(_schemes(backend_schemes()) + "//", raw, re.IGNORECASE)

#: The port of a URL ('host:54x/db'): after the host, which follows the last '@' or the '//'.
_PORT = re.compile(r"://(?:.*@)?[^/?:@]*:([^/?]*)")


def _with_colon(raw: str, missing: re.Match[str]) -> str:
    """'sqlite//x.db' as the URL meant, by the backend of its scheme: 'sqlite:///x.db'."""
    scheme = missing.group(0)[:-2]
    return backend_for_url(f"{scheme}://").with_colon(scheme, raw[missing.end():])


def normalize_url(url: str | os.PathLike[str]) -> str:
    """Accept a SQLAlchemy URL or a bare file path (taken as a SQLite file); the URL's
    backend may rewrite it to the driver Tracklens ships. UnsupportedDatabase for others."""
    raw = os.fspath(url).strip()
    if not raw:
        # `--db "$DB"` with DB unset: the current folder, which said "cannot read ... (Is a directory)".
        raise UnsupportedDatabase("no database given (an empty --db): give a SQLite file path or a URL, "
                                  "e.g. events.sqlite or postgresql://user@host/db")
    if "://" not in raw:
        if _scheme_without_slashes(raw):
            raise UnsupportedDatabase(f"{raw!r} is not a database URL: a URL has '://' after its scheme, "
                                      "e.g. sqlite:///path/to/events.sqlite or chdb:///path/to/folder")
        missing_colon = _scheme_without_colon(raw)
        if missing_colon and not Path(raw).expanduser().parent.exists():
            # 'sqlite//x.db' was the file x.db in a folder 'sqlite': "folder does not exist".
            raise UnsupportedDatabase(f"{redact(raw)!r} is not a database URL (a URL has '://' after its scheme): "
                                      f"did you mean {redact(_with_colon(raw, missing_colon))!r}?")
        # A '?' or '%' in a file name is part of it, not the URL's query or an escape ('d b?.sqlite'
        # was stored into a file named 'd b'): quoted, as SQLAlchemy unquotes the database part.
        path = str(Path(raw).expanduser().resolve()).replace("%", "%25").replace("?", "%3F")
        return "sqlite:///" + path
    backend = backend_for_url(raw)
    parsed = parse_url(raw)
    if parsed is not None and parsed.password is not None and "@" in (parsed.host or ""):
        # SQLAlchemy ends the password at its first '@': 'ann:p@ss@host' connected to the host
        # 'ss@host', and the driver's error printed that piece of the password.
        raise UnsupportedDatabase("the URL's password holds an '@', which ends it: write each '@' in the password "
                                  "as %40 (postgresql://user:p%40ss@host/db for the password p@ss)")
    return backend.normalize_url(raw)


def redact(url: str) -> str:
    """The URL with its password hidden, for status bars and logs."""
    return hide_password(url)


def create_db_engine(url: str | os.PathLike[str], *, wal: bool = True, **kwargs: Any) -> Engine:
    """An Engine for the URL, configured by its backend (no schema check). `wal=False`: the
    engine only reads, so nothing about the database file may change (SQLite's journal mode)."""
    try:
        normalized = normalize_url(url)
        backend = backend_for_url(normalized)
    except UnsupportedDatabase as exc:
        raise DatabaseError(str(exc)) from exc
    parsed = parse_url(normalized)
    if parsed is None:
        port = _PORT.search(normalized)
        why = f" (its port {port.group(1)!r} is not a number)" if port and not port.group(1).isdigit() else ""
        raise DatabaseError(f"not a database URL{why}: {redact(os.fspath(url))}")
    options: dict[str, Any] = {"pool_pre_ping": backend.pings_connections(parsed), "future": True,
                               **backend.engine_options(parsed)}
    options.update(kwargs)
    try:
        engine = create_engine(parsed, **options)
    except NoSuchModuleError as exc:
        raise DatabaseError(f"no driver for {parsed.drivername!r}: install it or use another URL") from exc
    except ModuleNotFoundError as exc:
        raise DatabaseError(f"the database driver is not installed: {exc.name}") from exc
    backend.configure_engine(engine, writable=wal)
    return engine


#: Where a PostgreSQL password goes, shown with the error that asks for one.
_PG_URL_WITH_PASSWORD = "postgresql://user:password@host/db"
#: libpq's 'password authentication failed for user "ann"'.
_PG_QUOTED_USER = re.compile(r'for user "([^"]*)"')
#: libpq's 'FATAL:  database "shop" does not exist' and 'FATAL:  role "bob" does not exist'.
_PG_MISSING = re.compile(r'FATAL:\s+(database|role) "([^"]*)" does not exist')


def _without_driver_prefix(message: str) -> str:
    """psycopg's 'connection failed: ' or 'connection is bad: ' before libpq's own words."""
    return re.sub(r"^connection (failed|is bad): ", "", message)


def describe_error(exc: BaseException) -> str:
    """A one-line explanation of a driver error, without SQL or traceback."""
    if isinstance(exc, DatabaseError | SchemaError):
        return str(exc)
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).strip().splitlines()]
    message = lines[0] if lines and lines[0] else type(original).__name__
    low = message.lower()
    if "fe_sendauth: no password supplied" in low:
        # libpq's words alone ("fe_sendauth: no password supplied") did not say where a password goes.
        return ("the PostgreSQL server asks for a password and none was given: put it in the URL "
                f"({_PG_URL_WITH_PASSWORD}) or in the PGPASSWORD variable or ~/.pgpass")
    if "password authentication failed" in low:
        user = _PG_QUOTED_USER.search(message)
        who = f" (user {user.group(1)!r})" if user else ""
        return (f"wrong user name or password for the PostgreSQL server{who}: check the password in the URL "
                f"({_PG_URL_WITH_PASSWORD}), in PGPASSWORD or in ~/.pgpass")
    missing = _PG_MISSING.search(message)
    if missing:
        what, name = missing.groups()
        if what == "role":
            return f"the PostgreSQL server has no user {name!r}: check the user name in the URL"
        return (f"the PostgreSQL server has no database {name!r}: create it (createdb {name}, or CREATE DATABASE "
                "as a user allowed to) or correct the database name at the end of the URL; Tracklens creates "
                "its tables, not the database")
    if "authentication_failed" in low or "authentication failed" in low or "password is incorrect" in low:
        return "wrong user name or password for the ClickHouse server"
    if any(marker in low for marker in ("could not translate host name", "name or service not known",
                                         "nodename nor servname", "temporary failure in name resolution",
                                         "getaddrinfo failed", "no address associated with hostname")):
        return f"cannot reach the database server: its host name is unknown (DNS) ({message})"
    if "file is not a database" in low or "file is encrypted" in low:
        return "this file is not a SQLite database"
    if ("connection refused" in low or "could not connect" in low or "timeout expired" in low
            or "connection to server on socket" in low):
        # libpq's next line asks the question that helps ("Is the server running on that host and
        # accepting TCP/IP connections?"); the first line alone only said it failed.
        hint = next((f"; {line[0].lower()}{line[1:]}" for line in lines[1:2] if line.startswith("Is the server")),
                    "")
        return f"cannot reach the database server ({_without_driver_prefix(message)}){hint}"
    if "does not exist" in low and "database" in low:
        return f"the database does not exist ({message})"
    if "unable to open database file" in low:
        return "cannot open the SQLite file (check the path and permissions)"
    return message


def open_database(url: str | os.PathLike[str], *, create: bool = True, require_tracklens: bool = False,
                  before_upgrade: Callable[[int], None] | None = None, **kwargs: Any) -> Engine:
    """Connect, check (or create) the Tracklens schema, and return the Engine.

    `create=False` opens for reading: nothing is created or migrated and a SQLite file's
    journal mode is left alone. An existing SQLite file is inspected read-only first, so
    another application's file is refused ("PATH is not a Tracklens database") before any
    connection could change it. `require_tracklens`: also refuse a missing or empty
    database (`tracklens query`). `before_upgrade(found_version)`: called before an older
    schema is migrated. Raises DatabaseError with a one-line reason on any failure.
    """
    engine = create_db_engine(url, wal=create, **kwargs)  # no connection yet
    normalized = normalize_url(url)
    backend = backend_for(engine)
    try:
        backend.check_before_open(make_url(normalized), require_tracklens=require_tracklens,
                                  meta_table=meta.name, tables=frozenset(metadata.tables))
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            found = schema_version(conn) if require_tracklens or not create else None
            if require_tracklens and found is None:
                where = backend.describe_location(make_url(normalized))
                if not inspect(conn).get_table_names():
                    raise NoTracklensDatabase(f"no Tracklens database at {where} (the database is empty)")
                raise DatabaseError(f"{where} is not a Tracklens database")
            if not create and found is not None:
                note_opened_at(engine, found)
        if create:
            ensure_schema(engine, before_upgrade=before_upgrade)
    except (OperationalError, DBAPIError, SchemaError) as exc:
        engine.dispose()
        raise DatabaseError(describe_error(exc)) from exc
    except DatabaseError:
        engine.dispose()
        raise
    return engine


def is_disconnect(exc: BaseException) -> bool:
    """True when an error means the connection was lost and a retry may succeed."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    text_ = str(getattr(exc, "orig", exc)).lower()
    return any(
        marker in text_
        for marker in (
            "server closed the connection",
            "connection refused",
            "terminating connection",
            "could not connect",
            "connection is closed",
            "database is locked",
            "the database system is shutting down",
            "the database system is starting up",
        )
    )
