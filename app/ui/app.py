"""Starting the desktop app: QApplication, main window, which database to open, screenshots."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtGui import QFileOpenEvent, QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QMainWindow

from app import __version__
from app.core.paths import APP_NAME, demo_db_path
from app.resources import read_bytes
from app.ui import settings as cfg

log = logging.getLogger(__name__)


def ensure_application() -> QApplication:
    """The process's QApplication (pytest-qt may already have made one)."""
    # Workers spend Python time shaping results; with the default 5 ms GIL switch interval the
    # GUI thread can wait that long for each of the many callbacks a repaint makes into Python.
    sys.setswitchinterval(0.001)
    from app.ui.gc_guard import install_gui_gc

    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        install_gui_gc(existing)
        existing.setWindowIcon(app_icon())
        return existing
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    app = QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    app.setWindowIcon(app_icon())  # every window's default icon (title bar, taskbar, Alt+Tab)
    install_gui_gc(app)  # cycles are collected on the GUI thread only (see gc_guard)
    return app


def app_icon() -> QIcon:
    """The Tracklens icon from the package data (importlib.resources, so frozen builds have it too).

    A missing or unreadable icon is logged and gives Qt's empty icon: never a reason not to start.
    """
    pixmap = QPixmap()
    try:
        data = read_bytes("icon.png")
    except (OSError, ValueError) as exc:
        log.warning("no application icon: %s", exc)
        return QIcon()
    if not pixmap.loadFromData(data):
        log.warning("no application icon: icon.png is not a readable image")
        return QIcon()
    return QIcon(pixmap)


def open_report_file(window: QMainWindow, path: str) -> None:
    """Import a report file handed to the app and show it in its panel (Reports > Import… then Open).

    Problems (unreadable file, invalid query, no reports support) are one line in the status bar.
    """
    controller = getattr(window, "reports", None)
    if controller is None:
        window.statusBar().showMessage("Opening saved reports is not available in this build", 15000)
        return
    controller.open_file(path)


class FileOpenFilter(QObject):
    """macOS hands documents (Finder double-click, Open With) to the QApplication as FileOpen events."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent):
            path = event.file()
            if path:
                open_report_file(self.window, path)
                return True
        return super().eventFilter(watched, event)


def choose_database(db_url: str | None, settings_last: str | None) -> tuple[str | None, bool]:
    """(URL to open, is it the demo): --db wins, then the last database, else the demo.

    None as URL means "the demo database, which does not exist yet".
    """
    demo = demo_db_path()
    demo_url = f"sqlite:///{demo}"
    if db_url:
        url = cfg.split_password(db_url)[0]
        return db_url, Path(url.removeprefix("sqlite:///")) == demo
    if settings_last and settings_last != demo_url:
        return settings_last, False
    return (demo_url if demo.exists() else None), True


def needs_offscreen(environ: Mapping[str, str], platform: str) -> bool:
    """Whether Qt would find no display: Linux/BSD without X11 or Wayland, and no platform chosen."""
    if environ.get("QT_QPA_PLATFORM") or platform in ("win32", "darwin"):
        return False
    return not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def run_app(db_url: str | None, screenshot_dir: str | None, no_simulate: bool,
            open_report: str | None = None, *, appearance: str | None = None) -> int:
    """Show the main window and run the event loop; returns the process exit code.

    `open_report` is a report file given on the command line (what Explorer and Linux file
    managers pass for a double-clicked `*.tracklens.json`); `appearance` (system, light, dark)
    overrides View > Appearance for this run.
    """
    if screenshot_dir is not None and needs_offscreen(os.environ, sys.platform):
        # Screenshots need no screen: on a headless Linux box (CI, a server) render offscreen
        # instead of aborting on "could not load the Qt platform plugin xcb".
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if screenshot_dir is not None:
        from app.ui.screenshot import folder_problem

        problem = folder_problem(Path(screenshot_dir))
        if problem is not None:
            print(f"tracklens --screenshot: {problem}", file=sys.stderr)
            return 1
    settings = cfg.open_settings()
    url, is_demo = choose_database(db_url, cfg.last_connection(settings))
    head_start = None
    if url is None:
        # First run: the demo's generating process starts now and makes its first batches while
        # the window is built (a second core is otherwise idle then).
        from app.ui.demo_setup import start_demo_early

        head_start = start_demo_early()
    app = ensure_application()
    from app.ui import theme
    from app.ui.main_window import MainWindow

    # --appearance is for this run only (screenshots of both schemes): the setting stays.
    theme.apply(appearance or str(settings.value("appearance", "system")))
    theme.follow_system()
    window = MainWindow(settings)
    if appearance:
        for action in window.appearance_group.actions():
            action.setChecked(action.objectName() == f"appearance_{appearance}")
    window.setWindowIcon(app.windowIcon())
    file_filter = FileOpenFilter(window)
    app.installEventFilter(file_filter)
    window.set_simulation_allowed(not no_simulate and screenshot_dir is None)
    shooter = None
    if screenshot_dir is not None:
        from app.ui.screenshot import ScreenshotRunner

        shooter = ScreenshotRunner(window, Path(screenshot_dir))
        window.remember_connections = False
    window.show()
    if url is None:
        window.open_demo(head_start)
    else:
        window.open_database(url, is_demo=is_demo)
    if open_report:
        open_report_file(window, open_report)
    if shooter is not None:
        shooter.start()
    code = app.exec()
    app.removeEventFilter(file_filter)
    if shooter is not None:
        code = shooter.exit_code
        if shooter.reason:
            print(f"tracklens --screenshot: {shooter.reason}", file=sys.stderr)
    window.shutdown()
    return int(code)
