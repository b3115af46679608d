"""A time-series chart for segmentation results: line, stacked bars, or totals as bars.

pyqtgraph draws it; the x axis is a DateAxisItem labelled in the query's zone (the buckets
carry their UTC offset). The legend toggles series on click; hovering shows a crosshair
and a box listing the hovered bucket's values. Nothing is computed here beyond stacking
the numbers the engine returned.
"""

from __future__ import annotations

import datetime as dt
import html
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

#: A qualitative palette (Tableau 20 order, strong colours first) readable on white.
PALETTE = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#1f77b4", "#aec7e8", "#ff7f0e", "#2ca02c", "#98df8a", "#d62728",
    "#9467bd", "#8c564b", "#e377c2", "#17becf",
]

VIEWS = ("line", "stacked", "totals")
#: Series drawn at most (the table lists them all): more lines are unreadable and slow.
MAX_DRAWN = 30
#: GUI-thread time spent drawing per event-loop turn, so the window never stalls.
FRAME_BUDGET_S = 0.02


def colour(index: int) -> QColor:
    return QColor(PALETTE[index % len(PALETTE)])


@dataclass(frozen=True)
class Series:
    """One line of the chart: label, values per bucket, and the engine's total."""

    label: str
    values: Sequence[float]
    total: float
    dashed: bool = False


def bucket_seconds(buckets: Sequence[str]) -> tuple[np.ndarray, int]:
    """Epoch seconds of each ISO bucket start, and the zone's offset east of UTC (seconds)."""
    moments = [dt.datetime.fromisoformat(b) for b in buckets]
    xs = np.array([m.timestamp() for m in moments], dtype=float)
    offset = moments[0].utcoffset() if moments else None
    return xs, int(offset.total_seconds()) if offset is not None else 0


#: English day abbreviations, fixed so tooltips do not follow the C locale Qt sets.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def bucket_title(iso: str, unit: str | None) -> str:
    """The hover box's heading for a bucket: a time of day only where buckets are hours.

    A day or week bucket starts at local midnight, so "00:00" would only suggest a precision
    the number does not have. An unknown unit keeps date and time.
    """
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    day = f"{WEEKDAYS[moment.weekday()]} {moment:%Y-%m-%d}"
    if unit == "day":
        return day
    if unit == "week":
        return f"week of {moment:%Y-%m-%d}"
    if unit == "month":
        return f"{moment:%Y-%m}"
    return f"{day} {moment:%H:%M}"


def format_number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


class SeriesChart(QWidget):
    """`set_data(buckets, series, view, unit)`; `hovered(index)` fires as the crosshair moves."""

    hovered = Signal(int)
    #: Every series of the current data is on screen.
    drawn = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=True, background="w", foreground="#333")
        self.stack = QStackedWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        self.date_axis = pg.DateAxisItem(orientation="bottom")
        self.time_plot = pg.PlotWidget(axisItems={"bottom": self.date_axis})
        self.time_plot.setObjectName("timePlot")
        self.time_plot.showGrid(x=False, y=True, alpha=0.25)
        self.time_plot.setMouseEnabled(x=True, y=False)
        self.time_legend = self.time_plot.addLegend(offset=(10, 10), labelTextSize="9pt")
        self.time_legend.setBrush(pg.mkBrush(255, 255, 255, 210))
        self.time_legend.setPen(pg.mkPen("#ccc"))
        self.totals_plot = pg.PlotWidget()
        self.totals_plot.setObjectName("totalsPlot")
        self.totals_plot.showGrid(x=False, y=True, alpha=0.25)
        self.totals_plot.setMouseEnabled(x=False, y=False)
        self.stack.addWidget(self.time_plot)
        self.stack.addWidget(self.totals_plot)

        self.crosshair = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#888", style=Qt.PenStyle.DashLine))
        self.tooltip = pg.TextItem(anchor=(0, 0), color="#222", fill=pg.mkBrush(255, 255, 255, 235), border=pg.mkPen("#999"))
        self.tooltip.setZValue(100)
        self.crosshair.setZValue(90)
        self._proxy = pg.SignalProxy(self.time_plot.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse_moved)

        self.view = "line"
        self.buckets: list[str] = []
        self.unit: str | None = None
        self.series: list[Series] = []
        self.items: list[pg.GraphicsObject] = []
        self._xs = np.zeros(0)
        self.hover_index: int | None = None
        #: True while series are still being added (drawing is spread over event-loop turns).
        self.drawing = False
        self.drawn_count = 0
        self._pending: list[tuple[int, Series]] = []
        self._base = np.zeros(0)
        self._spacing = 86400.0
        self._symbols = True
        self._curves: list[pg.PlotDataItem] = []
        self._in_legend: set[int] = set()
        self._pool_view: str | None = None
        self._legend_columns = 0
        self._draw_timer = QTimer(self)
        self._draw_timer.setSingleShot(True)
        self._draw_timer.timeout.connect(self._draw_step)

    # ----------------------------------------------------------------- data
    def set_data(
        self, buckets: Sequence[str], series: Sequence[Series], view: str = "line", unit: str | None = None
    ) -> None:
        """`unit` (hour/day/week/month) decides how the hover box names a bucket."""
        self.unit = unit
        self.buckets = list(buckets)
        self.series = list(series)
        self.view = view if view in VIEWS else "line"
        self._redraw()

    def set_view(self, view: str) -> None:
        if view != self.view:
            self.view = view if view in VIEWS else "line"
            self._redraw()

    def _redraw(self) -> None:
        self.hover_index = None
        self.items = []
        if self.view == "totals":
            self._draw_totals()
            self.stack.setCurrentWidget(self.totals_plot)
        else:
            self._draw_time()
            self.stack.setCurrentWidget(self.time_plot)

    def _draw_time(self) -> None:
        plot = self.time_plot.getPlotItem()
        self._draw_timer.stop()
        if self.view != "line" or self._pool_view != "line":
            # Line charts reuse their curves (creating and removing pyqtgraph items costs far
            # more than new data); other views start from an empty plot.
            plot.clear()
            self.time_legend.clear()
            self._curves = []
            self._in_legend = set()
            self._legend_columns = 0
            plot.addItem(self.crosshair, ignoreBounds=True)
            plot.addItem(self.tooltip, ignoreBounds=True)
        self._pool_view = self.view
        xs, offset = bucket_seconds(self.buckets)
        self._xs = xs
        self.date_axis.utcOffset = -offset
        self._pending = []
        if len(xs) == 0:
            self._finish()
            return
        spacing = float(np.min(np.diff(xs))) if len(xs) > 1 else 86400.0
        self._spacing = spacing
        shown = self.series[:MAX_DRAWN]
        self.drawn_count = len(shown)
        # Fixed ranges: autoranging after every added curve costs more than drawing it.
        plot.disableAutoRange()
        if self.view == "stacked":
            top = np.sum([np.asarray(s.values, dtype=float) for s in shown], axis=0) if shown else np.zeros(1)
        else:
            top = np.max([np.asarray(s.values, dtype=float) for s in shown], axis=0) if shown else np.zeros(1)
        low = min(0.0, float(np.min([np.min(np.asarray(s.values, dtype=float)) for s in shown]))) if shown else 0.0
        high = float(np.max(top)) if len(top) else 1.0
        plot.setYRange(low, high * 1.08 if high > 0 else 1.0, padding=0)
        plot.setXRange(xs[0], xs[-1] + (spacing if self.view == "stacked" else 0), padding=0.02)
        columns = 1 if len(shown) <= 6 else 2 if len(shown) <= 14 else 3
        if columns != self._legend_columns:
            self.time_legend.setColumnCount(columns)
            self._legend_columns = columns
        self._symbols = len(shown) <= 12 and len(xs) <= 45
        self._base = np.zeros(len(xs))
        self._pending = list(enumerate(shown))
        self.crosshair.hide()
        self.tooltip.hide()
        self.drawing = True
        self._draw_step()

    def _draw_one(self, i: int, s: Series) -> None:
        plot = self.time_plot.getPlotItem()
        xs = self._xs
        if self.view == "stacked":
            values = np.asarray(s.values, dtype=float)
            bar = pg.BarGraphItem(
                x=xs + self._spacing / 2, height=values, y0=self._base.copy(), width=self._spacing * 0.8,
                brush=colour(i), pen=pg.mkPen(colour(i).darker(120)),
            )
            self._base = self._base + values
            plot.addItem(bar)
            self.time_legend.addItem(bar, s.label)
            self.items.append(bar)
            return
        pen = pg.mkPen(colour(i), width=2, style=Qt.PenStyle.DashLine if s.dashed else Qt.PenStyle.SolidLine)
        symbol = "o" if self._symbols else None
        ys = np.asarray(s.values, dtype=float)
        if i < len(self._curves):
            curve = self._curves[i]
            curve.setData(xs, ys, pen=pen, symbol=symbol, symbolSize=4, symbolBrush=colour(i), symbolPen=None)
            curve.show()
            self._set_legend_label(curve, i, s.label)
        else:
            curve = plot.plot(xs, ys, pen=pen, name=s.label, symbol=symbol, symbolSize=4,
                              symbolBrush=colour(i), symbolPen=None)
            self._curves.append(curve)
            self._in_legend.add(i)
        self.items.append(curve)

    def _set_legend_label(self, curve: pg.PlotDataItem, i: int, label: str) -> None:
        if i not in self._in_legend:
            self.time_legend.addItem(curve, label)
            self._in_legend.add(i)
            return
        for sample, text in self.time_legend.items:
            if sample.item is curve:
                if text.text != label:
                    text.setText(label)
                return

    def _draw_step(self) -> None:
        """Draw series until this event-loop turn's time budget is spent, then yield."""
        deadline = time.perf_counter() + FRAME_BUDGET_S
        while self._pending:
            i, s = self._pending.pop(0)
            self._draw_one(i, s)
            if time.perf_counter() > deadline:
                break
        if self._pending:
            self._draw_timer.start(0)
        else:
            self._finish()

    def _finish(self) -> None:
        self._draw_timer.stop()
        if self._pool_view == "line" and self.view != "totals":
            # Curves left over from a result with more series: hide them and their legend entries.
            for i in range(len(self.items), len(self._curves)):
                curve = self._curves[i]
                if curve.isVisible() or i in self._in_legend:
                    curve.hide()
                    if i in self._in_legend:
                        self.time_legend.removeItem(curve)
                        self._in_legend.discard(i)
        self.drawing = False
        self.drawn.emit()

    def finish_drawing(self) -> None:
        """Draw whatever is still pending now (before exporting or grabbing the chart)."""
        while self._pending:
            i, s = self._pending.pop(0)
            self._draw_one(i, s)
        if self.drawing:
            self._finish()

    def _draw_totals(self) -> None:
        plot = self.totals_plot.getPlotItem()
        self._draw_timer.stop()
        self._pending = []
        plot.clear()
        shown = self.series[:MAX_DRAWN]
        self.drawn_count = n = len(shown)
        self._finish()
        if n == 0:
            return
        xs = np.arange(n, dtype=float)
        heights = np.array([s.total for s in shown], dtype=float)
        brushes = [colour(i) for i in range(n)]
        bar = pg.BarGraphItem(x=xs, height=heights, width=0.7, brushes=brushes, pens=[pg.mkPen(c.darker(120)) for c in brushes])
        plot.addItem(bar)
        self.items.append(bar)
        ticks = [(float(i), _short(s.label)) for i, s in enumerate(shown)]
        plot.getAxis("bottom").setTicks([ticks])
        for i, s in enumerate(shown):
            label = pg.TextItem(format_number(s.total), anchor=(0.5, 1.0), color="#333")
            label.setPos(float(i), float(s.total))
            plot.addItem(label)
        plot.setXRange(-0.6, n - 0.4, padding=0)
        plot.setYRange(0, float(heights.max()) * 1.12 if heights.max() > 0 else 1, padding=0)

    # ----------------------------------------------------------------- hover
    def _on_mouse_moved(self, event: tuple[QPointF]) -> None:
        if self.view == "totals" or len(self._xs) == 0:
            return
        pos = event[0]
        plot = self.time_plot.getPlotItem()
        if not plot.sceneBoundingRect().contains(pos):
            self.crosshair.hide()
            self.tooltip.hide()
            return
        point = plot.vb.mapSceneToView(pos)
        self.hover_at(point.x())

    def hover_at(self, x: float) -> int | None:
        """Snap the crosshair to the bucket nearest `x` (seconds) and describe it."""
        if len(self._xs) == 0:
            return None
        offset = 0.0
        if self.view == "stacked" and len(self._xs) > 1:
            offset = float(np.min(np.diff(self._xs))) / 2
        index = int(np.argmin(np.abs(self._xs + offset - x)))
        self.hover_index = index
        x_pos = float(self._xs[index] + offset)
        self.crosshair.setPos(x_pos)
        self.crosshair.show()
        self.tooltip.setHtml(self.describe_bucket(index))
        (x_min, x_max), (_y_min, y_max) = self.time_plot.getPlotItem().vb.viewRange()
        anchor_right = x_pos > (x_min + x_max) / 2
        self.tooltip.setAnchor((1, 0) if anchor_right else (0, 0))
        self.tooltip.setPos(x_pos, y_max)
        self.tooltip.show()
        self.hovered.emit(index)
        return index

    def describe_bucket(self, index: int) -> str:
        """HTML listing every visible series' value in bucket `index`."""
        when = html.escape(bucket_title(self.buckets[index], self.unit)) if index < len(self.buckets) else ""
        lines = [f"<b>{when}</b>"]
        for i, s in enumerate(self.series[: self.drawn_count]):
            if i < len(self.items) and not self.items[i].isVisible():
                continue
            value = s.values[index] if index < len(s.values) else 0
            lines.append(
                f'<span style="color:{PALETTE[i % len(PALETTE)]}">■</span> '
                f"{html.escape(s.label)}: <b>{format_number(float(value))}</b>"
            )
        return "<br>".join(lines)

    # ----------------------------------------------------------------- export
    def export_image(self, path: str | Path) -> None:
        """PNG or SVG by the file's suffix."""
        from pyqtgraph.exporters import ImageExporter
        from PySide6.QtSvg import QSvgGenerator

        target = Path(path)
        self.finish_drawing()
        widget = self.totals_plot if self.view == "totals" else self.time_plot
        item = widget.getPlotItem()
        self.crosshair.hide()
        self.tooltip.hide()
        if target.suffix.lower() == ".svg":
            # pyqtgraph's SVGExporter cannot parse the path data Qt 6 writes; QSvgGenerator
            # records the widget's own vector painting instead.
            generator = QSvgGenerator()
            generator.setFileName(str(target))
            generator.setSize(widget.size())
            generator.setViewBox(QRect(0, 0, widget.width(), widget.height()))
            generator.setTitle("Tracklens chart")
            painter = QPainter(generator)
            try:
                widget.render(painter)
            finally:
                painter.end()
        else:
            exporter = ImageExporter(item)
            exporter.parameters()["width"] = max(800, widget.width())
            exporter.export(str(target))


def _short(label: str, limit: int = 18) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
