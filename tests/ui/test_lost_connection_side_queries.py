"""A lost connection met by a panel's side query (not its main one) is shown in the panel while
it is retried, and the panel recovers by itself."""

from __future__ import annotations

from typing import Any

import pytest

import app.query
from app.core.database import DatabaseError, open_database
from app.ui.panels.users_model import PAGE_SIZE
from app.ui.widgets.state_bar import StateBar
from tests.ui.conftest import insert_users


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
