"""Driving the Segmentation panel's widgets changes the chart and table to exactly the engine's numbers."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.query import run_query
from app.ui.panels.segmentation import SegmentationPanel, series_label
from app.ui.widgets.filter_builder import PropertyFilterRow
from app.ui.widgets.series_chart import bucket_title
from tests.ui.conftest import wait_idle


def settle(qtbot: Any, panel: SegmentationPanel) -> None:
    """Until the panel shows the answer to the query its controls describe now."""
    qtbot.waitUntil(
        lambda: panel.settled and panel.last_result_spec == panel.query(),
        timeout=20_000,
    )


def expected(engine: Any, panel: SegmentationPanel) -> list[tuple[str, Any, list[Any]]]:
    result = run_query(engine, panel.query())
    single = len({s["event"] for s in result["series"]}) == 1
    return [
        (series_label(s, single) + (" (previous)" if s.get("previous") else ""), s["total"], s["values"])
        for s in result["series"]
    ]


def assert_matches_engine(engine: Any, panel: SegmentationPanel) -> list[tuple[str, Any, list[Any]]]:
    want = expected(engine, panel)
    assert panel.table_numbers() == want
    # The chart draws the same series, in the same order, with the same values.
    if panel.view() == "line":
        drawn = [list(item.getData()[1]) for item in panel.chart.items]
        assert drawn == [list(map(float, values)) for _label, _total, values in want]
    return want


@pytest.fixture
def seg(make_window: Any, filled_db: Any, qtbot: Any) -> tuple[SegmentationPanel, Any]:
    url, engine = filled_db
    window = make_window(url)
    panel = window.panels["segmentation"]
    settle(qtbot, panel)
    return panel, engine


def test_default_shows_top_events_as_the_engine_counts_them(seg: Any) -> None:
    panel, engine = seg
    want = assert_matches_engine(engine, panel)
    assert {label for label, _t, _v in want} == {
        "Page Viewed", "Product Viewed", "Added To Cart", "Signed Up", "Order Completed",
    }
    assert panel.table_model.columnCount() == 2 + 30  # series, total, 30 days


def test_choosing_events_unit_and_range(seg: Any, qtbot: Any) -> None:
    panel, engine = seg
    qtbot.waitUntil(lambda: panel.event_picker.list.count() == 5, timeout=10_000)
    panel.event_picker.set_checked("Signed Up", True)
    panel.event_picker.set_checked("Order Completed", True)
    settle(qtbot, panel)
    want = assert_matches_engine(engine, panel)
    assert [label for label, _t, _v in want] == ["Signed Up", "Order Completed"] or {
        label for label, _t, _v in want
    } == {"Signed Up", "Order Completed"}

    panel.unit_combo.setCurrentIndex(panel.unit_combo.findData("week"))
    settle(qtbot, panel)
    assert panel.query()["unit"] == "week"
    assert_matches_engine(engine, panel)

    panel.range_picker.set_preset("7d")
    panel.range_picker.changed.emit()
    settle(qtbot, panel)
    assert panel.query()["range"] == {"last": 7, "unit": "day"}
    panel.unit_combo.setCurrentIndex(panel.unit_combo.findData("day"))
    settle(qtbot, panel)
    want = assert_matches_engine(engine, panel)
    assert all(len(values) == 7 for _l, _t, values in want)


def test_filter_typed_in_the_builder(seg: Any, qtbot: Any) -> None:
    panel, engine = seg
    before = {label: total for label, total, _v in panel.table_numbers()}
    qtbot.mouseClick(panel.filter_builder.add_button, Qt.MouseButton.LeftButton)
    row = panel.filter_builder.rows[0]
    assert isinstance(row, PropertyFilterRow)
    row.property_combo.setCurrentText("plan")
    row.property_combo.lineEdit().editingFinished.emit()
    row.text_edit.setText("pro")
    settle(qtbot, panel)
    assert panel.query()["where"] == [{"property": "plan", "op": "eq", "value": "pro"}]
    want = assert_matches_engine(engine, panel)
    assert all(total < before[label] for label, total, _v in want)


def test_breakdown_by_city_and_unique_users(seg: Any, qtbot: Any) -> None:
    panel, engine = seg
    qtbot.waitUntil(lambda: panel.event_picker.list.count() == 5, timeout=10_000)
    panel.event_picker.set_checked("Page Viewed", True)
    panel.breakdown_combo.setCurrentText("$city")
    panel.breakdown_combo.lineEdit().editingFinished.emit()
    settle(qtbot, panel)
    assert panel.query()["breakdown"] == "$city"
    want = assert_matches_engine(engine, panel)
    assert {label for label, _t, _v in want} == {"Berlin", "Paris", "Lisbon", "Austin"}

    panel.measure_combo.setCurrentIndex(panel.measure_combo.findData("unique"))
    settle(qtbot, panel)
    assert panel.query()["measure"] == "unique"
    assert_matches_engine(engine, panel)


def test_numeric_measure_and_compare_previous(seg: Any, qtbot: Any) -> None:
    panel, engine = seg
    panel.measure_combo.setCurrentIndex(panel.measure_combo.findData("sum"))
    panel.measure_property.setCurrentText("price")
    settle(qtbot, panel)
    assert panel.query()["measure"] == {"sum": "price"}
    assert_matches_engine(engine, panel)

    panel.measure_combo.setCurrentIndex(panel.measure_combo.findData("total"))
    panel.compare_check.setChecked(True)
    settle(qtbot, panel)
    want = assert_matches_engine(engine, panel)
    previous = [label for label, _t, _v in want if label.endswith("(previous)")]
    assert previous, "the previous period's series are shown"
    dashed = [s for s, _row in panel.rows if s.dashed]
    assert [s.label for s in dashed] == previous


def test_views_hover_and_legend(seg: Any, qtbot: Any) -> None:
    panel, engine = seg
    chart = panel.chart
    want = expected(engine, panel)
    index = chart.hover_at(float(chart._xs[-1]))
    assert index == len(chart.buckets) - 1
    text = chart.describe_bucket(index)
    for label, _total, values in want:
        assert label in text
        assert f"{values[-1]:,}" in text
    # Hiding a series (what a click on its row does) drops it from the hover box.
    chart.set_series_visible(0, False)
    qtbot.waitUntil(lambda: not chart.drawing, timeout=5000)
    assert want[0][0] not in chart.describe_bucket(index)
    chart.set_series_visible(0, True)

    panel.set_view("stacked")
    assert chart.stack.currentWidget() is chart.time_plot
    qtbot.waitUntil(lambda: not chart.drawing, timeout=5000)
    tops = np.zeros(len(chart.buckets))
    for bar, (_label, _total, values) in zip(chart.items, want, strict=True):
        assert list(bar.opts["y0"]) == list(tops)
        tops = tops + np.asarray(values, dtype=float)
    panel.set_view("totals")
    assert chart.stack.currentWidget() is chart.totals_plot
    assert list(chart.items[0].opts["height"]) == [float(total) for _l, total, _v in want]


def test_exports(seg: Any, tmp_path: Path, qtbot: Any) -> None:
    panel, engine = seg
    want = expected(engine, panel)
    panel.export_csv(tmp_path / "numbers.csv")
    with open(tmp_path / "numbers.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == ["series", "event", "group", "total"]
    assert [(r[0], int(r[3]), [int(v) for v in r[4:]]) for r in rows[1:]] == want
    panel.chart.export_image(tmp_path / "chart.png")
    panel.chart.export_image(tmp_path / "chart.svg")
    assert (tmp_path / "chart.png").read_bytes()[:4] == b"\x89PNG"
    assert "<svg" in (tmp_path / "chart.svg").read_text()


def test_burst_of_changes_runs_one_query(seg: Any, qtbot: Any) -> None:
    panel, _engine = seg
    runs: list[Any] = []
    original = panel.run_query
    panel.run_query = lambda spec: (runs.append(spec), original(spec))  # type: ignore[method-assign]
    for key in ("hour", "week", "month", "day", "week"):
        panel.unit_combo.setCurrentIndex(panel.unit_combo.findData(key))
        QApplication.processEvents()
    settle(qtbot, panel)
    assert len(runs) == 1 and runs[0]["unit"] == "week"
    wait_idle(qtbot, panel)


def test_clicking_a_series_row_toggles_its_series(seg: Any, qtbot: Any) -> None:
    panel, _engine = seg
    chart = panel.chart
    listed = chart.series_list
    label = listed.item(1).text()
    assert label == chart.series[1].label and 1 in chart.drawn_indices
    # The series list sits beside the plot, not on it.
    assert listed.isVisible()
    plot_rect = chart.time_plot.geometry()
    side_rect = chart.side.geometry()
    assert side_rect.left() >= plot_rect.right()
    point = listed.visualItemRect(listed.item(1)).center()
    qtbot.mouseClick(listed.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(lambda: 1 not in chart.drawn_indices and not chart.drawing, timeout=5000)
    assert listed.item(1).checkState() == Qt.CheckState.Unchecked
    assert label not in chart.describe_bucket(0)
    assert [list(c.getData()[1]) for c in chart.items] == [
        list(map(float, chart.series[i].values)) for i in range(len(chart.series)) if i != 1]
    qtbot.mouseClick(listed.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(lambda: 1 in chart.drawn_indices and not chart.drawing, timeout=5000)
    assert listed.item(1).checkState() == Qt.CheckState.Checked


def test_hovering_a_series_row_brings_its_line_forward(seg: Any, qtbot: Any) -> None:
    panel, _engine = seg
    chart = panel.chart
    listed = chart.series_list
    qtbot.mouseMove(listed.viewport(), listed.visualItemRect(listed.item(2)).center())
    qtbot.waitUntil(lambda: chart.highlighted == 2, timeout=5000)
    mine = chart.items[chart.drawn_indices.index(2)]
    others = [item for item in chart.items if item is not mine]
    assert mine.opacity() == 1.0 and mine.opts["pen"].widthF() > 2
    assert others and all(item.opacity() < 0.5 for item in others)
    chart.highlight(None)  # what leaving the list does
    assert all(item.opacity() == 1.0 for item in chart.items)


def test_picker_volumes_follow_the_selected_range(seg: Any, qtbot: Any) -> None:
    panel, engine = seg

    def engine_counts() -> dict[str, int]:
        result = run_query(engine, panel.volume_spec())
        return {row["event"]: row["count"] for row in result["events"]}

    qtbot.waitUntil(lambda: panel.event_picker.list.count() == 5, timeout=10_000)
    month = engine_counts()
    assert panel.event_picker.volume("Page Viewed") == month["Page Viewed"]
    assert "last 30 days" in panel.event_picker.volume_caption.text()

    panel.range_picker.set_preset("7d")
    panel.range_picker.changed.emit()
    settle(qtbot, panel)
    week = engine_counts()
    assert week["Page Viewed"] < month["Page Viewed"]  # the data span 20 days: a real change
    for name in ("Page Viewed", "Signed Up", "Order Completed"):
        assert panel.event_picker.volume(name) == week.get(name, 0)
    caption = panel.event_picker.volume_caption.text()
    assert "last 7 days" in caption and panel.range_picker.timezone() in caption
    # Nothing checked: the chart still shows the engine's automatic top events.
    assert panel.event_picker.selected() == []
    assert_matches_engine(engine, panel)

    panel.range_picker.set_timezone("Pacific/Kiritimati")
    panel.range_picker.changed.emit()
    settle(qtbot, panel)
    assert panel.volume_key_shown is not None and "Pacific/Kiritimati" in panel.volume_key_shown[1]
    shifted = engine_counts()
    assert panel.event_picker.volume("Page Viewed") == shifted["Page Viewed"]


def test_hover_box_names_buckets_without_a_time_of_day_unless_hourly(seg: Any, qtbot: Any) -> None:
    assert bucket_title("2026-11-02T00:00:00+01:00", "day") == "Mon 2026-11-02"
    assert bucket_title("2026-11-02T00:00:00+01:00", "week") == "week of 2026-11-02"
    assert bucket_title("2026-11-01T00:00:00-05:00", "month") == "2026-11"
    assert bucket_title("2026-11-02T14:00:00+01:00", "hour") == "Mon 2026-11-02 14:00"

    panel, _engine = seg
    chart = panel.chart
    for unit, heading in (("week", "<b>week of "), ("month", None), ("hour", None), ("day", None)):
        panel.unit_combo.setCurrentIndex(panel.unit_combo.findData(unit))
        settle(qtbot, panel)
        index = chart.hover_at(float(chart._xs[-1]))
        assert index is not None
        text = chart.describe_bucket(index)
        want = bucket_title(chart.buckets[index], unit)
        assert text.startswith(f"<b>{want}</b>")
        if heading:
            assert text.startswith(heading)
        # A time of day only for hourly buckets.
        assert (":" in want) == (unit == "hour")
