"""Ids, event names and values holding Unicode's bidirectional controls, which anyone with a
public write key can send, cannot make the app show another text: a userId
"admin\\u202egnp.exe" (U+202E RIGHT-TO-LEFT OVERRIDE) showed as "adminexe.png", and an override
left open in a value reversed what followed it on its line. What the app shows writes the
controls out; the values themselves (filters, copies, exports) stay exact (app.ui.plain)."""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QDockWidget, QWidget

from app.core.database import open_database
from app.ingest.writer import EventWriter
from app.ui.plain import BIDI_CONTROLS, display_text, plain_tip
from tests.ui.conftest import settle, wait_panels

#: Shown as it is, the override makes this read "adminexe.png".
SPOOF = "admin\u202egnp.exe"
SPOOF_SHOWN = "admin\\u202egnp.exe"
#: An event name whose override, left open, would reverse the rest of its line (a step's "1. ").
EVENT = "Signed\u202e Up"
EVENT_SHOWN = "Signed\\u202e Up"
#: A property value opening an isolate and an embedding it never closes.
VALUE = "\u2067pro\u202b"
VALUE_SHOWN = "\\u2067pro\\u202b"
#: Where the tests save what they drew, to look at (unset: drawn, not saved).
SHOTS = os.environ.get("TRACKLENS_TEST_SHOTS")


def cell(view: QAbstractItemView, index: QModelIndex) -> str:
    """The text `view` draws in the cell at `index` (its delegate's display text)."""
    return str(view.itemDelegateForIndex(index).displayText(index.data(), view.locale()))


def column(view: QAbstractItemView, col: int) -> list[str]:
    model = view.model()
    return [cell(view, model.index(r, col)) for r in range(model.rowCount())]


def drawn(widget: QWidget, name: str, size: tuple[int, int] | None = None) -> None:
    """Draw `widget` (a panel floated out of the window at `size`); saved under SHOTS when set."""
    dock = widget.parentWidget()
    while size is not None and dock is not None and not isinstance(dock, QDockWidget):
        dock = dock.parentWidget()
    if size is not None and dock is not None:
        dock.setFloating(True)
        dock.resize(*size)
    image = widget.grab()
    assert not image.isNull()
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        image.save(str(Path(SHOTS) / f"{name}.png"))


def _hostile_person(url: str) -> None:
    engine = open_database(url)
    now = dt.datetime.now(dt.UTC)
    EventWriter(engine, enrich=False).write([
        {"type": "identify", "userId": SPOOF, "messageId": "b1", "timestamp": now.isoformat(),
         "traits": {"plan": VALUE}},
        {"type": "track", "userId": SPOOF, "event": EVENT, "messageId": "b2",
         "timestamp": (now + dt.timedelta(seconds=1)).isoformat(), "properties": {"plan": VALUE}},
        {"type": "track", "userId": "bob", "event": EVENT, "messageId": "b3",
         "timestamp": (now + dt.timedelta(seconds=2)).isoformat(), "properties": {"plan": "free"}},
    ])
    engine.dispose()


def test_display_text_writes_out_every_bidi_control_and_isolates_right_to_left_text() -> None:
    assert display_text(SPOOF) == SPOOF_SHOWN
    assert display_text(VALUE) == VALUE_SHOWN
    for char in BIDI_CONTROLS:
        assert display_text(f"a{char}b") == f"a\\u{ord(char):04x}b"
    # Hebrew keeps its letters, isolated: "שלום" next to ": 3" no longer reads "3 :שלום".
    assert display_text("שלום") == "\u2068שלום\u2069"
    assert display_text(display_text("שלום")) == display_text("שלום")  # showing twice changes nothing
    assert display_text("\u2068\u202eשלום\u2069") == "\u2068\\u2068\\u202eשלום\\u2069\u2069"
    for text in ("plain", "café", "Zoë · 3", ""):
        assert display_text(text) == text
    assert plain_tip(f"id: {SPOOF}") == f"id: {SPOOF_SHOWN}"


def test_a_spoofing_id_in_the_profile_header_lists_and_timeline(
        make_window: Any, sqlite_url: str, qtbot: Any) -> None:
    _hostile_person(sqlite_url)
    window = make_window(sqlite_url)
    profile = window.panels["profile"]
    with qtbot.waitSignal(profile.query_finished, timeout=10_000):
        window.show_person(SPOOF)
    assert profile.last_result["id"] == SPOOF  # the query asked for the id itself
    assert profile.id_label.text() == SPOOF_SHOWN
    (identity,) = column(profile.identities, 0)
    assert identity.startswith(f"{SPOOF_SHOWN}   linked ")
    assert profile.identities.item(0).text().startswith(f"{SPOOF}   linked ")  # the item keeps the value
    traits = {profile.traits.topLevelItem(i).text(0): profile.traits.topLevelItem(i)
              for i in range(profile.traits.topLevelItemCount())}
    plan = profile.traits.indexFromItem(traits["plan"], 1)
    assert cell(profile.traits, plan) == VALUE_SHOWN and traits["plan"].text(1) == VALUE
    assert traits["plan"].toolTip(1) == VALUE_SHOWN
    assert EVENT_SHOWN in column(profile.timeline, 1)
    names = profile.event_filter  # the timeline's "Show" list of event names
    qtbot.waitUntil(lambda: names.findText(EVENT) > 0, timeout=10_000)
    assert cell(names.view(), names.model().index(names.findText(EVENT), 0)) == EVENT_SHOWN
    drawn(profile, "profile", (900, 600))


def test_a_spoofing_id_in_the_user_explorer_and_live_view_copies_as_it_is(
        make_window: Any, sqlite_url: str, qtbot: Any) -> None:
    _hostile_person(sqlite_url)
    window = make_window(sqlite_url)
    wait_panels(qtbot, window)
    users = window.show_panel("users")
    settle(qtbot, users)
    qtbot.waitUntil(lambda: users.model.rowCount() == 2, timeout=20_000)
    ids = column(users.table, 0)
    assert SPOOF_SHOWN in ids and "bob" in ids
    row = ids.index(SPOOF_SHOWN)
    assert users.model.data(users.model.index(row, 0), Qt.ItemDataRole.DisplayRole) == SPOOF
    tip = users.model.data(users.model.index(row, 0), Qt.ItemDataRole.ToolTipRole)
    assert SPOOF_SHOWN in tip and "\u202e" not in tip
    # Ctrl+C on the cell copies the id itself, not what is drawn.
    users.table.setFocus()
    users.table.setCurrentIndex(users.model.index(row, 0))
    qtbot.keySequence(users.table, QKeySequence.StandardKey.Copy)
    assert QGuiApplication.clipboard().text() == SPOOF

    live = window.show_panel("live")
    qtbot.waitUntil(lambda: live.loaded and live.model.rowCount() >= 3, timeout=20_000)
    shown = list(zip(column(live.table, 1), column(live.table, 2), strict=True))
    assert (EVENT_SHOWN, SPOOF_SHOWN) in shown
    live.table.selectRow(shown.index((EVENT_SHOWN, SPOOF_SHOWN)))
    qtbot.waitUntil(lambda: live.detail.topLevelItemCount() > 1, timeout=10_000)
    detail = column(live.detail, 1)
    assert SPOOF_SHOWN in detail and not any("\u202e" in text for text in detail)
    drawn(live, "live", (1100, 500))


def test_a_breakdown_value_and_a_funnel_step_show_their_controls_written_out(
        make_window: Any, sqlite_url: str, qtbot: Any, tmp_path: Path) -> None:
    from app.ui.panels.funnel_chart import FunnelChart

    _hostile_person(sqlite_url)
    window = make_window(sqlite_url)
    panel = window.panels["segmentation"]
    spec = dict(panel.query(), events=[EVENT], breakdown="plan")
    panel.set_query(spec)
    panel.refresh()
    settle(qtbot, panel)
    labels = [s.label for s in panel.chart.series]
    assert any(VALUE in label for label in labels)  # the series keeps the value (filters, exports)
    legend = column(panel.chart.series_list, 0)
    assert any(VALUE_SHOWN in text for text in legend) and not any("\u202b" in text for text in legend)
    table = column(panel.table, 0)
    assert any(VALUE_SHOWN in text for text in table)
    panel.export_csv(tmp_path / "numbers.csv")  # the export writes the value itself
    with (tmp_path / "numbers.csv").open(encoding="utf-8", newline="") as file:
        groups = [row["group"] for row in csv.DictReader(file)]
    assert VALUE in groups and VALUE_SHOWN not in groups

    chart = FunnelChart()
    qtbot.addWidget(chart)
    chart.resize(600, 400)
    chart.set_data([{"event": EVENT, "count": 10}, {"event": "Order Completed", "count": 4}])
    assert chart.step_title(0) == f"1. {EVENT_SHOWN}"
    assert chart.step_tooltip(0).startswith(f"1. {EVENT_SHOWN}")
    chart.set_data([{"event": EVENT, "count": 15}, {"event": "Order Completed", "count": 5}],
                   [{"group": VALUE, "steps": [{"event": EVENT, "count": 10}, {"event": "Order Completed", "count": 4}]},
                    {"group": "free", "steps": [{"event": EVENT, "count": 5}, {"event": "Order Completed", "count": 1}]}])
    assert [label for label, _rect in chart.legend_layout()] == [VALUE_SHOWN, "free"]
    chart.show()
    drawn(chart, "funnel")


def test_a_funnel_step_or_retention_cell_filter_names_its_events_with_their_controls_written_out(qtbot: Any) -> None:
    """Clicking a funnel step (or a retention cell) lists its persons under a row naming the
    events: an open override in a step's name reversed the rest of the row's sentence."""
    from app.ui.panels.user_filters import FunnelFilterRow, RetentionFilterRow

    row = FunnelFilterRow(None)  # type: ignore[arg-type]  # the builder is not used by this row
    qtbot.addWidget(row)
    spec = {"funnel": {"steps": [EVENT, "Order Completed"]}, "step": 1}
    row.set_json(spec)
    assert row.label.text() == f"Persons who reached step 1 ({EVENT_SHOWN}) of {EVENT_SHOWN} → Order Completed"
    assert row.to_json() == spec  # the filter itself keeps the name
    cell_row = RetentionFilterRow(None)  # type: ignore[arg-type]
    qtbot.addWidget(cell_row)
    cell_row.set_json({"retention": {"start": EVENT, "return": {"event": VALUE}, "unit": "week"}, "period": 2})
    assert cell_row.label.text() == (f"Persons who did {EVENT_SHOWN} first in any cohort and returned "
                                     f"({VALUE_SHOWN}) in week 2")
