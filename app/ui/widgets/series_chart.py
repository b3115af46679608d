"""A time-series chart for segmentation results: line, stacked bars, or totals as bars.

pyqtgraph draws it; the x axis is a DateAxisItem labelled in the query's zone (the buckets
carry their UTC offset), every tick naming its month. Beside the plot, not on it, a series
list (as in Mixpanel and PostHog): a row per series with its colour, click to show or hide
it, hover to bring its line forward; a breakdown starts with its top groups drawn and the
rest listed. The bucket still in progress is drawn dashed and called "incomplete" in the
hover box. Nothing is computed here beyond stacking the numbers the engine returned.
"""

from __future__ import annotations

import datetime as dt
import html
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.DateAxisItem import (
    DAY_SPACING,
    HOUR_SPACING,
    MINUTE_SPACING,
    MONTH_SPACING,
    YEAR_SPACING,
)
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QIcon,
    QImage,
    QMouseEvent,
    QPainter,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.plain import display_text, plain_items, plain_tip
from app.ui.theme import chart_background, chart_foreground, style_plot, theme
from app.ui.widgets.export import save_image

#: A qualitative palette (Tableau 20 order, strong colours first) readable on white.
PALETTE = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#1f77b4", "#aec7e8", "#ff7f0e", "#2ca02c", "#98df8a", "#d62728",
    "#9467bd", "#8c564b", "#e377c2", "#17becf",
]

VIEWS = ("line", "stacked", "totals")
#: Series drawn at most by default, and the most the "top" control offers (the table and the
#: series list keep them all): more lines are unreadable and slow.
MAX_DRAWN = 30
#: A breakdown draws its top groups only, until the user asks for more.
DEFAULT_TOP = 10
#: The series list's narrowest and widest (px): at most 32% of the chart between them, so at
#: 1366 x 768 the plot is not left 160 px (one date label) beside a 240 px list.
SIDE_WIDTHS = (120, 240)
#: GUI-thread time spent drawing per event-loop turn, so the window never stalls. The chart's
#: repaint (~6-13 ms with 12 curves) follows in the same pause, hence well under 50 ms / 2.
FRAME_BUDGET_S = 0.008


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


#: English month abbreviations, for the same reason as WEEKDAYS.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: 1970-01-05, the first Monday of the epoch, in seconds: weekly ticks fall on Mondays.
FIRST_MONDAY_S = 4 * DAY_SPACING
#: The steps the time axis may take, finest first: (unit, how many). Weeks are 7 days from a
#: Monday (a week bucket's start); months and years start on the 1st of a month.
STEPS = [("minute", n) for n in (1, 5, 15, 30)] + [("hour", n) for n in (1, 2, 3, 6, 12)] + [
    ("day", n) for n in (1, 2, 7, 14, 28)] + [("month", n) for n in (1, 2, 3, 6)] + [
    ("year", n) for n in (1, 2, 5, 10, 25, 50, 100)]
UNIT_SECONDS = {"minute": MINUTE_SPACING, "hour": HOUR_SPACING, "day": DAY_SPACING,
                "month": MONTH_SPACING, "year": YEAR_SPACING}
#: The finest step each bucket size allows: no tick between two buckets.
FINEST = {"hour": ("hour", 1), "day": ("day", 1), "week": ("day", 7), "month": ("month", 1)}
#: Room between two labels, in pixels.
LABEL_GAP = 8


def _step_ticks(low: float, high: float, unit: str, n: int) -> list[float]:
    """Tick times (local wall-clock seconds) from `low` to `high` every `n` units, on the
    calendar: whole hours, midnights, Mondays (n = 7, 14, 28), the 1st of a month."""
    if unit in ("minute", "hour", "day"):
        step = UNIT_SECONDS[unit] * n
        origin = FIRST_MONDAY_S if unit == "day" and n % 7 == 0 else 0
        first = origin + np.ceil((low - origin) / step) * step
        return [float(v) for v in np.arange(first, high + 1e-6, step)]
    start = dt.datetime.fromtimestamp(max(low, 0.0), tz=dt.UTC)
    months_each = n if unit == "month" else 12 * n
    index = start.year * 12 + start.month - 1
    index += -index % months_each
    ticks: list[float] = []
    while True:
        moment = dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=dt.UTC).timestamp()
        if moment > high:
            return ticks
        if moment >= low:
            ticks.append(moment)
        index += months_each


def _local_label(moment: dt.datetime, unit: str, first: bool) -> str:
    """A tick's label: "14:00" (the day, "Nov 9", at midnight), "Nov 9", "Nov" ("Nov 2026" on
    the first tick and in January, where the year changes), "2026"."""
    if unit in ("minute", "hour") and (moment.hour or moment.minute):
        return f"{moment:%H:%M}"
    if unit in ("minute", "hour", "day"):
        return f"{MONTHS[moment.month - 1]} {moment.day}"
    if unit == "month":
        month = MONTHS[moment.month - 1]
        return f"{month} {moment.year}" if first or moment.month == 1 else month
    return str(moment.year)


class ReadableDateAxis(pg.DateAxisItem):  # type: ignore[misc]
    """Time ticks as many as fit, each naming its bucket: "Nov 9", "14:00", "Nov 2026".

    pyqtgraph's levels picked their step from an example label ("MMM 00") wider than most
    dates and jumped from 2-day to 14-day steps, so a 30-day chart 160-250 px wide got one
    label. Here the finest calendar step whose real labels fit side by side wins, never finer
    than the buckets (`unit`), and the ticks are one level so none is dropped for crowding.
    Labels are measured as pyqtgraph lays them out, in the font they are drawn in.

    A step of a week or more whose labels do not fit whole names the month only where it
    changes ("May 4", "11", "18", "25", "Jun 1") before a coarser step is tried: at 1366 x 768
    whole weekly labels fit with 1-3 px to spare, so a dock a few px narrower, the wider labels
    of May or a count axis of thousands dropped to a label every 14 days (two dates).
    """

    def __init__(self, orientation: str = "bottom", **kwargs: Any) -> None:
        super().__init__(orientation, **kwargs)
        #: The buckets' size (hour, day, week, month) or None: the finest step to show.
        self.unit: str | None = None
        self._chosen: tuple[float, str] = (DAY_SPACING, "day")
        #: The chosen step's labels name the month only where it changes.
        self._compact = False
        self._values: list[float] = []

    def _font(self) -> QFont:
        """The font the labels are drawn in: the tick font if one is set, else the axis's own
        (which the painter of its picture has)."""
        font = self.style.get("tickFont")
        return QFont(font) if font is not None else self.font()

    @staticmethod
    def _label_width(metrics: QFontMetricsF, text: str) -> float:
        """A label's width as pyqtgraph lays it out (its bounding rectangle)."""
        rect = metrics.boundingRect(QRectF(0, 0, 100, 100), Qt.AlignmentFlag.AlignCenter, text)
        return max(rect.width(), metrics.horizontalAdvance(text))

    def _labels(self, values: Sequence[float], unit: str, compact: bool = False) -> list[str]:
        """The ticks' labels; `compact`: a day's label is its number where the month is the
        one before's ("May 4", "11", "18")."""
        offset = self.utcOffset or 0
        out = []
        month: tuple[int, int] | None = None
        for i, value in enumerate(values):
            try:
                moment = dt.datetime.fromtimestamp(value - offset, tz=dt.UTC)
            except (OverflowError, ValueError, OSError):
                out.append("")
                month = None
                continue
            same = month == (moment.year, moment.month)
            month = (moment.year, moment.month)
            out.append(str(moment.day) if compact and unit == "day" and same else _local_label(moment, unit, i == 0))
        return out

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, list[float]]]:
        if size <= 0 or not maxVal > minVal:
            return []
        offset = self.utcOffset or 0
        per_pixel = (maxVal - minVal) / size
        metrics = QFontMetricsF(self._font())
        finest = STEPS.index(FINEST[self.unit]) if self.unit in FINEST else 0
        best: tuple[float, str, list[float], bool] | None = None
        for unit, n in STEPS[finest:]:
            spacing = UNIT_SECONDS[unit] * n
            if spacing / per_pixel < 20:  # not even a short label fits: skip the work
                continue
            lo, hi = minVal - offset, maxVal - offset
            # Months and years are counted from 1970: none before it (pyqtgraph's limit too).
            calendar = unit in ("minute", "hour", "day") or lo >= 0
            values = [v + offset for v in _step_ticks(lo, hi, unit, n)] if calendar else []
            fits = False
            for compact in (False, True) if unit == "day" and n >= 7 else (False,):
                widths = [self._label_width(metrics, text) for text in self._labels(values, unit, compact)]
                best = (spacing, unit, values, compact)
                fits = all((values[i + 1] - values[i]) / per_pixel >= (widths[i] + widths[i + 1]) / 2 + LABEL_GAP
                           for i in range(len(values) - 1))
                if fits:
                    break
            if fits:
                break
        if best is None:
            return []
        spacing, unit, values, self._compact = best
        self._chosen = (spacing, unit)
        self._values = values
        return [(spacing, values)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        chosen, unit = self._chosen
        if spacing != chosen:
            return list(super().tickStrings(values, scale, spacing))
        return self._labels(values, unit, self._compact)

    def generateDrawSpecs(self, p: QPainter) -> Any:
        """pyqtgraph's drawing, and the first and last labels it hides for sticking out of the
        axis drawn inside it, beside their tick, where they crowd no other label."""
        specs = super().generateDrawSpecs(p)
        if specs is None or self.orientation != "bottom" or not specs[2]:
            return specs
        axis_spec, tick_specs, text_specs = specs
        values = self._values
        if len(tick_specs) != len(values):
            return specs
        bounds = self.boundingRect()
        drawn = {text_specs[k][0].center().x(): k for k in range(len(text_specs))}
        strings = self._labels(values, self._chosen[1], self._compact)
        top, height, flags = text_specs[0][0].top(), text_specs[0][0].height(), text_specs[0][1]
        for index in {0, len(values) - 1}:
            x = tick_specs[index][1].x()
            if any(abs(x - centre) < 1 for centre in drawn):
                continue
            width = float(p.fontMetrics().horizontalAdvance(strings[index]) + 2)
            left = min(max(x - width / 2, bounds.left()), bounds.right() - width)
            rect = QRectF(left, top, width, height)
            crowded = any(rect.adjusted(-LABEL_GAP / 2, 0, LABEL_GAP / 2, 0).intersects(other)
                          for other, _f, _t in text_specs)
            if not crowded and left - x < width / 2 and x - left < width:
                text_specs.append((rect, flags, strings[index]))
        if self._chosen[1] == "month" or self._compact:
            self._name_on_first(p, tick_specs, text_specs, values, bounds)
        return axis_spec, tick_specs, text_specs

    def _name_on_first(self, p: QPainter, tick_specs: list[Any], text_specs: list[Any], values: list[float],
                       bounds: QRectF) -> None:
        """The leftmost month drawn names its year ("Jul 2025"), and the leftmost compact day its
        month ("May 11"), when the first tick's label, which named it, was hidden at the edge;
        left as it is where the longer label would crowd."""
        order = sorted(range(len(text_specs)), key=lambda k: text_specs[k][0].left())
        first = order[0]
        rect, flags, text = text_specs[first]
        if any(ch.isdigit() for ch in text) != text.isdigit():
            return  # "Jul 2025", "May 11", "Jul": named already
        index = min(range(len(values)), key=lambda k: abs(tick_specs[k][1].x() - rect.center().x()))
        moment = dt.datetime.fromtimestamp(values[index] - (self.utcOffset or 0), tz=dt.UTC)
        label = f"{MONTHS[moment.month - 1]} {text}" if text.isdigit() else f"{text} {moment.year}"
        width = float(p.fontMetrics().horizontalAdvance(label) + 2)
        left = min(max(rect.center().x() - width / 2, bounds.left()), bounds.right() - width)
        wider = QRectF(left, rect.top(), width, rect.height())
        following = [text_specs[k][0] for k in order[1:2]]
        if not any(wider.adjusted(0, 0, LABEL_GAP, 0).intersects(other) for other in following):
            text_specs[first] = (wider, flags, label)

    def tick_labels(self) -> list[str]:
        """The labels drawn now (what a user reads under the chart)."""
        return [text for _rect, text in self.drawn_labels()]

    def drawn_labels(self) -> list[tuple[QRectF, str]]:
        """Each label the axis draws at its present size and range, with its rectangle (a
        label that would stick out of the axis is not drawn, as pyqtgraph does)."""
        image = QImage(1, 1, QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        try:
            painter.setFont(self._font())
            specs = self.generateDrawSpecs(painter)
        finally:
            painter.end()
        if specs is None:
            return []
        return [(QRectF(rect), str(text)) for rect, _flags, text in specs[2]]


class CountAxis(pg.AxisItem):  # type: ignore[misc]
    """A value axis writing whole numbers as the table does: 1,500, not 1500 (fractions as before)."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        strings = list(super().tickStrings(values, scale, spacing))
        return [f"{round(value * scale):,}" if text.lstrip("-").isdigit() else text
                for value, text in zip(values, strings, strict=True)]


class SeriesList(QListWidget):
    """The series beside the chart: checked rows are drawn; a click anywhere on a row toggles
    it (not only on the box); hovering a row reports it, leaving the list reports None."""

    toggled = Signal(int, bool)
    hovered_row = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("seriesList")
        self.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setUniformItemSizes(True)
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        self.setFrameShape(QListWidget.Shape.NoFrame)
        plain_items(self)
        self.itemEntered.connect(lambda item: self.hovered_row.emit(self.row(item)))
        self.itemChanged.connect(self._on_changed)

    def fill(self, series: Sequence[Series], visible: Sequence[bool]) -> None:
        self.blockSignals(True)
        try:
            self.clear()
            for i, (s, on) in enumerate(zip(series, visible, strict=True)):
                item = QListWidgetItem(swatch(i, s.dashed), s.label)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
                item.setToolTip(plain_tip(f"{s.label}: {format_number(float(s.total))}"))
                self.addItem(item)
        finally:
            self.blockSignals(False)
        self._choose_elide()

    def _choose_elide(self) -> None:
        """Names cut in the middle keep a breakdown's value at their end; but in a narrow list
        (a laptop screen) "Product Viewed" and "Product List Viewed" both read "Produ…iewed".
        Where cutting at the end tells more of the names apart, the list cuts there."""
        if not self.count():
            return
        labels = {self.item(r).text() for r in range(self.count())}
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        option.rect = QRect(0, 0, self.viewport().width(), 20)  # a row is painted as wide as the list
        delegate = self.itemDelegate()
        if isinstance(delegate, QStyledItemDelegate):  # (plain_items' delegate is one)
            delegate.initStyleOption(option, self.model().index(0, 0))
        room = self.style().subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, self).width() - 6
        metrics = option.fontMetrics

        def told_apart(mode: Qt.TextElideMode) -> int:
            return len({metrics.elidedText(display_text(label), mode, room) for label in labels})

        middle, right = (told_apart(mode) for mode in (Qt.TextElideMode.ElideMiddle, Qt.TextElideMode.ElideRight))
        self.setTextElideMode(Qt.TextElideMode.ElideRight if right > middle else Qt.TextElideMode.ElideMiddle)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._choose_elide()

    def set_checked(self, row: int, on: bool) -> None:
        item = self.item(row)
        if item is not None:
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def checked_rows(self) -> list[int]:
        return [r for r in range(self.count()) if self.item(r).checkState() == Qt.CheckState.Checked]

    def _on_changed(self, item: QListWidgetItem) -> None:
        self.toggled.emit(self.row(item), item.checkState() == Qt.CheckState.Checked)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        item = self.itemAt(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and item is not None:
            on = item.checkState() != Qt.CheckState.Checked
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self.hovered_row.emit(None)
        return bool(super().viewportEvent(event))


def swatch(index: int, dashed: bool = False) -> QIcon:
    """The series' colour as a small square (a dashed stroke for a previous-period series)."""
    pixmap = QPixmap(14, 14)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    if dashed:
        painter.setPen(QPen(colour(index), 2.5, Qt.PenStyle.DashLine))
        painter.drawLine(0, 7, 14, 7)
    else:
        painter.fillRect(1, 1, 12, 12, colour(index))
    painter.end()
    return QIcon(pixmap)


class SeriesChart(QWidget):
    """`set_data(buckets, series, view, unit, incomplete=, top=)`; `hovered(index)` fires as
    the crosshair moves; `message(text)` shows a notice in place of the plot."""

    hovered = Signal(int)
    #: Every checked series of the current data is on screen.
    drawn = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=True, background=chart_background(), foreground=chart_foreground())
        self.stack = QStackedWidget(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.stack, 1)

        self.side = QWidget(self)
        self.side.setObjectName("seriesSide")
        self.side.setMinimumWidth(SIDE_WIDTHS[0])
        self.side.setMaximumWidth(SIDE_WIDTHS[1])
        side_layout = QVBoxLayout(self.side)
        side_layout.setContentsMargins(0, 4, 0, 0)
        side_layout.setSpacing(2)
        top_row = QHBoxLayout()
        self.top_label = QLabel("Show top", self.side)
        self.top_spin = QSpinBox(self.side)
        self.top_spin.setObjectName("seriesTop")
        self.top_spin.setRange(1, MAX_DRAWN)
        self.top_spin.setValue(DEFAULT_TOP)
        self.top_spin.setToolTip("How many series to draw, largest first; check others in the list")
        top_row.addWidget(self.top_label)
        top_row.addWidget(self.top_spin)
        top_row.addStretch(1)
        side_layout.addLayout(top_row)
        self.series_list = SeriesList(self.side)
        side_layout.addWidget(self.series_list, 1)
        layout.addWidget(self.side)
        self.series_list.toggled.connect(self._on_toggled)
        self.series_list.hovered_row.connect(self.highlight)
        self.top_spin.valueChanged.connect(self._on_top_changed)

        self.date_axis = ReadableDateAxis(orientation="bottom")
        self.time_plot = pg.PlotWidget(axisItems={"bottom": self.date_axis, "left": CountAxis("left")})
        self.time_plot.setObjectName("timePlot")
        self.time_plot.showGrid(x=False, y=True, alpha=0.25)
        self.time_plot.setMouseEnabled(x=True, y=False)
        self.totals_plot = pg.PlotWidget(axisItems={"left": CountAxis("left")})
        self.totals_plot.setObjectName("totalsPlot")
        self.totals_plot.showGrid(x=False, y=True, alpha=0.25)
        self.totals_plot.setMouseEnabled(x=False, y=False)
        style_plot(self.time_plot)
        style_plot(self.totals_plot)
        self.message_label = QLabel(self.stack)
        self.message_label.setObjectName("chartMessage")
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._style_message()
        theme().changed.connect(self._style_message)
        self.stack.addWidget(self.time_plot)
        self.stack.addWidget(self.totals_plot)
        self.stack.addWidget(self.message_label)

        self.crosshair = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#888", style=Qt.PenStyle.DashLine))
        self.tooltip = pg.TextItem(anchor=(0, 0), color="#222", fill=pg.mkBrush(255, 255, 255, 235), border=pg.mkPen("#999"))
        self.tooltip.setZValue(100)
        self.crosshair.setZValue(90)
        self._proxy = pg.SignalProxy(self.time_plot.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse_moved)

        self.view = "line"
        self.buckets: list[str] = []
        self.unit: str | None = None
        self.series: list[Series] = []
        #: Per series: drawn (checked in the list) or not.
        self.visible: list[bool] = []
        #: The bucket still in progress (drawn dashed), if any.
        self.incomplete: int | None = None
        #: The series index each of `items` draws.
        self.drawn_indices: list[int] = []
        self.items: list[pg.GraphicsObject] = []
        self.highlighted: int | None = None
        self._xs = np.zeros(0)
        self.hover_index: int | None = None
        #: True while series are still being added (drawing is spread over event-loop turns).
        self.drawing = False
        self.drawn_count = 0
        self._pending: list[tuple[int, int]] = []
        #: The time plot's next (x, y) range, applied with the first series drawn.
        self._new_range: tuple[tuple[float, float], tuple[float, float]] | None = None
        self._base = np.zeros(0)
        self._spacing = 86400.0
        self._symbols = True
        self._curves: list[pg.PlotDataItem] = []
        self._tails: list[pg.PlotDataItem] = []
        self._pool_view: str | None = None
        self._draw_timer = QTimer(self)
        self._draw_timer.setSingleShot(True)
        self._draw_timer.timeout.connect(self._draw_step)
        # No data yet (the demo being created, the first query running): no plot and no series
        # list. Axes from 0 to 1 under a date "00.500" and an empty list said nothing true.
        self.side.hide()
        self.stack.setCurrentWidget(self.message_label)

    def resizeEvent(self, event: Any) -> None:
        self.side.setMaximumWidth(max(SIDE_WIDTHS[0], min(SIDE_WIDTHS[1], int(self.width() * 0.32))))
        super().resizeEvent(event)

    # ----------------------------------------------------------------- data

    def _style_message(self) -> None:
        """The message page (no data, errors) in the theme's chart colours."""
        self.message_label.setStyleSheet(
            f"QLabel {{ background: {chart_background().name()}; color: {chart_foreground().name()}; padding: 24px; }}")
    def set_data(
        self, buckets: Sequence[str], series: Sequence[Series], view: str = "line", unit: str | None = None,
        *, incomplete: int | None = None, top: int | None = None,
    ) -> None:
        """`unit` (hour/day/week/month) decides how the hover box names a bucket; `incomplete`
        is the bucket still in progress; `top` draws only the first `top` series at first (a
        breakdown's largest groups), None draws them all up to MAX_DRAWN.

        A series shown or hidden by the user stays so, by label, when new numbers arrive.
        """
        previous = {s.label: on for s, on in zip(self.series, self.visible, strict=False)}
        self.unit = unit
        self.buckets = list(buckets)
        self.series = list(series)
        self.incomplete = incomplete if incomplete is not None and 0 <= incomplete < len(self.buckets) else None
        self.view = view if view in VIEWS else "line"
        if top is not None and self._top_chosen is not None:
            top = self._top_chosen
        limit = min(MAX_DRAWN, top if top is not None else len(self.series))
        self.top_spin.blockSignals(True)
        self.top_spin.setValue(max(1, limit))
        self.top_spin.blockSignals(False)
        self.visible = [previous.get(s.label, i < limit) for i, s in enumerate(self.series)]
        self.series_list.fill(self.series, self.visible)
        several = len(self.series) > 1
        self.side.setVisible(bool(self.series))
        self.top_label.setVisible(several)
        self.top_spin.setVisible(several)
        self.message_label.clear()
        self._redraw()

    #: The count the user picked in "Show top" (kept for the next results).
    _top_chosen: int | None = None

    def set_view(self, view: str) -> None:
        if view != self.view:
            self.view = view if view in VIEWS else "line"
            self._redraw()

    def message(self, text: str) -> None:
        """Show `text` (rich text allowed) instead of the plot, e.g. an empty database's notice."""
        self.set_data([], [], self.view)
        self.message_label.setText(text)
        self.stack.setCurrentWidget(self.message_label)

    @property
    def showing_message(self) -> bool:
        return self.stack.currentWidget() is self.message_label

    def set_series_visible(self, index: int, on: bool) -> None:
        """What clicking the series' row does."""
        self.series_list.set_checked(index, on)

    def set_top(self, count: int) -> None:
        """Draw the first `count` series only (what the "Show top" control does)."""
        self.top_spin.setValue(count)

    def _on_top_changed(self, count: int) -> None:
        self._top_chosen = count
        self.visible = [i < count for i in range(len(self.series))]
        self.series_list.fill(self.series, self.visible)
        self._redraw()

    def _on_toggled(self, index: int, on: bool) -> None:
        if 0 <= index < len(self.visible) and self.visible[index] != on:
            self.visible[index] = on
            self.highlighted = None
            self._redraw()

    def _redraw(self) -> None:
        self.hover_index = None
        self.items = []
        self.drawn_indices = [i for i, on in enumerate(self.visible) if on]
        if self.view == "totals":
            self._draw_totals()
            self.stack.setCurrentWidget(self.totals_plot)
        else:
            self._draw_time()
            self.stack.setCurrentWidget(self.time_plot)
        if not self.buckets and not self.series:
            self.stack.setCurrentWidget(self.message_label)  # nothing to plot (cleared): no empty axes

    def _draw_time(self) -> None:
        plot = self.time_plot.getPlotItem()
        self._draw_timer.stop()
        self._new_range = None
        if self.view != "line" or self._pool_view != "line":
            # Line charts reuse their curves (creating and removing pyqtgraph items costs far
            # more than new data); other views start from an empty plot.
            plot.clear()
            self._curves = []
            self._tails = []
            plot.addItem(self.crosshair, ignoreBounds=True)
            plot.addItem(self.tooltip, ignoreBounds=True)
        self._pool_view = self.view
        xs, offset = bucket_seconds(self.buckets)
        self._xs = xs
        self.date_axis.utcOffset = -offset
        self.date_axis.unit = self.unit
        self._pending = []
        if len(xs) == 0:
            self.drawn_count = 0
            self._finish()
            return
        spacing = float(np.min(np.diff(xs))) if len(xs) > 1 else 86400.0
        self._spacing = spacing
        shown = [self.series[i] for i in self.drawn_indices]
        self.drawn_count = len(shown)
        values = [np.asarray(s.values, dtype=float) for s in shown]
        if self.view == "stacked":
            top = np.sum(values, axis=0) if values else np.zeros(1)
        else:
            top = np.max(values, axis=0) if values else np.zeros(1)
        low = min(0.0, float(np.min([np.min(v) for v in values]))) if values else 0.0
        high = float(np.max(top)) if len(top) else 1.0
        # One range change, not two: each one makes every curve still showing recompute its
        # display data (~5 ms with 12 curves) before it gets its new data anyway.
        x0, x1 = float(xs[0]), float(xs[-1]) + (spacing if self.view == "stacked" else 0)
        pad = 0.02 * (x1 - x0)  # as setXRange(padding=0.02); one bucket keeps the previous scale
        # Applied with the first series, in the next turn: changing the range now would repaint
        # the whole chart (axes, every old curve) in the same pause as the caller's table.
        self._new_range = ((x0 - pad, x1 + pad), (low, high * 1.08 if high > 0 else 1.0))
        self._symbols = len(shown) <= 12 and len(xs) <= 45
        self._base = np.zeros(len(xs))
        self._pending = list(enumerate(self.drawn_indices))
        self.crosshair.hide()
        self.tooltip.hide()
        self.drawing = True
        # The first series in the next turn: the caller (a panel showing a result) has its table
        # and list to fill in this one, and both together would be one long pause.
        self._draw_timer.start(0)

    def _draw_one(self, slot: int, i: int) -> None:
        s = self.series[i]
        plot = self.time_plot.getPlotItem()
        xs = self._xs
        k = self.incomplete
        if self.view == "stacked":
            values = np.asarray(s.values, dtype=float)
            brushes = [QBrush(colour(i))] * len(xs)
            if k is not None:
                # The bucket in progress: hatched, as its bar will still grow.
                brushes[k] = QBrush(colour(i), Qt.BrushStyle.BDiagPattern)
            bar = pg.BarGraphItem(
                x=xs + self._spacing / 2, height=values, y0=self._base.copy(), width=self._spacing * 0.8,
                brushes=brushes, pen=pg.mkPen(colour(i).darker(120)),
            )
            self._base = self._base + values
            plot.addItem(bar)
            self.items.append(bar)
            return
        pen = pg.mkPen(colour(i), width=2, style=Qt.PenStyle.DashLine if s.dashed else Qt.PenStyle.SolidLine)
        symbol = "o" if self._symbols else None
        ys = np.asarray(s.values, dtype=float)
        # The segment into the bucket in progress is left out of the solid line and drawn
        # dashed by the series' tail (a previous period's series is complete: no tail).
        split = k is not None and not s.dashed and len(xs) > 1
        connect: Any = "all"
        if split:
            assert k is not None
            connect = np.ones(len(xs), dtype=bool)
            connect[max(0, k - 1):] = False
        if slot < len(self._curves):
            curve = self._curves[slot]
            curve.setData(xs, ys, pen=pen, symbol=symbol, symbolSize=4, symbolBrush=colour(i), symbolPen=None,
                          connect=connect)
            curve.show()
        else:
            curve = plot.plot(xs, ys, pen=pen, symbol=symbol, symbolSize=4, symbolBrush=colour(i), symbolPen=None,
                              connect=connect)
            self._curves.append(curve)
            self._tails.append(plot.plot([], [], pen=pen))
        curve.setOpacity(1.0)
        curve.setZValue(0)
        tail = self._tails[slot]
        if split:
            assert k is not None
            start = max(0, k - 1)
            tail.setData(xs[start:], ys[start:], pen=pg.mkPen(colour(i), width=2, style=Qt.PenStyle.DashLine))
            tail.setOpacity(1.0)
            tail.show()
        else:
            tail.hide()
        self.items.append(curve)

    def _apply_range(self) -> None:
        if self._new_range is not None:
            x_range, y_range = self._new_range
            self._new_range = None
            plot = self.time_plot.getPlotItem()
            # Fixed ranges: autoranging after every added curve costs more than drawing it.
            plot.disableAutoRange()
            plot.setRange(xRange=x_range, yRange=y_range, padding=0)

    def _draw_step(self) -> None:
        """Draw series until this event-loop turn's time budget is spent, then yield."""
        deadline = time.perf_counter() + FRAME_BUDGET_S
        self._apply_range()
        while self._pending:
            slot, i = self._pending.pop(0)
            self._draw_one(slot, i)
            if time.perf_counter() > deadline:
                break
        if self._pending:
            self._draw_timer.start(0)
        else:
            self._finish()

    def _finish(self) -> None:
        self._draw_timer.stop()
        if self._pool_view == "line" and self.view != "totals":
            # Curves left over from a result with more series: hide them.
            for slot in range(len(self.items), len(self._curves)):
                self._curves[slot].hide()
                self._tails[slot].hide()
        self.drawing = False
        self.drawn.emit()

    def finish_drawing(self) -> None:
        """Draw whatever is still pending now (before exporting or grabbing the chart)."""
        self._apply_range()
        while self._pending:
            slot, i = self._pending.pop(0)
            self._draw_one(slot, i)
        if self.drawing:
            self._finish()

    def _draw_totals(self) -> None:
        plot = self.totals_plot.getPlotItem()
        self._draw_timer.stop()
        self._pending = []
        plot.clear()
        shown = [self.series[i] for i in self.drawn_indices]
        self.drawn_count = n = len(shown)
        self._finish()
        if n == 0:
            return
        xs = np.arange(n, dtype=float)
        heights = np.array([s.total for s in shown], dtype=float)
        brushes = [colour(i) for i in self.drawn_indices]
        bar = pg.BarGraphItem(x=xs, height=heights, width=0.7, brushes=brushes, pens=[pg.mkPen(c.darker(120)) for c in brushes])
        plot.addItem(bar)
        self.items.append(bar)
        ticks = [(float(slot), display_text(_short(s.label))) for slot, s in enumerate(shown)]
        plot.getAxis("bottom").setTicks([ticks])
        for slot, s in enumerate(shown):
            label = pg.TextItem(format_number(s.total), anchor=(0.5, 1.0), color="#333")
            label.setPos(float(slot), float(s.total))
            plot.addItem(label)
        plot.setXRange(-0.6, n - 0.4, padding=0)
        plot.setYRange(0, float(heights.max()) * 1.12 if heights.max() > 0 else 1, padding=0)

    # ----------------------------------------------------------------- highlight
    def highlight(self, index: int | None) -> None:
        """Bring series `index`'s line (or bars) forward and fade the others; None: all equal."""
        if index is not None and index not in self.drawn_indices:
            index = None
        self.highlighted = index
        if self.view == "totals":
            if self.items:
                faded = [colour(i) if index in (None, i) else _faded(colour(i)) for i in self.drawn_indices]
                self.items[0].setOpts(brushes=faded)
            return
        for slot, i in enumerate(self.drawn_indices[: len(self.items)]):
            if i >= len(self.series):
                continue  # a hover that arrives while a new, shorter result replaces the drawing
            item = self.items[slot]
            mine = index is None or index == i
            item.setOpacity(1.0 if mine else 0.18)
            item.setZValue(10 if index == i else 0)
            if self.view == "line":
                s = self.series[i]
                width = 3.5 if index == i else 2
                style = Qt.PenStyle.DashLine if s.dashed else Qt.PenStyle.SolidLine
                item.setPen(pg.mkPen(colour(i), width=width, style=style))
                tail = self._tails[slot]
                tail.setOpacity(1.0 if mine else 0.18)
                tail.setPen(pg.mkPen(colour(i), width=width, style=Qt.PenStyle.DashLine))

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
        """HTML listing every drawn series' value in bucket `index`."""
        when = html.escape(bucket_title(self.buckets[index], self.unit)) if index < len(self.buckets) else ""
        heading = f"<b>{when}</b>"
        if index == self.incomplete:
            heading += ' <i style="color:#b35900">incomplete — still counting</i>'
        lines = [heading]
        for i in self.drawn_indices:
            s = self.series[i]
            value = s.values[index] if index < len(s.values) else 0
            lines.append(
                f'<span style="color:{PALETTE[i % len(PALETTE)]}">■</span> '
                f"{html.escape(display_text(s.label))}: <b>{format_number(float(value))}</b>"
            )
        return "<br>".join(lines)

    # ----------------------------------------------------------------- export
    def export_widget(self) -> QWidget:
        """The chart ready to be drawn into a file: everything drawn, no hover box."""
        self.finish_drawing()
        self.crosshair.hide()
        self.tooltip.hide()
        self.highlight(None)
        return self

    def export_image(self, path: str | Path) -> None:
        """PNG or SVG by the file's suffix: the plot with its series list."""
        save_image(self.export_widget(), path)


def _faded(c: QColor) -> QColor:
    out = QColor(c)
    out.setAlpha(60)
    return out


def _short(label: str, limit: int = 18) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
