"""A row of controls that wraps onto more rows when the panel is narrower than the row."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QApplication, QLayout, QLayoutItem, QStyle, QWidget, QWidgetItem


class WrapRow(QLayout):
    """Like a QHBoxLayout (`addWidget(widget, stretch)`), but a control that does not fit goes
    onto the next row instead of asking the panel for the whole row's width: a results toolbar
    laid out in one row made Segmentation and Funnels scroll sideways on a 1366 px wide screen.

    A row's spare width goes to its stretching controls. `keep_with_next=True` keeps a label on
    the row of the control it names ("by" and its unit)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setContentsMargins(0, 0, 0, 0)
        self._items: list[QLayoutItem] = []
        self._stretch: list[int] = []
        self._glued: list[bool] = []

    # --- what QLayout asks ---------------------------------------------------------------------

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)
        self._stretch.append(0)
        self._glued.append(False)

    def addWidget(self, widget: QWidget, stretch: int = 0, *, keep_with_next: bool = False) -> None:  # type: ignore[override]
        self.addChildWidget(widget)
        self.addItem(QWidgetItem(widget))
        self._stretch[-1] = stretch
        self._glued[-1] = keep_with_next
        self.invalidate()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        if not 0 <= index < len(self._items):
            return None
        del self._stretch[index], self._glued[index]
        return self._items.pop(index)

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation.Horizontal

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        margins = self.contentsMargins()
        inner = width - margins.left() - margins.right()
        rows = self._rows(inner)
        heights = [self._row_height(row, self._fit(row, inner - self._gap() * (len(row) - 1))) for row in rows]
        return sum(heights) + self._gap() * max(0, len(rows) - 1) + margins.top() + margins.bottom()

    def sizeHint(self) -> QSize:
        """Every control on one row at the width it asks for."""
        units = self._units()
        widths = [self._width(unit, minimum=False) for unit in units]
        return self._with_margins(QSize(sum(widths) + self._gap() * max(0, len(units) - 1),
                                        self._height([[i for unit in units for i in unit]])))

    def minimumSize(self) -> QSize:
        """The widest control (with a label kept beside it) at its minimum: the rest wrap."""
        units = self._units()
        width = max((self._width(unit, minimum=True) for unit in units), default=0)
        return self._with_margins(QSize(width, self._height(units[:1])))

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        inner = rect.marginsRemoved(self.contentsMargins())
        gap = self._gap()
        y = inner.y()
        for row in self._rows(inner.width()):
            widths = self._fit(row, inner.width() - gap * (len(row) - 1))
            height = self._row_height(row, widths)
            x = inner.x()
            for index, width in zip(row, widths, strict=True):
                item = self._items[index]
                item_height = min(height, self._item_height(item, width))
                item.setGeometry(QRect(QPoint(x, y + (height - item_height) // 2), QSize(width, item_height)))
                x += width + gap
            y += height + gap

    # --- the rows ------------------------------------------------------------------------------

    def _gap(self) -> int:
        if self.spacing() >= 0:
            return self.spacing()
        parent = self.parentWidget()
        style = parent.style() if parent is not None else QApplication.style()
        return max(0, style.pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing))

    def _units(self) -> list[list[int]]:
        """The shown controls in order, a label kept with the control after it."""
        units: list[list[int]] = []
        glued = False
        for index, item in enumerate(self._items):
            if item.isEmpty():
                continue
            if glued and units:
                units[-1].append(index)
            else:
                units.append([index])
            glued = self._glued[index]
        return units

    def _width(self, unit: list[int], *, minimum: bool) -> int:
        sizes = [self._items[i].minimumSize() if minimum else self._items[i].sizeHint() for i in unit]
        return sum(size.width() for size in sizes) + self._gap() * (len(unit) - 1)

    def _rows(self, width: int) -> list[list[int]]:
        rows: list[list[int]] = []
        used = 0
        for unit in self._units():
            need = self._width(unit, minimum=False)
            if rows and used + self._gap() + need <= width:
                rows[-1].extend(unit)
                used += self._gap() + need
            else:
                rows.append(list(unit))
                used = need
        return rows

    def _row_height(self, row: list[int], widths: list[int] | None = None) -> int:
        """The row's height; given the controls' widths, a control that wraps itself (a date
        range picker) counts as tall as it is at its width."""
        return max((self._item_height(self._items[i], widths[k] if widths is not None else None)
                    for k, i in enumerate(row)), default=0)

    @staticmethod
    def _item_height(item: QLayoutItem, width: int | None) -> int:
        height = max(item.sizeHint().height(), item.minimumSize().height())
        if width is not None and item.hasHeightForWidth():
            height = max(height, item.heightForWidth(width))
        return height

    def _height(self, rows: list[list[int]]) -> int:
        return sum(self._row_height(row) for row in rows) + self._gap() * max(0, len(rows) - 1)

    def _fit(self, row: list[int], width: int) -> list[int]:
        """The row's widths in `width`: spare width to its stretching controls; too little taken
        from the controls that can give (down to their minimum), in proportion."""
        hints = [self._items[i].sizeHint().width() for i in row]
        mins = [min(self._items[i].minimumSize().width(), hint) for i, hint in zip(row, hints, strict=True)]
        spare = width - sum(hints)
        if spare >= 0:
            stretch = [self._stretch[i] for i in row]
            total = sum(stretch)
            if not total:
                return hints
            extra = [spare * s // total for s in stretch]
            return [hint + more for hint, more in zip(hints, extra, strict=True)]
        give = [hint - low for hint, low in zip(hints, mins, strict=True)]
        room = sum(give)
        if not room:
            return hints
        short = min(-spare, room)
        return [hint - short * g // room for hint, g in zip(hints, give, strict=True)]

    def _with_margins(self, size: QSize) -> QSize:
        margins = self.contentsMargins()
        return QSize(size.width() + margins.left() + margins.right(),
                     size.height() + margins.top() + margins.bottom())
