"""The first-run demo's generating process started before its database exists (at launch)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from app.core.database import open_database
from app.demo.generator import DemoHeadStart, DemoPlan, generate_demo
from tests.ingest.test_workers import snapshot

END = dt.datetime(2026, 3, 1, 12, 30, tzinfo=dt.UTC)


def _plain(tmp_path: Path, seed: int) -> dict:
    engine = open_database(f"sqlite:///{tmp_path / f'plain-{seed}.sqlite'}")
    try:
        generate_demo(engine, 6000, seed=seed, end=END, days=20)
        return snapshot(engine)
    finally:
        engine.dispose()


def test_a_demo_started_before_its_database_is_the_same_demo(tmp_path: Path) -> None:
    head = DemoHeadStart(DemoPlan.ending(6000, seed=3, end=END, days=20))
    engine = open_database(f"sqlite:///{tmp_path / 'early.sqlite'}")  # created after the process started
    try:
        summary = generate_demo(engine, 6000, seed=3, days=20, head_start=head)
        early = snapshot(engine)
    finally:
        engine.dispose()
    assert head.stream.exitcode == 0  # it made every batch, and they were stored
    # Its history ends when the process started, not when storing began.
    assert summary.end == END and summary.start == END - dt.timedelta(days=20)
    assert summary.stored > 5000
    assert early == _plain(tmp_path, 3)


def test_a_head_start_for_another_demo_is_stopped_and_not_stored(tmp_path: Path) -> None:
    # More batches than its queue holds: it cannot have finished on its own.
    head = DemoHeadStart(DemoPlan.ending(30_000, seed=4, end=END, days=20))
    engine = open_database(f"sqlite:///{tmp_path / 'asked.sqlite'}")
    try:
        generate_demo(engine, 6000, seed=3, end=END, days=20, head_start=head)
        stored = snapshot(engine)
    finally:
        engine.dispose()
    assert head.stream.exitcode is not None and head.stream.exitcode != 0  # stopped, not run to the end
    assert stored == _plain(tmp_path, 3)
