"""Retention benchmark (issue 14): an 8-period daily retention over 30 days of cohorts, and its
variants, on a demo database (SQLite) and the same data copied into PostgreSQL; for the main
question also the best hand-written SQL per dialect, checked to give the engine's answer.

    .venv/bin/tracklens demo --db /tmp/demo1m.sqlite --events 1000000 --seed 1 --end 2026-12-01T00:00:00Z
    .venv/bin/python tests/benchmarks/bench_retention.py /tmp/demo1m.sqlite [--dialects sqlite,postgresql]

Goal at 10M events: <= 2 s on SQLite, <= 1 s on PostgreSQL, engine/hand-written <= 1.3. Medians
of --repeat interleaved runs after a warm-up; PostgreSQL runs in a throw-away server
(tests.support.postgres) unless --pg-url names a database already holding the same rows (then
only read). The SQLite file is opened read-only. "Now" is the first midnight (UTC) at or after
the last event, and the cohorts are the 30 days before it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.database import open_database  # noqa: E402
from app.query import run_query  # noqa: E402
from tests.benchmarks.bench_query import postgres_copy  # noqa: E402

DAY = 86_400_000
PERIODS = 8
MAIN = "8 daily periods, 30 daily cohorts (Signed Up -> any)"


def questions(now: dt.datetime) -> dict[str, dict[str, Any]]:
    last = now.date() - dt.timedelta(days=1)
    days30 = {"from": (last - dt.timedelta(days=29)).isoformat(), "to": last.isoformat()}
    base: dict[str, Any] = {"kind": "retention", "start": {"event": "Signed Up"}, "return": {"event": "$any"},
                            "mode": "first_time", "unit": "day", "periods": PERIODS, "bracket": "on",
                            "range": days30, "timezone": "UTC"}
    return {
        MAIN: base,
        "same, on or after": {**base, "bracket": "on_or_after"},
        "same, Europe/Berlin": {**base, "timezone": "Europe/Berlin"},
        "recurring, Order Completed -> Order Completed": {**base, "mode": "recurring", "start": "Order Completed",
                                                          "return": "Order Completed"},
        "breakdown by $browser": {**base, "breakdown": "$browser"},
        "weekly, 4 periods, 13 weeks": {**base, "unit": "week", "periods": 4,
                                        "range": {"from": (last - dt.timedelta(days=90)).isoformat(),
                                                  "to": last.isoformat()}},
        "persons of one cell": {"kind": "retention_persons", "retention": base,
                                "born": (last - dt.timedelta(days=20)).isoformat(), "period": 1},
    }


# --------------------------------------------------------------------------------------------
# Hand-written SQL for the main question: per UTC-day cohort (day number since 1970), its size
# and the persons who did any event in each of the 8 periods after their first Signed Up.

_BIRTHS = """births AS {mat} (SELECT person, birth, birth / 86400000 AS cohort FROM
  (SELECT person, min(ts) AS birth FROM events WHERE event = 'Signed Up' GROUP BY person) f
  WHERE birth >= :start AND birth < :end)"""

_EXISTS = ",\n  ".join(
    f"sum(CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.person = b.person AND e.event IS NOT NULL"
    f" AND e.ts {'>' if n == 0 else '>='} b.birth{f' + {n * DAY}' if n else ''} AND e.ts < b.birth + {(n + 1) * DAY})"
    f" THEN 1 ELSE 0 END) AS c{n}" for n in range(PERIODS))

HAND: dict[str, dict[str, str]] = {
    "sqlite": {
        "EXISTS per birth and period": f"WITH {_BIRTHS.format(mat='MATERIALIZED')}\n"
                                       f"SELECT cohort, count(*) AS size,\n  {_EXISTS}\nFROM births b GROUP BY cohort",
    },
    "postgresql": {
        "grouped join": f"""WITH {_BIRTHS.format(mat='MATERIALIZED')},
per_birth AS (SELECT b.person, {", ".join(f"max(CASE WHEN (e.ts - b.birth) / 86400000 = {n} THEN 1 ELSE 0 END) AS r{n}"
                                          for n in range(PERIODS))}
  FROM births b JOIN events e ON e.person = b.person AND e.ts > b.birth AND e.ts < b.birth + {PERIODS * DAY}
  WHERE e.event IS NOT NULL GROUP BY b.person)
SELECT b.cohort, count(*) AS size, {", ".join(f"sum(coalesce(r{n}, 0)) AS c{n}" for n in range(PERIODS))}
FROM births b LEFT JOIN per_birth p ON p.person = b.person GROUP BY b.cohort""",
        "distinct (person, period)": f"""WITH {_BIRTHS.format(mat='MATERIALIZED')},
periods AS (SELECT DISTINCT b.person, b.cohort, (e.ts - b.birth) / 86400000 AS n FROM births b
  JOIN events e ON e.person = b.person AND e.ts > b.birth AND e.ts < b.birth + {PERIODS * DAY}
  WHERE e.event IS NOT NULL),
counts AS (SELECT cohort, {", ".join(f"count(*) FILTER (WHERE n = {n}) AS c{n}" for n in range(PERIODS))}
  FROM periods GROUP BY cohort),
sizes AS (SELECT cohort, count(*) AS size FROM births GROUP BY cohort)
SELECT s.cohort, s.size, {", ".join(f"coalesce(c.c{n}, 0)" for n in range(PERIODS))}
FROM sizes s LEFT JOIN counts c ON c.cohort = s.cohort""",
        "EXISTS per birth and period": f"WITH {_BIRTHS.format(mat='MATERIALIZED')}\n"
                                       f"SELECT cohort, count(*) AS size,\n  {_EXISTS}\nFROM births b GROUP BY cohort",
    },
}


def check_same(result: dict[str, Any], rows: list[Any], name: str) -> None:
    """The hand-written rows give the engine's sizes and counts (where the engine has a count:
    periods that have not started are null there)."""
    hand = {int(r[0]): (int(r[1]), [int(c or 0) for c in r[2:]]) for r in rows}
    for cohort in result["cohorts"]:
        day = dt.datetime.fromisoformat(cohort["start"]).timestamp() * 1000 // DAY
        size, counts = hand.get(int(day), (0, [0] * PERIODS))
        assert size == cohort["size"], (name, cohort["start"], size, cohort["size"])
        for n, c in enumerate(cohort["counts"]):
            assert c is None or c == counts[n], (name, cohort["start"], n, c, counts[n])
    assert sum(size for size, _ in hand.values()) == sum(c["size"] for c in result["cohorts"]), name


def interleaved(fns: dict[str, Callable[[], Any]], repeat: int) -> dict[str, tuple[float, float]]:
    """name -> (median wall time, median CPU time of this process: for SQLite, which runs in
    the process, the figure that other load on the machine disturbs least)."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in fns}
    names = list(fns)
    for i in range(repeat):
        for name in names[i % len(names):] + names[: i % len(names)]:
            t0, c0 = time.perf_counter(), time.process_time()
            fns[name]()
            times[name].append((time.perf_counter() - t0, time.process_time() - c0))
    return {name: (statistics.median(t for t, _ in ts), statistics.median(c for _, c in ts))
            for name, ts in times.items()}


def bench(engine: Engine, label: str, repeat: int, variants: bool = True) -> None:
    with engine.connect() as conn:
        last_ms = int(conn.execute(text("SELECT max(ts) FROM events")).scalar() or 0)
    now = dt.datetime.fromtimestamp(-(-last_ms // DAY) * DAY / 1000, tz=dt.UTC)
    specs = questions(now)
    for name, spec in specs.items() if variants else ():
        run_query(engine, spec, now=now)  # warm-up
        times, cpu = [], []
        for _ in range(repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            result = run_query(engine, spec, now=now)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        births = sum(c["size"] for c in result["cohorts"]) if "cohorts" in result else result["total"]
        print(f"| {label} | {name} | {statistics.median(times):.3f} s | {statistics.median(cpu):.3f} s | {births:,} |",
              flush=True)
    # The main question against the hand-written candidates, interleaved.
    main = specs[MAIN]
    first = dt.date.fromisoformat(main["range"]["from"])
    params = {"start": int(dt.datetime(first.year, first.month, first.day, tzinfo=dt.UTC).timestamp() * 1000)}
    params["end"] = params["start"] + 30 * DAY
    engine_result = run_query(engine, main, now=now)
    fns: dict[str, Callable[[], Any]] = {"engine": lambda: run_query(engine, main, now=now)}
    for cand, sql in HAND[engine.dialect.name].items():
        def run(sql: str = sql) -> list[Any]:
            with engine.connect() as conn:
                return list(conn.execute(text(sql), params).all())
        check_same(engine_result, run(), cand)
        fns[cand] = run
    medians = interleaved(fns, repeat)
    best = min((k for k in medians if k != "engine"), key=lambda k: medians[k][0])
    print(f"\n| {label}, {MAIN} | wall | CPU (this process) |\n|---|---:|---:|")
    for cand, (wall, cpu_s) in medians.items():
        print(f"| {cand} | {wall:.3f} s | {cpu_s:.3f} s |", flush=True)
    (ew, ec), (hw, hc) = medians["engine"], medians[best]
    print(f"| engine / best hand-written ({best}) | {ew / hw:.2f} | {ec / hc:.2f} |\n", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sqlite", type=Path)
    parser.add_argument("--dialects", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--hand-only", action="store_true", help="only the main question against hand-written SQL")
    parser.add_argument("--pg-url", default=None, help="a PostgreSQL database holding the same events (read only)")
    args = parser.parse_args()
    print("| database | question | median | CPU (this process) | births (persons) |\n|---|---|---:|---:|---:|")
    dialects = args.dialects.split(",")
    if "sqlite" in dialects:
        engine = open_database(f"sqlite:///{args.sqlite}", create=False)
        bench(engine, "SQLite", args.repeat, not args.hand_only)
        engine.dispose()
    if "postgresql" in dialects:
        if args.pg_url:
            engine = open_database(args.pg_url, create=False)
            bench(engine, "PostgreSQL", args.repeat, not args.hand_only)
            engine.dispose()
            return
        from tests.support.postgres import postgres_server

        with postgres_server() as server:
            engine = open_database(postgres_copy(args.sqlite, server.create_database(),
                                                 lambda m: print(m, file=sys.stderr)))
            bench(engine, "PostgreSQL", args.repeat, not args.hand_only)
            engine.dispose()


if __name__ == "__main__":
    main()
