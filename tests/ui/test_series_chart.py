"""The chart widget: curves are reused between results, and nothing stale stays on screen."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

from app.ui.widgets.series_chart import MAX_DRAWN, Series, SeriesChart, SeriesList

BUCKETS = [f"2026-11-{d:02d}T00:00:00+01:00" for d in range(1, 8)]


def series(labels: list[str]) -> list[Series]:
    return [Series(label, [i + k for k in range(7)], sum(i + k for k in range(7))) for i, label in enumerate(labels)]


def shown(chart: SeriesChart) -> tuple[list[str], list[list[float]]]:
    """The checked rows of the series list, and the curves on screen."""
    listed = chart.series_list
    legend = [listed.item(r).text() for r in listed.checked_rows()]
    curves = [list(c.getData()[1]) for c in chart._curves if c.isVisible()]
    return legend, curves


def test_fewer_series_hide_the_rest_and_relabel(qtbot: Any) -> None:
    chart = SeriesChart()
    qtbot.addWidget(chart)
    chart.set_data(BUCKETS, series(["a", "b", "c", "d", "e"]))
    qtbot.waitUntil(lambda: not chart.drawing)
    first = list(chart._curves)
    chart.set_data(BUCKETS, series(["x", "y"]))
    qtbot.waitUntil(lambda: not chart.drawing)
    legend, curves = shown(chart)
    assert legend == ["x", "y"]
    assert curves == [[float(k) for k in range(7)], [float(1 + k) for k in range(7)]]
    assert chart._curves[:2] == first[:2]  # reused, not recreated
    chart.set_data(BUCKETS, series(["p", "q", "r", "s"]))
    qtbot.waitUntil(lambda: not chart.drawing)
    legend, curves = shown(chart)
    assert legend == ["p", "q", "r", "s"] and len(curves) == 4
    chart.set_view("stacked")
    qtbot.waitUntil(lambda: not chart.drawing)
    chart.set_view("line")
    qtbot.waitUntil(lambda: not chart.drawing)
    assert shown(chart)[0] == ["p", "q", "r", "s"]


def test_many_series_are_capped_and_drawn_in_steps(qtbot: Any) -> None:
    chart = SeriesChart()
    qtbot.addWidget(chart)
    with qtbot.waitSignal(chart.drawn, timeout=10_000):
        chart.set_data(BUCKETS, series([f"s{i}" for i in range(MAX_DRAWN + 20)]))
    assert len(chart.items) == MAX_DRAWN
    assert len(shown(chart)[0]) == MAX_DRAWN


def left_tick_labels(plot: Any) -> list[str]:
    """The labels the left axis draws now (what a user reads beside the chart)."""
    axis = plot.getPlotItem().getAxis("left")
    low, high = plot.getPlotItem().getViewBox().viewRange()[1]
    return [label for spacing, values in axis.tickValues(low, high, axis.geometry().height() or 300)
            for label in axis.tickStrings(values, 1.0, spacing)]


def test_counts_on_the_value_axis_have_thousands_separators(qtbot: Any) -> None:
    """The table, the series list and the funnel's axis write 35,694; the line and totals charts'
    axes wrote 1600, 1500, … and 30000."""
    chart = SeriesChart()
    qtbot.addWidget(chart)
    chart.resize(800, 400)
    chart.show()
    chart.set_data(BUCKETS, [Series("Page Viewed", [800.0, 1600.0, 1200.0, 900.0, 1400.0, 1000.0, 1500.0], 8400.0)])
    qtbot.waitUntil(lambda: not chart.drawing)
    labels = left_tick_labels(chart.time_plot)
    assert "1,000" in labels and not any(label.isdigit() and len(label) > 3 for label in labels)
    chart.set_view("totals")
    qtbot.waitUntil(lambda: not chart.drawing)
    labels = left_tick_labels(chart.totals_plot)
    assert any("," in label for label in labels) and not any(label.isdigit() and len(label) > 3 for label in labels)
    # Small and fractional values are written as before.
    chart.set_view("line")
    chart.set_data(BUCKETS, [Series("Average price", [0.5, 1.5, 2.0, 1.0, 2.5, 0.75, 1.25], 1.36)])
    qtbot.waitUntil(lambda: not chart.drawing)
    assert "1.0" in left_tick_labels(chart.time_plot) or "1" in left_tick_labels(chart.time_plot)


def test_a_chart_without_data_shows_no_empty_axes_nor_an_empty_series_list(qtbot: Any) -> None:
    """While the demo database was being created (and after a clear) Segmentation showed axes
    from 0.1 to 0.9 over a date '00.500' and a blank series list under 'Show top 10'. A chart
    with nothing to plot shows neither, before its first data and once cleared."""
    chart = SeriesChart()
    qtbot.addWidget(chart)
    chart.resize(700, 400)
    chart.show()
    qtbot.waitExposed(chart)
    assert not chart.time_plot.isVisible() and not chart.totals_plot.isVisible() and not chart.side.isVisible()
    chart.set_data(BUCKETS, series(["a", "b"]))
    qtbot.waitUntil(lambda: not chart.drawing)
    assert chart.time_plot.isVisible() and chart.side.isVisible()
    for view in ("line", "totals"):
        chart.set_view(view)
        chart.set_data([], [], view)
        assert not chart.time_plot.isVisible() and not chart.totals_plot.isVisible() and not chart.side.isVisible()
        chart.set_data(BUCKETS, series(["a"]), view)
        assert (chart.totals_plot if view == "totals" else chart.time_plot).isVisible()


DEMO_EVENTS = ["Page Viewed", "Product Viewed", "Product List Viewed", "Product Clicked", "Products Searched",
               "Filter Applied", "Consent Given", "Signed In", "Added To Cart", "Video Played",
               "Wishlist Product Added", "Experiment Viewed"]


def names_as_drawn(listing: SeriesList) -> list[str]:
    """Each row's name as the list paints it: cut to the text area its row leaves."""
    listing.doItemsLayout()
    drawn = []
    for row in range(listing.count()):
        index = listing.model().index(row, 0)
        option = QStyleOptionViewItem()
        listing.initViewItemOption(option)  # the view's icon size, elide mode, font
        option.rect = listing.visualRect(index)
        option.rect.setWidth(listing.viewport().width())  # a list row is painted as wide as the list
        listing.itemDelegate().initStyleOption(option, index)
        area = listing.style().subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, listing)
        drawn.append(option.fontMetrics.elidedText(option.text, option.textElideMode, area.width() - 6))
    return drawn


def test_a_narrow_series_list_tells_the_demo_events_apart(qtbot: Any) -> None:
    """At 1366 x 768 the series list is ~135 px: cut in the middle, "Product Viewed" and
    "Product List Viewed" both read "Produ…iewed". There, names are cut at their end, so every
    row reads differently; a wide list shows the names whole."""
    listing = SeriesList()
    qtbot.addWidget(listing)
    listing.fill(series(DEMO_EVENTS), [True] * len(DEMO_EVENTS))
    listing.resize(133, 300)
    listing.show()
    qtbot.waitExposed(listing)
    drawn = names_as_drawn(listing)
    assert any("…" in name for name in drawn), drawn
    assert len(set(drawn)) == len(DEMO_EVENTS), drawn
    listing.resize(300, 300)
    # The list's relayout at the new width: waited for, not a fixed 10 ms (short on a loaded machine).
    qtbot.waitUntil(lambda: names_as_drawn(listing) == DEMO_EVENTS, timeout=5_000)
