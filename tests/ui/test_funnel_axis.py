"""The funnel chart's y axis in persons or in percent of step 1 (issue 16): a display choice."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFont, QFontMetricsF

from app.query import run_query
from app.ui.panels.funnel_chart import NAME_FLAGS, NAME_HEIGHT, PERCENT_TICKS, FunnelChart
from app.ui.panels.funnels import FunnelsPanel
from tests.ui.conftest import settle


def from_first(steps: list[dict[str, Any]]) -> list[float]:
    """Each step's persons as a percent of step 1's, from the counts."""
    return [100.0 * s["count"] / steps[0]["count"] for s in steps]


def test_percent_axis_has_round_percent_ticks_and_bars_at_conversion(make_window: Any, shop_db: Any,
                                                                        qtbot: Any) -> None:
    url, engine = shop_db
    panel: FunnelsPanel = make_window(url).show_panel("funnels")  # type: ignore[assignment]
    settle(qtbot, panel)
    panel.resize(1100, 700)
    assert panel.chart.axis == "count" and panel.axis_combo.isVisibleTo(panel)
    panel.chart.repaint()
    assert all(label[0].isdigit() and not label.endswith("%") for label in panel.chart.y_tick_labels())

    query_before = panel.query()
    panel.set_axis("percent")
    assert panel.query() == query_before  # a display choice: the query does not change
    panel.chart.repaint()
    assert panel.chart.y_ticks == PERCENT_TICKS == [0, 20, 40, 60, 80, 100]
    assert panel.chart.y_tick_labels() == ["0%", "20%", "40%", "60%", "80%", "100%"]
    steps = run_query(engine, panel.query())["steps"]
    assert steps[-1]["count"] < steps[0]["count"]
    assert panel.chart.bar_values() == [pytest.approx(from_first(steps))]
    assert panel.chart.bar_values()[0][0] == 100.0
    # Labels and hover say the axis' measure first.
    assert panel.chart.bar_label(steps[1]) == f"{from_first(steps)[1]:.1f}%"
    tip = panel.chart.step_tooltip(1)
    assert tip.splitlines()[1].startswith(f"{from_first(steps)[1]:.1f}% of step 1 ({steps[1]['count']:,} persons)")

    if os.environ.get("TRACKLENS_SHOT_DIR"):  # for looking at it: TRACKLENS_SHOT_DIR=/tmp pytest ...
        panel.grab().save(str(Path(os.environ["TRACKLENS_SHOT_DIR"]) / "funnel_percent.png"))

    panel.set_axis("count")
    panel.chart.repaint()
    assert panel.chart.bar_values() == [[float(s["count"]) for s in steps]]
    assert panel.chart.step_tooltip(1).splitlines()[1].startswith(f"{steps[1]['count']:,} persons (")


def test_percent_axis_with_a_breakdown_is_each_groups_own_step_1(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    url, engine = shop_db
    panel: FunnelsPanel = make_window(url).show_panel("funnels")  # type: ignore[assignment]
    settle(qtbot, panel)
    qtbot.waitUntil(lambda: panel.breakdown_combo.findText("category") >= 0, timeout=10_000)
    panel.set_breakdown("category")
    settle(qtbot, panel)
    panel.set_axis("percent")
    groups = run_query(engine, panel.query())["breakdown"]
    assert len(groups) > 1
    assert panel.chart.bar_values() == [pytest.approx(from_first(g["steps"])) for g in groups]


def test_axis_choice_is_a_view_option_kept_with_the_panel(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    url, _engine = shop_db
    panel: FunnelsPanel = make_window(url).show_panel("funnels")  # type: ignore[assignment]
    settle(qtbot, panel)
    panel.set_axis("percent")
    assert panel.ui_state() == {"axis": "percent"}
    assert "axis" not in panel.query()
    panel.set_ui_state({})
    assert panel.chart.axis == "count"
    panel.set_ui_state({"axis": "percent"})
    assert panel.chart.axis == "percent"
    # Only the steps view has the choice; conversion over time is a rate already.
    panel.set_view("trends")
    assert not panel.axis_combo.isVisibleTo(panel)
    panel.set_view("steps")
    assert panel.axis_combo.isVisibleTo(panel)


def test_the_lines_under_narrow_bars_fit_their_column(qtbot: Any) -> None:
    # A 1366-px screen gives the chart ~370 px: four steps of ~75 px. The lines under each bar
    # ran into the next step's ("0.0% of step", "edian 13m 0(") and a step name wrapped onto a
    # third line over them. Each line now takes the longest form that fits its column.
    chart = FunnelChart()
    qtbot.addWidget(chart)
    steps = [{"event": name, "count": count, "conversion_from_first": count / 60,
              "conversion_from_previous": count / previous, "median_seconds_from_previous": 780.0}
             for name, count, previous in [("Product Viewed", 60, 60), ("Added To Cart", 45, 60),
                                           ("Checkout Started With A Long Name", 30, 45),
                                           ("Order Completed", 27, 30)]]
    chart.set_data(steps)
    bold = QFont(chart.font())
    bold.setBold(True)
    small = QFontMetricsF(chart.small_font())
    for chart_width, shortened in [(370, True), (1100, False)]:
        chart.resize(chart_width, 400)
        chart.repaint()
        column = chart.slot_rects()[0].width() - 4
        for k in range(4):
            lines = chart.lines_under(k, column)
            assert all(small.horizontalAdvance(line) <= column for line in lines), (chart_width, lines)
            title = chart.fitted_title(k, column)
            box = QFontMetricsF(bold).boundingRect(QRectF(0, 0, column, 10_000), NAME_FLAGS, title)
            assert box.width() <= column and box.height() <= NAME_HEIGHT, (chart_width, title)
        if shortened:
            assert chart.fitted_title(2, column).endswith("…")
        else:
            assert chart.lines_under(1, column) == ["75.0% of step 1", "75.0% from previous", "median 13m 00s"]
            assert chart.fitted_title(2, column) == "3. Checkout Started With A Long Name"
    # What a narrow column shortens is whole in the step's tool tip.
    assert chart.step_tooltip(1).splitlines()[-1] == "75.0% from previous, median 13m 00s"


def test_a_repaint_of_a_long_funnel_reuses_the_text_under_its_bars(qtbot: Any, monkeypatch: Any) -> None:
    # Each step's lines depend on every step's (one form per row), and a paint asked them step
    # by step: 20 steps measured 400 steps' forms per paint, at every hover and resize (6.3 ms of
    # CPU a paint, 1.8 ms now). They are worked out once per width and data, and again on new data.
    chart = FunnelChart()
    qtbot.addWidget(chart)
    steps = [{"event": f"Step {k}", "count": 1000 - 40 * k, "conversion_from_first": 1 - 0.04 * k,
              "conversion_from_previous": 0.96, "median_seconds_from_previous": 60.0} for k in range(20)]
    chart.set_data(steps)
    chart.resize(1300, 450)
    forms_made: list[int] = []
    forms_under = FunnelChart._forms_under
    monkeypatch.setattr(FunnelChart, "_forms_under", lambda self, k: forms_made.append(k) or forms_under(self, k))
    first = chart.grab().toImage()
    assert sorted(forms_made) == list(range(20))  # once per step, not once per step per step
    assert chart.grab().toImage() == first and len(forms_made) == 20  # a repaint reuses them
    chart.set_data([dict(s, median_seconds_from_previous=7200.0) for s in steps])
    chart.grab()
    assert len(forms_made) == 40 and chart.lines_under(1, chart.slot_rects()[1].width() - 4)[-1].endswith("2h 00m")
