"""Starting the app: which database opens, and `--screenshot` end to end in a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QColor, QImage

from app.core.paths import demo_db_path
from app.ui.app import choose_database
from app.ui.main_window import DEFAULT_SIZE

ROOT = Path(__file__).resolve().parents[2]


def test_db_option_wins_then_last_database_then_demo(tmp_path: Path) -> None:
    demo = f"sqlite:///{demo_db_path()}"
    assert choose_database("sqlite:///x.sqlite", "sqlite:///last.sqlite") == ("sqlite:///x.sqlite", False)
    assert choose_database(None, "sqlite:///last.sqlite") == ("sqlite:///last.sqlite", False)
    # First run: no demo database yet -> None asks the window to create it.
    assert choose_database(None, None) == (None, True)
    demo_db_path().write_bytes(b"")
    assert choose_database(None, None) == (demo, True)
    assert choose_database(None, demo) == (demo, True)
    assert choose_database(demo, None) == (demo, True)


def run_tracklens(*args: str, timeout: int = 240, headless: bool = False) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    if headless:  # a machine without any display, and nobody chose a Qt platform
        for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
            env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_screenshot_writes_every_panel_and_the_window(filled_db: Any, tmp_path: Path) -> None:
    """Also without a display: it used to abort with 'could not load the Qt platform plugin xcb'."""
    url, _engine = filled_db
    out = tmp_path / "shots"
    done = run_tracklens("--db", url, "--screenshot", str(out), headless=sys.platform.startswith("linux"))
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in out.glob("*.png"))
    assert names == ["destinations.png", "funnels.png", "live.png", "messages.png", "profile.png", "retention.png",
                     "segmentation.png", "users.png", "window.png"]
    for name in names:
        image = QImage(str(out / name))
        assert image.width() > 300 and image.height() > 200
        # Not a blank canvas: a rendered panel has many distinct colours.
        colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
        assert len(colours) > 20, name
    # The window as on a big screen, not fitted to the offscreen platform's 800 x 800 screen.
    window = QImage(str(out / "window.png"))
    assert (window.width(), window.height()) == DEFAULT_SIZE


def test_screenshot_fails_with_a_reason(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_bytes(b"not a database" * 500)
    done = run_tracklens("--db", f"sqlite:///{bogus}", "--screenshot", str(tmp_path / "shots"))
    assert done.returncode == 1
    assert "not a SQLite database" in done.stderr


def test_a_screenshot_folder_that_cannot_be_written_is_one_line_at_once(tmp_path: Path) -> None:
    """A folder under a file (a typo, a read-only place) raised out of a timer slot once every panel
    had loaded: a traceback, and the app never quit."""
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    done = run_tracklens("--db", str(tmp_path / "never-opened.sqlite"), "--screenshot", str(a_file / "shots"),
                         timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip() == f"tracklens --screenshot: cannot write into {a_file / 'shots'}: Not a directory"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_picture_that_cannot_be_written_fails_the_run(make_window: Any, filled_db: Any, qtbot: Any,
                                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """QPixmap.save only returns False (a full disk, a folder in the file's place): the run said 0."""
    from PySide6.QtWidgets import QApplication

    from app.ui.screenshot import ScreenshotRunner

    # The runner ends the app (QApplication.exit); here that app is every later test's: the
    # windows of the tests after this one never finished their first queries.
    monkeypatch.setattr(QApplication, "exit", staticmethod(lambda code=0: None))
    url, _engine = filled_db
    window = make_window(url)
    folder = tmp_path / "shots"
    (folder / "funnels.png").mkdir(parents=True)
    runner = ScreenshotRunner(window, folder)
    runner._shoot()
    assert runner.exit_code == 1
    assert runner.reason == f"could not write funnels.png into {folder}"
    assert "window.png" in {p.name for p in runner.written} and not any(p.name == "funnels.png" for p in runner.written)
    assert not [p for p in folder.iterdir() if p.name.startswith(".tracklens-")]


def test_only_a_linux_box_without_a_display_renders_offscreen() -> None:
    from app.ui.app import needs_offscreen

    assert needs_offscreen({}, "linux")
    assert not needs_offscreen({"DISPLAY": ":0"}, "linux")
    assert not needs_offscreen({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert not needs_offscreen({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not needs_offscreen({}, "darwin") and not needs_offscreen({}, "win32")


def _mean_lightness(path: Path) -> float:
    image = QImage(str(path))
    values = [QColor(image.pixel(x, y)).lightnessF() for x in range(0, image.width(), 11)
              for y in range(0, image.height(), 11)]
    return sum(values) / len(values)


def test_screenshots_in_dark_and_light_for_one_run_leave_the_setting_alone(filled_db: Any, tmp_path: Path) -> None:
    url, _engine = filled_db
    env_dir = tmp_path / "data"
    os.environ["TRACKLENS_DATA_DIR"] = str(env_dir)
    try:
        dark = run_tracklens("--db", url, "--appearance", "dark", "--screenshot", str(tmp_path / "dark"))
        light = run_tracklens("--db", url, "--appearance", "light", "--screenshot", str(tmp_path / "light"))
    finally:
        del os.environ["TRACKLENS_DATA_DIR"]
    assert dark.returncode == 0 and light.returncode == 0, dark.stderr + light.stderr
    for name in ("segmentation.png", "funnels.png", "window.png"):
        assert _mean_lightness(tmp_path / "dark" / name) < 0.35 < 0.65 < _mean_lightness(tmp_path / "light" / name)
    settings = list(env_dir.rglob("*.ini"))
    assert not any("appearance" in p.read_text() for p in settings)
    wrong = run_tracklens("--db", url, "--appearance", "dim", "--screenshot", str(tmp_path / "x"))
    assert wrong.returncode == 2 and "'dim' is not one of" in wrong.stderr


def test_first_run_creates_the_demo_and_screenshots_it(tmp_path: Path) -> None:
    """`tracklens` on a fresh machine: the demo's generator starts before the window, the demo
    database is built, and every panel shows it (the README's first command, headless)."""
    assert not demo_db_path().exists()
    out = tmp_path / "shots"
    done = run_tracklens("--screenshot", str(out), timeout=600)
    assert done.returncode == 0, done.stderr
    assert demo_db_path().exists() and not demo_db_path().with_name("demo.sqlite.part").exists()
    image = QImage(str(out / "segmentation.png"))
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 20


@pytest.mark.parametrize("url, says", [("mysql://me@db/events", "does not work with 'mysql' databases"),
                                       ("postgresql://me@db:notaport/events", "not a database URL")])
def test_a_database_url_it_cannot_use_is_one_line(url: str, says: str, tmp_path: Path) -> None:
    """`tracklens --db URL` for a database it does not work with, or a mistyped URL, used to die
    with a traceback before the window opened; now the window says why (here the screenshot
    run's one line and exit code)."""
    done = run_tracklens("--db", url, "--screenshot", str(tmp_path / "shots"))
    assert done.returncode == 1
    assert says in done.stderr and "Traceback" not in done.stderr
