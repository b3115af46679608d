"""The chart widget: curves are reused between results, and nothing stale stays on screen."""

from __future__ import annotations

from typing import Any

from app.ui.widgets.series_chart import MAX_DRAWN, Series, SeriesChart

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
