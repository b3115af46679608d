"""Deliveries per minute behind the Destinations panel's sparkline and `forward --status`."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from app.core.schema import destination_deliveries
from app.outbound.destinations import store

HOUR = 3_600_000
NOW = 1_793_491_200_000 + 5 * HOUR + 20 * 60_000  # 05:20 UTC: 20 minutes into a half-hour bucket


def deliver(engine: Engine, monkeypatch: pytest.MonkeyPatch, at: int, position: int, n: int) -> None:
    monkeypatch.setattr(store, "now_ms", lambda: at)
    with engine.begin() as conn:
        assert store.advance(conn, "hook", "me", position, n)


def test_acknowledged_messages_land_in_their_half_hour_and_old_minutes_are_pruned(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    store.ensure_cursor(engine, "hook")
    monkeypatch.setattr(store, "now_ms", lambda: NOW - 3 * 24 * HOUR)
    assert store.claim(engine, "hook", "me", lease_ms=10**12)
    deliver(engine, monkeypatch, NOW - 3 * 24 * HOUR, 5, 5)   # three days ago: pruned later
    deliver(engine, monkeypatch, NOW - 2 * HOUR, 10, 5)        # four buckets back
    deliver(engine, monkeypatch, NOW - 60_000, 17, 7)          # this bucket, two minutes
    deliver(engine, monkeypatch, NOW, 20, 3)
    deliver(engine, monkeypatch, NOW, 20, 0)                   # a filtered-out skip delivers nothing
    with engine.connect() as conn:
        recent = store.deliveries(conn, "hook", now=NOW)
        minutes = conn.execute(select(func.count()).select_from(destination_deliveries)).scalar()
    assert len(recent) == store.SPARK_BUCKETS and recent[-1] == 10 and recent[-5] == 5 and sum(recent) == 15
    assert minutes == 3  # the three-day-old minute went when a new minute started
    (status,) = store.status(engine, [_dest()])
    assert status.delivered == 20 and sum(status.recent) == 15


def test_a_forwarder_that_lost_its_hold_counts_nothing(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    store.ensure_cursor(engine, "hook")
    monkeypatch.setattr(store, "now_ms", lambda: NOW)
    assert store.claim(engine, "hook", "me")
    with engine.begin() as conn:
        assert not store.advance(conn, "hook", "someone else", 9, 9)
        assert store.deliveries(conn, "hook", now=NOW) == [0] * store.SPARK_BUCKETS


def _dest() -> Any:
    from app.outbound.destinations.config import parse_destinations

    (dest,) = parse_destinations([{"name": "hook", "type": "webhook", "url": "http://127.0.0.1:9/x"}])
    return dest
