"""The app on embedded ClickHouse (chDB): every analysis panel answers, the status bar names the
database, and Messages/Destinations say in one line why they do not run there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.core.database import open_database
from app.demo.generator import generate_demo
from app.ingest.writer import EventWriter
from tests.conftest import chdb_url
from tests.ui.conftest import wait_panels


def test_every_panel_works_on_a_chdb_database(qtbot: Any, make_window: Any, chdb_folder: Path) -> None:
    url = chdb_url(chdb_folder)
    engine = open_database(url)
    generate_demo(engine, 3000, seed=5, days=20, writer=EventWriter(engine, enrich=False))
    engine.dispose()
    window = make_window(url, wait=False)
    wait_panels(qtbot, window, timeout=60_000)
    assert window.connection_label.text().startswith("ClickHouse: chdb:///")
    for name, panel in window.panels.items():
        if name in ("messages", "destinations"):
            assert "needs transactions" in panel.state_bar.message, name
            assert not panel.body.isEnabled()
        else:
            assert panel.last_error is None, (name, panel.last_error)
    assert window.panels["segmentation"].last_result["series"]
