"""A lost connection met by a panel's side query (not its main one) is shown in the panel while
it is retried, and the panel recovers by itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import app.query
from app.core.database import DatabaseError, open_database
from app.ui.panels.users_model import PAGE_SIZE
from app.ui.widgets.state_bar import StateBar
from tests.ui.conftest import insert_users
from tests.ui.test_profile_panel import long_history, person_event_ids


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
    down = {"on": True}
    real = app.query.run_query

    def unreachable(*args: Any, **kwargs: Any) -> Any:
        if down["on"]:
            raise DatabaseError("cannot reach the database server (connection refused)")
        return real(*args, **kwargs)

    monkeypatch.setattr(app.query, "run_query", unreachable)
    last = 3 * PAGE_SIZE - 1
    panel.table.scrollToBottom()
    qtbot.waitUntil(lambda: panel.state_bar.state == StateBar.RECONNECTING, timeout=10_000)
    assert "reconnecting" in panel.state_bar.message
    assert window.connection.state == "reconnecting"
    assert model.data(model.index(last, 0)) == "…"
    down["on"] = False
    qtbot.waitUntil(lambda: model.data(model.index(last, 0)) not in (None, "…"), timeout=10_000)
    qtbot.waitUntil(lambda: panel.state_bar.state == StateBar.IDLE, timeout=10_000)
    assert window.connection.state == "connected"


def test_profile_older_events_asked_while_the_server_is_gone_say_so(
        make_window: Any, shop_db: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """'Load older events' while the connection was lost said 'Loading…' on its button, under an
    idle state bar, until the server came back."""
    url, engine = shop_db
    long_history(engine)
    window = make_window(url)
    panel = window.panels["profile"]
    with qtbot.waitSignal(panel.query_finished, timeout=10_000):
        window.show_person("cust-x")
    connection = window.connection
    panel._more_channel.backoff = (0.05, 0.1, 0.2)
    down = {"on": True}
    real = connection.query_job

    def unreachable(spec: dict[str, Any]) -> Any:
        job = real(spec)

        def run(token: Any) -> Any:
            if down["on"]:
                raise DatabaseError("cannot reach the database server (connection refused)")
            return job(token)

        return run

    monkeypatch.setattr(connection, "query_job", unreachable)
    panel.more_button.click()
    qtbot.waitUntil(lambda: panel.state_bar.state == StateBar.RECONNECTING, timeout=10_000)
    assert connection.state == "reconnecting"
    down["on"] = False
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
    down = {"on": True}
    real = app.query.export.export_users_csv

    def unreachable(*args: Any, **kwargs: Any) -> Any:
        if down["on"]:
            raise DatabaseError("cannot reach the database server (connection refused)")
        return real(*args, **kwargs)

    monkeypatch.setattr(app.query.export, "export_users_csv", unreachable)
    target = tmp_path / "persons.csv"
    panel.export_csv(target)
    qtbot.waitUntil(lambda: panel.state_bar.state == StateBar.RECONNECTING, timeout=10_000)
    assert window.connection.state == "reconnecting"
    down["on"] = False
    qtbot.waitUntil(lambda: not panel.exporting, timeout=10_000)
    assert panel.export_message.text() == "Exported 40 persons to persons.csv."
    assert len(target.read_text(encoding="utf-8").splitlines()) == 41
    assert panel.state_bar.state == StateBar.IDLE and window.connection.state == "connected"
