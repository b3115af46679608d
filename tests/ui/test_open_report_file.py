"""Opening a report file handed to the app (`tracklens FILE`, Explorer, Finder) and the window icon."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PySide6.QtCore import QTimer
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication

from app.cli.main import cli, translate_report_argument
from app.core.reports import EXPORT_SUFFIX, ReportStore
from app.ui import app as ui_app
from app.ui.app import FileOpenFilter, app_icon, ensure_application, open_report_file, run_app

REPORT = {
    "kind": "segmentation",
    "events": ["Signed Up", "Order Completed"],
    "measure": "unique",
    "unit": "week",
    "range": {"last": 7, "unit": "day"},
}


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    path = tmp_path / f"Weekly signups{EXPORT_SUFFIX}"
    path.write_text(json.dumps(REPORT), encoding="utf-8")
    return path


def test_a_json_file_argument_becomes_open_report_and_subcommands_stay(report_file: Path, tmp_path: Path) -> None:
    f = str(report_file)
    assert translate_report_argument([f]) == ["--open-report", f]
    assert translate_report_argument(["--db", "x.sqlite", "--no-simulate", f]) == \
        ["--db", "x.sqlite", "--no-simulate", "--open-report", f]
    # Not a report argument: subcommands, option values, missing files, other suffixes.
    assert translate_report_argument(["query", "--spec", f]) == ["query", "--spec", f]
    assert translate_report_argument(["import", f]) == ["import", f]
    assert translate_report_argument(["--db", f]) == ["--db", f]
    missing = str(tmp_path / "gone.tracklens.json")
    assert translate_report_argument([missing]) == [missing]
    other = tmp_path / "notes.txt"
    other.write_text("x", encoding="utf-8")
    assert translate_report_argument([str(other)]) == [str(other)]
    assert translate_report_argument(["--", f]) == ["--", f]


def test_the_file_reaches_the_desktop_app(report_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []

    def fake_run_app(*args: Any, appearance: str | None = None) -> int:
        calls.append((*args, appearance))
        return 0

    monkeypatch.setattr(ui_app, "run_app", fake_run_app)
    runner = CliRunner()
    done = runner.invoke(cli, translate_report_argument(["--db", "x.sqlite", str(report_file)]))
    assert done.exit_code == 0, done.output
    assert calls == [("x.sqlite", None, False, str(report_file), None)]
    done = runner.invoke(cli, ["gui", "--open-report", str(report_file), "--no-simulate", "--appearance", "dark"])
    assert done.exit_code == 0, done.output
    assert calls[-1] == (None, None, True, str(report_file), "dark")


def test_started_with_a_report_file_the_window_shows_and_stores_it(filled_db: Any, report_file: Path,
                                                                   qapp: Any) -> None:
    url, _engine = filled_db
    seen: dict[str, Any] = {}

    def look() -> None:
        from app.ui.main_window import MainWindow

        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        window = windows[-1]
        seen["query"] = window.panels["segmentation"].query()
        seen["icon_null"] = window.windowIcon().isNull()
        seen["window"] = window
        qapp.quit()

    QTimer.singleShot(0, look)
    assert run_app(url, None, True, str(report_file)) == 0
    seen["window"].close()
    seen["window"].deleteLater()
    query = seen["query"]
    assert query["events"] == ["Signed Up", "Order Completed"]
    assert query["measure"] == "unique" and query["unit"] == "week"
    assert query["range"] == {"last": 7, "unit": "day"}
    assert seen["icon_null"] is False
    stored = ReportStore().find("Weekly signups")
    assert stored is not None and stored.panel == "segmentation" and stored.query == REPORT


def test_an_opened_report_runs_and_a_bad_file_is_one_line_in_the_status_bar(
        make_window: Any, filled_db: Any, report_file: Path, tmp_path: Path, qtbot: Any) -> None:
    url, _engine = filled_db
    window = make_window(url)
    panel = window.panels["segmentation"]
    open_report_file(window, str(report_file))
    qtbot.waitUntil(lambda: not panel.busy and not panel._refresh_timer.isActive()
                    and panel.last_result_spec == panel.query(), timeout=20_000)
    assert panel.query()["events"] == ["Signed Up", "Order Completed"]
    assert "Weekly signups" in window.statusBar().currentMessage()

    broken = tmp_path / f"broken{EXPORT_SUFFIX}"
    broken.write_text("{not json", encoding="utf-8")
    open_report_file(window, str(broken))
    message = window.statusBar().currentMessage()
    assert message.startswith(f"Could not open the report broken{EXPORT_SUFFIX}: ") and "\n" not in message
    invalid = tmp_path / f"typo{EXPORT_SUFFIX}"
    invalid.write_text(json.dumps({"kind": "segmentation", "evnts": ["A"]}), encoding="utf-8")
    open_report_file(window, str(invalid))
    assert "evnts" in window.statusBar().currentMessage()
    # Nothing was imported from the bad files, and the panel kept the good report.
    assert [r.name for r in ReportStore().list()] == ["Weekly signups"]
    assert panel.query()["events"] == ["Signed Up", "Order Completed"]


def test_macos_file_open_event_opens_the_report(make_window: Any, report_file: Path, qapp: Any) -> None:
    window = make_window()
    file_filter = FileOpenFilter(window)
    qapp.installEventFilter(file_filter)
    try:
        QApplication.sendEvent(qapp, QFileOpenEvent(str(report_file)))
    finally:
        qapp.removeEventFilter(file_filter)
    assert window.panels["segmentation"].query()["events"] == ["Signed Up", "Order Completed"]
    assert ReportStore().find("Weekly signups") is not None


def test_the_window_has_the_tracklens_icon(make_window: Any) -> None:
    icon = app_icon()
    assert not icon.isNull() and icon.pixmap(64, 64).width() == 64
    ensure_application()
    window = make_window()
    assert not window.windowIcon().isNull()
