"""`tracklens --screenshot DIR`: render every panel and the window once their first query is done.

Used by the docs, the tests and the packaged-app smoke test, so it must exit by itself:
0 when every panel answered, 1 with a reason when a panel failed or time ran out.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication

from app.ui.main_window import DEFAULT_SIZE, MainWindow

DEFAULT_TIMEOUT_S = 180.0


def folder_problem(folder: Path) -> str | None:
    """Why PNGs cannot be written into `folder` (None: they can). Checked before the window is
    built, so a mistyped or read-only folder is one line at once, not a failure after every
    panel has loaded."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".tracklens-", suffix=".png"):
            pass
    except OSError as exc:
        return f"cannot write into {folder}: {exc.strerror or exc}"
    return None


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
        if not window.settings.contains("window/geometry"):
            # The first window fits the screen, the offscreen platform's is 800 x 800: the pictures
            # show the window as on a big screen.
            window.resize(*DEFAULT_SIZE)

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
        # An error here used to escape the timer's slot: no exit code, and the app never quit.
        problem = folder_problem(self.folder)
        if problem is not None:
            self._finish(1, problem)
            return
        window = self.window
        unwritten: list[str] = []
        failed = [f"{pid}: {p.last_error}" for pid, p in window.panels.items() if p.last_error]
        for panel_id, dock in window.docks.items():
            if not dock.isVisible():
                continue
            dock.raise_()
            QApplication.processEvents()
            path = self.folder / f"{panel_id}.png"
            self._save(window.panels[panel_id].grab(), path, unwritten)
        # The window shows the default front panels.
        for dock in window.default_front_docks():
            dock.raise_()
        QApplication.processEvents()
        self._save(window.grab(), self.folder / "window.png", unwritten)
        if unwritten:
            self._finish(1, f"could not write {', '.join(unwritten)} into {self.folder}")
        elif failed:
            self._finish(1, "a panel failed: " + "; ".join(failed))
        else:
            self._finish(0, None)

    def _save(self, pixmap: QPixmap, path: Path, unwritten: list[str]) -> None:
        """QPixmap.save says only True or False (a full disk, a folder in the file's place)."""
        if pixmap.save(str(path)):
            self.written.append(path)
        else:
            unwritten.append(path.name)

    def _finish(self, code: int, reason: str | None) -> None:
        self._timer.stop()
        self.exit_code = code
        self.reason = reason
        app = QApplication.instance()
        if app is not None:
            app.exit(code)
