"""A sparkline painted inside a table cell: a small bar series with no axes, as Segment's and
Mixpanel's destination lists show recent deliveries. The cell's UserRole holds the counts
(oldest first); the text (DisplayRole) stays the total, for sorting, copying and screen readers."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.ui.theme import chart_foreground, muted

ROLE = Qt.ItemDataRole.UserRole


def bar_rects(values: Sequence[int], area: QRectF) -> list[QRectF]:
    """One bar per value in `area`, heights scaled to the largest; zero gets no bar."""
    if not values:
        return []
    top = max(values)
    width = area.width() / len(values)
    out = []
    for i, value in enumerate(values):
        if value <= 0 or top <= 0:
            continue
        height = max(1.0, area.height() * value / top)
        out.append(QRectF(area.left() + i * width, area.bottom() - height, max(1.0, width - 1), height))
    return out


class SparklineDelegate(QStyledItemDelegate):
    """Paints the cell's counts as bars, with the total written after them."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        values = index.data(ROLE)
        if not isinstance(values, (list, tuple)):
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget is not None else None
        text = option.text
        option.text = ""
        if style is not None:  # selection background, focus frame
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        rect = QRectF(option.rect).adjusted(3, 3, -3, -3)
        label_width = option.fontMetrics.horizontalAdvance(text) + 6
        bars = QRectF(rect.left(), rect.top(), max(0.0, rect.width() - label_width), rect.height())
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text_colour = option.palette.highlightedText().color() if selected else chart_foreground()
        painter.setPen(text_colour if selected else muted())  # the baseline: an empty day still reads as a chart
        painter.drawLine(bars.bottomLeft(), bars.bottomRight())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(text_colour if selected else option.palette.highlight().color())
        for bar in bar_rects([int(v) for v in values], bars):
            painter.drawRect(bar)
        painter.setPen(text_colour)
        painter.drawText(QRectF(bars.right() + 6, rect.top(), label_width, rect.height()),
                         int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), text)
        painter.restore()
