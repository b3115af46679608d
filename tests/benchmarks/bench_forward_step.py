"""The forwarder's own CPU per event on the collector's fast path, without the collector around it
(issue 15): where bench_forward_collector.py measures the goal as worded, in a whole noisy
process, this times only the destination worker's steps (`time.thread_time()`), so an A/B of two
source trees shows what a forwarder change itself saves.

A child process per run, on a fresh database: demo messages are stored by the ingestion writer in
commits of --per-commit (enriched, as the collector stores them), each commit handed to a
`Forwarder` as `collect --destinations` does, and after every --commits-per-step commits the
destination's worker steps until its feed is empty (so a batch can hold up to
per-commit × commits-per-step messages, as when the collector commits faster than one request).
A local receiver in another process answers 200 at once. Runs interleave the trees and types.

    .venv/bin/python tests/benchmarks/bench_forward_step.py --trees before=/tmp/fwd-before,after=. --runs 5
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
REPO = HERE.parents[2]
DAY = 86_400_000


def child(tree: str, url: str, kind: str, events: int, per_commit: int, commits_per_step: int, port: int) -> None:
    """One run with `tree`'s forwarder; prints a JSON line."""
    sys.path.insert(0, tree)
    import app
    from app.core.database import open_database
    from app.demo.generator import generate_messages
    from app.ingest.writer import EventWriter
    from app.outbound.destinations.config import parse_destinations
    from app.outbound.destinations.forwarder import Forwarder

    assert Path(app.__file__).resolve().is_relative_to(Path(tree).resolve()), app.__file__
    end = int(time.time() * 1000)
    messages = list(generate_messages(7, events, end - 30 * DAY, end))
    engine = open_database(url)
    spec: dict[str, Any] = {"name": "bench", "type": kind, "url": f"http://127.0.0.1:{port}/{kind}"}
    spec.update({"segment": {"write_key": "k"}, "mixpanel": {"api_secret": "s"}}.get(kind, {}))
    forwarder = Forwarder(engine, parse_destinations([spec]))
    (worker,) = forwarder.workers
    writer = EventWriter(engine)
    cpu, sent, batches = 0.0, 0, 0
    chunks = [messages[i:i + per_commit] for i in range(0, len(messages), per_commit)]
    for n, chunk in enumerate(chunks, 1):
        records, result = writer.prepare(chunk)
        before = result.stored
        result = writer.store(records, result)
        forwarder.committed(records, result.stored - before == len(records))
        if n % commits_per_step and n != len(chunks):
            continue
        t0 = time.thread_time()
        for _ in range(1000):
            outcome = worker.step()
            if outcome == "sent":
                sent += worker.last_batch
                batches += 1
            elif outcome != "skipped":
                break
            if worker._in_sync and worker.feed is not None and not len(worker.feed):
                break  # caught up: the next commit goes from memory
        cpu += time.thread_time() - t0
    worker.close()
    engine.dispose()
    print(json.dumps({"cpu_us": cpu / sent * 1e6 if sent else None, "sent": sent, "batches": batches,
                      "memory": worker.fast_batches, "read": worker.read_batches}))


def _serve(port: int) -> None:
    import http.server

    class Ok(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *_args: Any) -> None:
            pass

    http.server.ThreadingHTTPServer(("127.0.0.1", port), Ok).serve_forever()


@contextlib.contextmanager
def _databases(backend: str, work: Path) -> Iterator[Callable[[], str]]:
    if backend == "sqlite":
        count = iter(range(1_000_000))
        yield lambda: f"sqlite:///{work / f'step-{next(count)}.sqlite'}"
        return
    sys.path.insert(0, str(REPO))
    from tests.support.postgres import postgres_server

    with postgres_server() as server:
        yield server.create_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trees", default=f"this={REPO}")
    parser.add_argument("--kinds", default="webhook,segment,mixpanel")
    parser.add_argument("--backends", default="sqlite")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--per-commit", type=int, default=250)
    parser.add_argument("--commits-per-step", type=int, default=4)
    parser.add_argument("--child", nargs=3, metavar=("TREE", "URL", "KIND"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.child[2], args.events, args.per_commit, args.commits_per_step,
              args.port)
        return
    trees = {name: str(Path(path).resolve()) for name, _, path in (t.partition("=") for t in args.trees.split(","))}
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    receiver = multiprocessing.Process(target=_serve, args=(port,), daemon=True)
    receiver.start()
    time.sleep(0.5)
    results: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    load = lambda: subprocess.run(["uptime"], capture_output=True, text=True).stdout.split("average:")[-1].strip()  # noqa: E731
    print(f"load {load()}", flush=True)
    try:
        with tempfile.TemporaryDirectory(prefix="tracklens-step-") as folder:
            for backend in args.backends.split(","):
                with _databases(backend, Path(folder)) as new_url:
                    for _ in range(args.runs):
                        for kind in args.kinds.split(","):
                            for name, tree in trees.items():  # interleaved
                                out = subprocess.run(
                                    [sys.executable, str(HERE), "--child", tree, new_url(), kind, "--port", str(port),
                                     "--events", str(args.events), "--per-commit", str(args.per_commit),
                                     "--commits-per-step", str(args.commits_per_step)],
                                    capture_output=True, text=True, cwd=tree)
                                if out.returncode:
                                    raise SystemExit(out.stderr)
                                got = json.loads(out.stdout.strip().splitlines()[-1])
                                results.setdefault((backend, kind, name), []).append(got)
                                print(backend, kind, name, got, flush=True)
    finally:
        receiver.terminate()
    print(f"load {load()}")
    print("| database | type | tree | forwarder CPU µs/event (median) | runs | messages/batch |")
    print("|---|---|---|---:|---|---:|")
    for (backend, kind, name), runs in results.items():
        us = [r["cpu_us"] for r in runs]
        per = sum(r["sent"] for r in runs) / max(1, sum(r["batches"] for r in runs))
        print(f"| {backend} | {kind} | {name} | {statistics.median(us):.2f} | "
              f"{', '.join(f'{u:.2f}' for u in us)} | {per:,.0f} |")


if __name__ == "__main__":
    main()
