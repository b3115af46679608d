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


def _thread_sched() -> tuple[float, float]:
    """(seconds on a core, seconds runnable but waiting for one) of the calling thread (Linux)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            run, wait, _slices = f.read().split()
    except OSError:
        return 0.0, 0.0
    return int(run) / 1e9, int(wait) / 1e9


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
        # The storing thread's time off a core and not waiting for one: blocked (fsync, a
        # worker's batch, the GIL). Unlike wall time it hardly depends on the machine's load.
        run0, wait0 = _thread_sched()
        if kind == "demo":
            from app.ingest.workers import demo_workers

            stored, wall, cpu, children = timed(lambda: generate_demo(
                engine, events, seed=seed, end=END, workers=demo_workers(events)).stored)
        else:
            export = export_file(cache / f"export-{events}-{seed}.jsonl.gz", events, seed)
            stored, wall, cpu, children = timed(lambda: import_files(EventWriter(engine), [export], workers=1).stored)
        run1, wait1 = _thread_sched()
        engine.dispose()
    rss, worker_rss = peak_rss_mb()
    return {"wall": wall, "cpu": cpu, "workers_cpu": children, "stored": stored,
            "storer_blocked": wall - (run1 - run0) - (wait1 - wait0), "rss_mb": rss, "worker_rss_mb": worker_rss}


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


def _sched(path: str) -> tuple[float, float]:
    """(seconds on a core, seconds runnable waiting for one) of a thread or process (Linux)."""
    try:
        with open(f"{path}/schedstat") as f:
            run, wait, _slices = f.read().split()
    except (OSError, ValueError):
        return 0.0, 0.0
    return int(run) / 1e9, int(wait) / 1e9


def _user_system(path: str) -> tuple[float, float]:
    try:
        with open(f"{path}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def profile(kind: str, events: int, seed: int, cache: Path) -> None:
    """--profile: where one import or demo run's time goes, per process and thread (Linux).

    Each thread of this (storing) process and each worker process is sampled every 0.5 s from
    /proc: on a core, runnable but waiting for a core (the machine's load), and blocked (its own
    waits). The parts of EventWriter.store and the pipeline's waits are timed where they run.
    WAL checkpoints are timed apart from the commit: the storing connection's auto-checkpoint is
    off and the same PASSIVE checkpoint runs after every batch (a batch writes more than SQLite's
    1,000-page threshold, so auto-checkpoint ran after every commit anyway). Printed, not written.
    """
    import collections
    import concurrent.futures
    import multiprocessing
    import multiprocessing.queues
    import queue
    import threading

    from sqlalchemy import event
    from sqlalchemy.engine import Connection

    import app.ingest.workers as workers_module
    import app.ingest.writer as writer_module

    parts: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0.0])  # wall, core, wait
    main = threading.get_ident()

    def add(part: str, wall0: float, run0: float, wait0: float) -> None:
        run1, wait1 = _sched("/proc/thread-self")
        spent = parts[part]
        spent[0] += time.perf_counter() - wall0
        spent[1] += run1 - run0
        spent[2] += wait1 - wait0

    def timed_part(owner: Any, name: str, part: str, only: Callable[[], bool] = lambda: True) -> None:
        original = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not only():
                return original(*args, **kwargs)
            wall0, (run0, wait0) = time.perf_counter(), _sched("/proc/thread-self")
            try:
                return original(*args, **kwargs)
            finally:
                add(part, wall0, run0, wait0)
        setattr(owner, name, wrapper)

    in_main: Callable[[], bool] = lambda: threading.get_ident() == main  # noqa: E731
    for owner, name, part in (
            (writer_module.EventWriter, "store", "store: all"), (writer_module.EventWriter, "_drop_stored",
                                                                 "store: duplicate check"),
            (writer_module, "resolve", "store: identity"),
            (writer_module.EventWriter, "_insert_events", "store: events, contexts, rollups"),
            (writer_module.EventWriter, "_insert_contexts", "store: … of which contexts"),
            (writer_module, "update_people", "store: users"), (Connection, "commit", "store: commit"),
            (workers_module, "from_rows", "from_rows (Record objects)")):
        timed_part(owner, name, part)
    store = writer_module.EventWriter.store  # timed above

    def store_then_checkpoint(self: Any, records: Any, result: Any) -> Any:
        stored = store(self, records, result)
        wall0, (run0, wait0) = time.perf_counter(), _sched("/proc/thread-self")
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        add("WAL checkpoint (after each batch)", wall0, run0, wait0)
        return stored

    writer_module.EventWriter.store = store_then_checkpoint  # type: ignore[method-assign]
    timed_part(queue.Queue, "get", "storing thread: waiting for the next batch", in_main)
    timed_part(concurrent.futures.Future, "result", "storing thread: waiting on a worker's result", in_main)
    timed_part(queue.Queue, "put", "reading thread: blocked on the full handoff",
               lambda: threading.current_thread().name == "tracklens-prepare")
    timed_part(multiprocessing.queues.Queue, "get", "receiving thread: next batch from the generator")

    samples: list[tuple[float, dict[str, tuple[float, float, float, float]]]] = []
    names: dict[int, str] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            names.update((t.native_id or 0, t.name) for t in threading.enumerate())
            paths = {f"thread {int(p.name)}": str(p) for p in Path(f"/proc/{os.getpid()}/task").iterdir()}
            paths.update({f"process {c.name} ({c.pid})": f"/proc/{c.pid}" for c in multiprocessing.active_children()})
            samples.append((time.perf_counter(), {k: (*_user_system(p), *_sched(p)) for k, p in paths.items()}))
            stop.wait(0.5)

    with tempfile.TemporaryDirectory(prefix="bench-profile-") as folder:
        engine = open_database(f"sqlite:///{folder}/profile.sqlite")
        event.listen(engine, "connect", lambda dbapi_conn, _record: dbapi_conn.execute("PRAGMA wal_autocheckpoint=0"))
        engine.dispose()
        sampler = threading.Thread(target=sample, name="profile-sampler", daemon=True)
        sampler.start()
        started, load = time.perf_counter(), os.getloadavg()[0]
        if kind == "demo":
            stored = generate_demo(engine, events, seed=seed, end=END, workers=1).stored
        else:
            export = export_file(cache / f"export-{events}-{seed}.jsonl.gz", events, seed)
            stored = import_files(EventWriter(engine), [export], workers=1).stored
        wall = time.perf_counter() - started
        stop.set()
        sampler.join()
        engine.dispose()

    def label(key: str) -> str:
        if key.startswith("thread "):
            tid = int(key.split()[1])
            return "storing process: " + ("main thread" if tid == threading.main_thread().native_id
                                          else names.get(tid, f"thread {tid}"))
        return key

    print(f"{kind}: {stored:,} stored in {wall:.1f} s; load {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    print("| process / thread | user s | system s | on a core s | runnable, waiting s | blocked s |")
    print("|---|---:|---:|---:|---:|---:|")
    first: dict[str, tuple[float, tuple[float, ...]]] = {}
    last: dict[str, tuple[float, tuple[float, ...]]] = {}
    for at, snapshot in samples:
        for key, values in snapshot.items():
            first.setdefault(key, (at, values))
            last[key] = (at, values)
    for key in sorted(last, key=lambda k: first[k][1][2] - last[k][1][2]):
        (t0, a), (t1, b) = first[key], last[key]
        user, system, core, wait = (b[i] - a[i] for i in range(4))
        if core + wait >= 0.05:
            print(f"| {label(key)} | {user:.1f} | {system:.1f} | {core:.1f} | {wait:.1f} | {t1 - t0 - core - wait:.1f} |")
    print("\n| part (µs per stored event) | wall | on a core | runnable, waiting | blocked |\n|---|---:|---:|---:|---:|")
    for part, (spent, core, wait) in parts.items():
        print(f"| {part} | {spent / stored * 1e6:.1f} | {core / stored * 1e6:.1f} | {wait / stored * 1e6:.1f} "
              f"| {(spent - core - wait) / stored * 1e6:.1f} |")
    print("\ntimeline: share of a core per 5 s")
    for i in range(0, len(samples) - 1, 10):
        (at0, snap0), (at1, snap1) = samples[i], samples[min(i + 10, len(samples) - 1)]
        busy = {label(k): (snap1[k][2] - snap0[k][2]) / (at1 - at0) for k in snap1 if k in snap0}
        print(f"{at0 - samples[0][0]:5.0f} s  " + "  ".join(f"{k} {v:.0%}" for k, v in busy.items() if v >= 0.01))


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
    parser.add_argument("--profile", choices=("import", "demo"),
                        help="where one SQLite run's time goes, per process, thread and part (printed)")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    if args.profile:
        profile(args.profile, args.events, args.seed, args.cache)
        return
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
