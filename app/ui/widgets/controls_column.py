"""The column of controls on a panel's left: scrolls vertically, never sideways."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget


class VerticalScroll(QScrollArea):
    """A scroll area that scrolls vertically, never sideways: it is never narrower than its
    widget's minimum width (measured from size hints, also as rows come and go)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def minimumSizeHint(self) -> QSize:
        """The widget's own minimum width beside the frame and the vertical scroll bar (shown
        whenever the widget is taller than the area)."""
        hint = super().minimumSizeHint()
        widget = self.widget()
        if widget is None:
            return hint
        need = (widget.minimumSizeHint().width() + 2 * self.frameWidth()
                + self.verticalScrollBar().sizeHint().width())
        return QSize(max(hint.width(), need), hint.height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # QScrollArea filters its widget's events; a row added or removed changes what the
        # widget needs, which the layout or splitter holding the area asks again.
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)


class ControlsColumn(VerticalScroll):
    """Add group boxes to `column` (parented to `holder`), then call `finish()`.

    Shared by the Segmentation, Funnels, Retention and User explorer panels so their editors
    look and resize alike. The column is never narrower than its controls need (measured from
    their size hints, also as rows come and go): it never scrolls sideways, so a narrower column
    cut off the right end of its widest row (a fixed minimum of 290 or 300 px did).
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.holder = QWidget(self)
        self.column = QVBoxLayout(self.holder)
        self.column.setContentsMargins(2, 2, 6, 2)

    def finish(self) -> None:
        """Push the controls to the top and install them in the scroll area."""
        self.column.addStretch(1)
        self.setWidget(self.holder)
