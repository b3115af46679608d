"""The funnel step editor: an ordered list of steps (drag to reorder) and the selected step's editor.

Each step is `{"event": E, "where": [...]}`. The list holds the steps as item data, so a drag
that reorders rows reorders the steps; the editor beneath (event picker + the shared filter
builder over event properties) edits whichever step is selected.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.discovery import DiscoveryCache
from app.ui.plain import plain_combo, plain_items
from app.ui.widgets.combo import line_edit_of
from app.ui.widgets.filter_builder import FilterBuilder

STEP_ROLE = Qt.ItemDataRole.UserRole


def step_text(index: int, step: dict[str, Any]) -> str:
    n = len(step.get("where") or [])
    return f"{index + 1}. {step.get('event') or '(choose an event)'}" + (f"   · {n} filter{'s' if n > 1 else ''}" if n else "")


class StepsEditor(QWidget):
    """`steps()` / `set_steps()`; `changed` fires on add, remove, reorder and every edit."""

    changed = Signal()

    def __init__(self, discovery: DiscoveryCache | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepsEditor")
        self.discovery = discovery
        self._loading = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.list = plain_items(QListWidget(self))
        self.list.setObjectName("stepList")
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setMinimumHeight(110)
        self.list.setMaximumHeight(170)
        layout.addWidget(self.list)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("+ Step", self)
        self.add_button.setObjectName("addStep")
        self.remove_button = QPushButton("Remove step", self)
        self.remove_button.setObjectName("removeStep")
        self.up_button = QPushButton("▲", self)
        self.up_button.setToolTip("Move the step up (or drag it)")
        self.down_button = QPushButton("▼", self)
        self.down_button.setToolTip("Move the step down (or drag it)")
        for button in (self.up_button, self.down_button):
            button.setMaximumWidth(32)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.up_button)
        buttons.addWidget(self.down_button)
        layout.addLayout(buttons)

        self.detail = QWidget(self)
        detail = QVBoxLayout(self.detail)
        detail.setContentsMargins(0, 4, 0, 0)
        row = QHBoxLayout()
        self.detail_label = QLabel("Step", self.detail)
        row.addWidget(self.detail_label)
        self.event_combo = plain_combo(QComboBox(self.detail))  # event names as shown in its list
        self.event_combo.setObjectName("stepEvent")
        self.event_combo.setEditable(True)
        self.event_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.event_combo.setMinimumContentsLength(16)
        line_edit_of(self.event_combo).setPlaceholderText("event…")
        row.addWidget(self.event_combo, 1)
        detail.addLayout(row)
        self.step_filters = FilterBuilder(discovery, self.detail)
        self.step_filters.setObjectName("stepFilters")
        self.step_filters.add_button.setText("+ Step filter")
        detail.addWidget(self.step_filters)
        layout.addWidget(self.detail)

        self._fill_events()
        if discovery is not None:
            discovery.events_changed.connect(self._fill_events)
        self.add_button.clicked.connect(lambda: self.add_step())
        self.remove_button.clicked.connect(self.remove_current)
        self.up_button.clicked.connect(lambda: self.move_current(-1))
        self.down_button.clicked.connect(lambda: self.move_current(1))
        self.list.currentRowChanged.connect(self._load_current)
        model = self.list.model()
        model.rowsMoved.connect(self._on_rows_moved)
        # A drop may also arrive as insert + remove (drag between views, older styles).
        model.rowsInserted.connect(self._on_rows_moved)
        model.rowsRemoved.connect(self._on_rows_moved)
        self.event_combo.currentIndexChanged.connect(self._on_detail_edited)
        line_edit_of(self.event_combo).editingFinished.connect(self._on_detail_edited)
        self.step_filters.changed.connect(self._on_detail_edited)
        self._load_current(-1)

    def _fill_events(self) -> None:
        current = self.event_combo.currentText()
        self.event_combo.blockSignals(True)
        self.event_combo.clear()
        if self.discovery is not None:
            for name, count in self.discovery.events():
                self.event_combo.addItem(name)
                self.event_combo.setItemData(self.event_combo.count() - 1, f"{count:,} events in 30 days",
                                             Qt.ItemDataRole.ToolTipRole)
        self.event_combo.setCurrentText(current)
        self.event_combo.blockSignals(False)

    # ----------------------------------------------------------------- steps
    def steps(self) -> list[dict[str, Any]]:
        """Complete steps (those with an event), in list order."""
        out = []
        for i in range(self.list.count()):
            step = self.list.item(i).data(STEP_ROLE) or {}
            if step.get("event"):
                out.append({"event": step["event"], "where": list(step.get("where") or [])})
        return out

    def set_steps(self, steps: list[Any]) -> None:
        self._loading = True
        try:
            self.list.clear()
            for step in steps:
                spec = {"event": step, "where": []} if isinstance(step, str) else dict(step)
                self._append(spec)
            self.list.setCurrentRow(0 if self.list.count() else -1)
        finally:
            self._loading = False
        self._load_current(self.list.currentRow())

    def _append(self, spec: dict[str, Any]) -> QListWidgetItem:
        item = QListWidgetItem(step_text(self.list.count(), spec))
        where = spec.get("where")  # a text here (a hand-edited report) became a list of letters
        item.setData(STEP_ROLE, {"event": spec.get("event", ""), "where": list(where) if isinstance(where, list) else []})
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsDragEnabled)
        self.list.addItem(item)
        return item

    def add_step(self, event: str = "", where: list[dict[str, Any]] | None = None) -> None:
        item = self._append({"event": event, "where": where or []})
        self.list.setCurrentItem(item)
        if not event:
            self.event_combo.setFocus()
        self._renumber()
        self.changed.emit()

    def remove_current(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        self.list.takeItem(row)
        self._renumber()
        self._load_current(self.list.currentRow())
        self.changed.emit()

    def move_current(self, delta: int) -> None:
        """Move the selected step up (-1) or down (+1): what a drag does, for the keyboard."""
        row = self.list.currentRow()
        target = row + delta
        if row < 0 or not 0 <= target < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)
        self._renumber()
        self.changed.emit()

    def move_step(self, source: int, target: int) -> None:
        """Reorder as a drag from row `source` to row `target` does (through the model)."""
        model = self.list.model()
        destination = target + 1 if target > source else target
        model.moveRows(QModelIndex(), source, 1, QModelIndex(), destination)

    def _on_rows_moved(self, *_args: Any) -> None:
        if self._loading:
            return
        self._renumber()
        self.changed.emit()

    def _renumber(self) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setText(step_text(i, item.data(STEP_ROLE) or {}))

    # ----------------------------------------------------------------- detail editor
    def _load_current(self, row: int) -> None:
        item = self.list.item(row) if row >= 0 else None
        self.detail.setEnabled(item is not None)
        self.remove_button.setEnabled(item is not None)
        step = (item.data(STEP_ROLE) if item is not None else None) or {}
        was, self._loading = self._loading, True
        try:
            self.detail_label.setText(f"Step {row + 1}" if item is not None else "Step")
            self.event_combo.setCurrentText(str(step.get("event", "")))
            self.step_filters.set_filters(list(step.get("where") or []))
        finally:
            self._loading = was

    def _on_detail_edited(self, *_args: Any) -> None:
        if self._loading:
            return
        item = self.list.currentItem()
        if item is None:
            return
        step = {"event": self.event_combo.currentText().strip(), "where": self.step_filters.filters()}
        if step == item.data(STEP_ROLE):
            return
        item.setData(STEP_ROLE, step)
        item.setText(step_text(self.list.row(item), step))
        self.changed.emit()

    def set_current_event(self, name: str) -> None:
        """Choose the event of the selected step, as picking it in the combo does."""
        self.event_combo.setCurrentText(name)
        self._on_detail_edited()
