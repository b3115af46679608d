"""The main window: docks, saved layout and queries, errors inside panels, shortcuts, About."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QDockWidget, QMessageBox

from app.ui.main_window import DEFAULT_SIZE, GEOIP_ATTRIBUTION_FALLBACK, MainWindow, geoip_attribution
from app.ui.widgets.state_bar import StateBar
from tests.ui.conftest import wait_idle, wait_panels


def test_every_panel_is_a_named_dock_listed_in_the_view_menu(make_window: Any) -> None:
    window = make_window()
    assert {"segmentation", "live"} <= set(window.panels)
    names = {action.objectName() for action in window.view_menu.actions()}
    for panel_id, dock in window.docks.items():
        assert isinstance(dock, QDockWidget)
        assert dock.objectName() == f"dock_{panel_id}"
        assert f"view_{panel_id}" in names


def test_closed_panel_reopens_from_view_menu(make_window: Any, qtbot: Any) -> None:
    window = make_window()
    dock = window.docks["live"]
    dock.close()
    qtbot.waitUntil(lambda: not dock.isVisible())
    action = next(a for a in window.view_menu.actions() if a.objectName() == "view_live")
    action.trigger()
    qtbot.waitUntil(dock.isVisible)


def test_layout_and_last_queries_survive_a_restart(make_window: Any, filled_db: Any, ui_settings: Any, qtbot: Any) -> None:
    url, _engine = filled_db
    window = make_window(url)
    seg = window.panels["segmentation"]
    seg.set_query(
        {
            "kind": "segmentation",
            "events": ["Signed Up"],
            "measure": "unique",
            "unit": "week",
            "range": {"last": 90, "unit": "day"},
            "timezone": "Europe/Berlin",
            "where": [{"property": "plan", "op": "eq", "value": "pro"}],
            "breakdown": "$city",
            "limit": 12,
            "compare_previous": False,
        }
    )
    seg.set_view("stacked")
    saved_query = seg.query()
    window.docks["live"].setFloating(True)
    window.docks["live"].move(QPoint(40, 40))
    window.close()

    again = make_window(settings=ui_settings)
    assert again.docks["live"].isFloating()
    restored = again.panels["segmentation"]
    assert restored.query() == saved_query
    assert restored.view() == "stacked"
    again.reset_layout()
    assert not again.docks["live"].isFloating()
    assert all(dock.isVisible() for dock in again.docks.values())


def test_incompatible_saved_layout_falls_back_to_default(make_window: Any, ui_settings: Any) -> None:
    ui_settings.setValue("window/state", QByteArray(b"not a Qt state"))
    ui_settings.setValue("window/state_version", 999)
    window = make_window()
    assert all(dock.isVisible() and not dock.isFloating() for dock in window.docks.values())
    assert window.dockWidgetArea(window.docks["live"]) == Qt.DockWidgetArea.RightDockWidgetArea


def test_window_saved_on_a_vanished_screen_comes_back(make_window: Any, ui_settings: Any, qtbot: Any) -> None:
    first = make_window()
    first.move(QPoint(30000, 30000))
    first.close()
    window = make_window(settings=ui_settings)
    screen = QApplication.primaryScreen().availableGeometry()
    assert screen.intersects(window.frameGeometry())


def test_query_error_shows_inside_the_panel_with_retry(make_window: Any, filled_db: Any, qtbot: Any, monkeypatch: Any) -> None:
    url, _engine = filled_db
    window = make_window(url)
    seg = window.panels["segmentation"]
    popups: list[Any] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda *a: popups.append(a))
    seg.filter_builder.set_filters([{"property": 'bad"name', "op": "eq", "value": "x"}])
    with qtbot.waitSignal(seg.query_finished, timeout=10_000) as blocker:
        seg.refresh()
    assert blocker.args == [False]
    assert seg.state_bar.state == StateBar.ERROR
    assert "double quotes" in seg.state_bar.message
    assert seg.state_bar.retry_button.isVisible()
    assert popups == []
    # Fix the filter, press Retry: the panel recovers.
    seg.filter_builder.set_filters([])
    wait_idle(qtbot, seg)
    with qtbot.waitSignal(seg.query_finished, timeout=10_000) as blocker:
        qtbot.mouseClick(seg.state_bar.retry_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    assert seg.state_bar.state == StateBar.IDLE


def test_unopenable_database_shows_in_panels_not_a_popup(make_window: Any, tmp_path: Any, qtbot: Any) -> None:
    bogus = tmp_path / "not-a-db.sqlite"
    bogus.write_bytes(b"this is not sqlite at all" * 100)
    window = make_window()
    window.open_database(f"sqlite:///{bogus}")
    seg = window.panels["segmentation"]
    qtbot.waitUntil(lambda: seg.state_bar.state == StateBar.ERROR, timeout=10_000)
    assert "not a SQLite database" in seg.state_bar.message
    assert "Cannot open" in window.connection_label.text()


def test_f5_refreshes_the_focused_panel(make_window: Any, filled_db: Any, qtbot: Any) -> None:
    url, _engine = filled_db
    window = make_window(url)
    seg = window.panels["segmentation"]
    seg.event_picker.search.setFocus()
    qtbot.waitUntil(lambda: window.current_panel() is seg)
    with qtbot.waitSignal(seg.query_finished, timeout=10_000):
        window.refresh_action.trigger()
    assert window.refresh_label.text().startswith("Last refresh")


def test_save_report_goes_to_the_installed_hook(make_window: Any, filled_db: Any) -> None:
    url, _engine = filled_db
    window = make_window(url)
    saved: list[Any] = []
    window.save_report_handler = lambda panel: saved.append(panel.query())
    window.panels["segmentation"].event_picker.search.setFocus()
    QApplication.processEvents()
    window.save_report_action.trigger()
    assert saved and saved[0]["kind"] == "segmentation"


def test_about_names_version_and_geolocation_attribution(make_window: Any) -> None:
    window: MainWindow = make_window()
    text = window.about_text()
    from app import __version__

    assert __version__ in text
    assert "DB-IP" in text
    assert geoip_attribution() in text
    assert "DB-IP" in GEOIP_ATTRIBUTION_FALLBACK


def test_status_bar_names_the_connection(make_window: Any, filled_db: Any, qtbot: Any) -> None:
    url, _engine = filled_db
    window = make_window(url)
    wait_panels(qtbot, window)
    assert window.connection_label.text().startswith("SQLite")
    assert "events.sqlite" in window.connection_label.text()


def test_the_window_fits_a_laptop_screen_and_a_narrow_panel_scrolls(make_window: Any, qtbot: Any) -> None:
    """Each dock insisted on its panel's whole width, so tabbed panels added their widest: the
    window could not be narrower than 1,724 px and ran off a 1280 or 1366 px laptop screen."""
    from PySide6.QtWidgets import QScrollArea

    window = make_window()
    assert window.minimumSizeHint().width() <= 1280
    # Funnels' results toolbar and Messages' list buttons wrap now, and every panel fits a
    # 1280 px window (tests/ui/test_laptop_screen.py); in a 1024 px one the Live View (484 px
    # at least) is wider than its side (about 450 px)...
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024, timeout=5_000)
    live = window.show_panel("live")
    holder = window.docks["live"].widget()
    assert isinstance(holder, QScrollArea) and holder.widget() is live
    # ...and its controls stay reachable: the panel keeps its width and scrolls within the dock.
    qtbot.waitUntil(lambda: holder.horizontalScrollBar().maximum() > 0, timeout=5_000)
    assert live.width() >= live.minimumSizeHint().width()
    # ...and where there is room, the panel fills its dock as before (no scroll bar).
    window.resize(2400, 1400)
    qtbot.waitUntil(lambda: holder.horizontalScrollBar().maximum() == 0
                    and live.width() == holder.viewport().width(), timeout=5_000)


def _controls_out_of_reach(panel: Any) -> list[str]:
    """The panel's visible controls not wholly inside what their nearest scroll area scrolls (the
    panel itself, or a part of it that scrolls on its own)."""
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractScrollArea,
        QAbstractSpinBox,
        QComboBox,
        QLineEdit,
        QScrollArea,
    )

    out = []
    for kind in (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QAbstractScrollArea):
        for control in panel.findChildren(kind):
            if not control.isVisibleTo(panel):
                continue
            content = control.parentWidget()
            while content is not panel:
                holder = content.parentWidget().parentWidget() if content.parentWidget() else None
                if isinstance(holder, QScrollArea) and holder.widget() is content:
                    break
                content = content.parentWidget()
            if not content.rect().contains(QRect(control.mapTo(content, QPoint(0, 0)), control.size())):
                out.append(f"{type(control).__name__} {control.objectName()}")
    return out


def test_the_first_window_fits_a_small_screen_and_every_panel_stays_usable(make_window: Any, qtbot: Any) -> None:
    """The first window (no saved geometry) was 1760 x 900 whatever the screen: on a 1366 x 768
    laptop it ran off the screen. The offscreen platform's screen is 800 x 800."""
    from PySide6.QtWidgets import QScrollArea

    available = QApplication.primaryScreen().availableGeometry()
    assert available.width() < DEFAULT_SIZE[0] and available.height() < DEFAULT_SIZE[1]
    window = make_window(size=None)
    qtbot.waitUntil(lambda: window.frameGeometry() != window.geometry(), timeout=5_000)  # the frame is known
    assert available.contains(window.frameGeometry()), (window.frameGeometry(), available)
    assert window.width() > available.width() * 9 // 10 and window.height() > available.height() * 9 // 10
    for panel_id in window.panels:
        panel = window.show_panel(panel_id)
        dock = window.docks[panel_id]
        holder = dock.widget()
        assert isinstance(holder, QScrollArea) and holder.widget() is panel
        # The panel keeps at least the size it needs, and the dock scrolls it.
        qtbot.waitUntil(lambda shown=panel: shown.isVisible() and shown.width() >= shown.minimumSizeHint().width()
                        and shown.height() >= shown.minimumSizeHint().height(), timeout=5_000)
        # A panel narrower than its dock (Destinations' wrapping rows, the User explorer's) is laid
        # out in two passes: a vertical bar shows for the first (its wrapped lines' height not yet
        # known), or a horizontal one (the viewport 14 px shorter than the panel, its bar at 0).
        qtbot.waitUntil(lambda shown=panel, area=holder: area.horizontalScrollBar().maximum()
                        == max(0, shown.width() - area.viewport().width())
                        and area.verticalScrollBar().maximum() == max(0, shown.height() - area.viewport().height()),
                        timeout=5_000)
        assert window.rect().contains(dock.geometry()), panel_id
        # What the dock cannot show is reached by scrolling; every control is on what scrolls.
        viewport = holder.viewport()
        assert holder.horizontalScrollBar().maximum() == max(0, panel.width() - viewport.width()), panel_id
        assert holder.verticalScrollBar().maximum() == max(0, panel.height() - viewport.height()), panel_id
        assert _controls_out_of_reach(panel) == [], panel_id


def test_a_window_saved_on_a_bigger_monitor_fits_the_screen(make_window: Any, ui_settings: Any, qtbot: Any) -> None:
    """A geometry saved on a monitor that is now unplugged (here: bigger than the 800 x 800
    offscreen screen, reaching past its corner) comes back inside the screen."""
    first = make_window()
    first.resize(2400, 1300)
    first.move(QPoint(300, 200))
    qtbot.waitUntil(lambda: first.width() == 2400, timeout=5_000)
    first.close()
    window = make_window(settings=ui_settings)
    qtbot.waitUntil(lambda: window.frameGeometry() != window.geometry(), timeout=5_000)
    available = QApplication.primaryScreen().availableGeometry()
    assert available.contains(window.frameGeometry()), (window.frameGeometry(), available)
