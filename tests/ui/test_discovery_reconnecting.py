"""The window's discovery queries (the event and property names that fill the pickers) meeting a
lost connection: their retries show in the panels whose pickers they fill, as those panels' own
side queries' do, and stop showing once discovery is answered or refused."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QPushButton

from app.ui.widgets.state_bar import StateBar
from tests.support.outage import Outage
from tests.ui.conftest import wait_panels

#: The panels whose pickers discovery fills (event combos, filter rows, breakdowns).
PICKER_PANELS = ("segmentation", "funnels", "retention", "users", "live", "messages")


@pytest.mark.parametrize("then", ["answers", "refuses"])
def test_discovery_retrying_through_a_lost_connection_says_so_in_the_panels(
        then: str, make_window: Any, filled_db: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The event and property lists asked while the server was away (a PostgreSQL restart right
    after the window opened, F5 during a network drop) were retried without a word: empty
    event pickers under idle state bars, the status bar saying connected, until the server came
    back."""
    window = make_window(filled_db[0])
    panels = [window.show_panel(name) for name in PICKER_PANELS]
    wait_panels(qtbot, window)
    discovery = window.context.discovery
    qtbot.waitUntil(lambda: discovery.loaded_events and discovery.loaded_properties and all(p.settled for p in panels),
                    timeout=20_000)
    for channel in discovery.channels:
        channel.backoff = (0.05, 0.1, 0.2)
    outage = Outage()
    outage.cut_query_jobs(monkeypatch, window.connection, kind="discovery")
    discovery.refresh()
    qtbot.waitUntil(lambda: all(p.state_bar.state == StateBar.RECONNECTING for p in panels), timeout=10_000)
    assert all("reconnecting" in p.state_bar.message for p in panels)
    assert window.connection.state == "reconnecting"
    assert "reconnecting" in window.connection_label.text()

    if then == "answers":
        outage.end()
    else:
        outage.refuse("discovery refused")
    qtbot.waitUntil(lambda: not any(channel.busy for channel in discovery.channels), timeout=10_000)
    qtbot.waitUntil(lambda: all(p.state_bar.state != StateBar.RECONNECTING for p in panels), timeout=10_000)
    assert window.connection.state == "connected"
    assert "reconnecting" not in window.connection_label.text()
    if then == "answers":
        assert discovery.loaded_events and discovery.events()


def test_retry_in_a_panel_tries_discovery_again_now(
        make_window: Any, filled_db: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry in the bar that says discovery lost its connection tries discovery at once (not the
    panel's own query, which had been answered), and the bar is idle once discovery answers."""
    window = make_window(filled_db[0])
    panel = window.panels["segmentation"]
    wait_panels(qtbot, window)
    discovery = window.context.discovery
    qtbot.waitUntil(lambda: discovery.loaded_events and panel.settled, timeout=20_000)
    for channel in discovery.channels:
        channel.backoff = (60.0,)
    outage = Outage()
    outage.cut_query_jobs(monkeypatch, window.connection, kind="discovery")
    discovery.refresh()
    # Every discovery query has failed and waits for its next try: one still running when
    # Retry is clicked would fail after it and wait its 60 s.
    qtbot.waitUntil(lambda: panel.state_bar.state == StateBar.RECONNECTING
                    and all(channel.retrying or not channel.busy for channel in discovery.channels),
                    timeout=10_000)
    outage.end()
    panel.state_bar.findChild(QPushButton, "retryButton").click()
    qtbot.waitUntil(lambda: not any(channel.busy for channel in discovery.channels), timeout=10_000)
    qtbot.waitUntil(lambda: panel.state_bar.state == StateBar.IDLE, timeout=10_000)
    assert window.connection.state == "connected" and discovery.loaded_events
