"""Desktop app benchmark: launch, re-query after a changed setting, GUI stalls, Live View at 1,000 events/s.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_gui.py --events 1000000

Data: the demo generator's product (app.demo.generator.generate_demo) ending now, so the
app's relative ranges ("last 30 days") cover it as a user's would; cached under --cache.
Measures, medians of --repeat:
- launch: a fresh `python -m app --db URL` process until its main window first paints, and
  until every panel shows its first result;
- a changed setting (unit, range, breakdown, filter, measure, events) until the chart and table
  show the new answer, including the 250 ms debounce that collapses bursts, next to the
  engine's own time for the same query (`run_query`);
- the longest pause of the GUI thread (a 5 ms QTimer's largest gap) while all that runs;
- Live View under 1,000 new events/s written by another connection: lag from commit to row
  shown, rows missed or duplicated, the GUI thread's longest pause.
Writes docs/benchmarks/gui.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QElapsedTimer, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app.core.database import open_database  # noqa: E402
from app.core.schema import events  # noqa: E402
from app.query import run_query  # noqa: E402

LAUNCH_PROBE = r"""
import sys, time
from PySide6.QtCore import QObject, QEvent, QTimer
from PySide6.QtWidgets import QApplication
from app.ui.app import ensure_application
from app.ui.main_window import MainWindow
from app.ui.settings import open_settings
app = ensure_application()
window = MainWindow(open_settings(sys.argv[2]))
window.set_simulation_allowed(False)
marks = {}
class Probe(QObject):
    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Paint and "paint" not in marks:
            marks["paint"] = time.time()
        return False
probe = Probe()
window.installEventFilter(probe)
window.show()
window.open_database(sys.argv[1])
def check():
    if "paint" in marks and window.connection is not None and all(p.finished_once for p in window.panels.values()):
        marks["ready"] = time.time()
        print(f"paint={marks['paint']:.6f} ready={marks['ready']:.6f}", flush=True)
        app.quit()
timer = QTimer(); timer.timeout.connect(check); timer.start(5)
app.exec()
window.shutdown()
"""


FIRST_RUN_PROBE = r"""
import os, sys, time
from app.ui.settings import open_settings
settings = open_settings(sys.argv[1])
from app.ui.demo_setup import start_demo_early
head_start = start_demo_early()  # as run_app does on a first run, before the window
from PySide6.QtCore import QTimer
from app.ui.app import ensure_application
app = ensure_application()
from app.ui.main_window import MainWindow
window = MainWindow(settings)
window.set_simulation_allowed(False)
window.show()
built = {}
window.demo_ready.connect(lambda ok: built.setdefault("at", time.time()))
window.open_demo(head_start)
def check():
    if "at" in built and window.connection is not None and all(p.finished_once for p in window.panels.values()):
        print(f"built={built['at']:.6f} ready={time.time():.6f}", flush=True)
        app.quit()
timer = QTimer(); timer.timeout.connect(check); timer.start(5)
app.exec()
window.shutdown()
"""


def _app_env(home: Path) -> dict[str, str]:
    """A launched app's environment: offscreen, its own data folder, and bytecode cached as in
    an installed app (a shell with PYTHONDONTWRITEBYTECODE would recompile ~560 modules a start)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TRACKLENS_DATA_DIR=str(home))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


class GapMeter:
    """The gaps between ticks of a 5 ms timer: how long the GUI thread was busy. `cpu_gaps` are
    the GUI thread's own CPU time in each gap (time.thread_time): the app's share of a pause,
    which the machine's load does not inflate. `section()` gives the longest pause and the largest
    CPU share since its last call (bench_gui_part2 reports them per part)."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[int] = []
        self.cpu_gaps: list[float] = []
        self._cpu = 0.0
        self._section_wall = 0
        self._section_cpu = 0.0

    def start(self) -> None:
        self.clock.start()
        self._cpu = time.thread_time()
        self.timer.start()

    def _tick(self) -> None:
        gap = self.clock.restart()
        now = time.thread_time()
        cpu_ms = (now - self._cpu) * 1000
        self._cpu = now
        self.gaps.append(gap)
        self.cpu_gaps.append(cpu_ms)
        self._section_wall = max(self._section_wall, gap)
        self._section_cpu = max(self._section_cpu, cpu_ms)

    def stop(self) -> None:
        self.timer.stop()

    def pause(self) -> None:
        """While the benchmark itself blocks the GUI thread (timing the engine alone)."""
        self.timer.stop()

    def resume(self) -> None:
        self.clock.restart()
        self._cpu = time.thread_time()
        self.timer.start()

    def reset(self) -> None:
        """Forget the gaps so far (a new phase of the run)."""
        self.gaps.clear()
        self.cpu_gaps.clear()

    def section(self) -> tuple[int, int]:
        got = (self._section_wall, round(self._section_cpu))
        self._section_wall, self._section_cpu = 0, 0.0
        return got

    @property
    def longest(self) -> int:
        return max(self.gaps) if self.gaps else 0

    @property
    def longest_cpu(self) -> int:
        return round(max(self.cpu_gaps)) if self.cpu_gaps else 0

    def over(self, ms: int) -> int:
        return sum(1 for g in self.gaps if g > ms)


def wait_until(predicate: Any, timeout: float = 300.0) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        QApplication.processEvents()
        if time.perf_counter() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.001)


def build_db(path: Path, n: int) -> None:
    from app.demo.generator import generate_demo

    partial = path.with_suffix(".part")
    partial.unlink(missing_ok=True)
    engine = open_database(f"sqlite:///{partial}")
    started = time.perf_counter()
    generate_demo(engine, n, progress=lambda done: print(f"  generated {done:,}", end="\r", flush=True))
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    partial.replace(path)
    print(f"\n  built {path} in {time.perf_counter() - started:.0f} s")


def bench_launch(url: str, repeat: int, tmp: Path) -> dict[str, float]:
    paints, readies = [], []
    for i in range(repeat):
        env = _app_env(tmp / f"launch{i}")
        started = time.time()
        out = subprocess.run([sys.executable, "-c", LAUNCH_PROBE, url, str(tmp / f"launch{i}.ini")],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        line = [x for x in out.stdout.splitlines() if x.startswith("paint=")]
        if not line:
            raise RuntimeError(out.stderr[-2000:])
        marks = dict(part.split("=") for part in line[0].split())
        paints.append(float(marks["paint"]) - started)
        readies.append(float(marks["ready"]) - started)
    return {"paint": statistics.median(paints), "ready": statistics.median(readies)}


def bench_first_run(repeat: int, tmp: Path) -> dict[str, float]:
    """A first start: no demo database yet, so the app creates it (100k events) and opens it."""
    import shutil

    builds, readies = [], []
    for i in range(repeat):
        home = tmp / f"first{i}"
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        started = time.time()
        out = subprocess.run([sys.executable, "-c", FIRST_RUN_PROBE, str(home / "s.ini")],
                             cwd=ROOT, env=_app_env(home), capture_output=True, text=True, timeout=600)
        line = [x for x in out.stdout.splitlines() if x.startswith("built=")]
        if not line:
            raise RuntimeError(out.stderr[-2000:])
        marks = dict(part.split("=") for part in line[0].split())
        builds.append(float(marks["built"]) - started)
        readies.append(float(marks["ready"]) - started)
    return {"built": statistics.median(builds), "ready": statistics.median(readies)}


def _unit(key: str) -> Any:
    return lambda p: p.unit_combo.setCurrentIndex(p.unit_combo.findData(key))


def _preset(key: str) -> Any:
    return lambda p: (p.range_picker.set_preset(key), p.range_picker.changed.emit())


def _breakdown(name: str | None) -> Any:
    def apply(p: Any) -> None:
        if name is None:
            p.breakdown_combo.setCurrentIndex(0)
        else:
            p.breakdown_combo.setCurrentText(name)
        p._edited()

    return apply


def _measure(key: str) -> Any:
    return lambda p: p.measure_combo.setCurrentIndex(p.measure_combo.findData(key))


def _filters(where: list[dict[str, Any]]) -> Any:
    return lambda p: p.filter_builder.set_filters(where)


#: (what the user changes, the change, how to undo it). Each repeat applies and times the
#: change, then undoes it untimed, so every timed run really re-queries.
CHANGES: list[tuple[str, Any, Any]] = [
    ("unit day → week", _unit("week"), _unit("day")),
    ("range 30 → 90 days", _preset("90d"), _preset("30d")),
    ("range 30 → 7 days", _preset("7d"), _preset("30d")),
    ("breakdown by $country_code", _breakdown("$country_code"), _breakdown(None)),
    ("filter $browser = Chrome", _filters([{"property": "$browser", "op": "eq", "value": "Chrome"}]), _filters([])),
    ("measure → unique users", _measure("unique"), _measure("total")),
    ("one event: Order Completed", lambda p: p.event_picker.set_selected(["Order Completed"]),
     lambda p: p.event_picker.set_selected([])),
]


def _settle(panel: Any) -> None:
    wait_until(lambda: panel.settled and panel.last_result_spec == panel.query())


def bench_changes(window: Any, engine: Any, repeat: int) -> list[dict[str, Any]]:
    panel = window.panels["segmentation"]
    rows = []
    for name, apply, revert in CHANGES:
        gui_times, engine_times, stalls, cpu = [], [], [], []
        for _ in range(repeat):
            meter = GapMeter()
            meter.start()
            started = time.perf_counter()
            apply(panel)
            _settle(panel)
            panel.chart.repaint()
            QApplication.processEvents()
            gui_times.append(time.perf_counter() - started)
            meter.stop()
            stalls.append(meter.longest)
            cpu.append(meter.longest_cpu)
            spec = panel.query()
            t0 = time.perf_counter()
            run_query(engine, spec)
            engine_times.append(time.perf_counter() - t0)
            revert(panel)
            _settle(panel)
        rows.append({"change": name, "gui": statistics.median(gui_times), "engine": statistics.median(engine_times),
                     "stall": max(stalls), "cpu": max(cpu)})
    return rows


PRODUCER = r"""
import sys, time
from app.core.database import open_database
from app.ingest.writer import EventWriter
url, rate, seconds, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
writer = EventWriter(open_database(url))
tick, n = 0.1, 0
per_tick = int(rate * tick)
next_at = time.perf_counter()
end = next_at + seconds
with open(out, "w") as log:
    while time.perf_counter() < end:
        batch = []
        for _ in range(per_tick):
            n += 1
            batch.append({"type": "track", "event": "Bench Tick", "messageId": f"bench-{n}",
                          "anonymousId": f"bench-{n % 500}", "properties": {"n": n}})
        writer.write(batch)
        log.write(f"{n} {time.time():.6f}\n")
        log.flush()
        next_at += tick
        time.sleep(max(0.0, next_at - time.perf_counter()))
"""


def bench_live(window: Any, url: str, rate: int, seconds: float, tmp: Path) -> dict[str, Any]:
    """Another process writes `rate` events/s through EventWriter; the Live View must show each once."""
    panel = window.panels["live"]
    wait_until(lambda: panel.loaded)
    seen_at: dict[int, float] = {}
    original_insert = panel._insert

    def insert(rows: list[dict[str, Any]]) -> None:
        now = time.time()
        for row in rows:
            if row.get("event") == "Bench Tick":
                seen_at.setdefault(int(row["properties"]["n"]), now)
        original_insert(rows)

    panel._insert = insert  # type: ignore[method-assign]
    first_id = panel.after_id
    log_path = tmp / "producer.log"
    meter = GapMeter()
    meter.start()
    producer = subprocess.Popen([sys.executable, "-c", PRODUCER, url, str(rate), str(seconds), str(log_path)],
                                cwd=ROOT, env=dict(os.environ))
    wait_until(lambda: producer.poll() is not None, timeout=seconds + 120)
    committed: dict[int, float] = {}
    last_n = 0
    for line in log_path.read_text().splitlines():
        n, at = line.split()
        for k in range(last_n + 1, int(n) + 1):
            committed[k] = float(at)
        last_n = int(n)
    wait_until(lambda: len(seen_at) >= len(committed), timeout=60)
    meter.stop()
    panel._insert = original_insert  # type: ignore[method-assign]
    lags = [seen_at[n] - committed[n] for n in seen_at if n in committed]
    engine = open_database(url)
    with engine.connect() as conn:
        in_db = conn.execute(select(func.count()).where(events.c.event == "Bench Tick", events.c.id > first_id)).scalar_one()
    engine.dispose()
    ids = panel.model.ids()
    return {
        "rate": rate, "seconds": seconds, "written": len(committed), "in_db": in_db, "shown": len(seen_at),
        "duplicates": len(ids) - len(set(ids)), "lag_median": statistics.median(lags), "lag_max": max(lags),
        "stall": meter.longest, "stalls_over_50": meter.over(50), "ticks": len(meter.gaps),
    }


def write_markdown(path: Path, args: argparse.Namespace, n_events: int, launch: dict[str, float],
                   changes: list[dict[str, Any]], first_stall: int, idle_stall: int, live: dict[str, Any],
                   first_run: dict[str, float], load_at_start: float, first_cpu: int = 0) -> None:
    lines = [
        "# Desktop app benchmark",
        "",
        f"`tests/benchmarks/bench_gui.py --events {args.events} --repeat {args.repeat}` on {platform.machine()}, "
        f"{os.cpu_count()} cores (shared, noisy: ±40%), Python {platform.python_version()}, "
        f"offscreen Qt, SQLite demo database with {n_events:,} events. Medians.",
        "",
        "## Launch",
        "",
        "| from the process starting to | seconds | goal |",
        "|---|---|---|",
        f"| `python -m app --db URL`: the main window's first paint | {launch['paint']:.2f} | ≤ 1.5 |",
        f"| `python -m app --db URL`: every panel showing its first result | {launch['ready']:.2f} | ≤ 3 |",
        f"| first run (no demo database): the 100k-event demo created | {first_run['built']:.2f} | |",
        f"| first run: … and every panel showing its first result on it | {first_run['ready']:.2f} | ≤ 5 |",
        "",
        f"Load average at the start of the run: {load_at_start:.1f} on {os.cpu_count()} cores.",
        "",
        "## A changed setting → updated chart (Segmentation, default top-12 events)",
        "",
        "GUI = from the control change to the new chart and table painted, including the 250 ms "
        "debounce that collapses bursts of changes; engine = `run_query` alone for the same spec.",
        "",
        "| change | GUI s | engine s | longest GUI-thread pause ms | its GUI-thread CPU ms |",
        "|---|---|---|---|---|",
    ]
    for row in changes:
        lines.append(f"| {row['change']} | {row['gui']:.2f} | {row['engine']:.2f} | {row['stall']} | {row['cpu']} |")
    lines += [
        "",
        f"Longest GUI-thread pause while the window opened the database and ran its first queries: {first_stall} ms "
        f"(the GUI thread's own CPU in its longest pause: {first_cpu} ms). "
        f"For scale, the same window sitting idle for 5 s on this machine paused at most {idle_stall} ms "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end of the run): pauses "
        "near that floor are the machine's, not the app's.",
        "",
        "## Live View at 1,000 new events/s",
        "",
        f"Another process wrote {live['written']:,} events through EventWriter in {live['seconds']:.0f} s "
        f"(batches of {live['rate'] // 10} every 100 ms); the Live View polled every 1 s.",
        "",
        "| rows written | rows in DB | rows shown | duplicates | lag median s | lag max s | longest GUI pause ms | pauses > 50 ms |",
        "|---|---|---|---|---|---|---|---|",
        f"| {live['written']:,} | {live['in_db']:,} | {live['shown']:,} | {live['duplicates']} | {live['lag_median']:.2f} | "
        f"{live['lag_max']:.2f} | {live['stall']} | {live['stalls_over_50']} |",
        "",
        "Lag is commit → row in the view; with a 1 s poll interval it is bounded by the interval plus one poll.",
        "",
        "## Reading the pause column",
        "",
        "The goal is no GUI-thread pause over 50 ms. The app's own GUI-thread work per event is bounded: "
        "results are shaped on workers, the numbers table is a model over the result (no item per cell), "
        "line charts reuse their curves, and series are drawn in steps of at most 8 ms per event-loop "
        "turn (a single new pyqtgraph curve can overrun that step when the machine is busy). The pauses "
        "in the tables above include the operating system not scheduling the GUI thread at all: compare "
        "them with the idle window's pause on the same machine in the same run. On a shared 2-core "
        "machine running other test suites the floor alone can exceed 50 ms, so the goal can only be "
        "checked on a quiet machine; rerun the benchmark there.",
        "",
        "GUI time exceeds engine time by the 250 ms debounce, the drawing, and the queries the window "
        "runs at the same time (Live View polls every second, and the other panels).",
        "",
    ]
    path.write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--live-seconds", type=float, default=15.0)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/tracklens-bench"))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks" / "gui.md")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    db = args.cache / f"gui-demo-{args.events}.sqlite"
    if not db.exists():
        print(f"building the demo database ({args.events:,} events)…")
        build_db(db, args.events)
    # Work on a copy: the Live View part appends events.
    work = args.cache / f"gui-demo-{args.events}-work.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    work.write_bytes(db.read_bytes())
    url = f"sqlite:///{work}"
    engine = open_database(url)
    with engine.connect() as conn:
        n_events = conn.execute(select(func.count()).select_from(events)).scalar_one()

    tmp = args.cache / "gui-bench-home"
    tmp.mkdir(exist_ok=True)
    os.environ["TRACKLENS_DATA_DIR"] = str(tmp)
    load_at_start = os.getloadavg()[0]
    print("launch…")
    launch = bench_launch(url, args.repeat, tmp)
    print(f"  {launch}")
    print("first run…")
    first_run = bench_first_run(args.repeat, tmp)
    print(f"  {first_run}")

    from app.ui.app import ensure_application
    from app.ui.main_window import MainWindow

    app = ensure_application()

    settings = QSettings(str(tmp / "bench.ini"), QSettings.Format.IniFormat)
    settings.clear()
    window = MainWindow(settings)
    window.set_simulation_allowed(False)
    window.resize(1400, 900)
    window.show()
    meter = GapMeter()
    meter.start()
    window.open_database(url)
    wait_until(lambda: window.connection is not None and all(p.finished_once for p in window.panels.values()))
    wait_until(lambda: window.context.discovery.loaded_events and window.context.discovery.loaded_properties)
    meter.stop()
    first_stall = meter.longest
    first_cpu = meter.longest_cpu
    # The noise floor: the same window doing nothing (Live View paused) on this machine.
    live_panel: Any = window.panels["live"]
    live_panel.pause_button.setChecked(True)
    idle = GapMeter()
    idle.start()
    end = time.perf_counter() + 5
    wait_until(lambda: time.perf_counter() > end)
    idle.stop()
    idle_stall = idle.longest
    live_panel.pause_button.setChecked(False)
    print(f"first stall {first_stall} ms, idle stall {idle_stall} ms")
    print("changes…")
    changes = bench_changes(window, engine, args.repeat)
    for row in changes:
        print(f"  {row}")
    print("live view…")
    live_panel.interval.setValue(1.0)
    live = bench_live(window, url, 1000, args.live_seconds, tmp)
    print(f"  {live}")
    window.close()
    engine.dispose()
    write_markdown(args.out, args, n_events, launch, changes, first_stall, idle_stall, live, first_run, load_at_start,
                   first_cpu)
    print(f"wrote {args.out}")
    del app


if __name__ == "__main__":
    main()
