"""Helpers for ingestion tests: a writer on the parametrised engine and row readers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from app.core.database import open_database
from app.core.schema import event_context, events, events_with_context, identities, users
from app.ingest.importer import ImportSummary, import_files
from app.ingest.writer import EventWriter


@pytest.fixture
def writer(engine: Engine) -> EventWriter:
    return EventWriter(engine)


def event_rows(engine: Engine, *where: Any) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        stmt = (select(events, event_context.c.context)
                .select_from(events_with_context)
                .where(*where).order_by(events.c.id))
        return [dict(r._mapping) for r in conn.execute(stmt)]


def import_into(url: str, path: str | Path, **options: Any) -> tuple[ImportSummary, list[str]]:
    """Import one file into the database at `url` as `tracklens import` does, without enrichment:
    the summary and the messageIds stored, in order. `options` go to import_files (chunk, workers)."""
    engine = open_database(url)
    try:
        summary = import_files(EventWriter(engine, enrich=False), [path], **options)
        return summary, [r["message_id"] for r in event_rows(engine)]
    finally:
        engine.dispose()


def user_rows(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        return {r.id: dict(r._mapping) for r in conn.execute(select(users))}


def identity_map(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {r.distinct_id: r.person for r in conn.execute(select(identities))}
