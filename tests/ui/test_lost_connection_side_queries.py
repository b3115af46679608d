"""A lost connection met by a panel's side query (not its main one) is shown in the panel while
it is retried, and the panel recovers by itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QPushButton

import app.query
from app.core.database import open_database
from app.ui.panels.users_model import PAGE_SIZE
from app.ui.widgets.state_bar import StateBar
from tests.support.outage import Outage
from tests.ui.conftest import insert_users
from tests.ui.test_profile_panel import person_event_ids


def test_user_explorer_pages_fetched_while_the_server_is_gone_say_so(
        make_window: Any, sqlite_url: str, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scrolled down while the connection was lost (a PostgreSQL server restarting), the table
    showed rows of '…' with an idle state bar for as long as the server was away: the page
    query's retries were not shown. Tried by hand on a stopped and restarted PostgreSQL."""
    engine = open_database(sqlite_url)
    insert_users(engine, 3 * PAGE_SIZE)
    engine.dispose()
    window = make_window(sqlite_url)
    panel = window.show_panel("users")
    model = panel.model
    qtbot.waitUntil(lambda: model.rowCount() == 3 * PAGE_SIZE and not panel.busy, timeout=20_000)
    model._channel.backoff = (0.05, 0.1, 0.2)
    outage = Outage()
    monkeypatch.setattr(app.query, "run_query", outage.cut(app.query.run_query))
    last = 3 * PAGE_SIZE - 1
    panel.table.scrollToBottom()
    qtbot.waitUntil(lambda: panel.state_bar.state == StateBar.RECONNECTING, timeout=10_000)
    assert "reconnecting" in panel.state_bar.message
    assert window.connection.state == "reconnecting"
    assert model.data(model.index(last, 0)) == "…"
    outage.end()
    qtbot.waitUntil(lambda: model.data(model.index(last, 0)) not in (None, "…"), timeout=10_000)
    qtbot.waitUntil(lambda: panel.state_bar.state == StateBar.IDLE, timeout=10_000)
    assert window.connection.state == "connected"


def test_profile_older_events_asked_while_the_server_is_gone_say_so(
        cust_x_profile: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """'Load older events' while the connection was lost said 'Loading…' on its button, under an
    idle state bar, until the server came back."""
    window, panel, engine = cust_x_profile
    connection = window.connection
    panel._more_channel.backoff = (0.05, 0.1, 0.2)
    outage = Outage()
    outage.cut_query_jobs(monkeypatch, connection)
    panel.more_button.click()
    qtbot.waitUntil(lambda: panel.state_bar.state == StateBar.RECONNECTING, timeout=10_000)
    assert connection.state == "reconnecting"
    outage.end()
    qtbot.waitUntil(lambda: not panel.loading_more, timeout=10_000)
    assert panel.timeline_ids() == person_event_ids(engine, "cust-x")[:2 * 50]
    assert panel.state_bar.state == StateBar.IDLE and connection.state == "connected"


def test_a_user_export_started_while_the_server_is_gone_says_so(
        make_window: Any, filled_db: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Export… while the connection was lost showed a spinning bar and nothing else until the
    server came back: the export's retries were not shown."""
    import app.query.export

    window = make_window(filled_db[0])
    panel = window.show_panel("users")
    panel._export_channel.backoff = (0.05, 0.1, 0.2)
    outage = Outage()
    monkeypatch.setattr(app.query.export, "export_users_csv", outage.cut(app.query.export.export_users_csv))
    target = tmp_path / "persons.csv"
    panel.export_csv(target)
    qtbot.waitUntil(lambda: panel.state_bar.state == StateBar.RECONNECTING, timeout=10_000)
    assert window.connection.state == "reconnecting"
    outage.end()
    qtbot.waitUntil(lambda: not panel.exporting, timeout=10_000)
    assert panel.export_message.text() == "Exported 40 persons to persons.csv."
    assert len(target.read_text(encoding="utf-8").splitlines()) == 41
    assert panel.state_bar.state == StateBar.IDLE and window.connection.state == "connected"


def test_segmentation_event_counts_asked_while_the_server_is_gone_say_so(
        make_window: Any, filled_db: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The events picker's counts for a new range, asked while the connection was lost, kept the
    old counts under an idle state bar (the status bar saying connected) until the server was back."""
    window = make_window(filled_db[0])
    panel = window.panels["segmentation"]
    qtbot.waitUntil(lambda: panel.finished_once and panel.settled and panel.volume_key_shown is not None,
                    timeout=20_000)
    panel.volume_channel.backoff = (0.05, 0.1, 0.2)
    outage = Outage()
    outage.cut_every_job(monkeypatch, window.connection)
    panel.refresh_volumes(force=True)
    qtbot.waitUntil(lambda: panel.state_bar.state == StateBar.RECONNECTING, timeout=10_000)
    assert "reconnecting" in panel.state_bar.message
    assert window.connection.state == "reconnecting"
    outage.end()
    qtbot.waitUntil(lambda: not panel.volume_channel.busy, timeout=10_000)
    assert panel.state_bar.state == StateBar.IDLE and window.connection.state == "connected"


def messages_panel_with_a_draft(make_window: Any, qtbot: Any, sqlite_url: str, *,
                                chosen: bool = True) -> tuple[Any, Any]:
    from app.outbound.messages.store import save_campaign
    from tests.outbound.conftest import campaign_dict
    from tests.ui.test_messages_panel import NAME, population

    engine = open_database(sqlite_url)
    population(engine)
    save_campaign(engine, campaign_dict(holdout=0.3))
    engine.dispose()
    window = make_window(sqlite_url)
    panel = window.show_panel("messages")
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1 and panel.settled, timeout=20_000)
    if not chosen:
        return window, panel
    panel.select_campaign(NAME)
    qtbot.waitUntil(lambda: panel.settled and NAME in panel.results_label.text(), timeout=20_000)
    return window, panel


#: Each side query of the Messages panel: how to ask it, and what shows once it is answered.
MESSAGES_SIDE_QUERIES = {
    "audience count": (lambda p: p.recount(), lambda p: "people in the audience now" in p.editor.count_label.text()),
    "preview": (lambda p: (p.person.setText("u01"), p.preview()), lambda p: "Person: u01" in p.preview_text.toPlainText()),
    "results": (lambda p: p.load_results(), lambda p: "has not been sent" in p.results_label.text()),
    "save": (lambda p: p.save_campaign(), lambda p: p.editor_message.text().startswith("Saved")),
    "send now": (lambda p: p.send_now(), lambda p: "needs an SMTP server" in p.send_message.text()),
}


@pytest.mark.parametrize("which", list(MESSAGES_SIDE_QUERIES))
def test_messages_side_queries_asked_while_the_server_is_gone_say_so(
        which: str, make_window: Any, sqlite_url: str, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The audience count, a preview, the results, Save campaign and Send now's plan, asked while
    the connection was lost, said 'counting…' or nothing under an idle state bar (the status bar
    still saying connected) until the server came back: their channels retried without a word."""
    window, panel = messages_panel_with_a_draft(make_window, qtbot, sqlite_url)
    ask, answered = MESSAGES_SIDE_QUERIES[which]
    for channel in (panel.count_channel, panel.preview_channel, panel.send_channel, panel.results_channel,
                    panel.save_channel):
        channel.backoff = (0.05, 0.1, 0.2)
    monkeypatch.setattr(panel, "confirm", lambda _title, _text: False)
    panel.preview_text.setPlainText("")
    panel.results_label.setText("")
    outage = Outage()
    outage.cut_every_job(monkeypatch, window.connection)
    ask(panel)
    qtbot.waitUntil(lambda: panel.state_bar.state == StateBar.RECONNECTING, timeout=10_000)
    assert "reconnecting" in panel.state_bar.message
    assert window.connection.state == "reconnecting"
    outage.end()
    qtbot.waitUntil(lambda: answered(panel) and panel.settled, timeout=20_000)
    assert panel.state_bar.state == StateBar.IDLE and window.connection.state == "connected"


def test_retry_in_the_state_bar_tries_the_side_query_that_lost_its_connection(
        make_window: Any, sqlite_url: str, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry, pressed once the server was back while the audience count waited for its next try,
    ran the campaign list again and left 'counting…' until the count's own wait (up to 30 s) ran
    out: the button retried the panel's main query, not the one that had lost its connection."""
    window, panel = messages_panel_with_a_draft(make_window, qtbot, sqlite_url)
    panel.count_channel.backoff = (60.0,)
    outage = Outage()
    outage.cut_every_job(monkeypatch, window.connection)
    panel.recount()
    qtbot.waitUntil(lambda: panel.state_bar.state == StateBar.RECONNECTING, timeout=10_000)
    outage.end()
    panel.state_bar.findChild(QPushButton, "retryButton").click()
    qtbot.waitUntil(lambda: "people in the audience now" in panel.editor.count_label.text(), timeout=10_000)
    assert panel.state_bar.state == StateBar.IDLE and window.connection.state == "connected"


def test_an_export_cancelled_while_the_server_is_gone_stops_saying_reconnecting(
        make_window: Any, filled_db: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Cancel on an export waiting to reconnect said 'Export cancelled.' under a state bar still
    saying 'Connection lost — reconnecting… (next try in 30 s)', and the status bar 'reconnecting…',
    for good: nothing was trying any more."""
    import app.query.export

    window = make_window(filled_db[0])
    panel = window.show_panel("users")
    qtbot.waitUntil(lambda: panel.finished_once and panel.settled, timeout=20_000)
    panel._export_channel.backoff = (60.0,)
    monkeypatch.setattr(app.query.export, "export_users_csv", Outage().cut(app.query.export.export_users_csv))
    panel.export_csv(tmp_path / "persons.csv")
    qtbot.waitUntil(lambda: panel.state_bar.state == StateBar.RECONNECTING, timeout=10_000)
    assert window.connection.state == "reconnecting"
    panel.export_cancel.click()
    assert panel.export_message.text() == "Export cancelled."
    assert panel.state_bar.state != StateBar.RECONNECTING and "reconnecting" not in panel.state_bar.message
    assert window.connection.state != "reconnecting"
    assert "reconnecting" not in window.connection_label.text()
