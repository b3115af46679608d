"""Reopening the app and opening an old export: the panels answer as on a first start.

Two defects seen in the launch benchmark: a session closed before Funnels/Retention had steps
saved them empty, and the next start never ran either panel (no result, no message); and a
database whose newest event is older than 30 days was called empty ("no events yet") because
the pickers only listed the last 30 days' events.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.core.database import open_database
from app.ui.panels.funnels import DEMO_STEPS
from app.ui.settings import open_settings
from tests.ui.conftest import wait_panels
from tests.ui.part2_data import write_shop


def test_a_session_saved_without_steps_reopens_with_the_default_funnel_and_retention(
        make_window: Any, sqlite_url: str, tmp_path: Any, qtbot: Any) -> None:
    engine = open_database(sqlite_url)
    write_shop(engine)
    engine.dispose()
    settings = open_settings(tmp_path / "reopen.ini")
    settings.setValue("panels/funnels/query", '{"kind": "funnel", "steps": [], "window": {"days": 7}}')
    settings.setValue("panels/retention/query",
                      '{"kind": "retention", "start": {"event": "", "where": []}, "return": {"event": "$any"}}')
    window = make_window(url=None, settings=settings)
    window.restore_settings()
    window.open_database(sqlite_url)
    wait_panels(qtbot, window)
    funnels, retention = window.panels["funnels"], window.panels["retention"]
    assert [s["event"] for s in funnels.query()["steps"]] == DEMO_STEPS
    assert retention.query()["start"]["event"]


def test_a_funnel_saved_with_steps_keeps_them(make_window: Any, sqlite_url: str, tmp_path: Any, qtbot: Any) -> None:
    engine = open_database(sqlite_url)
    write_shop(engine)
    engine.dispose()
    settings = open_settings(tmp_path / "kept.ini")
    settings.setValue("panels/funnels/query",
                      '{"kind": "funnel", "steps": [{"event": "Order Completed"}], "window": {"days": 7}}')
    window = make_window(url=None, settings=settings)
    window.restore_settings()
    window.open_database(sqlite_url)
    wait_panels(qtbot, window)
    assert [s["event"] for s in window.panels["funnels"].query()["steps"]] == ["Order Completed"]


def test_a_database_of_last_quarter_is_not_called_empty(make_window: Any, sqlite_url: str, qtbot: Any) -> None:
    engine = open_database(sqlite_url)
    write_shop(engine, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=120))
    engine.dispose()
    window = make_window(sqlite_url)
    wait_panels(qtbot, window)
    names = [name for name, _count in window.context.discovery.events()]
    assert set(DEMO_STEPS) <= set(names)
    funnels = window.panels["funnels"]
    assert not funnels.database_empty()
    assert [s["event"] for s in funnels.query()["steps"]] == DEMO_STEPS
    assert "no events" not in funnels.chart.message


def test_a_settings_file_qt_cannot_read_whole_is_kept_and_named(make_window: Any, tmp_path: Any) -> None:
    """QSettings keeps what it can parse and rewrites the file at the next change, so a hand-edited
    or damaged settings file silently lost every line it could not read (new-user defect hunt)."""
    path = tmp_path / "hand-edited.ini"
    original = b"[connection]\nlast=/data/events.sqlite\n[panels\nsegmentation\\query={}\n\xff\xfe\x00junk\n"
    path.write_bytes(original)
    settings = open_settings(path)
    window = make_window(url=None, settings=settings)
    window.save_settings()
    [copy] = [p for p in tmp_path.iterdir() if p.name.startswith("hand-edited.ini.unreadable-")]
    assert copy.read_bytes() == original
    message = window.statusBar().currentMessage()
    assert message == f"Some lines of {path} could not be read; the file as it was is kept as {copy.name}"
    assert settings.value("connection/last") == "/data/events.sqlite"
    # A file Qt reads whole gets no copy and no message.
    clean = open_settings(tmp_path / "clean.ini")
    clean.setValue("connection/last", "/data/events.sqlite")
    clean.sync()
    again = make_window(url=None, settings=open_settings(tmp_path / "clean.ini"))
    assert again.statusBar().currentMessage() == ""
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("clean.ini.")]


def test_a_saved_panel_state_nested_too_deeply_is_ignored(make_window: Any, tmp_path: Any) -> None:
    """get_json caught ValueError only: RecursionError stopped the window from being built."""
    settings = open_settings(tmp_path / "deep.ini")
    settings.setValue("panels/segmentation/query", "[" * 100_000 + "]" * 100_000)
    settings.sync()
    window = make_window(url=None, settings=settings)
    assert window.panels["segmentation"].query()["kind"] == "segmentation"
