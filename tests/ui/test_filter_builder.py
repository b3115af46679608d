"""The shared filter builder edits exactly the engine's `where` list and round-trips it."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QWidget

from app.query import parse_query
from app.ui.discovery import DiscoveryCache, PropertyInfo
from app.ui.widgets.filter_builder import (
    FilterBuilder,
    FilterRowBase,
    OrGroup,
    PropertyFilterRow,
    RowType,
)

ROUND_TRIPS = [
    [{"property": "plan", "op": "eq", "value": "pro"}],
    [{"property": "plan", "op": "neq", "value": ["free", "team"]}],
    [{"property": "price", "op": "gt", "value": 35}],
    [{"property": "price", "op": "between", "value": [1.5, 20]}],
    [{"trait": "age", "op": "gte", "value": 35}, {"trait": "gender", "op": "eq", "value": "female"}],
    [{"property": "beta", "op": "true"}],
    [{"property": "$browser", "op": "not_set"}],
    [{"trait": "signup_date", "op": "before", "value": "2026-09-01"}],
    [{"trait": "signup_date", "op": "in_last_days", "value": 14}],
    [{"any": [{"property": "$city", "op": "eq", "value": "Berlin"}, {"trait": "plan", "op": "contains", "value": "pr"}]}],
]


@pytest.mark.parametrize("filters", ROUND_TRIPS)
def test_set_filters_round_trips(qtbot: Any, filters: list[dict[str, Any]]) -> None:
    builder = FilterBuilder()
    qtbot.addWidget(builder)
    with qtbot.waitSignal(builder.changed):
        builder.set_filters(filters)
    assert builder.filters() == filters
    # What the builder emits is a valid engine filter list.
    parse_query({"kind": "segmentation", "where": builder.filters()})


def test_property_type_chooses_operators_and_editor(qtbot: Any) -> None:
    discovery = DiscoveryCache()
    discovery._event_props = [PropertyInfo("price", "property", "number"), PropertyInfo("beta", "property", "boolean")]
    discovery._traits = [PropertyInfo("signup_date", "trait", "date")]
    builder = FilterBuilder(discovery)
    qtbot.addWidget(builder)
    row = builder.add_row()
    assert isinstance(row, PropertyFilterRow)

    row._select_property(discovery.find("property", "price"))
    ops = [row.op_combo.itemData(i) for i in range(row.op_combo.count())]
    assert {"gt", "between"} <= set(ops) and "contains" not in ops
    row.op_combo.setCurrentIndex(row.op_combo.findData("lt"))
    assert row.values.currentWidget() is row.number_edit
    row.number_edit.setText("12")
    assert builder.filters() == [{"property": "price", "op": "lt", "value": 12}]

    row._select_property(discovery.find("property", "beta"))
    assert [row.op_combo.itemData(i) for i in range(row.op_combo.count())][:2] == ["true", "false"]
    assert builder.filters() == [{"property": "beta", "op": "true"}]

    row._select_property(discovery.find("trait", "signup_date"))
    row.op_combo.setCurrentIndex(row.op_combo.findData("after"))
    assert row.values.currentWidget() is row.date_edit
    row.date_edit.setDate(QDate(2026, 10, 3))
    assert builder.filters() == [{"trait": "signup_date", "op": "after", "value": "2026-10-03"}]


def test_an_integer_typed_in_a_number_field_stays_exactly_that_integer(qtbot: Any) -> None:
    """The number field read what was typed through a float: an id-like 9007199254740993 (above
    2^53) became 9007199254740992, so the filter silently asked for another value. Decimals stay
    decimals."""
    discovery = DiscoveryCache()
    discovery._event_props = [PropertyInfo("order_id", "property", "number")]
    builder = FilterBuilder(discovery)
    qtbot.addWidget(builder)
    row = builder.add_row()
    assert isinstance(row, PropertyFilterRow)
    row._select_property(discovery.find("property", "order_id"))
    row.op_combo.setCurrentIndex(row.op_combo.findData("eq"))
    assert row.values.currentWidget() is row.number_edit
    qtbot.keyClicks(row.number_edit, "9007199254740993")
    assert builder.filters() == [{"property": "order_id", "op": "eq", "value": 9007199254740993}]
    row.number_edit.clear()
    qtbot.keyClicks(row.number_edit, "-12.5")
    assert builder.filters() == [{"property": "order_id", "op": "eq", "value": -12.5}]
    row.op_combo.setCurrentIndex(row.op_combo.findData("between"))
    qtbot.keyClicks(row.low_edit, "9007199254740993")
    qtbot.keyClicks(row.high_edit, "9223372036854775807")
    typed = [{"property": "order_id", "op": "between", "value": [9007199254740993, 9223372036854775807]}]
    assert builder.filters() == typed
    assert parse_query({"kind": "segmentation", "where": typed}).to_dict()["where"] == typed
    # Loaded back, the field shows the integers as typed and gives them back unchanged.
    again = FilterBuilder(discovery)
    qtbot.addWidget(again)
    again.set_filters(typed)
    shown = again.findChildren(PropertyFilterRow)[0]
    assert (shown.low_edit.text(), shown.high_edit.text()) == ("9007199254740993", "9223372036854775807")
    assert again.filters() == typed


def test_incomplete_rows_are_left_out_and_rows_can_be_removed(qtbot: Any) -> None:
    builder = FilterBuilder()
    qtbot.addWidget(builder)
    qtbot.mouseClick(builder.add_button, Qt.MouseButton.LeftButton)
    assert builder.filters() == []
    row = builder.rows[0]
    assert isinstance(row, PropertyFilterRow)
    row.property_combo.setCurrentText("plan")
    assert builder.filters() == []  # no value yet
    row.text_edit.setText("pro")
    assert builder.filters() == [{"property": "plan", "op": "eq", "value": "pro"}]
    with qtbot.waitSignal(builder.changed):
        row.remove_requested.emit()
    assert builder.filters() == [] and builder.rows == []


def test_or_group_built_by_clicks(qtbot: Any) -> None:
    builder = FilterBuilder()
    qtbot.addWidget(builder)
    qtbot.mouseClick(builder.add_group_button, Qt.MouseButton.LeftButton)
    group = builder.rows[0]
    assert isinstance(group, OrGroup)
    first, second = group.rows
    for row, city in ((first, "Berlin"), (second, "Paris")):
        assert isinstance(row, PropertyFilterRow)
        row.property_combo.setCurrentText("$city")
        row.text_edit.setText(city)
    assert builder.filters() == [
        {"any": [{"property": "$city", "op": "eq", "value": "Berlin"}, {"property": "$city", "op": "eq", "value": "Paris"}]}
    ]


def test_common_values_feed_the_completer(qtbot: Any) -> None:
    discovery = DiscoveryCache()
    discovery._values["property:plan"] = ["pro", "free", "team"]
    builder = FilterBuilder(discovery)
    qtbot.addWidget(builder)
    row = builder.add_row({"property": "plan", "op": "eq", "value": "p"})
    assert isinstance(row, PropertyFilterRow)
    assert row._value_model.stringList() == ["pro", "free", "team"]


class DidRow(FilterRowBase):
    """A stand-in for part 2's behavioural rows."""

    def __init__(self, builder: FilterBuilder, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.spec: dict[str, Any] = {"did": {"event": "Order Completed", "min": 3}}

    def to_json(self) -> dict[str, Any] | None:
        return self.spec

    def set_json(self, spec: dict[str, Any]) -> None:
        self.spec = spec


def test_other_row_kinds_plug_in(qtbot: Any) -> None:
    builder = FilterBuilder(traits=True, event_properties=False)
    qtbot.addWidget(builder)
    button = builder.register_row_type(RowType("did", "+ Did event", DidRow, lambda spec: "did" in spec))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert builder.filters() == [{"did": {"event": "Order Completed", "min": 3}}]
    mixed = [{"trait": "age", "op": "gt", "value": 35}, {"did": {"event": "Signed Up", "max": 0}}]
    builder.set_filters(mixed)
    assert builder.filters() == mixed
    assert isinstance(builder.rows[1], DidRow)
    # In trait-only mode a typed name is a trait.
    row = builder.add_row()
    assert isinstance(row, PropertyFilterRow)
    row.property_combo.setCurrentText("email")
    row.op_combo.setCurrentIndex(row.op_combo.findData("set"))
    assert builder.filters()[-1] == {"trait": "email", "op": "set"}


def test_ignore_case_survives_the_builder(qtbot: Any) -> None:
    """The confirmed bug: opening a saved report dropped ignore_case, changing its meaning."""
    filters = [{"property": "$city", "op": "eq", "value": "berlin", "ignore_case": True},
               {"any": [{"trait": "plan", "op": "contains", "value": "PRO", "ignore_case": True}]}]
    builder = FilterBuilder()
    qtbot.addWidget(builder)
    builder.set_filters(filters)
    assert builder.filters() == filters
    row = builder.rows[0]
    assert isinstance(row, PropertyFilterRow)
    assert row.case_button.isChecked() and not row.case_button.isHidden()
    row.case_button.click()  # the user switches it off: the filter says so
    assert builder.filters()[0] == {"property": "$city", "op": "eq", "value": "berlin"}


def test_values_no_editor_shows_exactly_stay_until_edited(qtbot: Any) -> None:
    """A boolean or number compared with eq on a text row, a big integer: as loaded."""
    filters = [{"property": "flag", "op": "eq", "value": True},
               {"property": "n", "op": "neq", "value": [1, "1", 2.5]},
               {"property": "id", "op": "gt", "value": 2**53 - 1},
               {"property": "blank", "op": "eq", "value": ""}]
    builder = FilterBuilder()
    qtbot.addWidget(builder)
    builder.set_filters(filters)
    assert builder.filters() == filters


def test_a_list_longer_than_its_editor_stays_a_list_when_the_operator_changes(qtbot: Any) -> None:
    """An "any of" list is shown joined in a line edit, which holds at most 32,767 characters and
    cuts the rest: 1,000 values of 40 characters (the query's limit is 1,000 items) in a saved
    report became one string of 32,767 characters, refused as too large, when "is" was switched
    to "is not"."""
    values = [f"customer-{i:06d}".ljust(40, "x") for i in range(1000)]
    builder = FilterBuilder()
    qtbot.addWidget(builder)
    builder.set_filters([{"property": "customer", "op": "eq", "value": values}])
    row = builder.findChildren(PropertyFilterRow)[0]
    row.op_combo.setCurrentIndex(row.op_combo.findData("neq"))
    assert builder.filters() == [{"property": "customer", "op": "neq", "value": values}]
    parse_query({"kind": "segmentation", "where": builder.filters()})
    row.text_edit.setText("customer-000001")  # an edit of the text is the new value
    assert builder.filters() == [{"property": "customer", "op": "neq", "value": "customer-000001"}]

def test_traits_carry_a_shipped_icon_and_the_trait_row_says_trait(qtbot: Any) -> None:
    """Issue 16: no emoji in the pickers (a system without an emoji font draws empty boxes); the
    User explorer's '+ Trait' row says 'trait…'."""
    from app.ui.discovery import PropertyInfo
    from app.ui.icons import field_icon
    from app.ui.widgets.filter_builder import FilterBuilder, PropertyFilterRow

    trait = PropertyInfo("gender", "trait")
    assert trait.label == "gender (trait)" and all(ord(c) < 0x2000 for c in trait.label)
    assert not field_icon("trait").isNull() and not field_icon("trait").pixmap(16, 16).isNull()
    assert field_icon("property").isNull()
    builder = FilterBuilder(None, traits=True, event_properties=False)
    qtbot.addWidget(builder)
    row = PropertyFilterRow(builder)
    qtbot.addWidget(row)
    assert row.property_combo.lineEdit().placeholderText() == "trait…"


@pytest.mark.parametrize("panel_id", ["segmentation", "funnels", "retention", "users"])
def test_a_filter_row_fits_the_controls_column(make_window: Any, filled_db: Any, qtbot: Any, panel_id: str) -> None:
    """With one filter, the row ([property][operator][value][Aa][✕]) was wider than the panel's
    controls column, which never scrolls sideways: the value, 'Aa' and the remove button were
    cut off (and the whole column with them: Segmentation's 'Top 12' button vanished)."""
    from app.ui.widgets.controls_column import ControlsColumn
    from tests.ui.conftest import settle

    url, _engine = filled_db
    window = make_window(url)
    panel = window.show_panel(panel_id)
    settle(qtbot, panel)
    spec = panel.query()
    spec["where"] = [{"trait" if panel_id == "users" else "property": "plan", "op": "eq", "value": "pro"}]
    panel.set_query(spec)
    panel.refresh()
    settle(qtbot, panel)
    column = panel.findChild(ControlsColumn)
    rows = [row for row in column.findChildren(PropertyFilterRow) if row.isVisible()]
    assert len(rows) == 1
    row = rows[0]
    for widget in (row.text_edit, row.case_button, row.findChild(QWidget, "removeButton")):
        assert widget is not None and widget.isVisible()
        qtbot.waitUntil(lambda w=widget: w.visibleRegion().boundingRect().width() == w.width())
    assert column.holder.width() <= column.viewport().width()


def test_a_panel_shows_and_gives_back_an_integer_above_2_to_the_53(make_window: Any, qtbot: Any) -> None:
    window = make_window()
    seg = window.panels["segmentation"]
    spec = seg.query()
    spec["where"] = [{"property": "order_id", "op": "eq", "value": 9007199254740993}]
    seg.set_query(spec)
    row = seg.filter_builder.findChildren(PropertyFilterRow)[0]
    assert row.values.currentWidget() is row.number_edit
    assert row.number_edit.text() == "9007199254740993"
    assert seg.query()["where"] == spec["where"]
    # Typed again over itself, it is still that integer.
    row.number_edit.clear()
    qtbot.keyClicks(row.number_edit, "9007199254740993")
    assert seg.query()["where"] == spec["where"]
