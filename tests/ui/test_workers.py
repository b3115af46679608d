"""Queries run off the GUI thread: superseded results are dropped, slow ones never freeze the window."""

from __future__ import annotations

import threading
import time
from typing import Any

from PySide6.QtCore import QElapsedTimer, QThread, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import text

from app.core.database import DatabaseError, open_database
from app.ui.errors import classify_error
from app.ui.workers import QueryChannel, SimpleToken, WorkerPool


class GapMeter:
    """Measures the longest pause between ticks of a 5 ms timer on the GUI thread."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.longest_ms = 0
        self.ticks = 0

    def start(self) -> None:
        self.clock.start()
        self.timer.start()

    def _tick(self) -> None:
        self.longest_ms = max(self.longest_ms, self.clock.restart())
        self.ticks += 1

    def stop(self) -> None:
        self.timer.stop()


def test_newer_request_supersedes_older(qtbot: Any) -> None:
    pool = WorkerPool(max_threads=2)
    channel = QueryChannel(pool, token_factory=SimpleToken)
    release = threading.Event()
    seen_cancel: list[bool] = []
    results: list[Any] = []
    channel.result.connect(results.append)

    def slow(token: SimpleToken) -> str:
        release.wait(10)
        seen_cancel.append(token.cancelled)
        return "old"

    channel.submit(slow)
    with qtbot.waitSignal(channel.result, timeout=5000):
        channel.submit(lambda _t: "new")
    release.set()
    qtbot.waitUntil(lambda: seen_cancel == [True], timeout=5000)
    # The old job finished after the new one: its result must never reach the panel.
    QApplication.processEvents()
    assert results == ["new"]
    assert not channel.busy
    pool.close()


def test_results_arrive_on_the_gui_thread(qtbot: Any) -> None:
    pool = WorkerPool(max_threads=1)
    channel = QueryChannel(pool, token_factory=SimpleToken)
    worker_threads: list[Any] = []
    delivered: list[Any] = []
    channel.result.connect(lambda _r: delivered.append(QThread.currentThread()))

    def job(_token: Any) -> int:
        worker_threads.append(QThread.currentThread())
        return 1

    with qtbot.waitSignal(channel.result, timeout=5000):
        channel.submit(job)
    assert worker_threads[0] is not QApplication.instance().thread()
    assert delivered == [QApplication.instance().thread()]
    pool.close()


def test_slow_sql_does_not_block_the_event_loop(qtbot: Any, sqlite_url: str) -> None:
    """A recursive CTE keeps SQLite busy for a while; the GUI thread keeps ticking meanwhile."""
    engine = open_database(sqlite_url)
    pool = WorkerPool(max_threads=1)
    channel = QueryChannel(pool, token_factory=SimpleToken)
    durations: list[float] = []

    def slow_query(_token: Any) -> int:
        started = time.perf_counter()
        with engine.connect() as conn:
            value = conn.execute(
                text(
                    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) "
                    "SELECT count(*) FROM c"
                )
            ).scalar_one()
        durations.append(time.perf_counter() - started)
        return int(value)

    meter = GapMeter()
    meter.start()
    with qtbot.waitSignal(channel.result, timeout=60_000) as blocker:
        channel.submit(slow_query)
    meter.stop()
    assert blocker.args == [3000000]
    # Had the query run on the GUI thread, one gap would be as long as the whole query.
    assert meter.longest_ms < durations[0] * 1000 / 2, (meter.longest_ms, durations)
    assert meter.ticks > 10
    pool.close()
    engine.dispose()


def test_cancel_interrupts_a_running_statement(qtbot: Any, sqlite_url: str) -> None:
    """Cancel reaches the database: a statement that would run for minutes stops at once."""
    from app.query import CancelToken, QueryCancelled

    engine = open_database(sqlite_url)
    pool = WorkerPool(max_threads=1)
    channel = QueryChannel(pool)  # the engine's CancelToken
    started = threading.Event()
    outcome: list[str] = []

    def endless(token: CancelToken) -> int:
        with engine.connect() as conn:
            driver = conn.connection.driver_connection
            token._attach(driver.interrupt)
            started.set()
            try:
                return int(
                    conn.execute(
                        text("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c")
                    ).scalar_one()
                )
            except Exception:
                outcome.append("interrupted")
                raise QueryCancelled("cancelled") from None
            finally:
                token._detach()

    channel.submit(endless)
    qtbot.waitUntil(started.is_set, timeout=5000)
    with qtbot.waitSignal(channel.cancelled, timeout=5000):
        channel.cancel()
    assert pool.close(10_000), "the worker did not stop"
    assert outcome == ["interrupted"]
    engine.dispose()


def test_lost_connection_is_retried_with_backoff_until_it_recovers(qtbot: Any) -> None:
    pool = WorkerPool(max_threads=1)
    channel = QueryChannel(pool, token_factory=SimpleToken)
    channel.backoff = (0.05, 0.1)
    attempts: list[int] = []
    waits: list[float] = []
    channel.reconnecting.connect(waits.append)

    def flaky(_token: Any) -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise DatabaseError("cannot reach the database server (connection refused)")
        return "back"

    with qtbot.waitSignal(channel.result, timeout=5000) as blocker:
        channel.submit(flaky)
    assert blocker.args == ["back"]
    assert waits == [0.05, 0.1]
    assert len(attempts) == 3
    pool.close()


def test_errors_become_one_line_messages() -> None:
    from app.query import QueryCancelled, QueryError

    assert classify_error(QueryCancelled("x")).cancelled
    info = classify_error(QueryError("where[0].op must be one of eq, neq"))
    assert info.message == "where[0].op must be one of eq, neq" and not info.transient
    assert classify_error(DatabaseError("cannot reach the database server (timeout expired)")).transient
    assert not classify_error(DatabaseError("this file is not a SQLite database")).transient
    odd = classify_error(RuntimeError("first line\nsecond line"))
    assert odd.message == "RuntimeError: first line"
