"""Desktop app part 2 benchmark: User explorer, lazy paging, profile, GUI-thread stalls.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_gui_part2.py \
        --source /tmp/tracklens-bench/gui-demo-1000000.sqlite --extra-persons 1000000

Data: a demo database (the demo generator's product; `--source` copies an existing one with
SQLite's backup API, else `--events` builds one), plus `--extra-persons` person rows written in
bulk (the demo's own visitors are far fewer than the 500,000 rows the scroll test needs) and
one customer with `--heavy-events` events written through EventWriter. Cached under --cache.

Measured in one real MainWindow, medians of --repeat:
- the example cohort (female, older than 35, Order Completed at least 3 times in the last 30
  days): from "run" to its first rows in the User explorer, next to the engine alone;
- all persons sorted by last seen: from scrolling the table to row 500,000 until that row is
  shown (cursor found by OFFSET + one page), and back to row 250,000 (cursor remembered);
- the profile of the person with the most events: from the request to the shown timeline;
- the GUI thread's longest pause (a 5 ms QTimer's largest gap) in each part and over everything
  above, with the most GUI-thread CPU time in one pause of the part (the app's share of a pause,
  which other processes on a loaded machine do not inflate).
Writes docs/benchmarks/gui_part2.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench_gui import GapMeter  # noqa: E402  (tests/benchmarks is sys.path[0] when run)
from PySide6.QtCore import QEventLoop  # noqa: E402
from PySide6.QtWidgets import QApplication, QTableView  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from app.core.database import open_database  # noqa: E402
from app.core.schema import events, users  # noqa: E402
from app.query import run_query  # noqa: E402

EXAMPLE = {
    "kind": "users",
    "where": [{"trait": "gender", "op": "eq", "value": "female"}, {"trait": "age", "op": "gt", "value": 35}],
    "did": [{"event": "Order Completed", "min": 3, "range": {"last": 30, "unit": "day"}}],
}
HEAVY = "bench-heavy-customer"


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def wait_until(app: QApplication, cond: Callable[[], bool], timeout: float = 300) -> None:
    end = time.perf_counter() + timeout
    while not cond():
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 2)
        if time.perf_counter() > end:
            raise TimeoutError("waited too long")
        time.sleep(0.0005)


# --------------------------------------------------------------------------------------------
# Data


def prepare(args: argparse.Namespace) -> Path:
    args.cache.mkdir(parents=True, exist_ok=True)
    tag = Path(args.source).stem if args.source else f"demo-{args.events}"
    path = args.cache / f"gui2-{tag}-{args.extra_persons}-{args.heavy_events}.sqlite"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    if args.source:
        src = sqlite3.connect(args.source)
        dst = sqlite3.connect(partial)
        src.backup(dst)
        src.close()
        dst.close()
        print(f"copied {args.source} in {time.perf_counter() - started:.0f} s", flush=True)
    engine = open_database(f"sqlite:///{partial}")
    if not args.source:
        from app.demo.generator import generate_demo

        generate_demo(engine, args.events, seed=1)
        print(f"generated {args.events:,} demo events in {time.perf_counter() - started:.0f} s", flush=True)
    add_persons(engine, args.extra_persons)
    add_heavy_customer(engine, args.heavy_events)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    partial.rename(path)
    print(f"data ready in {time.perf_counter() - started:.0f} s: {path}", flush=True)
    return path


def add_persons(engine: Any, count: int) -> None:
    """Person rows without events (imported CRM contacts, say), with the demo's trait names."""
    now = int(time.time() * 1000)
    batch = 50_000
    for start in range(0, count, batch):
        rows = []
        for i in range(start, min(count, start + batch)):
            rows.append({"id": f"bulk-{i:07d}", "email": f"contact{i:07d}@bulk.example",
                         "traits": {"email": f"contact{i:07d}@bulk.example", "gender": "female" if i % 2 else "male",
                                    "age": 18 + i % 60, "plan": ("free", "pro", "team")[i % 3]},
                         "first_seen": now - 200 * 86_400_000 + i, "last_seen": now - 95 * 86_400_000 - i * 7,
                         "event_count": 0})
        with engine.begin() as conn:
            conn.execute(users.insert(), rows)
    print(f"added {count:,} persons", flush=True)


def add_heavy_customer(engine: Any, count: int) -> None:
    from app.ingest.writer import EventWriter

    writer = EventWriter(engine, enrich=False)
    end = dt.datetime.now(dt.UTC)
    step = dt.timedelta(days=60) / max(count, 1)
    names = ["Page Viewed", "Product Viewed", "Added To Cart", "Order Completed"]
    batch: list[dict[str, Any]] = [{"type": "identify", "messageId": "heavy-identify", "userId": HEAVY,
                                    "timestamp": (end - dt.timedelta(days=61)).isoformat(),
                                    "traits": {"email": "heavy@bench.example", "gender": "female", "age": 44}}]
    for n in range(count):
        batch.append({"type": "track", "messageId": f"heavy-{n}", "userId": HEAVY, "event": names[n % 4],
                      "timestamp": (end - dt.timedelta(days=60) + step * n).isoformat(),
                      "properties": {"n": n, "sku": f"s{n % 97}"}})
        if len(batch) >= 5000:
            writer.write(batch, arrived_now=False)
            batch = []
    if batch:
        writer.write(batch, arrived_now=False)
    print(f"added a customer with {count:,} events", flush=True)


# --------------------------------------------------------------------------------------------
# Measurements


def run(args: argparse.Namespace, path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    from app.ui.app import ensure_application
    from app.ui.main_window import MainWindow
    from app.ui.settings import open_settings

    url = f"sqlite:///{path}"
    engine = open_database(url)
    with engine.connect() as conn:
        n_events = conn.execute(select(func.count()).select_from(events)).scalar_one()
        n_persons = conn.execute(select(func.count()).select_from(users)).scalar_one()
    app = ensure_application()
    home = Path(tempfile.mkdtemp(prefix="tracklens-gui2-"))
    os.environ["TRACKLENS_DATA_DIR"] = str(home)
    window = MainWindow(open_settings(home / "settings.ini"))
    window.set_simulation_allowed(False)
    window.resize(1400, 900)
    window.show()
    meter = GapMeter()
    meter.start()
    window.open_database(url)
    wait_until(app, lambda: window.connection is not None and all(p.finished_once for p in window.panels.values()))
    startup_stall = meter.longest
    # Baseline: the same meter while the window sits idle shows what the machine itself adds.
    meter.reset()
    idle_end = time.perf_counter() + 3
    wait_until(app, lambda: time.perf_counter() > idle_end)
    idle_stall, idle_over = meter.longest, meter.over(50)
    meter.reset()
    meter.section()
    explorer: Any = window.show_panel("users")
    profile: Any = window.panels["profile"]
    table: QTableView = explorer.table
    model = explorer.model
    rows: list[dict[str, Any]] = []
    notes = [f"Database: SQLite, {n_events:,} events, {n_persons:,} persons ({path.name}).",
             f"Startup (all five panels answered) longest GUI stall: {startup_stall} ms (not part of the table).",
             f"Baseline, the window idle for 3 s (no query running): longest pause {idle_stall} ms, "
             f"{idle_over} pauses over 50 ms — the shared machine's own noise."]

    def finished(panel: Any) -> Callable[[], bool]:
        return lambda: not panel.busy and not panel._refresh_timer.isActive() and panel.finished_once

    # 1. Example cohort: request to first rows.
    gui, engine_only = [], []
    for _ in range(args.repeat):
        explorer.set_query(EXAMPLE)
        marker = object()
        explorer._last_result = marker
        t0 = time.perf_counter()
        explorer.refresh()
        wait_until(app, lambda m=marker: explorer.last_result is not m and not explorer.busy)
        gui.append(time.perf_counter() - t0)
        meter.pause()
        t0 = time.perf_counter()
        answer = run_query(engine, {**EXAMPLE, "limit": 200, "columns": model.trait_columns()})
        engine_only.append(time.perf_counter() - t0)
        meter.resume()
    rows.append({"what": f"example cohort: first rows shown ({answer['total']:,} persons match)",
                 "median_ms": statistics.median(gui) * 1000, "engine_ms": statistics.median(engine_only) * 1000,
                 "pause": meter.section()})

    # 2. All persons, scroll to row 500,000 and back to 250,000.
    target = min(500_000, n_persons - 1)
    back = target // 2
    scroll, scroll_back, walked = [], [], []
    rss_before = rss_mb()
    rss_per_jump: list[float] = []
    for _ in range(args.repeat):
        explorer.set_query({"kind": "users"})
        marker = object()
        explorer._last_result = marker
        explorer.refresh()
        wait_until(app, lambda m=marker: explorer.last_result is not m and not explorer.busy)
        app.processEvents()
        t0 = time.perf_counter()
        table.scrollTo(model.index(target, 0), QTableView.ScrollHint.PositionAtTop)
        wait_until(app, lambda: model.is_loaded(target))
        scroll.append(time.perf_counter() - t0)
        walked.append(model.rows_walked)
        t0 = time.perf_counter()
        table.scrollTo(model.index(back, 0), QTableView.ScrollHint.PositionAtTop)
        wait_until(app, lambda: model.is_loaded(back))
        scroll_back.append(time.perf_counter() - t0)
        rss_per_jump.append(rss_mb())
    rss_after = rss_mb()
    rows.append({"what": f"scroll to row {target:,} of {model.rowCount():,} (cursor found by OFFSET + one page)",
                 "median_ms": statistics.median(scroll) * 1000, "engine_ms": None, "pause": meter.section()})
    rows.append({"what": f"then back to row {back:,} (cursor remembered)",
                 "median_ms": statistics.median(scroll_back) * 1000, "engine_ms": None})
    notes.append(f"Scrolling: {statistics.median(walked):,.0f} rows skipped by the database (OFFSET from the nearest known cursor) per jump; pages in memory "
                 f"{len(model.cached_pages())} (cap 24 × 200 rows); process RSS {rss_before:,.0f} MB before the "
                 f"{args.repeat} jumps, after each: {', '.join(f'{r:,.0f}' for r in rss_per_jump)} MB "
                 f"({rss_after:,.0f} MB at the end). Growth comes from SQLite's page cache (64 MB per "
                 "connection, app.core.database) filling as the index is scanned; the model itself "
                 "keeps at most 24 pages of 200 persons.")

    # 3. Profile of the heavy customer.
    opens, engine_only = [], []
    for _ in range(args.repeat):
        profile._last_result = None
        t0 = time.perf_counter()
        window.show_person(HEAVY)
        wait_until(app, lambda: isinstance(profile.last_result, dict) and not profile.busy)
        opens.append(time.perf_counter() - t0)
        meter.pause()
        t0 = time.perf_counter()
        answer = run_query(engine, profile.query())
        engine_only.append(time.perf_counter() - t0)
        meter.resume()
    opened_pause = meter.section()
    more = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        profile.load_more()
        wait_until(app, lambda: not profile.loading_more)
        more.append(time.perf_counter() - t0)
    rows.append({"what": f"profile of a person with {answer['events']:,} events: shown",
                 "median_ms": statistics.median(opens) * 1000, "engine_ms": statistics.median(engine_only) * 1000,
                 "pause": opened_pause})
    rows.append({"what": "… next 50 timeline events (Load older events)",
                 "median_ms": statistics.median(more) * 1000, "engine_ms": None, "pause": meter.section()})
    meter.stop()
    rows.append({"what": "longest GUI-thread pause over all of the above", "median_ms": float(meter.longest),
                 "engine_ms": None, "raw": f"{meter.over(50)} pauses over 50 ms"})
    window.close()
    engine.dispose()
    return rows, notes


def write_markdown(path: Path, rows: list[dict[str, Any]], notes: list[str], args: argparse.Namespace) -> None:
    lines = [
        "# Desktop app part 2: User explorer, paging, profile",
        "",
        f"`{' '.join(['tests/benchmarks/bench_gui_part2.py', *sys.argv[1:]])}` — "
        f"{dt.date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} cores (shared, noisy), "
        f"Python {platform.python_version()}, offscreen Qt. Medians of {args.repeat} runs.",
        "",
        "| what | in the app (ms) | engine alone (ms) | longest GUI-thread pause in this part (ms) "
        "| most GUI-thread CPU in one pause (ms) | note |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        engine_ms = "" if row["engine_ms"] is None else f"{row['engine_ms']:,.0f}"
        wall, cpu = row.get("pause", ("", ""))
        lines.append(f"| {row['what']} | {row['median_ms']:,.0f} | {engine_ms} | {wall} | {cpu} | {row.get('raw', '')} |")
    lines += ["", *[f"- {n}" for n in notes], ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", help="an existing demo SQLite database to copy (else --events builds one)")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--extra-persons", type=int, default=1_000_000)
    parser.add_argument("--heavy-events", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "tracklens-bench-gui2")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks" / "gui_part2.md")
    args = parser.parse_args()
    path = prepare(args)
    QApplication.instance() or QApplication(sys.argv[:1])
    rows, notes = run(args, path)
    notes.append(f"Max RSS of the benchmark process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6:,.0f} MB.")
    write_markdown(args.out, rows, notes, args)
    print(args.out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
