"""The numbers beneath the chart: one row per series, total then one column per bucket.

A model over the result's lists (no item per cell), so a 150-series breakdown over 90 days
is shown without creating thousands of objects on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.ui.widgets.series_chart import Series, format_number

Index = QModelIndex | QPersistentModelIndex
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class SeriesTableModel(QAbstractTableModel):
    """Column 0: the series label; 1: its total; 2…: the value in each bucket."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._series: list[Series] = []
        self._headers: list[str] = []
        self._buckets: list[str] = []

    def set_series(self, buckets: Sequence[str], headers: Sequence[str], series: Sequence[Series]) -> None:
        self.beginResetModel()
        self._buckets = list(buckets)
        self._headers = list(headers)
        self._series = list(series)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._series)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or not self._series else 2 + len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return "Series" if section == 0 else "Total" if section == 1 else self._headers[section - 2]
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.UserRole) and section >= 2:
            return self._buckets[section - 2]
        return None

    def value(self, row: int, column: int) -> Any:
        """The engine's number (or the label in column 0), untouched by formatting."""
        s = self._series[row]
        if column == 0:
            return s.label
        if column == 1:
            return s.total
        return s.values[column - 2]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            value = self.value(row, column)
            return value if column == 0 else format_number(float(value))
        if role == Qt.ItemDataRole.UserRole:
            return self.value(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return RIGHT
        return None
