"""Helpers for ingestion tests: a writer on the parametrised engine and row readers."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from app.core.schema import event_context, events, events_with_context, identities, users
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


def user_rows(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        return {r.id: dict(r._mapping) for r in conn.execute(select(users))}


def identity_map(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {r.distinct_id: r.person for r in conn.execute(select(identities))}
