"""Boxes that show names and values from the data (app.ui.plain): the lists of Segmentation's
"of" property box, Funnels' "Hold constant" box and Retention's group box showed a property
name or breakdown value with its bidirectional controls at work (reordered) where every other
list writes them out; and a line edit or editable box holding such a value (a filter's value,
the Users search, an event box) showed it reordered without a sign. Lists and closed boxes now
write the controls out; an edited box keeps the value as it is and marks it with a warning
sign whose tool tip writes it out."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QLineEdit

from app.core.database import open_database
from app.ui.plain import control_mark, shown_text
from app.ui.widgets.combo import line_edit_of
from tests.ui.conftest import insert_events, make_rows, wait_panels
from tests.ui.test_bidi_text import EVENT, SPOOF, SPOOF_SHOWN, VALUE, VALUE_SHOWN

#: A numeric property whose name reverses what follows it: "price\u202eeulav" shows as "pricevalue".
NUMERIC = "price\u202eeulav"
NUMERIC_SHOWN = "price\\u202eeulav"


def listed(combo: QComboBox) -> list[str]:
    """The entries of `combo`'s list as its list draws them."""
    view = combo.view()
    delegate = view.itemDelegate()
    texts = []
    for row in range(combo.count()):
        data = combo.itemText(row)
        texts.append(delegate.displayText(data, view.locale()) if hasattr(delegate, "displayText") else data)
    return texts


def marked(edit: QLineEdit) -> str | None:
    """The tool tip of `edit`'s warning sign when it shows, else None."""
    mark = control_mark(edit)
    return mark.toolTip() if mark is not None and mark.isVisible() else None


def test_property_and_group_lists_write_the_controls_out(make_window: Any, sqlite_url: str, qtbot: Any) -> None:
    engine = open_database(sqlite_url)
    rows = make_rows(200)
    for row in rows:
        row["properties"][NUMERIC] = 7
    insert_events(engine, rows)
    window = make_window(sqlite_url)
    wait_panels(qtbot, window)
    segmentation = window.panels["segmentation"]
    qtbot.waitUntil(lambda: segmentation.measure_property.findText(NUMERIC) >= 0, timeout=10_000)
    assert NUMERIC_SHOWN in listed(segmentation.measure_property)
    hold = window.panels["funnels"].findChild(QComboBox, "funnelHold")
    qtbot.waitUntil(lambda: hold.findData(NUMERIC) >= 0, timeout=10_000)
    assert NUMERIC_SHOWN in listed(hold)
    hold.setCurrentIndex(hold.findData(NUMERIC))
    assert marked(line_edit_of(hold)) is not None and NUMERIC_SHOWN in marked(line_edit_of(hold))
    assert hold.currentText() == NUMERIC  # the value itself
    group = window.panels["retention"].group_combo
    group.addItem(VALUE)  # what a breakdown's group is shown as (RetentionPanel fills it so)
    group.setCurrentIndex(group.count() - 1)
    assert listed(group)[-1] == VALUE_SHOWN and shown_text(group) == VALUE_SHOWN
    engine.dispose()


def test_a_value_holding_a_control_is_kept_and_marked_in_its_box(make_window: Any, sqlite_url: str,
                                                                  qtbot: Any) -> None:
    engine = open_database(sqlite_url)
    insert_events(engine, make_rows(50))
    window = make_window(sqlite_url)
    wait_panels(qtbot, window)
    users = window.show_panel("users")
    users.search_edit.setText(SPOOF)
    assert users.search_edit.text() == SPOOF  # searched for as typed
    tip = marked(users.search_edit)
    assert tip is not None and SPOOF_SHOWN in tip and "\u202e" not in tip
    users.search_edit.setText("admin")
    assert marked(users.search_edit) is None  # the sign goes with the control
    segmentation = window.show_panel("segmentation")
    segmentation.set_query(dict(segmentation.query(), where=[{"property": "plan", "op": "eq", "value": VALUE}]))
    value_edit = segmentation.findChild(QLineEdit, "valueEdit")
    assert value_edit.text() == VALUE
    assert marked(value_edit) is not None and VALUE_SHOWN in marked(value_edit)
    profile = window.panels["profile"]
    profile.search_edit.setText(SPOOF)
    assert marked(profile.search_edit) is not None
    funnels = window.show_panel("funnels")
    funnels.set_query(dict(funnels.query(), steps=[{"event": EVENT, "where": []}, {"event": "Signed Up", "where": []}]))
    boxes = [box for box in funnels.findChildren(QComboBox) if box.isEditable() and box.currentText() == EVENT]
    assert boxes, "no box shows the step's event"
    assert all(marked(line_edit_of(box)) is not None for box in boxes)
    engine.dispose()
