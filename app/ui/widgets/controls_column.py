"""The column of controls on a panel's left: scrolls vertically, never sideways."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget


class ControlsColumn(QScrollArea):
    """Add group boxes to `column` (parented to `holder`), then call `finish()`.

    Shared by the Segmentation, Funnels and User explorer panels so their editors look and
    resize alike.
    """

    def __init__(self, parent: QWidget, min_width: int) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(min_width)
        self.holder = QWidget(self)
        self.column = QVBoxLayout(self.holder)
        self.column.setContentsMargins(2, 2, 6, 2)

    def finish(self) -> None:
        """Push the controls to the top and install them in the scroll area."""
        self.column.addStretch(1)
        self.setWidget(self.holder)
