"""Ingestion benchmark: events/s of `tracklens demo` and `tracklens import`, SQLite and PostgreSQL.

Every run writes into a fresh database through the real path (EventWriter: validation,
enrichment, duplicate check, identity merge, users), exactly as the commands do.

    .venv/bin/python tests/benchmarks/bench_ingest.py                       # 1M SQLite, 200k PostgreSQL
    .venv/bin/python tests/benchmarks/bench_ingest.py --events 200000 --repeat 3 --dialects sqlite

The import file is the demo's messages written as a Segment export would have them
(ISO-8601 timestamps with originalTimestamp/sentAt/receivedAt, gzip JSON Lines), cached
under --cache. Reports medians of --repeat runs (and CPU seconds of this process, which
the shared 2-core machine disturbs less than wall time) in docs/benchmarks/ingest.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

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


def timed(run: Callable[[], int]) -> tuple[int, float, float]:
    """(stored, wall seconds, CPU seconds of this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    stored = run()
    return stored, time.perf_counter() - wall, time.process_time() - cpu


def bench(name: str, dialect: str, make_url: Callable[[], str], action: Callable[[Any], int],
          repeat: int) -> dict[str, Any]:
    walls: list[float] = []
    cpus: list[float] = []
    stored = 0
    for i in range(repeat):
        engine = open_database(make_url())
        stored, wall, cpu = timed(lambda engine=engine: action(engine))
        engine.dispose()
        walls.append(wall)
        cpus.append(cpu)
        print(f"  {name} on {dialect} run {i + 1}: {stored:,} events in {wall:.1f} s "
              f"({stored / wall:,.0f}/s wall, {stored / cpu:,.0f}/s CPU)", flush=True)
    wall = statistics.median(walls)
    cpu = statistics.median(cpus)
    return {"what": name, "dialect": dialect, "events": stored, "wall": wall, "cpu": cpu,
            "rate": stored / wall, "cpu_rate": stored / cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="events per SQLite run")
    parser.add_argument("--pg-events", type=int, default=200_000, help="events per PostgreSQL run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dialects", default="sqlite,postgresql")
    parser.add_argument("--what", default="demo,import,import-noenrich",
                        help="which measurements; rows of the others already in --out are kept")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "tracklens-bench")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks" / "ingest.md")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    dialects = [d.strip() for d in args.dialects.split(",") if d.strip()]
    what = {w.strip() for w in args.what.split(",") if w.strip()}
    load_before = os.getloadavg()
    results: list[dict[str, Any]] = []
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    counter = iter(range(1_000_000))

    def sqlite_url() -> str:
        return f"sqlite:///{work / f'db{next(counter)}.sqlite'}"

    def demo(events: int) -> Callable[[Any], int]:
        return lambda engine: generate_demo(engine, events, seed=args.seed, end=END).stored

    def importer(path: Path, enrich: bool = True) -> Callable[[Any], int]:
        return lambda engine: import_files(EventWriter(engine, enrich=enrich), [path]).stored

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
            if "demo" in what:
                results.append(bench("demo", dialect, make_url, demo(events), args.repeat))
            if "import" in what:
                results.append(bench("import (gzip JSON Lines)", dialect, make_url, importer(export),
                                     args.repeat))
            if "import-noenrich" in what:
                results.append(bench("import, enrichment off", dialect, make_url, importer(export, False),
                                     max(1, args.repeat // 2)))
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
        "database per run. *events/s* is wall time (what a user waits for); *CPU events/s* counts only "
        "this process's CPU time, which the shared, noisy machine disturbs less.",
        f"Load average before/after: {load_before[0]:.1f} / {load_after[0]:.1f} (2 cores: above 2 means "
        "other jobs were competing for the CPU).",
        "",
        "| what | database | events | median wall s | events/s | CPU events/s | measured (UTC), load |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    existing = args.out.read_text() if args.out.exists() else ""
    rows = {(r["what"], r["dialect"]): (f"| {r['what']} | {r['dialect']} | {r['events']:,} | {r['wall']:.1f} | "
                                        f"{r['rate']:,.0f} | {r['cpu_rate']:,.0f} | {stamp} |") for r in results}
    for line in existing.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) in (6, 7) and cells[1] in ("sqlite", "postgresql") and (cells[0], cells[1]) not in rows:
            # Measured in an earlier run: kept.
            rows[(cells[0], cells[1])] = line if len(cells) == 7 else line.rstrip() + " earlier run |"
    order = ["demo", "import (gzip JSON Lines)", "import, enrichment off"]
    for key in sorted(rows, key=lambda k: (k[1] != "sqlite", order.index(k[0]) if k[0] in order else 9)):
        lines.append(rows[key])
    lines.append("")
    marker = "\n## Notes"
    notes = existing[existing.index(marker):] if marker in existing else ""
    args.out.write_text("\n".join(lines) + notes)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
