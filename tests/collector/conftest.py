"""Fixtures: a real collector (uvicorn on loopback) in front of a fresh database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from app.core.schema import event_context, events, events_with_context
from tests.collector.harness import WRITE_KEY, ThreadCollector, collector_in_thread


@pytest.fixture
def collector(db_url: str) -> Iterator[ThreadCollector]:
    """A collector on SQLite and on PostgreSQL (for behaviour that touches storage)."""
    with collector_in_thread(db_url) as running:
        yield running


@pytest.fixture
def sqlite_collector(sqlite_url: str) -> Iterator[ThreadCollector]:
    """A collector on SQLite only (for HTTP behaviour that does not depend on the dialect)."""
    with collector_in_thread(sqlite_url) as running:
        yield running


@pytest.fixture
def client(sqlite_collector: ThreadCollector) -> Iterator[httpx.Client]:
    """An HTTP client sending the write key by Basic auth to the SQLite collector."""
    with httpx.Client(base_url=sqlite_collector.url, auth=(WRITE_KEY, ""), timeout=30) as http:
        yield http


def stored(engine: Engine) -> list[dict[str, Any]]:
    """Every stored event row, oldest first."""
    with engine.connect() as conn:
        stmt = (select(events, event_context.c.context)
                .select_from(events_with_context)
                .order_by(events.c.id))
        return [dict(row._mapping) for row in conn.execute(stmt)]


def stored_ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(select(events.c.message_id).order_by(events.c.id))]
