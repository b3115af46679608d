"""Small typed helpers around Qt's Optional-returning accessors."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit


def line_edit_of(combo: QComboBox) -> QLineEdit:
    """The line edit of an editable combo box (call after `setEditable(True)`)."""
    edit = combo.lineEdit()
    if edit is None:
        raise ValueError("the combo box is not editable")
    return edit

