"""The Funnels panel: a step editor and three views of one funnel query.

The controls edit one `{"kind": "funnel", ...}` query (docs/query.md); "view" picks the
answer: the steps (bars with drop-off and time between steps, grouped with a breakdown),
conversion over time by the day persons entered, or the time-to-convert distribution.
Clicking a step offers its persons — who reached it, who dropped off after it — which open
in the User explorer as a `funnel_persons` query.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.query.panel_state import FUNNEL_VIEW_CHOICES, UNIT_CHOICES, WINDOW_UNIT_CHOICES, FunnelState
from app.query.timerange import incomplete_bucket
from app.ui.panels.funnel_chart import AXIS_CHOICES, FunnelChart, HistogramChart, duration, percent
from app.ui.panels.funnel_options import FunnelOptions
from app.ui.panels.funnel_steps import StepsEditor
from app.ui.panels.state_panel import StateQueryPanel
from app.ui.plain import DataLabel, menu_text, plain_items
from app.ui.registry import register_panel
from app.ui.widgets.bind import show_in_spin
from app.ui.widgets.controls_column import ControlsColumn
from app.ui.widgets.date_range import DateRangePicker
from app.ui.widgets.empty_state import empty_database_html, empty_database_text
from app.ui.widgets.export import ExportButton, model_table, write_csv
from app.ui.widgets.series_chart import Series, SeriesChart
from app.ui.widgets.wrap_row import WrapRow

#: The query model's window units, views and trend units, with their labels (app.query.panel_state).
WINDOW_UNITS = WINDOW_UNIT_CHOICES
VIEWS = FUNNEL_VIEW_CHOICES
TREND_UNITS = UNIT_CHOICES
#: The demo product's purchase journey: the default when it exists.
DEMO_STEPS = ["Product Viewed", "Added To Cart", "Checkout Started", "Order Completed"]


def wrap_header(text: str, width: int = 16) -> str:
    """A long column title on up to two lines (the header grows taller, the column narrower)."""
    lines = textwrap.wrap(text, width)
    return text if len(lines) <= 1 else "\n".join([lines[0], " ".join(lines[1:])])


def default_steps(events: list[tuple[str, int]]) -> list[str]:
    """A first funnel to look at: the demo's purchase journey, else the three most frequent events."""
    names = [name for name, _count in events]
    if all(step in names for step in DEMO_STEPS):
        return list(DEMO_STEPS)
    return names[:3]


def persons_spec(funnel: dict[str, Any], step: int, status: str,
                 group: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `funnel_persons` query listing a step's persons (1-based step), of every group or,
    given a breakdown group of the result, of that one (`{"group", "other"}`)."""
    drop = ("kind", "view", "unit", "bins") + (() if group is not None else ("limit", "breakdown"))
    core = {k: v for k, v in funnel.items() if k not in drop}
    spec: dict[str, Any] = {"kind": "funnel_persons", "funnel": core, "step": step, "status": status}
    if group is not None:
        spec.update({"other": True} if group.get("other") else {"group": group.get("group")})
    return spec


@register_panel
class FunnelsPanel(StateQueryPanel[FunnelState]):
    panel_id = "funnels"
    title = "Funnels"
    order = 20
    default_area = Qt.DockWidgetArea.LeftDockWidgetArea
    state_type = FunnelState

    # ----------------------------------------------------------------- construction
    def _build_controls(self) -> QWidget:
        scroll = ControlsColumn(self.body)
        holder, column = scroll.holder, scroll.column

        steps_box = QGroupBox("Steps (drag to reorder)", holder)
        steps_layout = QVBoxLayout(steps_box)
        self.steps_editor = StepsEditor(self.context.discovery, steps_box)
        steps_layout.addWidget(self.steps_editor)
        column.addWidget(steps_box)

        window_box = QGroupBox("Conversion window", holder)
        window_layout = QHBoxLayout(window_box)
        window_layout.addWidget(QLabel("within", window_box))
        self.window_amount = QSpinBox(window_box)
        self.window_amount.setObjectName("windowAmount")
        self.window_amount.setRange(1, 100_000)
        self.window_amount.setValue(7)
        self.window_unit = QComboBox(window_box)
        self.window_unit.setObjectName("windowUnit")
        for key, label in WINDOW_UNITS:
            self.window_unit.addItem(label, key)
        window_layout.addWidget(self.window_amount)
        window_layout.addWidget(self.window_unit)
        window_layout.addWidget(QLabel("of step 1", window_box))
        window_layout.addStretch(1)
        column.addWidget(window_box)

        options_box = QGroupBox("Options", holder)
        options_layout = QVBoxLayout(options_box)
        self.options = FunnelOptions(self.context.discovery, options_box)
        options_layout.addWidget(self.options)
        column.addWidget(options_box)

        self._add_filters_and_breakdown(column, holder, filters_title="Filters (every step)",
                                        breakdown_title="Breakdown (value on step 1)",
                                        breakdown_name="funnelBreakdown")
        scroll.finish()

        binder = self.binder
        self.steps_editor.changed.connect(self._on_steps_changed)
        binder.watch("steps", self._show_state_steps)
        self.options.changed.connect(self._on_options_edited)
        binder.watch(("order", "hold", "exclusions"), self._show_options)
        self.window_amount.valueChanged.connect(self._on_window_edited)
        self.window_unit.currentIndexChanged.connect(self._on_window_edited)
        binder.watch("window", self._show_window)
        return scroll

    def _build_results(self) -> QWidget:
        holder = QWidget(self.body)
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        toolbar = WrapRow()  # wraps when narrow: one row asked for 938 px, wider than a laptop's dock
        self.range_picker = DateRangePicker(holder)
        toolbar.addWidget(self.range_picker, 3)
        self.view_combo = QComboBox(holder)
        self.view_combo.setObjectName("funnelView")
        self.binder.combo(self.view_combo, "view", VIEWS)
        toolbar.addWidget(self.view_combo)
        # A display choice (kept with the panel's view options, not in the query).
        self.axis_combo = QComboBox(holder)
        self.axis_combo.setObjectName("funnelAxis")
        self.axis_combo.setToolTip("What the bars' height shows: persons, or percent of those who entered step 1")
        for key, label in AXIS_CHOICES:
            self.axis_combo.addItem(label, key)
        toolbar.addWidget(self.axis_combo)
        self.unit_label = QLabel("by", holder)
        toolbar.addWidget(self.unit_label, keep_with_next=True)
        self.unit_combo = QComboBox(holder)
        self.unit_combo.setObjectName("funnelUnit")
        self.binder.combo(self.unit_combo, "unit", TREND_UNITS)
        toolbar.addWidget(self.unit_combo)
        self.export_button = ExportButton(holder, "funnel", images=[("Chart", self.export_widget)],
                                          csv=self.export_csv)
        toolbar.addWidget(self.export_button)
        layout.addLayout(toolbar)

        self.stack = QStackedWidget(holder)
        # Steps: bars + table.
        steps_page = QSplitter(Qt.Orientation.Vertical, self.stack)
        self.chart = FunnelChart(steps_page)
        self.table = plain_items(QTableWidget(steps_page))
        self.table.setObjectName("funnelTable")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        steps_page.addWidget(self.chart)
        steps_page.addWidget(self.table)
        self.keep_divider("steps_table_height", steps_page, 1, [460, 200])
        self.stack.addWidget(steps_page)
        # Conversion over time.
        trends_page = QSplitter(Qt.Orientation.Vertical, self.stack)
        self.trend_chart = SeriesChart(trends_page)
        self.trend_table = plain_items(QTableWidget(trends_page))
        self.trend_table.setObjectName("trendTable")
        self.trend_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.trend_table.verticalHeader().setVisible(False)
        trends_page.addWidget(self.trend_chart)
        trends_page.addWidget(self.trend_table)
        self.keep_divider("trends_table_height", trends_page, 1, [460, 160])
        self.stack.addWidget(trends_page)
        # Time to convert.
        self.histogram = HistogramChart(self.stack)
        self.stack.addWidget(self.histogram)
        layout.addWidget(self.stack, 1)
        self.summary = DataLabel("", holder)  # may name breakdown groups (property values)
        self.summary.setObjectName("funnelSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        self.binder.date_range(self.range_picker)
        self.view_combo.currentIndexChanged.connect(self._on_view_changed)
        self.binder.watch("view", self._sync_view_controls)
        self.axis_combo.currentIndexChanged.connect(lambda _i: self.chart.set_axis(str(self.axis_combo.currentData())))
        self.chart.step_clicked.connect(self._on_step_clicked)
        self.table.cellDoubleClicked.connect(self._on_table_double_clicked)
        self._on_view_changed(0)
        return holder

    # ----------------------------------------------------------------- query
    def view(self) -> str:
        return str(self.view_combo.currentData())

    def set_query(self, spec: dict[str, Any]) -> None:
        # A query without steps (a session closed before any were picked) still gets the
        # default journey; one with steps is shown as it is.
        self._defaults_applied = bool(spec.get("steps"))
        self.binder.load(spec)

    def _show_state_steps(self) -> None:
        self.steps_editor.set_steps(self.state.steps)
        self.options.set_step_count(len(self.state.steps))

    def _show_options(self) -> None:
        self.options.set_step_count(len(self.state.steps))
        self.options.set_options({"order": self.state.order, "hold": self.state.hold,
                                  "exclusions": self.state.exclusions})

    def _on_options_edited(self) -> None:
        options = self.options.options()
        self.binder.write(order=options.get("order", "ordered"), hold=options.get("hold"),
                          exclusions=self.options.exclusion_specs())

    def _show_window(self) -> None:
        self.window_unit.setCurrentIndex(max(0, self.window_unit.findData(self.state.window_unit)))
        show_in_spin(self.window_amount, next(iter(self.state.window.values()), 7))

    def _on_window_edited(self, *_args: Any) -> None:
        self.binder.write(window={str(self.window_unit.currentData()): self.window_amount.value()})

    def set_breakdown(self, breakdown: Any) -> None:
        self.binder.write(breakdown=breakdown)

    def set_view(self, view: str) -> None:
        self.view_combo.setCurrentIndex(max(0, self.view_combo.findData(view)))

    def set_axis(self, axis: str) -> None:
        """Bars in persons ("count") or in percent of step 1 ("percent")."""
        index = self.axis_combo.findData(axis)
        if index < 0:
            raise ValueError(f"unknown funnel axis: {axis!r}")
        self.axis_combo.setCurrentIndex(index)

    def ui_state(self) -> dict[str, Any]:
        return {"axis": self.chart.axis}

    def set_ui_state(self, state: dict[str, Any]) -> None:
        self.axis_combo.setCurrentIndex(max(0, self.axis_combo.findData(state.get("axis", "count"))))

    # ----------------------------------------------------------------- reacting
    def _on_steps_changed(self) -> None:
        steps = self.steps_editor.steps()
        self.options.set_step_count(len(steps))
        self.binder.write(steps=steps)

    def _on_view_changed(self, _index: int) -> None:
        self._sync_view_controls()

    def _sync_view_controls(self) -> None:
        view = self.view()
        self.stack.setCurrentIndex([key for key, _ in VIEWS].index(view))
        trends = view == "trends"
        self.axis_combo.setVisible(view == "steps")
        self.unit_label.setVisible(trends)
        self.unit_combo.setVisible(trends)

    def _has_query(self) -> bool:
        return bool(self.state.steps)

    def _apply_default(self, events: list[tuple[str, int]]) -> bool:
        steps = default_steps(events)
        if steps:
            self.state.steps = [{"event": step, "where": []} for step in steps]
        return bool(steps)

    def refresh(self) -> None:
        self._refresh_timer.stop()
        if self.context.connection is None:
            return
        if not self.state.steps:
            discovery = self.context.discovery
            if discovery.loaded_events and not discovery.events():
                self.clear()
                connection = self.context.connection
                self.chart.message = empty_database_text(connection.display_url if connection else None)
                self._finish_without_query("Add steps: the database has no events yet.")
            elif discovery.loaded_events:
                self.clear()
                self._finish_without_query("Add a step to start the funnel.")
            # else: discovery is still loading; _on_events_discovered fills defaults and runs.
            return
        self.run_query(self.query())

    def _finish_without_query(self, message: str) -> None:
        """Nothing to ask the database: say so, and count as answered (screenshots wait on it)."""
        self.mark_ready()
        self.state_bar.set_info(message)

    def clear(self) -> None:
        self.chart.set_data([], None)
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.trend_chart.set_data([], [], "line")
        self.trend_table.clear()
        self.histogram.set_data([], [])
        self.summary.setText("")

    # ----------------------------------------------------------------- results
    def show_result(self, result: Any) -> None:
        view = result.get("view", "steps")
        self._shown_view = view
        if view == "trends":
            self._show_trends(result)
        elif view == "time_to_convert":
            self._show_time_to_convert(result)
        else:
            self._show_steps(result)
        if self._database_empty() and not self._anyone_entered(result):
            # Saved steps on a database without events: how to get data in, not empty axes.
            url = self.context.connection.display_url if self.context.connection else None
            self.chart.set_data([], None)
            self.chart.message = empty_database_text(url)
            self.trend_chart.message(empty_database_html(url))
            self.summary.setText("")
            return
        rng = result.get("range") or {}
        if view == "steps" and not self._anyone_entered(result) and result.get("steps"):
            # Bars of 0 under a lone '1' on the axis said nothing; the table keeps its zeros.
            self.chart.set_data([], None)
            self.chart.message = (f"No persons entered this funnel in {rng.get('from')} – {rng.get('to')}: "
                                  f"nobody did step 1 ({result['steps'][0].get('event')}).")
        window = duration(result.get("window_seconds"))
        self.summary.setText(self.summary.text() + f"   ·   {rng.get('from')} – {rng.get('to')}, window {window}")

    _shown_view = "steps"

    def _database_empty(self) -> bool:
        discovery = self.context.discovery
        return bool(discovery.loaded_events) and not discovery.events()

    @staticmethod
    def _anyone_entered(result: dict[str, Any]) -> bool:
        view = result.get("view", "steps")
        if view == "trends":
            return bool((result.get("total") or {}).get("entered"))
        if view == "time_to_convert":
            return bool(result.get("converted"))
        steps = result.get("steps") or []
        return bool(steps and steps[0].get("count"))

    def _show_steps(self, result: dict[str, Any]) -> None:
        steps = list(result.get("steps") or [])
        groups = list(result.get("breakdown") or [])
        self.chart.set_data(steps, groups or None)
        self.table.clear()
        if groups:
            # Step names wrapped onto two lines, so every column fits beside the others.
            headers = ["Group", *[wrap_header(f"{i + 1}. {s['event']}") for i, s in enumerate(steps)],
                       "Conversion"]
            rows: list[list[Any]] = []
            for g in [{"group": "All persons", "steps": steps}, *groups]:
                gsteps = g.get("steps") or []
                label = "(none)" if g.get("group") is None else str(g.get("group"))
                rows.append([label, *[int(s.get("count") or 0) for s in gsteps],
                             percent(gsteps[-1].get("conversion_from_first")) if gsteps else "—"])
        else:
            headers = ["Step", "Persons", "From previous", "From first", "Dropped off", "Median time", "Average time"]
            rows = []
            for k, s in enumerate(steps):
                nxt = steps[k + 1]["count"] if k + 1 < len(steps) else None
                rows.append([f"{k + 1}. {s['event']}", int(s.get("count") or 0),
                             percent(s.get("conversion_from_previous")), percent(s.get("conversion_from_first")),
                             "" if nxt is None else int(s["count"]) - int(nxt),
                             duration(s.get("median_seconds_from_previous")) if k else "",
                             duration(s.get("avg_seconds_from_previous")) if k else ""])
        self._fill(self.table, headers, rows)
        if steps:
            last = steps[-1]
            self.summary.setText(f"{int(steps[0]['count']):,} persons entered, {int(last['count']):,} converted "
                                 f"({percent(last.get('conversion_from_first'))}).")
        else:
            self.summary.setText("")

    def _show_trends(self, result: dict[str, Any]) -> None:
        buckets = list(result.get("buckets") or [])
        total = result.get("total") or {}
        groups = list(result.get("breakdown") or [])

        def series(name: str, part: dict[str, Any]) -> Series:
            rates = [float(r) * 100 for r in part.get("rates") or []]
            return Series(name, rates, round(float((part.get("total") or {}).get("rate") or 0) * 100, 2))

        lines = [series("All persons" if groups else "Conversion %", result)]
        lines += [series("(none)" if g.get("group") is None else str(g["group"]), g) for g in groups]
        unit = str(result.get("unit") or "day")
        incomplete = None
        if result.get("timezone") and buckets:
            incomplete = incomplete_bucket(buckets, unit, str(result["timezone"]), (result.get("range") or {}).get("to"))
        self.trend_chart.set_data(buckets, lines, "line", unit=unit, incomplete=incomplete,
                                  top=10 if groups else None)
        headers = ["", *[b[:10] if result.get("unit") != "hour" else b[5:16].replace("T", " ") for b in buckets]]
        rows = [["Entered", *result.get("entered", [])], ["Converted", *result.get("converted", [])],
                ["Conversion", *[percent(r) for r in result.get("rates", [])]]]
        for g in groups:
            label = "(none)" if g.get("group") is None else str(g["group"])
            rows.append([f"{label}: conversion", *[percent(r) for r in g.get("rates", [])]])
        self._fill(self.trend_table, headers, rows)
        self.summary.setText(f"{int(total.get('entered') or 0):,} entered, {int(total.get('converted') or 0):,} "
                             f"converted ({percent(total.get('rate'))}), by the {result.get('unit', 'day')} they entered.")

    def _show_time_to_convert(self, result: dict[str, Any]) -> None:
        bins = list(result.get("bins") or [])
        labels = [duration(b.get("from_seconds")) for b in bins]
        counts = [int(b.get("count") or 0) for b in bins]
        title = (f"{int(result.get('converted') or 0):,} converted · median {duration(result.get('median_seconds'))}"
                 f" · average {duration(result.get('avg_seconds'))}")
        self.histogram.set_data(labels, counts, title)
        per_group = "; ".join(f"{'(none)' if g.get('group') is None else g['group']}: median "
                              f"{duration(g.get('median_seconds'))} ({int(g.get('converted') or 0):,})"
                              for g in result.get("breakdown") or [])
        self.summary.setText(f"Time from step 1 to the last step: median {duration(result.get('median_seconds'))}."
                             + (f"   By group — {per_group}." if per_group else ""))

    @staticmethod
    def _fill(table: QTableWidget, headers: list[str], rows: list[list[Any]]) -> None:
        table.clear()
        table.setColumnCount(len(headers))
        table.setRowCount(len(rows))
        table.setHorizontalHeaderLabels(headers)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                text = f"{value:,}" if isinstance(value, int) else str(value)
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, value)
                if c > 0:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(r, c, item)
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)

    # ----------------------------------------------------------------- export
    def export_widget(self) -> QWidget:
        """The chart of the view shown."""
        if self._shown_view == "trends":
            return self.trend_chart.export_widget()
        return self.histogram if self._shown_view == "time_to_convert" else self.chart

    def export_csv(self, path: str | Path) -> None:
        """The numbers of the view shown: its table, or the time-to-convert bins."""
        if self._shown_view == "time_to_convert":
            result = self.last_result if isinstance(self.last_result, dict) else {}
            write_csv(path, ["from_seconds", "to_seconds", "count"],
                      ([b.get("from_seconds"), b.get("to_seconds"), b.get("count")] for b in result.get("bins") or []))
            return
        table = self.trend_table if self._shown_view == "trends" else self.table
        header, rows = model_table(table.model())
        write_csv(path, header, rows)

    # ----------------------------------------------------------------- drilling into persons
    def step_menu(self, step: int) -> QMenu:
        """The menu a click on step `step` (1-based) opens."""
        result = self.last_result if isinstance(self.last_result, dict) else {}
        steps = result.get("steps") or []
        menu = QMenu(self)
        count = int(steps[step - 1]["count"]) if step - 1 < len(steps) else None
        reached = menu.addAction(f"Persons who reached step {step}" + (f" ({count:,})" if count is not None else ""))
        reached.setObjectName("reachedAction")
        reached.triggered.connect(lambda: self.open_step_persons(step, "reached"))
        if step < len(self.last_result_steps()):
            dropped_n = int(steps[step - 1]["count"]) - int(steps[step]["count"]) if step < len(steps) else None
            dropped = menu.addAction(f"Persons who dropped off after step {step}"
                                     + (f" ({dropped_n:,})" if dropped_n is not None else ""))
            dropped.setObjectName("droppedAction")
            dropped.triggered.connect(lambda: self.open_step_persons(step, "dropped"))
        for group in result.get("breakdown") or []:
            label = "(none)" if group.get("group") is None else str(group["group"])
            gsteps = group.get("steps") or []
            sub = menu.addMenu(menu_text(f"In {label}"))
            n = int(gsteps[step - 1]["count"]) if step - 1 < len(gsteps) else 0
            action = sub.addAction(f"Persons who reached step {step} ({n:,})")
            action.setObjectName("groupReachedAction")
            action.triggered.connect(lambda _=False, g=group: self.open_step_persons(step, "reached", g))
            if step < len(gsteps):
                gone = n - int(gsteps[step]["count"])
                action = sub.addAction(f"Persons who dropped off after step {step} ({gone:,})")
                action.setObjectName("groupDroppedAction")
                action.triggered.connect(lambda _=False, g=group: self.open_step_persons(step, "dropped", g))
        return menu

    def last_result_steps(self) -> list[dict[str, Any]]:
        result = self.last_result if isinstance(self.last_result, dict) else {}
        return list(result.get("steps") or [])

    def _on_step_clicked(self, step: int, pos: QPoint) -> None:
        if self._shown_view != "steps" or not self.last_result_steps():
            return
        self._menu = self.step_menu(step)
        self._menu.popup(pos)

    def _on_table_double_clicked(self, row: int, _column: int) -> None:
        if self._shown_view == "steps" and not (self.last_result or {}).get("breakdown"):
            self._menu = self.step_menu(row + 1)
            self._menu.popup(QCursor.pos())

    def open_step_persons(self, step: int, status: str, group: dict[str, Any] | None = None) -> None:
        """List a step's persons in the User explorer (the funnel that is shown, not the edited
        one); with a breakdown group, only that group's (or Other's) persons."""
        funnel = self.last_result_spec or self.query()
        self.open_users_query.emit(persons_spec(funnel, step, status, group))
