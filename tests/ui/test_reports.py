"""Saved reports: saved from any panel, reopened after a restart, shared as `tracklens query` files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from app.core.reports import EXPORT_SUFFIX, ReportError, ReportStore
from app.query import run_query
from app.ui.panels.reports import ReportsDialog, import_report
from tests.ui.conftest import settle
from tests.ui.part2_data import EXAMPLE_COHORT

ROOT = Path(__file__).resolve().parents[2]


def test_store_saves_renames_deletes_and_refuses_duplicates(tmp_path: Path) -> None:
    store = ReportStore(tmp_path / "reports")
    first = store.save("Weekly funnel", "funnels", {"kind": "funnel", "steps": ["A", "B"]})
    store.save("Big spenders", "users", EXAMPLE_COHORT)
    assert [r.name for r in store.list()] == ["Big spenders", "Weekly funnel"]
    with pytest.raises(ReportError, match="already exists"):
        store.save("Weekly funnel", "funnels", {"kind": "funnel", "steps": ["A"]})
    store.save("Weekly funnel", "funnels", {"kind": "funnel", "steps": ["A"]}, replace=True)
    assert store.get(first.id).query == {"kind": "funnel", "steps": ["A"]}
    store.rename(first.id, "Monthly funnel")
    assert store.find("Monthly funnel") is not None and store.find("Weekly funnel") is None
    with pytest.raises(ReportError, match="already exists"):
        store.rename(first.id, "Big spenders")
    store.delete(first.id)
    assert [r.name for r in store.list()] == ["Big spenders"]
    # A broken file in the folder is skipped, not fatal.
    (tmp_path / "reports" / "junk.json").write_text("{not json", encoding="utf-8")
    assert [r.name for r in store.list()] == ["Big spenders"]


def test_the_dialog_says_which_report_files_it_skipped(tmp_path: Path, qtbot: Any) -> None:
    """A hand-edited report that no longer parses used to vanish from the list without a word."""
    store = ReportStore(tmp_path / "reports")
    store.save("Good", "segmentation", {"kind": "segmentation"})
    (tmp_path / "reports" / "typo.json").write_text('{"name": "Typo",, "query": {}}', encoding="utf-8")
    dialog = ReportsDialog(store, {"segmentation": "Segmentation"})
    qtbot.addWidget(dialog)
    assert dialog.tree.topLevelItemCount() == 1
    assert dialog.message.text().startswith(f"⚠ Skipped in {tmp_path / 'reports'}: cannot read typo.json: ")
    (tmp_path / "reports" / "typo.json").unlink()
    dialog.fill()
    assert dialog.message.text() == ""


def test_a_hand_edited_report_a_panel_cannot_show_is_one_line(make_window: Any, qtbot: Any) -> None:
    """`"interval": "fast"` in a Live View report raised out of the dialog's Open button."""
    window = make_window()
    window.reports.store.save("Fast", "live", {"kind": "live"}, {"interval": "fast"})
    dialog = window.reports.dialog()
    qtbot.addWidget(dialog)
    dialog.select("Fast")
    dialog.open_button.click()
    assert window.statusBar().currentMessage().startswith("Could not show the report “Fast”: ")


def test_exporting_where_it_cannot_write_is_one_line(tmp_path: Path, qtbot: Any) -> None:
    """The Export button's slot raised (a folder under a file, a read-only or full disk)."""
    store = ReportStore(tmp_path / "reports")
    report = store.save("Good", "segmentation", {"kind": "segmentation"})
    dialog = ReportsDialog(store, {"segmentation": "Segmentation"})
    qtbot.addWidget(dialog)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    target = a_file / f"Good{EXPORT_SUFFIX}"
    assert not dialog.export_to(report, str(target))
    assert dialog.message.text() == f"⚠ cannot export to {target}: Not a directory"
    assert dialog.export_to(report, str(tmp_path / f"Good{EXPORT_SUFFIX}"))


def test_exported_report_runs_with_tracklens_query_and_imports_back(shop_db: Any, tmp_path: Path) -> None:
    url, engine = shop_db
    store = ReportStore(tmp_path / "reports")
    report = store.save("Loyal women", "users", EXAMPLE_COHORT)
    shared = store.export(report.id, tmp_path / f"Loyal women{EXPORT_SUFFIX}")
    done = subprocess.run([sys.executable, "-m", "app", "query", "--db", url, "--spec", str(shared)],
                          cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == run_query(engine, EXAMPLE_COHORT)
    colleague = ReportStore(tmp_path / "colleague")
    imported = import_report(colleague, str(shared))
    assert imported.name == "Loyal women" and imported.panel == "users" and imported.query == EXAMPLE_COHORT
    again = import_report(colleague, str(shared))
    assert again.name == "Loyal women (2)"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"kind": "users", "mesure": 1}), encoding="utf-8")
    with pytest.raises(ReportError, match="mesure"):
        import_report(colleague, str(bad))


def test_reports_saved_from_panels_survive_a_restart(make_window: Any, shop_db: Any, qtbot: Any, ui_settings: Any,
                                                     tmp_path: Path) -> None:
    url, engine = shop_db
    window = make_window(url)
    funnels = window.show_panel("funnels")
    settle(qtbot, funnels)
    funnels.window_amount.setValue(2)
    settle(qtbot, funnels)
    saved_funnel = funnels.query()
    assert window.reports.save(funnels, "Two-day purchase funnel") is not None
    explorer = window.show_panel("users")
    explorer.set_query(EXAMPLE_COHORT)
    explorer.refresh()
    settle(qtbot, explorer)
    saved_users = explorer.query()
    assert window.reports.save(explorer, "Loyal women") is not None
    window.close()

    again = make_window(url, settings=ui_settings)
    dialog = again.reports.dialog()
    names = [dialog.tree.topLevelItem(i).text(0) for i in range(dialog.tree.topLevelItemCount())]
    assert names == ["Loyal women", "Two-day purchase funnel"]
    dialog.select("Two-day purchase funnel")
    funnels2 = again.panels["funnels"]
    dialog.open_button.click()
    settle(qtbot, funnels2)
    assert funnels2.query() == saved_funnel
    assert funnels2.last_result == run_query(engine, saved_funnel)
    dialog = again.reports.dialog()
    dialog.select("Loyal women")
    explorer2 = again.panels["users"]
    dialog.open_button.click()
    settle(qtbot, explorer2)
    assert explorer2.query() == saved_users
    assert explorer2.model.total == run_query(engine, EXAMPLE_COHORT)["total"]
    # Rename and import through the dialog.
    dialog = again.reports.dialog()
    dialog.select("Loyal women")
    report = dialog.selected()
    assert report is not None
    dialog.rename(report, "Loyal female customers")
    assert dialog.selected() is not None and dialog.selected().name == "Loyal female customers"
    shared = tmp_path / f"seg{EXPORT_SUFFIX}"
    shared.write_text(json.dumps({"kind": "segmentation", "events": ["Order Completed"]}), encoding="utf-8")
    imported = dialog.import_file(str(shared))
    assert imported is not None and imported.panel == "segmentation" and imported.name == "seg"
    assert isinstance(dialog, ReportsDialog)


def test_ctrl_s_saves_the_focused_panels_query(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    url, _engine = shop_db
    window = make_window(url)
    funnels = window.show_panel("funnels")
    settle(qtbot, funnels)
    funnels.steps_editor.list.setFocus()
    qtbot.waitUntil(lambda: window.current_panel() is funnels, timeout=5_000)
    window.save_report_action.trigger()  # what Ctrl+S does
    dialog = window.reports.name_dialog
    assert dialog is not None and dialog.isVisible()
    assert "Save the Funnels query as" in [label.text() for label in dialog.findChildren(QLabel)]
    dialog.edit.setText("Checkout funnel")
    dialog.accept()
    assert not dialog.isVisible()
    report = ReportStore().find("Checkout funnel")
    assert report is not None and report.panel == "funnels" and report.query == funnels.query()


@pytest.mark.parametrize(("pasted", "reason"), [
    ("Weekly\nsign-ups", "a report name may not hold a control character (a line break, a tab, NUL)"),
    ("Weekly\tsign-ups", "a report name may not hold a control character (a line break, a tab, NUL)"),
    ("W" * 201, "a report name may have at most 200 characters (this one has 201)"),
    ("   ", "a report needs a name"),
])
def test_a_name_ctrl_s_cannot_save_is_said_in_its_dialog_with_the_name_kept(
        pasted: str, reason: str, make_window: Any, shop_db: Any, qtbot: Any) -> None:
    """Ctrl+S, then a name pasted with a line break or tab in it, of 201 characters, or of
    spaces only: the input dialog closed whatever was typed, the reason went to the status bar
    for 8 seconds (nothing at all for spaces) and the name was lost. The reason now shows in the
    dialog, under the name as typed; nothing is saved until the name is corrected."""
    url, _engine = shop_db
    window = make_window(url)
    panel = window.show_panel("segmentation")
    settle(qtbot, panel)
    window.activateWindow()
    panel.event_picker.setFocus()
    qtbot.waitUntil(lambda: window.current_panel() is panel, timeout=5_000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    dialog = window.reports.name_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(dialog.edit.hasFocus, timeout=5_000)  # the name box takes the typing
    QApplication.clipboard().setText(pasted)
    qtbot.keyClick(dialog.edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert dialog.edit.text() == pasted
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    assert dialog.isVisible() and QApplication.activeModalWidget() is dialog  # no popup over it
    problem = dialog.findChild(QLabel, "reportNameProblem")
    assert problem.isVisible() and problem.text() == f"⚠ {reason}"
    assert dialog.edit.text() == pasted
    assert ReportStore().list() == []
    # Corrected in place, the reason goes and the report is saved under the corrected name.
    dialog.edit.selectAll()
    qtbot.keyClicks(dialog.edit, "Weekly sign-ups")
    assert not problem.isVisible()
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert [r.name for r in ReportStore().list()] == ["Weekly sign-ups"]
    assert window.statusBar().currentMessage() == "Saved report “Weekly sign-ups”"


def test_saving_or_deleting_where_the_folder_refuses_is_one_line(make_window: Any, qtbot: Any) -> None:
    """Saving raised out of Ctrl+S's slot when the reports folder refused the file, and with a
    file where the folder was (a sync tool's conflict copy) it tried new names for ever, freezing
    the window; Delete raised out of its button."""
    import threading

    window = make_window()
    store = window.reports.store
    kept = store.save("Kept", "segmentation", {"kind": "segmentation"})
    folder = store.folder
    moved = folder.with_name("reports-moved")
    folder.rename(moved)
    folder.write_text("not a folder", encoding="utf-8")
    outcome: list[BaseException | None] = []

    def save() -> None:
        try:
            store.save("Weekly", "segmentation", {"kind": "segmentation"})
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    saving = threading.Thread(target=save, daemon=True)
    saving.start()
    saving.join(20)
    assert outcome, "saving did not end"
    assert isinstance(outcome[0], ReportError), outcome
    panel = window.show_panel("segmentation")
    assert window.reports.save(panel, "Weekly") is None
    message = window.statusBar().currentMessage()
    assert message.startswith(f"Could not save the report: cannot write {folder}"), message
    folder.unlink()
    moved.rename(folder)
    dialog = window.reports.dialog()
    qtbot.addWidget(dialog)
    path = folder / f"{kept.id}.json"
    path.unlink()
    path.mkdir()  # what unlink() cannot remove, even as root
    dialog.delete(kept)
    assert dialog.message.text() == f"⚠ cannot delete {path} (Is a directory)"


def test_a_long_report_name_is_cut_in_the_list_and_whole_in_its_tip(tmp_path: Path, qtbot: Any) -> None:
    """Names of up to 200 characters: a row ends one it has no room for in "…", its tool tip
    shows it whole; a name with a line break or NUL is refused in one line by Rename."""
    store = ReportStore(tmp_path / "reports")
    name = "Signups from the spring campaign by country " * 4 + "<b>end</b>"
    store.save(name, "segmentation", {"kind": "segmentation"})
    dialog = ReportsDialog(store, {"segmentation": "Segmentation"})
    qtbot.addWidget(dialog)
    dialog.show()
    item = dialog.tree.topLevelItem(0)
    assert item.text(0) == name and dialog.tree.textElideMode() == Qt.TextElideMode.ElideRight
    assert dialog.tree.fontMetrics().horizontalAdvance(name) > dialog.tree.columnWidth(0)  # drawn cut
    assert "&lt;b&gt;end&lt;/b&gt;" in item.toolTip(0)  # whole, and shown as text
    assert item.toolTip(0).count("Signups") == 4
    report = store.list()[0]
    dialog.rename(report, "two\nlines")
    assert dialog.message.text() == "⚠ a report name may not hold a control character (a line break, a tab, NUL)"
    assert [r.name for r in store.list()] == [name]
    # Rename… says it in its own dialog, the name kept as typed (the input dialog closed and lost it).
    asked = dialog.rename_dialog(report)
    qtbot.addWidget(asked)
    asked.edit.setText("two\nlines")
    asked.accept()
    assert asked.problem.text() == "⚠ a report name may not hold a control character (a line break, a tab, NUL)"
    assert asked.edit.text() == "two\nlines" and asked.result() != asked.DialogCode.Accepted
    assert [r.name for r in store.list()] == [name]
