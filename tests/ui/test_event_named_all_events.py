"""An event may be named "All events" (names are free text): the Live View's and the profile
timeline's event boxes took that name for their "every event" entry, so picking it, or opening
a saved Live View filtered to it, showed every event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.core.database import open_database
from app.ingest.writer import EventWriter
from app.ui.widgets.combo import ALL_EVENTS
from tests.ui.conftest import settle, wait_panels


def _two_events(url: str) -> None:
    engine = open_database(url)
    now = dt.datetime.now(dt.UTC)
    EventWriter(engine, enrich=False).write([
        {"type": "track", "userId": "ann", "event": name, "messageId": f"m{i}",
         "timestamp": (now - dt.timedelta(minutes=i)).isoformat()}
        for i, name in enumerate([ALL_EVENTS, "Signed Up", "Signed Up", ALL_EVENTS, "Signed Up"])
    ])
    engine.dispose()


def test_live_view_filters_to_an_event_named_all_events(make_window: Any, sqlite_url: str, qtbot: Any) -> None:
    _two_events(sqlite_url)
    window = make_window(sqlite_url)
    wait_panels(qtbot, window)
    panel = window.panels["live"]
    combo = panel.event_filter
    qtbot.waitUntil(lambda: combo.count() == 3 and panel.model.rowCount() == 5, timeout=20_000)
    named = next(i for i in range(1, combo.count()) if combo.itemText(i) == ALL_EVENTS)
    combo.setCurrentIndex(named)  # as a person picks the event from the list
    qtbot.waitUntil(lambda: panel.loaded and panel.model.rowCount() == 2, timeout=20_000)
    assert panel.query()["events"] == [ALL_EVENTS]
    assert {row["event"] for row in panel.model.rows()} == {ALL_EVENTS}

    combo.setCurrentIndex(0)  # the first entry: every event again
    qtbot.waitUntil(lambda: panel.loaded and panel.model.rowCount() == 5, timeout=20_000)
    assert panel.query()["events"] == []

    # A saved filter on that event opens as that event, and reads back unchanged.
    spec = {**panel.query(), "events": [ALL_EVENTS]}
    panel.set_query(spec)
    assert panel.query()["events"] == [ALL_EVENTS] and combo.currentIndex() != 0
    panel.refresh()
    qtbot.waitUntil(lambda: panel.loaded and panel.model.rowCount() == 2, timeout=20_000)


def test_profile_timeline_filters_to_an_event_named_all_events(make_window: Any, sqlite_url: str,
                                                                qtbot: Any) -> None:
    _two_events(sqlite_url)
    window = make_window(sqlite_url)
    wait_panels(qtbot, window)
    panel = window.panels["profile"]
    with qtbot.waitSignal(panel.query_finished, timeout=20_000):
        window.show_person("ann")
    combo = panel.event_filter
    qtbot.waitUntil(lambda: combo.count() == 3, timeout=20_000)
    named = next(i for i in range(1, combo.count()) if combo.itemText(i) == ALL_EVENTS)
    with qtbot.waitSignal(panel.query_finished, timeout=20_000):
        combo.setCurrentIndex(named)
    settle(qtbot, panel)
    shown = [panel.timeline.topLevelItem(i).text(1) for i in range(panel.timeline.topLevelItemCount())]
    assert shown == [ALL_EVENTS, ALL_EVENTS]
    assert panel.query()["timeline"]["events"] == [ALL_EVENTS]
    panel.set_query(panel.query())  # a saved profile view opens as it was
    assert panel.query()["timeline"]["events"] == [ALL_EVENTS]
    with qtbot.waitSignal(panel.query_finished, timeout=20_000):
        combo.setCurrentIndex(0)
    assert panel.query()["timeline"]["events"] == []
