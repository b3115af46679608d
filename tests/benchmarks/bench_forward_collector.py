"""Issue 15's speed goal as it is worded: the real `tracklens collect` process, with no destination
and with one destination forwarding to a local receiver, under the same Segment-style load.

For each database (SQLite; PostgreSQL on a throw-away server) and each number of concurrent
keep-alive clients, runs interleave the variants (none, webhook, segment, mixpanel; A, B, C, D,
A, B, ...), each on a fresh database: the clients of bench_collector.py post batches of 100
messages for --seconds after --warmup, then the run waits until the receiver has every stored
message (at most --drain seconds). Measured per run:
- the collector process's CPU (user+system from /proc, every thread: HTTP, writer, forwarder)
  per stored event, during the load window and from "ready" until everything was delivered;
- events/s collected and delivered during the window, the lag when the load stopped, and the
  seconds it took to deliver the rest.
- per thread (named in the OS by SITECUSTOMIZE, put on the collector's PYTHONPATH): the window's
  CPU (user, system), minor faults and context switches per event; the commit thread's hand-off
  to the forwarder and cursor moves timed; SQLAlchemy's statements per thread and per commit.
The receiver is another process answering 200 at once and counting the messages it received.
The PostgreSQL server's CPU is not counted (nor the clients' or the receiver's). Writes a
section of docs/benchmarks/forward.md between its markers.

    .venv/bin/python tests/benchmarks/bench_forward_collector.py --runs 3 --clients 8,32

`--trees before=/tmp/fwd-before` adds an A/B: each variant (none too) also runs with the
collector of another source tree (e.g. `git archive <commit> | tar -x -C /tmp/fwd-before`),
interleaved with this tree's (none@before, none, webhook@before, webhook, ...); the table then
names the tree of each row, and a row `@before` is paired with `none@before`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.server
import json
import multiprocessing
import multiprocessing.sharedctypes
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from app.core.database import open_database  # noqa: E402
from app.outbound.destinations import store  # noqa: E402
from app.outbound.destinations.config import parse_destinations  # noqa: E402
from tests.benchmarks.bench_collector import (  # noqa: E402
    RunResult,
    _body_template,
    _client,
    _count,
    _cpu_seconds,
)
from tests.collector import harness  # noqa: E402
from tests.collector.harness import WRITE_KEY, free_port, start_process, stop_process  # noqa: E402

#: "none" (no destination), or a destination type with an optional ":batch" (default: none given)
VARIANTS = ("none", "webhook:100", "webhook", "segment", "mixpanel")
START, END = "<!-- bench_forward_collector:start -->", "<!-- bench_forward_collector:end -->"

#: Put on the collector's PYTHONPATH (a sitecustomize.py in the run's folder): names each Python
#: thread in the OS (prctl PR_SET_NAME, 15 bytes, without "tracklens-"), so /proc/<pid>/task/*/comm
#: tells the threads apart (Python 3.11 leaves them all "python"), and with BENCH_SQL_OUT counts,
#: per thread, the statements SQLAlchemy executes (by verb and table), their CPU in the driver
#: (time.thread_time around cursor.execute) and the commits, written there as JSON every 0.5 s
#: (its own thread, "bench-sql-dump", left out of the others).
#: (The writer's event inserts go to the driver directly and are not counted; they are the same
#: with or without a destination.)
SITECUSTOMIZE = """
import ctypes, os, threading, time

_prctl = ctypes.CDLL(None).prctl
_bootstrap = threading.Thread._bootstrap_inner


#: CPU seconds (time.thread_time) and calls of the commit thread's parts, by name
PARTS = {}


def _timed(name, call):
    def timed(*args, **kwargs):
        start = time.thread_time()
        try:
            return call(*args, **kwargs)
        finally:
            part = PARTS.setdefault(name, [0.0, 0])
            part[0] += time.thread_time() - start
            part[1] += 1
    return timed


def _time_commit_parts(commits):
    # The collector's CommitQueue (the thread's target's owner): its writer's halves and the
    # forwarder's hand-off and cursor moves, each timed (what a destination adds to the thread).
    writer = commits._writer
    for half in ("prepare", "store", "write"):
        if hasattr(writer, half):
            setattr(writer, half, _timed(half, getattr(writer, half)))
    for hook in ("_on_committed", "_in_transaction"):
        if getattr(commits, hook, None) is not None:
            setattr(commits, hook, _timed(hook.lstrip("_"), getattr(commits, hook)))


def _named(self):
    try:
        _prctl(15, self.name.removeprefix("tracklens-")[:15].encode(), 0, 0, 0)
        if self.name == "tracklens-commit" and os.environ.get("BENCH_SQL_OUT"):
            _time_commit_parts(self._target.__self__)
    except Exception:
        pass
    _bootstrap(self)


threading.Thread._bootstrap_inner = _named
if os.environ.get("BENCH_SWITCH_INTERVAL"):  # --switch-interval: the GIL's (sys.setswitchinterval)
    import sys
    sys.setswitchinterval(float(os.environ["BENCH_SWITCH_INTERVAL"]))

if os.environ.get("BENCH_SQL_OUT"):
    import json, re
    from collections import defaultdict
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    _stats = defaultdict(lambda: defaultdict(lambda: [0, 0, 0.0]))  # thread -> key -> [n, rows, cpu s]
    _local = threading.local()
    _word = re.compile(r"^\\s*(\\w+)(?:.*?\\b(?:INTO|UPDATE|FROM)\\s+\\"?(\\w+))?", re.S | re.I)

    @event.listens_for(Engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        _local.t = time.thread_time()

    @event.listens_for(Engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        cpu = time.thread_time() - getattr(_local, "t", time.thread_time())
        m = _word.match(statement)
        key = " ".join(g for g in (m.groups() if m else ("?",)) if g).upper() if m else "?"
        if m and m.group(1).upper() == "UPDATE":
            key = "UPDATE " + (re.match(r"\\s*UPDATE\\s+\\"?(\\w+)", statement, re.I) or m).group(1)
        row = _stats[threading.current_thread().name][key]
        row[0] += 1
        row[1] += len(parameters) if executemany and isinstance(parameters, (list, tuple)) else 1
        row[2] += cpu

    @event.listens_for(Engine, "commit")
    def _commit(conn):
        _stats[threading.current_thread().name]["COMMIT"][0] += 1

    def _write():  # every half second: uvicorn ends the process by the signal it caught, atexit never runs
        while True:
            time.sleep(0.5)
            path = os.environ["BENCH_SQL_OUT"]
            with open(path + ".part", "w") as f:
                json.dump({**{t: {k: list(v) for k, v in kinds.items()} for t, kinds in list(_stats.items())},
                           "commit parts": {k: [v[1], 0, v[0]] for k, v in PARTS.items()}}, f)
            os.replace(path + ".part", path)

    threading.Thread(target=_write, name="bench-sql-dump", daemon=True).start()
"""


#: what _threads_cpu reads per thread, after its name
COUNTERS = ("cpu", "user", "system", "minor faults", "voluntary switches", "involuntary switches")


def _threads_cpu(pid: int) -> dict[int, tuple[str, tuple[float, ...]]]:
    """Each thread of the process: tid -> (its name in the OS, COUNTERS so far: CPU seconds, user
    and system seconds, minor page faults, voluntary and involuntary context switches)."""
    found: dict[int, tuple[str, tuple[float, ...]]] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            status = dict(line.split(":", 1) for line in (task / "status").read_text().splitlines() if ":" in line)
        except OSError:  # the thread ended
            continue
        user, system = int(fields[11]) / tick, int(fields[12]) / tick
        found[int(task.name)] = (name, (user + system, user, system, float(fields[7]),
                                        float(status["voluntary_ctxt_switches"]),
                                        float(status["nonvoluntary_ctxt_switches"])))
    return found


def _by_thread(pid: int, before: dict[int, tuple[str, tuple[float, ...]]],
               after: dict[int, tuple[str, tuple[float, ...]]]) -> dict[str, tuple[float, ...]]:
    """COUNTERS each named thread (summed over threads of one name) added between two readings;
    the main thread (the HTTP event loop) is "http"."""
    spent: dict[str, tuple[float, ...]] = {}
    for tid, (name, counts) in after.items():
        name = "http" if tid == pid else name
        name = "forward" if name.startswith("forward-") else name
        was = before.get(tid, ("", (0.0,) * len(counts)))[1]
        sum_ = spent.get(name, (0.0,) * len(counts))
        spent[name] = tuple(t + c - w for t, c, w in zip(sum_, counts, was, strict=True))
    return spent


def _receiver(port: int, received: Any) -> None:
    """Answers 200 to every POST and adds the messages of its body to `received`."""

    class Ok(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK wait

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            # webhook and segment send stored Segment messages, mixpanel its import events
            n = body.count(b'"$insert_id"') if self.path.startswith("/mixpanel") else body.count(b'"messageId"')
            with received.get_lock():
                received.value += n
            answer = b'{"success": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_args: Any) -> None:
            pass

    http.server.ThreadingHTTPServer(("127.0.0.1", port), Ok).serve_forever()


@dataclass
class Run:
    variant: str
    window: RunResult
    #: events the collector accepted in the whole run (warm-up and window)
    total: int
    #: messages the receiver got during the window
    delivered_window: int
    #: matching messages above the destination's cursor when the load stopped
    lag_at_stop: int
    #: seconds from the end of the load until the cursor passed every stored event (nan: not in --drain)
    drain: float
    #: collector CPU from ready until drained, per accepted event (µs)
    cpu_total_us: float
    stored: int
    #: batches the destination sent from the collector's memory and read back from the database
    #: (the forwarder's log line at shutdown); (0, 0) without a destination
    from_memory: int = 0
    read_back: int = 0
    #: CPU seconds of the forwarder's own thread (its shutdown log line), per delivered event: µs
    thread_us: float = float("nan")
    #: messages the receiver got in the whole run
    received_total: int = 0
    #: CPU of the main thread (the HTTP event loop) in the window, per accepted event (µs)
    main_us: float = float("nan")
    #: the destination's cursor moves made in the collector's commits / in commits of its own
    #: (its shutdown log line; absent before the moves went into the collector's commits)
    moves_collector: int = 0
    moves_own: int = 0
    #: the window's COUNTERS per accepted event of each thread by name (http, commit, forward, ...):
    #: CPU, user, system in µs, faults and switches per 1,000 events
    threads_us: dict[str, tuple[float, ...]] = field(default_factory=dict)
    #: per thread name: statement kind -> [statements, rows, CPU s in the driver] in the whole run,
    #: and "COMMIT" -> [commits, 0, 0] (SITECUSTOMIZE)
    sql: dict[str, dict[str, list[float]]] = field(default_factory=dict)

    @property
    def others_us(self) -> float:
        """The window CPU per event of every other thread (commit, forwarder, helpers)."""
        return self.window.cpu_us_per_event - self.main_us

    @property
    def delivered_rate(self) -> float:
        return self.delivered_window / self.window.seconds


def _main_thread_cpu(pid: int) -> float:
    """CPU seconds of the process's main thread (the collector's HTTP event loop); the rest of its
    CPU is the commit thread's, the forwarder's and small helpers'."""
    fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _drive(port: int, pid: int, clients: int, warmup: float, seconds: float,
                 received: Any, rate: float = 0.0) -> tuple[RunResult, RunResult, int, float,
                                                                     dict[str, tuple[float, ...]]]:
    templates = [_body_template(100, 10_000, seed) for seed in range(20)]
    start = time.monotonic()
    measure_from = start + warmup
    stop_at = measure_from + seconds
    result, warm = RunResult(seconds=seconds), RunResult(seconds=warmup)
    delivered = [0, 0]
    main = [float("nan")]
    threads: dict[str, tuple[float, ...]] = {}

    async def sample() -> None:
        await asyncio.sleep(warmup)
        before, delivered[0], main_before = _cpu_seconds(pid), received.value, _main_thread_cpu(pid)
        threads_before = _threads_cpu(pid)
        await asyncio.sleep(seconds)
        result.cpu, delivered[1] = _cpu_seconds(pid) - before, received.value
        main[0] = _main_thread_cpu(pid) - main_before
        threads.update(_by_thread(pid, threads_before, _threads_cpu(pid)))

    # --rate: each client posts its 100 messages every `interval` seconds, the clients spread over it
    interval = clients * 100 / rate if rate else 0.0
    await asyncio.gather(sample(), *(
        _client("127.0.0.1", port, templates, f"c{c:02d}r", stop_at, measure_from, result, warm,
                interval, interval * c / clients)
        for c in range(clients)))
    return result, warm, delivered[1] - delivered[0], main[0], threads


def _destination(variant: str, port: int) -> dict[str, Any]:
    kind, _, batch = variant.partition("@")[0].partition(":")
    spec: dict[str, Any] = {"name": _name(variant), "type": kind, "url": f"http://127.0.0.1:{port}/{kind}"}
    if batch:
        spec["batch"] = int(batch)
    if kind == "segment":
        spec["write_key"] = "bench"
    if kind == "mixpanel":
        spec["api_secret"] = "bench"
    return spec


def _name(variant: str) -> str:
    return "bench-" + variant.partition("@")[0].replace(":", "-")


@contextlib.contextmanager
def _tree(path: Path | None) -> Iterator[None]:
    """`python -m app collect` started from `path` (its app package) instead of this tree."""
    if path is None:
        yield
        return
    saved = harness.REPO
    harness.REPO = path
    try:
        yield
    finally:
        harness.REPO = saved


def run_once(url: str, variant: str, clients: int, args: argparse.Namespace, work: Path, port: int,
             received: Any, tree: Path | None = None) -> Run:
    extra = ["--write-key", WRITE_KEY]
    if variant.partition("@")[0] != "none":
        path = work / f"destinations-{variant}.json"
        path.write_text(json.dumps([_destination(variant, port)]))
        extra += ["--destinations", str(path)]
    with received.get_lock():
        received.value = 0
    log_path = work / "collector.log"
    log_from = log_path.stat().st_size if log_path.exists() else 0
    site = work / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    sql_out = work / "sql.json"
    sql_out.unlink(missing_ok=True)
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])),
           "BENCH_SQL_OUT": str(sql_out)}
    if args.switch_interval:
        env["BENCH_SWITCH_INTERVAL"] = str(args.switch_interval)
    with _tree(tree):
        running = start_process(url, log_path, extra=extra, env_extra=env)
    pid = running.process.pid
    collector_port = int(running.url.rsplit(":", 1)[1])
    try:
        ready_cpu = _cpu_seconds(pid)
        window, warm, delivered_window, main_cpu, threads = asyncio.run(
            _drive(collector_port, pid, clients, args.warmup, args.seconds, received, args.rate))
        total = window.accepted + warm.accepted
        stopped = time.monotonic()
        lag, drain = (0, 0.0) if variant.partition("@")[0] == "none" else _drain(url, variant, stopped, args.drain)
        cpu_total = _cpu_seconds(pid) - ready_cpu
    finally:
        stop_process(running)
    window.stored = _count(url) - warm.accepted
    with log_path.open("rb") as f:
        f.seek(log_from)
        found = re.findall(rb"(\d+) batches sent from memory, (\d+) read from the database"
                           rb"(?:; ([\d.]+) s CPU in its thread)?"
                           rb"(?:; (\d+) cursor moves in the collector's commits, (\d+) of its own)?", f.read())
    memory, read = (int(found[-1][0]), int(found[-1][1])) if found else (0, 0)
    thread_us = float(found[-1][2]) / received.value * 1e6 if found and found[-1][2] and received.value else float("nan")
    moves = (int(found[-1][3]), int(found[-1][4])) if found and found[-1][3] else (0, 0)
    sql = json.loads(sql_out.read_text()) if sql_out.exists() else {}
    scale = (1e6, 1e6, 1e6, 1e3, 1e3, 1e3)
    threads_us = {name: tuple(c / window.accepted * k for c, k in zip(counts, scale, strict=True))
                  for name, counts in threads.items()} if window.accepted else {}
    return Run(variant, window, total, delivered_window, lag, drain, cpu_total / total * 1e6 if total else float("nan"),
               window.stored + warm.accepted, memory, read, thread_us, received.value,
               main_cpu / window.accepted * 1e6 if window.accepted else float("nan"), *moves, threads_us, sql)


def _drain(url: str, variant: str, stopped: float, longest: float) -> tuple[int, float]:
    """(messages still to send when the load stopped, seconds until the destination's cursor
    reached the last stored event; nan: not within `longest`). From the cursor, not the
    receiver's count: a Mixpanel destination is not sent identify messages."""
    engine = open_database(url)
    try:
        with engine.connect() as conn:
            (dest,) = parse_destinations([_destination(variant, 1)])
            name = dest.name
            cur = store.read_cursor(conn, name)
            lag = store.pending(conn, dest, cur.position if cur else 0)[0]
            last = store.max_event_id(conn)
        while time.monotonic() - stopped < longest:
            cur = store.cursor(engine, name)
            if cur is not None and cur.position >= last:
                return lag, time.monotonic() - stopped
            time.sleep(0.05)
        return lag, float("nan")
    finally:
        engine.dispose()


@contextlib.contextmanager
def databases(backend: str, work: Path) -> Iterator[Callable[[], str]]:
    if backend == "sqlite":
        count = iter(range(1_000_000))
        yield lambda: f"sqlite:///{work / f'fwd-{next(count)}.sqlite'}"
        return
    from tests.support.postgres import postgres_server

    with postgres_server() as server:
        yield server.create_database


def _load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip().split("load average:")[-1].strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--drain", type=float, default=120.0, help="longest wait for forwarding to catch up")
    parser.add_argument("--clients", default="8,32")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=0.0,
                        help="events/s the clients offer in all (paced); 0: as fast as the collector takes them")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--switch-interval", type=float, default=0.0,
                        help="the collector's sys.setswitchinterval (s); 0: Python's default (0.005)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--trees", default="", help="NAME=PATH,...: other source trees to interleave (A/B)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks" / "forward.md")
    args = parser.parse_args()
    trees = {name: Path(path).resolve() for name, _, path in
             (item.partition("=") for item in args.trees.split(",") if item)}
    variants = []
    for variant in args.variants.split(","):
        # each tree's own run without a destination is its baseline
        variants += [f"{variant}@{name}" for name in trees]
        variants.append(variant)
    client_counts = [int(c) for c in args.clients.split(",")]
    received = multiprocessing.Value("q", 0)
    port = free_port()
    receiver = multiprocessing.Process(target=_receiver, args=(port, received), daemon=True)
    receiver.start()
    time.sleep(0.5)
    loads = [_load()]
    results: dict[tuple[str, int, str], list[Run]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="tracklens-fwd-") as folder:
            work = Path(folder)
            for backend in args.backends.split(","):
                with databases(backend, work) as new_url:
                    for _ in range(args.runs):
                        print(f"load {_load()}", flush=True)
                        for clients in client_counts:
                            for variant in variants:  # interleaved: A, B, C, D, A, B, ...
                                tree = trees.get(variant.partition("@")[2]) if "@" in variant else None
                                run = run_once(new_url(), variant, clients, args, work, port, received, tree)
                                results.setdefault((backend, clients, variant), []).append(run)
                                _report(backend, clients, run)
                loads.append(_load())
    finally:
        receiver.terminate()
    _write(args, results, loads)


def _report(backend: str, clients: int, r: Run) -> None:
    print(f"{backend} {clients} clients {r.variant}: collected {r.window.rate:,.0f}/s, delivered "
          f"{r.delivered_rate:,.0f}/s, window CPU {r.window.cpu_us_per_event:.1f} µs/event, total CPU "
          f"{r.cpu_total_us:.1f} µs/event, lag at stop {r.lag_at_stop:,}, drained in {r.drain:.2f} s, "
          f"accepted {r.total:,} stored {r.stored:,}, errors {r.window.errors}, batches from memory {r.from_memory} "
          f"read {r.read_back}, forwarder thread {r.thread_us:.1f} µs/delivered event, HTTP thread "
          f"{r.main_us:.1f} µs/event, other threads {r.others_us:.1f} µs/event, cursor moves in the collector's "
          f"commits {r.moves_collector} / own {r.moves_own}", flush=True)
    print("  window per event by thread (CPU µs = user + system; minor faults, voluntary / involuntary switches "
          "per 1,000 events): " + "; ".join(
              f"{name} {c[0]:.2f} = {c[1]:.2f} + {c[2]:.2f}, {c[3]:.1f}, {c[4]:.1f} / {c[5]:.1f}"
              for name, c in sorted(r.threads_us.items(), key=lambda kv: -kv[1][0]) if c[0] or c[4]), flush=True)
    commits = r.sql.get("tracklens-commit", {}).get("COMMIT", [0])[0]
    for thread, kinds in sorted(r.sql.items()):
        if thread == "MainThread":  # the schema's creation at startup
            continue
        print(f"  SQL in {thread} (whole run; {commits} commits of the commit thread, {r.total / commits if commits else 0:.0f} "
              "events per commit): " + ", ".join(
                  f"{kind} {n:.0f}" + (f" ({rows:.0f} rows)" if rows != n else "") + (f" {cpu * 1e3:.0f} ms" if cpu else "")
                  for kind, (n, rows, cpu) in sorted(kinds.items(), key=lambda kv: -kv[1][0])), flush=True)


def _part_us(run: Run, part: str) -> float:
    """The commit thread's CPU in one of its timed parts over the whole run, per accepted event (µs)."""
    _n, _rows, cpu = run.sql.get("commit parts", {}).get(part, (0, 0, 0.0))
    return cpu / run.total * 1e6 if run.total else float("nan")


def _thread_table(results: dict[tuple[str, int, str], list[Run]]) -> list[str]:
    """Medians of each thread's window CPU per event, and what the commit thread did per commit."""
    lines = [
        "",
        "Per thread (medians; threads named in the OS by a sitecustomize.py the benchmark puts on the "
        "collector's PYTHONPATH): *window* CPU per accepted event of the commit thread, the HTTP event loop "
        "and the forwarder's thread; the commit thread's *hand-off* (`Forwarder.committed`) and *moves* "
        "(`Forwarder.in_transaction`, the cursor moves in its transactions), timed with `time.thread_time()` "
        "over the whole run; *events per commit* and its *statements per commit* counted by a SQLAlchemy "
        "listener (the event inserts go to the driver directly and are not counted); context switches "
        "(voluntary / involuntary) of the commit thread per 1,000 events.",
        "",
        "| database | clients | destination | commit | HTTP | forwarder | hand-off | moves | events per commit "
        "| statements per commit | commit thread switches |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    nan = float("nan")
    for (backend, clients, variant), runs in results.items():
        def med(values: Iterator[float]) -> float:
            found = [v for v in values if v == v]
            return statistics.median(found) if found else nan

        def thread(name: str, i: int = 0, runs: list[Run] = runs) -> float:
            return med(r.threads_us.get(name, (nan,) * 6)[i] for r in runs)

        def per_commit(r: Run, statements: bool) -> float:
            kinds = r.sql.get("tracklens-commit", {})
            commits = kinds.get("COMMIT", (0,))[0]
            if not commits:
                return nan
            if not statements:
                return r.total / commits
            return sum(v[0] for k, v in kinds.items() if k not in ("COMMIT", "BEGIN")) / commits

        lines.append(
            f"| {backend} | {clients} | {variant} | {thread('commit'):.1f} µs | {thread('http'):.1f} µs | "
            f"{thread('forward'):.1f} µs | {med(_part_us(r, 'on_committed') for r in runs):.2f} µs | "
            f"{med(_part_us(r, 'in_transaction') for r in runs):.2f} µs | "
            f"{med(per_commit(r, False) for r in runs):.0f} | {med(per_commit(r, True) for r in runs):.2f} | "
            f"{thread('commit', 4):.0f} / {thread('commit', 5):.0f} |".replace("nan µs", "–").replace("nan", "–"))
    return lines


def _write(args: argparse.Namespace, results: dict[tuple[str, int, str], list[Run]], loads: list[str]) -> None:
    lines = [
        START,
        "## In the collector (the goal as worded)",
        "",
        f"`tests/benchmarks/bench_forward_collector.py --runs {args.runs} --clients {args.clients}"
        + (f" --rate {args.rate:g}" if args.rate else "") + "`: a "
        f"`tracklens collect` process receives batches of 100 demo messages (bench_collector.py's) from "
        f"{args.clients.replace(',', ' or ')} concurrent keep-alive clients"
        + (f" offering {args.rate:,.0f} events/s in all (paced: each client one batch every "
           f"{int(args.clients.split(',')[0]) * 100 / args.rate:.3g} s)" if args.rate else " as fast as it answers")
        + f" for {args.seconds:g} s after "
        f"{args.warmup:g} s warm-up, with no destination or with one (`--destinations`; `webhook:100` is "
        "a webhook with `batch: 100`, the others give no batch) "
        "forwarding to a local receiver in another process that answers 200 at once. Variants interleaved "
        f"(none, webhook, segment, mixpanel, none, ...), each run on a fresh database; medians of {args.runs}. "
        f"{os.cpu_count()} cores shared with other sessions, {platform.python_implementation()} "
        f"{platform.python_version()}; load average (1, 5, 15 min) at the start and after each database: "
        f"{' → '.join(loads)}." + (f" A/B: `--trees {args.trees}`: a variant `@name` ran that tree's "
                                   "collector, interleaved with this tree's." if args.trees else ""),
        "",
        "*CPU/event* is the collector process's user+system CPU (all its threads: HTTP, writer, forwarder) per "
        "accepted event: *window* over the load window, *to drained* from the moment the collector answered "
        "until the destination's cursor had passed the last stored event (so forwarding that lags behind the "
        "window is counted too). "
        "The clients, the receiver and the PostgreSQL server are other processes and not counted. "
        "*Delivered* counts the messages the receiver got during the window (Mixpanel is not sent identify "
        "messages, 5 % of this load); *lag at stop*: matching messages above the cursor when the clients "
        "stopped; *drained*: seconds until they were delivered; *batches memory / read*: the destination's "
        "batches sent from the collector's just-committed records / read back from the database (summed over "
        "the runs); *per batch*: messages received per batch; *paired*: the median over the rounds of each "
        "run's window CPU/event against the same round's run without a destination; *thread*: the "
        "forwarder thread's own CPU per delivered event (its shutdown log line); *HTTP / others*: the "
        "window CPU per event of the main thread (the HTTP event loop) and of all other threads (the "
        "commit thread, the forwarder, helpers).",
        "",
        "| database | clients | destination | collected events/s | delivered events/s | lag at stop | drained "
        "| CPU/event window | vs none | paired | CPU/event to drained | vs none | thread | HTTP / others "
        "| per batch | batches memory / read |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (backend, clients, variant), runs in results.items():
        kind, at, tree = variant.partition("@")
        base = results.get((backend, clients, "none" + at + tree))
        rate = statistics.median(r.window.rate for r in runs)
        window_cpu = statistics.median(r.window.cpu_us_per_event for r in runs)
        total_cpu = statistics.median(r.cpu_total_us for r in runs)
        paired = thread = per_batch = "–"
        if kind == "none":
            delivered = lag = drained = vs_w = vs_t = "–"
        else:
            if base:
                ratios = [r.window.cpu_us_per_event / b.window.cpu_us_per_event - 1
                          for r, b in zip(runs, base, strict=False)]
                paired = f"{statistics.median(ratios):+.0%}"
            thread = f"{statistics.median(r.thread_us for r in runs):.1f} µs"
            batches_sent = sum(r.from_memory + r.read_back for r in runs)
            per_batch = f"{sum(r.received_total for r in runs) / batches_sent:,.0f}" if batches_sent else "–"
            delivered = f"{statistics.median(r.delivered_rate for r in runs):,.0f}"
            lag = f"{statistics.median(r.lag_at_stop for r in runs):,.0f}"
            drained = f"{statistics.median(r.drain for r in runs):.1f} s"
            vs_w = vs_t = "–"
            if base:
                vs_w = f"{window_cpu / statistics.median(r.window.cpu_us_per_event for r in base) - 1:+.0%}"
                vs_t = f"{total_cpu / statistics.median(r.cpu_total_us for r in base) - 1:+.0%}"
        lost = "" if all(r.stored == r.total and not r.window.errors for r in runs) else " (accepted ≠ stored!)"
        batches = "–" if kind == "none" else \
            f"{sum(r.from_memory for r in runs):,} / {sum(r.read_back for r in runs):,}"
        lines.append(f"| {backend} | {clients} | {variant}{lost} | {rate:,.0f} | {delivered} | {lag} | {drained} | "
                     f"{window_cpu:.1f} µs | {vs_w} | {paired} | {total_cpu:.1f} µs | {vs_t} | {thread} | "
                     f"{statistics.median(r.main_us for r in runs):.1f} / "
                     f"{statistics.median(r.others_us for r in runs):.1f} µs | {per_batch} | "
                     f"{batches} |")
    lines += _thread_table(results)
    lines.append(END)
    section = "\n".join(lines)
    text = args.out.read_text(encoding="utf-8") if args.out.exists() else "# Destinations benchmark\n"
    if START in text and END in text:
        text = text[:text.index(START)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(section)


if __name__ == "__main__":
    main()
