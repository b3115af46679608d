"""Ids, names and traits anyone with a public write key can send are shown as the characters they
are, never read as HTML: a 255-character userId of nested `<table>` tags froze the app (Qt's layout
of nested tables costs ~4x per level: 16 levels took 5 s, 36 fit in 255 characters) as soon as
its profile or a tool tip showed it (hostile-input defect hunt)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import Qt as QtGui
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from app.core.database import open_database
from app.ingest.writer import EventWriter
from app.query.cohorts import create_cohort
from app.ui.cohorts import CohortsDialog, cohort_store
from app.ui.panels.reports import ReportsDialog, ReportStore
from app.ui.plain import plain_tip
from tests.ui.conftest import modal_titles, settle, wait_panels

#: Ten levels: enough to tell HTML from text, mild enough (~0.1 s) not to hang a run without the fix.
TABLES = "<table><tr><td>" * 10 + "x"
BOLD = "<b>Ann</b> & <i>co</i>"


def shown(tip: str) -> str:
    """What a tool tip displays for `tip`."""
    if not QtGui.mightBeRichText(tip):
        return tip
    doc = QTextDocument()
    doc.setHtml(tip)
    return doc.toPlainText()


def test_a_tool_tip_shows_its_text_as_it_is() -> None:
    for text in (TABLES, BOLD, "<img src='/etc/passwd'>", "plain text", "a < b > c", "&lt;b&gt;"):
        assert shown(plain_tip(text)) == text
    assert plain_tip("plain text") == "plain text"


def _hostile_person(url: str) -> None:
    engine = open_database(url)
    now = dt.datetime.now(dt.UTC).isoformat()
    EventWriter(engine, enrich=False).write([
        {"type": "identify", "userId": TABLES, "messageId": "h1", "timestamp": now,
         "traits": {"name": BOLD, "note": TABLES}},
        {"type": "track", "userId": TABLES, "event": BOLD, "messageId": "h2", "timestamp": now},
    ])
    engine.dispose()


def test_a_hostile_profile_shows_its_id_and_traits_as_text(make_window: Any, sqlite_url: str, qtbot: Any) -> None:
    _hostile_person(sqlite_url)
    window = make_window(sqlite_url)
    wait_panels(qtbot, window)
    profile = window.panels["profile"]
    profile.show_person(TABLES)
    settle(qtbot, profile)
    label = profile.id_label
    qtbot.waitUntil(lambda: label.text().startswith(TABLES) and profile.traits.topLevelItemCount() == 2,
                    timeout=20_000)
    # The whole id is laid out as characters (as HTML, only the "x" was).
    assert label.sizeHint().width() >= label.fontMetrics().horizontalAdvance(TABLES)
    # ... and may be cut: as the panel's minimum width, a 255-character id pushed the window past
    # the screen's edge (3,194 px in a --screenshot run).
    assert profile.minimumSizeHint().width() < label.fontMetrics().horizontalAdvance(TABLES)
    tips = {profile.traits.topLevelItem(i).text(0): profile.traits.topLevelItem(i).toolTip(1)
            for i in range(profile.traits.topLevelItemCount())}
    assert shown(tips["name"]) == BOLD and shown(tips["note"]) == TABLES


def test_hostile_ids_and_traits_in_the_user_explorer_tool_tips(make_window: Any, sqlite_url: str,
                                                               qtbot: Any) -> None:
    _hostile_person(sqlite_url)
    window = make_window(sqlite_url)
    wait_panels(qtbot, window)
    users = window.panels["users"]
    settle(qtbot, users)
    model = users.model
    qtbot.waitUntil(lambda: model.rowCount() == 1 and {"trait:name", "trait:note"} <= set(model.column_keys()),
                    timeout=20_000)
    assert shown(model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)) == f"id: {TABLES}"
    columns = model.column_keys()
    for trait, value in (("name", BOLD), ("note", TABLES)):
        index = model.index(0, columns.index(f"trait:{trait}"))
        # The first page may be shown before its trait columns are known (then a second query).
        qtbot.waitUntil(lambda i=index, v=value: model.data(i, Qt.ItemDataRole.DisplayRole) == v, timeout=20_000)
        assert shown(model.data(index, Qt.ItemDataRole.ToolTipRole)) == value


def test_campaign_results_show_names_as_text(make_window: Any) -> None:
    """The results line is rich text (bold name, line breaks): a name or goal event came through as HTML."""
    window = make_window()
    panel = window.panels["messages"]
    panel._on_results({"campaign": BOLD, "audience": 3, "sent": 2, "held_out": 1, "failed": 0, "pending": 0,
                       "unconfirmed": 0, "groups": None, "goal": None})
    assert shown(panel.results_label.text()).startswith(f"{BOLD}: audience 3, sent 2")


def test_a_funnel_steps_hover_shows_its_event_name_as_text(qtbot: Any) -> None:
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    from app.ui.panels.funnel_chart import FunnelChart

    chart = FunnelChart()
    qtbot.addWidget(chart)
    chart.resize(600, 400)
    chart.show()
    chart.set_data([{"event": TABLES, "count": 10}, {"event": "Signed Up", "count": 4}])
    centre = chart.step_center(0)
    QApplication.sendEvent(chart, QHelpEvent(QHelpEvent.Type.ToolTip, centre, chart.mapToGlobal(centre)))
    assert shown(QToolTip.text()).startswith(f"1. {TABLES}")
    QToolTip.hideText()


def test_a_funnel_step_filter_shows_its_event_names_as_text(qtbot: Any) -> None:
    """Clicking a funnel step lists its persons with a row naming the steps: a QLabel of event names."""
    from app.ui.panels.user_filters import FunnelFilterRow

    row = FunnelFilterRow(None)  # type: ignore[arg-type]  # the builder is not used by this row
    qtbot.addWidget(row)
    row.set_json({"funnel": {"steps": [TABLES, "Signed Up"]}, "step": 1})
    assert row.label.text() == f"Persons who reached step 1 ({TABLES}) of {TABLES} → Signed Up"
    assert row.label.sizeHint().width() >= row.label.fontMetrics().horizontalAdvance(TABLES)
    assert TABLES in shown(row.label.toolTip())


def test_the_messages_panels_lines_show_addresses_and_errors_as_text(make_window: Any) -> None:
    """They quote a person's address from their traits and a server's error: both from outside."""
    panel = make_window().panels["messages"]
    for label in (panel.list_message, panel.editor_message, panel.preview_error, panel.send_message):
        label.setText(f"⚠ cannot deliver to {TABLES}")
        assert label.sizeHint().width() >= label.fontMetrics().horizontalAdvance(TABLES), label.objectName()


def test_pasted_json_nested_too_deeply_is_one_line(qtbot: Any) -> None:
    """The campaign editor caught JSONDecodeError only and the destinations editor ValueError only:
    RecursionError (or a 5,000-digit number in the campaign body) escaped their buttons' slots."""
    from app.outbound.messages.errors import CampaignError
    from app.ui.dialogs.destinations_editor import DestinationsEditor
    from app.ui.panels.messages_editor import CampaignEditor

    deep = "[" * 100_000 + "]" * 100_000
    editor = DestinationsEditor(None)
    qtbot.addWidget(editor)
    editor.text.setPlainText(deep)
    with qtbot.waitSignal(editor.checked, timeout=20_000):
        editor.check()
    assert not editor.ok and editor.status.text() == "✖ the text is nested too deeply"
    campaign = CampaignEditor(None)
    qtbot.addWidget(campaign)
    for text, says in ((deep, "nested too deeply"), ('{"n": ' + "7" * 5000 + "}", "not valid JSON")):
        campaign.body.setPlainText(text)
        try:
            CampaignEditor._json(campaign.body, "channel.body", None)
        except CampaignError as exc:
            assert says in str(exc)
        else:
            raise AssertionError("accepted")


class Answer:
    """Answers the next question box (exec() runs timers) and records what its label showed."""

    def __init__(self, yes: bool) -> None:
        self.seen: list[tuple[str, Qt.TextFormat]] = []
        self.yes = yes
        self.timer = QTimer()
        self.timer.timeout.connect(self._poke)
        self.timer.start(20)

    def _poke(self) -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            label = box.findChild(QLabel, "qt_msgbox_label")
            self.seen.append((label.text(), label.textFormat()))
            box.button(QMessageBox.StandardButton.Yes if self.yes else QMessageBox.StandardButton.Cancel).click()
            self.timer.stop()


def test_delete_questions_show_report_and_cohort_names_as_text(make_window: Any, shop_db: Any, qtbot: Any,
                                                               tmp_path: Path) -> None:
    """`QMessageBox.question` read a report or cohort name (typed, or in a report file someone
    sent) as HTML: `<b>Ann</b>` showed bold, nested tables stalled the dialog."""
    store = ReportStore(tmp_path / "reports")
    store.save(BOLD, "segmentation", {"kind": "segmentation"})
    dialog = ReportsDialog(store, {"segmentation": "Segmentation"})
    qtbot.addWidget(dialog)
    dialog.select(BOLD)
    answer = Answer(yes=False)
    dialog.delete_button.click()
    assert answer.seen == [(f"Delete the report {BOLD!r}?", Qt.TextFormat.PlainText)]
    assert [r.name for r in store.list()] == [BOLD]
    answer = Answer(yes=True)
    dialog.delete_button.click()
    assert store.list() == []

    url, engine = shop_db
    create_cohort(engine, TABLES, {"kind": "users", "where": []})
    window = make_window(url)
    cohorts = cohort_store(window.context)
    qtbot.waitUntil(lambda: len(cohorts.cohorts()) == 1, timeout=10_000)
    cohorts_dialog = CohortsDialog(cohorts, window)
    qtbot.addWidget(cohorts_dialog)
    cohorts_dialog.list.setCurrentRow(0)
    answer = Answer(yes=True)
    cohorts_dialog.delete_button.click()
    assert answer.seen == [(f"Delete the cohort {TABLES!r}?", Qt.TextFormat.PlainText)]
    qtbot.waitUntil(lambda: cohorts.cohorts() == [], timeout=10_000)


def label_shows(label: QLabel) -> str:
    """What `label` displays: its text, or what Qt renders of it when it reads it as HTML."""
    text = label.text()
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and QtGui.mightBeRichText(text))
    if not rich:
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def menu_shows(text: str) -> str:
    """What a menu or action shows for `text`: '&x' is a mnemonic (an underlined x), '&&' an '&'."""
    return re.sub(r"&(.)", r"\1", text)


def test_an_imported_report_file_shows_its_name_as_text(qtbot: Any, tmp_path: Path) -> None:
    """A report file is something anyone can send: its name went into the dialog's message line
    read as HTML (a name of 13 nested tables took 1.1 s of CPU; '<img src=...>' made Qt open that
    file, and a FIFO or /dev/zero there never returned)."""
    path = tmp_path / "shared.tracklens.json"
    path.write_text(json.dumps({"name": TABLES, "panel": "segmentation", "query": {"kind": "segmentation"}}))
    dialog = ReportsDialog(ReportStore(tmp_path / "reports"), {"segmentation": "Segmentation"})
    qtbot.addWidget(dialog)
    assert dialog.import_file(str(path)) is not None
    assert label_shows(dialog.message) == f"Imported “{TABLES}”."


def test_a_destinations_files_errors_show_its_values_as_text(make_window: Any, qtbot: Any, tmp_path: Path) -> None:
    """A destinations file someone sent: the editor's check line and the panel's message quote
    the value that is wrong, and the panel names the file."""
    from app.ui.dialogs.destinations_editor import DestinationsEditor

    editor = DestinationsEditor(None)
    qtbot.addWidget(editor)
    editor.text.setPlainText(json.dumps([{"name": TABLES, "type": "webhook", "url": "https://hooks.example/x"}]))
    with qtbot.waitSignal(editor.checked, timeout=20_000):
        editor.check()
    assert not editor.ok
    assert label_shows(editor.status).endswith(f"got {TABLES[:80] + '...'!r}")  # cut by the loader (_short)
    assert label_shows(editor.status) == editor.status.text()

    panel = make_window().panels["destinations"]
    path = tmp_path / "<b>ops</b>.json"
    panel.set_destinations_file(str(path))
    assert label_shows(panel.file_label) == str(path)
    error = f"destinations[0].name must be letters, digits, '_', '.' or '-' (up to 64), got {TABLES!r}"
    panel.show_result({"status": [], "dead_letters": {}, "message": error})
    assert label_shows(panel.message) == error


def test_message_lines_quoting_names_and_errors_show_them_as_text(make_window: Any, qtbot: Any) -> None:
    """Lines that quote a cohort name, a server's or the engine's error (which quote the values
    of a query or a file someone sent), a path or a URL."""
    from app.ui.cohorts import CohortsDialog, cohort_store
    from app.ui.dialogs.connect_dialog import ConnectDialog
    from app.ui.dialogs.show_query import ShowQueryDialog
    from app.ui.errors import ErrorInfo

    window = make_window()
    users = window.panels["users"]
    cohorts = CohortsDialog(cohort_store(window.context), window)
    qtbot.addWidget(cohorts)
    connect = ConnectDialog(window.settings, window)
    qtbot.addWidget(connect)
    shown_query = ShowQueryDialog("Segmentation", {"kind": "segmentation"}, None, window)
    qtbot.addWidget(shown_query)
    text = f"⚠ unknown cohort {TABLES}"
    labels = {"cohort message": users.cohort_message, "export message": users.export_message,
              "cohorts dialog": cohorts.message, "connect status": connect.status,
              "SQL status": shown_query.sql_status, "JSON message": shown_query.json_message,
              "connection": window.connection_label,
              "event counts caption": window.panels["segmentation"].event_picker.volume_caption}
    for label in labels.values():
        label.setText(text)
    assert [name for name, label in labels.items() if label_shows(label) != text] == []
    # The audience count is rich text (a bold number): its error is escaped.
    messages = window.panels["messages"]
    messages.count_channel.failed.emit(ErrorInfo(f"unknown cohort {BOLD} & {TABLES}"))
    assert label_shows(messages.editor.count_label) == f"⚠ unknown cohort {BOLD} & {TABLES}"


def test_live_views_event_filter_tip_shows_event_names_as_text(make_window: Any) -> None:
    panel = make_window().panels["live"]
    panel.set_query({"kind": "live", "events": [TABLES, BOLD]})
    assert shown(panel.event_filter.toolTip()) == f"Events: {TABLES}, {BOLD}"


def _menu_db(url: str, plans: tuple[str, ...] = ("Q&A", "x" * 3000)) -> list[str]:
    """Persons through a two-step funnel, one per plan (by default one with an '&' and a very long one)."""
    engine = open_database(url)
    now = dt.datetime.now(dt.UTC)
    rows: list[dict[str, Any]] = []
    for i, plan in enumerate(plans):
        for k, event in enumerate(("Signed Up", "Order Completed")):
            rows.append({"type": "track", "userId": f"u{i}", "event": event, "messageId": f"m{i}{k}",
                         "timestamp": (now - dt.timedelta(hours=2 - k)).isoformat(), "properties": {"plan": plan}})
    rows.append({"type": "identify", "userId": "u0", "messageId": "t0", "timestamp": now.isoformat(),
                 "traits": {"R&D team": "yes", "y" * 255: 1}})
    EventWriter(engine, enrich=False).write(rows)
    engine.dispose()
    return list(plans)


def test_a_funnel_steps_menu_shows_breakdown_values_as_they_are(make_window: Any, sqlite_url: str,
                                                              qtbot: Any) -> None:
    """A menu takes '&' for a mnemonic: the group 'Q&A' showed as 'In QA' (A underlined). A
    3,000-character value made the menu ~20,000 px wide: it is cut with '…'."""
    from app.ui.plain import MENU_TEXT_LIMIT

    plans = _menu_db(sqlite_url)
    window = make_window(sqlite_url)
    wait_panels(qtbot, window)
    funnels = window.show_panel("funnels")
    settle(qtbot, funnels)
    funnels.set_query({**funnels.query(), "steps": [{"event": e, "where": []} for e in ("Signed Up", "Order Completed")],
                       "breakdown": "plan", "view": "steps"})
    funnels.refresh()
    settle(qtbot, funnels)
    menu = funnels.step_menu(1)
    titles = sorted(menu_shows(a.text()) for a in menu.actions() if a.menu() is not None)
    assert titles == ["In Q&A", f"In {plans[1][:MENU_TEXT_LIMIT - 4]}…"]


def test_the_user_explorers_columns_menu_shows_trait_names_as_they_are(make_window: Any, sqlite_url: str,
                                                                      qtbot: Any) -> None:
    """'R&D team' showed as 'RD team'; a 255-character name made the menu ~1,900 px wide."""
    from app.ui.plain import MENU_TEXT_LIMIT

    _menu_db(sqlite_url)
    window = make_window(sqlite_url)
    wait_panels(qtbot, window)
    users = window.show_panel("users")
    settle(qtbot, users)
    menu = users.columns_menu

    def filled() -> bool:
        menu.aboutToShow.emit()  # the menu lists the known traits as it opens
        return len(menu.actions()) >= 2

    qtbot.waitUntil(filled, timeout=20_000)
    names = [menu_shows(a.text()) for a in menu.actions()]
    assert "R&D team" in names and f"{'y' * (MENU_TEXT_LIMIT - 1)}…" in names
    menu.actions()[names.index("R&D team")].setChecked(True)
    assert "trait:R&D team" in users.model.column_keys()


def test_trait_names_a_query_cannot_name_leave_the_user_explorer_working(make_window: Any, sqlite_url: str,
                                                                        qtbot: Any) -> None:
    """Ingestion stores any trait name; the query model refuses one over 255 characters or with a
    double quote. The explorer made discovered traits its default columns, so one identify call
    with such a name (anyone with the write key) had every query of the panel refused: nobody
    was listed, only '⚠ columns[1] is longer than 255 characters'."""
    engine = open_database(sqlite_url)
    now = dt.datetime.now(dt.UTC).isoformat()
    EventWriter(engine, enrich=False).write([
        {"type": "identify", "userId": "ann", "messageId": "i1", "timestamp": now,
         "traits": {"plan": "pro", "z" * 256: 1, 'say "hi"': 2}},
    ])
    engine.dispose()
    window = make_window(sqlite_url)
    wait_panels(qtbot, window)
    users = window.show_panel("users")
    qtbot.waitUntil(lambda: users.state_bar.state == users.state_bar.ERROR
                    or (users.model.rowCount() == 1 and "trait:plan" in users.model.column_keys()), timeout=20_000)
    assert users.state_bar.state != users.state_bar.ERROR, users.state_bar.message
    assert users.model.column_keys()[-1:] == ["trait:plan"]
    qtbot.waitUntil(lambda: users.model.data(users.model.index(0, len(users.model.column_keys()) - 1)) == "pro",
                    timeout=20_000)


def test_a_window_title_shows_an_event_name_with_a_modified_mark_as_it_is(make_window: Any, qtbot: Any) -> None:
    """Qt takes '[*]' in a window title for its 'modified' mark and shows nothing there: the
    event filters dialog of 'Buy [*] now' was titled 'Filters on Buy  now'."""
    from app.ui.panels.user_filters import DidFilterRow

    row = DidFilterRow(make_window().panels["users"].filter_builder)
    qtbot.addWidget(row)
    row.event_combo.setCurrentText("Buy [*] now")
    titles = modal_titles(row.edit_event_filters)
    assert titles[:1] == ["Filters on Buy [*] now"]


def test_a_report_named_with_megabytes_is_listed_with_its_name_cut(qtbot: Any, tmp_path: Path) -> None:
    """A report file someone sent may hold a name of up to ~2 MB: the list laid it out whole at
    every repaint (0.6 s of CPU each), and import kept it. Import now makes it fit (200 characters
    ending in "…", said in the import line); a file copied into the folder by hand keeps its name,
    and the list and the Delete question cut it."""
    from app.core.reports import MAX_NAME_CHARS
    from app.ui.plain import LIST_TEXT_LIMIT

    name = "Weekly revenue" + " and revenue" * 25_000
    path = tmp_path / "shared.tracklens.json"
    path.write_text(json.dumps({"name": name, "panel": "segmentation", "query": {"kind": "segmentation"}}))
    store = ReportStore(tmp_path / "reports")
    dialog = ReportsDialog(store, {"segmentation": "Segmentation"})
    qtbot.addWidget(dialog)
    imported = dialog.import_file(str(path))
    fitted = name[:MAX_NAME_CHARS - 1].rstrip() + "…"
    assert imported is not None and imported.name == fitted
    assert dialog.tree.topLevelItem(0).text(0) == fitted
    assert dialog.message.text() == f"Imported “{fitted}” (its name of {len(name):,} characters was cut to 200)."
    store.delete(imported.id)
    (tmp_path / "reports" / "copied.json").write_text(
        json.dumps({"name": name, "panel": "segmentation", "query": {"kind": "segmentation"}}))
    dialog.fill()
    shown_name = name[:LIST_TEXT_LIMIT - 1] + "…"
    assert dialog.tree.topLevelItem(0).text(0) == shown_name
    dialog.select(name)  # the whole name finds its item
    selected = dialog.selected()
    assert selected is not None and selected.name == name and [r.name for r in store.list()] == [name]
    answer = Answer(yes=False)
    dialog.delete_button.click()
    assert answer.seen == [(f"Delete the report {shown_name!r}?", Qt.TextFormat.PlainText)]


def test_a_funnels_time_to_convert_line_shows_its_groups_as_text(make_window: Any, sqlite_url: str,
                                                                 qtbot: Any) -> None:
    """'By group — NAME: median …' names each breakdown group, a property value anyone can send."""
    _menu_db(sqlite_url, (TABLES,))
    window = make_window(sqlite_url)
    wait_panels(qtbot, window)
    funnels = window.show_panel("funnels")
    settle(qtbot, funnels)
    funnels.set_query({**funnels.query(), "steps": [{"event": e, "where": []} for e in ("Signed Up", "Order Completed")],
                       "breakdown": "plan", "view": "time_to_convert"})
    funnels.refresh()
    settle(qtbot, funnels)
    assert f"By group — {TABLES}: median 1h 00m (1).   ·   " in label_shows(funnels.summary)
