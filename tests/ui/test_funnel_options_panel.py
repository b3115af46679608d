"""The Funnels panel's options (issue 14): order, a held property and exclusions are edited in
the panel, run as the engine runs them, and a saved funnel opens unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.query import run_query
from app.ui.panels.funnels import FunnelsPanel
from tests.ui.conftest import settle

JOURNEY = ["Product Viewed", "Added To Cart", "Order Completed"]


@pytest.mark.parametrize("extra", [
    {"order": "strict"},
    {"order": "any", "hold": "category"},
    {"hold": "$browser", "exclusions": [{"event": "Checkout Started", "where": [], "from_step": 1, "to_step": 3}]},
    {"exclusions": [{"event": "Signed Up", "from_step": 2, "to_step": 3,
                     "where": [{"property": "plan", "op": "eq", "value": "pro", "ignore_case": True}]}],
     "breakdown": "category", "view": "trends", "unit": "week"},
    {"breakdown": {"trait": "plan"}, "view": "time_to_convert"},
])
def test_a_saved_funnel_with_options_opens_unchanged(make_window: Any, shop_db: Any, qtbot: Any,
                                                      extra: dict[str, Any]) -> None:
    url, _engine = shop_db
    window = make_window(url)
    panel: FunnelsPanel = window.show_panel("funnels")  # type: ignore[assignment]
    settle(qtbot, panel)
    spec = {**panel.query(), "steps": [{"event": e, "where": []} for e in JOURNEY], **extra}
    spec.setdefault("view", "steps")
    panel.set_query(spec)
    got = panel.query()
    for key, value in extra.items():
        assert got.get(key) == value, key
    assert panel.options.options() == {k: v for k, v in extra.items() if k in ("order", "hold", "exclusions")}


def test_options_edited_in_the_panel_give_the_engines_answer(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    url, engine = shop_db
    window = make_window(url)
    panel: FunnelsPanel = window.show_panel("funnels")  # type: ignore[assignment]
    settle(qtbot, panel)
    panel.steps_editor.set_steps(JOURNEY)
    panel._on_steps_changed()
    settle(qtbot, panel)
    plain = panel.chart.bar_counts()
    options = panel.options
    options.order.setCurrentIndex(options.order.findData("strict"))
    settle(qtbot, panel)
    assert panel.query()["order"] == "strict"
    assert panel.chart.bar_counts() == [[s["count"] for s in run_query(engine, panel.query())["steps"]]]

    options.order.setCurrentIndex(options.order.findData("ordered"))
    qtbot.mouseClick(options.add_button, Qt.MouseButton.LeftButton)
    row = options.rows[-1]
    row.event_combo.setCurrentText("Checkout Started")
    row.changed.emit()
    row.first.setValue(2)
    settle(qtbot, panel)
    assert panel.query()["exclusions"] == [{"event": "Checkout Started", "where": [], "from_step": 2, "to_step": 3}]
    excluded = panel.chart.bar_counts()
    assert excluded == [[s["count"] for s in run_query(engine, panel.query())["steps"]]]
    assert excluded[0][0] <= plain[0][0]

    # 'any' order has no place for exclusions: they are kept but greyed out and not sent.
    options.order.setCurrentIndex(options.order.findData("any"))
    settle(qtbot, panel)
    assert "exclusions" not in panel.query() and not row.isEnabled()


def test_a_step_of_one_breakdown_group_lists_that_groups_persons(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    url, engine = shop_db
    window = make_window(url)
    panel: FunnelsPanel = window.show_panel("funnels")  # type: ignore[assignment]
    settle(qtbot, panel)
    panel.set_query({**panel.query(), "steps": [{"event": e, "where": []} for e in JOURNEY],
                     "breakdown": "category", "view": "steps"})
    panel.refresh()
    settle(qtbot, panel)
    result = panel.last_result
    first = result["breakdown"][0]
    opened: list[dict[str, Any]] = []
    panel.open_users_query.connect(opened.append)
    menu = panel.step_menu(1)
    action = next(a for a in menu.findChildren(type(menu.actions()[0])) if a.objectName() == "groupReachedAction")
    action.trigger()
    [spec] = opened
    assert spec["group"] == first["group"] and spec["funnel"]["breakdown"] == "category"
    assert run_query(engine, {**spec, "limit": 1})["total"] == first["steps"][0]["count"]
