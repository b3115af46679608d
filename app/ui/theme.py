"""Light and dark: the app follows the operating system's colour scheme (or the person's choice
in View > Appearance), widgets and charts alike.

Qt's Fusion style gives the palette; charts (pyqtgraph, and the painted funnel) take their
colours from here instead of a fixed white, and restyle when the scheme changes.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QGraphicsItem

#: View > Appearance choices, as stored in the settings ("appearance").
MODES = ("system", "light", "dark")


class _Theme(QObject):
    """Emits `changed` after the palette changed (charts restyle themselves)."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.mode = "system"
        self.dark = False


_theme: _Theme | None = None


def theme() -> _Theme:
    global _theme
    if _theme is None:
        _theme = _Theme()
    return _theme


def _system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark


def dark_palette() -> QPalette:
    """A dark Fusion palette (Qt's own where the platform offers none)."""
    p = QPalette()
    window, base, text = QColor("#2b2d30"), QColor("#1e1f22"), QColor("#dfe1e5")
    for role, colour in ((QPalette.ColorRole.Window, window), (QPalette.ColorRole.WindowText, text),
                         (QPalette.ColorRole.Base, base), (QPalette.ColorRole.AlternateBase, QColor("#26282b")),
                         (QPalette.ColorRole.ToolTipBase, window), (QPalette.ColorRole.ToolTipText, text),
                         (QPalette.ColorRole.Text, text), (QPalette.ColorRole.Button, QColor("#3c3f41")),
                         (QPalette.ColorRole.ButtonText, text), (QPalette.ColorRole.BrightText, QColor("#ff6b6b")),
                         (QPalette.ColorRole.Highlight, QColor("#3d6fb4")),
                         (QPalette.ColorRole.HighlightedText, QColor("#ffffff")),
                         (QPalette.ColorRole.Link, QColor("#7aa7e6")),
                         (QPalette.ColorRole.PlaceholderText, QColor("#8a8d92"))):
        p.setColor(role, colour)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6f7378"))
    return p


#: Fusion outlines an item view's check box in a shade of the window colour, which on a dark
#: base vanishes: unchecked events in the Segmentation list showed no box at all.
DARK_STYLE = ("QAbstractItemView::indicator:unchecked { border: 1px solid #8a8d92; background: #1e1f22;"
              " width: 11px; height: 11px; border-radius: 2px; }")


def apply(mode: str = "system") -> None:
    """Set the application's palette for `mode` (system, light or dark) and restyle the charts."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    state = theme()
    state.mode = mode if mode in MODES else "system"
    state.dark = state.mode == "dark" or (state.mode == "system" and _system_is_dark())
    style = app.style()
    app.setPalette(dark_palette() if state.dark else style.standardPalette())
    app.setStyleSheet(DARK_STYLE if state.dark else "")
    pg.setConfigOptions(antialias=True, background=chart_background(), foreground=chart_foreground())
    state.changed.emit()


def follow_system() -> None:
    """Re-apply when the operating system switches between light and dark (mode 'system')."""
    hints = QGuiApplication.styleHints()
    if hints is not None:
        hints.colorSchemeChanged.connect(lambda _scheme: apply(theme().mode) if theme().mode == "system" else None)


def is_dark() -> bool:
    return theme().dark


def chart_background() -> QColor:
    return QColor("#1e1f22") if is_dark() else QColor("#ffffff")


def chart_foreground() -> QColor:
    """Axis text and lines."""
    return QColor("#c9ccd1") if is_dark() else QColor("#333333")


def muted() -> QColor:
    return QColor("#8a8d92") if is_dark() else QColor("#777777")


def gridline() -> QColor:
    return QColor("#3a3c40") if is_dark() else QColor("#eeeeee")


def style_plot(plot: Any) -> None:
    """Give a pyqtgraph PlotWidget the theme's colours now and whenever the theme changes."""
    item = plot.getPlotItem()
    for name in ("left", "bottom"):
        # An axis (with its grid lines) changes only with the range or theme, but its text
        # was replayed on every repaint of the plot, e.g. each hover move: keep it as a pixmap.
        axis = item.getAxis(name)
        if axis is not None:
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def restyle() -> None:
        try:
            plot.objectName()
        except RuntimeError:  # the plot is gone (its window closed): stop restyling it
            theme().changed.disconnect(restyle)
            return
        plot.setBackground(chart_background())
        item = plot.getPlotItem()
        for name in ("left", "bottom", "right", "top"):
            axis = item.getAxis(name)
            if axis is not None:
                axis.setPen(pg.mkPen(chart_foreground()))
                axis.setTextPen(pg.mkPen(chart_foreground()))

    restyle()
    theme().changed.connect(restyle)
