"""Ingestion benchmark: events/s of `tracklens demo` and `tracklens import`, SQLite and PostgreSQL.

Every run writes into a fresh database through the real path (EventWriter: validation,
enrichment, duplicate check, identity merge, users), exactly as the commands do.

    .venv/bin/python tests/benchmarks/bench_ingest.py                       # 1M SQLite, 200k PostgreSQL
    .venv/bin/python tests/benchmarks/bench_ingest.py --events 200000 --repeat 3 --dialects sqlite
    .venv/bin/python tests/benchmarks/bench_ingest.py --ab /tmp/before,. --events 100000 --repeat 5

--ab TREE,TREE runs the writer's A/B instead (issue 17): interleaved rounds (the order alternating),
each measurement in a fresh process whose `app` comes from that source tree: `store` (the
demo's batches prepared first, untimed, then `EventWriter.store` timed by part, CPU µs per event),
`store-pg` (the same on PostgreSQL, a throw-away server per measurement: µs of wall and of
this process's CPU per event, by part), `demo` (`generate_demo` as the app's first run calls it: wall and CPU) and `import` (the export
file through `import_files` with one worker process: wall and CPU of both). Printed, not written.

The import file is the demo's messages written as a Segment export would have them
(ISO-8601 timestamps with originalTimestamp/sentAt/receivedAt, gzip JSON Lines), cached
under --cache. Reports medians of --repeat runs (and CPU seconds of this process, which
the shared 2-core machine disturbs less than wall time) in docs/benchmarks/ingest.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import gzip
import inspect
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[2]
#: The source tree whose `app` is measured (--ab runs this script once per tree and round).
sys.path.insert(0, os.environ.get("BENCH_TREE") or str(ROOT))

from app.core.database import open_database  # noqa: E402
from app.demo.generator import DAY, generate_demo, generate_messages, iso  # noqa: E402
from app.ingest.importer import import_files  # noqa: E402
from app.ingest.writer import EventWriter  # noqa: E402

END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
END_MS = int(END.timestamp() * 1000)


def export_file(path: Path, events: int, seed: int) -> Path:
    """The demo's messages as a Segment export: ISO times, a 2 s fast device clock, gzip JSONL."""
    if path.exists():
        return path
    tmp = path.with_suffix(".part")
    with gzip.open(tmp, "wb", compresslevel=3) as out:
        for msg in generate_messages(seed, events, END_MS - 90 * DAY, END_MS):
            ts = msg["timestamp"]
            received = msg.get("receivedAt", ts)
            msg["originalTimestamp"] = iso(ts + 2000)
            msg["sentAt"] = iso(received - 300 + 2000)
            msg["receivedAt"] = iso(received)
            msg["timestamp"] = iso(ts)
            out.write(orjson.dumps(msg) + b"\n")
    tmp.rename(path)
    return path


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(run: Callable[[], int]) -> tuple[int, float, float, float]:
    """(stored, wall seconds, CPU seconds of this process, CPU seconds of its worker processes).

    Workers are reaped before run() returns, so RUSAGE_CHILDREN holds their CPU time. Only the
    PostgreSQL server's CPU is not counted (it is another process tree)."""
    wall, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
    stored = run()
    return stored, time.perf_counter() - wall, time.process_time() - cpu, _children_cpu() - children


def peak_rss_mb() -> tuple[float, float]:
    """Peak resident memory (MiB) of this process and of its largest worker so far."""
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def bench(name: str, dialect: str, make_url: Callable[[], str], action: Callable[[Any], int],
          repeat: int) -> dict[str, Any]:
    walls: list[float] = []
    cpus: list[float] = []
    workers_cpu: list[float] = []
    stored = 0
    for i in range(repeat):
        engine = open_database(make_url())
        load = os.getloadavg()[0]
        stored, wall, cpu, children = timed(functools.partial(action, engine))
        engine.dispose()
        walls.append(wall)
        cpus.append(cpu)
        workers_cpu.append(children)
        print(f"  {name} on {dialect} run {i + 1}: {stored:,} events in {wall:.1f} s "
              f"({stored / wall:,.0f}/s wall; CPU s: this {cpu:.1f}, workers {children:.1f}; "
              f"load {load:.1f}-{os.getloadavg()[0]:.1f}; peak RSS MiB this/worker "
              f"{peak_rss_mb()[0]:.0f}/{peak_rss_mb()[1]:.0f})", flush=True)
    wall = statistics.median(walls)
    cpu = statistics.median(cpus)
    return {"what": name, "dialect": dialect, "events": stored, "wall": wall, "cpu": cpu,
            "workers_cpu": statistics.median(workers_cpu), "rate": stored / wall, "cpu_rate": stored / cpu}


def store_parts(events: int, seed: int) -> dict[str, float]:
    """CPU µs per stored event of EventWriter.store on SQLite, in total and by part, for the
    demo's batches prepared beforehand (not timed), into a fresh database."""
    import collections

    import sqlalchemy.engine.base

    from app.core.backends import sqlite as sqlite_backend
    from app.demo.generator import BATCH
    from app.ingest import identity, writer

    spent: dict[str, float] = collections.defaultdict(float)
    timing = functools.partial(_time_part, spent, wall=False)
    timing(writer.EventWriter, "_drop_stored", "duplicate check")
    timing(writer, "resolve", "identity (with merges)")
    timing(identity, "_apply_merges", "… merges")
    timing(writer.EventWriter, "_insert_events", "events + contexts + rollups")
    timing(writer.EventWriter, "_insert_contexts", "… contexts")
    timing(sqlite_backend.SQLiteBackend, "begin_rollup_batch", "… rollups")
    timing(sqlite_backend.SQLiteBackend, "end_rollup_batch", "… rollups")
    timing(writer, "update_people", "users")
    timing(sqlalchemy.engine.base.Connection, "commit", "commit")
    msgs = list(generate_messages(seed, events, END_MS - 90 * DAY, END_MS))
    with tempfile.TemporaryDirectory(prefix="bench-store-") as folder:
        engine = open_database(f"sqlite:///{folder}/store.sqlite")
        w = EventWriter(engine)
        prepared = [w.prepare(msgs[i:i + BATCH], arrived_now=False) for i in range(0, len(msgs), BATCH)]
        # The commands hold a few batches at a time, not all: keep the collector from walking these.
        gc.collect()
        gc.freeze()
        spent.clear()
        total = 0.0
        stored = 0
        for records, result in prepared:
            start = time.process_time()
            stored += w.store(records, result).stored
            total += time.process_time() - start
        engine.dispose()
    return {"store": total / stored * 1e6, **{k: v / stored * 1e6 for k, v in spent.items()}}


def _time_part(spent: dict[str, float], owner: Any, name: str, part: str, *, wall: bool) -> None:
    """Wrap owner.name so its time adds up in spent[part]: this process's CPU, or with `wall`
    the wall time there and the CPU in spent[part + " cpu"]. A name the measured tree does not
    have is skipped."""
    if not hasattr(owner, name):
        return
    inner = getattr(owner, name)
    static = isinstance(inspect.getattr_static(owner, name), staticmethod)

    def timed_part(*args: Any, **kwargs: Any) -> Any:
        w0, c0 = time.perf_counter(), time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            cpu = time.process_time() - c0
            if wall:
                spent[part] += time.perf_counter() - w0
                spent[part + " cpu"] += cpu
            else:
                spent[part] += cpu
    setattr(owner, name, staticmethod(timed_part) if static else timed_part)


def pg_store_parts(events: int, seed: int) -> dict[str, float]:
    """EventWriter.store on PostgreSQL (a throw-away server, tests/support/postgres.py), by part:
    µs of wall per stored event (what the writer waits for: the server's work plus the round
    trips; the server runs on the other core) and, suffixed " cpu", this process's CPU."""
    import collections

    import sqlalchemy.engine.base

    from app.core.backends import postgresql as pg_backend
    from app.demo.generator import BATCH
    from app.ingest import identity, writer
    from tests.support.postgres import postgres_server

    spent: dict[str, float] = collections.defaultdict(float)
    timing = functools.partial(_time_part, spent, wall=True)
    timing(writer.EventWriter, "_drop_stored", "duplicate check")
    timing(writer, "resolve", "identity (with merges)")
    timing(identity, "_apply_merges", "… merges")
    timing(writer.EventWriter, "_insert_events", "events + contexts (staged)")
    timing(pg_backend.PostgreSQLBackend, "store_staged", "events + contexts (staged)")
    timing(writer, "update_people", "users")
    timing(sqlalchemy.engine.base.Connection, "commit", "commit")
    msgs = list(generate_messages(seed, events, END_MS - 90 * DAY, END_MS))
    with postgres_server() as server:
        engine = open_database(server.create_database())
        w = EventWriter(engine)
        prepared = [w.prepare(msgs[i:i + BATCH], arrived_now=False) for i in range(0, len(msgs), BATCH)]
        gc.collect()
        gc.freeze()
        spent.clear()
        wall = cpu = 0.0
        stored = 0
        for records, result in prepared:
            w0, c0 = time.perf_counter(), time.process_time()
            stored += w.store(records, result).stored
            wall += time.perf_counter() - w0
            cpu += time.process_time() - c0
        engine.dispose()
    return {"store": wall / stored * 1e6, "store cpu": cpu / stored * 1e6,
            **{k: v / stored * 1e6 for k, v in spent.items()}}


def one_measurement(kind: str, events: int, seed: int, cache: Path) -> dict[str, float]:
    """One --ab measurement in this process (BENCH_TREE's app): a dict printed as JSON."""
    if kind == "store":
        return store_parts(events, seed)
    if kind == "store-pg":
        return pg_store_parts(events, seed)
    with tempfile.TemporaryDirectory(prefix="bench-ab-") as folder:
        engine = open_database(f"sqlite:///{folder}/ab.sqlite")
        if kind == "demo":
            from app.ingest.workers import demo_workers

            stored, wall, cpu, children = timed(lambda: generate_demo(
                engine, events, seed=seed, end=END, workers=demo_workers(events)).stored)
        else:
            export = export_file(cache / f"export-{events}-{seed}.jsonl.gz", events, seed)
            stored, wall, cpu, children = timed(lambda: import_files(EventWriter(engine), [export], workers=1).stored)
        engine.dispose()
    return {"wall": wall, "cpu": cpu, "workers_cpu": children, "stored": stored}


def ab(args: argparse.Namespace) -> None:
    """Interleaved A/B of two source trees (see the module docstring)."""
    import json
    import subprocess

    trees = [str(Path(t).resolve()) for t in args.ab.split(",")]
    kinds = [k.strip() for k in args.ab_what.split(",") if k.strip()]
    if "import" in kinds:
        export_file(args.cache / f"export-{args.events}-{args.seed}.jsonl.gz", args.events, args.seed)
    results: dict[tuple[str, str], list[dict[str, float]]] = {(k, t): [] for k in kinds for t in trees}
    for round_no in range(args.repeat):
        for kind in kinds:
            for tree in (trees if round_no % 2 == 0 else trees[::-1]):
                load = os.getloadavg()[0]
                out = subprocess.run(
                    [sys.executable, __file__, "--one", kind, "--events", str(args.events), "--seed", str(args.seed),
                     "--cache", str(args.cache)], env={**os.environ, "BENCH_TREE": tree},
                    check=True, capture_output=True, text=True).stdout
                row = json.loads(out.strip().splitlines()[-1])
                results[(kind, tree)].append(row)
                print(f"round {round_no + 1} {kind} {tree}: "
                      + ", ".join(f"{k} {v:.2f}" for k, v in row.items()) + f"; load {load:.2f}", flush=True)
    print(f"medians of {args.repeat} rounds; load now {os.getloadavg()[0]:.2f}")
    for kind in kinds:
        for tree in trees:
            rows = results[(kind, tree)]
            keys = list(dict.fromkeys(k for r in rows for k in r))
            print(f"{kind} {tree}: " + ", ".join(
                f"{k} {statistics.median(r.get(k, 0.0) for r in rows):.2f}" for k in keys), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="events per SQLite run")
    parser.add_argument("--pg-events", type=int, default=200_000, help="events per PostgreSQL run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dialects", default="sqlite,postgresql")
    parser.add_argument("--what", default="demo,import,import-noenrich",
                        help="which measurements; rows of the others already in --out are kept")
    parser.add_argument("--workers", default="0,1",
                        help="worker-process counts to measure (0: preparation in this process)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "tracklens-bench")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks" / "ingest.md")
    parser.add_argument("--ab", help="TREE,TREE: the writer's interleaved A/B of two source trees instead")
    parser.add_argument("--ab-what", default="store,demo,import", help="what --ab measures")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # one --ab measurement, in a child process
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    if args.one:
        import json

        print(json.dumps(one_measurement(args.one, args.events, args.seed, args.cache)))
        return
    if args.ab:
        ab(args)
        return
    dialects = [d.strip() for d in args.dialects.split(",") if d.strip()]
    what = {w.strip() for w in args.what.split(",") if w.strip()}
    load_before = os.getloadavg()
    results: list[dict[str, Any]] = []
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    counter = iter(range(1_000_000))

    def sqlite_url() -> str:
        return f"sqlite:///{work / f'db{next(counter)}.sqlite'}"

    def demo(events: int, workers: int) -> Callable[[Any], int]:
        return lambda engine: generate_demo(engine, events, seed=args.seed, end=END, workers=workers).stored

    def importer(path: Path, workers: int, enrich: bool = True) -> Callable[[Any], int]:
        return lambda engine: import_files(EventWriter(engine, enrich=enrich), [path], workers=workers).stored

    worker_counts = [int(w) for w in args.workers.split(",") if w.strip()]

    def label(name: str, workers: int) -> str:
        return f"{name}, {workers} worker{'s' if workers != 1 else ''}"

    server_cm: Any = None
    try:
        for dialect in dialects:
            events = args.events if dialect == "sqlite" else args.pg_events
            print(f"preparing a {events:,}-event export file ...", flush=True)
            export = export_file(args.cache / f"export-{events}-{args.seed}.jsonl.gz", events, args.seed)
            if dialect == "sqlite":
                make_url = sqlite_url
            else:
                from tests.support.postgres import postgres_server

                server_cm = postgres_server()
                server = server_cm.__enter__()
                make_url = server.create_database
            for workers in worker_counts:
                if "demo" in what:
                    results.append(bench(label("demo", min(workers, 1)), dialect, make_url,
                                         demo(events, workers), args.repeat))
                if "import" in what:
                    results.append(bench(label("import (gzip JSON Lines)", workers), dialect, make_url,
                                         importer(export, workers), args.repeat))
                if "import-noenrich" in what:
                    results.append(bench(label("import, enrichment off", workers), dialect, make_url,
                                         importer(export, workers, False), max(1, args.repeat // 2)))
            if server_cm is not None:
                server_cm.__exit__(None, None, None)
                server_cm = None
    finally:
        if server_cm is not None:
            server_cm.__exit__(None, None, None)
    load_after = os.getloadavg()
    write_report(args, results, load_before, load_after)


def write_report(args: argparse.Namespace, results: list[dict[str, Any]],
                 load_before: tuple[float, float, float], load_after: tuple[float, float, float]) -> None:
    stamp = f"{dt.datetime.now(dt.UTC):%H:%M}, load {load_before[0]:.0f}-{load_after[0]:.0f}"
    lines = [
        "# Ingestion benchmark",
        "",
        f"`python tests/benchmarks/bench_ingest.py --events {args.events} --pg-events {args.pg_events} "
        f"--repeat {args.repeat}` on {platform.node() or 'this machine'} ({os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {platform.system()}), "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "Everything goes through `EventWriter` (validation, enrichment with GeoIP / user agent / referrer, "
        "duplicate check, identity merge, users table), 5,000 messages per transaction, into a fresh "
        "database per run. *events/s* is wall time (what a user waits for); the CPU columns are seconds of "
        "this process (reading, storing) and of its worker processes (parsing, validating, enriching).",
        f"Load average before/after: {load_before[0]:.1f} / {load_after[0]:.1f} (2 cores: above 2 means "
        "other jobs were competing for the CPU).",
        "",
        "| what | database | events | median wall s | events/s | CPU s: this process | CPU s: workers "
        "| measured (UTC), load |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    existing = args.out.read_text() if args.out.exists() else ""
    for r in results:
        lines.append(f"| {r['what']} | {r['dialect']} | {r['events']:,} | {r['wall']:.1f} | {r['rate']:,.0f} | "
                     f"{r['cpu']:.1f} | {r['workers_cpu']:.1f} | {stamp} |")
    lines.append("")
    marker = "\n## "  # the sections written by hand below the latest run's table are kept
    notes = existing[existing.index(marker):] if marker in existing else ""
    args.out.write_text("\n".join(lines) + notes)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
