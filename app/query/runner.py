"""One runner class per query kind, picked by `kind`, and `run_query`, the engine's front door.

A runner turns its typed query into SQLAlchemy Core (`to_query()`) and computes the JSON
result (`calculate()`), letting the database aggregate. `run_query` owns the connection, maps
driver errors to one-line DatabaseErrors and lets another thread cancel the running
statement through a CancelToken (the GUI's "Stop" button, or a newer query superseding it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from sqlalchemy import Connection, Engine, Executable, Result
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

from app.core.backends import Backend, backend_for
from app.core.database import DatabaseError, describe_error
from app.core.materialized import ACTIVE as MATERIALIZED
from app.core.materialized import held_or_broken_down, in_use
from app.query.errors import QueryTimeout
from app.query.model import KINDS, Query, QueryError, _load_kind, parse_query


class QueryCancelled(Exception):
    """The query was cancelled through its CancelToken before it finished."""


class CancelToken:
    """Cancels a running query from any thread.

    `cancel()` marks the token and interrupts the statement in flight (sqlite3's
    `Connection.interrupt()`, psycopg's `Connection.cancel()`); the runner checks the mark
    between statements, so a cancel that lands between two statements stops the next one.
    A token is single-use: once cancelled it stays cancelled.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._hook: Callable[[], None] | None = None

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            hook = self._hook
            # Calling the hook under the lock keeps it from firing after `_detach`, when the
            # connection may already be serving someone else's statement.
            if hook is not None:
                with contextlib.suppress(Exception):  # a closed connection: nothing to interrupt
                    hook()

    def raise_if_cancelled(self) -> None:
        if self._cancelled:
            raise QueryCancelled("the query was cancelled")

    def _attach(self, hook: Callable[[], None]) -> None:
        with self._lock:
            self._hook = hook

    def _detach(self) -> None:
        with self._lock:
            self._hook = None


class QueryRunner:
    """Base of the per-kind runners.

    Subclasses set `query_class`, build their main statement in `to_query()` and their
    result in `calculate(conn)`, running every statement through `self.execute` so that
    cancellation works. `statements()` lists every statement a run may issue, for the SQL
    snapshot tests.
    """

    kind: ClassVar[str]
    query_class: ClassVar[type[Query]]

    def __init__(self, query: Query, dialect: Dialect, *, now: dt.datetime | None = None,
                 cancel: CancelToken | None = None) -> None:
        if not isinstance(query, self.query_class):
            raise TypeError(f"{type(self).__name__} runs {self.query_class.__name__}, not {type(query).__name__}")
        self.query = query
        self.dialect = dialect
        self.backend = backend_for(dialect)
        self.now = now if now is not None else dt.datetime.now(dt.UTC)
        if self.now.tzinfo is None:
            self.now = self.now.replace(tzinfo=dt.UTC)
        self.cancel = cancel or CancelToken()
        #: when a list: every statement run, with its parameters (app.query.explain)
        self.record: list[tuple[Executable, Mapping[str, Any] | None]] | None = None

    def to_query(self) -> Executable:
        raise NotImplementedError

    def statements(self) -> list[Executable]:
        return [self.to_query()]

    def calculate(self, conn: Connection) -> dict[str, Any]:
        raise NotImplementedError

    def execute(self, conn: Connection, statement: Executable,
                params: Mapping[str, Any] | None = None) -> Result[Any]:
        self.cancel.raise_if_cancelled()
        if self.record is not None:
            self.record.append((statement, params))
        result = conn.execute(statement, params)
        self.cancel.raise_if_cancelled()
        return result


#: Callables `(engine, spec) -> spec` that `run_query` applies before parsing, for parts of a
#: query only the database can resolve (app.query.cohorts inlines dynamic cohort definitions).
SPEC_PREPARERS: list[Callable[[Engine, Any], Any]] = []

#: kind -> runner class; filled by `@register_runner` as runner modules are imported.
RUNNERS: dict[str, type[QueryRunner]] = {}

R = TypeVar("R", bound=type[QueryRunner])


def register_runner(cls: R) -> R:
    """Class decorator: make `cls` the runner of `cls.query_class.kind`."""
    cls.kind = cls.query_class.kind
    RUNNERS[cls.kind] = cls
    return cls


def get_runner(kind: str) -> type[QueryRunner]:
    """The runner class for a kind (imports app.query.runners.<kind> on first use)."""
    if kind not in RUNNERS:
        _load_kind(kind)
    if kind not in RUNNERS:
        raise QueryError(f"query kind {kind!r} has no runner in this build (known: {', '.join(KINDS)})")
    return RUNNERS[kind]


def build_runner(spec: Mapping[str, Any] | Query, dialect: Dialect, *, now: dt.datetime | None = None,
                 cancel: CancelToken | None = None) -> QueryRunner:
    """Parse a spec and make its runner (for callers that want `to_query()` or SQL text)."""
    query = parse_query(spec)
    return get_runner(query.kind)(query, dialect, now=now, cancel=cancel)


def run_query(engine: Engine, spec: Mapping[str, Any] | Query, *, cancel: CancelToken | None = None,
              now: dt.datetime | None = None, timeout: float | None = None,
              record: list[tuple[Executable, Mapping[str, Any] | None]] | None = None) -> dict[str, Any]:
    """Run one query and return its JSON-able result.

    Raises QueryError (bad spec, one line; QueryTooLarge past the documented limits, before
    any SQL runs), QueryCancelled (the token was cancelled), QueryTimeout (it ran longer than
    `timeout` seconds: the statement is interrupted, and on PostgreSQL each statement also
    runs under `statement_timeout`) or DatabaseError (one-line driver error). `now` pins
    "today" for relative ranges (tests). `record`, a list, receives every statement run with
    its parameters (app.query.explain shows them).
    """
    token = cancel or CancelToken()
    if not isinstance(spec, Query):
        parse_query(spec)  # every bound is checked before the preparers read the database
    for prepare in SPEC_PREPARERS:
        spec = prepare(engine, spec)
    runner = build_runner(spec, engine.dialect, now=now, cancel=token)  # every limit checked, no SQL yet
    columns: Mapping[str, str] = {}
    if held_or_broken_down(spec):
        try:
            with engine.connect() as conn:
                columns = in_use(conn)
        except DBAPIError as exc:
            raise DatabaseError(describe_error(exc)) from exc
    if not columns:
        return _run(engine, runner, token, timeout, record)
    reset = MATERIALIZED.set(columns)  # for every statement built, also while calculating
    try:
        return _run(engine, build_runner(spec, engine.dialect, now=now, cancel=token), token, timeout, record)
    finally:
        MATERIALIZED.reset(reset)


def _run(engine: Engine, runner: QueryRunner, token: CancelToken, timeout: float | None,
         record: list[tuple[Executable, Mapping[str, Any] | None]] | None) -> dict[str, Any]:
    runner.record = record
    token.raise_if_cancelled()
    backend = backend_for(engine)
    deadline = Deadline(timeout, token, backend)
    try:
        with engine.connect() as conn:
            driver = conn.connection.driver_connection
            token._attach(lambda: backend.interrupt(driver))
            try:
                if timeout is not None:
                    backend.set_statement_timeout(conn, timeout)
                deadline.start()
                return runner.calculate(conn)
            except QueryCancelled:
                deadline.raise_if_expired()
                raise
            except DBAPIError as exc:
                deadline.raise_if_expired(exc)
                if token.cancelled or backend.is_interruption(exc):
                    raise QueryCancelled("the query was cancelled") from None
                raise
            finally:
                deadline.stop()
                token._detach()
                if token.cancelled:
                    # A cancel request may still be in flight to the server: never hand this
                    # connection to the next query.
                    conn.invalidate()
    except DBAPIError as exc:
        raise DatabaseError(describe_error(exc)) from exc


class Deadline:
    """Cancels a query's token when its time is up (the same interrupt as the Stop button), and
    turns the resulting cancellation into a QueryTimeout."""

    def __init__(self, seconds: float | None, token: CancelToken, backend: Backend) -> None:
        self.seconds = seconds
        self.token = token
        self.backend = backend
        self.expired = False
        self._timer: threading.Timer | None = None

    def start(self) -> None:
        if self.seconds is not None:
            self._timer = threading.Timer(self.seconds, self._expire)
            self._timer.daemon = True
            self._timer.start()

    def _expire(self) -> None:
        self.expired = True
        self.token.cancel()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def raise_if_expired(self, exc: BaseException | None = None) -> None:
        if self.seconds is not None and (self.expired or (exc is not None and self.backend.is_statement_timeout(exc))):
            raise QueryTimeout(self.seconds) from None
