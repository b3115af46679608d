"""Fixtures for the desktop app tests: a small real SQLite database, isolated settings, a window.

Every UI test fails on Qt warnings (pytest-qt's qt_log_level_fail), except the offscreen
platform's notice that it cannot resize native windows.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import Engine, select

from app.core.database import open_database
from app.core.schema import event_context, events, users
from app.ui.pacing import result_pacer
from app.ui.settings import open_settings

DAY_MS = 86_400_000
EVENT_NAMES = ["Page Viewed", "Product Viewed", "Added To Cart", "Signed Up", "Order Completed"]
CITIES = [("Berlin", "DE"), ("Paris", "FR"), ("Lisbon", "PT"), ("Austin", "US")]
BROWSERS = ["Chrome", "Firefox", "Safari"]
PLANS = ["free", "pro", "team"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore("This plugin does not support"))


def make_rows(count: int, *, seed: int = 7, now_ms: int | None = None, days: int = 20, start_id: int = 0) -> list[dict[str, Any]]:
    """Events spread over the last `days` days (none in the future), with properties to filter on."""
    rng = random.Random(seed)
    now = now_ms if now_ms is not None else int(time.time() * 1000)
    rows = []
    for i in range(count):
        city, country = rng.choice(CITIES)
        rows.append(
            {
                "message_id": f"msg-{seed}-{start_id + i}",
                "type": "track",
                "event": rng.choice(EVENT_NAMES),
                "person": f"user-{rng.randint(1, 40)}",
                "user_id": None,
                "anonymous_id": None,
                "ts": now - rng.randint(60_000, days * DAY_MS),
                "received_at": now,
                "properties": {"plan": rng.choice(PLANS), "price": rng.randint(1, 200), "beta": rng.random() < 0.3},
                "context": {"library": {"name": "test", "version": "1"}},
                "city": city,
                "region": None,
                "country_code": country,
                "browser": rng.choice(BROWSERS),
                "os": "Linux",
                "device": None,
                "referring_domain": "$direct",
            }
        )
    return rows


def insert_events(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """Rows of `events`; a row's "context" goes to event_context, as the writer stores it."""
    with engine.begin() as conn:
        conn.execute(events.insert(), [{k: v for k, v in row.items() if k != "context"} for row in rows])
        ids = dict(conn.execute(select(events.c.message_id, events.c.id)).all())
        contexts = [{"id": ids[row["message_id"]], "context": row["context"]} for row in rows if "context" in row]
        if contexts:
            conn.execute(event_context.insert(), contexts)


def insert_users(engine: Engine, count: int = 40) -> None:
    now = int(time.time() * 1000)
    rng = random.Random(3)
    with engine.begin() as conn:
        conn.execute(
            users.insert(),
            [
                {
                    "id": f"user-{i}",
                    "traits": {"age": rng.randint(18, 70), "gender": rng.choice(["female", "male"]), "plan": rng.choice(PLANS)},
                    "email": f"user{i}@example.com",
                    "first_seen": now - 30 * DAY_MS,
                    "last_seen": now,
                    "event_count": 0,
                }
                for i in range(1, count + 1)
            ],
        )


@pytest.fixture(autouse=True)
def _gc_on_the_gui_thread(qapp: Any) -> Iterator[None]:
    """As the app does (app.ui.gc_guard): a cycle holding a Qt object is never freed by a worker.

    Automatic collection comes back after the test, for the non-Qt tests that follow."""
    import gc

    from app.ui.gc_guard import install_gui_gc

    install_gui_gc(qapp)
    yield
    gc.collect()
    gc.enable()


@pytest.fixture
def ui_settings(tmp_path: Path) -> QSettings:
    """Settings in a temp INI file, never the user's."""
    return open_settings(tmp_path / "settings" / "tracklens.ini")


@pytest.fixture
def filled_db(sqlite_url: str) -> Iterator[tuple[str, Engine]]:
    """A SQLite database with 1,500 events over 20 days and 40 persons with traits."""
    engine = open_database(sqlite_url)
    insert_events(engine, make_rows(1500))
    insert_users(engine)
    yield sqlite_url, engine
    engine.dispose()


@pytest.fixture
def shop_db(sqlite_url: str) -> Iterator[tuple[str, Engine]]:
    """A SQLite database of the small shop (tests/ui/part2_data.py): funnels, cohorts, profiles."""
    from tests.ui.part2_data import write_shop

    engine = open_database(sqlite_url)
    write_shop(engine)
    yield sqlite_url, engine
    engine.dispose()


@pytest.fixture
def cust_x_profile(make_window: Any, shop_db: tuple[str, Engine], qtbot: Any) -> tuple[Any, Any, Engine]:
    """A window on the shop with cust-x's long history (tests/ui/test_profile_panel.long_history:
    73 events), showing cust-x's profile: the newest 50 events, 'Load older events' below them.
    Gives the window, its profile panel and the database."""
    from tests.ui.test_profile_panel import long_history

    url, engine = shop_db
    long_history(engine)
    window = make_window(url)
    panel = window.panels["profile"]
    with qtbot.waitSignal(panel.query_finished, timeout=10_000):
        window.show_person("cust-x")
    return window, panel, engine


@pytest.fixture
def make_window(qtbot: Any, ui_settings: QSettings) -> Iterator[Any]:
    """Build main windows on the test settings; each is closed (and its threads joined) afterwards.

    The offscreen platform's screen is 800 x 800 and the window's first size fits the screen, so
    a window with no saved geometry gets the size it has on a big screen, DEFAULT_SIZE, as every
    layout the tests check assumes; `size=None` keeps the size the app chose."""
    from app.ui.main_window import DEFAULT_SIZE, MainWindow

    made: list[MainWindow] = []

    def make(url: str | None = None, *, wait: bool = True, settings: QSettings | None = None,
             size: tuple[int, int] | None = DEFAULT_SIZE) -> MainWindow:
        settings = settings if settings is not None else ui_settings
        window = MainWindow(settings)
        if size is not None and not settings.contains("window/geometry"):
            window.resize(*size)
        window.set_simulation_allowed(False)
        qtbot.addWidget(window)
        made.append(window)
        window.show()
        if url is not None:
            window.open_database(url)
            if wait:
                wait_panels(qtbot, window)
        return window

    yield make
    for window in made:
        if window.isVisible():
            window.close()
        else:
            window.shutdown()


def wait_panels(qtbot: Any, window: Any, timeout: int = 20_000) -> None:
    """Until every panel finished its first query on the current database."""
    qtbot.waitUntil(
        lambda: window.connection is not None and all(p.finished_once for p in window.panels.values()),
        timeout=timeout,
    )


def wait_idle(qtbot: Any, panel: Any, timeout: int = 20_000) -> None:
    """Until a panel has no request in flight, no debounced refresh pending and no answer queued
    for its turn (app.ui.pacing): the channel is idle a turn before the panel shows the answer,
    and on a loaded machine a poll can fall between the two."""
    pacer = result_pacer()
    qtbot.waitUntil(lambda: not panel.busy and not panel._refresh_timer.isActive() and not pacer.pending(panel),
                    timeout=timeout)


def settle(qtbot: Any, panel: Any, timeout: int = 20_000) -> None:
    """Until the panel shows the answer to the query its controls describe now."""
    qtbot.waitUntil(lambda: not panel.busy and not panel._refresh_timer.isActive()
                    and panel.last_result_spec == panel.query(), timeout=timeout)


def settled_labels(qtbot: Any, chart: Any, timeout: int = 5_000) -> list[Any]:
    """The date labels a chart's axis draws once its layout has settled: the same axis rectangle
    and labels on three polls in a row, with events handled between them. A fixed 50 ms wait
    could end before the layout's posted requests ran on a loaded machine."""
    seen: list[tuple[Any, list[Any]]] = []

    def stable() -> None:
        axis = chart.date_axis
        seen.append((axis.geometry(), axis.drawn_labels()))
        assert len(seen) >= 3 and seen[-1] == seen[-2] == seen[-3] and seen[-1][1], seen[-3:]

    qtbot.waitUntil(stable, timeout=timeout)
    return seen[-1][1]


def modal_titles(action: Callable[[], object]) -> list[str]:
    """The window titles of the modal dialogs `action` opens, each closed (rejected) as it shows:
    what a user reads in the title bar, not the text the code set."""
    titles: list[str] = []

    def close_it() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is not None and dialog.windowHandle() is not None:
            titles.append(dialog.windowHandle().title())
            dialog.reject()

    timer = QTimer()
    timer.timeout.connect(close_it)
    timer.start(20)
    try:
        action()
    finally:
        timer.stop()
    return titles
