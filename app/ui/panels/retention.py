"""The Retention panel: start and return events with their filters, the cohort table as a heat
map and the retention curve, for one `{"kind": "retention", ...}` query (docs/query.md).

Every number is the engine's; the panel only colours and draws them. Clicking a cell offers its
persons — retained in that period, or not — which open in the User explorer as a users query
with the retention filter (so they page, export and save as a cohort like any other list).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QCursor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.query.panel_state import (
    RETENTION_BRACKET_CHOICES,
    RETENTION_MODE_CHOICES,
    RETENTION_UNIT_CHOICES,
    RetentionState,
)
from app.ui.context import AppContext
from app.ui.panels.funnel_chart import percent
from app.ui.panels.state_panel import StateQueryPanel
from app.ui.plain import display_text, plain_combo, plain_items
from app.ui.registry import register_panel
from app.ui.theme import style_plot
from app.ui.widgets.combo import line_edit_of
from app.ui.widgets.controls_column import ControlsColumn
from app.ui.widgets.date_range import DateRangePicker
from app.ui.widgets.empty_state import empty_database_html
from app.ui.widgets.export import ExportButton, write_csv
from app.ui.widgets.filter_builder import FilterBuilder
from app.ui.widgets.series_chart import PALETTE

ANY_EVENT = "$any"
ANY_LABEL = "Any event"
#: The query model's modes, units and brackets, with their labels (app.query.panel_state).
MODES = RETENTION_MODE_CHOICES
UNITS = RETENTION_UNIT_CHOICES
BRACKETS = RETENTION_BRACKET_CHOICES
ALL_GROUPS = "All persons"
#: The demo product's sign-up, the natural start event when it exists.
DEMO_START = "Signed Up"
#: Heat map: rate 0 is white, rate 1 this colour; cells whose period has not started are grey.
HOT = QColor("#1f6fb4")
NOT_STARTED = QColor("#eeeeee")
FIXED_COLUMNS = 2  # cohort, size


def heat_colour(rate: float) -> QColor:
    """White to HOT, linearly in the rate (0..1)."""
    rate = min(max(rate, 0.0), 1.0)
    return QColor(round(255 + (HOT.red() - 255) * rate), round(255 + (HOT.green() - 255) * rate),
                  round(255 + (HOT.blue() - 255) * rate))


def cell_filter(retention: dict[str, Any], born: str | None, period: int, status: str) -> dict[str, Any]:
    """The users filter selecting a cell's persons (born: the cohort's start date, None for all)."""
    core = {k: v for k, v in retention.items() if k not in ("kind", "breakdown", "limit")}
    return {"retention": core, "born": born, "period": period, "status": status}


class EventChooser(QWidget):
    """An event combo (with "Any event") and filters on that event; `default` until one is chosen.
    `event_set` fires when `set_event` chose an event (as picking it in the combo does)."""

    event_set = Signal()

    def __init__(self, context: AppContext, default: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.allow_any = True
        self.default = default
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.combo = plain_combo(QComboBox(self))  # event names as shown in its list
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        layout.addWidget(self.combo)
        self.filters = FilterBuilder(context.discovery, self)
        layout.addWidget(self.filters)
        self.fill()

    def fill(self) -> None:
        current = self.event_name() or self.default
        self.combo.blockSignals(True)
        self.combo.clear()
        if self.allow_any:
            self.combo.addItem(ANY_LABEL, ANY_EVENT)
        for name, count in self.context.discovery.events():
            self.combo.addItem(name, name)
            self.combo.setItemData(self.combo.count() - 1, f"{count:,} events in 30 days", Qt.ItemDataRole.ToolTipRole)
        self.combo.blockSignals(False)
        self.set_event(current)

    def event_name(self) -> str:
        text = self.combo.currentText().strip()
        if text == ANY_LABEL and self.allow_any:
            return ANY_EVENT
        return text

    def set_event(self, name: str) -> None:
        index = self.combo.findData(name) if name else -1
        self.combo.blockSignals(True)
        if index >= 0:
            self.combo.setCurrentIndex(index)
        else:
            self.combo.setCurrentText(ANY_LABEL if name == ANY_EVENT else name)
        self.combo.blockSignals(False)
        self.event_set.emit()

    def spec(self) -> dict[str, Any]:
        return {"event": self.event_name(), "where": self.filters.filters()}

    def set_spec(self, spec: Any) -> None:
        if isinstance(spec, str):
            spec = {"event": spec}
        spec = spec or {}
        self.set_event(str(spec.get("event") or self.default))
        self.filters.set_filters(list(spec.get("where") or []))


@register_panel
class RetentionPanel(StateQueryPanel[RetentionState]):
    panel_id = "retention"
    title = "Retention"
    order = 25
    default_area = Qt.DockWidgetArea.LeftDockWidgetArea
    state_type = RetentionState

    # ----------------------------------------------------------------- construction
    def _build_controls(self) -> QWidget:
        scroll = ControlsColumn(self.body)
        holder, column = scroll.holder, scroll.column

        start_box = QGroupBox("Start event (birth)", holder)
        QVBoxLayout(start_box).addWidget(start := EventChooser(self.context, "", start_box))
        self.start = start
        self.start.combo.setObjectName("retentionStart")
        column.addWidget(start_box)

        return_box = QGroupBox("Return event", holder)
        QVBoxLayout(return_box).addWidget(ret := EventChooser(self.context, ANY_EVENT, return_box))
        self.returning = ret
        self.returning.combo.setObjectName("retentionReturn")
        column.addWidget(return_box)

        options = QGroupBox("Cohorts and periods", holder)
        form = QFormLayout(options)
        self.mode_combo = self._combo(options, "retentionMode", MODES)
        self.unit_combo = self._combo(options, "retentionUnit", UNITS)
        self.periods_spin = QSpinBox(options)
        self.periods_spin.setObjectName("retentionPeriods")
        self.periods_spin.setRange(1, 100)
        self.periods_spin.setValue(8)
        self.bracket_combo = self._combo(options, "retentionBracket", BRACKETS)
        form.addRow("Mode", self.mode_combo)
        form.addRow("Unit", self.unit_combo)
        form.addRow("Periods", self.periods_spin)
        form.addRow("Count", self.bracket_combo)
        column.addWidget(options)

        self._add_filters_and_breakdown(column, holder, filters_title="Filters (every event)",
                                        breakdown_title="Breakdown (value at birth)",
                                        breakdown_name="retentionBreakdown")
        scroll.finish()

        binder = self.binder
        for chooser, name in ((self.start, "start"), (self.returning, "returning")):
            def edited(*_args: Any, chooser: EventChooser = chooser, name: str = name) -> None:
                binder.write(**{name: chooser.spec()})

            chooser.combo.currentIndexChanged.connect(edited)
            chooser.event_set.connect(edited)
            line_edit_of(chooser.combo).editingFinished.connect(edited)
            chooser.filters.changed.connect(edited)
            def show(chooser: EventChooser = chooser, name: str = name) -> None:
                chooser.set_spec(getattr(self.state, name))

            binder.watch(name, show)
        for combo, name in ((self.mode_combo, "mode"), (self.unit_combo, "unit"), (self.bracket_combo, "bracket")):
            binder.combo(combo, name)
        binder.spin(self.periods_spin, "periods")
        return scroll

    @staticmethod
    def _combo(parent: QWidget, name: str, items: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox(parent)
        combo.setObjectName(name)
        for key, label in items:
            combo.addItem(label, key)
        return combo

    def _build_results(self) -> QWidget:
        holder = QWidget(self.body)
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        toolbar = QHBoxLayout()
        self.range_picker = DateRangePicker(holder)
        toolbar.addWidget(self.range_picker, 3)
        self.group_label = QLabel("Show", holder)
        toolbar.addWidget(self.group_label)
        self.group_combo = plain_combo(QComboBox(holder))  # breakdown values from the data, as shown
        self.group_combo.setObjectName("retentionGroup")
        toolbar.addWidget(self.group_combo)
        self.export_button = ExportButton(holder, "retention",
                                          images=[("Heat map", lambda: self.table), ("Curve", lambda: self.curve)],
                                          csv=self.export_csv)
        toolbar.addWidget(self.export_button)
        layout.addLayout(toolbar)

        split = QSplitter(Qt.Orientation.Vertical, holder)
        self.table = plain_items(QTableWidget(split))
        self.table.setObjectName("retentionTable")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setToolTip("Click a cell for its persons")
        self.curve = pg.PlotWidget(split)
        style_plot(self.curve)
        self.curve.setObjectName("retentionCurve")
        self.curve.setMinimumHeight(160)
        self.curve.showGrid(x=True, y=True, alpha=0.2)
        self.curve.setLabel("left", "retained", units="%")
        self.curve.setLabel("bottom", "period")
        self.curve.setMouseEnabled(x=False, y=False)
        self.curve.addLegend(offset=(-10, 10))
        # Shown with a curve to draw: before a result (the demo being created), cleared, or with
        # nobody born, it was an empty grid with axes from 0.2 to 0.8.
        self.curve.hide()
        split.addWidget(self.table)
        split.addWidget(self.curve)
        self.keep_divider("curve_height", split, 1, [420, 240])
        layout.addWidget(split, 1)
        self.summary = QLabel("", holder)
        self.summary.setObjectName("retentionSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        self.binder.date_range(self.range_picker)
        self.group_combo.currentIndexChanged.connect(self._on_group_changed)
        self.table.cellClicked.connect(self._on_cell_clicked)
        self._sync_group_combo([])
        return holder

    # ----------------------------------------------------------------- query
    def set_query(self, spec: dict[str, Any]) -> None:
        # Without a start event (a session closed before one was picked) the default applies.
        start = spec.get("start")
        self._defaults_applied = bool(isinstance(start, dict) and start.get("event"))
        self.binder.load(spec)

    # ----------------------------------------------------------------- reacting
    def _on_events_discovered(self) -> None:
        if self.database_empty():
            self._show_empty_database()
        with self.binder.show():
            self.start.fill()
            self.returning.fill()
        super()._on_events_discovered()

    def _has_query(self) -> bool:
        return bool(self.state.start.get("event"))

    def _apply_default(self, events: list[tuple[str, int]]) -> bool:
        names = [name for name, _count in events]
        if names:
            self.state.start = {"event": DEMO_START if DEMO_START in names else names[0],
                                "where": self.state.start.get("where", [])}
        return bool(names)

    def refresh(self) -> None:
        self._refresh_timer.stop()
        if self.context.connection is None:
            return
        if not self.state.start.get("event"):
            if self.context.discovery.loaded_events:
                self.clear()
                self.mark_ready()
                if self.database_empty():
                    self._show_empty_database()
                else:
                    self.state_bar.set_info("Choose a start event.")
            return
        self.run_query(self.query())

    def clear(self) -> None:
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.curve.clear()
        self.curve.hide()
        self.summary.setText("")

    # ----------------------------------------------------------------- results
    def groups(self) -> list[dict[str, Any]]:
        """The tables a result holds: everyone first, then each breakdown group."""
        result = self.last_result if isinstance(self.last_result, dict) else {}
        out = [{"group": ALL_GROUPS, "other": False, "cohorts": result.get("cohorts") or [],
                "average": result.get("average") or []}]
        return out + list(result.get("breakdown") or [])

    def shown_group(self) -> dict[str, Any]:
        groups = self.groups()
        index = self.group_combo.currentIndex()
        return groups[index] if 0 <= index < len(groups) else groups[0]

    def _sync_group_combo(self, groups: list[dict[str, Any]]) -> None:
        self.group_combo.blockSignals(True)
        self.group_combo.clear()
        for g in groups:
            self.group_combo.addItem("(none)" if g.get("group") is None else str(g["group"]))
        self.group_combo.blockSignals(False)
        visible = len(groups) > 1
        self.group_combo.setVisible(visible)
        self.group_label.setVisible(visible)

    def show_result(self, result: Any) -> None:
        self._sync_group_combo(self.groups())
        self._show_table(self.shown_group())
        self._show_curve()
        cohorts = result.get("cohorts") or []
        born = sum(int(c.get("size") or 0) for c in cohorts)
        average = result.get("average") or []
        first = next((r for r in average[1:] if r is not None), None) if len(average) > 1 else None
        rng = result.get("range") or {}
        unit = result.get("unit", "day")
        if not born and self.database_empty():
            self._show_empty_database()
            return
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        if not born:
            self.summary.setText(f"No persons were born (did the start event) in {rng.get('from')} – {rng.get('to')}: "
                                 "there is no one to follow.")
            return
        self.summary.setText(
            f"{born:,} persons born in {len(cohorts)} {unit} cohorts ({rng.get('from')} – {rng.get('to')})"
            + (f"; {percent(first)} came back in {unit} 1" if first is not None else "")
            + ". Periods are rolling windows from each birth; click a cell for its persons.")

    def _show_empty_database(self) -> None:
        """Not an empty heat map: how to get data in (issue 16)."""
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setText(empty_database_html(self.display_url()))

    def _on_group_changed(self, _index: int) -> None:
        if isinstance(self.last_result, dict):
            self._show_table(self.shown_group())

    def _show_table(self, group: dict[str, Any]) -> None:
        result = self.last_result if isinstance(self.last_result, dict) else {}
        periods = int(result.get("periods") or 0)
        unit = result.get("unit", "day")
        cohorts = list(group.get("cohorts") or [])
        self.table.clear()
        self.table.setColumnCount(FIXED_COLUMNS + periods)
        self.table.setRowCount(1 + len(cohorts))
        self.table.setHorizontalHeaderLabels(["Cohort", "Persons", *[f"{unit.capitalize()} {n}" for n in range(periods)]])
        average = list(group.get("average") or [])
        size = sum(int(c.get("size") or 0) for c in cohorts)
        self._set_row(0, "Average", size, average, [None] * periods, bold=True)
        for r, cohort in enumerate(cohorts, start=1):
            label = str(cohort.get("start", ""))[:10]
            self._set_row(r, label, int(cohort.get("size") or 0), list(cohort.get("rates") or []),
                          list(cohort.get("counts") or []))
        self.table.resizeColumnsToContents()

    def _set_row(self, row: int, label: str, size: int, rates: list[Any], counts: list[Any], *,
                 bold: bool = False) -> None:
        cells: list[tuple[str, QColor | None, str]] = [(label, None, ""), (f"{size:,}", None, "")]
        for rate, count in zip(rates, counts, strict=False):
            if rate is None:
                cells.append(("", NOT_STARTED, "This period has not started yet"))
            elif not size:  # a rate of nobody: not 0 % coming back
                cells.append(("—", None, "Nobody was born in this cohort"))
            else:
                tip = f"{count:,} of {size:,} persons" if count is not None else f"weighted over {size:,} persons"
                cells.append((percent(rate), heat_colour(float(rate)), tip))
        for c, (text, colour, tip) in enumerate(cells):
            item = QTableWidgetItem(text)
            if c > 0:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if colour is not None:
                item.setBackground(QBrush(colour))
                # Text that reads on the cell whatever the theme's text colour (light in dark mode).
                item.setForeground(QBrush(QColor("white" if colour.lightness() < 150 else "#202124")))
            if tip:
                item.setToolTip(tip)
            if bold:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.table.setItem(row, c, item)

    def _show_curve(self) -> None:
        self.curve.clear()
        drawn = 0
        for i, group in enumerate(self.groups()):
            points = [(n, float(r) * 100) for n, r in enumerate(group.get("average") or []) if r is not None]
            if not points or not sum(int(c.get("size") or 0) for c in group.get("cohorts") or []):
                continue  # nobody born: no curve, rather than one flat at 0 %
            label = "(none)" if group.get("group") is None else str(group["group"])
            colour = PALETTE[i % len(PALETTE)]
            width = 3 if i == 0 else 1.5
            # The legend draws its names as HTML: a breakdown value is escaped (app.ui.plain).
            self.curve.plot([p[0] for p in points], [p[1] for p in points], name=html.escape(display_text(label)),
                            pen=pg.mkPen(colour, width=width), symbol="o", symbolSize=6 if i == 0 else 4,
                            symbolBrush=colour, symbolPen=None)
            drawn += 1
        self.curve.setYRange(0, 100, padding=0.02)
        self.curve.setVisible(drawn > 0)

    # ----------------------------------------------------------------- drilling into persons
    def cell_menu(self, row: int, column: int) -> QMenu | None:
        """The menu a click on a period cell opens (row 0: the average, i.e. every cohort)."""
        period = column - FIXED_COLUMNS
        group = self.shown_group()
        cohorts = list(group.get("cohorts") or [])
        if period < 0 or row > len(cohorts):
            return None
        if row == 0:
            born = None
            count = sum(int(c["counts"][period]) for c in cohorts if c["counts"][period] is not None)
            size = sum(int(c["size"]) for c in cohorts if c["counts"][period] is not None)
            where = "all cohorts"
        else:
            cohort = cohorts[row - 1]
            if cohort["counts"][period] is None:
                return None
            born = str(cohort["start"])[:10]
            count, size = int(cohort["counts"][period]), int(cohort["size"])
            where = f"the {born} cohort"
        unit = (self.last_result or {}).get("unit", "day")
        menu = QMenu(self)
        retained = menu.addAction(f"Persons of {where} retained in {unit} {period} ({count:,})")
        retained.setObjectName("retainedAction")
        retained.triggered.connect(lambda: self.open_cell_persons(born, period, "retained"))
        lost = menu.addAction(f"Persons of {where} not retained in {unit} {period} ({size - count:,})")
        lost.setObjectName("lostAction")
        lost.triggered.connect(lambda: self.open_cell_persons(born, period, "lost"))
        if group.get("group") != ALL_GROUPS:
            note = menu.addAction("(lists every group of the cohort)")
            note.setEnabled(False)
        return menu

    def _on_cell_clicked(self, row: int, column: int) -> None:
        menu = self.cell_menu(row, column)
        if menu is not None:
            self._menu = menu
            menu.popup(QCursor.pos())

    def open_cell_persons(self, born: str | None, period: int, status: str) -> None:
        """List a cell's persons in the User explorer (the retention shown, not the edited one)."""
        retention = self.last_result_spec or self.query()
        self.open_users_query.emit({"kind": "users", "where": [cell_filter(retention, born, period, status)]})

    # ----------------------------------------------------------------- export
    def export_heatmap(self, path: str | Path) -> None:
        """The table as shown (colours included), PNG or SVG by the suffix."""
        self.export_button.export(Path(path).suffix.lower().lstrip("."), path, 0)

    def export_curve(self, path: str | Path) -> None:
        self.export_button.export(Path(path).suffix.lower().lstrip("."), path, 1)

    def export_csv(self, path: str | Path) -> None:
        """The engine's numbers: per group and cohort, the size, each period's rate and count."""
        result = self.last_result if isinstance(self.last_result, dict) else {}
        periods = int(result.get("periods") or 0)
        rows: list[list[Any]] = []
        for group in self.groups():
            name = "" if group.get("group") is None else str(group["group"])
            rows.append([name, "average", "", *list(group.get("average") or []), *[""] * periods])
            rows += [[name, c["start"], c["size"], *c["rates"], *c["counts"]] for c in group.get("cohorts") or []]
        write_csv(path, ["group", "cohort", "size", *[f"rate {n}" for n in range(periods)],
                         *[f"count {n}" for n in range(periods)]], rows)
