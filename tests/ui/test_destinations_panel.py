"""The Destinations panel driven through its widgets against a real local receiver (SQLite)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate

from app.core.database import open_database
from app.outbound.destinations.config import parse_destinations
from app.outbound.destinations.forwarder import DestinationWorker
from app.outbound.retry import Backoff
from app.ui.panels.destinations import DestinationsPanel
from app.ui.widgets.sparkline import ROLE as SPARK_ROLE
from tests.outbound.destinations_support import Receiver, store_messages, track, write_destinations
from tests.support.receivers import KeepAliveReceiver


def cells(panel: DestinationsPanel, table: Any, row: int = 0) -> list[str]:
    return [table.item(row, c).text() for c in range(table.columnCount())]


def test_status_dead_letters_pause_resume_retry_and_replay(make_window: Any, sqlite_url: str, qtbot: Any,
                                                           tmp_path: Path) -> None:
    engine = open_database(sqlite_url)
    rx = Receiver().start()
    try:
        store_messages(engine, [track(i, price=i) for i in range(9)])
        spec = {"name": "ops-webhook", "type": "webhook", "url": rx.url, "batch": 3}
        file = write_destinations(tmp_path / "destinations.json", [spec])
        rx.script = [(200, {}), (400, {})]
        (dest,) = parse_destinations([spec])
        worker = DestinationWorker(engine, dest, backoff=Backoff(0.01, 0.05))
        worker.catch_up()
        worker.close()
        store_messages(engine, [track(i, price=i) for i in range(9, 14)])

        window = make_window(sqlite_url)
        panel: DestinationsPanel = window.show_panel("destinations")  # type: ignore[assignment]
        assert panel.table.rowCount() == 0 and "No destinations file" in panel.file_label.text()
        panel.set_destinations_file(str(file))
        qtbot.waitUntil(lambda: panel.table.rowCount() == 1 and not panel.busy, timeout=20_000)
        row = cells(panel, panel.table)
        assert row[:6] == ["ops-webhook", "webhook", "idle", "6", "6", "5"] and row[8] == "1"
        assert "dead letter: HTTP 400" in row[9]
        recent = panel.table.item(0, 4).data(SPARK_ROLE)  # the sparkline: all six in the current half hour
        assert sum(recent) == 6 and recent[-1] == 6 and len(recent) == 48
        assert "6 messages delivered in the last 24 hours" in panel.table.item(0, 4).toolTip()
        assert panel.dead.rowCount() == 1 and cells(panel, panel.dead)[3] == "400"
        assert "refused: bad field" in cells(panel, panel.dead)[4]
        if os.environ.get("TRACKLENS_SCREENSHOT_DIR"):  # docs/screenshots/destinations.png
            dock = window.docks["destinations"]
            dock.setFloating(True)
            dock.resize(1250, 520)
            qtbot.wait(200)
            panel.grab().save(str(Path(os.environ["TRACKLENS_SCREENSHOT_DIR"]) / "destinations.png"))

        panel.pause_button.click()
        qtbot.waitUntil(lambda: not panel.busy and cells(panel, panel.table)[2] == "paused", timeout=20_000)
        panel.resume_button.click()
        qtbot.waitUntil(lambda: not panel.busy and cells(panel, panel.table)[2] == "idle", timeout=20_000)

        panel.retry_button.click()
        qtbot.waitUntil(lambda: not panel.busy and panel.dead.rowCount() == 0, timeout=20_000)
        assert "re-sent 3 message(s)" in panel.message.text()
        assert sorted(m["messageId"] for m in rx.delivered()) == [f"m-{i:05d}" for i in range(9)]

        rx.hits.clear()
        panel.from_date.setDate(panel.from_date.date().fromString("2026-11-02", "yyyy-MM-dd"))
        panel.to_date.setDate(panel.to_date.date().fromString("2026-11-03", "yyyy-MM-dd"))
        panel.replay_button.click()
        qtbot.waitUntil(lambda: not panel.busy and "replayed" in panel.message.text(), timeout=20_000)
        assert sorted(m["timestamp"][:10] for m in rx.delivered()) == ["2026-11-02", "2026-11-03"]
        assert cells(panel, panel.table)[5] == "5"  # the replay left the cursor alone
    finally:
        rx.stop()
        engine.dispose()


def test_the_destinations_file_is_edited_in_the_app_and_checked_before_saving(
        make_window: Any, sqlite_url: str, qtbot: Any, tmp_path: Path) -> None:
    """Issue 15: 'also editable in the app'. A file the forwarder would refuse is never saved."""
    import json

    file = write_destinations(tmp_path / "destinations.json",
                              [{"name": "one", "type": "webhook", "url": "http://127.0.0.1:9/hook"}])
    before = file.read_text()
    open_database(sqlite_url).dispose()  # opening never creates one
    window = make_window(sqlite_url)
    panel: DestinationsPanel = window.show_panel("destinations")  # type: ignore[assignment]
    panel.set_destinations_file(str(file))
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1 and not panel.busy, timeout=20_000)
    editor = panel.edit_file()
    assert json.loads(editor.text.toPlainText())[0]["name"] == "one"
    editor.text.setPlainText('[{"name": "two", "type": "webhook"}]')  # no url
    with qtbot.waitSignal(editor.checked, timeout=20_000):
        editor.save_to(str(file))
    assert not editor.ok and editor.isVisible()
    assert "✖" in editor.status.text() and "url" in editor.status.text()
    assert file.read_text() == before
    editor.text.setPlainText(json.dumps([{"name": "one", "type": "webhook", "url": "http://127.0.0.1:9/hook"},
                                         {"name": "two", "type": "segment", "url": "http://127.0.0.1:9",
                                          "write_key": "k"}]))
    with qtbot.waitSignal(editor.checked, timeout=20_000):
        editor.check()
    assert editor.ok and "2 destinations: one, two" in editor.status.text()
    with qtbot.waitSignal(editor.saved, timeout=20_000):
        editor.save_to(str(file))  # and the dialog closes
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2 and not panel.busy, timeout=20_000)
    assert [panel.table.item(r, 0).text() for r in range(2)] == ["one", "two"]


def test_saving_the_destinations_file_keeps_its_permissions_link_and_leaves_no_temporary_file(
        qtbot: Any, tmp_path: Path) -> None:
    """The editor saved through a temporary file made with mode 0600 and renamed over the file:
    a `tracklens collect --destinations` running as another user could no longer read it, a
    symbolic link became a plain file, and a failed write left a tmp*.tmp behind."""
    from app.ui.dialogs.destinations_editor import DestinationsEditor

    real = write_destinations(tmp_path / "real.json",
                              [{"name": "one", "type": "webhook", "url": "http://127.0.0.1:9/hook"}])
    real.chmod(0o644)
    link = tmp_path / "destinations.json"
    link.symlink_to(real)
    editor = DestinationsEditor(str(link))
    qtbot.addWidget(editor)
    editor.text.setPlainText('[{"name": "two", "type": "webhook", "url": "http://127.0.0.1:9/two"}]')
    with qtbot.waitSignal(editor.saved, timeout=20_000):
        editor.save_to(str(link))
    assert link.is_symlink() and '"two"' in real.read_text()
    assert (real.stat().st_mode & 0o777) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["destinations.json", "real.json"]


def test_a_destinations_file_or_paste_over_the_loaders_cap_is_refused_in_one_line(
        qtbot: Any, tmp_path: Path) -> None:
    """A 50 MB file chosen by mistake was read whole into the editor (the window froze while Qt
    laid it out, and Check parsed it on the GUI thread), and 50 MB pasted likewise: the editor now
    keeps the loader's cap (MAX_DESTINATIONS_BYTES) and says so in the loader's words."""
    import time

    from PySide6.QtCore import QMimeData
    from PySide6.QtWidgets import QApplication

    from app.outbound.destinations.config import MAX_DESTINATIONS_BYTES, DestinationError, load_destinations
    from app.ui.dialogs.destinations_editor import DestinationsEditor

    big = tmp_path / "destinations.json"
    item = '{"name": "x", "type": "webhook", "url": "http://127.0.0.1:9/hook"}, '
    big.write_text("[" + item * (50_000_000 // len(item)) + "1]")
    with pytest.raises(DestinationError) as loader:
        load_destinations(big)
    started = time.perf_counter()
    editor = DestinationsEditor(str(big))
    qtbot.addWidget(editor)
    assert time.perf_counter() - started < 1.0
    assert editor.status.text() == f"✖ {loader.value}" == (
        f"✖ {big} is over {MAX_DESTINATIONS_BYTES:,} bytes, too large for a destinations file")
    assert editor.text.toPlainText() == ""
    with qtbot.waitSignal(editor.checked, timeout=20_000):
        editor.check()
    assert not editor.ok and big.stat().st_size > 50_000_000 - len(item)  # the file is left as it was

    pasted = QMimeData()
    pasted.setText("[" + item * (50_000_000 // len(item)) + "1]")
    started = time.perf_counter()
    editor.text.insertFromMimeData(pasted)
    assert time.perf_counter() - started < 2.0
    assert editor.text.toPlainText() == ""
    assert editor.status.text() == (f"✖ not pasted: the text is over {MAX_DESTINATIONS_BYTES:,} bytes, "
                                    "too large for a destinations file")
    near = QMimeData()  # under the cap in characters, over it in bytes
    near.setText('["' + "é" * (MAX_DESTINATIONS_BYTES // 2) + '"]')
    editor.text.insertFromMimeData(near)
    assert editor.text.toPlainText() == "" and editor.status.text().startswith("✖ not pasted")
    fits = QMimeData()
    fits.setText('[{"name": "two", "type": "webhook", "url": "http://127.0.0.1:9/two"}]')
    editor.text.insertFromMimeData(fits)
    QApplication.processEvents()
    with qtbot.waitSignal(editor.checked, timeout=20_000):
        editor.check()
    assert editor.ok and editor.status.text() == "✔ 1 destination: two"


def _panel_to_replay(make_window: Any, sqlite_url: str, qtbot: Any, tmp_path: Path, url: str,
                     days: int) -> DestinationsPanel:
    """A panel showing one webhook destination to `url` (batches of 3), nothing forwarded yet, its
    replay range set to the `days` events stored, one a day from 2026-11-01."""
    engine = open_database(sqlite_url)
    store_messages(engine, [track(i) for i in range(days)])
    engine.dispose()
    file = write_destinations(tmp_path / "destinations.json",
                              [{"name": "ops-webhook", "type": "webhook", "url": url, "batch": 3}])
    window = make_window(sqlite_url)
    panel: DestinationsPanel = window.show_panel("destinations")  # type: ignore[assignment]
    panel.set_destinations_file(str(file))
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1 and panel.settled, timeout=20_000)
    assert cells(panel, panel.table)[5] == str(days)  # nothing forwarded yet
    panel.from_date.setDate(QDate(2026, 11, 1))
    panel.to_date.setDate(QDate(2026, 11, days))
    return panel


def _replaying_panel(make_window: Any, sqlite_url: str, qtbot: Any, tmp_path: Path,
                     rx: Receiver) -> DestinationsPanel:
    """A panel replaying 2026-11-01 to 2026-11-12 (12 events, batches of 3) to `rx`, whose answer
    to the first batch is held (rx.hold) until the test releases it."""
    panel = _panel_to_replay(make_window, sqlite_url, qtbot, tmp_path, rx.url, 12)
    rx.hold = threading.Event()
    panel.replay_button.click()
    qtbot.waitUntil(lambda: rx.arrived == 1, timeout=20_000)
    return panel


def test_a_refresh_during_a_replay_keeps_what_the_replay_did(make_window: Any, sqlite_url: str, qtbot: Any,
                                                             tmp_path: Path) -> None:
    """F5 (or a new file) while a replay ran: the replay went on sending, but its 'replayed N
    message(s)' never showed, so nothing said it had finished or what it sent."""
    rx = Receiver().start()
    try:
        panel = _replaying_panel(make_window, sqlite_url, qtbot, tmp_path, rx)
        panel.refresh()  # what F5 does
        qtbot.waitUntil(lambda: not panel.busy, timeout=20_000)
        assert "replaying 2026-11-01 to 2026-11-12" in panel.message.text()
        assert not panel.replay_button.isEnabled()  # one action at a time
        assert rx.hold is not None
        rx.hold.set()
        qtbot.waitUntil(lambda: panel.settled, timeout=20_000)
        assert panel.message.text() == "ops-webhook: replayed 12 message(s) from 2026-11-01 to 2026-11-12"
        assert len(rx.delivered()) == 12
        assert cells(panel, panel.table)[5] == "12"  # the replay left the cursor alone
        assert panel.replay_button.isEnabled()
    finally:
        if rx.hold is not None:
            rx.hold.set()
        rx.stop()


@pytest.mark.parametrize("how", ["button", "panel"])
def test_cancel_stops_a_replay_after_its_batch_and_says_what_was_sent(
        make_window: Any, sqlite_url: str, qtbot: Any, tmp_path: Path, how: str) -> None:
    """Cancel during a replay: the replay ignored it and sent every batch of the range, while the
    panel dropped its answer; it now stops after the batch being sent and says what was. `how`:
    the Cancel beside Replay, or the panel's cancel (its state bar's Cancel; the window closing)."""
    rx = Receiver().start()
    try:
        panel = _replaying_panel(make_window, sqlite_url, qtbot, tmp_path, rx)
        if how == "button":
            assert panel.stop_button.isEnabled()
            panel.stop_button.click()
        else:
            panel.cancel()
        assert rx.hold is not None
        rx.hold.set()  # the first batch is answered; no other is sent
        qtbot.waitUntil(lambda: panel.settled, timeout=20_000)
        assert panel.message.text() == ("ops-webhook: replayed 3 message(s) from 2026-11-01 to 2026-11-12, "
                                        "then cancelled (the rest was not sent)")
        assert [m["messageId"] for m in rx.delivered()] == ["m-00000", "m-00001", "m-00002"]
        assert rx.arrived == 1
        assert cells(panel, panel.table)[5] == "12"
        assert not panel.stop_button.isEnabled() and panel.replay_button.isEnabled()
    finally:
        if rx.hold is not None:
            rx.hold.set()
        rx.stop()


def test_a_replay_stopped_by_closing_its_database_leaves_the_actions_usable(
        make_window: Any, sqlite_url: str, qtbot: Any, tmp_path: Path) -> None:
    """Another database opened during a replay stops the replay (quietly: its answer belongs to
    the old database); the panel's actions must not stay disabled as if it still ran."""
    rx = Receiver().start()
    try:
        panel = _replaying_panel(make_window, sqlite_url, qtbot, tmp_path, rx)
        token, hold = panel._action_token, rx.hold
        assert token is not None and hold is not None
        # The batch in flight is answered once the replay is told to stop (the old connection
        # then waits for it before it closes).
        threading.Thread(target=lambda: (token.stop.wait(15), hold.set()), daemon=True).start()
        other = tmp_path / "other.sqlite"
        open_database(f"sqlite:///{other}").dispose()
        panel.window().open_database(f"sqlite:///{other}")
        qtbot.waitUntil(lambda: panel.context.connection is not None and panel.settled, timeout=20_000)
        assert token.stop.is_set() and rx.arrived == 1
        assert panel.replay_button.isEnabled() and not panel.stop_button.isEnabled()
    finally:
        if rx.hold is not None:
            rx.hold.set()
        rx.stop()


def test_a_replay_closes_its_connection_to_the_destination_once_it_has_ended(
        make_window: Any, sqlite_url: str, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Replay closed its httpx client only: the kept-alive connection its direct client (the
    standard library's http.client, app/outbound/destinations/direct.py) had opened to the
    destination stayed open after 'replayed N message(s)' showed, an idle connection to the
    receiver held by nothing but a reference cycle, until Python's cycle collector happened to
    run (and closed the socket with a ResourceWarning 'unclosed socket'). The test keeps the
    replay's direct client, as a collector that has not run yet does: the receiver must see the
    connection closed all the same."""
    import app.outbound.destinations.forwarder as forwarder

    made: list[Any] = []
    real = forwarder.DirectClient

    def kept(*args: Any, **kwargs: Any) -> Any:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(forwarder, "DirectClient", kept)
    rx = KeepAliveReceiver()
    try:
        panel = _panel_to_replay(make_window, sqlite_url, qtbot, tmp_path, rx.url, 6)
        panel.replay_button.click()
        qtbot.waitUntil(lambda: panel.settled and "replayed" in panel.message.text(), timeout=20_000)
        assert panel.message.text() == "ops-webhook: replayed 6 message(s) from 2026-11-01 to 2026-11-06"
        assert len(made) == 1 and rx.posts == 2 and rx.connections == 1  # both batches on one connection
        qtbot.waitUntil(lambda: rx.open == 0, timeout=10_000)
    finally:
        rx.close()


def test_a_destinations_file_that_is_wrong_says_why_on_refresh_and_on_an_action(
        make_window: Any, sqlite_url: str, qtbot: Any, tmp_path: Path) -> None:
    """A file that cannot be read as destinations empties the tables and says why, whether the
    panel was refreshing or about to replay (the file changed on disk since it was shown)."""
    open_database(sqlite_url).dispose()
    file = write_destinations(tmp_path / "destinations.json",
                              [{"name": "ops-webhook", "type": "webhook", "url": "http://127.0.0.1:9/x"}])
    window = make_window(sqlite_url)
    panel: DestinationsPanel = window.show_panel("destinations")  # type: ignore[assignment]
    panel.set_destinations_file(str(file))
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1 and panel.settled, timeout=20_000)
    file.write_text('[{"name": "ops webhook", "type": "webhook", "url": "http://127.0.0.1:9/x"}]', encoding="utf-8")
    panel.replay_button.click()
    qtbot.waitUntil(lambda: panel.settled and panel.table.rowCount() == 0, timeout=20_000)
    wrong = panel.message.text()
    assert wrong.startswith("destinations[0].name must be letters") and "'ops webhook'" in wrong
    assert not panel.replay_button.isEnabled()  # the action is over, and no destination is left to act on
    file.write_text("[1, 2", encoding="utf-8")
    panel.refresh()
    qtbot.waitUntil(lambda: panel.settled and panel.message.text() != wrong, timeout=20_000)
    assert panel.table.rowCount() == 0 and panel.dead.rowCount() == 0
    assert "destinations.json" in panel.message.text()
    write_destinations(file, [{"name": "ops-webhook", "type": "webhook", "url": "http://127.0.0.1:9/x"}])
    panel.refresh()
    qtbot.waitUntil(lambda: panel.settled and panel.table.rowCount() == 1, timeout=20_000)
    assert panel.replay_button.isEnabled()  # usable again once the file is right


def test_the_actions_wait_for_a_destination_to_act_on(make_window: Any, sqlite_url: str, qtbot: Any,
                                                      tmp_path: Path) -> None:
    """With no destinations file (a new user's first look) Pause, Resume, Re-send dead letters and
    Replay were enabled and said only 'Select a destination first.', with nothing to select.
    They are enabled once a destination is there (selected), and not when a file holds none."""
    open_database(sqlite_url).dispose()
    window = make_window(sqlite_url)
    panel: DestinationsPanel = window.show_panel("destinations")  # type: ignore[assignment]
    qtbot.waitUntil(lambda: panel.settled, timeout=20_000)
    actions = (panel.pause_button, panel.resume_button, panel.retry_button, panel.replay_button)
    assert panel.file is None and not any(button.isEnabled() for button in actions)
    file = write_destinations(tmp_path / "destinations.json",
                              [{"name": "ops-webhook", "type": "webhook", "url": "http://127.0.0.1:9/x"}])
    panel.set_destinations_file(str(file))
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1 and panel.settled, timeout=20_000)
    assert panel.selected_name() == "ops-webhook" and all(button.isEnabled() for button in actions)
    write_destinations(file, [])
    panel.refresh()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 0 and panel.settled, timeout=20_000)
    assert not any(button.isEnabled() for button in actions)


@pytest.mark.parametrize("text", ["", "  \n\t"], ids=["nothing", "white space"])
def test_checking_an_empty_editor_says_what_to_write(text: str) -> None:
    """Check on an empty editor said '✖ Expecting value: line 1 column 1 (char 0)'."""
    from app.outbound.destinations.config import EXAMPLE
    from app.ui.dialogs.destinations_editor import check_text

    good, line = check_text(text)
    assert not good
    assert line == f"✖ empty: a destinations file is a JSON list of destinations, e.g. {EXAMPLE}"
    assert check_text(EXAMPLE)[0] and parse_destinations(json.loads(EXAMPLE))
