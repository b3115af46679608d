"""A searchable, checkable list of event names with their volumes.

Nothing checked means "the engine's default": the top events by volume in the range.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.plain import DataLabel, plain_edit, plain_items, plain_tip


class EventPicker(QWidget):
    """`selected()` lists checked events in list order; `changed` fires on every check."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, default_label: str = "Top 12 events (automatic)") -> None:
        super().__init__(parent)
        self.setObjectName("eventPicker")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        self.search = plain_edit(QLineEdit(self))
        self.search.setObjectName("eventSearch")
        self.search.setPlaceholderText("Search events…")
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        #: What the volumes beside the names count (the panel's range and zone).
        self.volume_caption = DataLabel("", self)  # may quote a database's error
        self.volume_caption.setObjectName("eventVolumeCaption")
        self.volume_caption.setWordWrap(True)
        self.volume_caption.setStyleSheet("color: palette(mid);")
        self.volume_caption.hide()
        layout.addWidget(self.volume_caption)
        self._counts_what = "events"
        self.list = plain_items(QListWidget(self))
        self.list.setObjectName("eventList")
        self.list.setUniformItemSizes(True)
        layout.addWidget(self.list, 1)
        footer = QHBoxLayout()
        self.summary = QLabel(default_label, self)
        self.summary.setObjectName("eventSummary")
        self._default_label = default_label
        self.clear_button = QPushButton("Top 12", self)
        self.clear_button.setToolTip("Uncheck all: show the most frequent events")
        footer.addWidget(self.summary, 1)
        footer.addWidget(self.clear_button)
        layout.addLayout(footer)
        self._selected: list[str] = []
        self.search.textChanged.connect(self._apply_search)
        self.list.itemChanged.connect(self._on_item_changed)
        self.clear_button.clicked.connect(lambda: self.set_selected([]))

    def set_volume_caption(self, text: str, counts_what: str = "events") -> None:
        """Say what the volumes count ("Events in last 7 days · UTC"); empty hides it."""
        self.volume_caption.setText(text)
        self.volume_caption.setVisible(bool(text))
        self._counts_what = counts_what

    def volume(self, name: str) -> int | None:
        """The volume shown beside `name` (None when the event is not listed)."""
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                return int(item.data(Qt.ItemDataRole.UserRole + 1) or 0)
        return None

    def set_events(self, events: Sequence[tuple[str, int]]) -> None:
        """Fill the list (most frequent first); checked events stay checked."""
        self.list.blockSignals(True)
        self.list.clear()
        known = {name for name, _ in events}
        rows = list(events) + [(name, 0) for name in self._selected if name not in known]
        for name, count in rows:
            item = QListWidgetItem(f"{name}    {count:,}" if count else name, self.list)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setData(Qt.ItemDataRole.UserRole + 1, count)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in self._selected else Qt.CheckState.Unchecked)
            item.setToolTip(plain_tip(f"{name}: {count:,} {self._counts_what}" if count else name))
        self.list.blockSignals(False)
        self._apply_search(self.search.text())
        self._update_summary()

    def selected(self) -> list[str]:
        return list(self._selected)

    def set_selected(self, names: Sequence[str]) -> None:
        before = list(self._selected)
        self._selected = list(dict.fromkeys(names))
        self.list.blockSignals(True)
        present = set()
        for i in range(self.list.count()):
            item = self.list.item(i)
            name = item.data(Qt.ItemDataRole.UserRole)
            present.add(name)
            item.setCheckState(Qt.CheckState.Checked if name in self._selected else Qt.CheckState.Unchecked)
        for name in self._selected:
            if name not in present:
                item = QListWidgetItem(name, self.list)
                item.setData(Qt.ItemDataRole.UserRole, name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked)
        self.list.blockSignals(False)
        self._update_summary()
        if before != self._selected:
            self.changed.emit()

    def set_checked(self, name: str, checked: bool) -> None:
        """Check or uncheck one event, as a click would."""
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                return
        raise KeyError(name)

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        name = item.data(Qt.ItemDataRole.UserRole)
        checked = item.checkState() == Qt.CheckState.Checked
        if checked and name not in self._selected:
            self._selected.append(name)
        elif not checked and name in self._selected:
            self._selected.remove(name)
        else:
            return
        self._update_summary()
        self.changed.emit()

    def _apply_search(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(needle) and needle not in str(item.data(Qt.ItemDataRole.UserRole)).lower())

    def _update_summary(self) -> None:
        count = len(self._selected)
        self.summary.setText(self._default_label if count == 0 else f"{count} event{'s' if count > 1 else ''} selected")
