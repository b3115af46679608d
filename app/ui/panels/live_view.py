"""The Live View panel: events as they arrive, newest on top, polled off the GUI thread.

Each poll asks the engine for events after the last id seen (`{"kind": "live", ...}`), so
its cost depends on the new events only. A poll that fails because the connection dropped
is retried with back-off by the panel's channel with the same `after_id`, so on recovery
the view continues exactly where it stopped: nothing missed, nothing twice.

What it filters by is the panel's LiveState (app.query.panel_state): the event combo and the
filter builder are bound to it, a changed filter starts a new stream, and each filter change is
one Edit > Undo step (the poll's moving `after_id` and `limit` are not part of it). Each poll's
worker also looks up the name and e-mail traits of the persons it returned, so the Person column
names people as View > Show people by says (app.ui.people) without queries on the GUI thread.
"""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from app.query.panel_state import LiveState
from app.ui.cohorts import add_cohort_rows
from app.ui.context import AppContext
from app.ui.panel import Panel
from app.ui.panels.live_model import DEFAULT_CAPACITY, LiveEventsModel, local_time
from app.ui.plain import plain_items, plain_tip
from app.ui.registry import register_panel
from app.ui.theme import style_plot
from app.ui.widgets.bind import Binder
from app.ui.widgets.combo import ALL_EVENTS, EventNameCombo, line_edit_of
from app.ui.widgets.empty_state import empty_database_text
from app.ui.widgets.export import ExportButton, write_model_csv
from app.ui.widgets.filter_builder import FilterBuilder

#: Rows shown when the view starts (or its filter changes) before polling for new ones.
INITIAL_ROWS = 1000
#: PostgreSQL: ids below the highest one seen may still commit (rows written by tools other
#: than the Tracklens writer, which serialises its inserts). Each poll looks this many ids
#: back and drops the ones already shown (docs/query.md, "Live").
SEEN_IDS_KEPT = 500
#: Minutes the events-per-minute sparkline covers.
SPARK_MINUTES = 30


@register_panel
class LiveViewPanel(Panel):
    panel_id = "live"
    shows_discovery = True
    title = "Live View"
    order = 90
    default_area = Qt.DockWidgetArea.RightDockWidgetArea
    saveable = False

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        #: What the view filters by; the controls are bound to it (query() adds the poll's cursor).
        self.state = LiveState()
        self.binder = Binder(self.state, self._on_filter_debounced)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.timeout.connect(self._on_filter_changed)
        self.model = LiveEventsModel(DEFAULT_CAPACITY, self)
        self.model.display_mode = str(context.settings.value("people/display", "name"))
        self.after_id = 0
        self.loaded = False
        self.polls = 0
        self.missed_bursts = 0
        self._seen: set[int] = set()
        self._per_minute: dict[int, int] = {}
        #: The first minute whose every event the view has received (earlier ones: unknown).
        self._known_from_minute = 0
        self._building = True

        bar = QHBoxLayout()
        self.pause_button = QPushButton("Pause", self.body)
        self.pause_button.setObjectName("pauseButton")
        self.pause_button.setCheckable(True)
        bar.addWidget(self.pause_button)
        bar.addWidget(QLabel("every", self.body))
        self.interval = QDoubleSpinBox(self.body)
        self.interval.setObjectName("intervalSpin")
        self.interval.setRange(0.2, 60.0)
        self.interval.setSingleStep(0.5)
        self.interval.setValue(1.0)
        self.interval.setSuffix(" s")
        bar.addWidget(self.interval)
        self.event_filter = EventNameCombo(self.body)
        self.event_filter.setObjectName("liveEventFilter")
        self.event_filter.setMinimumContentsLength(14)
        bar.addWidget(self.event_filter, 1)
        self.filters_toggle = QToolButton(self.body)
        self.filters_toggle.setText("Filters ▸")
        self.filters_toggle.setCheckable(True)
        bar.addWidget(self.filters_toggle)
        self.export_button = ExportButton(
            self.body, "live-events", images=[("Events per minute", lambda: self.spark), ("Table", lambda: self.table)],
            csv=lambda path: write_model_csv(self.model, path), csv_label="Events shown")
        bar.addWidget(self.export_button)
        self.body_layout.addLayout(bar)

        self.filter_builder = FilterBuilder(context.discovery, self.body)
        add_cohort_rows(self.filter_builder, context)
        self.filter_builder.setVisible(False)
        self.body_layout.addWidget(self.filter_builder)

        spark_row = QHBoxLayout()
        self.spark = pg.PlotWidget(self.body)
        self.spark.setObjectName("sparkline")
        self.spark.setFixedHeight(54)
        self.spark.hideAxis("bottom")
        self.spark.hideAxis("left")
        self.spark.setMouseEnabled(x=False, y=False)
        self.spark.setMenuEnabled(False)
        style_plot(self.spark)
        self.spark.hideButtons()
        self.spark_curve = self.spark.plot(
            [], [], pen=pg.mkPen("#4e79a7", width=2), fillLevel=0, brush=pg.mkBrush(78, 121, 167, 60)
        )
        self.rate_label = QLabel("", self.body)
        self.rate_label.setObjectName("rateLabel")
        self.rate_label.setMinimumWidth(120)
        spark_row.addWidget(self.spark, 1)
        spark_row.addWidget(self.rate_label)
        self.body_layout.addLayout(spark_row)

        split = QSplitter(Qt.Orientation.Vertical, self.body)
        self.table = plain_items(QTableView(split))
        self.table.setObjectName("liveTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        # Sized to what the columns hold (the first rows measured, not all 5,000), so time,
        # country, browser and OS fit beside each other in the dock's default width.
        header.setResizeContentsPrecision(60)
        self._fit_columns(initial=True)
        self.detail = plain_items(QTreeWidget(split))
        self.detail.setObjectName("liveDetail")
        self.detail.setHeaderLabels(["Field", "Value"])
        self.detail.setColumnWidth(0, 180)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        self.keep_divider("detail_height", split, 1, [500, 180])
        self.body_layout.addWidget(split, 1)

        self.timer = QTimer(self)
        self.timer.timeout.connect(self.poll)
        self.pause_button.toggled.connect(self._on_pause_toggled)
        self.interval.valueChanged.connect(self._on_interval_changed)
        self.event_filter.currentIndexChanged.connect(self._on_filter_changed)
        line_edit_of(self.event_filter).editingFinished.connect(self._on_filter_changed)
        self.filter_builder.changed.connect(lambda: self.binder.write(where=self.filter_builder.filters()))
        self.filters_toggle.toggled.connect(self._toggle_filters)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.table.doubleClicked.connect(self._on_double_clicked)
        context.discovery.events_changed.connect(self._on_events_discovered)
        #: The event combo's text as last shown or committed (an unedited text writes nothing).
        self._events_text = ALL_EVENTS
        self.binder.watch("events", self._show_events)
        self.binder.watch("where", self._show_where)
        self.binder.show_all()
        #: The filter the shown stream was started with.
        self._last_filter: tuple[str, str] | None = self._filter_key()
        self._show_hint()
        self._building = False

    # ----------------------------------------------------------------- query
    def events_filter(self) -> list[str]:
        return list(self.state.events)

    def query(self) -> dict[str, Any]:
        """The poll as it would run now (also what the window saves as this panel's state)."""
        state = self.state.to_query()
        return {"kind": "live", "after_id": self._poll_from(), "limit": self._limit(),
                **{k: v for k, v in state.items() if k != "kind"}}

    def undo_query(self) -> dict[str, Any]:
        """Undo steps are filter changes, not the poll's cursor moving."""
        return self.state.to_query()

    def saved_query(self) -> dict[str, Any]:
        """A report keeps the filter: the cursor and size are each poll's (opening ignores them)."""
        return self.state.to_query()

    def _limit(self) -> int:
        if not self.loaded:
            return INITIAL_ROWS
        connection = self.context.connection
        return DEFAULT_CAPACITY + (connection.backend.live_lookback_rows if connection is not None else 0)

    def _poll_from(self) -> int:
        connection = self.context.connection
        if self.loaded and connection is not None and connection.backend.live_lookback_ids:
            return max(0, self.after_id - connection.backend.live_lookback_ids)
        return self.after_id

    def set_query(self, spec: dict[str, Any]) -> None:
        """Show a query's filter (its poll cursor and size are the view's own). A different
        filter than the stream shown starts a new stream (at the next poll, or F5)."""
        self.binder.load(spec)
        key = self._filter_key()
        if key != self._last_filter:
            self._last_filter = key
            if self.loaded or self.channel.busy:
                self.channel.cancel(quiet=True)
                self._reset_stream()

    def _show_events(self) -> None:
        events = self.state.events
        if len(events) > 1:
            self.event_filter.show_text(", ".join(events))
        else:
            self.event_filter.show_name(events[0] if events else None)
        self._events_text = self.event_filter.currentText()
        self.event_filter.setToolTip(plain_tip("Events: " + self._events_text) if len(events) > 1 else "")

    def _show_where(self) -> None:
        self.filter_builder.set_filters(self.state.where)
        if self.state.where:
            self.filters_toggle.setChecked(True)  # a filter in effect is never hidden

    def _commit_events(self) -> None:
        """The event combo's text as the state's events (an unedited text keeps what it shows,
        such as a saved query's several events)."""
        text = self.event_filter.currentText().strip()
        if text == self._events_text and self.event_filter.means_all() == (not self.state.events):
            return
        self._events_text = text
        self.binder.write(events=self.event_filter.chosen())

    def ui_state(self) -> dict[str, Any]:
        return {"interval": self.interval.value(), "paused": self.pause_button.isChecked()}

    def set_ui_state(self, state: dict[str, Any]) -> None:
        interval = state.get("interval", 1.0)
        if isinstance(interval, int):  # 10**400 in a hand-edited report has no float: the nearest bound
            interval = min(max(interval, self.interval.minimum()), self.interval.maximum())
        self.interval.setValue(float(interval))
        self.pause_button.setChecked(bool(state.get("paused", False)))

    def refresh(self) -> None:
        """F5: poll now."""
        self.poll(force=True)

    def poll(self, force: bool = False) -> None:
        """Ask for events newer than the last one shown (skipped while one is in flight)."""
        if self.context.connection is None or (self.pause_button.isChecked() and not force):
            return
        if self.channel.busy:
            return
        self.polls += 1
        self.run_query(self.query())

    def show_result(self, result: Any) -> None:
        self.model.set_person_traits(result.get("people") or {})
        rows = [r for r in result.get("events", []) if int(r["id"]) not in self._seen]
        if rows:
            self.after_id = max(self.after_id, max(int(r["id"]) for r in rows))
            self._seen.update(int(r["id"]) for r in rows)
        floor = self.after_id - SEEN_IDS_KEPT
        if len(self._seen) > 4 * SEEN_IDS_KEPT:
            self._seen = {i for i in self._seen if i > floor}
        if result.get("more") and rows:
            # Older events exist that this answer left out (the first load, or a burst larger
            # than the buffer): per-minute counts before the oldest row shown are unknown.
            if self.loaded:
                self.missed_bursts += 1
            oldest = min(int(r["ts"]) for r in rows)
            self._known_from_minute = max(self._known_from_minute, oldest // 60_000 + 1)
        first = not self.loaded
        self.loaded = True
        self._insert(rows)
        if first and rows:
            self._fit_columns()
        if first and not rows and self.model.rowCount() == 0 and self.database_empty():
            self._show_hint(empty_database_text(self.display_url()).splitlines())
        self._update_status()
        if not self.timer.isActive() and not self.pause_button.isChecked():
            self.timer.start(int(self.interval.value() * 1000))

    # ----------------------------------------------------------------- view upkeep
    #: widest a column gets from its contents (long ids and event names are cut, hover shows them)
    MAX_COLUMN_WIDTH = 150

    def _fit_columns(self, *, initial: bool = False) -> None:
        """Each column as wide as its header or, once rows arrived, its widest content (capped).
        Only the rows in view are measured: measuring the first 1,000 rows of 7 columns took
        ~290 ms of the GUI thread under load (7 ms for the rows in view), the largest pause
        when a database opens."""
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(0)
        metrics = self.table.fontMetrics()
        samples = {0: local_time(1_700_000_000_000 + 86_400_000 * 30), 4: "WW"}
        for column in range(self.model.columnCount() - 1):  # the last one stretches
            if initial:
                title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
                width = max(metrics.horizontalAdvance(title), metrics.horizontalAdvance(samples.get(column, ""))) + 18
            else:
                self.table.resizeColumnToContents(column)
                width = min(header.sectionSize(column), self.MAX_COLUMN_WIDTH)
            header.resizeSection(column, width)

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            self._update_spark()
            return
        bar = self.table.verticalScrollBar()
        at_top = bar.value() == 0
        before = bar.value()
        added = self.model.prepend(rows)
        if not at_top:
            # Keep the rows the user is reading where they are (ScrollPerItem: one step per row).
            bar.setValue(min(before + added, bar.maximum()))
        for row in rows:
            ts = row.get("ts")
            if isinstance(ts, int):
                minute = ts // 60_000
                self._per_minute[minute] = self._per_minute.get(minute, 0) + 1
        self._update_spark()

    def _update_spark(self) -> None:
        now_minute = int(time.time() // 60)
        first = now_minute - SPARK_MINUTES + 1
        for minute in [m for m in self._per_minute if m < first]:
            del self._per_minute[minute]
        xs = np.arange(first, now_minute + 1, dtype=float)
        # Minutes before the first complete one are unknown, not zero: left blank.
        ys = np.array(
            [self._per_minute.get(int(m), 0) if m >= self._known_from_minute else np.nan for m in xs], dtype=float
        )
        self.spark_curve.setData(xs, ys, connect="finite")
        self.spark.setXRange(first, now_minute, padding=0.02)
        now_count = self._per_minute.get(now_minute, 0) if now_minute >= self._known_from_minute else None
        last_count = self._per_minute.get(now_minute - 1, 0) if now_minute - 1 >= self._known_from_minute else None
        self.rate_label.setText(
            f"{_count(now_count)}/min this minute\n{_count(last_count)} last minute"
        )

    def _update_status(self) -> None:
        if self.pause_button.isChecked():
            self.status_text.emit("Live View: paused")
        else:
            self.status_text.emit(
                f"Live View: polling every {self.interval.value():g} s · {local_time(int(time.time() * 1000))}"
            )

    def clear(self) -> None:
        self.timer.stop()
        self._reset_stream()

    def _reset_stream(self) -> None:
        self.model.clear()
        self._show_hint()
        self.after_id = 0
        self.loaded = False
        self._seen.clear()
        self._per_minute.clear()
        self._known_from_minute = 0

    def connection_changed(self, connection: Any) -> None:
        if connection is None:
            self.status_text.emit("Live View: not connected")

    # ----------------------------------------------------------------- controls
    def _on_pause_toggled(self, paused: bool) -> None:
        self.pause_button.setText("Resume" if paused else "Pause")
        if paused:
            self.timer.stop()
        elif self.context.connection is not None:
            self.timer.start(int(self.interval.value() * 1000))
            self.poll()
        self._update_status()

    def _on_interval_changed(self, seconds: float) -> None:
        if self.timer.isActive():
            self.timer.start(int(seconds * 1000))
        self._update_status()

    def _filter_key(self) -> tuple[str, str]:
        return (json.dumps(self.state.events), json.dumps(self.state.where, sort_keys=True))

    def _on_filter_debounced(self) -> None:
        self._filter_timer.start(300)

    def _on_filter_changed(self, *_args: Any) -> None:
        if self._building or self.binder.showing:
            return
        self._commit_events()
        key = self._filter_key()
        if key == self._last_filter:
            return
        self._last_filter = key
        # A new filter starts a new stream: the newest matching events, then new ones.
        self.channel.cancel(quiet=True)
        self._reset_stream()
        self.poll(force=True)

    def _toggle_filters(self, shown: bool) -> None:
        self.filter_builder.setVisible(shown)
        self.filters_toggle.setText("Filters ▾" if shown else "Filters ▸")

    def _on_events_discovered(self) -> None:
        if self.model.rowCount() == 0 and self.database_empty():
            self._show_hint(empty_database_text(self.display_url()).splitlines())
        self.event_filter.set_names([name for name, _count in self.context.discovery.events()])

    # ----------------------------------------------------------------- rows
    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self._show_hint()
            return
        self.show_details(self.model.row(current.row()))

    def _show_hint(self, lines: list[str] | None = None) -> None:
        """The detail pane's text while no event is selected (or how to get data in)."""
        self.detail.clear()
        for line in lines or ["Select an event to see all its fields, properties and context."]:
            hint = QTreeWidgetItem(self.detail, [line])
            hint.setFirstColumnSpanned(True)
            hint.setDisabled(True)

    def show_details(self, row: dict[str, Any]) -> None:
        """All fields of an event, its properties and context as an expandable tree."""
        self.detail.clear()
        for key, value in row.items():
            item = QTreeWidgetItem(self.detail, [str(key), "" if isinstance(value, dict | list) else _text(key, value)])
            _add_children(item, value)
            if key in ("properties", "context"):
                item.setExpanded(True)

    def _on_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            person = self.model.row(index.row()).get("person")
            if person:
                self.open_person.emit(str(person))

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )


def _count(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def _text(key: str, value: Any) -> str:
    if key in ("ts", "received_at") and isinstance(value, int):
        return f"{local_time(value)}  ({value})"
    return "" if value is None else str(value)


def _add_children(item: QTreeWidgetItem, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            sub = QTreeWidgetItem(item, [str(key), "" if isinstance(child, dict | list) else str(child)])
            _add_children(sub, child)
    elif isinstance(value, list):
        for i, child in enumerate(value):
            sub = QTreeWidgetItem(item, [f"[{i}]", "" if isinstance(child, dict | list) else str(child)])
            _add_children(sub, child)
