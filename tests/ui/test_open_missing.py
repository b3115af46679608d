"""Opening a database that is not there creates nothing: the panels say so and offer to create
one (issue 16: `tracklens --db typo.sqlite` used to leave an empty file behind)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from tests.ui.conftest import wait_panels


def test_a_missing_file_is_not_created_until_asked(qtbot: Any, make_window: Any, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    typo = folder / "evnets.sqlite"
    window = make_window(f"sqlite:///{typo}", wait=False)
    panel = window.panels["segmentation"]
    qtbot.waitUntil(lambda: panel.state_bar.state == "error", timeout=20_000)
    assert f"No Tracklens database at {typo}" in panel.state_bar.message
    assert panel.state_bar.retry_button.text() == "Create an empty database here"
    assert not typo.exists() and list(folder.iterdir()) == []
    assert window.connection is None

    qtbot.mouseClick(panel.state_bar.retry_button, Qt.MouseButton.LeftButton)
    wait_panels(qtbot, window)
    assert typo.is_file() and window.connection is not None
    assert panel.last_error is None and panel.state_bar.retry_button.text() != "Create an empty database here"


def test_a_file_of_another_application_is_refused_not_offered(qtbot: Any, make_window: Any, tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "notes.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    before = other.read_bytes()
    window = make_window(f"sqlite:///{other}", wait=False)
    panel = window.panels["segmentation"]
    qtbot.waitUntil(lambda: panel.state_bar.state == "error", timeout=20_000)
    assert "is not a Tracklens database" in panel.state_bar.message
    assert panel.state_bar.retry_button.text() == "Retry"
    assert other.read_bytes() == before
