"""Saved reports edited by hand (or saved by another version of Tracklens) open with a clear
message in the app, never a traceback, and never as a different query."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.core.reports import ReportStore
from app.query import run_query
from app.ui.panels.reports import ReportsDialog
from app.ui.widgets.state_bar import StateBar
from tests.ui.conftest import settle


def test_a_retention_report_with_a_bad_value_shows_the_reason_in_the_panel(
        make_window: Any, filled_db: tuple[str, Any], qtbot: Any) -> None:
    """A retention report naming its events as text (as docs/query.md allows) with a value the
    parser refuses (a hand-edited unit) was loaded as it is, and the panel's refresh raised
    AttributeError ('str' object has no attribute 'get') out of the dialog's Open button."""
    window = make_window(filled_db[0])
    window.reports.store.save("Fortnightly", "retention", {"kind": "retention", "start": "Signed Up",
                                                           "return": "Order Completed", "unit": "fortnight"})
    dialog = window.reports.dialog()
    qtbot.addWidget(dialog)
    dialog.select("Fortnightly")
    dialog.open_button.click()
    panel = window.panels["retention"]
    qtbot.waitUntil(lambda: panel.state_bar.state == StateBar.ERROR, timeout=20_000)
    assert panel.state_bar.message.startswith("⚠ unit must be")
    assert panel.start.event_name() == "Signed Up"
    assert panel.returning.event_name() == "Order Completed"


def test_a_report_with_keys_this_version_does_not_know_is_not_opened_as_another_query(
        make_window: Any, filled_db: tuple[str, Any], qtbot: Any) -> None:
    """A report saved by a newer Tracklens (or edited by hand) with a key this version does not
    know opened without a word: the panel dropped the key and ran what was left, another query
    than the one saved (tracklens query --spec refuses the same file)."""
    window = make_window(filled_db[0])
    panel = window.panels["segmentation"]
    before = panel.query()
    saved = {"kind": "segmentation", "events": ["Signed Up"], "sampling": {"percent": 10}}
    window.reports.store.save("From 2.0", "segmentation", saved)
    dialog = window.reports.dialog()
    qtbot.addWidget(dialog)
    dialog.select("From 2.0")
    dialog.open_button.click()
    assert window.statusBar().currentMessage() == (
        "Could not show the report “From 2.0”: unknown key 'sampling' (saved by a newer Tracklens?)")
    assert panel.query() == before
    assert window.reports.store.find("From 2.0").query == saved  # the file is left as it is


def test_a_report_whose_panel_does_not_show_its_query_opens_where_its_query_is_shown(
        make_window: Any, filled_db: tuple[str, Any], qtbot: Any) -> None:
    """A report file naming the Segmentation panel for a funnel query (edited by hand, or the
    panel field copied from another report) opened in Segmentation, which took the funnel as a
    segmentation query: no steps, the top events instead, without a word."""
    window = make_window(filled_db[0])
    folder = window.reports.store.folder
    funnel = {"kind": "funnel", "steps": [{"event": "Signed Up", "where": []},
                                          {"event": "Order Completed", "where": []}]}
    (folder / "mixed.json").write_text(json.dumps({"name": "Sign-up to order", "panel": "segmentation",
                                                   "query": funnel}), encoding="utf-8")
    dialog = window.reports.dialog()
    qtbot.addWidget(dialog)
    assert dialog.tree.topLevelItem(0).text(1) == "Funnels"
    dialog.select("Sign-up to order")
    dialog.open_button.click()
    panel = window.panels["funnels"]
    assert panel.query()["steps"] == funnel["steps"]
    settle(qtbot, panel)
    assert panel.last_error is None


def test_a_live_view_report_keeps_the_filter_not_the_poll_cursor(
        make_window: Any, filled_db: tuple[str, Any], qtbot: Any) -> None:
    """Ctrl+S on Live View stored the poll's cursor and size (after_id, limit) in the report: the
    file changed at each save as events arrived, though the panel ignores both when it opens a
    report, and the exported file run with tracklens query --spec listed only the events that
    came after the save (none here), not the newest events the panel shows."""
    url, engine = filled_db
    window = make_window(url)
    panel = window.panels["live"]
    panel.event_filter.setCurrentText("Signed Up")
    panel._on_filter_changed()
    qtbot.waitUntil(lambda: panel.loaded and panel.model.rowCount() > 0 and not panel.busy, timeout=20_000)
    saved = window.reports.save(panel, "Sign-ups")
    assert saved is not None
    assert saved.query == {"kind": "live", "events": ["Signed Up"], "where": []}
    answer = run_query(engine, saved.query)
    assert answer["events"] and {e["event"] for e in answer["events"]} == {"Signed Up"}
    assert window.reports.open(window.reports.store.get(saved.id))
    again = window.reports.save(panel, "Sign-ups", replace=True)
    assert again is not None and again.query == saved.query and again.ui == saved.ui


def test_a_profile_report_whose_timeline_names_several_events_is_not_cut_to_one(
        make_window: Any, shop_db: tuple[str, Any], qtbot: Any) -> None:
    """A profile query whose timeline lists several events (tracklens query --spec runs it; a
    colleague's file) opened with the first event alone: the timeline silently left out the
    others, and saving it again stored the one event."""
    window = make_window(shop_db[0])
    panel = window.panels["profile"]
    query = {"kind": "profile", "user": "u03",
             "timeline": {"limit": 50, "events": ["Added To Cart", "Order Completed"]}}
    report = window.reports.store.save("Buying", "profile", query)
    assert not window.reports.open(report)
    assert window.statusBar().currentMessage().startswith("Could not show the report “Buying”: ")
    assert "2 events" in window.statusBar().currentMessage()
    assert panel.person is None
    # A timeline that is not an object raised AttributeError out of the Open button.
    odd = window.reports.store.save("Odd", "profile", {"kind": "profile", "user": "u03", "timeline": "recent"})
    assert not window.reports.open(odd)
    assert window.statusBar().currentMessage() == "Could not show the report “Odd”: timeline must be a JSON object, got the string 'recent'"


def test_a_report_with_a_value_of_the_wrong_type_is_one_line_and_the_panel_keeps_its_query(
        make_window: Any, filled_db: tuple[str, Any], qtbot: Any) -> None:
    """`"range": 5` or `"window": "x"` in a hand-edited report raised AttributeError out of the
    dialog's Open button (the panels read them as objects), leaving the panel holding half of
    the report."""
    window = make_window(filled_db[0])
    for panel_id, query, reason in (
            ("segmentation", {"kind": "segmentation", "events": ["Signed Up"], "range": 5},
             "range must be a JSON object, got the number 5"),
            ("funnels", {"kind": "funnel", "steps": ["Signed Up", "Order Completed"], "window": "x"},
             "window must be a JSON object, got the string 'x'")):
        panel = window.panels[panel_id]
        before = panel.query()
        report = window.reports.store.save(f"Odd {panel_id}", panel_id, query)
        dialog = window.reports.dialog()
        qtbot.addWidget(dialog)
        dialog.select(report.name)
        dialog.open_button.click()
        assert window.statusBar().currentMessage() == f"Could not show the report “{report.name}”: {reason}"
        assert panel.query() == before


def test_a_retention_report_with_a_huge_number_of_periods_says_so_in_the_panel(
        make_window: Any, filled_db: tuple[str, Any], qtbot: Any) -> None:
    """`"periods": 1e308` (or Infinity) raised OverflowError in the event loop (the periods box
    holds 32-bit numbers), a traceback each time the report was opened."""
    window = make_window(filled_db[0])
    panel = window.panels["retention"]
    for periods in (1e308, float("inf")):
        report = window.reports.store.save(f"Forever {periods}", "retention",
                                           {"kind": "retention", "start": "Signed Up", "periods": periods})
        assert window.reports.open(report)
        assert panel.query()["periods"] == periods
        qtbot.waitUntil(lambda: panel.state_bar.state == StateBar.ERROR, timeout=20_000)
        assert panel.state_bar.message.startswith("⚠ periods must be ")
        assert panel.periods_spin.value() == panel.periods_spin.maximum()


def test_a_funnel_report_with_a_huge_conversion_window_says_so_in_the_panel(
        make_window: Any, filled_db: tuple[str, Any], qtbot: Any) -> None:
    """`"window": {"days": 1e308}` raised OverflowError in the event loop (the window's box holds
    32-bit numbers) each time the report was opened."""
    window = make_window(filled_db[0])
    panel = window.panels["funnels"]
    report = window.reports.store.save("Patient", "funnels", {"kind": "funnel", "steps": ["Signed Up", "Order Completed"],
                                                             "window": {"days": 1e308}})
    assert window.reports.open(report)
    assert panel.query()["window"] == {"days": 1e308}
    qtbot.waitUntil(lambda: panel.state_bar.state == StateBar.ERROR, timeout=20_000)
    assert panel.state_bar.message.startswith("⚠ window.days must be ")
    assert panel.window_amount.value() == panel.window_amount.maximum()


def test_a_funnel_report_with_a_step_filter_of_the_wrong_type_is_one_line(
        make_window: Any, filled_db: tuple[str, Any], qtbot: Any) -> None:
    """A step whose `where` is not a list of filter objects ("x", ["x"]) raised AttributeError in
    the event loop when the steps list showed it. The report opens and the panel names what is
    wrong, as for any value the parser refuses."""
    window = make_window(filled_db[0])
    panel = window.panels["funnels"]
    for where, reason in (("x", "steps[0].where must be a list of filters, got the string 'x'"),
                          (["x"], "steps[0].where[0] must be a JSON object, got the string 'x'")):
        query = {"kind": "funnel", "steps": [{"event": "Signed Up", "where": where}, "Order Completed"]}
        report = window.reports.store.save(f"Odd {where}", "funnels", query)
        assert window.reports.open(report)
        qtbot.waitUntil(lambda: panel.state_bar.state == StateBar.ERROR, timeout=20_000)
        assert panel.state_bar.message == f"⚠ {reason}"
        assert [e["event"] for e in panel.steps_editor.steps()] == ["Signed Up", "Order Completed"]
        assert panel.query()["steps"] == query["steps"]  # as the report holds them, for the parser to name
        panel.state_bar.set_idle()


def test_renaming_a_report_of_a_newer_version_keeps_what_this_version_does_not_know(
        tmp_path: Path, qtbot: Any) -> None:
    """Rename and Replace rewrote the file from the fields this version knows: a newer
    Tracklens's description (or a colleague's notes) in the report file was lost."""
    store = ReportStore(tmp_path / "reports")
    (tmp_path / "reports" / "weekly.json").write_text(json.dumps({
        "name": "Weekly", "panel": "segmentation", "query": {"kind": "segmentation"}, "ui": {},
        "saved_at": "2026-01-01T00:00:00+00:00", "description": "for the Monday meeting", "format": 2}),
        encoding="utf-8")
    dialog = ReportsDialog(store, {"segmentation": "Segmentation"})
    qtbot.addWidget(dialog)
    dialog.rename(store.get("weekly"), "Weekly sign-ups")
    data = json.loads((tmp_path / "reports" / "weekly.json").read_text(encoding="utf-8"))
    assert data["name"] == "Weekly sign-ups"
    assert data["description"] == "for the Monday meeting" and data["format"] == 2
    assert [dialog.tree.topLevelItem(0).text(0)] == ["Weekly sign-ups"]
    # Ctrl+S over it (Replace) changes the query and keeps them too.
    store.save("Weekly sign-ups", "segmentation", {"kind": "segmentation", "events": ["Signed Up"]}, replace=True)
    data = json.loads((tmp_path / "reports" / "weekly.json").read_text(encoding="utf-8"))
    assert data["query"]["events"] == ["Signed Up"] and data["description"] == "for the Monday meeting"


def test_a_report_with_an_unknown_key_is_refused_whatever_else_is_wrong_with_it(
        make_window: Any, filled_db: tuple[str, Any], qtbot: Any) -> None:
    """A report with a bad filter and an unknown key opened without the key: the parser stopped
    at the bad filter, so the key went unseen, and the panel showed the rest (another query).
    The same for a filter with a typo in its keys ("valeu"): it opened as a filter without a
    value, and the builder dropped it. Both are refused, naming the key and the other problem."""
    window = make_window(filled_db[0])
    panel = window.panels["segmentation"]
    before = panel.query()
    bad_op = {"property": "plan", "op": "is", "value": "pro"}
    for name, query, reason in (
            ("Bad filter, new key", {"kind": "segmentation", "events": ["Signed Up"], "where": [bad_op],
                                     "sampling": 10},
             "unknown key 'sampling' (saved by a newer Tracklens?); also where[0].op must be one of "),
            ("Typo after a bad filter", {"kind": "segmentation", "events": ["Signed Up"],
                                         "where": [bad_op, {"property": "price", "op": "gt", "valeu": 100}]},
             "unknown key 'valeu' (did you mean 'value'?) in where[1]; also where[0].op must be one of "),
            ("Typo", {"kind": "segmentation", "events": ["Signed Up"],
                      "where": [{"property": "price", "op": "gt", "valeu": 100}]},
             "unknown key 'valeu' (did you mean 'value'?) in where[0]")):
        report = window.reports.store.save(name, "segmentation", query)
        assert not window.reports.open(report)
        message = window.statusBar().currentMessage()
        assert message.startswith(f"Could not show the report “{name}”: {reason}"), message
        assert panel.query() == before


def test_a_report_with_a_view_this_version_does_not_have_says_so(
        make_window: Any, filled_db: tuple[str, Any], qtbot: Any) -> None:
    """A report whose chart view is one this version does not have (a newer Tracklens's "pie", a
    typo) opened as the default view without a word; so did a funnel axis. The query is the one
    saved, so the report opens, and the status bar says what is shown instead (as a bad value of
    the query is said in the panel's state bar)."""
    window = make_window(filled_db[0])
    report = window.reports.store.save("Pie", "segmentation", {"kind": "segmentation", "events": ["Signed Up"]},
                                       {"view": "pie"})
    assert window.reports.open(report)
    assert window.statusBar().currentMessage() == (
        "Opened report “Pie”, but its view 'pie' is not one this version shows ('line' instead)")
    assert window.panels["segmentation"].query()["events"] == ["Signed Up"]
    report = window.reports.store.save("Money", "funnels", {"kind": "funnel", "steps": ["Signed Up", "Order Completed"]},
                                       {"axis": "revenue"})
    assert window.reports.open(report)
    assert window.statusBar().currentMessage() == (
        "Opened report “Money”, but its axis 'revenue' is not one this version shows ('count' instead)")
    window.statusBar().clearMessage()
    report = window.reports.store.save("Bars", "segmentation", {"kind": "segmentation", "events": ["Signed Up"]},
                                       {"view": "stacked"})
    assert window.reports.open(report)  # a view it has: nothing to say
    assert window.statusBar().currentMessage() == ""
    assert window.panels["segmentation"].ui_state() == {"view": "stacked"}


def test_a_report_without_a_kind_is_checked_as_its_panel_takes_it(
        make_window: Any, filled_db: tuple[str, Any], qtbot: Any) -> None:
    """A hand-made report file whose query has no kind opens in the panel it names, which takes
    it as a query of its kind; an unknown key in it went unseen (the check stopped at the
    missing kind) and the panel dropped it without a word."""
    window = make_window(filled_db[0])
    panel = window.panels["funnels"]
    before = panel.query()
    (window.reports.store.folder / "kindless.json").write_text(json.dumps({
        "name": "Kindless", "panel": "funnels",
        "query": {"steps": ["Signed Up", "Order Completed"], "sampling": 10}}), encoding="utf-8")
    report = window.reports.store.get("kindless")
    assert not window.reports.open(report)
    assert window.statusBar().currentMessage() == (
        "Could not show the report “Kindless”: unknown key 'sampling' (saved by a newer Tracklens?)")
    assert panel.query() == before


def test_a_report_the_parser_refuses_never_runs_as_what_its_panel_could_show(
        make_window: Any, filled_db: tuple[str, Any], qtbot: Any) -> None:
    """A retention report with `"return": 5` (or a list, or true) opened with the return event
    left out: the panel showed and ran 'any event' as the return, another query than the saved
    one, and said nothing (what it ran was valid). Such a report is refused in one line, and the
    panel keeps what it showed."""
    window = make_window(filled_db[0])
    panel = window.panels["retention"]
    before = panel.query()
    for value, described in ((5, "the number 5"), ([], "a list"), (True, "a boolean")):
        report = window.reports.store.save(f"Return {value}", "retention", {
            "kind": "retention", "start": "Signed Up", "return": value})
        assert not window.reports.open(report)
        assert window.statusBar().currentMessage() == (
            f"Could not show the report “{report.name}”: return must be a JSON object, got {described}")
        assert panel.query() == before


def test_a_report_with_view_options_this_version_does_not_have_says_so(
        make_window: Any, filled_db: tuple[str, Any], qtbot: Any) -> None:
    """Unknown keys of a report's view options (`ui`: a newer Tracklens's option, a typo of
    "view") were dropped without a word, while the same key in the query refuses the report.
    They are presentation, so the report opens as saved, and the status bar names them."""
    window = make_window(filled_db[0])
    report = window.reports.store.save("Colour", "segmentation", {"kind": "segmentation", "events": ["Signed Up"]},
                                       {"view": "stacked", "colour": "red"})
    assert window.reports.open(report)
    assert window.statusBar().currentMessage() == (
        "Opened report “Colour”, but its view option 'colour' is not one this version has (left out)")
    assert window.panels["segmentation"].query()["events"] == ["Signed Up"]
    assert window.panels["segmentation"].ui_state() == {"view": "stacked"}
    report = window.reports.store.save("Typo", "funnels", {"kind": "funnel", "steps": ["Signed Up", "Order Completed"]},
                                       {"axes": "conversion", "zoom": 2})
    assert window.reports.open(report)
    assert window.statusBar().currentMessage() == (
        "Opened report “Typo”, but its view options 'axes', 'zoom' are not ones this version has (left out)")
    report = window.reports.store.save("Cohorts", "retention", {"kind": "retention", "start": "Signed Up"},
                                       {"view": "curve"})  # retention has no view options at all
    assert window.reports.open(report)
    assert window.statusBar().currentMessage() == (
        "Opened report “Cohorts”, but its view option 'view' is not one this version has (left out)")
    assert window.panels["retention"].query()["start"] == {"event": "Signed Up", "where": []}


def test_a_profile_report_reopens_with_its_timeline_as_saved(
        make_window: Any, cust_x_profile: tuple[Any, Any, Any], qtbot: Any) -> None:
    """A profile report's timeline.limit (how many events it shows) reopened as 50, and its
    before_id (where the timeline starts) was dropped: the report showed another page than the
    one saved, and saving it again stored that. The panel gives back the timeline it was given."""
    window, panel, engine = cust_x_profile
    newest = run_query(engine, {"kind": "profile", "user": "cust-x", "timeline": {"limit": 20}})["timeline"]
    start = newest[9]["id"]  # the timeline starts after the 10 newest events
    for name, timeline, first in (("Last 7", {"limit": 7, "events": []}, newest[0]["id"]),
                                  ("Older", {"limit": 12, "before_id": start, "events": []}, newest[10]["id"])):
        query = {"kind": "profile", "user": "cust-x", "timeline": timeline}
        report = window.reports.store.save(name, "profile", query)
        with qtbot.waitSignal(panel.query_finished, timeout=10_000):
            assert window.reports.open(report)
        settle(qtbot, panel)
        assert panel.timeline_ids()[0] == first
        assert len(panel.timeline_ids()) == timeline["limit"]
        assert panel.saved_query() == query
        saved = window.reports.save(panel, f"{name} again")
        assert saved is not None and saved.query == query
    # 'Load older events' goes on in pages of the report's size.
    with qtbot.waitSignal(panel._more_channel.result, timeout=10_000):
        panel.load_more()
    assert len(panel.timeline_ids()) == 24
    # Another person shown: the place in cust-x's timeline is not theirs.
    with qtbot.waitSignal(panel.query_finished, timeout=10_000):
        window.show_person("u03")
    assert "before_id" not in panel.query()["timeline"]
