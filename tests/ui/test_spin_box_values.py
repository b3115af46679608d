"""Numbers of a query (or a saved report) that the panels show in spin boxes and date pickers:
every value is shown without a traceback and given back unchanged until the user edits it. A
box holds 32-bit numbers in a range; a value beyond it (which the parser refuses, and the panel
then names) is shown as the nearest one the box holds."""

from __future__ import annotations

import copy
import math
from typing import Any

from PySide6.QtWidgets import QSpinBox

from app.ui.panels.user_filters import DidFilterRow, FunnelFilterRow
from app.ui.widgets.filter_builder import PropertyFilterRow
from app.ui.widgets.state_bar import StateBar

HUGE = (10**12, 1e308, float("inf"), -(10**12), 2**31)


def _did_users(**clause: Any) -> dict[str, Any]:
    return {"kind": "users", "did": [{"event": "Signed Up", "where": [], **clause}]}


def _did_row(panel: Any) -> DidFilterRow:
    [row] = [r for r in panel.filter_builder.rows if isinstance(r, DidFilterRow)]
    return row


def test_a_did_filter_with_a_count_or_period_no_box_holds_opens_and_says_why(
        make_window: Any, filled_db: tuple[str, Any], qtbot: Any) -> None:
    """A hand-edited report whose "did" clause counted 10**12 times (or 1e308, or in the last
    10**12 days) raised OverflowError in the event loop when opened: a traceback and a half-loaded
    User explorer. The report opens, the clause is kept and the panel says what is wrong."""
    window = make_window(filled_db[0])
    panel = window.panels["users"]
    for key, value in (("min", 10**12), ("max", 1e308), ("range", {"last": 10**12, "unit": "day"})):
        query = _did_users(**{key: value})
        report = window.reports.store.save(f"Odd {key}", "users", query)
        assert window.reports.open(report)
        assert panel.query()["did"] == query["did"]
        path = "did[0].range.last" if key == "range" else f"did[0].{key}"
        qtbot.waitUntil(lambda p=path: panel.state_bar.state == StateBar.ERROR  # type: ignore[misc]
                        and panel.state_bar.message.startswith(f"⚠ {p} must be at most "), timeout=20_000)


def test_did_counts_and_periods_come_back_unchanged_until_edited(make_window: Any, qtbot: Any) -> None:
    """Each part of a loaded "did" clause is given back as it was until the user edits that part.
    A count above 1,000,000 (the engine takes up to 2**31-1) was shown as 1,000,000 and became
    1,000,000 as soon as the period was edited; a range in weeks became days when the count was
    edited, and the clause's timezone was dropped."""
    window = make_window()
    panel = window.panels["users"]
    for value in (*HUGE, 2**31 - 1, 1_000_001, -1, 0, 2.5, float("nan")):
        for key in ("min", "max"):
            query = _did_users(**{key: value})
            panel.set_query(query)
            got = panel.query()["did"][0][key]
            assert got == value or (math.isnan(got) and math.isnan(value))
        panel.set_query(_did_users(range={"last": value, "unit": "day"}))
        got = panel.query()["did"][0]["range"]["last"]
        assert got == value or (math.isnan(got) and math.isnan(value))

    panel.set_query(_did_users(min=2_000_000, range={"last": 30, "unit": "day"}))
    row = _did_row(panel)
    assert row.count.value() == 2_000_000
    row.days.setValue(10)
    assert panel.query()["did"] == [{"event": "Signed Up", "where": [], "min": 2_000_000, "max": None,
                                     "range": {"last": 10, "unit": "day"}}]

    kept = {"min": 3, "max": 5, "range": {"last": 20_000, "unit": "week"}, "timezone": "Asia/Tokyo"}
    panel.set_query(_did_users(**kept))
    row = _did_row(panel)
    row.set_event("Order Completed")
    assert panel.query()["did"] == [{"event": "Order Completed", "where": [], **kept}]
    row.count_high.setValue(7)  # "between 3 and 7": the count is the user's now, the period the report's
    assert panel.query()["did"] == [{"event": "Order Completed", "where": [], "min": 3, "max": 7,
                                     "range": {"last": 20_000, "unit": "week"}, "timezone": "Asia/Tokyo"}]
    row.days.setValue(12)
    assert panel.query()["did"][0]["range"] == {"last": 12, "unit": "week"}


def test_a_funnel_exclusion_step_no_box_holds_is_shown_and_kept(make_window: Any, qtbot: Any) -> None:
    """`"from_step": 10**12` in an exclusion raised OverflowError when the funnel was shown; a
    step number outside the funnel became another step as soon as any option was edited."""
    window = make_window()
    panel = window.panels["funnels"]
    steps = [{"event": name, "where": []} for name in ("Signed Up", "Viewed", "Order Completed")]
    for key in ("from_step", "to_step"):
        for value in (*HUGE, 0, -1, 7, 2.5, float("nan")):
            exclusion = {"event": "Refund", "where": [], "from_step": 1, "to_step": 3, key: value}
            panel.set_query({"kind": "funnel", "steps": steps, "exclusions": [copy.deepcopy(exclusion)]})
            got = panel.query()["exclusions"][0][key]
            assert got == value or (math.isnan(got) and math.isnan(value))
            [row] = panel.options.rows
            box: QSpinBox = row.first if key == "from_step" else row.last
            assert box.minimum() <= box.value() <= box.maximum()
            panel.options.hold.setCurrentText("plan")  # another option is edited
            panel.options.hold.lineEdit().editingFinished.emit()
            assert panel.query()["hold"] == "plan"
            got = panel.query()["exclusions"][0][key]
            assert got == value or (math.isnan(got) and math.isnan(value))
    [row] = panel.options.rows
    row.first.setValue(2)
    assert panel.query()["exclusions"][0]["from_step"] == 2


def test_in_the_last_days_and_ranges_no_box_holds_are_shown_and_kept(make_window: Any, qtbot: Any) -> None:
    """A trait filter "in the last 2**31 days" and a panel range of the last 10**12 (or 1e308,
    NaN) days raised OverflowError or ValueError in the event loop when shown."""
    window = make_window()
    users = window.panels["users"]
    for value in (*HUGE, float("nan"), 0, 100_000):
        where = [{"trait": "signup", "op": "in_last_days", "value": value}]
        users.set_query({"kind": "users", "where": where})
        got = users.query()["where"][0]["value"]
        assert got == value or (math.isnan(got) and math.isnan(value))
        [row] = [r for r in users.filter_builder.rows if isinstance(r, PropertyFilterRow)]
        assert 1 <= row.days_edit.value() <= 100_000
    for panel_id, query in (("segmentation", {"kind": "segmentation", "events": ["Signed Up"]}),
                            ("retention", {"kind": "retention", "start": "Signed Up"}),
                            ("funnels", {"kind": "funnel", "steps": ["Signed Up", "Order Completed"]})):
        panel = window.panels[panel_id]
        for value in (*HUGE, float("nan"), 1_000_001, 14):
            for unit in ("day", "week"):
                panel.set_query({**query, "range": {"last": value, "unit": unit}})
                got = panel.query()["range"]
                assert got["unit"] == unit
                assert got["last"] == value or (math.isnan(got["last"]) and math.isnan(value))


def test_a_funnel_step_filter_with_a_step_that_is_no_integer_is_shown_as_it_is(make_window: Any, qtbot: Any) -> None:
    """A hand-edited "Persons who reached step Infinity (or NaN, or 'x') of a funnel" filter
    raised OverflowError or ValueError when the User explorer showed its label."""
    window = make_window()
    panel = window.panels["users"]
    funnel = {"kind": "funnel", "steps": ["Signed Up", "Order Completed"]}
    for step, shown in ((float("inf"), "step inf (?)"), (float("nan"), "step nan (?)"), ("x", "step x (?)"),
                        (10**400, f"step {10**400} (?)"), (2, "step 2 (Order Completed)")):
        where = [{"funnel": funnel, "step": step, "status": "reached"}]
        panel.set_query({"kind": "users", "where": copy.deepcopy(where)})
        [row] = [r for r in panel.filter_builder.rows if isinstance(r, FunnelFilterRow)]
        assert f"Persons who reached {shown} of Signed Up → Order Completed" == row.label.text()
        got = panel.query()["where"][0]["step"]
        assert got == step or (math.isnan(got) and math.isnan(step))


def test_a_live_view_report_with_an_interval_no_float_holds_opens_and_says_so(make_window: Any, qtbot: Any) -> None:
    """A Live View report whose poll interval was an integer too large for a float (10**400,
    valid JSON) raised OverflowError out of the Reports dialog's Open button. It opens at the
    longest interval, and says so as for any other interval the box does not hold."""
    window = make_window()
    report = window.reports.store.save("Slow", "live", {"kind": "live", "events": []}, {"interval": 10**400})
    assert window.reports.open(report)
    assert window.panels["live"].ui_state()["interval"] == 60.0
    assert "its interval 1000" in window.statusBar().currentMessage()
    assert window.statusBar().currentMessage().endswith("is not one this version shows (60.0 instead)")


def test_a_campaigns_holdout_and_goal_window_stay_as_saved_until_edited(qtbot: Any) -> None:
    """The campaign editor showed a holdout of 0.1234 as 12.3 % and a goal "within 36 hours" as
    1 day, and saving the campaign after any other edit (its name) stored 0.123 and 1 day: another
    experiment. A goal window of 10**12 days (a hand-edited file) raised OverflowError."""
    from app.ui.panels.messages_editor import NEW_CAMPAIGN, CampaignEditor

    editor = CampaignEditor(None)
    qtbot.addWidget(editor)
    goal = {"event": "Order Completed", "within": {"hours": 36}}
    editor.set_definition({**NEW_CAMPAIGN, "holdout": 0.1234, "goal": goal})
    editor.name.setText("Renamed")
    assert editor.definition()["holdout"] == 0.1234
    assert editor.definition()["goal"] == goal
    editor.holdout.setValue(20)
    editor.goal_days.setValue(3)
    assert editor.definition()["holdout"] == 0.2
    assert editor.definition()["goal"] == {"event": "Order Completed", "within": {"days": 3}}
    editor.set_definition({**NEW_CAMPAIGN, "goal": {"event": "Order Completed", "within": {"days": 10**12}}})
    assert editor.goal_days.value() == editor.goal_days.maximum()
    assert editor.definition()["goal"]["within"] == {"days": 10**12}
