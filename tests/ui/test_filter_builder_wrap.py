"""A trait/property condition and an OR group wrap like the did and cohort rows (2bd7e45, 0158c31):
one line where there is room, more where narrow, the ✕ at the row's top right; so adding one does
not widen the User explorer's filters column on a laptop screen, where the persons need the room."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QFrame, QSplitter, QStyleFactory, QVBoxLayout, QWidget

from app.query.panel_state import OPERATORS_BY_TYPE, operator_label
from app.ui.panels.users import UsersPanel
from app.ui.widgets.controls_column import ControlsColumn
from app.ui.widgets.filter_builder import FilterBuilder, OrGroup, PropertyFilterRow
from tests.ui.conftest import settle
from tests.ui.test_user_explorer_column import _cut_controls

TRAIT = {"trait": "gender", "op": "eq", "value": "female"}
OR_GROUP = {"any": [{"trait": "age", "op": "between", "value": [20, 30]},
                    {"trait": "country", "op": "eq", "value": "DE"}]}
#: The column's minimum with no condition is 226 px (its search box and add buttons); a trait
#: condition held it at 312 and an OR group at 326 before they wrapped.
NEAR_THE_EMPTY_COLUMN = 250


def test_a_trait_condition_or_an_or_group_does_not_widen_the_filters_column_at_1366(
        make_window: Any, shop_db: tuple[str, Any], qtbot: Any) -> None:
    """At 1366 x 768 the filters column is 301 px. A trait condition ('[trait ▾] [is ▾]' over
    '[value] Aa ✕', 264 px whatever the room) widened it to 312, an OR group of two to 326, and
    left the persons that much less. Now they wrap: the column keeps its width, its minimum stays
    near the empty column's, and every control is whole, also dragged to its narrowest."""
    window = make_window(shop_db[0])
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1366, 768), timeout=5_000)
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    column = panel.findChild(ControlsColumn)
    settle(qtbot, panel)
    qtbot.waitUntil(lambda: 0 < panel.splitter.sizes()[0] < 430, timeout=5_000)  # the laptop default
    width = panel.splitter.sizes()[0]

    for where in ([TRAIT], [OR_GROUP], [TRAIT, OR_GROUP]):
        panel.set_query({"kind": "users", "where": where})
        panel.refresh()
        settle(qtbot, panel)
        count = len(where)
        qtbot.waitUntil(lambda count=count: len(panel.filter_builder.rows) == count
                        and all(row.isVisible() for row in panel.filter_builder.rows))
        qtbot.waitUntil(lambda: column.holder.width() <= column.viewport().width()
                        and not _cut_controls(column), timeout=5_000)
        minimum = column.minimumSizeHint().width()
        assert minimum <= NEAR_THE_EMPTY_COLUMN, (where, minimum)
        assert panel.splitter.sizes()[0] == width, (where, panel.splitter.sizes(), width)
        assert window.docks["users"].widget().horizontalScrollBar().maximum() == 0

    splitter = column.parentWidget()
    assert isinstance(splitter, QSplitter)
    splitter.setSizes([1, 10_000])  # the column dragged as narrow as it goes
    qtbot.waitUntil(lambda: column.width() == column.minimumSizeHint().width()
                    and column.holder.width() <= column.viewport().width()
                    and not _cut_controls(column), timeout=5_000)
    assert column.width() <= NEAR_THE_EMPTY_COLUMN


def _builder_at(qtbot: Any, width: int, where: list[dict[str, Any]]) -> tuple[QWidget, FilterBuilder]:
    """A trait filter builder `width` px wide showing `where`, and its window (which the test
    keeps: qtbot holds it weakly, and the builder goes with it)."""
    holder = QWidget()
    qtbot.addWidget(holder)
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    builder = FilterBuilder(traits=True, event_properties=False)
    layout.addWidget(builder)
    layout.addStretch(1)
    builder.set_filters(where)
    holder.resize(width, 400)
    holder.show()
    qtbot.waitExposed(holder)
    qtbot.waitUntil(lambda: builder.width() == width)
    return holder, builder


def _on_one_line(widgets: list[QWidget]) -> bool:
    """The widgets side by side, left to right, each beside the previous one."""
    rects = [QRect(w.mapTo(w.window(), w.rect().topLeft()), w.size()) for w in widgets]
    middle = rects[0].center().y()
    return all(abs(r.center().y() - middle) <= 2 for r in rects) and all(
        a.right() < b.left() for a, b in pairwise(rects))


def test_at_a_wide_column_a_condition_is_one_line_and_wraps_when_narrow(qtbot: Any) -> None:
    """Where there is room (480 px), '[trait ▾] [is ▾] [value] Aa ✕' is one line (it was two lines
    at any width, and asked for 'between's two numbers' width whatever the value); 'between' then
    wraps its numbers under the boxes; where narrow, the value goes under the property and its
    operator (which stay side by side, narrower), each whole, the ✕ at the top right."""
    _window, builder = _builder_at(qtbot, 480, [TRAIT, {"trait": "age", "op": "gt", "value": 30}])
    row, number = builder.rows
    assert isinstance(row, PropertyFilterRow) and isinstance(number, PropertyFilterRow)
    remove = row.findChild(QWidget, "removeButton")
    line = [row.property_combo, row.op_combo, row.values, row.case_button, remove]
    qtbot.waitUntil(lambda: _on_one_line(line))
    assert row.height() < 2 * row.property_combo.height()  # the height of one line
    qtbot.waitUntil(lambda: _on_one_line([number.property_combo, number.op_combo, number.values]))
    number.op_combo.setCurrentIndex(number.op_combo.findData("between"))
    qtbot.waitUntil(lambda: number.values.geometry().top() > number.op_combo.geometry().bottom())
    assert number.low_edit.visibleRegion().boundingRect().width() == number.low_edit.width()
    assert number.high_edit.visibleRegion().boundingRect().width() == number.high_edit.width()

    _narrow_window, narrow = _builder_at(qtbot, row.minimumSizeHint().width(), [TRAIT])
    row = narrow.rows[0]
    assert isinstance(row, PropertyFilterRow)
    remove = row.findChild(QWidget, "removeButton")
    parts = [row.property_combo, row.op_combo, row.values, row.case_button]
    qtbot.waitUntil(lambda: row.values.geometry().top() > row.op_combo.geometry().bottom())  # two lines
    assert _on_one_line([row.property_combo, row.op_combo, remove])
    assert row.minimumSizeHint().width() < 200
    for widget in [*parts, remove]:
        assert widget.isVisible() and widget.visibleRegion().boundingRect().width() == widget.width()
        assert row.rect().contains(QRect(widget.mapTo(row, widget.rect().topLeft()), widget.size()))
    assert remove.geometry().right() == row.width() - 1  # top right
    assert remove.geometry().top() <= row.property_combo.geometry().center().y()


def test_at_a_wide_column_an_or_group_is_as_before_and_wraps_when_narrow(qtbot: Any) -> None:
    """'any of (OR) [+ condition] ✕' and its conditions on one line each where there is room; at
    the group's minimum (278 px before, fixed by its conditions' two lines) everything wraps whole."""
    _window, builder = _builder_at(qtbot, 700, [OR_GROUP])
    group = builder.rows[0]
    assert isinstance(group, OrGroup)
    add = group.findChild(QWidget, "addOrCondition")
    frame = group.findChild(QFrame)
    remove = frame.findChild(QWidget, "removeButton", Qt.FindChildOption.FindDirectChildrenOnly)
    qtbot.waitUntil(lambda: all(_on_one_line([row.property_combo, row.op_combo, row.values])
                                for row in group.rows if isinstance(row, PropertyFilterRow)))
    assert _on_one_line([add, remove])
    assert group.minimumSizeHint().width() < 210

    _narrow_window, narrow = _builder_at(qtbot, group.minimumSizeHint().width(), [OR_GROUP])
    group = narrow.rows[0]
    assert isinstance(group, OrGroup)
    qtbot.waitUntil(lambda: group.width() == narrow.width())
    for widget in group.findChildren(QWidget):
        if widget.isVisibleTo(group) and widget.objectName() in {
                "propertyCombo", "opCombo", "valueEdit", "ignoreCase", "removeButton", "addOrCondition"}:
            rect = QRect(widget.mapTo(group, widget.rect().topLeft()), widget.size())
            assert group.rect().contains(rect), (widget.objectName(), rect, group.rect())


def test_a_name_longer_than_its_box_shows_its_start(qtbot: Any) -> None:
    """In a narrow OR group (the User explorer at 1366 x 768) 'country (trait)' was shown as
    'untry (trait)': the box's line edit showed the end of the name, where its cursor was left.
    Now the name's first letter is at the box's left edge, and the tooltip holds the whole name."""
    name = "preferred_delivery_country_or_region"
    group = {"any": [{"trait": "age", "op": "gt", "value": 30},
                     {"trait": name, "op": "eq", "value": "DE"}]}
    holder, builder = _builder_at(qtbot, 270, [group])  # the names' boxes ~150 px wide, their text 200
    combos = [row.property_combo for row in builder.rows[0].findChildren(PropertyFilterRow)]
    long_name = combos[1]
    assert long_name.currentText() == name
    edit = long_name.lineEdit()
    assert edit is not None
    qtbot.waitUntil(lambda: 0 < edit.width() < edit.fontMetrics().horizontalAdvance(long_name.currentText()) * 2 // 3)
    holder.grab()  # painted: the line edit scrolls its text as it paints
    at_left = edit.cursorPositionAt(QPoint(edit.textMargins().left() + 1, edit.height() // 2))
    assert at_left == 0, (at_left, edit.width())
    assert long_name.toolTip() == name


def test_a_box_of_traits_only_names_them_without_saying_trait(qtbot: Any) -> None:
    """The User explorer's conditions list only traits, each with the trait icon: ' (trait)' after
    every name took ~40 px of a 270 px column, so that 'email' showed as 'email (t' beside its
    operator. Segmentation's, where traits sit among event properties, still say it."""
    _holder, builder = _builder_at(qtbot, 270, [{"trait": "email", "op": "contains", "value": "@"}])
    row = builder.rows[0]
    assert isinstance(row, PropertyFilterRow)
    assert row.property_combo.currentText() == "email"
    info = row.current_property()
    assert info is not None and (info.name, info.source) == ("email", "trait")
    assert row.property_combo.itemIcon(row.property_combo.currentIndex()).cacheKey() != 0
    assert builder.filters() == [{"trait": "email", "op": "contains", "value": "@"}]
    row.property_combo.setEditText("email")  # typed by hand: the same trait
    assert builder.filters() == [{"trait": "email", "op": "contains", "value": "@"}]

    mixed = FilterBuilder()
    qtbot.addWidget(mixed)
    mixed.set_filters([{"trait": "email", "op": "contains", "value": "@"}])
    both = mixed.rows[0]
    assert isinstance(both, PropertyFilterRow)
    assert both.property_combo.currentText() == "email (trait)"
    assert mixed.filters() == [{"trait": "email", "op": "contains", "value": "@"}]


def test_a_short_name_leaves_its_operator_the_room(qtbot: Any) -> None:
    """A short trait name's box asked for 8 characters whatever the name, and in an OR group of a
    270 px column its operator was cut to make room ('starts w…' beside a box with room to spare
    after 'plan'). Now the box asks for its name, the operator shows whole, both on one line."""
    group = {"any": [{"trait": "age", "op": "gt", "value": 30},
                     {"trait": "plan", "op": "starts_with", "value": "pro"}]}
    _holder, builder = _builder_at(qtbot, 248, [group])
    row = builder.rows[0].findChildren(PropertyFilterRow)[1]
    combo, op = row.property_combo, row.op_combo
    assert op.currentText() == "starts with"
    qtbot.waitUntil(lambda: op.width() > 0 and _on_one_line([combo, op]))
    assert op.width() >= op.sizeHint().width(), (op.width(), op.sizeHint().width(), combo.width())
    edit = combo.lineEdit()
    assert edit is not None and edit.width() >= edit.fontMetrics().horizontalAdvance("plan")


#: Conditions with the longest operator texts, in the Segmentation filters and the User explorer's.
LONG_OPERATORS = {
    "segmentation": [{"property": "country", "op": "not_contains", "value": "DE"},
                     {"any": [{"property": "amount", "op": "gte", "value": 30},
                              {"property": "plan", "op": "starts_with", "value": "pro"}]}],
    "users": [{"trait": "email", "op": "not_contains", "value": "example"},
              {"any": [{"trait": "signup", "op": "in_last_days", "value": 7},
                       {"trait": "plan", "op": "starts_with", "value": "pro"}]}],
}


@pytest.fixture(params=[0, 14], ids=["default font", "14 pt"])
def font_size(request: pytest.FixtureRequest, qapp: QApplication) -> Any:
    """The app's font at `request.param` points (0: the default, 9 pt here), the default after."""
    default = qapp.font()
    if request.param:
        font = qapp.font()
        font.setPointSize(request.param)
        qapp.setFont(font)
    yield request.param
    qapp.setFont(default)


@pytest.mark.parametrize("panel_id", ["segmentation", "users"])
def test_in_a_270_px_filters_column_a_condition_takes_two_lines(
        font_size: int, make_window: Any, shop_db: tuple[str, Any], qtbot: Any, panel_id: str) -> None:
    """The Segmentation and User explorer filter columns dragged to 270 px (or as narrow as they
    go: Segmentation's is 289 px at 9 pt, 396 at 14; the User explorer's 312 at 14): a condition
    was three lines, [property ▾] over [does not contain ▾] over [value] Aa, also in an OR group,
    because the operator box was as wide as a line's rest. Now the property and its operator share
    the first line beside the ✕ (narrower, the operator's text cut with "…", whole in its tooltip)
    and the value is the second; no control is cut by the column."""
    window = make_window(shop_db[0])
    panel = window.show_panel(panel_id)
    settle(qtbot, panel)
    where = LONG_OPERATORS[panel_id]
    panel.set_query({**panel.query(), "where": where})
    builder: FilterBuilder = panel.filter_builder
    qtbot.waitUntil(lambda: len(builder.rows) == len(where) and all(r.isVisible() for r in builder.rows))
    column = panel.findChild(ControlsColumn)
    splitter = column.parentWidget()
    assert isinstance(splitter, QSplitter)
    splitter.setSizes([270, 10_000])
    narrowest = max(270, column.minimumSizeHint().width())
    conditions = [row for row in builder.findChildren(PropertyFilterRow) if row.isVisible()]
    assert len(conditions) == 3

    def two_lines() -> None:
        assert column.width() == narrowest
        assert column.holder.width() <= column.viewport().width() and not _cut_controls(column)
        for row in conditions:
            line = max(row.property_combo.height(), row.values.height())
            assert row.height() <= 2 * line + 4, (row.current_op(), row.height(), line)
            assert _on_one_line([row.property_combo, row.op_combo, row.findChild(QWidget, "removeButton")])

    qtbot.waitUntil(two_lines, timeout=5_000)
    for row in conditions:
        assert row.op_combo.toolTip() == operator_label(row.current_op(), row._type)


@pytest.mark.parametrize("style_name", ["Fusion", "Windows"])
def test_the_whole_operator_text_is_in_the_tooltip_and_the_list(qtbot: Any, style_name: str) -> None:
    """Where the operator box is narrower than its text ('does not c…'), the tooltip says the whole
    text, and the drop-down list shows every operator whole, whatever the box's width (the Windows
    styles, unlike Fusion, make the list only as wide as the box: 61 px, 'in the last … days' cut);
    the query keeps the operator's value (a saved report means the same)."""
    where = [{"trait": "email", "op": "not_contains", "value": "x"}]
    _window, builder = _builder_at(qtbot, 180, where)
    row = builder.rows[0]
    assert isinstance(row, PropertyFilterRow)
    combo = row.op_combo
    style = QStyleFactory.create(style_name)  # kept here: the combo box does not own it
    combo.setStyle(style)
    metrics = combo.fontMetrics()
    qtbot.waitUntil(lambda: 0 < combo.width() < metrics.horizontalAdvance("does not contain"))
    assert combo.toolTip() == "does not contain"
    assert [combo.itemText(i) for i in range(combo.count())] == [
        operator_label(op) for op in OPERATORS_BY_TYPE["string"]]
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    widest = max(metrics.horizontalAdvance(combo.itemText(i)) for i in range(combo.count()))
    assert view.viewport().width() >= widest
    combo.hidePopup()
    combo.setCurrentIndex(combo.findData("starts_with"))
    assert combo.toolTip() == "starts with"
    assert builder.filters() == [{"trait": "email", "op": "starts_with", "value": "x"}]
    # The first operator of a type, and the same operator in another type's words ('is', '=').
    builder.set_filters([{"trait": "email", "op": "eq", "value": "x"}, {"trait": "age", "op": "eq", "value": 3}])
    shown = [r.op_combo.toolTip() for r in builder.rows if isinstance(r, PropertyFilterRow)]
    assert shown == ["is", "="]
