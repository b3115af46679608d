"""Retention benchmark (issue 14): an 8-period daily retention over 30 days of cohorts, and its
variants, on a demo database (SQLite) and the same data copied into PostgreSQL.

    .venv/bin/tracklens demo --db /tmp/demo1m.sqlite --events 1000000 --seed 1 --end 2026-12-01T00:00:00Z
    .venv/bin/python tests/benchmarks/bench_retention.py /tmp/demo1m.sqlite [--dialects sqlite,postgresql]

Goal at 10M events: <= 2 s on SQLite, <= 1 s on PostgreSQL. Medians of --repeat runs after a
warm-up; PostgreSQL runs in a throw-away server (tests.support.postgres) unless --pg-url.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.database import open_database  # noqa: E402
from app.query import run_query  # noqa: E402
from tests.benchmarks.bench_query import postgres_copy  # noqa: E402

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
BASE: dict[str, Any] = {"kind": "retention", "start": {"event": "Signed Up"}, "return": {"event": "$any"},
                        "mode": "first_time", "unit": "day", "periods": 8, "bracket": "on",
                        "range": {"from": "2026-11-01", "to": "2026-11-30"}, "timezone": "UTC"}
QUESTIONS: dict[str, dict[str, Any]] = {
    "8 daily periods, 30 daily cohorts (Signed Up -> any)": BASE,
    "same, on or after": {**BASE, "bracket": "on_or_after"},
    "same, Europe/Berlin": {**BASE, "timezone": "Europe/Berlin"},
    "recurring, Order Completed -> Order Completed": {**BASE, "mode": "recurring", "start": "Order Completed",
                                                      "return": "Order Completed"},
    "breakdown by $browser": {**BASE, "breakdown": "$browser"},
    "weekly, 4 periods, 13 weeks": {**BASE, "unit": "week", "periods": 4,
                                    "range": {"from": "2026-09-01", "to": "2026-11-30"}},
    "persons of one cell": {"kind": "retention_persons", "retention": BASE, "born": "2026-11-10", "period": 1},
}


def bench(url: str, label: str, repeat: int) -> None:
    engine = open_database(url)
    for name, spec in QUESTIONS.items():
        run_query(engine, spec, now=NOW)  # warm-up
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = run_query(engine, spec, now=NOW)
            times.append(time.perf_counter() - t0)
        births = sum(c["size"] for c in result["cohorts"]) if "cohorts" in result else result["total"]
        print(f"| {label} | {name} | {statistics.median(times):.3f} s | {births:,} |", flush=True)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sqlite", type=Path)
    parser.add_argument("--dialects", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg-url", default=None)
    args = parser.parse_args()
    print("| database | question | median | births (persons) |\n|---|---|---:|---:|")
    dialects = args.dialects.split(",")
    if "sqlite" in dialects:
        bench(f"sqlite:///{args.sqlite}", "SQLite", args.repeat)
    if "postgresql" in dialects:
        if args.pg_url:
            bench(postgres_copy(args.sqlite, args.pg_url, print), "PostgreSQL", args.repeat)
            return
        from tests.support.postgres import postgres_server

        with postgres_server() as server:
            bench(postgres_copy(args.sqlite, server.create_database(), lambda m: print(m, file=sys.stderr)),
                  "PostgreSQL", args.repeat)


if __name__ == "__main__":
    main()
