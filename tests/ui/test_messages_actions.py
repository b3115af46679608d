"""The Messages panel's list actions and side answers in the order a user makes them: Save
campaign and Delete one after the other (each outcome shown, the database left as the last
action said), and the audience count and preview never showing one campaign's answer beside
another. Each race is made deterministic by holding the older job with a threading.Event."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

import app.outbound.messages.store as store
import app.outbound.messages.workbench as workbench
from app.core.database import DatabaseError, open_database
from app.outbound.messages.store import load_campaigns, save_campaign
from app.ui.panels.messages import MessagesPanel
from tests.outbound.conftest import campaign_dict
from tests.ui.test_messages_panel import NAME, population

OTHER = "Welcome every woman"
#: The second campaign's audience (every woman: 10 of the 20 people) differs from NAME's (7).
OTHER_AUDIENCE = {"where": [{"trait": "gender", "op": "eq", "value": "female"}], "did": []}
OTHER_SUBJECT = "Welcome, {{ traits.name }}"


class Hold:
    """Wraps a module function so that its calls wait for `release()` before doing their work
    (`started` is set when a call waits, `returned` when it has ended)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> None:
        self.release_event = threading.Event()
        self.started = threading.Event()
        self.returned = threading.Event()
        real: Callable[..., Any] = getattr(module, name)

        def held(*args: Any, **kwargs: Any) -> Any:
            try:
                self.started.set()
                self.release_event.wait(15)
                return real(*args, **kwargs)
            finally:
                self.returned.set()

        monkeypatch.setattr(module, name, held)

    def release(self) -> None:
        self.release_event.set()


def two_campaigns(make_window: Any, qtbot: Any, sqlite_url: str) -> tuple[Any, MessagesPanel]:
    engine = open_database(sqlite_url)
    population(engine)
    save_campaign(engine, campaign_dict(holdout=0.3))
    save_campaign(engine, campaign_dict(name=OTHER, audience=OTHER_AUDIENCE,
                                        channel={**campaign_dict()["channel"], "subject": OTHER_SUBJECT}))
    engine.dispose()
    window = make_window(sqlite_url)
    panel: MessagesPanel = window.show_panel("messages")  # type: ignore[assignment]
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2 and panel.settled, timeout=20_000)
    return window, panel


def stored(sqlite_url: str) -> dict[str, dict[str, Any]]:
    engine = open_database(sqlite_url)
    try:
        return {c["name"]: c for c in load_campaigns(engine)}
    finally:
        engine.dispose()


def edit_and_save(panel: MessagesPanel, subject: str) -> None:
    panel.select_campaign(NAME)
    panel.editor.subject.setText(subject)
    panel.save_button.click()


# ----------------------------------------------------------------- Save campaign, then Delete
def test_delete_right_after_save_shows_both_outcomes(
        make_window: Any, sqlite_url: str, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Save campaign, then Delete of another campaign before the save had answered: the delete
    superseded the save on the panel's one channel, so 'Saved …' never showed (the user could
    not tell whether the edit was stored)."""
    _window, panel = two_campaigns(make_window, qtbot, sqlite_url)
    held = Hold(monkeypatch, store, "save_campaign")
    edit_and_save(panel, "Edited subject")
    qtbot.waitUntil(held.started.is_set, timeout=10_000)
    panel.select_campaign(OTHER)
    panel.delete_button.click()
    held.release()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1 and panel.settled, timeout=20_000)
    assert panel.editor_message.text() == f"Saved {NAME!r}."
    assert panel.list_message.text() == f"Deleted {OTHER!r} from the list (its ledger and events stay)."
    campaigns = stored(sqlite_url)
    assert list(campaigns) == [NAME] and campaigns[NAME]["channel"]["subject"] == "Edited subject"


def test_save_then_delete_of_the_same_campaign_leaves_it_deleted(
        make_window: Any, sqlite_url: str, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Save campaign, then Delete of that campaign: both ran at once on the connection's
    threads, so the delete could be done first and the save then stored the campaign again: the
    list showed it back though the user had deleted it last."""
    _window, panel = two_campaigns(make_window, qtbot, sqlite_url)
    held = Hold(monkeypatch, store, "save_campaign")
    edit_and_save(panel, "Edited subject")
    qtbot.waitUntil(held.started.is_set, timeout=10_000)
    panel.delete_button.click()  # NAME is still the selected campaign
    qtbot.wait(200)  # time for a delete running beside the held save to be done first
    held.release()
    qtbot.waitUntil(lambda: held.returned.is_set() and panel.settled, timeout=20_000)
    assert list(stored(sqlite_url)) == [OTHER]
    assert [panel.table.item(r, 0).text() for r in range(panel.table.rowCount())] == [OTHER]
    assert panel.editor_message.text() == f"Saved {NAME!r}."
    assert panel.list_message.text() == f"Deleted {NAME!r} from the list (its ledger and events stay)."


def test_a_save_waiting_for_the_server_is_not_lost_to_a_delete(
        make_window: Any, sqlite_url: str, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Save campaign while the connection was lost (it waits to try again), then Delete of
    another campaign: the delete cancelled the waiting save, which was never stored and never
    said so; only the delete happened once the server was back."""
    _window, panel = two_campaigns(make_window, qtbot, sqlite_url)
    panel.save_channel.backoff = (0.05, 0.1, 0.2)
    down = {"on": True}
    for name in ("save_campaign", "delete_campaign"):
        real = getattr(store, name)

        def unreachable(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
            if down["on"]:
                raise DatabaseError("cannot reach the database server (connection refused)")
            return _real(*args, **kwargs)

        monkeypatch.setattr(store, name, unreachable)
    edit_and_save(panel, "Edited while away")
    qtbot.waitUntil(lambda: panel.save_channel.waiting_for_server, timeout=10_000)
    panel.select_campaign(OTHER)
    panel.delete_button.click()
    down["on"] = False
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1 and panel.settled, timeout=20_000)
    campaigns = stored(sqlite_url)
    assert list(campaigns) == [NAME] and campaigns[NAME]["channel"]["subject"] == "Edited while away"
    assert panel.editor_message.text() == f"Saved {NAME!r}."
    assert panel.list_message.text() == f"Deleted {OTHER!r} from the list (its ledger and events stay)."


# ----------------------------------------------------------------- count and preview of the campaign shown
def count_shown(panel: MessagesPanel) -> str:
    return panel.editor.count_label.text()


@pytest.mark.parametrize("switch", ["another campaign", "New"])
def test_the_count_and_preview_of_the_campaign_left_are_never_shown_beside_the_next(
        switch: str, make_window: Any, sqlite_url: str, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another campaign chosen (or New): for the 300-400 ms before the new count and preview
    were asked, the editor showed the campaign left's audience count ('7 people') and its
    preview (its subject) beside the campaign now shown; an answer of the campaign left still
    coming in that time was shown too."""
    _window, panel = two_campaigns(make_window, qtbot, sqlite_url)
    panel.select_campaign(NAME)
    panel.person.setText("u01")
    panel.preview()
    qtbot.waitUntil(lambda: not panel.counting and not panel.previewing
                    and "<b>7</b> people" in count_shown(panel)
                    and "your beans are waiting" in panel.preview_text.toPlainText(), timeout=20_000)

    def choose() -> None:
        if switch == "New":
            panel.new_button.click()
        else:
            panel.select_campaign(OTHER)

    choose()
    assert "<b>7</b>" not in count_shown(panel)
    assert "your beans" not in panel.preview_text.toPlainText()
    qtbot.waitUntil(lambda: not panel.counting and not panel.previewing and "people" in count_shown(panel),
                    timeout=20_000)
    everyone, women = 20, 10  # New's audience is everyone
    assert f"<b>{everyone if switch == 'New' else women}</b> people" in count_shown(panel)

    # An answer for the campaign left, still on its way when the campaign changed, is not shown.
    panel.select_campaign(NAME)
    qtbot.waitUntil(lambda: not panel.counting and "<b>7</b> people" in count_shown(panel), timeout=20_000)
    held = Hold(monkeypatch, workbench, "audience_count")
    panel.recount()
    qtbot.waitUntil(held.started.is_set, timeout=10_000)
    choose()
    panel._count_timer.stop()  # the next campaign's count not asked yet (its 300 ms wait)
    held.release()
    qtbot.waitUntil(held.returned.is_set, timeout=10_000)
    qtbot.wait(200)  # the late answer reaches the GUI thread
    assert "<b>7</b>" not in count_shown(panel)
