"""The open SQLite file replaced (an export copied over it, the demo made again) or deleted while
the window shows it. Before, the panels kept the old file's numbers and Live View went on polling
the old file, without a word."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.core.database import open_database
from app.core.schema import events
from app.ui.panels.live_view import LiveViewPanel
from app.ui.widgets.state_bar import StateBar
from tests.ui.conftest import insert_events, make_rows, wait_panels


def test_the_window_shows_the_new_file_and_says_the_old_one_was_replaced(
        make_window: Any, filled_db: Any, qtbot: Any, tmp_path: Path) -> None:
    url, engine = filled_db
    path = Path(engine.url.database)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(events)).scalar_one() == 1500
    window = make_window(url)
    live: LiveViewPanel = window.panels["live"]
    live.interval.setValue(0.2)
    qtbot.waitUntil(lambda: live.loaded and live.model.rowCount() > 7, timeout=10_000)

    other = tmp_path / "export.sqlite"
    new = open_database(other)
    insert_events(new, make_rows(7, seed=3))
    with new.connect() as conn:
        new_ids = [int(r[0]) for r in conn.execute(select(events.c.id).order_by(events.c.id.desc()))]
    new.dispose()
    os.replace(other, path)

    # Live View's next poll finds the file replaced: every panel asks the new file again.
    qtbot.waitUntil(lambda: live.loaded and live.model.ids() == new_ids, timeout=10_000)
    assert window.statusBar().currentMessage() == f"The database file {path} was replaced by another file while open."
    wait_panels(qtbot, window)

    path.unlink()
    qtbot.waitUntil(lambda: live.state_bar.state == StateBar.ERROR, timeout=10_000)
    assert f"the database file {path} was deleted or moved while in use" in live.state_bar.message
    assert window.statusBar().currentMessage() == f"The database file {path} was deleted or moved while open."
    assert not path.exists()
