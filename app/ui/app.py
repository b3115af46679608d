"""Starting the desktop app: QApplication, main window, which database to open, screenshots."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from app import __version__
from app.core.paths import APP_NAME, demo_db_path
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
        return existing
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    app = QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    install_gui_gc(app)  # cycles are collected on the GUI thread only (see gc_guard)
    return app


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


def run_app(db_url: str | None, screenshot_dir: str | None, no_simulate: bool) -> int:
    """Show the main window and run the event loop; returns the process exit code."""
    app = ensure_application()
    from app.ui.main_window import MainWindow

    settings = cfg.open_settings()
    window = MainWindow(settings)
    window.set_simulation_allowed(not no_simulate and screenshot_dir is None)
    url, is_demo = choose_database(db_url, cfg.last_connection(settings))
    shooter = None
    if screenshot_dir is not None:
        from app.ui.screenshot import ScreenshotRunner

        shooter = ScreenshotRunner(window, Path(screenshot_dir))
        window.remember_connections = False
    window.show()
    if url is None:
        window.open_demo()
    else:
        window.open_database(url, is_demo=is_demo)
    if shooter is not None:
        shooter.start()
    code = app.exec()
    if shooter is not None:
        code = shooter.exit_code
        if shooter.reason:
            print(f"tracklens --screenshot: {shooter.reason}", file=sys.stderr)
    window.shutdown()
    return int(code)
