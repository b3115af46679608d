"""More places that showed Unicode's bidirectional controls at work (test_bidi_text.py has the
first ones): the Messages panel (its list, preview and results name campaigns and quote persons'
traits), the saved-reports tree and the panels' state and status lines. What they show writes
the controls out (app.ui.plain.display_text); what is stored, copied and asked stays exact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QWidget
from sqlalchemy import Engine

from app.core.database import open_database
from app.ingest.writer import EventWriter
from app.outbound.messages.store import load_campaigns, save_campaign
from app.ui.panels.messages import MessagesPanel
from app.ui.plain import shown_text
from tests.outbound.conftest import add_people, campaign_dict, person
from tests.ui import test_messages_panel
from tests.ui.conftest import modal_titles
from tests.ui.test_bidi_text import EVENT, EVENT_SHOWN, SPOOF, SPOOF_SHOWN, cell, drawn

#: A campaign name whose override, shown as it is, reverses the rest of its line.
CAMPAIGN = "Win\u202e back"
CAMPAIGN_SHOWN = "Win\\u202e back"
COHORT = "VIP\u202e buyers"
COHORT_SHOWN = "VIP\\u202e buyers"
#: A local SMTP server: the Messages panel tests' fixture `smtp`, under this name here.
smtp_server = test_messages_panel.smtp
#: A trait's name (a key any client can send) holding an override.
TRAIT = "ti\u202eer"
TRAIT_SHOWN = "ti\\u202eer"
REPORT = "Weekly\u202e funnel"
REPORT_SHOWN = "Weekly\\u202e funnel"


def _shop(url: str) -> Engine:
    engine = open_database(url)
    add_people(engine, {"u01": person(1, name=SPOOF), "u05": person(5)}, orders={"u01": 3, "u05": 3})
    EventWriter(engine, enrich=False).write([{"type": "track", "userId": "u05", "event": EVENT, "messageId": "e1"}])
    save_campaign(engine, campaign_dict(name=CAMPAIGN, goal={"event": EVENT, "within": {"days": 7}}))
    return engine


def test_the_messages_panel_shows_campaign_names_and_persons_values_with_their_controls_written_out(
        make_window: Any, sqlite_url: str, qtbot: Any) -> None:
    engine = _shop(sqlite_url)
    window = make_window(sqlite_url)
    panel: MessagesPanel = window.show_panel("messages")  # type: ignore[assignment]
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1 and panel.settled, timeout=20_000)
    # The list draws the name written out; its item (what is selected, deleted, copied) keeps it.
    assert cell(panel.table, panel.table.model().index(0, 0)) == CAMPAIGN_SHOWN
    assert panel.table.item(0, 0).text() == CAMPAIGN and panel.selected_name() is None
    panel.table.selectRow(0)
    assert panel.selected_name() == CAMPAIGN and panel.editor.name.text() == CAMPAIGN
    # Results (a draft: the line saying it was not sent) name the campaign written out.
    qtbot.waitUntil(lambda: panel.settled and "not been sent" in panel.results_label.text(), timeout=20_000)
    assert CAMPAIGN_SHOWN in panel.results_label.text() and "\u202e" not in panel.results_label.text()
    # The goal box's list of event names.
    goal = panel.editor.goal_event
    qtbot.waitUntil(lambda: goal.findText(EVENT) > 0, timeout=20_000)
    assert cell(goal.view(), goal.model().index(goal.findText(EVENT), 0)) == EVENT_SHOWN
    assert goal.currentText() == EVENT  # the campaign's goal itself
    # The preview quotes the person's name trait (subject and text).
    panel.person.setText("u01")
    panel.preview()
    qtbot.waitUntil(lambda: not panel.previewing and "Subject" in panel.preview_text.toPlainText(), timeout=20_000)
    shown = panel.preview_text.toPlainText()
    assert f"Subject: {SPOOF_SHOWN}, your beans are waiting" in shown
    assert f"Hi {SPOOF_SHOWN}, you are 31." in shown and "\u202e" not in shown
    # Saving names the campaign in the editor's line; the stored campaign keeps its name.
    panel.save_campaign()
    qtbot.waitUntil(lambda: panel.editor_message.text().startswith("Saved"), timeout=20_000)
    assert "\u202e" not in panel.editor_message.text()
    assert [c["name"] for c in load_campaigns(engine)] == [CAMPAIGN]
    drawn(panel, "messages", (1100, 700))
    engine.dispose()


def test_a_state_bar_and_the_connection_line_quote_a_path_with_its_controls_written_out(
        make_window: Any, tmp_path: Path, qtbot: Any) -> None:
    """A database that cannot be opened is named in every panel's state bar and the window's
    connection line: a folder named 'admin<U+202E>gnp.exe' read 'adminexe.png' there."""
    url = f"sqlite:///{tmp_path / SPOOF / 'events.sqlite'}"
    window = make_window(url, wait=False)
    bar = window.panels["segmentation"].state_bar
    qtbot.waitUntil(lambda: bar.state == bar.ERROR, timeout=20_000)
    assert f"{SPOOF_SHOWN}" in bar.message and "\u202e" not in bar.message
    assert window.connection is None
    assert window.connection_label.text() == f"Cannot open sqlite:///{tmp_path / SPOOF_SHOWN / 'events.sqlite'}"


def test_the_saved_reports_list_and_status_lines_show_a_report_name_with_its_controls_written_out(
        make_window: Any, qtbot: Any) -> None:
    """A report named (or imported from a colleague's file) 'Weekly<U+202E> funnel' read reversed
    in the saved-reports list and in 'Saved report “…”'; the report keeps its name (saved, and
    what Rename offers)."""
    from app.ui.panels.reports import NAME_ROLE

    window = make_window()
    report = window.reports.save(window.panels["segmentation"], REPORT)
    assert report is not None and report.name == REPORT
    assert window.statusBar().currentMessage() == f"Saved report “{REPORT_SHOWN}”"
    dialog = window.reports.dialog()
    qtbot.addWidget(dialog)
    item = dialog.tree.topLevelItem(0)
    assert cell(dialog.tree, dialog.tree.indexFromItem(item, 0)) == REPORT_SHOWN
    assert item.data(0, NAME_ROLE) == REPORT  # Rename offers the name itself
    drawn(dialog, "reports")


def test_a_cohort_name_is_shown_with_its_controls_written_out(make_window: Any, filled_db: Any, qtbot: Any) -> None:
    """A cohort 'VIP<U+202E> buyers' read reversed in the Cohorts dialog's list, the cohort filter
    row's box and the User explorer's 'Saved cohort “…”' line; the cohort keeps its name."""
    from app.query.cohorts import create_cohort
    from app.ui.cohorts import CohortsDialog, cohort_store

    url, engine = filled_db
    create_cohort(engine, COHORT, {"kind": "users", "where": [{"trait": "plan", "op": "eq", "value": "pro"}]})
    window = make_window(url)
    store = cohort_store(window.context)
    qtbot.waitUntil(lambda: len(store.cohorts()) == 1, timeout=10_000)
    dialog = CohortsDialog(store, window)
    qtbot.addWidget(dialog)
    assert cell(dialog.list, dialog.list.model().index(0, 0)) == f"{COHORT_SHOWN}  (dynamic)"
    assert dialog.list.item(0).text() == f"{COHORT}  (dynamic)"  # the item: the name itself
    users = window.show_panel("users")
    users.set_query({"kind": "users", "where": [{"cohort": store.cohorts()[0]["id"]}]})
    combos = [row.cohort_combo for row in users.findChildren(QWidget) if hasattr(row, "cohort_combo")]
    assert [shown_text(combo) for combo in combos] == [f"{COHORT_SHOWN}  (dynamic)"]  # the closed box
    users.save_cohort("Pro\u202e copy", static=False)
    qtbot.waitUntil(lambda: users.cohort_message.text().startswith("Saved cohort"), timeout=10_000)
    assert users.cohort_message.text() == "Saved cohort “Pro\\u202e copy” (dynamic)."
    qtbot.waitUntil(lambda: len(store.cohorts()) == 2, timeout=10_000)
    assert sorted(c["name"] for c in store.cohorts()) == sorted([COHORT, "Pro\u202e copy"])


def test_the_did_rows_filters_dialog_names_its_event_with_its_controls_written_out(
        make_window: Any, qtbot: Any) -> None:
    """The 'Did event' row's 'where…' dialog is titled with its event: 'Signed<U+202E> Up'
    reversed the title."""
    from app.ui.panels.user_filters import DidFilterRow

    row = DidFilterRow(make_window().panels["users"].filter_builder)
    qtbot.addWidget(row)
    row.event_combo.setCurrentText(EVENT)
    titles = modal_titles(row.edit_event_filters)
    assert titles[:1] == [f"Filters on {EVENT_SHOWN}"]
    assert row.event_combo.currentText() == EVENT  # the row keeps the name


def test_sending_a_campaign_names_it_and_its_goal_with_their_controls_written_out(
        make_window: Any, sqlite_url: str, qtbot: Any, smtp_server: Any) -> None:
    """The send confirmation, the send line and the Results tab's line named the campaign and its
    goal event with their controls at work; the ledger keeps the campaign's name."""
    from tests.ui.test_messages_panel import send_now

    engine = _shop(sqlite_url)
    window = make_window(sqlite_url)
    panel: MessagesPanel = window.show_panel("messages")  # type: ignore[assignment]
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1 and panel.settled, timeout=20_000)
    panel.table.selectRow(0)
    panel.smtp_url.setText(smtp_server.url)
    texts = send_now(panel, qtbot, "sent")
    assert texts[:1] and texts[0].startswith(f"Send “{CAMPAIGN_SHOWN}” now to 2 people?")
    qtbot.waitUntil(lambda: not panel.results_channel.busy and "held out" in panel.results_label.text(),
                    timeout=20_000)
    text = panel.results_label.text()
    assert f"<b>{CAMPAIGN_SHOWN}</b>: audience 2, sent 2" in text
    assert f"Goal: {EVENT_SHOWN} within 7 days" in text and "\u202e" not in text
    assert smtp_server.handler.by_rcpt().keys() == {"p1@example.com", "p5@example.com"}
    engine.dispose()


def test_a_filter_rows_suggested_values_show_their_controls_written_out(
        make_window: Any, sqlite_url: str, qtbot: Any) -> None:
    """A trait filter (the User explorer's, a campaign's audience) suggests the persons' values
    as it is typed: a name 'admin<U+202E>gnp.exe' read 'adminexe.png' in its pop-up; the
    property box's list shows names the same way. Choosing keeps the value."""
    engine = _shop(sqlite_url)
    add_people(engine, {"u07": person(7, **{TRAIT: "gold"})})
    window = make_window(sqlite_url)
    users = window.show_panel("users")
    users.set_query({"kind": "users", "where": [{"trait": "name", "op": "eq", "value": "x"}]})
    (row,) = [r for r in users.filter_builder.rows if hasattr(r, "text_edit")]
    qtbot.waitUntil(lambda: SPOOF in row._value_model.stringList(), timeout=20_000)
    completer = row.text_edit.completer()
    completer.setCompletionPrefix("")
    model = completer.completionModel()
    shown = [cell(completer.popup(), model.index(i, 0)) for i in range(model.rowCount())]
    assert SPOOF_SHOWN in shown and not any("\u202e" in text for text in shown)
    assert SPOOF in [model.index(i, 0).data() for i in range(model.rowCount())]  # what is chosen
    combo = row.property_combo
    qtbot.waitUntil(lambda: any(TRAIT in combo.itemText(i) for i in range(combo.count())), timeout=20_000)
    names = [cell(combo.view(), combo.model().index(i, 0)) for i in range(combo.count())]
    assert any(TRAIT_SHOWN in name for name in names) and not any("\u202e" in name for name in names)
    engine.dispose()
