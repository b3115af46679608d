"""Destinations benchmark (issue 15): does forwarding keep up with ingestion, and what does it
cost per event next to storing it?

For N demo events (the demo generator's messages, stored through the ingestion writer with
enrichment, as the collector stores them), it measures
- ingestion: events/s and CPU seconds per event of EventWriter.write in batches of 100 (the
  collector's commit path, HTTP parsing left out);
- forwarding: events/s and CPU seconds per event of catching up one destination of each type
  (webhook, segment, mixpanel; batches of 100) against a local receiver in another process
  that answers 200 at once.
CPU is this process's (time.process_time), so the receiver's work is not counted (nor, on
PostgreSQL, the server's: both steps are measured alike). Medians of --repeat runs, on SQLite and
on a PostgreSQL server started for the run (skipped where PostgreSQL is not installed). Writes a
markdown table into docs/benchmarks/forward.md, between its markers.

    .venv/bin/python tests/benchmarks/bench_forward.py --events 50000
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.server
import multiprocessing
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.database import open_database  # noqa: E402
from app.demo.generator import generate_messages  # noqa: E402
from app.ingest.writer import EventWriter  # noqa: E402
from app.outbound.destinations.config import parse_destinations  # noqa: E402
from app.outbound.destinations.forwarder import DestinationWorker  # noqa: E402
from tests.support.ports import free_port  # noqa: E402

DAY = 86_400_000


class _Ok(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: with Nagle on, each answer would wait for the
    # client's delayed ACK (~40 ms), measuring the receiver instead of the forwarder.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"success": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


def _serve(port: int) -> None:
    http.server.ThreadingHTTPServer(("127.0.0.1", port), _Ok).serve_forever()


def ingest(url: str, messages: list[dict[str, Any]]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) to store `messages` in batches of 100."""
    engine = open_database(url)
    writer = EventWriter(engine)
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(messages), 100):
        writer.write(messages[i:i + 100], arrived_now=False)
    out = time.perf_counter() - wall, time.process_time() - cpu
    engine.dispose()
    return out


def forward(url: str, kind: str, port: int, run: int, batch: int) -> tuple[float, float, int]:
    """(wall, CPU, messages delivered) for one destination catching up from the start."""
    spec: dict[str, Any] = {"name": f"{kind}-{run}-{batch}", "type": kind, "url": f"http://127.0.0.1:{port}/hook",
                            "batch": batch}
    if kind == "segment":
        spec["write_key"] = "k"
    if kind == "mixpanel":
        spec["api_secret"] = "s"
    (dest,) = parse_destinations([spec])
    engine = open_database(url)
    worker = DestinationWorker(engine, dest)
    wall, cpu = time.perf_counter(), time.process_time()
    summary = worker.catch_up()
    out = time.perf_counter() - wall, time.process_time() - cpu, summary.sent
    worker.close()
    engine.dispose()
    return out


@contextlib.contextmanager
def databases(backend: str) -> Iterator[Callable[[], str]]:
    """A maker of new, empty database URLs on `backend`."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            count = iter(range(1_000_000))
            yield lambda: f"sqlite:///{folder}/bench{next(count)}.sqlite"
        return
    from tests.support.postgres import postgres_server

    with postgres_server() as server:
        yield server.create_database


INGEST = "ingest (EventWriter, batches of 100)"
START, END = "<!-- bench_forward:start -->", "<!-- bench_forward:end -->"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--batches", default="100", help="comma-separated batch sizes to forward with")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks" / "forward.md")
    args = parser.parse_args()
    end = int(dt.datetime(2026, 11, 1, tzinfo=dt.UTC).timestamp() * 1000)
    messages = list(generate_messages(7, args.events, end - 30 * DAY, end))
    port = free_port()
    receiver = multiprocessing.Process(target=_serve, args=(port,), daemon=True)
    receiver.start()
    time.sleep(0.5)
    rows: dict[tuple[str, str], list[tuple[float, float]]] = {}
    skipped: list[str] = []
    try:
        for backend in args.backends.split(","):
            try:
                with databases(backend) as new_url:
                    for run in range(args.repeat):
                        url = new_url()
                        wall, cpu = ingest(url, messages)
                        rows.setdefault((backend, INGEST), []).append((wall, cpu))
                        for batch in (int(b) for b in args.batches.split(",")):
                            for kind in ("webhook", "segment", "mixpanel"):
                                wall, cpu, delivered = forward(url, kind, port, run, batch)
                                print(f"{backend} run {run}: {kind} (batch {batch}) {delivered:,} in {wall:.2f} s, "
                                      f"{cpu / delivered * 1e6:.1f} CPU-µs/event", flush=True)
                                assert delivered > 0, f"{kind} delivered nothing"
                                rows.setdefault((backend, f"forward to {kind} (batches of {batch})"), []).append(
                                    (wall, cpu))
            except RuntimeError as exc:  # no PostgreSQL on this machine
                skipped.append(f"{backend}: {exc}")
    finally:
        receiver.terminate()
    n = len(messages)
    lines = [
        START,
        "## The forwarder alone",
        "",
        f"`tests/benchmarks/bench_forward.py --events {args.events} --batches {args.batches}` on {platform.machine()} "
        f"({multiprocessing.cpu_count()} cores, shared), {n:,} demo messages, medians of {args.repeat}. "
        "Forwarding catches one destination up from the start against a local receiver (another "
        "process, answering 200 at once); CPU is this process's only (on PostgreSQL the server's "
        "is left out of both steps).",
        "",
        "| database | step | events/s | CPU µs/event | CPU vs ingestion |",
        "|---|---|---:|---:|---:|",
    ]
    for (backend, name), samples in rows.items():
        base_cpu = statistics.median(c for _, c in rows[(backend, INGEST)]) / n
        wall = statistics.median(w for w, _ in samples)
        cpu = statistics.median(c for _, c in samples) / n
        lines.append(f"| {backend} | {name} | {n / wall:,.0f} | {cpu * 1e6:,.1f} | {cpu / base_cpu:.2f} |")
    lines += [f"\nSkipped: {reason}" for reason in skipped]
    lines.append(END)
    section = "\n".join(lines)
    text = args.out.read_text(encoding="utf-8") if args.out.exists() else "# Destinations benchmark\n"
    if START in text and END in text:  # the rest of the file (the collector's section, notes) stays
        text = text[:text.index(START)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    args.out.write_text(text, encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
