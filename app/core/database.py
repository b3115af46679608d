"""Opening an event database by SQLAlchemy URL, with one-line errors instead of tracebacks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from app.core.schema import SchemaError, ensure_schema


class DatabaseError(Exception):
    """A database could not be opened or used; the message is one line meant for a person."""


def normalize_url(url: str | os.PathLike[str]) -> str:
    """Accept a SQLAlchemy URL or a bare file path (taken as a SQLite file)."""
    raw = os.fspath(url).strip()
    if "://" not in raw:
        return "sqlite:///" + str(Path(raw).expanduser().resolve())
    if raw.startswith("postgresql://") or raw.startswith("postgres://"):
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        raw = "postgresql+psycopg://" + raw.split("://", 1)[1]
    return raw


def redact(url: str) -> str:
    """The URL with its password hidden, for status bars and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the simulator or collector write while the app reads.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def create_db_engine(url: str | os.PathLike[str], **kwargs: Any) -> Engine:
    """An Engine for the URL, configured for Tracklens (no schema check)."""
    normalized = normalize_url(url)
    try:
        parsed: URL = make_url(normalized)
    except ArgumentError as exc:
        raise DatabaseError(f"not a database URL: {url!s}") from exc
    options: dict[str, Any] = {"pool_pre_ping": True, "future": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            folder = Path(database).expanduser().parent
            if not folder.exists():
                raise DatabaseError(f"folder does not exist: {folder}")
        options["connect_args"] = {"timeout": 30, "check_same_thread": False}
    elif parsed.get_backend_name() == "postgresql":
        # psycopg prepares a statement after 5 runs and PostgreSQL then may switch to a generic
        # plan: for the writer's `message_id IN (900 params)` duplicate check that plan scanned the
        # whole events table (2.5-3.2 s per chunk at ~100k rows, collector p99 9 s). Custom plans
        # per execution keep the index (p99 1.7 s in the same run), for the query engine's bound
        # filter values too.
        # JIT compilation spent 0.3 s of a 2 s funnel at 10M events (0.14 s of a breakdown):
        # interactive questions of a few seconds do not pay it back.
        options["connect_args"] = {"connect_timeout": 10,
                                   "options": "-c plan_cache_mode=force_custom_plan -c jit=off"}
        options["pool_size"] = 5
        options["max_overflow"] = 10
    options.update(kwargs)
    try:
        engine = create_engine(parsed, **options)
    except NoSuchModuleError as exc:
        raise DatabaseError(f"no driver for {parsed.drivername!r}: install it or use another URL") from exc
    except ModuleNotFoundError as exc:
        raise DatabaseError(f"the database driver is not installed: {exc.name}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def describe_error(exc: BaseException) -> str:
    """A one-line explanation of a driver error, without SQL or traceback."""
    if isinstance(exc, DatabaseError | SchemaError):
        return str(exc)
    original = getattr(exc, "orig", None) or exc
    message = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    low = message.lower()
    if "password authentication failed" in low:
        return "wrong user name or password for the PostgreSQL server"
    if "file is not a database" in low or "file is encrypted" in low:
        return "this file is not a SQLite database"
    if "connection refused" in low or "could not connect" in low or "timeout expired" in low:
        return f"cannot reach the database server ({message})"
    if "does not exist" in low and "database" in low:
        return f"the database does not exist ({message})"
    if "unable to open database file" in low:
        return "cannot open the SQLite file (check the path and permissions)"
    return message


def open_database(url: str | os.PathLike[str], *, create: bool = True, **kwargs: Any) -> Engine:
    """Connect, check (or create) the Tracklens schema, and return the Engine.

    Raises DatabaseError with a one-line reason on any failure.
    """
    engine = create_db_engine(url, **kwargs)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        if create:
            ensure_schema(engine)
    except (OperationalError, DBAPIError, SchemaError) as exc:
        engine.dispose()
        raise DatabaseError(describe_error(exc)) from exc
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
