"""Whether the pool tests a connection before handing it out is the backend's decision: a
server's connection can drop while idle and the test (`SELECT 1`) replaces it before the query;
an in-process database (a SQLite file, an embedded chDB folder) has nothing to drop, and there the
test was one more statement per query (milliseconds each on chDB)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, make_url, text

from app.core.backends import backend_for_url
from app.core.database import create_db_engine, open_database
from tests.conftest import chdb_url
from tests.support.postgres import PostgresServer

QUERY = "SELECT count(*) FROM events"


def _sqlite_statements(engine: Engine) -> list[str]:
    """Every statement SQLite runs on the engine's connections from now on (its trace hook sees
    the pool's own statements too)."""
    seen: list[str] = []
    engine.dispose()  # connections made from now on get the hook

    @event.listens_for(engine, "connect")
    def _trace(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.set_trace_callback(seen.append)

    return seen


@pytest.fixture
def chdb_statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement clickhouse-connect's DB-API cursors send, the pool's own included."""
    from clickhouse_connect.dbapi.cursor import Cursor

    seen: list[str] = []
    original = Cursor.execute

    def recording(self: Cursor, operation: str, *args: Any, **kwargs: Any) -> None:
        seen.append(operation)
        original(self, operation, *args, **kwargs)

    monkeypatch.setattr(Cursor, "execute", recording)
    yield seen


def _run_queries(engine: Engine, times: int) -> None:
    for _ in range(times):
        with engine.connect() as conn:  # each query checks a connection out of the pool
            conn.execute(text(QUERY)).scalar_one()


def test_a_sqlite_file_gets_no_extra_statement_before_each_query(sqlite_url: str) -> None:
    engine = open_database(sqlite_url)
    try:
        seen = _sqlite_statements(engine)
        _run_queries(engine, 1)  # connects: the connection's pragmas run once
        seen.clear()
        _run_queries(engine, 3)
        assert seen == [QUERY] * 3
    finally:
        engine.dispose()


def test_an_embedded_chdb_folder_gets_no_extra_statement_before_each_query(
        chdb_folder: Path, chdb_statements: list[str]) -> None:
    engine = open_database(chdb_url(chdb_folder))
    try:
        _run_queries(engine, 1)
        chdb_statements.clear()
        _run_queries(engine, 3)
        assert chdb_statements == [QUERY] * 3
    finally:
        engine.dispose()


@pytest.mark.parametrize("url", ["postgresql://me@db.example/events", "clickhousedb://me@ch.example:8123/events"])
def test_a_database_server_connection_is_tested_before_each_use(url: str) -> None:
    backend = backend_for_url(url)
    assert backend.pings_connections(make_url(backend.normalize_url(url)))
    engine = create_db_engine(url)  # no connection is made here
    try:
        assert engine.pool._pre_ping  # type: ignore[attr-defined]
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_postgresql_connection_dropped_while_idle_is_replaced_before_the_next_query(
        pg_server: PostgresServer) -> None:
    engine = open_database(pg_server.create_database())
    engine.dispose()  # from here on, the pool holds one connection
    try:
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        # The server ends the idle pooled connection (a restart, an idle timeout, a proxy).
        killer = create_db_engine(pg_server.url())
        with killer.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
        killer.dispose()
        with engine.connect() as conn:
            assert conn.execute(text(QUERY)).scalar_one() == 0
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        engine.dispose()
