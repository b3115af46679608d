"""The Funnels panel driven through its widgets: every number is the engine's (and the CLI's)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.core.database import open_database
from app.query import run_query
from app.ui.panels.funnels import DEMO_STEPS, FunnelsPanel
from app.ui.panels.users import UsersPanel
from tests.ui.conftest import settle
from tests.ui.part2_data import write_shop

ROOT = Path(__file__).resolve().parents[2]


def counts(result: dict[str, Any]) -> list[int]:
    return [s["count"] for s in result["steps"]]


def cli_query(url: str, spec: dict[str, Any]) -> dict[str, Any]:
    env = dict(os.environ)
    done = subprocess.run([sys.executable, "-m", "app", "query", "--db", url, "--spec", "-"], input=json.dumps(spec),
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_default_funnel_edits_requery_and_bars_match_tracklens_query(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    url, engine = shop_db
    window = make_window(url)
    panel: FunnelsPanel = window.show_panel("funnels")  # type: ignore[assignment]
    settle(qtbot, panel)
    # The demo journey is offered when its events exist.
    assert [s["event"] for s in panel.query()["steps"]] == DEMO_STEPS
    spec = panel.query()
    from_cli = cli_query(url, spec)
    assert panel.chart.bar_counts() == [counts(from_cli)]
    assert counts(from_cli)[0] == 60 and counts(from_cli)[-1] > 0
    table = [int(panel.table.item(r, 1).data(Qt.ItemDataRole.UserRole)) for r in range(panel.table.rowCount())]
    assert table == counts(from_cli)
    medians = [s["median_seconds_from_previous"] for s in from_cli["steps"]]
    assert medians[1] == 600.0  # Added To Cart always 10 minutes after Product Viewed

    # Remove the checkout step: a new query, new bars.
    editor = panel.steps_editor
    editor.list.setCurrentRow(2)
    qtbot.mouseClick(editor.remove_button, Qt.MouseButton.LeftButton)
    settle(qtbot, panel)
    assert [s["event"] for s in panel.query()["steps"]] == ["Product Viewed", "Added To Cart", "Order Completed"]
    assert panel.chart.bar_counts() == [counts(run_query(engine, panel.query()))]

    # Drag "Order Completed" above "Added To Cart" (a model move, as a drop does).
    editor.move_step(2, 1)
    settle(qtbot, panel)
    assert [s["event"] for s in panel.query()["steps"]] == ["Product Viewed", "Order Completed", "Added To Cart"]
    assert panel.chart.bar_counts() == [counts(run_query(engine, panel.query()))]

    # Add a step with its own filter, and a 15-minute window.
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    editor.set_current_event("Checkout Started")
    panel.window_unit.setCurrentIndex(panel.window_unit.findData("minutes"))
    panel.window_amount.setValue(15)
    settle(qtbot, panel)
    query = panel.query()
    assert query["window"] == {"minutes": 15} and len(query["steps"]) == 4
    assert panel.chart.bar_counts() == [counts(run_query(engine, query))]

    # A step filter narrows step 1 (category on Product Viewed).
    editor.list.setCurrentRow(0)
    qtbot.mouseClick(editor.step_filters.add_button, Qt.MouseButton.LeftButton)
    row = editor.step_filters.rows[-1]
    row.property_combo.setCurrentText("category")
    row.property_combo.lineEdit().editingFinished.emit()
    row.text_edit.setText("beans")
    settle(qtbot, panel)
    assert panel.query()["steps"][0]["where"] == [{"property": "category", "op": "eq", "value": "beans"}]
    got = run_query(engine, panel.query())
    assert panel.chart.bar_counts() == [counts(got)] and counts(got)[0] == 20


def test_breakdown_shows_grouped_bars_and_a_table(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    url, engine = shop_db
    window = make_window(url)
    panel: FunnelsPanel = window.show_panel("funnels")  # type: ignore[assignment]
    settle(qtbot, panel)
    qtbot.waitUntil(lambda: panel.breakdown_combo.findText("category") >= 0, timeout=10_000)
    panel.set_breakdown("category")
    settle(qtbot, panel)
    got = run_query(engine, panel.query())
    assert [g["group"] for g in got["breakdown"]] == ["beans", "grinders", "kettles"]
    assert panel.chart.bar_counts() == [counts(g) for g in got["breakdown"]]
    rows = [panel.table.item(r, 0).text() for r in range(panel.table.rowCount())]
    assert rows == ["All persons", "beans", "grinders", "kettles"]
    per_group = [[int(panel.table.item(r, c).data(Qt.ItemDataRole.UserRole)) for c in range(1, 5)]
                 for r in range(1, panel.table.rowCount())]
    assert per_group == [counts(g) for g in got["breakdown"]]


def test_conversion_over_time_and_time_to_convert_views(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    url, engine = shop_db
    window = make_window(url)
    panel: FunnelsPanel = window.show_panel("funnels")  # type: ignore[assignment]
    settle(qtbot, panel)
    panel.set_view("trends")
    settle(qtbot, panel)
    trends = run_query(engine, panel.query())
    assert panel.last_result == trends
    entered = [panel.trend_table.item(0, c).data(Qt.ItemDataRole.UserRole) for c in range(1, panel.trend_table.columnCount())]
    assert entered == trends["entered"] and sum(entered) == 60
    assert panel.stack.currentIndex() == 1 and panel.unit_combo.isVisible()
    # The hover box names day buckets by date, without a time of day.
    assert panel.trend_chart.unit == trends["unit"] == "day"
    panel.set_view("time_to_convert")
    settle(qtbot, panel)
    ttc = run_query(engine, panel.query())
    assert panel.histogram.counts == [b["count"] for b in ttc["bins"]]
    assert sum(panel.histogram.counts) == ttc["converted"] > 0


def test_clicking_a_step_lists_its_persons_in_the_user_explorer(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    url, engine = shop_db
    window = make_window(url)
    panel: FunnelsPanel = window.show_panel("funnels")  # type: ignore[assignment]
    settle(qtbot, panel)
    explorer: UsersPanel = window.panels["users"]  # type: ignore[assignment]
    funnel = panel.query()
    # A real click on step 2's bar opens the menu.
    qtbot.mouseClick(panel.chart, Qt.MouseButton.LeftButton, pos=panel.chart.step_center(1))
    menu = panel._menu
    assert menu is not None
    actions = {a.objectName(): a for a in menu.actions()}
    assert set(actions) == {"reachedAction", "droppedAction"}
    menu.close()
    with qtbot.waitSignal(explorer.query_finished, timeout=20_000):
        actions["droppedAction"].trigger()
    want = run_query(engine, {"kind": "funnel_persons", "funnel": {k: v for k, v in funnel.items() if k != "view"},
                              "step": 2, "status": "dropped", "limit": 1000})
    shown = sorted(explorer.model.person_at(r)["id"] for r in range(explorer.model.rowCount()))
    assert shown == sorted(u["id"] for u in want["users"]) and shown
    steps = run_query(engine, funnel)["steps"]
    assert explorer.model.total == steps[1]["count"] - steps[2]["count"]
    assert "dropped off after step 2" in explorer.filter_builder.rows[0].label.text()

    # Reached the last step: the converters.
    with qtbot.waitSignal(explorer.query_finished, timeout=20_000):
        panel.open_step_persons(4, "reached")
    assert explorer.model.total == steps[3]["count"]
    assert "droppedAction" not in {a.objectName() for a in panel.step_menu(4).actions()}
    QApplication.processEvents()


def test_cohort_filter_in_funnels(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    url, engine = shop_db
    from app.query.cohorts import create_cohort

    cohort = create_cohort(engine, "Women", {"kind": "users", "where": [{"trait": "gender", "op": "eq", "value": "female"}]})
    window = make_window(url)
    panel: FunnelsPanel = window.show_panel("funnels")  # type: ignore[assignment]
    settle(qtbot, panel)
    from app.ui.cohorts import cohort_store

    qtbot.waitUntil(lambda: cohort_store(window.context).get(cohort["id"]) is not None, timeout=10_000)
    button = next(b for b in panel.filter_builder.findChildren(type(panel.filter_builder.add_button))
                  if b.objectName() == "add_cohort")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    row = panel.filter_builder.rows[-1]
    row.cohort_combo.setCurrentIndex(row.cohort_combo.findData(cohort["id"]))
    settle(qtbot, panel)
    assert panel.query()["where"] == [{"cohort": cohort["id"], "op": "in"}]
    got = run_query(engine, panel.query())
    assert panel.chart.bar_counts() == [counts(got)] and counts(got)[0] == 40


def test_funnel_and_example_cohort_on_sqlite_and_postgresql(make_window: Any, db_url: str, qtbot: Any) -> None:
    """The panels show the engine's answers on either database."""
    from tests.ui.part2_data import EXAMPLE_COHORT

    engine = open_database(db_url)
    write_shop(engine)
    window = make_window(db_url)
    panel: FunnelsPanel = window.show_panel("funnels")  # type: ignore[assignment]
    settle(qtbot, panel)
    assert panel.chart.bar_counts() == [counts(run_query(engine, panel.query()))]
    explorer: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    explorer.set_query(EXAMPLE_COHORT)
    explorer.refresh()
    settle(qtbot, explorer)
    want = run_query(engine, {**EXAMPLE_COHORT, "limit": 1000})
    assert explorer.model.total == want["total"] > 0
    assert [explorer.model.person_at(r)["id"] for r in range(explorer.model.rowCount())] == \
        [u["id"] for u in want["users"]]
    engine.dispose()


def test_a_range_nobody_entered_says_so_instead_of_empty_axes(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    """Dates with no events drew an axis with a lone '1' and four bars of 0, without a word;
    Segmentation says 'No events in … match this query.'"""
    url, _engine = shop_db
    window = make_window(url)
    panel: FunnelsPanel = window.show_panel("funnels")  # type: ignore[assignment]
    settle(qtbot, panel)
    panel.range_picker.set_range_spec({"from": "2001-01-01", "to": "2001-01-31"})
    settle(qtbot, panel)
    assert panel.query()["range"] == {"from": "2001-01-01", "to": "2001-01-31"}
    assert panel.chart.bar_counts() == []
    assert panel.chart.message == ("No persons entered this funnel in 2001-01-01 – 2001-01-31: "
                                   "nobody did step 1 (Product Viewed).")
    # The table still lists the steps, each with 0 persons.
    assert panel.table.rowCount() == 4
    # Back to dates with events: the bars return and the message goes.
    panel.range_picker.set_range_spec({"last": 30, "unit": "day"})
    settle(qtbot, panel)
    assert panel.chart.bar_counts()[0][0] > 0 and panel.chart.message == ""
