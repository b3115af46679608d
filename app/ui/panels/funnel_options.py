"""The funnel options editor: step order, a held property and exclusion steps.

It edits the funnel query's `order`, `hold` and `exclusions` keys (docs/query.md "Funnel") and
gives back only what differs from the defaults, so a plain funnel's JSON stays as it was. An
exclusion's own filters are kept as loaded (shown as a count) so that opening a saved report
never changes its meaning.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.query.panel_state import FUNNEL_ORDER_CHOICES, FUNNEL_ORDER_TIPS
from app.query.runners.funnel_base import MAX_EXCLUSIONS
from app.ui.discovery import DiscoveryCache
from app.ui.icons import field_icon
from app.ui.plain import plain_combo
from app.ui.widgets.bind import show_in_spin
from app.ui.widgets.combo import line_edit_of

#: (key, label, what it means): the query model's orders (app.query.panel_state).
ORDERS = [(key, label, FUNNEL_ORDER_TIPS.get(key, "")) for key, label in FUNNEL_ORDER_CHOICES]
NO_HOLD = "(nothing held)"


class ExclusionRow(QWidget):
    """One exclusion: 'exclude persons who did EVENT between step A and step B'.

    A loaded step number is given back as it was until its box is edited: one the boxes cannot
    hold (a hand-edited `"from_step": 10**12`, which the parser refuses and the panel names) is
    shown as the nearest step and not changed by an edit of another option.
    """

    changed = Signal()
    remove_requested = Signal(object)

    def __init__(self, discovery: DiscoveryCache | None, spec: dict[str, Any], steps: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exclusionRow")
        self.where = list(spec.get("where") or [])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.event_combo = plain_combo(QComboBox(self))  # event names as shown in its list
        self.event_combo.setObjectName("exclusionEvent")
        self.event_combo.setEditable(True)
        self.event_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.event_combo.setMinimumContentsLength(12)
        line_edit_of(self.event_combo).setPlaceholderText("event…")
        if discovery is not None:
            for name, _count in discovery.events():
                self.event_combo.addItem(name)
        self.event_combo.setCurrentText(str(spec.get("event") or ""))
        self.first = QSpinBox(self)
        self.first.setObjectName("exclusionFrom")
        self.last = QSpinBox(self)
        self.last.setObjectName("exclusionTo")
        self.set_step_count(steps)
        #: The loaded step numbers, given back until their box is edited.
        self.kept = {key: spec[key] for key in ("from_step", "to_step") if spec.get(key) is not None}
        self.first.setValue(1)
        self.last.setValue(max(2, steps))
        show_in_spin(self.first, spec.get("from_step"))
        show_in_spin(self.last, spec.get("to_step"))
        remove = QPushButton("×", self)
        remove.setToolTip("Remove this exclusion")
        remove.setMaximumWidth(28)
        layout.addWidget(self.event_combo, 1)
        layout.addWidget(QLabel("between", self))
        layout.addWidget(self.first)
        layout.addWidget(QLabel("and", self))
        layout.addWidget(self.last)
        if self.where:
            kept = QLabel(f"+{len(self.where)} filter{'s' if len(self.where) > 1 else ''}", self)
            kept.setToolTip("This exclusion's own filters, kept as they were saved")
            layout.addWidget(kept)
        layout.addWidget(remove)
        self.event_combo.currentIndexChanged.connect(self.changed)
        line_edit_of(self.event_combo).editingFinished.connect(self.changed)
        self.first.valueChanged.connect(self._first_changed)
        self.last.valueChanged.connect(self._last_changed)
        remove.clicked.connect(lambda: self.remove_requested.emit(self))

    def set_step_count(self, steps: int) -> None:
        top = max(2, steps)
        self.first.setRange(1, top - 1)
        self.last.setRange(2, top)

    def _first_changed(self, value: int) -> None:
        self.kept.pop("from_step", None)
        if self.last.value() <= value:
            self.last.setValue(value + 1)
        self.changed.emit()

    def _last_changed(self, _value: int) -> None:
        self.kept.pop("to_step", None)
        self.changed.emit()

    def spec(self) -> dict[str, Any] | None:
        event = self.event_combo.currentText().strip()
        if not event:
            return None
        return {"event": event, "where": list(self.where), "from_step": self.first.value(),
                "to_step": self.last.value(), **self.kept}


class FunnelOptions(QWidget):
    """`options()` / `set_options()`; `changed` fires on every edit."""

    changed = Signal()

    def __init__(self, discovery: DiscoveryCache | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("funnelOptions")
        self.discovery = discovery
        self._steps = 2
        self._loading = False
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        self.order = QComboBox(self)
        self.order.setObjectName("funnelOrder")
        for key, label, tip in ORDERS:
            self.order.addItem(label, key)
            self.order.setItemData(self.order.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        form.addRow("Steps done", self.order)
        self.hold = plain_combo(QComboBox(self))  # property names from the data, as shown
        self.hold.setObjectName("funnelHold")
        self.hold.setEditable(True)
        self.hold.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.hold.setToolTip("Every later step must carry the first step's value of this property "
                             "(the same product, say). On a large PostgreSQL or SQLite database, "
                             "'tracklens materialize PROPERTY' makes funnels holding it about twice "
                             "as fast (docs/schema.md)")
        form.addRow("Hold constant", self.hold)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        self.exclusions_label = QLabel("Exclude persons who did…", self)
        layout.addWidget(self.exclusions_label)
        self.rows_layout = QVBoxLayout()
        layout.addLayout(self.rows_layout)
        self.add_button = QPushButton("+ Exclusion", self)
        self.add_button.setObjectName("addExclusion")
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.rows: list[ExclusionRow] = []
        self._fill_hold()
        if discovery is not None:
            discovery.properties_changed.connect(self._fill_hold)
        self.order.currentIndexChanged.connect(self._on_order)
        self.hold.currentIndexChanged.connect(self._emit)
        line_edit_of(self.hold).editingFinished.connect(self._emit)
        self.add_button.clicked.connect(lambda: self.add_exclusion({}))
        self._on_order()

    # ----------------------------------------------------------------- the query's keys
    def options(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        order = str(self.order.currentData())
        if order != "ordered":
            out["order"] = order
        hold = self.hold.currentText().strip()
        if hold and hold != NO_HOLD:
            index = self.hold.findText(hold)
            data = self.hold.itemData(index) if index >= 0 else None
            out["hold"] = str(data) if data else hold
        exclusions = [spec for row in self.rows if (spec := row.spec()) is not None]
        if exclusions and order != "any":
            out["exclusions"] = exclusions
        return out

    def exclusion_specs(self) -> list[dict[str, Any]]:
        """Every complete exclusion row, also while an "any" order leaves them out of the query."""
        return [spec for row in self.rows if (spec := row.spec()) is not None]

    def set_options(self, spec: dict[str, Any]) -> None:
        self._loading = True
        try:
            self.order.setCurrentIndex(max(0, self.order.findData(spec.get("order") or "ordered")))
            hold = spec.get("hold")
            if hold:
                index = self.hold.findData(hold)
                if index < 0:
                    self.hold.addItem(str(hold), str(hold))
                    index = self.hold.count() - 1
                self.hold.setCurrentIndex(index)
            else:
                self.hold.setCurrentIndex(0)
            for row in list(self.rows):
                self._drop(row)
            for exclusion in spec.get("exclusions") or []:
                self.add_exclusion(dict(exclusion), emit=False)
        finally:
            self._loading = False
        self._on_order(emit=False)

    def set_step_count(self, steps: int) -> None:
        self._steps = steps
        for row in self.rows:
            row.set_step_count(steps)
        self._on_order(emit=False)

    # ----------------------------------------------------------------- editing
    def add_exclusion(self, spec: dict[str, Any], *, emit: bool = True) -> ExclusionRow:
        row = ExclusionRow(self.discovery, spec, self._steps, self)
        row.changed.connect(self._emit)
        row.remove_requested.connect(self._remove)
        self.rows.append(row)
        self.rows_layout.addWidget(row)
        self._on_order(emit=False)
        if emit:
            self._emit()
        return row

    def _remove(self, row: ExclusionRow) -> None:
        self._drop(row)
        self._on_order(emit=False)
        self._emit()

    def _drop(self, row: ExclusionRow) -> None:
        self.rows.remove(row)
        self.rows_layout.removeWidget(row)
        row.deleteLater()

    def _on_order(self, *_args: Any, emit: bool = True) -> None:
        """Exclusions need steps in order; an 'any' funnel hides them (they stay for 'in order')."""
        ordered = self.order.currentData() != "any"
        possible = ordered and self._steps >= 2
        self.exclusions_label.setEnabled(possible)
        self.add_button.setEnabled(possible and len(self.rows) < MAX_EXCLUSIONS)
        for row in self.rows:
            row.setEnabled(possible)
        if emit and _args:
            self._emit()

    def _fill_hold(self) -> None:
        current = self.options().get("hold") if self.hold.count() else None
        was, self._loading = self._loading, True
        try:
            self.hold.clear()
            self.hold.addItem(NO_HOLD, None)
            if self.discovery is not None:
                for info in self.discovery.properties(traits=False):
                    self.hold.addItem(field_icon(info.source), info.label, info.name)
            if current:
                index = self.hold.findData(current)
                if index < 0:
                    self.hold.addItem(str(current), str(current))
                    index = self.hold.count() - 1
                self.hold.setCurrentIndex(index)
        finally:
            self._loading = was

    def _emit(self, *_args: Any) -> None:
        if not self._loading:
            self.changed.emit()
