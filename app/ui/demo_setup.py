"""Creating the demo database on first run, in the background, with progress in the window.

The database is generated into a side file and renamed into place only when complete, so
an interrupted first run never leaves a half-filled demo database that later runs would
take for a finished one.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from app.core.database import open_database
from app.ingest.workers import demo_workers
from app.ui.errors import classify_error
from app.ui.workers import SimpleToken, WorkerPool

if TYPE_CHECKING:
    from app.demo.generator import DemoHeadStart

log = logging.getLogger(__name__)

#: Events in a first-run demo database: realistic charts, generated in seconds.
DEMO_EVENTS = 100_000


class DemoCancelled(Exception):
    """The window closed while the demo database was being generated."""


class DemoBuilder(QObject):
    """Runs `app.demo.generator.generate_demo` on a worker; `progress(text, fraction)` on the GUI thread."""

    progress = Signal(str, object)
    finished_ok = Signal()
    failed = Signal(str)
    _relay_progress = Signal(str, object)

    def __init__(self, path: Path, events: int | None = None, parent: QObject | None = None, *,
                 head_start: DemoHeadStart | None = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.events = events if events is not None else DEMO_EVENTS
        self.workers = demo_workers(self.events)
        self.head_start = head_start
        self._pool = WorkerPool(max_threads=1, parent=self)
        self._token = SimpleToken()
        self._relay_progress.connect(self.progress)

    running = False

    def start(self) -> None:
        self.running = True
        self.progress.emit("Creating the demo database…", 0.0)
        self._pool.submit(self._job, self._token, self._on_done, self._on_error)

    def stop(self) -> None:
        self._token.cancel()
        self._pool.close(10_000)
        self._release_head_start()

    def _release_head_start(self) -> None:
        head_start, self.head_start = self.head_start, None
        if head_start is not None:
            head_start.close()

    def _job(self, token: SimpleToken) -> None:
        from app.demo.generator import generate_demo

        partial = self.path.with_name(self.path.name + ".part")
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)
        engine = open_database(f"sqlite:///{partial}")

        def report(done: int) -> None:
            if token.cancelled:
                raise DemoCancelled()
            fraction = _fraction(done, self.events)
            text = "Creating the demo database…"
            if fraction is not None:
                text = f"Creating the demo database… {fraction:.0%}"
            self._relay_progress.emit(text, fraction)

        try:
            # Generated and prepared in a second process (where there is a second core): the
            # window's thread keeps the interpreter lock to itself and the demo is ready sooner.
            head_start, self.head_start = self.head_start, None
            generate_demo(engine, self.events, progress=report, workers=self.workers, head_start=head_start)
            with engine.begin() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            engine.dispose()
        if token.cancelled:
            raise DemoCancelled()
        partial.replace(self.path)
        for side in (Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            with contextlib.suppress(OSError):
                side.unlink(missing_ok=True)

    def _on_done(self, _result: Any) -> None:
        self.running = False
        self.progress.emit("Demo database ready", 1.0)
        self.finished_ok.emit()

    def _on_error(self, exc: BaseException) -> None:
        self.running = False
        if isinstance(exc, DemoCancelled):
            return
        self.failed.emit(classify_error(exc).message)


def start_demo_early() -> DemoHeadStart | None:
    """Start generating the first-run demo now, before the window exists (None where the demo
    is generated in this process anyway): hand the result to MainWindow.open_demo."""
    if demo_workers(DEMO_EVENTS) == 0:
        return None
    from app.demo.generator import DemoHeadStart, DemoPlan

    return DemoHeadStart(DemoPlan.ending(DEMO_EVENTS))


def _fraction(done: int, total: int) -> float | None:
    """generate_demo reports messages written; the total is only approximate, so clamp."""
    if total <= 0:
        return None
    return max(0.0, min(1.0, done / total))
