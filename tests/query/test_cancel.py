"""Cancelling a running query from another thread (the GUI's Stop button)."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, Executable, text

from app.query import CancelToken, QueryCancelled, run_query
from app.query.model import Query, query_model
from app.query.runner import QueryRunner, register_runner


@query_model("test_slow")
@dataclass(frozen=True)
class SlowQuery(Query):
    """A statement that runs for many seconds unless interrupted (test only)."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SlowQuery:
        return cls()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind}


@register_runner
class SlowRunner(QueryRunner):
    query_class = SlowQuery
    started = threading.Event()

    def to_query(self) -> Executable:
        if self.dialect.name == "postgresql":
            return text("SELECT pg_sleep(60)")
        if not self.backend.correlated_subqueries:
            # ClickHouse: its recursive CTE stops at depth 1000 (0.46 s on a quiet machine, under
            # the timeout test's 0.5 s), and chDB cannot interrupt a statement (it finishes
            # unread): a bounded one, ~3 s quiet, well under the tests' 20 s loaded.
            return text("SELECT sum(sipHash64(number)) FROM numbers(200000000)")
        return text("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) "
                    "SELECT count(*) FROM c")

    def calculate(self, conn: Connection) -> dict[str, Any]:
        SlowRunner.started.set()
        marker = os.environ.get("TRACKLENS_TEST_SLOW_STARTED")
        if marker:  # another process waits for the statement to start (test_query_signals)
            Path(marker).write_text("started", encoding="utf-8")
        return {"rows": self.execute(conn, self.to_query()).scalar()}


def test_cancel_interrupts_the_running_statement(engine: Engine) -> None:
    token = CancelToken()
    outcome: list[BaseException | dict[str, Any]] = []

    def work() -> None:
        try:
            outcome.append(run_query(engine, {"kind": "test_slow"}, cancel=token))
        except BaseException as exc:
            outcome.append(exc)

    SlowRunner.started.clear()
    worker = threading.Thread(target=work)
    worker.start()
    assert SlowRunner.started.wait(30)
    threading.Event().wait(0.3)  # let the statement start running in the database
    token.cancel()
    worker.join(45)
    assert not worker.is_alive(), "the statement kept running after cancel()"
    assert len(outcome) == 1 and isinstance(outcome[0], QueryCancelled)
    # the engine (and its pool) still answer the next query
    assert run_query(engine, {"kind": "live"}) == {"events": [], "max_id": 0, "after_id": 0, "more": False,
                                                   "people": {}}


def test_a_cancelled_token_stops_before_the_database_is_asked(engine: Engine) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(QueryCancelled):
        run_query(engine, {"kind": "test_slow"}, cancel=token)
