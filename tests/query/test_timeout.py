"""A query's time limit (`run_query(..., timeout=N)`): stopped in the database, reported as
"took longer than N s", the pool still healthy; PostgreSQL also sets statement_timeout."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, Executable, text

from app.core.database import DatabaseError, open_database
from app.query import QueryCancelled, QueryTimeout, run_query
from app.query.model import Query, query_model
from app.query.runner import QueryRunner, register_runner
from tests.query.test_cancel import SlowRunner  # noqa: F401 - registers the "test_slow" kind


@query_model("test_setting")
@dataclass(frozen=True)
class SettingQuery(Query):
    """PostgreSQL's statement_timeout as the query's statements see it (test only)."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SettingQuery:
        return cls()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind}


@register_runner
class SettingRunner(QueryRunner):
    query_class = SettingQuery

    def to_query(self) -> Executable:
        return text("SELECT current_setting('statement_timeout')")

    def calculate(self, conn: Connection) -> dict[str, Any]:
        return {"value": self.execute(conn, self.to_query()).scalar()}


def test_a_slow_query_is_stopped_at_its_time_limit(engine: Engine) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeout) as caught:
        run_query(engine, {"kind": "test_slow"}, timeout=0.5)
    assert time.monotonic() - started < 20
    assert str(caught.value).startswith("the query took longer than 0.5 s")
    assert isinstance(caught.value, DatabaseError) and not isinstance(caught.value, QueryCancelled)
    # the engine (and its pool) still answer
    assert run_query(engine, {"kind": "live"}, timeout=5)["events"] == []


def test_no_limit_by_default_and_fast_queries_pass(engine: Engine) -> None:
    assert run_query(engine, {"kind": "live"}, timeout=30)["max_id"] == 0
    assert run_query(engine, {"kind": "live"})["max_id"] == 0


@pytest.fixture
def pg_engine(pg_server: Any) -> Iterator[Engine]:
    eng = open_database(pg_server.create_database())
    yield eng
    eng.dispose()


@pytest.mark.postgres
def test_postgresql_runs_each_statement_under_statement_timeout(pg_engine: Engine) -> None:
    engine = pg_engine
    assert run_query(engine, {"kind": "test_setting"}, timeout=2.5)["value"] == "2500ms"
    # local to the query's transaction: the pooled connection comes back without it
    assert run_query(engine, {"kind": "test_setting"})["value"] == "0"


@pytest.mark.postgres
def test_postgresql_server_side_timeout_is_a_timeout(pg_engine: Engine) -> None:
    """Even when the server's statement_timeout fires before the client's timer."""
    engine = pg_engine
    from app.core.backends import backend_for
    from app.query.runner import Deadline

    backend = backend_for(engine)
    with engine.connect() as conn:
        backend.set_statement_timeout(conn, 0.2)
        with pytest.raises(Exception) as caught:
            conn.execute(text("SELECT pg_sleep(5)"))
    assert backend.is_statement_timeout(caught.value)
    assert not backend.is_statement_timeout(RuntimeError("canceling statement due to user request"))
    with pytest.raises(QueryTimeout):
        Deadline(0.2, None, backend).raise_if_expired(caught.value)  # type: ignore[arg-type]
