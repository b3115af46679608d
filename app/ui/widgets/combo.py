"""Small typed helpers around Qt's Optional-returning accessors."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QTableWidget


def line_edit_of(combo: QComboBox) -> QLineEdit:
    """The line edit of an editable combo box (call after `setEditable(True)`)."""
    edit = combo.lineEdit()
    if edit is None:
        raise ValueError("the combo box is not editable")
    return edit


def cell_data(table: QTableWidget, row: int, column: int, role: int = Qt.ItemDataRole.UserRole) -> Any:
    item = table.item(row, column)
    return None if item is None else item.data(role)
