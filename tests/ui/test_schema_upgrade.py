"""Opening an older database migrates it; the panels say so first, since that can take minutes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, text

from app.core.database import open_database
from app.core.schema import SCHEMA_VERSION
from tests.ui.conftest import wait_panels


def test_opening_an_older_database_says_it_is_upgrading_then_upgrades_it(make_window: Any, qtbot: Any,
                                                                         sqlite_url: str) -> None:
    engine = open_database(sqlite_url)
    with engine.begin() as conn:  # as schema 4 left it: no event_person_hours
        conn.execute(text("DROP TABLE event_person_hours"))
        conn.execute(text("UPDATE tracklens_meta SET value = '4' WHERE key = 'schema_version'"))
    engine.dispose()
    window = make_window()
    said: list[str] = []
    window.context.connecting.connect(lambda message, _fraction: said.append(message))
    window.open_database(sqlite_url)
    wait_panels(qtbot, window)
    assert f"Upgrading the database from schema 4 to {SCHEMA_VERSION}" in " | ".join(said)
    engine = open_database(sqlite_url, create=False)
    with engine.connect() as conn:
        assert inspect(conn).has_table("event_person_hours")
    engine.dispose()
    said.clear()
    window.open_database(sqlite_url)  # current now: no upgrade message
    wait_panels(qtbot, window)
    assert said and not any("Upgrading" in m for m in said)
