"""Ids, names and traits anyone with a public write key can send are shown as the characters they
are, never read as HTML: a 255-character userId of nested `<table>` tags froze the app (Qt's layout
of nested tables costs ~4x per level: 16 levels took 5 s, 36 fit in 255 characters) as soon as
its profile or a tool tip showed it (hostile-input defect hunt)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGui
from PySide6.QtGui import QTextDocument

from app.core.database import open_database
from app.ingest.writer import EventWriter
from app.ui.plain import plain_tip
from tests.ui.conftest import settle, wait_panels

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
    assert not editor.check() and editor.status.text() == "✖ the text is nested too deeply"
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
