"""Filter rows only the User explorer offers: behavioural "did / did not do X" and funnel steps.

Both plug into the shared FilterBuilder (`register_row_type`) and edit exactly the JSON the
users query takes: `{"did": {"event", "where", "min", "max", "range"}}` and
`{"funnel": {...}, "step": k, "status": "reached" | "dropped"}` (docs/query.md).
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.query.model import FIRST_DATE, LAST_DATE, RANGE_UNITS
from app.query.runners.users import MAX_COUNT
from app.ui.plain import DataLabel, display_text, plain_combo, plain_tip, window_title
from app.ui.widgets.bind import show_in_spin
from app.ui.widgets.combo import line_edit_of
from app.ui.widgets.filter_builder import FilterBuilder, FilterRowBase, RowType, remove_button
from app.ui.widgets.wrap_row import WrapRow

#: Quantifier id -> label. "at most" includes persons who never did it.
QUANTIFIERS = [("at_least", "at least"), ("at_most", "at most"), ("exactly", "exactly"),
               ("between", "between")]
PERIODS = [("last", "in the last"), ("between", "between"), ("ever", "ever")]
#: A relative range's unit (app.query.model.RANGE_UNITS) -> label.
UNIT_LABELS = {"day": "days", "week": "weeks", "month": "months"}


def did_quantifier(low: int, high: int | None) -> tuple[str, int, int]:
    """The row's form of a did clause's count: (quantifier, N, M); `did_not` for `max` 0.

    `min` N without `max` is "at least N", `min` 0 with `max` M "at most M", `min` == `max`
    "exactly N" and any other `min` N < `max` M "between N and M" times (both inclusive).
    """
    if high is None:
        return "at_least", low, low
    if high == 0:
        return "did_not", 0, 0
    if low == high:
        return "exactly", low, low
    if low == 0:
        return "at_most", high, high
    return "between", low, high


class DidFilterRow(FilterRowBase):
    """did / did not do [event] [filters…] [at least|at most|exactly|between] [N] [and M] times
    [in the last D days|weeks|months | between two dates | ever].

    Every clause the query model takes has one form in the row, which gives back that clause
    (query -> row -> query is the identity). A count or period the boxes cannot hold (one the
    parser refuses, which the panel then names) is given back as it was until the user edits
    that part of the row. The `timezone`, which the row does not show, is always kept.
    """

    def __init__(self, builder: FilterBuilder, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.builder = builder
        self.setObjectName("didRow")
        self._event_filters: list[dict[str, Any]] = []
        #: The loaded clause; its count and range are given back while the flags are set.
        self._loaded_did: dict[str, Any] = {}
        self._count_kept = False
        self._range_kept = False
        self._showing = False
        # Three rows that wrap when narrow: on one line each, "did [event] where… ✕" asked 341 px,
        # which held the User explorer's filters column at 388 px on a laptop screen. The ✕
        # stays at the top right, where the row starts.
        top, counts, period_row = WrapRow(), WrapRow(), WrapRow()
        for layout in (top, counts, period_row):
            layout.setSpacing(4)

        self.verb = QComboBox(self)
        self.verb.setObjectName("didVerb")
        self.verb.addItem("did", "did")
        self.verb.addItem("did not do", "did_not")
        self.event_combo = plain_combo(QComboBox(self))  # event names as shown in its list
        self.event_combo.setObjectName("didEvent")
        self.event_combo.setEditable(True)
        self.event_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.event_combo.setMinimumContentsLength(10)
        self.event_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        line_edit_of(self.event_combo).setPlaceholderText("event…")
        self.filters_button = QPushButton("where…", self)
        self.filters_button.setObjectName("didFilters")
        self.filters_button.setToolTip("Filters on the event's properties")
        top.addWidget(self.verb)
        top.addWidget(self.event_combo, 1)
        top.addWidget(self.filters_button)
        self.lay_out_lines(top, counts, period_row, removes="Remove this event filter")

        self.quantifier = QComboBox(self)
        self.quantifier.setObjectName("didQuantifier")
        for key, label in QUANTIFIERS:
            self.quantifier.addItem(label, key)
        self.quantifier.setItemData(1, "at most N times, including never", Qt.ItemDataRole.ToolTipRole)
        self.quantifier.setItemData(3, "between N and M times, both included", Qt.ItemDataRole.ToolTipRole)
        self.count = QSpinBox(self)
        self.count.setObjectName("didCount")
        self.count.setRange(0, MAX_COUNT)  # the engine's bound, so any count it takes is shown
        self.count.setValue(1)
        self.and_label = QLabel("and", self)
        self.count_high = QSpinBox(self)
        self.count_high.setObjectName("didCountHigh")
        self.count_high.setRange(0, MAX_COUNT)
        self.count_high.setValue(1)
        self.times_label = QLabel("times", self)
        for spin in (self.count, self.count_high):
            # Shown at full width where there is room; "between N and M times" still fits the
            # narrowest controls column (a ten-digit count is then scrolled within its box).
            spin.setMinimumWidth(80)
        counts.addWidget(self.quantifier)
        for widget in (self.count, self.and_label, self.count_high):  # "3 and 5 times" stays together
            counts.addWidget(widget, keep_with_next=True)
        counts.addWidget(self.times_label)

        self.period = QComboBox(self)
        self.period.setObjectName("didPeriod")
        for key, label in PERIODS:
            self.period.addItem(label, key)
        self.days = QSpinBox(self)
        self.days.setObjectName("didDays")
        self.days.setRange(1, 100_000)  # what a range's 'last' may be
        self.days.setValue(30)
        self.unit = QComboBox(self)
        self.unit.setObjectName("didUnit")
        for key in RANGE_UNITS:
            self.unit.addItem(UNIT_LABELS.get(key, key), key)
        self.start = QDateEdit(self)
        self.start.setObjectName("didFrom")
        self.end = QDateEdit(self)
        self.end.setObjectName("didTo")
        self.and_dates = QLabel("and", self)
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDateRange(QDate(FIRST_DATE.year, FIRST_DATE.month, FIRST_DATE.day),
                              QDate(LAST_DATE.year, LAST_DATE.month, LAST_DATE.day))
        today = QDate.currentDate()
        self.start.setDate(today.addDays(-29))
        self.end.setDate(today)
        period_row.addWidget(self.period)
        period_row.addWidget(self.days, keep_with_next=True)  # "30 days"
        period_row.addWidget(self.unit)
        period_row.addWidget(self.start, keep_with_next=True)  # "2026-01-01 and"
        period_row.addWidget(self.and_dates)
        period_row.addWidget(self.end)

        self._fill_events()
        self.event_combo.setCurrentIndex(-1)
        discovery = builder.discovery
        if discovery is not None:
            discovery.events_changed.connect(self._fill_events)
        for combo in (self.verb, self.quantifier, self.period):
            combo.currentIndexChanged.connect(self._sync)
        for signal in (self.verb.currentIndexChanged, self.quantifier.currentIndexChanged, self.count.valueChanged,
                       self.count_high.valueChanged):
            signal.connect(self._count_edited)
        for signal in (self.period.currentIndexChanged, self.days.valueChanged, self.unit.currentIndexChanged,
                       self.start.dateChanged, self.end.dateChanged):
            signal.connect(self._range_edited)
        self.event_combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        line_edit_of(self.event_combo).editingFinished.connect(self.changed)
        for spin in (self.count, self.count_high, self.days):
            spin.valueChanged.connect(lambda _v: self.changed.emit())
        self.unit.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.start.dateChanged.connect(lambda _d: self.changed.emit())
        self.end.dateChanged.connect(lambda _d: self.changed.emit())
        self.filters_button.clicked.connect(self.edit_event_filters)
        self._sync()

    def _count_edited(self, *_args: Any) -> None:
        if not self._showing:
            self._count_kept = False

    def _range_edited(self, *_args: Any) -> None:
        if not self._showing:
            self._range_kept = False

    def _fill_events(self) -> None:
        discovery = self.builder.discovery
        current = self.event_combo.currentText()
        self.event_combo.blockSignals(True)
        self.event_combo.clear()
        if discovery is not None:
            for name, _count in discovery.events():
                self.event_combo.addItem(name)
        self.event_combo.setCurrentText(current)
        self.event_combo.blockSignals(False)

    def _sync(self, *_args: Any) -> None:
        did = self.verb.currentData() == "did"
        for widget in (self.quantifier, self.count, self.times_label):
            widget.setVisible(did)
        between = did and self.quantifier.currentData() == "between"
        self.and_label.setVisible(between)
        self.count_high.setVisible(between)
        period = self.period.currentData()
        self.days.setVisible(period == "last")
        self.unit.setVisible(period == "last")
        for part in (self.start, self.and_dates, self.end):
            part.setVisible(period == "between")
        self.changed.emit()

    # ----------------------------------------------------------------- editing helpers
    def set_event(self, name: str) -> None:
        self.event_combo.setCurrentText(name)
        self.changed.emit()

    def set_event_filters(self, filters: list[dict[str, Any]]) -> None:
        self._event_filters = list(filters)
        n = len(self._event_filters)
        self.filters_button.setText(f"where ({n})" if n else "where…")
        self.changed.emit()

    def edit_event_filters(self) -> None:
        dialog = QDialog(self)
        event = self.event_combo.currentText() or "the event"
        dialog.setWindowTitle(window_title(f"Filters on {event}"))
        layout = QVBoxLayout(dialog)
        editor = FilterBuilder(self.builder.discovery, dialog, traits=False, event_properties=True)
        editor.set_filters(self._event_filters)
        layout.addWidget(editor)
        layout.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        dialog.resize(560, 240)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.set_event_filters(editor.filters())

    # ----------------------------------------------------------------- JSON
    def to_json(self) -> dict[str, Any] | None:
        event = self.event_combo.currentText().strip()
        if not event:
            return None
        spec: dict[str, Any] = {"event": event, "where": list(self._event_filters)}
        loaded = self._loaded_did
        if self._count_kept:
            spec.update({key: loaded[key] for key in ("min", "max") if key in loaded})
        elif self.verb.currentData() == "did_not":
            spec.update(min=0, max=0)
        else:
            n = self.count.value()
            quantifier = self.quantifier.currentData()
            if quantifier == "at_least":
                spec.update(min=n, max=None)
            elif quantifier == "at_most":
                spec.update(min=0, max=n)
            elif quantifier == "between":
                m = self.count_high.value()
                spec.update(min=min(n, m), max=max(n, m))
            else:
                spec.update(min=n, max=n)
        period = self.period.currentData()
        if self._range_kept:
            if "range" in loaded:
                spec["range"] = copy.deepcopy(loaded["range"])
        elif period == "last":
            spec["range"] = {"last": self.days.value(), "unit": self.unit.currentData()}
        elif period == "between":
            a = self.start.date().toString("yyyy-MM-dd")
            b = self.end.date().toString("yyyy-MM-dd")
            spec["range"] = {"from": min(a, b), "to": max(a, b)}
        if "timezone" in loaded:
            spec["timezone"] = loaded["timezone"]
        return {"did": spec}

    def set_json(self, spec: dict[str, Any]) -> None:
        did = dict(spec.get("did") or {})
        self._loaded_did = copy.deepcopy(did)
        self._count_kept = self._range_kept = True
        self._showing = True
        self.blockSignals(True)
        try:
            self.event_combo.setCurrentText(str(did.get("event", "")))
            self._event_filters = list(did.get("where") or [])
            n = len(self._event_filters)
            self.filters_button.setText(f"where ({n})" if n else "where…")
            # Boxes show what they can (show_in_spin); the clause keeps its values until edited.
            high = did.get("max")
            low = did.get("min")
            if low is None:
                low = 1 if high is None else 0
            quantifier, first, second = did_quantifier(low, high)
            if quantifier == "did_not":
                self.verb.setCurrentIndex(1)
            else:
                self.verb.setCurrentIndex(0)
                self.quantifier.setCurrentIndex(self.quantifier.findData(quantifier))
                show_in_spin(self.count, first)
                show_in_spin(self.count_high, second)
            rng = did.get("range")
            if not rng:
                self.period.setCurrentIndex(2)
            elif "last" in rng:
                self.period.setCurrentIndex(0)
                show_in_spin(self.days, rng["last"])
                unit = self.unit.findData(rng.get("unit", "day"))
                if unit >= 0:  # another unit is refused by the parser (the panel names it)
                    self.unit.setCurrentIndex(unit)
            else:
                self.period.setCurrentIndex(1)
                self.start.setDate(QDate.fromString(str(rng.get("from")), "yyyy-MM-dd"))
                self.end.setDate(QDate.fromString(str(rng.get("to")), "yyyy-MM-dd"))
            self._sync()
        finally:
            self.blockSignals(False)
            self._showing = False


def is_did_filter(spec: dict[str, Any]) -> bool:
    return "did" in spec


DID_ROW = RowType("did", "+ Did event", lambda builder, parent: DidFilterRow(builder, parent), is_did_filter)


def funnel_summary(spec: dict[str, Any]) -> str:
    funnel = spec.get("funnel") or {}
    names = [display_text(s if isinstance(s, str) else str(s.get("event"))) for s in funnel.get("steps") or []]
    step = spec.get("step", 1)
    # The step as the query names it: a hand-edited Infinity, NaN or text is shown, not read
    # as an integer (an OverflowError in the event loop); the parser says what is wrong.
    number = (step if isinstance(step, int) and not isinstance(step, bool)
              else int(step) if isinstance(step, float) and step.is_integer() else None)
    name = names[number - 1] if number is not None and 0 < number <= len(names) else "?"
    step = step if number is None else number
    path = " → ".join(names) or "?"
    if spec.get("status") == "dropped":
        return f"dropped off after step {step} ({name}) of {path}"
    return f"reached step {step} ({name}) of {path}"


class FunnelFilterRow(FilterRowBase):
    """A funnel step's persons (set by clicking a step in Funnels): shown, removable, not edited."""

    #: What the row's ✕ says it removes (its tooltip and accessible name).
    REMOVES = "Remove this funnel step filter"

    def __init__(self, builder: FilterBuilder, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("funnelRow")
        self._spec: dict[str, Any] | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = DataLabel("", self)  # step and event names from the database
        self.label.setObjectName("funnelRowLabel")
        self.label.setWordWrap(True)
        self.label.setStyleSheet("QLabel { background: #eef3fb; border-radius: 3px; padding: 3px; }")
        remove = remove_button(self, self.REMOVES)
        layout.addWidget(self.label, 1)
        layout.addWidget(remove)
        remove.clicked.connect(self.remove_requested)

    def to_json(self) -> dict[str, Any] | None:
        return None if self._spec is None else dict(self._spec)

    def set_json(self, spec: dict[str, Any]) -> None:
        self._spec = dict(spec)
        self.label.setText("Persons who " + funnel_summary(spec))
        self.label.setToolTip(plain_tip(str(spec.get("funnel"))))


def is_funnel_filter(spec: dict[str, Any]) -> bool:
    return "funnel" in spec and "step" in spec


FUNNEL_ROW = RowType("funnel", "+ Funnel step", lambda builder, parent: FunnelFilterRow(builder, parent),
                     is_funnel_filter)


def retention_summary(spec: dict[str, Any]) -> str:
    retention = spec.get("retention") or {}

    def name(which: Any) -> str:
        event = which if isinstance(which, str) else (which or {}).get("event", "$any")
        return "any event" if event == "$any" else str(event)

    unit = retention.get("unit", "day")
    born = spec.get("born")
    cohort = f"the {born} {unit} cohort" if born else "any cohort"
    verb = "did not return" if spec.get("status") == "lost" else "returned"
    return (f"did {name(retention.get('start'))} first in {cohort} and {verb} ({name(retention.get('return'))}) "
            f"in {unit} {spec.get('period', 0)}")


class RetentionFilterRow(FunnelFilterRow):
    """A retention cell's persons (set by clicking a cell in Retention): shown, removable, not edited."""

    REMOVES = "Remove this retention cell filter"

    def set_json(self, spec: dict[str, Any]) -> None:
        self._spec = dict(spec)
        self.setObjectName("retentionRow")
        self.label.setText("Persons who " + retention_summary(spec))
        self.label.setToolTip(plain_tip(str(spec.get("retention"))))


def is_retention_filter(spec: dict[str, Any]) -> bool:
    return "retention" in spec and "period" in spec


RETENTION_ROW = RowType("retention", "+ Retention cell",
                        lambda builder, parent: RetentionFilterRow(builder, parent), is_retention_filter)
