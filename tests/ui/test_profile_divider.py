"""The User profile's divider between the person (Person, Traits) and their timeline stays where
the user dragged it: when the panel is closed and opened again, and at the next start. It is
part of the window's layout (View → Reset layout puts it back), not of a saved report."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from sqlalchemy import Engine

from app.ui.panels.profile import ProfilePanel
from tests.ui.test_profile_panel import long_history


def drag_divider(panel: ProfilePanel, by: int, qtbot: Any) -> None:
    """Drag the handle between the summary and the timeline `by` px down, as a user does."""
    handle = panel.splitter.handle(1)
    middle = handle.rect().center()
    QTest.mousePress(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, middle)
    QTest.mouseMove(handle, middle + QPoint(0, by // 2))
    QTest.mouseMove(handle, middle + QPoint(0, by))
    QTest.mouseRelease(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, middle + QPoint(0, by))
    qtbot.wait(50)


def summary_height(panel: ProfilePanel) -> int:
    return panel.splitter.sizes()[0]


def test_the_profile_divider_stays_where_the_user_left_it(
        make_window: Any, shop_db: tuple[str, Engine], ui_settings: Any, qtbot: Any) -> None:
    """The divider went back to its fitted place (the summary as tall as its rows) at the next
    start: the user's split was kept only until the app closed."""
    url, engine = shop_db
    long_history(engine)
    window = make_window(url)
    panel = window.panels["profile"]
    with qtbot.waitSignal(panel.query_finished, timeout=10_000):
        window.show_person("cust-x")
    qtbot.waitUntil(lambda: panel.isVisible() and panel.splitter.height() > 0)
    qtbot.wait(100)
    fitted = summary_height(panel)
    drag_divider(panel, 150, qtbot)
    moved = summary_height(panel)
    assert moved >= fitted + 100, (fitted, moved)

    window.docks["profile"].close()  # closed and opened again from the View menu
    qtbot.waitUntil(lambda: not panel.isVisible())
    window.docks["profile"].toggleViewAction().trigger()
    qtbot.waitUntil(panel.isVisible)
    with qtbot.waitSignal(panel.query_finished, timeout=10_000):
        window.show_person("cust-x")
    qtbot.wait(100)
    assert summary_height(panel) == moved

    window.close()  # quit, start again
    again = make_window(url, settings=ui_settings)
    # The saved geometry, as on the user's screen (the offscreen one is 800 x 800: it shrank it).
    again.resize(window.size())
    qtbot.waitUntil(lambda: again.size() == window.size(), timeout=5_000)
    restored = again.panels["profile"]
    again.show_panel("profile")
    qtbot.waitUntil(lambda: restored.isVisible() and restored.splitter.height() > 0 and restored.person == "cust-x")
    qtbot.wait(100)
    assert summary_height(restored) == moved, (fitted, moved, restored.splitter.sizes())
    with qtbot.waitSignal(restored.query_finished, timeout=10_000):
        again.show_person("cust-x")
    qtbot.wait(100)
    assert summary_height(restored) == moved
    assert restored.ui_state() == {}  # what a report saves: another screen's divider is its own

    again.reset_layout()
    again.resize(window.size())
    again.show_panel("profile")
    qtbot.waitUntil(lambda: summary_height(restored) == fitted, timeout=5_000)
