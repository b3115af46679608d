"""How many processes generate a demo: the app's first run and `tracklens demo` decide alike."""

from __future__ import annotations

from typing import Any

from app.ingest import workers


def test_small_demos_stay_in_process_and_large_ones_use_one_more_process(monkeypatch: Any) -> None:
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 4)
    assert workers.demo_workers(workers.DEMO_WORKER_FROM - 1) == 0
    assert workers.demo_workers(workers.DEMO_WORKER_FROM) == 1
    assert workers.demo_workers(1_000_000) == 1  # one random stream: never more than one


def test_one_core_generates_in_process(monkeypatch: Any) -> None:
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 1)
    assert workers.demo_workers(1_000_000) == 0
