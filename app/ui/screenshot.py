"""`tracklens --screenshot DIR`: render every panel and the window once their first query is done.

Used by the docs, the tests and the packaged-app smoke test, so it must exit by itself:
0 when every panel answered, 1 with a reason when a panel failed or time ran out.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from app.ui.main_window import MainWindow

DEFAULT_TIMEOUT_S = 180.0


class ScreenshotRunner(QObject):
    """Waits for the panels, then writes `<panel_id>.png` for each and `window.png`."""

    def __init__(self, window: MainWindow, folder: Path, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        super().__init__(window)
        self.window = window
        self.folder = Path(folder)
        self.timeout_s = timeout_s
        self.exit_code = 1
        self.reason: str | None = "did not finish"
        self.written: list[Path] = []
        self._started = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._check)

    def start(self) -> None:
        self._started = time.monotonic()
        self.window.context.connect_failed.connect(self._on_connect_failed)
        self._timer.start()

    def _on_connect_failed(self, message: str) -> None:
        self._finish(1, message)

    def _check(self) -> None:
        panels = self.window.panels
        if self.window.connection is not None and all(p.finished_once and p.settled for p in panels.values()):
            self._timer.stop()
            # Let the last results paint before grabbing.
            QTimer.singleShot(300, self._shoot)
            return
        if time.monotonic() - self._started > self.timeout_s:
            waiting = [pid for pid, p in panels.items() if not p.finished_once]
            self._finish(1, f"timed out after {self.timeout_s:g} s waiting for: {', '.join(waiting) or 'the database'}")

    def _shoot(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        window = self.window
        failed = [f"{pid}: {p.last_error}" for pid, p in window.panels.items() if p.last_error]
        for panel_id, dock in window.docks.items():
            if not dock.isVisible():
                continue
            dock.raise_()
            QApplication.processEvents()
            path = self.folder / f"{panel_id}.png"
            window.panels[panel_id].grab().save(str(path))
            self.written.append(path)
        # The window shows the default front panels.
        for dock in window.default_front_docks():
            dock.raise_()
        QApplication.processEvents()
        path = self.folder / "window.png"
        window.grab().save(str(path))
        self.written.append(path)
        if failed:
            self._finish(1, "a panel failed: " + "; ".join(failed))
        else:
            self._finish(0, None)

    def _finish(self, code: int, reason: str | None) -> None:
        self._timer.stop()
        self.exit_code = code
        self.reason = reason
        app = QApplication.instance()
        if app is not None:
            app.exit(code)
