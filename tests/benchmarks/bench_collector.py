"""Collector throughput: concurrent clients posting batches of 100 to a collector subprocess.

Run on demand (pytest ignores tests/benchmarks):  .venv/bin/python tests/benchmarks/bench_collector.py
Reports sustained events/s, request latency p50/p99 and accepted vs stored for SQLite and
PostgreSQL, and writes docs/benchmarks/collector.md (medians of --runs runs). Loopback only;
every run stops by itself after --seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlalchemy import func, select  # noqa: E402

from app.core.database import open_database  # noqa: E402
from app.core.schema import events  # noqa: E402
from tests.collector.harness import WRITE_KEY, start_process, stop_process  # noqa: E402
from tests.support.postgres import postgres_server  # noqa: E402

AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
]
EVENTS = ["Page Viewed", "Signed Up", "Created Project", "Invited Teammate", "Upgraded"]


def _body_template(batch_size: int, users: int, seed: int) -> bytes:
    """A batch body whose message ids contain '@@@@@@@@', replaced per request to keep every id unique."""
    batch = []
    for i in range(batch_size):
        n = seed * batch_size + i
        user = n * 7919 % users
        common = {
            "messageId": f"@@@@@@@@-{i}",
            "anonymousId": f"anon-{user}",
            "timestamp": "2026-01-01T00:00:00.000Z",
            "context": {
                "ip": f"{8 + n % 3}.{n % 200}.{n % 97}.{n % 250 + 1}",
                "userAgent": AGENTS[n % len(AGENTS)],
                "library": {"name": "analytics.js", "version": "5.2.0"},
                "page": {"path": f"/p/{n % 40}", "referrer": "https://www.google.com/", "url": "https://app.example.com/"},
            },
        }
        if i % 20 == 0:
            batch.append({**common, "type": "identify", "userId": f"user-{user}",
                          "traits": {"email": f"u{user}@example.com", "plan": "pro"}})
        elif i % 4 == 0:
            batch.append({**common, "type": "page", "name": "Docs", "properties": {"title": "Docs"}})
        else:
            batch.append({**common, "type": "track", "event": EVENTS[n % len(EVENTS)],
                          "properties": {"plan": "pro", "amount": n % 100, "step": n % 4}})
    return json.dumps({"batch": batch, "sentAt": "2026-01-01T00:00:01.000Z"}).encode()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class RunResult:
    seconds: float
    accepted: int = 0
    cpu: float = float("nan")
    #: messages per database transaction (how well concurrent requests were grouped)
    per_transaction: float = float("nan")
    requests: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    stored: int = 0

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds

    @property
    def cpu_us_per_event(self) -> float:
        return self.cpu / self.accepted * 1e6 if self.accepted else float("nan")


async def _client(host: str, port: int, templates: list[bytes], prefix: str, stop_at: float, measure_from: float,
                  result: RunResult, warm: RunResult, interval: float = 0.0, offset: float = 0.0) -> None:
    """Posts batches back to back, or one every `interval` seconds (a paced load: the collector then
    takes the same rate whatever else it does, so CPU per event compares like with like), the first
    `offset` seconds after the start so that paced clients do not all post at once."""
    reader, writer = await asyncio.open_connection(host, port)
    auth = base64.b64encode(f"{WRITE_KEY}:".encode()).decode()
    n = 0
    first = time.monotonic() + offset
    while time.monotonic() < stop_at:
        if interval:
            ahead = first + n * interval - time.monotonic()
            if ahead > 0:
                await asyncio.sleep(ahead)
        body = templates[n % len(templates)].replace(b"@@@@@@@@", f"{prefix}{n:07d}".encode())
        n += 1
        head = (f"POST /v1/batch HTTP/1.1\r\nHost: {host}\r\nAuthorization: Basic {auth}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        started = time.monotonic()
        writer.write(head + body)
        status_line = await reader.readline()
        length = 0
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        payload = await reader.readexactly(length)
        elapsed = time.monotonic() - started
        target = result if started >= measure_from else warm
        target.requests += 1
        if status_line.split()[1:2] == [b"200"]:
            target.accepted += json.loads(payload)["accepted"]
            target.latencies.append(elapsed)
        else:
            target.errors += 1
    writer.close()


async def _drive(port: int, pid: int, clients: int, warmup: float, seconds: float) -> tuple[RunResult, RunResult]:
    templates = [_body_template(100, 10_000, seed) for seed in range(20)]
    start = time.monotonic()
    measure_from = start + warmup
    stop_at = measure_from + seconds
    result, warm = RunResult(seconds=seconds), RunResult(seconds=warmup)

    async def sample_cpu() -> None:
        await asyncio.sleep(warmup)
        before = _cpu_seconds(pid)
        await asyncio.sleep(seconds)
        result.cpu = _cpu_seconds(pid) - before

    await asyncio.gather(sample_cpu(), *(
        _client("127.0.0.1", port, templates, f"c{c:02d}r", stop_at, measure_from, result, warm)
        for c in range(clients)))
    return result, warm


def _count(url: str) -> int:
    engine = open_database(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(events)).scalar_one())
    finally:
        engine.dispose()


def run_once(url: str, clients: int, warmup: float, seconds: float, log: Path) -> RunResult:
    running = start_process(url, log)
    port = int(running.url.rsplit(":", 1)[1])
    try:
        result, warm = asyncio.run(_drive(port, running.process.pid, clients, warmup, seconds))
        # the counters are shown only to a holder of a write key
        auth = "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()
        ask = urllib.request.Request(running.url + "/health", headers={"Authorization": auth})
        health = json.loads(urllib.request.urlopen(ask, timeout=10).read())
        result.per_transaction = health["committed"] / max(1, health["transactions"])
    finally:
        stop_process(running)
    result.stored = _count(url) - warm.accepted
    return result


def writer_alone(url: str, seconds: float, group: int = 800) -> RunResult:
    """The ceiling: EventWriter.write on the same messages, in-process, no HTTP, groups of `group`."""
    from app.ingest.writer import EventWriter

    engine = open_database(url)
    writer = EventWriter(engine, enrich=True)
    templates = [json.loads(_body_template(100, 10_000, seed))["batch"] for seed in range(20)]
    result = RunResult(seconds=seconds)
    n = 0
    cpu0 = time.process_time()
    started = time.monotonic()
    try:
        while time.monotonic() - started < seconds:
            messages: list[dict[str, Any]] = []
            for _ in range(group // 100):
                prefix = f"w{n:07d}"
                messages.extend({**m, "messageId": m["messageId"].replace("@@@@@@@@", prefix)}
                                for m in templates[n % len(templates)])
                n += 1
            result.accepted += writer.write(messages).stored
    finally:
        result.seconds = time.monotonic() - started
        result.cpu = time.process_time() - cpu0
        engine.dispose()
    return result


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--clients", default="8,32", help="comma-separated numbers of concurrent clients")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--out", default=str(REPO / "docs" / "benchmarks" / "collector.md"))
    args = parser.parse_args()

    client_counts = [int(c) for c in args.clients.split(",")]
    rows: list[tuple[str, int, list[RunResult], list[RunResult]]] = []
    work = Path(tempfile.mkdtemp(prefix="tracklens-bench-"))
    counter = iter(range(10_000))
    for backend in args.backends.split(","):
        with contextlib.ExitStack() as stack:
            if backend == "sqlite":
                def new_url() -> str:
                    return f"sqlite:///{work / f'bench-{next(counter)}.sqlite'}"
            else:
                server = stack.enter_context(postgres_server())
                new_url = server.create_database
            runs: dict[int, list[RunResult]] = {c: [] for c in client_counts}
            alone: list[RunResult] = []
            # Interleaved, so a burst of load from elsewhere on the machine hits every variant alike.
            for _ in range(args.runs):
                for clients in client_counts:
                    result = run_once(new_url(), clients, args.warmup, args.seconds, work / "collector.log")
                    runs[clients].append(result)
                    _report(backend, f"collector, {clients} clients", result)
                alone.append(writer_alone(new_url(), args.seconds))
                _report(backend, "writer alone", alone[-1])
        rows.extend((backend, clients, runs[clients], alone) for clients in client_counts)
    _write(Path(args.out), rows, args)


def _report(backend: str, what: str, r: RunResult) -> None:
    print(f"{backend} {what}: {r.rate:,.0f} events/s, {r.cpu_us_per_event:.0f} CPU-us/event, "
          f"p50 {_pct(r.latencies, .5) * 1000:.0f} ms, p99 {_pct(r.latencies, .99) * 1000:.0f} ms, "
          f"accepted {r.accepted:,}, stored {r.stored:,}, errors {r.errors}, "
          f"{r.per_transaction:.0f} messages/transaction", flush=True)


def _write(path: Path, rows: list[tuple[str, int, list[RunResult], list[RunResult]]], args: argparse.Namespace) -> None:
    lines = [
        "# Collector throughput",
        "",
        f"`tests/benchmarks/bench_collector.py`: {args.clients.replace(',', ' or ')} concurrent keep-alive "
        f"clients post batches of "
        f"100 messages (track/page/identify with IP, user agent and referrer, so enrichment and identity "
        f"merge run) to a `tracklens collect` subprocess on loopback for {args.seconds:g} s after "
        f"{args.warmup:g} s warm-up. Medians of {args.runs} runs, each on a fresh database.",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()}; the clients run on the same cores as the collector.",
        "",
        "*Writer alone* is the ceiling: `EventWriter.write` on the same messages in groups of 800, in one "
        "process, no HTTP. *CPU/event* is the collector process's own CPU time (user+system) per stored "
        "event, which the shared machine's noise disturbs far less than events/s.",
        "",
        "| database | clients | collector events/s (median) | runs | p50 latency | p99 latency "
        "| accepted = stored | messages per transaction | collector CPU/event | writer alone events/s "
        "| writer CPU/event |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for backend, clients, runs, alone in rows:
        rates = [r.rate for r in runs]
        p50 = statistics.median(_pct(r.latencies, .5) for r in runs) * 1000
        p99 = statistics.median(_pct(r.latencies, .99) for r in runs) * 1000
        equal = all(r.accepted == r.stored for r in runs) and not any(r.errors for r in runs)
        cpu = statistics.median(r.cpu_us_per_event for r in runs)
        alone_rate = statistics.median(r.rate for r in alone)
        alone_cpu = statistics.median(r.cpu_us_per_event for r in alone)
        grouping = statistics.median(r.per_transaction for r in runs)
        lines.append(f"| {backend} | {clients} | {statistics.median(rates):,.0f} | "
                     f"{', '.join(f'{x:,.0f}' for x in rates)} | {p50:.0f} ms | {p99:.0f} ms | "
                     f"{'yes' if equal else 'NO'} | {grouping:,.0f} | {cpu:.0f} µs | {alone_rate:,.0f} "
                     f"| {alone_cpu:.0f} µs |")
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text() if path.exists() else ""
    marker = "\n## Notes"
    notes = existing[existing.index(marker):] if marker in existing else ""
    path.write_text("\n".join(lines) + "\n" + notes)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
