"""Charts people can read (issue 16): a series list beside the chart with a breakdown's top
groups drawn, the period still in progress drawn dashed and called incomplete, time ticks
that name their month, and an empty database that says how to get data in."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from app.core.database import open_database
from app.ui.panels.segmentation import SegmentationPanel
from app.ui.widgets.series_chart import DEFAULT_TOP, MONTHS, Series, SeriesChart
from tests.ui.conftest import settled_labels, wait_panels

DAY_BUCKETS = [f"2026-11-{d:02d}T00:00:00+01:00" for d in range(1, 31)]
MONTH_DAY = re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}$")


def settle(qtbot: Any, panel: SegmentationPanel) -> None:
    qtbot.waitUntil(lambda: panel.settled and panel.last_result_spec == panel.query(), timeout=20_000)


@pytest.fixture
def seg(make_window: Any, filled_db: Any, qtbot: Any) -> SegmentationPanel:
    url, _engine = filled_db
    window = make_window(url)
    panel = window.panels["segmentation"]
    settle(qtbot, panel)
    return panel


def test_a_breakdown_draws_its_top_10_groups_and_the_table_keeps_all(seg: SegmentationPanel, qtbot: Any) -> None:
    panel = seg
    panel._set_breakdown("$city")
    panel.schedule_refresh(0)
    settle(qtbot, panel)
    chart = panel.chart
    total = len(chart.series)
    assert total == 20  # 5 events x 4 cities
    assert panel.table_model.rowCount() == total
    assert chart.series_list.count() == total
    assert chart.drawn_indices == list(range(DEFAULT_TOP)) and len(chart.items) == DEFAULT_TOP
    assert chart.top_spin.isVisible() and chart.top_spin.value() == DEFAULT_TOP
    assert f"the chart draws {DEFAULT_TOP}" in panel.summary.text()
    # Fewer with the control; any other group by checking its row.
    chart.top_spin.setValue(3)
    qtbot.waitUntil(lambda: not chart.drawing, timeout=5000)
    assert chart.drawn_indices == [0, 1, 2]
    listed = chart.series_list
    qtbot.mouseClick(listed.viewport(), Qt.MouseButton.LeftButton, pos=listed.visualItemRect(listed.item(15)).center())
    qtbot.waitUntil(lambda: chart.drawn_indices == [0, 1, 2, 15] and not chart.drawing, timeout=5000)
    assert list(chart.items[3].getData()[1]) == list(map(float, chart.series[15].values))
    assert panel.table_model.rowCount() == total
    # The choice survives new numbers for the same query.
    panel.refresh()
    settle(qtbot, panel)
    assert chart.drawn_indices == [0, 1, 2, 15]


def test_the_period_in_progress_is_dashed_and_called_incomplete(seg: SegmentationPanel, qtbot: Any) -> None:
    chart = seg.chart
    last = len(chart.buckets) - 1
    # The test data end now and the range is the last 30 days: today is still counting.
    assert chart.incomplete == last
    for slot, i in enumerate(chart.drawn_indices):
        curve, tail = chart.items[slot], chart._tails[slot]
        connect = curve.opts["connect"]
        assert not connect[last - 1] and connect[: last - 1].all()  # no solid segment into today
        assert tail.isVisible() and tail.opts["pen"].style() == Qt.PenStyle.DashLine
        assert list(tail.getData()[1]) == [float(v) for v in chart.series[i].values[-2:]]
    assert "incomplete" in chart.describe_bucket(last)
    assert "incomplete" not in chart.describe_bucket(last - 1)
    assert "still in progress" in seg.summary.text()
    # A range that ended yesterday has nothing in progress.
    today = dt.datetime.now(ZoneInfo(seg.range_picker.timezone())).date()
    seg.range_picker.set_range_spec({"from": str(today - dt.timedelta(days=10)),
                                     "to": str(today - dt.timedelta(days=1))})
    seg.schedule_refresh(0)
    settle(qtbot, seg)
    assert chart.incomplete is None
    assert not any(tail.isVisible() for tail in chart._tails)
    assert "incomplete" not in chart.describe_bucket(len(chart.buckets) - 1)


def test_stacked_bars_hatch_the_period_in_progress(qtbot: Any) -> None:
    chart = SeriesChart()
    qtbot.addWidget(chart)
    chart.set_data(DAY_BUCKETS[:7], [Series("a", [1] * 7, 7), Series("b", [2] * 7, 14)], "stacked", "day",
                   incomplete=6)
    qtbot.waitUntil(lambda: not chart.drawing)
    for bar in chart.items:
        styles = [brush.style() for brush in bar.opts["brushes"]]
        assert styles[:6] == [Qt.BrushStyle.SolidPattern] * 6 and styles[6] == Qt.BrushStyle.BDiagPattern


def test_time_ticks_always_name_the_month(qtbot: Any) -> None:
    chart = SeriesChart()
    qtbot.addWidget(chart)
    chart.resize(900, 400)
    chart.show()
    chart.set_data(DAY_BUCKETS, [Series("a", list(range(30)), 435)], "line", "day")
    qtbot.waitUntil(lambda: not chart.drawing)
    labels = [text for _rect, text in settled_labels(qtbot, chart)]
    assert len(labels) >= 3
    assert all(MONTH_DAY.match(label) for label in labels), labels
    # Weekly ticks fall on Mondays: 2026-11-02, 09, 16, 23, 30.
    assert {"Nov 9", "Nov 16", "Nov 23"} <= set(labels)

    months = [f"2025-{m:02d}-01T00:00:00+00:00" for m in range(6, 13)] + [
        f"2026-{m:02d}-01T00:00:00+00:00" for m in range(1, 7)]
    chart.set_data(months, [Series("a", [1.0] * len(months), 13)], "line", "month")
    qtbot.waitUntil(lambda: not chart.drawing)
    labels = chart.date_axis.tick_labels()
    assert labels and all(re.match(r"^[A-Z][a-z]{2}( \d{4})?$", label) for label in labels), labels
    assert "Jan 2026" in labels  # the year where it changes

    hours = [f"2026-11-{d:02d}T{h:02d}:00:00+00:00" for d in (2, 3) for h in range(24)]
    chart.set_data(hours, [Series("a", [1.0] * 48, 48)], "line", "hour")
    qtbot.waitUntil(lambda: not chart.drawing)
    labels = chart.date_axis.tick_labels()
    assert "Nov 3" in labels and any(re.match(r"^\d\d:00$", label) for label in labels), labels
    assert not any(re.fullmatch(r"\d\d", label) for label in labels)


def test_an_empty_database_says_how_to_get_data_in(make_window: Any, sqlite_url: str, qtbot: Any) -> None:
    open_database(sqlite_url).dispose()  # the schema, no events
    window = make_window(sqlite_url)
    wait_panels(qtbot, window)
    panel = window.panels["segmentation"]
    qtbot.waitUntil(lambda: panel.chart.showing_message, timeout=10_000)
    text = panel.chart.message_label.text()
    path = sqlite_url.removeprefix("sqlite:///")
    for command in (f"tracklens collect --db {path} --write-key KEY", f"tracklens import --db {path} FILE",
                    f"tracklens demo --db {path}"):
        assert command in text
    assert panel.chart.message_label.isVisible()
    assert not panel.chart.time_plot.isVisible()  # no empty axes from 0 to 1


def test_an_empty_range_is_not_mistaken_for_an_empty_database(seg: SegmentationPanel, qtbot: Any) -> None:
    seg.range_picker.set_range_spec({"from": "2020-01-01", "to": "2020-01-31"})
    seg.schedule_refresh(0)
    settle(qtbot, seg)
    assert seg.chart.showing_message
    text = seg.chart.message_label.text()
    assert "No events in" in text and "tracklens collect" not in text


def test_export_helper_writes_the_chart_with_its_series_list(seg: SegmentationPanel, tmp_path: Path) -> None:
    button = seg.export_button
    assert button.kinds() == ["Chart as PNG…", "Chart as SVG…", "Numbers as CSV…"]
    button.export("png", tmp_path / "c.png")
    button.export("svg", tmp_path / "c.svg")
    from PySide6.QtGui import QImage

    image = QImage(str(tmp_path / "c.png"))
    assert image.width() >= 2 * seg.chart.width() - 2
    svg = (tmp_path / "c.svg").read_text()
    assert "<svg" in svg and seg.chart.series[0].label in svg  # the series list is in the file


def test_retention_and_live_view_also_say_how_to_get_data_in(make_window: Any, sqlite_url: str, qtbot: Any) -> None:
    """Issue 16: every panel of an empty database says how to get data in, not only Segmentation."""
    open_database(sqlite_url).dispose()  # the schema, no events
    window = make_window(sqlite_url)
    wait_panels(qtbot, window)
    path = sqlite_url.removeprefix("sqlite:///")
    retention = window.show_panel("retention")
    qtbot.waitUntil(lambda: "tracklens demo" in retention.summary.text(), timeout=10_000)
    assert f"tracklens collect --db {path} --write-key KEY" in retention.summary.text()
    live = window.panels["live"]
    qtbot.waitUntil(lambda: live.detail.topLevelItemCount() > 2, timeout=10_000)
    lines = [live.detail.topLevelItem(i).text(0) for i in range(live.detail.topLevelItemCount())]
    assert any(f"tracklens import --db {path} FILE" in line for line in lines), lines


def _axis_labels(qtbot: Any, chart: SeriesChart, buckets: list[str], unit: str) -> list[tuple[Any, str]]:
    chart.set_data(buckets, [Series("a", [float(i % 7) for i in range(len(buckets))], 1.0)], "line", unit)
    qtbot.waitUntil(lambda: not chart.drawing)
    return settled_labels(qtbot, chart)


def _assert_readable(drawn: list[tuple[Any, str]], axis: Any) -> None:
    """No two labels overlap (4 px apart at least) and none sticks out of the axis."""
    rects = sorted((rect for rect, _text in drawn), key=lambda rect: rect.left())
    for left, right in itertools.pairwise(rects):
        assert left.right() + 4 <= right.left(), drawn
    bounds = axis.boundingRect()
    assert all(bounds.left() <= r.left() and r.right() <= bounds.right() for r in rects), drawn


@pytest.mark.parametrize("width", [440, 1300])
def test_a_narrow_chart_of_30_days_names_several_days(width: int, qtbot: Any) -> None:
    """At 1366 x 768 Segmentation's chart is ~440 px wide: its 30 daily buckets had one label
    under them ("Dec 2026", or "Nov 23" beside a narrower list), so no peak could be dated.
    Now the axis has a label every week there (every other day on a wide chart), each a day
    ("Nov 9"), none overlapping another or cut at an end; hours, weeks and months alike."""
    chart = SeriesChart()
    qtbot.addWidget(chart)
    chart.resize(width, 400)
    chart.show()
    qtbot.waitExposed(chart)
    drawn = _axis_labels(qtbot, chart, DAY_BUCKETS, "day")
    texts = [text for _rect, text in drawn]
    assert len(texts) >= (4 if width < 600 else 10), (chart.date_axis.geometry().width(), texts)
    assert all(MONTH_DAY.match(text) for text in texts) and len(set(texts)) == len(texts), texts
    _assert_readable(drawn, chart.date_axis)

    hours = [f"2026-11-{d:02d}T{h:02d}:00:00+00:00" for d in (2, 3) for h in range(24)]
    drawn = _axis_labels(qtbot, chart, hours, "hour")
    texts = [text for _rect, text in drawn]
    assert len(texts) >= 3 and "Nov 3" in texts and any(re.fullmatch(r"\d\d:00", t) for t in texts), texts
    _assert_readable(drawn, chart.date_axis)

    mondays = [dt.date(2026, 9, 7) + dt.timedelta(weeks=k) for k in range(12)]
    drawn = _axis_labels(qtbot, chart, [f"{d}T00:00:00+00:00" for d in mondays], "week")
    texts = [text for _rect, text in drawn]
    # Week starts, the month named on the first and where it changes ("Sep 14", "28", "Oct 12").
    texts = [text for _rect, text in sorted(drawn, key=lambda shown: shown[0].left())]
    assert len(texts) >= 2 and MONTH_DAY.match(texts[0]), texts
    assert set(texts) <= {f"{MONTHS[d.month - 1]} {d.day}" for d in mondays} | {str(d.day) for d in mondays}, texts
    _assert_readable(drawn, chart.date_axis)

    months = [f"2025-{m:02d}-01T00:00:00+00:00" for m in range(6, 13)] + [
        f"2026-{m:02d}-01T00:00:00+00:00" for m in range(1, 7)]
    drawn = _axis_labels(qtbot, chart, months, "month")
    texts = [text for _rect, text in drawn]
    assert len(texts) >= 3 and any(re.fullmatch(r"[A-Z][a-z]{2} \d{4}", t) for t in texts), texts
    _assert_readable(drawn, chart.date_axis)
