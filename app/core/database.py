"""Opening an event database by SQLAlchemy URL, with one-line errors instead of tracebacks."""

from __future__ import annotations

import functools
import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from app.core.schema import SchemaError, ensure_schema, meta, metadata, schema_version


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


def _sqlite_pragmas(dbapi_conn: Any, _record: Any, *, wal: bool = True) -> None:
    cur = dbapi_conn.cursor()
    if wal:
        # WAL lets the simulator or collector write while the app reads. It is a change to the
        # file (its header), so engines that only read leave the journal mode as it is.
        cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def create_db_engine(url: str | os.PathLike[str], *, wal: bool = True, **kwargs: Any) -> Engine:
    """An Engine for the URL, configured for Tracklens (no schema check). `wal=False`: leave a
    SQLite file's journal mode alone (readers)."""
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
        event.listen(engine, "connect", functools.partial(_sqlite_pragmas, wal=wal))
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


def open_database(url: str | os.PathLike[str], *, create: bool = True, require_tracklens: bool = False,
                  **kwargs: Any) -> Engine:
    """Connect, check (or create) the Tracklens schema, and return the Engine.

    `create=False` opens for reading: nothing is created or migrated and a SQLite file's
    journal mode is left alone. An existing SQLite file is inspected read-only first, so
    another application's file is refused ("PATH is not a Tracklens database") before any
    connection could change it. `require_tracklens`: also refuse a missing or empty
    database (`tracklens query`). Raises DatabaseError with a one-line reason on any failure.
    """
    engine = create_db_engine(url, wal=create, **kwargs)  # no connection yet
    normalized = normalize_url(url)
    path = _sqlite_file(normalized)
    try:
        if path is not None:
            _check_sqlite_file(path, require_tracklens=require_tracklens)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            if require_tracklens and schema_version(conn) is None:
                raise DatabaseError(f"{path or redact(normalized)} is not a Tracklens database")
        if create:
            ensure_schema(engine)
    except (OperationalError, DBAPIError, SchemaError) as exc:
        engine.dispose()
        raise DatabaseError(describe_error(exc)) from exc
    except DatabaseError:
        engine.dispose()
        raise
    return engine


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None: another database, or in memory)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    if parsed.database.startswith("file:"):
        return None  # a URI filename: the caller chose its own open mode
    return Path(parsed.database).expanduser()


#: The first 16 bytes of every SQLite database file.
SQLITE_HEADER = b"SQLite format 3\x00"


def _check_sqlite_file(path: Path, *, require_tracklens: bool) -> None:
    """Refuse a SQLite file that holds another application's tables, reading it only.

    A missing or empty file is a new database (refused only with `require_tracklens`).
    """
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
    except FileNotFoundError:
        if require_tracklens:
            raise DatabaseError(f"{path} does not exist") from None
        return
    except OSError as exc:
        raise DatabaseError(f"cannot read {path} ({exc.strerror or exc})") from None
    if not header:
        if require_tracklens:
            raise DatabaseError(f"{path} is empty, not a Tracklens database")
        return
    if not header.startswith(SQLITE_HEADER):
        raise DatabaseError(f"{path} is not a SQLite database")
    tables = _sqlite_tables(path, wal=len(header) > 18 and header[18] == 2)
    if meta.name in tables:
        return
    foreign = sorted(t for t in tables if t not in metadata.tables and not t.startswith("sqlite_"))
    known = [t for t in tables if t in metadata.tables]
    if (foreign and not known) or require_tracklens:
        others = f" (it has other tables: {', '.join(foreign[:5])})" if foreign else ""
        raise DatabaseError(f"{path} is not a Tracklens database{others}")


def _sqlite_tables(path: Path, *, wal: bool) -> list[str]:
    """The table names of a SQLite file, opened read-only. A WAL-mode file without a `-wal`
    file has everything in the main file: it is opened `immutable`, which creates no `-shm`
    or `-wal` next to another application's file."""
    from urllib.parse import quote

    immutable = wal and not Path(f"{path}-wal").exists()
    uri = f"file:{quote(str(path.resolve()))}?mode=ro" + ("&immutable=1" if immutable else "")
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=30)
        try:
            return [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        message = str(exc).lower()
        if "not a database" in message or "encrypted" in message or "malformed" in message:
            raise DatabaseError(f"{path} is not a SQLite database") from None
        raise DatabaseError(f"cannot read {path} ({exc})") from None


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
