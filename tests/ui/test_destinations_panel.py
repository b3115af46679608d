"""The Destinations panel driven through its widgets against a real local receiver (SQLite)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from app.core.database import open_database
from app.outbound.destinations.config import parse_destinations
from app.outbound.destinations.forwarder import DestinationWorker
from app.outbound.retry import Backoff
from app.ui.panels.destinations import DestinationsPanel
from app.ui.widgets.sparkline import ROLE as SPARK_ROLE
from tests.outbound.destinations_support import Receiver, store_messages, track, write_destinations


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
    assert not editor.save_to(str(file))
    assert "✖" in editor.status.text() and "url" in editor.status.text()
    assert file.read_text() == before
    editor.text.setPlainText(json.dumps([{"name": "one", "type": "webhook", "url": "http://127.0.0.1:9/hook"},
                                         {"name": "two", "type": "segment", "url": "http://127.0.0.1:9",
                                          "write_key": "k"}]))
    assert editor.check() and "2 destinations: one, two" in editor.status.text()
    editor.save_to(str(file))
    editor.accept()
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
    assert editor.save_to(str(link))
    assert link.is_symlink() and '"two"' in real.read_text()
    assert (real.stat().st_mode & 0o777) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["destinations.json", "real.json"]
