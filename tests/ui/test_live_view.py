"""Live View: rows written elsewhere appear, newest first, bounded, and survive a lost connection."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from sqlalchemy import func, select

from app.core.database import open_database
from app.core.schema import events
from app.ui.panels.live_view import INITIAL_ROWS, LiveViewPanel
from app.ui.widgets.state_bar import StateBar
from tests.support.outage import Outage
from tests.ui.conftest import insert_events, make_rows


@pytest.fixture
def live(make_window: Any, filled_db: Any, qtbot: Any) -> tuple[LiveViewPanel, Any, Any]:
    url, engine = filled_db
    window = make_window(url)
    panel: LiveViewPanel = window.panels["live"]
    panel.interval.setValue(0.2)
    qtbot.waitUntil(lambda: panel.loaded and panel.model.rowCount() == INITIAL_ROWS, timeout=10_000)
    # Another process's connection: a separate engine on the same file.
    writer = open_database(url)
    yield panel, engine, writer
    writer.dispose()


def db_ids(engine: Any) -> list[int]:
    with engine.connect() as conn:
        return [int(r[0]) for r in conn.execute(select(events.c.id).order_by(events.c.id.desc()))]


def test_rows_written_by_another_connection_appear_on_top(live: Any, qtbot: Any) -> None:
    panel, engine, writer = live
    assert panel.model.ids() == db_ids(engine)[:INITIAL_ROWS]
    insert_events(writer, make_rows(7, seed=99))
    qtbot.waitUntil(lambda: panel.model.rowCount() == INITIAL_ROWS + 7, timeout=10_000)
    assert panel.model.ids() == db_ids(engine)[: INITIAL_ROWS + 7]
    top = panel.model.index(0, 2).data()
    assert top.startswith("user-")
    assert panel.model.index(0, 3).data() in {"Berlin", "Paris", "Lisbon", "Austin"}


def test_buffer_is_bounded_and_newest_first(live: Any, qtbot: Any) -> None:
    panel, engine, writer = live
    panel.model.capacity = 250
    insert_events(writer, make_rows(120, seed=5))
    qtbot.waitUntil(lambda: panel.model.ids()[:1] == db_ids(engine)[:1], timeout=10_000)
    assert panel.model.rowCount() == 250
    assert panel.model.ids() == db_ids(engine)[:250]


def test_selection_and_scroll_position_survive_new_rows(live: Any, qtbot: Any) -> None:
    panel, _engine, writer = live
    panel.select_row(3)
    selected_id = panel.model.row(3)["id"]
    bar = panel.table.verticalScrollBar()
    bar.setValue(20)
    first_visible = panel.model.row(panel.table.indexAt(QPoint(2, 2)).row())["id"]
    insert_events(writer, make_rows(5, seed=11))
    qtbot.waitUntil(lambda: panel.model.rowCount() == INITIAL_ROWS + 5, timeout=10_000)
    current = panel.table.selectionModel().currentIndex()
    assert panel.model.row(current.row())["id"] == selected_id
    assert current.row() == 8
    assert panel.model.row(panel.table.indexAt(QPoint(2, 2)).row())["id"] == first_visible


def test_details_and_double_click_opens_the_person(live: Any, qtbot: Any) -> None:
    panel, _engine, _writer = live
    panel.select_row(0)
    row = panel.model.row(0)
    fields = {panel.detail.topLevelItem(i).text(0): panel.detail.topLevelItem(i) for i in range(panel.detail.topLevelItemCount())}
    assert {"properties", "context", "person", "event"} <= set(fields)
    props = fields["properties"]
    assert props.isExpanded()
    assert {props.child(i).text(0) for i in range(props.childCount())} == {"plan", "price", "beta"}
    rect = panel.table.visualRect(panel.model.index(0, 1))
    with qtbot.waitSignal(panel.open_person, timeout=5000) as blocker:
        # A real double-click is press, release, then the double-click event.
        qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [row["person"]]


def test_pause_stops_polling_and_resume_catches_up(live: Any, qtbot: Any) -> None:
    panel, engine, writer = live
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    assert not panel.timer.isActive()
    polls = panel.polls
    panel.poll()
    assert panel.polls == polls
    insert_events(writer, make_rows(3, seed=12))
    assert panel.model.rowCount() == INITIAL_ROWS
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.model.rowCount() == INITIAL_ROWS + 3, timeout=10_000)
    assert panel.model.ids() == db_ids(engine)[: INITIAL_ROWS + 3]


def test_filter_by_event_name_and_property(live: Any, qtbot: Any) -> None:
    panel, engine, _writer = live
    panel.event_filter.setCurrentText("Signed Up")
    panel._on_filter_changed()
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).where(events.c.event == "Signed Up")).scalar_one()
    qtbot.waitUntil(lambda: panel.loaded and panel.model.rowCount() == min(total, INITIAL_ROWS), timeout=10_000)
    assert {r["event"] for r in panel.model.rows()} == {"Signed Up"}
    panel.filter_builder.set_filters([{"property": "plan", "op": "eq", "value": "team"}])
    qtbot.waitUntil(
        lambda: panel.loaded and panel.model.rowCount() > 0
        and all(r["properties"]["plan"] == "team" for r in panel.model.rows()),
        timeout=10_000,
    )
    assert {r["event"] for r in panel.model.rows()} == {"Signed Up"}


def test_lost_connection_reconnects_without_missing_or_repeating_rows(
    live: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel, engine, writer = live
    connection = panel.context.connection
    panel.channel.backoff = (0.05, 0.1, 0.2)
    outage = Outage()
    outage.cut_query_jobs(monkeypatch, connection)
    qtbot.waitUntil(lambda: panel.state_bar.state == StateBar.RECONNECTING, timeout=10_000)
    assert "reconnecting" in panel.state_bar.message
    insert_events(writer, make_rows(9, seed=21))  # written while the view is cut off
    outage.end()
    qtbot.waitUntil(lambda: panel.model.rowCount() == INITIAL_ROWS + 9, timeout=10_000)
    ids = panel.model.ids()
    assert ids == db_ids(engine)[: INITIAL_ROWS + 9]
    assert len(ids) == len(set(ids))
    assert panel.state_bar.state == StateBar.IDLE
    assert connection.state == "connected"


@pytest.mark.postgres
def test_postgres_row_committed_late_with_a_lower_id_still_appears_once(
    make_window: Any, pg_server: Any, qtbot: Any
) -> None:
    """Two writers outside the Tracklens writer: the lower id commits after the higher one is shown."""
    url = pg_server.create_database()
    engine = open_database(url)
    insert_events(engine, make_rows(30, seed=1))
    window = make_window(url)
    panel: LiveViewPanel = window.panels["live"]
    panel.interval.setValue(0.2)
    qtbot.waitUntil(lambda: panel.loaded and panel.model.rowCount() == 30, timeout=10_000)
    slow, fast = make_rows(2, seed=2, start_id=100)
    with engine.connect() as late:
        slow.pop("context")  # the view shows {} for an event stored without one
        late.execute(events.insert(), [slow])  # takes the lower id, not committed yet
        insert_events(engine, [fast])  # a higher id, committed at once
        qtbot.waitUntil(lambda: panel.model.rowCount() == 31, timeout=10_000)
        late.commit()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 32, timeout=10_000)
    # Give the view a few more polls: the late row must not come back a second time.
    polls = panel.polls
    qtbot.waitUntil(lambda: panel.polls >= polls + 3, timeout=10_000)
    ids = panel.model.ids()
    assert len(ids) == len(set(ids)) == 32
    assert sorted(ids, reverse=True) == db_ids(engine)
    engine.dispose()


def test_sparkline_counts_per_minute_and_leaves_unseen_minutes_blank(qtbot: Any, ui_settings: Any) -> None:
    import time

    import numpy as np

    from app.ui.context import AppContext

    panel = LiveViewPanel(AppContext(ui_settings))
    qtbot.addWidget(panel)
    minute = int(time.time() // 60)

    def row(i: int, minutes_ago: int) -> dict[str, Any]:
        return {"id": i, "type": "track", "event": "E", "person": "p", "ts": (minute - minutes_ago) * 60_000 + 5_000,
                "properties": {}, "context": {}}

    # The first answer holds only the newest rows (more exist): minute -6 is partly seen.
    first = [row(10, 3), row(9, 3), row(8, 4), row(7, 5), row(6, 6)]
    panel.show_result({"events": first, "max_id": 10, "more": True})
    panel.timer.stop()
    xs, ys = panel.spark_curve.getData()
    counts = {int(x): y for x, y in zip(xs, ys, strict=True)}
    assert counts[minute - 3] == 2 and counts[minute - 4] == 1 and counts[minute - 5] == 1
    assert np.isnan(counts[minute - 6]) and np.isnan(counts[minute - 20])
    panel.show_result({"events": [row(12, 3), row(11, 4)], "max_id": 12, "more": False})
    panel.timer.stop()
    xs, ys = panel.spark_curve.getData()
    counts = {int(x): y for x, y in zip(xs, ys, strict=True)}
    assert counts[minute - 3] == 3 and counts[minute - 4] == 2


def test_columns_fit_their_contents_and_times_are_dates(live: Any, qtbot: Any) -> None:
    """Issue 16: times readable in full, columns sized to what they hold, received_at a date."""
    panel, _engine, _writer = live
    header = panel.table.horizontalHeader()
    metrics = panel.table.fontMetrics()
    for column in (0, 3, 4, 5, 6):  # time, city, country, browser, OS
        widest = max(metrics.horizontalAdvance(str(panel.model.data(panel.model.index(r, column)) or ""))
                     for r in range(min(50, panel.model.rowCount())))
        assert header.sectionSize(column) >= widest, column
    assert sum(header.sectionSize(c) for c in range(7)) < 900  # country, browser, OS in a docked width
    panel.table.selectRow(0)
    qtbot.waitUntil(lambda: panel.detail.topLevelItemCount() > 3)
    fields = {panel.detail.topLevelItem(i).text(0): panel.detail.topLevelItem(i).text(1)
              for i in range(panel.detail.topLevelItemCount())}
    assert ":" in fields["received_at"].split("(")[0]  # a clock time, then the raw ms
