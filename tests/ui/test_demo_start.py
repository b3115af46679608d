"""First run: the demo database is created in the background with progress shown, then simulated traffic flows."""

from __future__ import annotations

import time
from typing import Any

import pytest

from app.core.database import open_database
from app.core.paths import demo_db_path
from app.ingest import workers as ingest_workers
from app.ingest.workers import auto_workers
from app.ui import demo_setup
from app.ui.widgets.state_bar import StateBar
from tests.ui.conftest import wait_panels
from tests.ui.test_workers import GapMeter


@pytest.mark.slow
@pytest.mark.parametrize("second_process", [False, True], ids=["in-process", "second-process"])
def test_first_run_builds_the_demo_database_without_blocking(make_window: Any, qtbot: Any, monkeypatch: Any,
                                                             second_process: bool) -> None:
    monkeypatch.setattr(demo_setup, "DEMO_EVENTS", 20_000)
    # The real demo (100k events) is generated in a second process where there are two cores.
    monkeypatch.setattr(ingest_workers, "DEMO_WORKER_FROM", 10_000 if second_process else 10**9)
    assert not demo_db_path().exists()
    window = make_window()
    seg = window.panels["segmentation"]
    progress: list[Any] = []
    window.context.connecting.connect(lambda text, fraction: progress.append((text, fraction)))
    meter = GapMeter()
    started = time.perf_counter()
    meter.start()
    window.open_demo()
    qtbot.waitUntil(lambda: seg.state_bar.state == StateBar.BUSY and "demo database" in seg.state_bar.message)
    with qtbot.waitSignal(window.demo_ready, timeout=120_000) as blocker:
        pass
    meter.stop()
    elapsed_ms = (time.perf_counter() - started) * 1000
    assert blocker.args == [True]
    assert window._demo_builder.workers == (min(1, auto_workers()) if second_process else 0)
    # The event loop kept running while the demo was generated: built on the GUI thread, one
    # pause would span the whole build and the 5 ms timer would barely tick. (Known: the
    # worker's start-up, loading the enrichment data, still pauses the GUI for up to ~0.8 s.)
    assert meter.ticks >= 20 and meter.longest_ms < 0.9 * elapsed_ms, (
        meter.ticks, meter.longest_ms, elapsed_ms)
    fractions = [f for _t, f in progress if isinstance(f, float)]
    assert fractions and fractions == sorted(fractions)
    assert demo_db_path().exists()
    assert not demo_db_path().with_name("demo.sqlite.part").exists()
    wait_panels(qtbot, window, timeout=60_000)
    assert window.connection is not None and window.connection.is_demo
    assert seg.table_numbers(), "the demo's events are charted"


@pytest.mark.slow
def test_simulated_traffic_reaches_the_live_view_and_can_be_switched_off(
    make_window: Any, qtbot: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(demo_setup, "DEMO_EVENTS", 3000)
    window = make_window()
    window.settings.setValue("demo/rate", 40)
    window.set_simulation_allowed(True)
    window.simulate_action.setChecked(True)
    with qtbot.waitSignal(window.demo_ready, timeout=120_000):
        window.open_demo()
    wait_panels(qtbot, window, timeout=60_000)
    live = window.panels["live"]
    live.interval.setValue(0.2)
    assert window._simulator is not None and window._simulator.running
    start = live.after_id
    qtbot.waitUntil(lambda: live.after_id > start + 20, timeout=30_000)
    window.simulate_action.setChecked(False)
    assert window._simulator is None
    assert not window.simulate_action.isChecked()


@pytest.mark.slow
def test_opening_another_database_while_the_demo_builds_keeps_it(
    make_window: Any, filled_db: Any, qtbot: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(demo_setup, "DEMO_EVENTS", 3000)
    url, _engine = filled_db
    window = make_window()
    window.open_demo()
    window.open_database(url)
    with qtbot.waitSignal(window.demo_ready, timeout=120_000):
        pass
    wait_panels(qtbot, window)
    assert window.connection is not None and not window.connection.is_demo
    assert window.connection.url == url


@pytest.mark.slow
def test_the_demo_started_at_launch_is_the_one_stored(make_window: Any, qtbot: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(demo_setup, "DEMO_EVENTS", 12_000)
    monkeypatch.setattr(ingest_workers, "DEMO_WORKER_FROM", 10_000)
    monkeypatch.setattr(ingest_workers.os, "cpu_count", lambda: 2)
    head = demo_setup.start_demo_early()  # what `tracklens` does before it builds the window
    assert head is not None and head.plan.events == 12_000
    window = make_window()
    with qtbot.waitSignal(window.demo_ready, timeout=120_000) as blocker:
        window.open_demo(head)
    assert blocker.args == [True]
    assert head.stream.exitcode == 0  # its batches were stored, not thrown away
    wait_panels(qtbot, window, timeout=60_000)
    assert window.connection is not None and window.connection.is_demo
    assert window.panels["segmentation"].table_numbers()


def test_a_launch_head_start_is_stopped_when_the_demo_exists(make_window: Any, qtbot: Any,
                                                             monkeypatch: Any) -> None:
    monkeypatch.setattr(demo_setup, "DEMO_EVENTS", 60_000)
    monkeypatch.setattr(ingest_workers.os, "cpu_count", lambda: 2)
    head = demo_setup.start_demo_early()
    assert head is not None
    window = make_window()
    demo_db_path().parent.mkdir(parents=True, exist_ok=True)
    open_database(f"sqlite:///{demo_db_path()}").dispose()  # another window made it meanwhile
    window.open_demo(head)
    assert head.stream.exitcode is not None and head.stream.exitcode != 0
    wait_panels(qtbot, window)
    assert window.connection is not None and window.connection.is_demo
