"""The Segmentation panel: event volumes over time, filtered, broken down, compared.

The controls edit one `{"kind": "segmentation", ...}` query (docs/query.md); every burst of
changes runs it once (debounced) through the panel's channel, and the chart and the table
beneath show exactly the numbers the engine returned.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.query.model import NUMERIC_MEASURES
from app.query.panel_state import MEASURE_CHOICES, UNIT_CHOICES, SegmentationState
from app.query.timerange import incomplete_bucket
from app.ui.context import AppContext
from app.ui.discovery import parse_events
from app.ui.errors import ErrorInfo
from app.ui.panel import Panel
from app.ui.plain import plain_combo, plain_items
from app.ui.registry import register_panel
from app.ui.widgets.bind import Binder
from app.ui.widgets.breakdown_combo import BreakdownCombo
from app.ui.widgets.combo import line_edit_of
from app.ui.widgets.controls_column import ControlsColumn
from app.ui.widgets.date_range import DateRangePicker, local_zone_name
from app.ui.widgets.empty_state import empty_database_html
from app.ui.widgets.event_picker import EventPicker
from app.ui.widgets.export import ExportButton, write_csv
from app.ui.widgets.filter_builder import FilterBuilder
from app.ui.widgets.series_chart import DEFAULT_TOP, Series, SeriesChart
from app.ui.widgets.series_table import SeriesTableModel
from app.ui.widgets.wrap_row import WrapRow

#: The query model's measures and units, with their labels (app.query.panel_state).
MEASURES = MEASURE_CHOICES
UNITS = UNIT_CHOICES
VIEWS = [("line", "Line"), ("stacked", "Stacked bars"), ("totals", "Totals")]
NO_BREAKDOWN = "(none)"


def bucket_label(iso: str, unit: str) -> str:
    """A column header for a bucket in the query's local time."""
    if unit == "hour":
        return iso[5:16].replace("T", " ")
    if unit == "month":
        return iso[:7]
    if unit == "week":
        return f"wk {iso[:10]}"
    return iso[:10]


def series_label(row: dict[str, Any], single_event: bool) -> str:
    event = str(row.get("event"))
    group = row.get("group")
    if group is None:
        return event
    return str(group) if single_event else f"{event} · {group}"


@register_panel
class SegmentationPanel(Panel):
    panel_id = "segmentation"
    shows_discovery = True
    title = "Segmentation"
    order = 10
    default_area = Qt.DockWidgetArea.LeftDockWidgetArea

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        #: The query this panel shows; the controls are bound to it (query() is its JSON).
        self.state = SegmentationState()
        self.binder = Binder(self.state, self._edited)
        #: What the table shows: each series with the engine's row it came from.
        self.rows: list[tuple[Series, dict[str, Any]]] = []
        splitter = QSplitter(Qt.Orientation.Horizontal, self.body)
        self.body_layout.addWidget(splitter)
        splitter.addWidget(self._build_controls())
        splitter.addWidget(self._build_results())
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        self.keep_divider("controls_width", splitter, 0, [300, 900])

        #: The picker's volumes count the panel's own range and zone, asked on a side channel.
        self.volume_channel = self.new_channel()
        self.volume_channel.result.connect(self._on_volumes)
        self.volume_channel.failed.connect(self._on_volumes_failed)
        self.show_retries_of(self.volume_channel)
        self._volume_key: tuple[str, str] | None = None
        #: (range, zone) whose volumes the picker shows; None before the first answer.
        self.volume_key_shown: tuple[str, str] | None = None
        self._volume_pending: tuple[tuple[str, str], str] | None = None
        discovery = context.discovery
        discovery.events_changed.connect(self._on_events_discovered)
        discovery.properties_changed.connect(self._on_properties_discovered)
        self._on_properties_discovered()
        self.binder.show_all()

    # ----------------------------------------------------------------- construction
    def _build_controls(self) -> QWidget:
        scroll = ControlsColumn(self.body)
        holder, column = scroll.holder, scroll.column

        events_box = QGroupBox("Events", holder)
        events_layout = QVBoxLayout(events_box)
        self.event_picker = EventPicker(events_box)
        self.event_picker.setMinimumHeight(180)
        events_layout.addWidget(self.event_picker)
        column.addWidget(events_box, 2)

        measure_box = QGroupBox("Measure", holder)
        form = QFormLayout(measure_box)
        self.measure_combo = QComboBox(measure_box)
        self.measure_combo.setObjectName("measureCombo")
        for key, label in MEASURES:
            self.measure_combo.addItem(label, key)
        # Property names from the data: its list as the app shows them (app.ui.plain).
        self.measure_property = plain_combo(QComboBox(measure_box))
        self.measure_property.setObjectName("measureProperty")
        self.measure_property.setEditable(True)
        self.measure_property.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        line_edit_of(self.measure_property).setPlaceholderText("numeric property…")
        form.addRow(self.measure_combo)
        form.addRow("of", self.measure_property)
        column.addWidget(measure_box)

        filter_box = QGroupBox("Filters", holder)
        filter_layout = QVBoxLayout(filter_box)
        self.filter_builder = FilterBuilder(self.context.discovery, filter_box)
        filter_layout.addWidget(self.filter_builder)
        column.addWidget(filter_box)

        breakdown_box = QGroupBox("Breakdown", holder)
        breakdown_layout = QVBoxLayout(breakdown_box)
        self.breakdown_combo = BreakdownCombo(NO_BREAKDOWN, breakdown_box)
        self.breakdown_combo.setObjectName("breakdownCombo")
        breakdown_layout.addWidget(self.breakdown_combo)
        self.compare_check = QCheckBox("Compare with the previous period", breakdown_box)
        self.compare_check.setObjectName("compareCheck")
        breakdown_layout.addWidget(self.compare_check)
        column.addWidget(breakdown_box)
        scroll.finish()

        binder = self.binder
        self.event_picker.changed.connect(lambda: binder.write(events=self.event_picker.selected()))
        binder.watch("events", lambda: self.event_picker.set_selected(self.state.events))
        self.measure_combo.currentIndexChanged.connect(self._on_measure_changed)
        self.measure_property.currentTextChanged.connect(self._on_measure_changed)
        binder.watch("measure", self._show_measure)
        self.filter_builder.changed.connect(lambda: binder.write(where=self.filter_builder.filters()))
        binder.watch("where", lambda: self.filter_builder.set_filters(self.state.where))
        self.breakdown_combo.currentIndexChanged.connect(self._on_breakdown_edited)
        line_edit_of(self.breakdown_combo).editingFinished.connect(self._on_breakdown_edited)
        binder.watch("breakdown", lambda: self._set_breakdown(self.state.breakdown))
        binder.check(self.compare_check, "compare_previous")
        self._show_measure()
        return scroll

    def _build_results(self) -> QWidget:
        holder = QWidget(self.body)
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        toolbar = WrapRow()  # wraps when narrow: one row asked for 867 px, wider than a laptop's dock
        self.range_picker = DateRangePicker(holder)
        toolbar.addWidget(self.range_picker, 3)
        toolbar.addWidget(QLabel("by", holder), keep_with_next=True)
        self.unit_combo = QComboBox(holder)
        self.unit_combo.setObjectName("unitCombo")
        self.binder.combo(self.unit_combo, "unit", UNITS)
        toolbar.addWidget(self.unit_combo)
        self.view_combo = QComboBox(holder)
        self.view_combo.setObjectName("viewCombo")
        for key, label in VIEWS:
            self.view_combo.addItem(label, key)
        toolbar.addWidget(self.view_combo)
        split = QSplitter(Qt.Orientation.Vertical, holder)
        self.chart = SeriesChart(split)
        self.export_button = ExportButton(holder, "segmentation", images=[("Chart", self.chart.export_widget)],
                                          csv=self.export_csv)
        toolbar.addWidget(self.export_button)
        layout.addLayout(toolbar)

        self.chart.setMinimumHeight(220)
        self.table = plain_items(QTableView(split))
        self.table.setObjectName("numbersTable")
        self.table_model = SeriesTableModel(self.table)
        self.table.setModel(self.table_model)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        split.addWidget(self.chart)
        split.addWidget(self.table)
        self.keep_divider("table_height", split, 1, [520, 220])
        layout.addWidget(split, 1)
        self.summary = QLabel("", holder)
        self.summary.setObjectName("segmentationSummary")
        self.summary.setWordWrap(True)  # not as wide as its longest line
        layout.addWidget(self.summary)

        self.range_picker.changed.connect(self._on_range_changed)
        self.binder.watch(("range", "timezone"), self._show_range)
        self.view_combo.currentIndexChanged.connect(lambda _i: self.chart.set_view(self.view()))
        self.chart.hovered.connect(self._on_hovered)
        return holder

    # ----------------------------------------------------------------- query
    def query(self) -> dict[str, Any]:
        return self.state.to_query()

    def set_query(self, spec: dict[str, Any]) -> None:
        self.binder.load(spec)

    def ui_state(self) -> dict[str, Any]:
        return {"view": self.view()}

    def set_ui_state(self, state: dict[str, Any]) -> None:
        index = self.view_combo.findData(state.get("view", "line"))
        self.view_combo.setCurrentIndex(max(0, index))

    @property
    def settled(self) -> bool:
        return (super().settled and not self.chart.drawing and not self._refresh_timer.isActive()
                and not self.volume_channel.busy)

    def refresh(self) -> None:
        super().refresh()
        self.refresh_volumes()

    def connection_changed(self, connection: Any) -> None:
        self._volume_key = None
        self.volume_key_shown = None

    # ----------------------------------------------------------------- picker volumes
    def volume_spec(self) -> dict[str, Any]:
        """The discovery query whose counts the events picker shows: the panel's range and zone."""
        return {
            "kind": "discovery",
            "what": "events",
            "limit": 1000,
            "range": self.state.range,
            "timezone": self.state.timezone or local_zone_name(),
        }

    def refresh_volumes(self, *, force: bool = False) -> None:
        """Re-count the picker's events off the GUI thread when the range or zone changed."""
        connection = self.context.connection
        if connection is None:
            return
        spec = self.volume_spec()
        key = (repr(spec["range"]), str(spec["timezone"]))
        if not force and key == self._volume_key:
            return
        self._volume_key = key
        caption = f"Counts: events in {self.range_picker.describe()} ({spec['timezone']})"
        self._volume_pending = (key, caption)
        self.volume_channel.submit(connection.query_job(spec))

    def _on_volumes(self, result: Any) -> None:
        counted = parse_events(result)
        # Events the database knows but that did not happen in the range stay pickable.
        known = {name for name, _count in counted}
        others = [(name, 0) for name, _count in self.context.discovery.events() if name not in known]
        if self._volume_pending is not None:
            self.volume_key_shown, caption = self._volume_pending
            self.event_picker.set_volume_caption(caption)
        self.event_picker.set_events(counted + others)

    def _on_volumes_failed(self, info: ErrorInfo) -> None:
        self._volume_key = None
        self.event_picker.set_volume_caption(f"Counts unavailable: {info.message}")

    def _on_range_changed(self) -> None:
        if self.binder.showing:
            return
        zone = self.range_picker.timezone()
        # The machine's zone shown for a query without one stays "no zone" (None).
        keep_none = self.state.timezone is None and zone == local_zone_name()
        self.binder.write(range=self.range_picker.range_spec(), timezone=None if keep_none else zone)
        self.refresh_volumes()

    def _show_range(self) -> None:
        self.range_picker.set_timezone(self.state.timezone)
        self.range_picker.set_range_spec(self.state.range)

    def view(self) -> str:
        return str(self.view_combo.currentData())

    def set_view(self, view: str) -> None:
        self.view_combo.setCurrentIndex(max(0, self.view_combo.findData(view)))

    def _breakdown(self) -> Any:
        return self.breakdown_combo.breakdown()

    def _set_breakdown(self, breakdown: Any) -> None:
        self.breakdown_combo.set_breakdown(breakdown)

    # ----------------------------------------------------------------- reacting
    def _edited(self) -> None:
        self.schedule_refresh()

    def _on_measure_changed(self, *_args: Any) -> None:
        kind = str(self.measure_combo.currentData())
        self.measure_property.setEnabled(kind in NUMERIC_MEASURES)
        self.binder.edit(lambda: self.state.set_measure(kind, self.measure_property.currentText()))

    def _show_measure(self) -> None:
        kind = self.state.measure_kind
        self.measure_combo.setCurrentIndex(max(0, self.measure_combo.findData(kind)))
        if self.state.measure_property:
            self.measure_property.setCurrentText(self.state.measure_property)
        self.measure_property.setEnabled(kind in NUMERIC_MEASURES)

    def _on_breakdown_edited(self, *_args: Any) -> None:
        self.binder.write(breakdown=self._breakdown())

    def _on_events_discovered(self) -> None:
        discovery = self.context.discovery
        if not discovery.loaded_events:  # a new database: forget the old one's names
            self._volume_key = None
            self.volume_key_shown = None
            self.event_picker.set_volume_caption("")
            self.event_picker.set_events([])
            return
        self.refresh_volumes(force=True)  # new events may have arrived
        if self._database_empty() and isinstance(self.last_result, dict) and not self.rows:
            # The answer came before the pickers knew the database is empty: say how to get data in.
            self.chart.message(empty_database_html(self._display_url()))
            self.summary.setText("")

    def _on_properties_discovered(self) -> None:
        current_measure = self.measure_property.currentText()
        with self.binder.show():
            self.breakdown_combo.fill(self.context.discovery.properties(), self.state.breakdown)
            self.measure_property.clear()
            for info in self.context.discovery.properties(traits=False):
                if info.type == "number":
                    self.measure_property.addItem(info.name, info)
            self.measure_property.setCurrentText(current_measure)

    def clear(self) -> None:
        self.chart.set_data([], [], self.view())
        self.table_model.set_series([], [], [])
        self.summary.setText("")

    # ----------------------------------------------------------------- results
    def show_result(self, result: Any) -> None:
        spec = self.query()
        buckets = list(result.get("buckets", []))
        rows = list(result.get("series", []))
        events = {row.get("event") for row in rows}
        single_event = len(events) == 1
        # With compare_previous the engine appends the previous period's series (flagged
        # "previous"), aligned to the current buckets: drawn dashed, labelled as such.
        pairs = []
        for row in rows:
            dashed = bool(row.get("previous"))
            label = series_label(row, single_event) + (" (previous)" if dashed else "")
            pairs.append((Series(label, list(row.get("values", [])), row.get("total", 0) or 0, dashed=dashed), row))
        self.rows = pairs
        series = [s for s, _row in pairs]
        unit = str(result.get("unit") or spec.get("unit", "day"))
        self._fill_table(buckets, series, unit)
        if not series and self._database_empty():
            self.chart.message(empty_database_html(self._display_url()))
            self.summary.setText("")
            return
        incomplete = None
        if result.get("timezone") and buckets:
            incomplete = incomplete_bucket(buckets, unit, str(result["timezone"]), (result.get("range") or {}).get("to"))
        top = DEFAULT_TOP if spec.get("breakdown") is not None else None
        self.chart.set_data(buckets, series, self.view(), unit, incomplete=incomplete, top=top)
        if not series:
            self.chart.message(f"No events in {self.range_picker.describe()} match this query.")
        what = "events" if spec["measure"] == "total" else "users" if spec["measure"] == "unique" else "value"
        text = f"{len(series)} series · {len(buckets)} buckets · measure: {what}"
        drawn = self.chart.drawn_count
        if 0 < drawn < len(series):
            text += f" · the chart draws {drawn} (pick them beside it), the table all {len(series)}"
        if incomplete is not None:
            text += " · the dashed end is the period still in progress"
        self.summary.setText(text)

    def _database_empty(self) -> bool:
        discovery = self.context.discovery
        return bool(discovery.loaded_events) and not discovery.events()

    def _display_url(self) -> str | None:
        connection = self.context.connection
        return connection.display_url if connection is not None else None

    def _fill_table(self, buckets: list[str], series: list[Series], unit: str) -> None:
        self.table_model.set_series(buckets, [bucket_label(b, unit) for b in buckets], series)
        self.table.setColumnWidth(0, 190)

    def table_numbers(self) -> list[tuple[str, Any, list[Any]]]:
        """(label, total, values) per table row, as the engine returned them."""
        model = self.table_model
        out = []
        for row in range(model.rowCount()):
            numbers = [model.value(row, col) for col in range(1, model.columnCount())]
            out.append((model.value(row, 0), numbers[0], numbers[1:]))
        return out

    def _on_hovered(self, index: int) -> None:
        """Highlight the hovered bucket's column without scrolling the table under the user."""
        model = self.table_model
        rows = model.rowCount()
        column = index + 2
        if rows == 0 or column >= model.columnCount():
            return
        selection = QItemSelection(model.index(0, column), model.index(rows - 1, column))
        self.table.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    # ----------------------------------------------------------------- export
    def export_csv(self, path: str | Path) -> None:
        """The numbers exactly as the engine returned them, one row per series."""
        result = self.last_result or {}
        buckets = list(result.get("buckets", []))
        write_csv(path, ["series", "event", "group", "total", *buckets],
                  ([series.label, row.get("event", ""), row.get("group"), series.total, *series.values]
                   for series, row in self.rows))
