"""The demo's history reaches the end of its range (default: now) whatever its size (issue 16)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core.database import open_database
from app.core.schema import events
from app.demo.generator import DAY, HOUR, generate_demo, generate_messages
from app.ingest.writer import EventWriter

END_MS = int(datetime(2025, 12, 5, 2, 0, tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize(("count", "days"), [(300, 90), (1500, 30), (20_000, 90)])
@pytest.mark.parametrize("seed", [1, 4])
def test_newest_message_is_just_before_the_end(count: int, days: int, seed: int) -> None:
    msgs = list(generate_messages(seed, count, END_MS - days * DAY, END_MS))
    stamps = [m["timestamp"] for m in msgs]
    assert stamps == sorted(stamps)
    assert 0.75 * count <= len(msgs) <= count  # "about", never more
    assert stamps[0] >= END_MS - days * DAY
    assert END_MS - HOUR <= stamps[-1] <= END_MS
    # The last day is not thinned out: about as many messages as the day before it.
    last_day = sum(1 for s in stamps if s > END_MS - DAY)
    day_before = sum(1 for s in stamps if END_MS - 2 * DAY < s <= END_MS - DAY)
    if count >= 20_000:
        assert last_day >= 0.6 * day_before


def test_same_seed_and_end_give_the_same_messages() -> None:
    def run(seed: int) -> list[tuple[int, str]]:
        return [(m["timestamp"], m["messageId"]) for m in generate_messages(seed, 2000, END_MS - 20 * DAY, END_MS)]

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_default_demo_ends_now(tmp_path: Path) -> None:
    engine = open_database(tmp_path / "now.sqlite")
    before = time.time() * 1000
    summary = generate_demo(engine, 1500, seed=2, days=14, writer=EventWriter(engine, enrich=False))
    after = time.time() * 1000
    with engine.connect() as conn:
        newest, oldest, count = conn.execute(
            select(func.max(events.c.ts), func.min(events.c.ts), func.count()).select_from(events)).one()
    assert count == summary.stored and 1000 < count <= 1500
    assert before - HOUR <= newest <= after
    assert oldest >= before - 14 * DAY - 1000
