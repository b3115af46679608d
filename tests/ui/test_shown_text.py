"""No widget of the app shows a bidirectional control from the data at work (app.ui.plain): the
panels, the profile, the Messages panel, the saved reports and the cohorts are filled with
event names, ids, property and trait names and values, campaign, report and cohort names that
hold them, and every text a widget shows is read: labels, group-box, window and tab titles,
buttons, status and tool tips, read-only text boxes, closed combo boxes, and each item view's
cells as its delegate draws them, and the charts' (pyqtgraph's) axis ticks, axis titles, legend
and text items. A label that forgot (a plain QLabel given a name) fails here,
wherever it is. What stays raw on purpose: the line edits (an editable box's text is the value
the user edits and filters with)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QGraphicsTextItem,
    QGroupBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QStatusBar,
    QTabBar,
    QTextEdit,
    QWidget,
)

from app.outbound.destinations.config import parse_destinations
from app.outbound.destinations.forwarder import DestinationWorker
from app.outbound.retry import Backoff
from app.query.cohorts import create_cohort
from app.ui import settings as cfg
from app.ui.cohorts import CohortsDialog, cohort_store
from app.ui.dialogs.connect_dialog import ConnectDialog
from app.ui.panels.destinations import DestinationsPanel
from app.ui.panels.messages import MessagesPanel
from app.ui.plain import BIDI_CONTROLS, DataLabel, display_text, plain_combo, shown_text
from tests.outbound.conftest import add_people, person
from tests.outbound.destinations_support import Receiver, write_destinations
from tests.ui.conftest import settle, wait_panels
from tests.ui.test_bidi_text import (
    EVENT,
    EVENT_SHOWN,
    SPOOF,
    SPOOF_SHOWN,
    VALUE,
    VALUE_SHOWN,
    _hostile_person,
    drawn,
)
from tests.ui.test_bidi_text_more import (
    CAMPAIGN_SHOWN,
    COHORT,
    COHORT_SHOWN,
    REPORT,
    REPORT_SHOWN,
    TRAIT,
    TRAIT_SHOWN,
    _shop,
)

#: What display_text writes around a value holding right-to-left letters; every other control
#: shown is one from the data, at work.
_OWN = {"\u2068", "\u2069"}
_AT_WORK = set(BIDI_CONTROLS) - _OWN
#: Rows read per item view (a long list repeats what its first rows show).
ROWS = 200


def at_work(text: str) -> bool:
    return bool(_AT_WORK.intersection(text or ""))


def _columns(model: QAbstractItemModel, parent: QModelIndex) -> int:
    try:
        return model.columnCount(parent)
    except TypeError:  # a list model's columnCount is private to PySide: it has one
        return 1


def _indexes(model: QAbstractItemModel, parent: QModelIndex | None = None) -> Iterator[QModelIndex]:
    parent = parent if parent is not None else QModelIndex()
    for row in range(min(model.rowCount(parent), ROWS)):
        for col in range(_columns(model, parent)):
            index = model.index(row, col, parent)
            yield index
            if col == 0 and model.rowCount(index) > 0:
                yield from _indexes(model, index)


def shown_texts(widget: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for each text `widget` shows."""
    owner = widget
    while owner is not None and not owner.objectName():
        owner = owner.parentWidget()
    name = f"{type(widget).__name__}({widget.objectName() or f'in {owner.objectName() if owner else None}'})"
    if widget.isWindow():
        yield f"{name} title", widget.windowTitle()
    yield f"{name} tool tip", widget.toolTip()
    if isinstance(widget, QLabel):
        yield name, widget.text()
    elif isinstance(widget, QGroupBox):
        yield f"{name} title", widget.title()
    elif isinstance(widget, QAbstractButton):
        yield name, widget.text()
    elif isinstance(widget, QStatusBar):
        yield name, widget.currentMessage()
    elif isinstance(widget, QTabBar):
        for i in range(widget.count()):
            yield f"{name} tab {i}", widget.tabText(i)
            yield f"{name} tab {i} tool tip", widget.tabToolTip(i)
    elif isinstance(widget, QPlainTextEdit | QTextEdit) and widget.isReadOnly():
        yield name, widget.toPlainText()
    elif isinstance(widget, QComboBox) and not widget.isEditable():
        yield f"{name} closed", shown_text(widget)
    elif isinstance(widget, QAbstractItemView) and not isinstance(widget, QHeaderView) and widget.model() is not None:
        model = widget.model()
        for index in _indexes(model):
            where = f"{name} cell {index.row()},{index.column()}"
            delegate, data = widget.itemDelegateForIndex(index), index.data()
            if data is not None:  # a delegate of its own (a QItemDelegate) draws the text as it is
                yield where, str(delegate.displayText(data, widget.locale()) if hasattr(delegate, "displayText") else data)
            tip = index.data(Qt.ItemDataRole.ToolTipRole)
            yield f"{where} tool tip", tip if isinstance(tip, str) else ""
        for orientation in (Qt.Orientation.Horizontal, Qt.Orientation.Vertical):
            root = QModelIndex()
            count = _columns(model, root) if orientation == Qt.Orientation.Horizontal else min(model.rowCount(root), ROWS)
            for section in range(count):
                header = model.headerData(section, orientation)
                yield f"{name} header {section}", header if isinstance(header, str) else ""
    elif isinstance(widget, pg.GraphicsView):
        for item in widget.scene().items():
            if isinstance(item, pg.AxisItem):  # ticks given as text (setTicks), drawn by the axis
                for level in item._tickLevels or []:
                    for _value, tick in level:
                        yield f"{name} {item.orientation} axis tick", str(tick)
            elif isinstance(item, QGraphicsTextItem):  # axis titles, legends, labels, text items
                yield f"{name} {type(item.parentItem()).__name__} text", item.toPlainText()


def controls_at_work(*roots: QWidget) -> list[tuple[str, str]]:
    """Each (where, text) under `roots` (and their windows' children) showing a control at work."""
    found = []
    for root in roots:
        for widget in [root, *root.findChildren(QWidget)]:
            found += [(where, text) for where, text in shown_texts(widget) if at_work(text)]
    return found


def test_a_shown_text_check_sees_a_plain_label_and_not_a_data_label(qtbot: Any) -> None:
    """The walk below reads what a plain label shows, which a DataLabel writes out."""
    holder = QWidget()
    qtbot.addWidget(holder)
    QLabel(f"Saved “{SPOOF}”", holder).setObjectName("forgot")
    DataLabel(f"Saved “{SPOOF}”", holder).setObjectName("remembered")
    assert controls_at_work(holder) == [("QLabel(forgot)", f"Saved “{SPOOF}”")]
    assert holder.findChild(DataLabel).text() == f"Saved “{SPOOF_SHOWN}”"
    assert display_text(display_text(f"a {SPOOF} שלום")) == display_text(f"a {SPOOF} שלום")


def test_a_closed_combo_box_draws_a_name_with_its_controls_written_out(qtbot: Any) -> None:
    """A box that is not editable (the cohort filter's) draws its chosen entry as display_text
    shows it, pixel for pixel; its text, what is chosen, stays the name."""
    images = []
    for text, plain in ((SPOOF, True), (SPOOF_SHOWN, False), (SPOOF, False)):
        combo = plain_combo(QComboBox()) if plain else QComboBox()
        qtbot.addWidget(combo)
        combo.addItem(text)
        combo.resize(260, 30)
        images.append(combo.grab().toImage())
        if plain:
            assert combo.currentText() == SPOOF and shown_text(combo) == SPOOF_SHOWN
    assert images[0] == images[1] and images[0] != images[2]


def test_no_widget_shows_a_bidi_control_from_the_data(make_window: Any, sqlite_url: str, qtbot: Any) -> None:
    """Every panel, the profile, Messages (a preview), the saved reports and the cohorts showing
    names and values that hold controls: each is shown written out, none at work."""
    engine = _shop(sqlite_url)
    _hostile_person(sqlite_url)
    add_people(engine, {"u07": person(7, **{TRAIT: VALUE})})
    create_cohort(engine, COHORT, {"kind": "users", "where": [{"trait": "plan", "op": "eq", "value": VALUE}]})
    window = make_window(sqlite_url)
    wait_panels(qtbot, window)

    segmentation = window.show_panel("segmentation")
    segmentation.set_query(dict(segmentation.query(), events=[EVENT], breakdown="plan"))
    segmentation.refresh()
    settle(qtbot, segmentation)
    funnels = window.show_panel("funnels")
    funnels.set_query(dict(funnels.query(), steps=[{"event": EVENT, "where": []}, {"event": "Order Completed", "where": []}]))
    funnels.refresh()
    settle(qtbot, funnels, 40_000)
    retention = window.show_panel("retention")
    retention.set_query(dict(retention.query(), start=EVENT))
    retention.refresh()
    settle(qtbot, retention, 40_000)
    users = window.show_panel("users")
    users.set_query({"kind": "users", "where": [{"trait": "plan", "op": "eq", "value": VALUE}]})
    qtbot.waitUntil(lambda: not users.busy, timeout=20_000)
    users.save_cohort(f"Copy of {COHORT}", static=False)
    qtbot.waitUntil(lambda: users.cohort_message.text().startswith("Saved cohort"), timeout=10_000)
    live = window.show_panel("live")
    qtbot.waitUntil(lambda: live.loaded and live.model.rowCount() >= 3, timeout=20_000)
    live.table.selectRow(0)
    messages: MessagesPanel = window.show_panel("messages")  # type: ignore[assignment]
    qtbot.waitUntil(lambda: messages.table.rowCount() == 1 and messages.settled, timeout=20_000)
    messages.table.selectRow(0)
    messages.person.setText("u01")
    messages.preview()
    qtbot.waitUntil(lambda: not messages.previewing and messages.settled, timeout=20_000)
    profile = window.panels["profile"]
    with qtbot.waitSignal(profile.query_finished, timeout=10_000):
        window.show_person(SPOOF)
    window.reports.save(segmentation, REPORT)
    reports = window.reports.dialog()
    qtbot.addWidget(reports)
    store = cohort_store(window.context)
    qtbot.waitUntil(lambda: len(store.cohorts()) == 2, timeout=10_000)
    cohorts = CohortsDialog(store, window)
    qtbot.addWidget(cohorts)

    assert controls_at_work(window, reports, cohorts) == []
    texts = "\n".join(text for root in (window, reports, cohorts)
                      for widget in [root, *root.findChildren(QWidget)] for _where, text in shown_texts(widget))
    for written_out in (SPOOF_SHOWN, EVENT_SHOWN, VALUE_SHOWN, TRAIT_SHOWN, CAMPAIGN_SHOWN, REPORT_SHOWN, COHORT_SHOWN):
        assert written_out in texts  # the walk read the places that show them
    others = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w not in (window, reports, cohorts)]
    assert controls_at_work(*others) == []
    drawn(profile, "shown_profile", (900, 600))
    drawn(messages, "shown_messages", (1100, 700))
    engine.dispose()


def test_the_dialogs_destinations_and_charts_show_no_bidi_control_from_the_data(
    make_window: Any, sqlite_url: str, qtbot: Any, tmp_path: Any
) -> None:
    """Show query (a funnel of a hostile event), the Connect dialog (a URL the user typed,
    remembered), the Destinations panel (a file whose path holds a control, a dead letter) and
    the segmentation chart's totals view (an event name as an axis tick)."""
    engine = _shop(sqlite_url)
    _hostile_person(sqlite_url)
    rx = Receiver().start()
    try:
        rx.script = [(400, {})]
        spec = {"name": "ops-webhook", "type": "webhook", "url": rx.url, "batch": 100}
        folder = tmp_path / SPOOF
        folder.mkdir()
        file = write_destinations(folder / "destinations.json", [spec])
        (dest,) = parse_destinations([spec])
        worker = DestinationWorker(engine, dest, backoff=Backoff(0.01, 0.05))
        worker.catch_up()
        worker.close()
        window = make_window(sqlite_url)
        wait_panels(qtbot, window)
        cfg.remember_connection(window.settings, f"sqlite:///{tmp_path / SPOOF / 'shop.sqlite'}")

        destinations: DestinationsPanel = window.show_panel("destinations")  # type: ignore[assignment]
        destinations.set_destinations_file(str(file))
        qtbot.waitUntil(lambda: destinations.table.rowCount() == 1 and destinations.settled, timeout=20_000)
        assert destinations.dead.rowCount() == 1
        segmentation = window.show_panel("segmentation")
        segmentation.set_query(dict(segmentation.query(), events=[EVENT, "Order Completed"]))
        segmentation.set_view("totals")
        segmentation.refresh()
        settle(qtbot, segmentation)
        funnels = window.show_panel("funnels")
        funnels.set_query(dict(funnels.query(), steps=[{"event": EVENT, "where": [
            {"property": "plan", "op": "eq", "value": VALUE}]}, {"event": "Order Completed", "where": []}]))
        funnels.setFocus()
        show_query = window.show_query()
        assert show_query is not None
        qtbot.addWidget(show_query)
        qtbot.waitUntil(lambda: show_query.copy_sql.isEnabled(), timeout=20_000)
        connect = ConnectDialog(window.settings, window)
        qtbot.addWidget(connect)
        connect.show()

        assert controls_at_work(window, show_query, connect) == []
        texts = "\n".join(text for root in (window, show_query, connect)
                          for widget in [root, *root.findChildren(QWidget)] for _where, text in shown_texts(widget))
        for written_out in (SPOOF_SHOWN, EVENT_SHOWN, VALUE_SHOWN):
            assert written_out in texts
        assert f"{SPOOF_SHOWN}/destinations.json" in destinations.file_label.text()
        # The JSON shown (copied, saved) is the same query, its controls as JSON escapes; the SQL
        # copied is the SQL sent, as it is.
        assert json.loads(show_query.json_view.toPlainText()) == funnels.query()
        assert EVENT in show_query.sql_text and EVENT_SHOWN in show_query.sql_view.toPlainText()
        assert "Copy copies them as they are" in show_query.sql_status.text()
        assert EVENT_SHOWN in [tick for _v, tick in segmentation.chart.totals_plot.getAxis("bottom")._tickLevels[0]]
    finally:
        rx.stop()
        engine.dispose()
