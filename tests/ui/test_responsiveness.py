"""A slow database never freezes the window; long queries show a busy strip and can be cancelled."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import Engine, event

from app.ui.widgets.state_bar import StateBar
from tests.ui.conftest import wait_idle
from tests.ui.test_workers import GapMeter


@pytest.fixture
def slow_sqlite() -> Iterator[dict[str, float]]:
    """Every new SQLite connection sleeps 4 ms per 100 VM steps: each query takes seconds.

    Long enough that the gap bound below (half the query's time) leaves room for a shared,
    loaded machine's scheduling pauses, which are not the app's.
    """
    knob = {"sleep": 0.004}

    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        if hasattr(dbapi_conn, "set_progress_handler"):
            dbapi_conn.set_progress_handler(lambda: time.sleep(knob["sleep"]) or 0, 100)

    event.listen(Engine, "connect", on_connect)
    yield knob
    event.remove(Engine, "connect", on_connect)


def wait_connected(qtbot: Any, window: Any) -> None:
    """Until the window has opened the database. Opening runs its own statements on the slowed
    connection: ~12 s on a busy shared machine, ~24 s with two more processes spinning, so the
    bound is as generous as the query waits below (the app's speed is measured in benchmarks)."""
    qtbot.waitUntil(lambda: window.connection is not None, timeout=120_000)


def test_slow_query_keeps_the_event_loop_running(make_window: Any, filled_db: Any, qtbot: Any, slow_sqlite: Any) -> None:
    url, _engine = filled_db
    window = make_window(url, wait=False)
    wait_connected(qtbot, window)
    seg = window.panels["segmentation"]
    wait_idle(qtbot, seg, timeout=120_000)
    meter = GapMeter()
    started = time.perf_counter()
    meter.start()
    with qtbot.waitSignal(seg.query_finished, timeout=120_000):
        seg.refresh()
        qtbot.waitUntil(lambda: seg.state_bar.state == StateBar.BUSY, timeout=10_000)
        assert seg.state_bar.cancel_button.isVisible()
    meter.stop()
    elapsed_ms = (time.perf_counter() - started) * 1000
    assert elapsed_ms > 300, f"the slowed query should take a while, took {elapsed_ms:.0f} ms"
    assert meter.longest_ms < elapsed_ms / 2, (meter.longest_ms, elapsed_ms)
    assert seg.state_bar.state == StateBar.IDLE


def test_cancel_button_stops_a_long_query(make_window: Any, filled_db: Any, qtbot: Any, slow_sqlite: Any) -> None:
    url, _engine = filled_db
    window = make_window(url, wait=False)
    wait_connected(qtbot, window)
    seg = window.panels["segmentation"]
    wait_idle(qtbot, seg, timeout=120_000)
    slow_sqlite["sleep"] = 0.02  # now far slower: minutes unless cancelled
    finished: list[bool] = []
    seg.query_finished.connect(finished.append)
    seg.refresh()
    qtbot.waitUntil(lambda: seg.state_bar.state == StateBar.BUSY, timeout=10_000)
    with qtbot.waitSignal(seg.channel.cancelled, timeout=10_000):
        qtbot.mouseClick(seg.state_bar.cancel_button, Qt.MouseButton.LeftButton)
    assert seg.state_bar.state == StateBar.ERROR and "cancelled" in seg.state_bar.message
    assert seg.state_bar.retry_button.isVisible()
    assert finished == []
    slow_sqlite["sleep"] = 0.0
    # The worker was freed: closing the window does not wait for a runaway statement.
    started = time.perf_counter()
    assert window.connection is not None
    assert window.connection.pool.close(20_000)
    assert time.perf_counter() - started < 20


def test_the_busy_strip_floats_over_a_shown_result(make_window: Any, filled_db: Any, qtbot: Any,
                                                   slow_sqlite: Any) -> None:
    """Changing a query must not push the chart down and back up (a relayout of the whole panel
    twice per change): over a result the busy strip floats in the panel's corner instead."""
    url, _engine = filled_db
    window = make_window(url, wait=False)
    wait_connected(qtbot, window)
    seg = window.panels["segmentation"]
    wait_idle(qtbot, seg, timeout=120_000)
    assert seg.state_bar.isHidden()

    def chart_place() -> tuple[Any, Any]:
        return seg.chart.mapTo(seg, seg.chart.rect().topLeft()), seg.chart.size()

    # The docked strip of the first query has just been hidden; its relayout may still be queued
    # (a loaded machine lets wait_idle return first). Measure the settled place.
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    QApplication.processEvents()
    before = chart_place()
    slow_sqlite["sleep"] = 0.02
    seg.refresh()
    qtbot.waitUntil(lambda: seg.state_bar.state == StateBar.BUSY, timeout=10_000)
    bar = seg.state_bar
    assert bar.floating and bar.isVisible() and bar.cancel_button.isVisible()
    assert seg.rect().contains(bar.geometry())  # inside the panel, over its bottom-right corner
    assert bar.geometry().bottom() > seg.height() - 20
    assert chart_place() == before
    seg.resize(seg.width() - 60, seg.height())  # it follows the panel's size
    assert seg.rect().contains(bar.geometry())
    with qtbot.waitSignal(seg.channel.cancelled, timeout=10_000):
        qtbot.mouseClick(bar.cancel_button, Qt.MouseButton.LeftButton)
    # A failure or cancellation is docked above the content again, where its Retry is expected.
    assert bar.state == StateBar.ERROR and not bar.floating
    assert seg.layout().indexOf(bar) == 0
    slow_sqlite["sleep"] = 0.0
