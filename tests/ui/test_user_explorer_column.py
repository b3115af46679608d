"""The User explorer's controls column at its narrowest: the column never scrolls sideways, so its
minimum must be what its controls need, or their right ends are cut off."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QSplitter,
)
from pytestqt.exceptions import TimeoutError as WaitTimeout

from app.ui.panels.users import UsersPanel
from app.ui.widgets.controls_column import ControlsColumn
from tests.ui.conftest import settle
from tests.ui.test_did_filter_row import _clause


def _cut_controls(column: ControlsColumn) -> list[str]:
    """The column's visible controls and labels not wholly inside what it shows of them."""
    shown = QRect(0, 0, column.viewport().width(), column.holder.height())
    out = []
    for kind in (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QLabel):
        for widget in column.holder.findChildren(kind):
            if widget.isVisibleTo(column.holder) and widget.width() > 0:
                rect = QRect(widget.mapTo(column.holder, widget.rect().topLeft()), widget.size())
                if not shown.contains(rect):
                    text = widget.text() if hasattr(widget, "text") else ""
                    out.append(f"{type(widget).__name__} {widget.objectName() or text!r}")
    return out


def test_the_controls_column_at_its_narrowest_shows_every_control_whole(
        make_window: Any, filled_db: tuple[str, Any], qtbot: Any) -> None:
    """Dragged to its 300 px minimum, the column cut off '+ Cohort' (and half of '+ Did event'),
    the trait row's ✕, the 'Did event' row's 'where…' and ✕, and the search box's hint: they
    need about 340 px and the column never scrolls sideways."""
    window = make_window(filled_db[0])
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    settle(qtbot, panel)
    column = panel.findChild(ControlsColumn)
    splitter = column.parentWidget()
    assert isinstance(splitter, QSplitter)
    for filters in ([], [{"trait": "age", "op": "gt", "value": 30}]):
        panel.set_query({"kind": "users", "where": filters,
                         "did": [_clause(min=3, max=5, range={"last": 2, "unit": "week"})] if filters else []})
        splitter.setSizes([1, 10_000])  # the column dragged as narrow as it goes
        qtbot.waitUntil(lambda: column.width() < 430 and column.holder.width() > 0)
        # The holder's layout settles at the new width: waited for, not a fixed 50 ms (a loaded
        # machine took longer and the "times" label was seen cut); a real cut stays and fails here.
        qtbot.waitUntil(lambda: column.holder.width() <= column.viewport().width() and not _cut_controls(column),
                        timeout=5_000)
        buttons = [b.text() for b in column.findChildren(QAbstractButton) if b.isVisible()]
        assert {"+ Trait", "+ OR group", "+ Did event", "+ Cohort"} <= set(buttons)


def test_the_window_with_the_explorer_still_fits_a_laptop_screen(make_window: Any, filled_db: tuple[str, Any],
                                                                  qtbot: Any) -> None:
    """The column's larger minimum does not make the window wider than a 1366 x 768 screen: the
    window still goes down to that size, and the explorer's controls stay whole there, without
    the explorer scrolling sideways in its dock (its results' hint wraps rather than widen it)."""
    window = make_window(filled_db[0])
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    settle(qtbot, panel)
    hint = window.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 768
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1366, 768), timeout=5_000)
    panel.set_query({"kind": "users", "where": [{"trait": "age", "op": "gt", "value": 30}],
                     "did": [_clause(min=3, max=5, range={"last": 2, "unit": "week"})]})
    column = panel.findChild(ControlsColumn)
    qtbot.waitUntil(lambda: column.holder.width() <= column.viewport().width() and not _cut_controls(column),
                    timeout=5_000)
    assert window.docks["users"].widget().horizontalScrollBar().maximum() == 0


def _whole_columns(panel: UsersPanel) -> list[str]:
    """The persons table's column titles shown whole, left to right."""
    header = panel.table.horizontalHeader()
    shown = panel.table.viewport().width()
    titles = []
    for visual in range(header.count()):
        section = header.logicalIndex(visual)
        left = header.sectionViewportPosition(section)
        if left >= 0 and left + header.sectionSize(section) <= shown:
            titles.append(str(panel.model.headerData(section, Qt.Orientation.Horizontal)))
    return titles


def test_on_a_laptop_screen_the_persons_table_gets_the_room(
        make_window: Any, shop_db: tuple[str, Any], qtbot: Any) -> None:
    """At 1366 x 768 the filters column stayed 430 px, mostly empty, and left the persons 301 px:
    two columns whole (Person, First seen). Its add buttons and 'did event' rows wrap now, so
    the column gives the persons their first three columns whole (Person, email, First seen;
    four before the e-mail came second), also with the explorer's own
    example filled in, and still shows every control whole without scrolling sideways."""
    window = make_window(shop_db[0])
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1366, 768), timeout=5_000)
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    column = panel.findChild(ControlsColumn)
    for where, did in (([], []), ([{"trait": "gender", "op": "eq", "value": "female"},
                                   {"trait": "age", "op": "gt", "value": 35}],
                                  [_clause(min=3, range={"last": 30, "unit": "day"})])):
        panel.set_query({"kind": "users", "where": where, "did": did})
        panel.refresh()
        settle(qtbot, panel)
        # The table's columns fitted to the answer: waited for (a fixed 100 ms was short on a loaded
        # machine); columns that never come whole still fail here, with the sizes seen.
        try:
            qtbot.waitUntil(lambda: _whole_columns(panel)[:3] == ["Person", "email", "First seen"], timeout=5_000)
        except WaitTimeout:
            raise AssertionError((panel.splitter.sizes(), _whole_columns(panel))) from None
        assert column.horizontalScrollBar().maximum() == 0
        assert column.holder.width() <= column.viewport().width()
        assert _cut_controls(column) == []
        assert window.docks["users"].widget().horizontalScrollBar().maximum() == 0
