"""The per-(event, hour, person) rollup `event_person_hours` (schema 5, issue 19): what it buys
per-event unique counts at 10M events and what it costs ingestion.

    # build it for a demo file older than schema 5 into a separate file (the demo opened read-only);
    # bench_matrix.py --attach-rollup then runs the engine on the demo with it attached
    .venv/bin/python tests/benchmarks/bench_matrix_rollup.py build /tmp/chbench/demo-10m.sqlite /tmp/eph10m.sqlite
    # the writer's cost: EventWriter.store CPU per event with and without maintaining it, interleaved
    .venv/bin/python tests/benchmarks/bench_matrix_rollup.py ingest --events 100000 --pairs 3 --dialects sqlite,postgresql
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def build(demo: Path, out: Path) -> None:
    """event_person_hours and its (event, person, hour) index as the schema defines them, computed
    from `demo`'s events (opened read-only) into `out`."""
    c = sqlite3.connect(out)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "temp_store=FILE", "cache_size=-262144"):
        c.execute(f"PRAGMA {pragma}")
    c.execute(f"ATTACH 'file:{demo}?mode=ro' AS d")
    c.execute("DROP TABLE IF EXISTS main.event_person_hours")
    c.execute("CREATE TABLE main.event_person_hours (event VARCHAR(255) NOT NULL, hour BIGINT NOT NULL, "
              "person VARCHAR(255) NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (event, hour, person)) WITHOUT ROWID")
    t0 = time.perf_counter()
    c.execute("INSERT INTO main.event_person_hours SELECT event, ts - ((ts % 3600000) + 3600000) % 3600000 AS h, "
              "person, count(*) FROM d.events WHERE event IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")
    c.commit()
    rows = c.execute("SELECT count(*) FROM main.event_person_hours").fetchone()[0]
    print(f"{rows:,} rows in {time.perf_counter() - t0:.0f} s", flush=True)
    t0 = time.perf_counter()
    c.execute("CREATE INDEX main.ix_event_person_hours_person ON event_person_hours (event, person, hour)")
    c.execute("ANALYZE main")
    c.commit()
    print(f"index and ANALYZE in {time.perf_counter() - t0:.0f} s; file {out.stat().st_size / 1e6:.0f} MB", flush=True)


@contextmanager
def without_event_person_rollup(on: bool) -> Iterator[None]:
    """`on` False: the backends keep only event_hours/person_hours (schema 4's writer and triggers)."""
    from app.core.backends import postgresql, sqlite

    saved = sqlite._ROLLUPS, postgresql._ROLLUPS, sqlite.SQLiteBackend.event_person_rollup, \
        postgresql.PostgreSQLBackend.event_person_rollup
    if not on:
        sqlite._ROLLUPS = sqlite._ROLLUPS[:2]
        postgresql._ROLLUPS = postgresql._ROLLUPS[:2]
        sqlite.SQLiteBackend.event_person_rollup = False
        postgresql.PostgreSQLBackend.event_person_rollup = False
    try:
        yield
    finally:
        (sqlite._ROLLUPS, postgresql._ROLLUPS, sqlite.SQLiteBackend.event_person_rollup,
         postgresql.PostgreSQLBackend.event_person_rollup) = saved


def one_run(url: str, batches: list[list[dict[str, Any]]], on: bool, *, person_index: bool = True
            ) -> tuple[float, float, int]:
    """(CPU seconds, wall seconds, events stored) of EventWriter.store over the batches, in a
    fresh database; preparing (validation, enrichment) is done before and not timed.
    `person_index` False: the rollup without its (event, person, hour) index (what it costs)."""
    from app.core.database import open_database
    from app.ingest.writer import EventWriter

    with without_event_person_rollup(on):
        engine = open_database(url)
        if not person_index:
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP INDEX ix_event_person_hours_person")
        writer = EventWriter(engine)
        prepared = [writer.prepare(b, arrived_now=False) for b in batches]
        cpu = wall = 0.0
        stored = 0
        for records, result in prepared:
            c0, w0 = time.process_time(), time.perf_counter()
            stored += writer.store(records, result).stored
            cpu += time.process_time() - c0
            wall += time.perf_counter() - w0
        engine.dispose()
    return cpu, wall, stored


def index_split(events: int, rounds: int, seed: int) -> None:
    """SQLite: store CPU per event with the rollup, with and without its person-ordered index,
    and without the rollup, interleaved (rotating order)."""
    from app.demo.generator import BATCH, DAY, generate_messages

    end = 1793491200000
    msgs = list(generate_messages(seed, events, end - 90 * DAY, end))
    batches = [msgs[i:i + BATCH] for i in range(0, len(msgs), BATCH)]
    variants = {"without the rollup": (False, True), "rollup, no person index": (True, False),
                "rollup with its index": (True, True)}
    res: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    with _sqlite_urls() as make_url:
        for i in range(rounds):
            for name in names[i % 3:] + names[:i % 3]:
                on, index = variants[name]
                cpu, _, stored = one_run(make_url(), batches, on, person_index=index)
                res[name].append(cpu / stored * 1e6)
                print(f"round {i + 1} {name}: {res[name][-1]:.1f} us CPU/event, load {os.getloadavg()[0]:.2f}",
                      flush=True)
    for name, xs in res.items():
        print(f"{name}: median {statistics.median(xs):.1f} us ({', '.join(f'{x:.1f}' for x in xs)})", flush=True)


def ingest(events: int, pairs: int, dialects: list[str], seed: int) -> None:
    from app.demo.generator import BATCH, DAY, generate_messages

    end = 1793491200000
    msgs = list(generate_messages(seed, events, end - 90 * DAY, end))
    batches = [msgs[i:i + BATCH] for i in range(0, len(msgs), BATCH)]
    print(f"{len(msgs):,} messages, {len(batches)} batches; load {os.getloadavg()}", flush=True)
    for dialect in dialects:
        with (_pg_urls() if dialect == "postgresql" else _sqlite_urls()) as make_url:
            res: dict[bool, list[tuple[float, float, int]]] = {True: [], False: []}
            for i in range(pairs):
                for on in ((False, True) if i % 2 == 0 else (True, False)):
                    cpu, wall, stored = one_run(make_url(), batches, on)
                    res[on].append((cpu, wall, stored))
                    print(f"{dialect} pair {i + 1} {'with' if on else 'without'} event_person_hours: "
                          f"{cpu / stored * 1e6:.1f} us CPU/event, {wall:.1f} s wall, {stored:,} stored, "
                          f"load {os.getloadavg()[0]:.2f}", flush=True)
            for on in (False, True):
                cpus = [c / n * 1e6 for c, _, n in res[on]]
                walls = [w for _, w, _ in res[on]]
                print(f"{dialect} {'with' if on else 'without'}: CPU/event median {statistics.median(cpus):.1f} us "
                      f"({', '.join(f'{x:.1f}' for x in cpus)}), wall median {statistics.median(walls):.1f} s", flush=True)


@contextmanager
def _sqlite_urls() -> Iterator[Any]:
    with tempfile.TemporaryDirectory(prefix="eph-ab-") as folder:
        n = iter(range(1000))

        def make() -> str:
            for old in Path(folder).iterdir():
                old.unlink()
            return f"sqlite:///{folder}/run{next(n)}.sqlite"

        yield make


@contextmanager
def _pg_urls() -> Iterator[Any]:
    from tests.support.postgres import postgres_server

    with postgres_server() as server:
        yield server.create_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("demo", type=Path)
    b.add_argument("out", type=Path)
    i = sub.add_parser("ingest")
    i.add_argument("--events", type=int, default=100_000)
    i.add_argument("--pairs", type=int, default=3)
    i.add_argument("--seed", type=int, default=1)
    i.add_argument("--dialects", default="sqlite,postgresql")
    x = sub.add_parser("index-split")
    x.add_argument("--events", type=int, default=100_000)
    x.add_argument("--rounds", type=int, default=3)
    x.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.cmd == "build":
        build(args.demo, args.out)
    elif args.cmd == "index-split":
        index_split(args.events, args.rounds, args.seed)
    else:
        ingest(args.events, args.pairs, args.dialects.split(","), args.seed)


if __name__ == "__main__":
    main()
