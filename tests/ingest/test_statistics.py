"""Databases Tracklens fills get planner statistics (issue 19): without them SQLite guesses
plans, and a fresh demo or import had none."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, text

from app.core.backends import backend_for
from app.demo.generator import generate_demo
from app.ingest.importer import import_files
from app.ingest.writer import EventWriter


def _analysed(engine: Engine) -> set[str]:
    """Tables the planner has statistics for."""
    with engine.connect() as conn:
        if backend_for(engine).label == "SQLite":
            return {row[0] for row in conn.execute(text("SELECT DISTINCT tbl FROM sqlite_stat1"))}
        return {row[0] for row in conn.execute(text(
            "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL "
            "OR last_autoanalyze IS NOT NULL"))}


def _versions_merged(engine: Engine) -> bool:
    """ClickHouse plans without statistics; what a bulk load leaves to do there is merging the
    person rows' versions, so reading `users` (FINAL) reads one row per person."""
    with engine.connect() as conn:
        return all(conn.execute(text(f"SELECT count() FROM {t}")).scalar()
                   == conn.execute(text(f"SELECT count() FROM {t} FINAL")).scalar()
                   for t in ("users_data", "identities_data"))


def test_a_fresh_demo_database_has_statistics(engine: Engine) -> None:
    generate_demo(engine, 2000, seed=3, days=10, writer=EventWriter(engine, enrich=False))
    if backend_for(engine).appends_only:
        assert _versions_merged(engine)
        return
    assert {"events", "users", "identities", "event_hours", "person_hours"} <= _analysed(engine)


def test_an_import_leaves_statistics(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps({"type": "track", "event": "E", "userId": f"u{i % 7}",
                                          "messageId": f"m{i}", "timestamp": "2024-05-01T10:00:00Z"})
                              for i in range(300)))
    import_files(EventWriter(engine, enrich=False), [path])
    if backend_for(engine).appends_only:
        assert _versions_merged(engine)
        return
    assert {"events", "users"} <= _analysed(engine)
