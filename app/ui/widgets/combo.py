"""Small typed helpers around Qt's Optional-returning accessors, and the event-name box."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from app.ui.plain import plain_combo


def line_edit_of(combo: QComboBox) -> QLineEdit:
    """The line edit of an editable combo box (call after `setEditable(True)`)."""
    edit = combo.lineEdit()
    if edit is None:
        raise ValueError("the combo box is not editable")
    return edit



#: The text of the entry that means "every event".
ALL_EVENTS = "All events"


class EventNameCombo(QComboBox):
    """An editable event-name box whose first entry means every event.

    Which entry is chosen decides, not the text shown: an event that is itself named
    "All events" (names are free text) is one event when picked from the list or shown from a
    saved query, where comparing the text with the label made it mean every event.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        plain_combo(self)  # its list shows names as display_text does
        self.addItem(ALL_EVENTS)

    def means_all(self) -> bool:
        """True when the box stands for every event: its first entry, or nothing typed."""
        text = self.currentText().strip()
        return not text or (self.currentIndex() == 0 and text == ALL_EVENTS)

    def chosen(self) -> list[str]:
        """The events asked for: [] for every event, else the one name shown."""
        return [] if self.means_all() else [self.currentText().strip()]

    def show_name(self, name: str | None) -> None:
        """Show one event (None or "": every event), picking its entry, never the first one,
        when the name is listed; a name not listed yet gets an entry of its own."""
        blocked = self.blockSignals(True)
        try:
            if not name:
                self.setCurrentIndex(0)
                return
            index = next((i for i in range(1, self.count()) if self.itemText(i) == name), -1)
            if index < 0:
                self.addItem(name)
                index = self.count() - 1
            self.setCurrentIndex(index)
        finally:
            self.blockSignals(blocked)

    def show_text(self, text: str) -> None:
        """Show a text that is no single entry (several events, "A, B"), for reading."""
        blocked = self.blockSignals(True)
        try:
            self.setCurrentIndex(-1)
            self.setEditText(text)
        finally:
            self.blockSignals(blocked)

    def set_names(self, names: list[str]) -> None:
        """List these event names after the first entry, keeping what is chosen or typed."""
        all_chosen, text = self.means_all(), self.currentText()
        blocked = self.blockSignals(True)
        try:
            self.clear()
            self.addItem(ALL_EVENTS)
            self.addItems(names)
            if all_chosen:
                self.setCurrentIndex(0)
            else:
                index = next((i for i in range(1, self.count()) if self.itemText(i) == text), -1)
                self.setCurrentIndex(index)
                if index < 0:
                    self.setEditText(text)
        finally:
            self.blockSignals(blocked)
