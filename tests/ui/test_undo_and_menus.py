"""Edit > Undo/Redo of query edits, per panel; Help is the last menu and lists the shortcuts
(issue 16, "Menus and habits")."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QTableWidget

from tests.ui.conftest import wait_idle


def test_undo_and_redo_walk_back_and_forth_through_query_edits(make_window: Any, filled_db: Any,
                                                               qtbot: Any) -> None:
    url, _engine = filled_db
    window = make_window(url)
    seg = window.panels["segmentation"]
    wait_idle(qtbot, seg)
    start = seg.query()["unit"]
    units = [seg.unit_combo.itemData(i) for i in range(seg.unit_combo.count())]
    first, second = [u for u in units if u != start][:2]
    for unit in (first, second):
        seg.unit_combo.setCurrentIndex(units.index(unit))  # as a person picks it
        wait_idle(qtbot, seg)
    assert seg.query()["unit"] == second and seg.last_result_spec["unit"] == second
    window.undo_group.setActiveStack(seg.undo_stack)
    assert window.undo_action.isEnabled() and "Segmentation" in window.undo_action.text()

    window.undo_action.trigger()
    wait_idle(qtbot, seg)
    assert seg.query()["unit"] == first and seg.unit_combo.currentData() == first
    assert seg.last_result_spec["unit"] == first  # the chart answers the restored query
    window.undo_action.trigger()
    wait_idle(qtbot, seg)
    assert seg.query()["unit"] == start and not window.undo_action.isEnabled()
    window.redo_action.trigger()
    window.redo_action.trigger()
    wait_idle(qtbot, seg)
    assert seg.query()["unit"] == second and not window.redo_action.isEnabled()
    # Undo never records steps of its own: the stack is still the two edits.
    assert seg.undo_stack.count() == 2


def test_help_is_the_last_menu_and_lists_the_shortcuts(make_window: Any, qtbot: Any) -> None:
    window = make_window()
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles[:2] == ["File", "Edit"] and titles[-1] == "Help"
    assert {"Cohorts", "Reports"} <= set(titles)
    dialog = window.show_shortcuts()
    qtbot.addWidget(dialog)
    table = dialog.findChild(QTableWidget, "shortcutsTable")
    rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert rows["Edit > Undo"] == "Ctrl+Z" and rows["File > Save report…"] == "Ctrl+S"
