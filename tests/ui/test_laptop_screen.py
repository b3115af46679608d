"""Every panel on a 1366 x 768 laptop screen: none scrolls sideways in its dock and every button,
box and date of its toolbars is whole on screen. Segmentation (124 px), Funnels (195) and
Destinations (194) scrolled sideways there: their results toolbars and action row asked for one
row's width (867, 938 and 811 px, wider than their dock), so their ends (Export, Replay, Cancel)
were off screen until the user scrolled. Both dock areas shrank alike from the default window,
so Messages (637 px at least) scrolled 20 px beside a left side with width to spare. At 1280 x 720
Messages still scrolled 92 px: its campaign list's buttons (New, Open file…, Save to file…,
Delete) were one row of 353 px beside the campaign's form; they wrap now."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QAbstractSpinBox, QComboBox, QWidget

from app.ui.widgets.series_chart import Series
from app.ui.widgets.wrap_row import WrapRow
from tests.ui.conftest import settle, settled_labels

PANELS = ("segmentation", "live", "funnels", "users", "retention", "destinations", "messages", "profile")
QUERIES = ("segmentation", "funnels", "users", "retention")


def _cut_off(holder: QAbstractScrollArea, panel: QWidget) -> list[str]:
    """The shown buttons and boxes laid out in the dock's own area (not in a column or table that
    scrolls by itself) whose left or right end is outside what the dock shows."""
    viewport = holder.viewport()
    cut = []
    for kind in (QAbstractButton, QComboBox, QAbstractSpinBox):
        for widget in panel.findChildren(kind):
            if not widget.isVisibleTo(panel) or widget.width() == 0:
                continue
            area = widget.parentWidget()
            while area is not None and not isinstance(area, QAbstractScrollArea):
                area = area.parentWidget()
            if area is not holder:
                continue
            left = widget.mapTo(viewport, widget.rect().topLeft()).x()
            if left < 0 or left + widget.width() > viewport.width():
                cut.append(f"{type(widget).__name__} {widget.objectName() or getattr(widget, 'text', str)()!r}")
    return cut


@pytest.mark.parametrize("size", [(1366, 768), (1280, 720), (1760, 900)])
def test_no_panel_scrolls_sideways_on_a_laptop_screen(
        size: tuple[int, int], make_window: Any, shop_db: tuple[str, Any], qtbot: Any) -> None:
    window = make_window(shop_db[0])
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size, timeout=5_000)
    for name in PANELS:
        panel = window.show_panel(name)
        if name in QUERIES:
            settle(qtbot, panel)
        holder = window.docks[name].widget()
        qtbot.waitUntil(lambda shown=panel: shown.isVisible() and shown.width() > 0)

        def fits(name: str = name, panel: Any = panel, holder: QAbstractScrollArea = holder) -> None:
            scroll = holder.horizontalScrollBar().maximum()
            assert scroll == 0, f"{name} scrolls sideways {scroll} px in {holder.viewport().width()}"
            assert _cut_off(holder, panel) == [], name
            if size == (1760, 900):  # the default window: every toolbar on one row, as before
                for row in panel.findChildren(WrapRow):
                    shown = [w for i in range(row.count())
                             if (w := row.itemAt(i).widget()) is not None and w.isVisible()]
                    if shown:  # a folded filter builder's buttons (the Live View's) are not shown at all
                        assert max(w.y() for w in shown) < min(w.geometry().bottom() for w in shown), name

        # The dock's layout after the panel's answer: waited for, not a fixed 100 ms (short on a
        # loaded machine); a panel that stays too wide fails here with the last assertion's message.
        qtbot.waitUntil(fits, timeout=5_000)


def laptop_segmentation(make_window: Any, url: str, qtbot: Any) -> tuple[Any, Any]:
    """A window of 1366 x 768 on `url` showing Segmentation's first answer: the window, the panel."""
    window = make_window(url)
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1366, 768), timeout=5_000)
    panel = window.show_panel("segmentation")
    settle(qtbot, panel)
    qtbot.wait(100)
    return window, panel


def test_a_narrow_toolbar_wraps_and_keeps_each_label_with_its_box(
        make_window: Any, shop_db: tuple[str, Any], qtbot: Any) -> None:
    """At 1366 x 768 Segmentation's results toolbar takes two rows: "by" stays beside the unit it
    names, and the summary line wraps instead of widening the panel."""
    window, panel = laptop_segmentation(make_window, shop_db[0], qtbot)
    holder = window.docks["segmentation"].widget()

    def wrapped() -> None:
        assert panel.export_button.y() > panel.range_picker.geometry().bottom()  # on a second row
        by = next(label for label in panel.findChildren(type(panel.summary)) if label.text() == "by")
        assert by.y() < panel.unit_combo.y() + panel.unit_combo.height() and by.geometry().right() < panel.unit_combo.x()
        assert panel.summary.width() <= holder.viewport().width()
        assert panel.summary.text()

    qtbot.waitUntil(wrapped, timeout=5_000)  # the toolbar's layout at the dock's width


def test_segmentation_dates_several_days_on_a_laptop_screen(
        make_window: Any, shop_db: tuple[str, Any], qtbot: Any) -> None:
    """At 1366 x 768 the chart of 30 daily buckets had one date under it ("Dec 2026"): its plot
    was 160 px beside a 240 px series list and the axis's step skipped from 2 days to 14. Now
    the list takes 32% of the chart at most and the axis labels every week there."""
    _window, panel = laptop_segmentation(make_window, shop_db[0], qtbot)
    chart = panel.chart
    assert chart.unit == "day" and len(chart.buckets) >= 28
    drawn = settled_labels(qtbot, chart)
    texts = [text for _rect, text in drawn]
    assert len(texts) >= 4 and len(set(texts)) == len(texts), (chart.date_axis.geometry().width(), texts)
    # Each a day of a month named there or on a label before it ("Nov 9", "16", "23", "Dec 7").
    by_place = [text for _rect, text in sorted(drawn, key=lambda shown: shown[0].left())]
    assert re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}", by_place[0]), by_place
    assert all(re.fullmatch(r"([A-Z][a-z]{2} )?\d{1,2}", text) for text in by_place), by_place
    rects = sorted((rect for rect, _text in drawn), key=lambda rect: rect.left())
    assert all(a.right() + 4 <= b.left() for a, b in itertools.pairwise(rects)), drawn


@pytest.mark.parametrize("narrower", [0, 8])
def test_weekly_dates_beside_a_slightly_narrower_dock(
        narrower: int, make_window: Any, shop_db: tuple[str, Any], qtbot: Any) -> None:
    """At 1366 x 768 whole weekly labels ("Nov 16") fit under the chart with 1-3 px to spare:
    30 days of May (its labels are the widest: "May 25" is 1.4 px wider than "Nov 23") with
    counts in the thousands (a wider count axis) dropped to a label every 14 days, two dates
    under the chart ("May 11", "May 25"), in the default layout and in a dock 8 px narrower.
    Where whole weekly labels do not fit, the month is named only where it changes."""
    window, panel = laptop_segmentation(make_window, shop_db[0], qtbot)
    dock = window.docks["segmentation"]
    if narrower:
        wanted = dock.width() - narrower
        window.resizeDocks([dock], [wanted], Qt.Orientation.Horizontal)
        qtbot.waitUntil(lambda: dock.width() == wanted, timeout=5_000)
    chart = panel.chart
    may = [dt.date(2026, 5, 2) + dt.timedelta(days=k) for k in range(30)]
    chart.set_data([f"{day}T00:00:00+00:00" for day in may], [Series("Page Viewed", [900 + 10 * k for k in range(30)],
                                                                     31_350)], "line", "day")
    qtbot.waitUntil(lambda: not chart.drawing)
    drawn = sorted(settled_labels(qtbot, panel.chart), key=lambda shown: shown[0].left())
    texts = [text for _rect, text in drawn]
    assert texts in (["May 4", "May 11", "May 18", "May 25"], ["May 4", "11", "18", "25"]), (
        dock.width(), chart.date_axis.geometry().width(), texts)
    assert all(a.right() + 4 <= b.left() for (a, _a), (b, _b) in itertools.pairwise(drawn)), drawn


def test_a_custom_range_wraps_instead_of_scrolling_sideways(
        make_window: Any, shop_db: tuple[str, Any], qtbot: Any) -> None:
    """At 1366 x 768 a custom range (two dates beside the preset and the zone, one row of
    515 px in the range picker) made Segmentation, Funnels and Retention scroll sideways
    132, 141 and 215 px, the zone and Export off screen. The picker wraps like the toolbar, and
    the toolbar (a WrapRow) gives it the height of its rows."""
    window = make_window(shop_db[0])
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1366, 768), timeout=5_000)
    for name in ("segmentation", "funnels", "retention"):
        panel = window.show_panel(name)
        panel.range_picker.set_preset("custom")
        panel.refresh()
        settle(qtbot, panel)
        holder = window.docks[name].widget()
        picker = panel.range_picker
        qtbot.waitUntil(lambda picker=picker: picker.end.isVisible() and picker.end.width() > 0)

        def fits(name: str = name, panel: Any = panel, holder: QAbstractScrollArea = holder, picker: Any = picker) -> None:
            assert holder.horizontalScrollBar().maximum() == 0, name
            assert _cut_off(holder, panel) == [], name
            for part in (picker.preset, picker.start, picker.end, picker.zone):  # whole, none cut off
                assert part.isVisible() and picker.rect().contains(part.geometry()), (name, part.objectName())

        qtbot.waitUntil(fits, timeout=5_000)  # the dock's layout with the two dates (was a fixed 100 ms)
