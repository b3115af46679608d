"""The Retention panel driven through its widgets: the heat map shows the engine's numbers, a cell
click lists its persons in the User explorer, the query saves and restores, exports work."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from PySide6.QtGui import QImage

from app.query import run_query
from app.ui.panels.retention import RetentionPanel, heat_colour
from app.ui.panels.users import UsersPanel
from tests.ui.conftest import settle


def shown_rates(panel: RetentionPanel) -> list[list[str]]:
    table = panel.table
    return [[table.item(r, c).text() for c in range(2, table.columnCount())] for r in range(table.rowCount())]


def test_heat_map_curve_cell_persons_report_and_exports(make_window: Any, shop_db: Any, qtbot: Any,
                                                        tmp_path: Path) -> None:
    url, engine = shop_db
    window = make_window(url)
    panel: RetentionPanel = window.show_panel("retention")  # type: ignore[assignment]
    settle(qtbot, panel)
    assert panel.query()["start"]["event"]  # a default start event was chosen
    panel.start.set_event("Product Viewed")
    panel.returning.set_event("Order Completed")
    panel.periods_spin.setValue(5)
    panel.range_picker.set_range_spec({"last": 30, "unit": "day"})
    panel._edited()
    settle(qtbot, panel)
    spec = panel.query()
    assert spec["start"] == {"event": "Product Viewed", "where": []} and spec["periods"] == 5
    result = run_query(engine, spec)
    assert result == panel.last_result
    # Row 0 is the average; then one row per cohort, one column per period.
    assert panel.table.rowCount() == 1 + len(result["cohorts"]) and panel.table.columnCount() == 2 + 5
    expected_avg = ["" if r is None else f"{r * 100:.1f}%" for r in result["average"]]
    assert shown_rates(panel)[0] == expected_avg
    born = [c for c in result["cohorts"] if c["size"]]
    assert born, "the shop has persons born in the range"
    row = result["cohorts"].index(born[0]) + 1
    assert panel.table.item(row, 1).text() == f"{born[0]['size']:,}"
    rate = born[0]["rates"][0]
    assert panel.table.item(row, 2).background().color() == heat_colour(rate)
    assert len(panel.curve.getPlotItem().listDataItems()) == 1

    # A cell's persons open in the User explorer as a users query with the retention filter.
    menu = panel.cell_menu(row, 2)
    assert menu is not None
    actions = {a.objectName(): a for a in menu.actions()}
    actions["retainedAction"].trigger()
    users: UsersPanel = window.panels["users"]  # type: ignore[assignment]
    qtbot.waitUntil(lambda: not users.busy and users.last_result is not None
                    and users.last_result.get("total") == born[0]["counts"][0], timeout=20_000)

    # A breakdown adds groups to the curve and the "Show" choice; the table follows the choice.
    panel.breakdown_combo.set_breakdown({"trait": "plan"})
    panel._edited()
    settle(qtbot, panel)
    groups = panel.last_result["breakdown"]
    assert [panel.group_combo.itemText(i) for i in range(panel.group_combo.count())] == \
        ["All persons", *[g["group"] for g in groups]]
    panel.group_combo.setCurrentIndex(1)
    assert panel.table.item(1, 1).text() == f"{groups[0]['cohorts'][0]['size']:,}"

    # Saved as a report: the query restores exactly.
    saved = panel.query()
    panel.set_query({"kind": "retention", "start": "Added To Cart"})
    assert panel.query()["start"]["event"] == "Added To Cart"
    panel.set_query(saved)
    assert panel.query() == saved

    # Exports: CSV of the engine's numbers, PNGs of the heat map and the curve.
    settle(qtbot, panel)
    panel.export_csv(tmp_path / "r.csv")
    rows = list(csv.reader((tmp_path / "r.csv").open(encoding="utf-8")))
    assert rows[0][:3] == ["group", "cohort", "size"] and rows[1][1] == "average"
    panel.export_heatmap(tmp_path / "h.png")
    panel.export_curve(tmp_path / "c.png")
    for name in ("h.png", "c.png"):
        assert QImage(str(tmp_path / name)).width() > 100


def test_query_errors_show_in_the_panel(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    url, _engine = shop_db
    window = make_window(url)
    panel: RetentionPanel = window.show_panel("retention")  # type: ignore[assignment]
    settle(qtbot, panel)
    panel.unit_combo.setCurrentIndex(panel.unit_combo.findData("day"))
    panel.periods_spin.setValue(100)
    panel.range_picker.set_range_spec({"from": "1990-01-01", "to": "2026-01-01"})
    panel.breakdown_combo.set_breakdown("category")
    panel._edited()
    qtbot.waitUntil(lambda: panel.last_error is not None, timeout=20_000)
    assert panel.last_error is not None and "too large" in panel.last_error


def test_cohorts_nobody_was_born_in_show_no_rates(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    """Dates with no start event showed every cohort of 0 persons at '0.0%', a curve flat at 0 %
    and '0 persons born …; 0.0% came back in day 1': a rate of nobody, read as nobody returning."""
    url, _engine = shop_db
    window = make_window(url)
    panel: RetentionPanel = window.show_panel("retention")  # type: ignore[assignment]
    settle(qtbot, panel)
    panel.range_picker.set_range_spec({"from": "2001-01-01", "to": "2001-01-10"})
    settle(qtbot, panel)
    assert panel.query()["range"] == {"from": "2001-01-01", "to": "2001-01-10"}
    rows = shown_rates(panel)
    assert rows and all(cell == "—" for row in rows for cell in row)
    assert panel.curve.listDataItems() == []
    assert not panel.curve.isVisibleTo(panel)  # no empty grid from 0.2 to 0.8 either
    assert panel.summary.text().startswith("No persons were born (did the start event) in 2001-01-01 – 2001-01-10")
    assert "came back" not in panel.summary.text()


def test_the_curve_shows_only_with_a_curve_to_draw(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    """Before its first result (while the demo database was being created) and once cleared,
    the retention curve was an empty grid with axes from 0.2 to 0.8 under 'retained (%)'."""
    url, _engine = shop_db
    window = make_window(url)
    fresh = RetentionPanel(window.context)  # as at the start, before a result
    qtbot.addWidget(fresh)
    fresh.show()
    assert fresh.last_result is None and not fresh.curve.isVisibleTo(fresh)
    panel: RetentionPanel = window.show_panel("retention")  # type: ignore[assignment]
    settle(qtbot, panel)
    panel.start.set_event("Product Viewed")
    panel.returning.set_event("Order Completed")
    panel.range_picker.set_range_spec({"last": 30, "unit": "day"})
    panel._edited()
    settle(qtbot, panel)
    assert panel.curve.isVisibleTo(panel) and len(panel.curve.listDataItems()) == 1
    panel.clear()
    assert not panel.curve.isVisibleTo(panel)
