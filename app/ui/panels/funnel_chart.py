"""Funnel drawings: step bars with the drop-off between them, and a plain histogram.

Painted with QPainter rather than a plotting library because the funnel is a handful of bars
whose value is in their annotations (conversion from the previous and the first step, median
time between steps) and in clicking them. Nothing is computed here: every number is the
engine's, as returned in the funnel result.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QPoint, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from app.ui import theme
from app.ui.plain import display_text, plain_tip
from app.ui.widgets.series_chart import PALETTE

DROP_COLOUR = QColor("#f4c7c3")
AXIS_COLOUR = QColor("#bbb")
#: Room beneath the bars: the step name (two lines) and three lines of numbers.
NAME_HEIGHT = 32
BOTTOM_MARGIN = 90
#: How a step's name is drawn under its bars.
NAME_FLAGS = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
#: What the step chart's y axis measures (a display choice, not part of the query), with labels.
AXIS_CHOICES = [("count", "Persons"), ("percent", "% of step 1")]
#: The percent axis' gridlines: conversion from step 1 never exceeds 100 %.
PERCENT_TICKS = [0, 20, 40, 60, 80, 100]


def duration(seconds: float | None) -> str:
    """A short human duration: 45s, 3m 20s, 5h 02m, 2d 4h."""
    if seconds is None:
        return "—"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    days, hours = s // 86400, s % 86400 // 3600
    return f"{days}d {hours}h" if hours else f"{days}d"


def nice_ticks(peak: float, most: int = 5) -> list[int]:
    """Round gridline values from 0 up to at least `peak` (1, 2, 2.5 or 5 times a power of
    ten apart, at most `most` above zero): 0, 500, 1,000, 1,500, 2,000 — not 428 / 857."""
    peak = max(1.0, float(peak))
    for exponent in range(0, 16):
        for factor in (1, 2, 2.5, 5):
            step = factor * 10**exponent
            if step != int(step):
                continue
            count = math.ceil(peak / step)
            if count <= most:
                return [int(step) * k for k in range(count + 1)]
    return [0, int(peak)]


def percent(rate: float | None) -> str:
    if rate is None:
        return "—"
    return f"{rate * 100:.1f}%"


def step_rate(step: dict[str, Any]) -> float:
    """The engine's conversion from step 1 of a step dict (0 when it has none)."""
    return float(step.get("conversion_from_first") or 0.0)


@dataclass(frozen=True)
class BarSeries:
    """One coloured set of bars: a breakdown group (or the whole funnel) and its steps."""

    label: str
    steps: Sequence[dict[str, Any]]


class FunnelChart(QWidget):
    """Bars per step; `step_clicked(step, global_pos)` with the 1-based step under the mouse."""

    step_clicked = Signal(int, QPoint)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        theme.theme().changed.connect(self.update)
        self.setObjectName("funnelChart")
        self.setMinimumHeight(260)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.series: list[BarSeries] = []
        self.step_names: list[str] = []
        self._hover: int | None = None
        self.message = ""
        #: The y-axis gridline values last painted (round numbers: persons, or percents).
        self.y_ticks: list[int] = []
        #: "count" (persons) or "percent" (of step 1): what the bars' heights and labels show.
        self.axis = "count"
        #: What the text under the bars is at a column width (the titles and the lines under
        #: each step, worked out for all steps at once), for the data, axis and font it was
        #: worked out with: a repaint (a hover, a resize back) reuses it. Dropped by set_data.
        self._texts: dict[tuple[float, str, str], tuple[list[str], list[list[str]]]] = {}

    def set_axis(self, axis: str) -> None:
        if axis not in dict(AXIS_CHOICES):
            raise ValueError(f"unknown funnel axis: {axis!r}")
        self.axis = axis
        self.update()

    def y_tick_labels(self) -> list[str]:
        """The gridline labels last painted (what the axis reads)."""
        return [f"{v}%" if self.axis == "percent" else f"{v:,}" for v in self.y_ticks]

    def set_data(self, steps: Sequence[dict[str, Any]], groups: Sequence[dict[str, Any]] | None = None) -> None:
        """`steps`: the result's overall steps; `groups`: its breakdown list (grouped bars)."""
        self.step_names = [str(s.get("event")) for s in steps]
        if groups:
            self.series = [BarSeries(str(g.get("group")) if g.get("group") is not None else "(none)",
                                     list(g.get("steps") or [])) for g in groups]
        else:
            self.series = [BarSeries("All persons", list(steps))] if steps else []
        self.message = "" if steps else "Add steps to see the funnel."
        self._texts.clear()
        self.update()

    def bar_counts(self) -> list[list[int]]:
        """Per series, the count drawn for each step (what tests compare with the engine)."""
        return [[int(s.get("count") or 0) for s in series.steps] for series in self.series]

    def bar_values(self) -> list[list[float]]:
        """Per series, each bar's height on the axis: persons, or percent of the series' step 1."""
        if self.axis == "percent":
            return [[100.0 * step_rate(s) for s in series.steps] for series in self.series]
        return [[float(c) for c in counts] for counts in self.bar_counts()]

    def bar_label(self, step: dict[str, Any]) -> str:
        """The text over a bar: its value in the axis' unit."""
        return percent(step_rate(step)) if self.axis == "percent" else f"{int(step.get('count') or 0):,}"

    def step_title(self, k: int) -> str:
        """Step k's (0-based) name under its bars: "2. Order Completed" (the event as display_text shows it)."""
        return f"{k + 1}. {display_text(self.step_names[k])}"

    def fitted_title(self, k: int, width: float) -> str:
        """Step k's title as drawn in a column `width` wide: on at most two lines, cut with "…"
        where it needs more (a 1366-px screen gives each of four steps ~90 px); the tool tip
        has it whole."""
        return self._texts_at(width)[0][k]

    def lines_under(self, k: int, width: float) -> list[str]:
        """The small lines under step k's bars (no breakdown): the measure the bar's label does
        not give, the conversion from the previous step and its median time. Each row takes the
        longest of its forms that fits `width` under every step (one form per row, so the steps
        read alike), cut with "…" where even the shortest does not, so none runs into the next
        step's."""
        lines = self._texts_at(width)[1]
        return list(lines[k]) if k < len(lines) else []

    def _texts_at(self, width: float) -> tuple[list[str], list[list[str]]]:
        """Every step's fitted title and lines under it at a column `width` wide, worked out
        once for the data, the axis and the font (each step's lines depend on all the steps':
        asked step by step, a paint measured every step's forms again for each, n² work)."""
        key = (width, self.axis, self.font().key())
        texts = self._texts.get(key)
        if texts is None:
            if len(self._texts) >= 8:  # a resize goes through many widths: keep a few
                self._texts.clear()
            texts = self._texts[key] = (self._fit_titles(width), self._fit_lines_under(width))
        return texts

    def _fit_titles(self, width: float) -> list[str]:
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = QFontMetricsF(bold)

        def fits(text: str) -> bool:
            box = metrics.boundingRect(QRectF(0, 0, width, 10_000), NAME_FLAGS, text)
            return box.width() <= width and box.height() <= NAME_HEIGHT

        titles = []
        for k in range(len(self.step_names)):
            title = self.step_title(k)
            if not fits(title):
                lo, hi = 0, len(title)  # the longest prefix that fits with "…" after it
                while lo < hi:
                    mid = (lo + hi + 1) // 2
                    if fits(title[:mid].rstrip() + "…"):
                        lo = mid
                    else:
                        hi = mid - 1
                title = title[:lo].rstrip() + "…"
            titles.append(title)
        return titles

    def _fit_lines_under(self, width: float) -> list[list[str]]:
        rows = [self._forms_under(j) for j in range(len(self.series[0].steps))] if len(self.series) == 1 else []
        metrics = QFontMetricsF(self.small_font())
        advance: dict[str, float] = {}

        def fits(text: str) -> bool:
            if text not in advance:
                advance[text] = metrics.horizontalAdvance(text)
            return advance[text] <= width

        # Per row, the first form that fits under every step. Step 1's "100.0% of step 1" says
        # nothing the others' do not: it may be the one shortened alone, so the others keep
        # their words.
        first_fits: list[int | None] = []
        for r in range(max((len(forms) for forms in rows), default=0)):
            same_row = [step_rows[r] for j, step_rows in enumerate(rows) if r < len(step_rows) and (j or r)]
            first_fits.append(None if not same_row else next(
                (i for i in range(len(same_row[0])) if all(fits(f[i]) for f in same_row)), len(same_row[0]) - 1))
        out = []
        for forms_of_step in rows:
            lines = []
            for r, forms in enumerate(forms_of_step):
                first_fit = first_fits[r]
                if first_fit is None:  # a funnel of one step: its own forms
                    first_fit = next((i for i in range(len(forms)) if fits(forms[i])), len(forms) - 1)
                line = next((text for text in forms[first_fit:] if fits(text)), None)
                lines.append(line if line is not None
                             else metrics.elidedText(forms[-1], Qt.TextElideMode.ElideRight, width))
            out.append(lines)
        return out

    def _forms_under(self, k: int) -> list[tuple[str, ...]]:
        """Step k's rows under its bars, each as its forms, longest first."""
        step = self.series[0].steps[k]
        count = f"{int(step.get('count') or 0):,}"
        first = percent(step.get("conversion_from_first"))
        rows: list[tuple[str, ...]] = [(f"{count} persons", count) if self.axis == "percent"
                else (f"{first} of step 1", f"{first} of 1st", first)]
        if k > 0:
            previous = percent(step.get("conversion_from_previous"))
            median = duration(step.get("median_seconds_from_previous"))
            rows.append((f"{previous} from previous", f"{previous} from prev.", previous))
            rows.append((f"median {median}", f"med. {median}", median))
        return rows

    def step_tooltip(self, k: int) -> str:
        """The hover text of step k (0-based): the axis' value first, then the other measure."""
        lines = [self.step_title(k)]
        for series in self.series:
            if k >= len(series.steps):
                continue
            step = series.steps[k]
            count = f"{int(step.get('count') or 0):,} persons"
            rate = f"{percent(step_rate(step))} of step 1"
            value = f"{rate} ({count})" if self.axis == "percent" else f"{count} ({rate})"
            lines.append(value if len(self.series) == 1 else f"{display_text(series.label)}: {value}")
        if len(self.series) == 1 and 0 < k < len(self.series[0].steps):
            # Whole, what the lines under a narrow bar may shorten.
            step = self.series[0].steps[k]
            lines.append(f"{percent(step.get('conversion_from_previous'))} from previous, median "
                         f"{duration(step.get('median_seconds_from_previous'))}")
        return "\n".join(lines)

    # ----------------------------------------------------------------- painting
    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), theme.chart_background())
        if not self.series or not self.step_names:
            painter.setPen(theme.muted())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message or "No data")
            painter.end()
            return
        n = len(self.step_names)
        groups = len(self.series)
        legend = self.legend_layout()
        legend_h = legend[-1][1].bottom() - 2 if legend else 0
        left, right, top, bottom = 56, 16, 28 + legend_h, BOTTOM_MARGIN
        width = max(10.0, self.width() - left - right)
        height = max(10.0, self.height() - top - bottom)
        values = self.bar_values()
        ticks = PERCENT_TICKS if self.axis == "percent" else nice_ticks(max([max(v) if v else 0 for v in values] + [1]))
        #: The axis top: a round number at or above the tallest bar.
        peak = ticks[-1]
        self.y_ticks = list(ticks)
        labels = self.y_tick_labels()
        base_y = top + height

        small = self.small_font()
        bold = QFont(self.font())
        bold.setBold(True)

        # Axis and grid.
        painter.setPen(QPen(AXIS_COLOUR, 1))
        painter.drawLine(int(left), int(base_y), int(left + width), int(base_y))
        painter.setFont(small)
        for value, label in zip(ticks[1:], labels[1:], strict=True):
            y = base_y - height * value / peak
            painter.setPen(QPen(theme.gridline(), 1))
            painter.drawLine(int(left), int(y), int(left + width), int(y))
            painter.setPen(theme.muted())
            painter.drawText(QRectF(0, y - 8, left - 6, 16), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             label)

        slot_w = width / n
        for k in range(n):
            x0 = left + k * slot_w
            if self._hover == k:
                painter.fillRect(QRectF(x0 + 2, top - 6, slot_w - 4, height + 6), (QColor("#2a3442") if theme.is_dark() else QColor("#f3f6fb")))
            inner = slot_w * 0.7
            bar_w = inner / groups
            bx0 = x0 + (slot_w - inner) / 2
            for g, series in enumerate(self.series):
                if k >= len(series.steps):
                    continue
                colour = QColor(PALETTE[g % len(PALETTE)])
                bx = bx0 + g * bar_w
                h = height * values[g][k] / peak
                if k > 0:
                    ph = height * values[g][k - 1] / peak
                    # The drop-off: what the previous step had and this one lost.
                    painter.fillRect(QRectF(bx + 1, base_y - ph, bar_w - 2, ph - h), QBrush(DROP_COLOUR))
                painter.fillRect(QRectF(bx + 1, base_y - h, bar_w - 2, h), QBrush(colour))
                if groups == 1 or bar_w > 34:
                    # Inside the light drop-off band where it fits (dark text in either theme),
                    # else above the band, on the chart's background.
                    band = height * (values[g][k - 1] - values[g][k]) / peak if k > 0 else 0.0
                    over_drop = band >= 18
                    label_top = base_y - h if over_drop or band <= 0 else base_y - h - band
                    painter.setPen(QColor("#202124") if over_drop else theme.chart_foreground())
                    painter.setFont(small if groups > 1 else bold)
                    painter.drawText(QRectF(bx - 10, label_top - 18, bar_w + 20, 16),
                                     Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                                     self.bar_label(series.steps[k]))
            # Labels beneath the step: name, conversion, median time (overall = first series
            # without breakdown; with a breakdown the table holds the per-group numbers).
            overall = self.series[0].steps if groups == 1 else None
            painter.setPen(theme.chart_foreground())
            painter.setFont(bold)
            # The step's name on up to two lines (long event names are common).
            name_rect = QRectF(x0 + 2, base_y + 4, slot_w - 4, NAME_HEIGHT)
            painter.drawText(name_rect, NAME_FLAGS, self.fitted_title(k, slot_w - 4))
            painter.setFont(small)
            painter.setPen(theme.muted())
            if overall is not None:
                painter.drawText(QRectF(x0 + 2, base_y + 6 + NAME_HEIGHT, slot_w - 4, 48),
                                 Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                                 "\n".join(self.lines_under(k, slot_w - 4)))
        painter.setFont(small)
        for g, (label, rect) in enumerate(legend):
            painter.fillRect(QRectF(rect.x(), rect.y() + 3, 12, 12), QColor(PALETTE[g % len(PALETTE)]))
            painter.setPen(theme.chart_foreground())
            painter.drawText(rect.adjusted(16, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, label)
        painter.setPen(theme.muted())
        painter.drawText(QRectF(left, top - 22, width, 16), Qt.AlignmentFlag.AlignRight, "Click a step for its persons")
        painter.end()

    def small_font(self) -> QFont:
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
        return small

    def legend_layout(self) -> list[tuple[str, QRectF]]:
        """Where each group's legend entry goes: rows wrapped to the widget's width, so every
        group is named (none runs off the right edge)."""
        if len(self.series) <= 1:
            return []
        metrics = QFontMetricsF(self.small_font())
        left, right = 56.0, 16.0
        x, y, out = left, 5.0, []
        for series in self.series:
            label = display_text(series.label)
            w = metrics.horizontalAdvance(label) + 20
            if x > left and x + w > self.width() - right:
                x, y = left, y + 18
            out.append((label, QRectF(x, y, w, 18)))
            x += w + 12
        return out

    # ----------------------------------------------------------------- mouse
    def slot_rects(self) -> list[QRectF]:
        """Each step's column at the current size (what painting and clicks both use)."""
        n = len(self.step_names)
        if not n or not self.series:
            return []
        legend = self.legend_layout()
        legend_h = legend[-1][1].bottom() - 2 if legend else 0
        left, right, top, bottom = 56, 16, 28 + legend_h, BOTTOM_MARGIN
        width = max(10.0, self.width() - left - right)
        height = max(10.0, self.height() - top - bottom)
        slot_w = width / n
        return [QRectF(left + k * slot_w, top - 6, slot_w, height + bottom) for k in range(n)]

    def step_at(self, x: float) -> int | None:
        for k, slot in enumerate(self.slot_rects()):
            if slot.left() <= x < slot.right():
                return k
        return None

    def step_center(self, k: int) -> QPoint:
        """Where step k (0-based) is drawn (tests click there)."""
        slot = self.slot_rects()[k]
        return QPoint(int(slot.center().x()), int(slot.center().y()))

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            k = self.step_at(event.pos().x())
            if k is None:
                QToolTip.hideText()
            else:
                # Step names are event names from the database (app.ui.plain).
                QToolTip.showText(event.globalPos(), plain_tip(self.step_tooltip(k)), self)
            return True
        return super().event(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hover = self.step_at(event.position().x())
        if hover != self._hover:
            self._hover = hover
            self.setCursor(Qt.CursorShape.PointingHandCursor if hover is not None else Qt.CursorShape.ArrowCursor)
            self.update()

    def leaveEvent(self, _event: Any) -> None:
        self._hover = None
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        k = self.step_at(event.position().x())
        if k is not None:
            self.step_clicked.emit(k + 1, event.globalPosition().toPoint())


class HistogramChart(QWidget):
    """Bars of counts with range labels (the time-to-convert distribution)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        theme.theme().changed.connect(self.update)
        self.setObjectName("histogramChart")
        self.setMinimumHeight(220)
        self.labels: list[str] = []
        self.counts: list[int] = []
        self.title = ""
        self.y_ticks: list[int] = []

    def set_data(self, labels: Sequence[str], counts: Sequence[int], title: str = "") -> None:
        self.labels = list(labels)
        self.counts = [int(c) for c in counts]
        self.title = title
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), theme.chart_background())
        if not self.counts:
            painter.setPen(theme.muted())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Nobody converted in this range.")
            painter.end()
            return
        left, right, top, bottom = 56, 16, 30, 56
        width = max(10.0, self.width() - left - right)
        height = max(10.0, self.height() - top - bottom)
        ticks = nice_ticks(max([*self.counts, 1]), most=4)
        peak = ticks[-1]
        self.y_ticks = ticks
        base_y = top + height
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
        painter.setFont(small)
        painter.setPen(theme.chart_foreground())
        painter.drawText(QRectF(left, 4, width, 20), Qt.AlignmentFlag.AlignLeft, self.title)
        for value in ticks[1:]:
            y = base_y - height * value / peak
            painter.setPen(QPen(theme.gridline(), 1))
            painter.drawLine(int(left), int(y), int(left + width), int(y))
            painter.setPen(theme.muted())
            painter.drawText(QRectF(0, y - 8, left - 6, 16), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             f"{value:,}")
        painter.setPen(QPen(AXIS_COLOUR, 1))
        painter.drawLine(int(left), int(base_y), int(left + width), int(base_y))
        n = len(self.counts)
        bar_w = width / n
        every = max(1, int(90 // max(bar_w, 1)))
        for i, count in enumerate(self.counts):
            h = height * count / peak
            painter.fillRect(QRectF(left + i * bar_w + 1, base_y - h, bar_w - 2, h), QColor(PALETTE[0]))
            if i % every == 0:
                painter.setPen(theme.muted())
                painter.drawText(QRectF(left + i * bar_w - 30, base_y + 4, 90, 30),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, self.labels[i])
        painter.end()
