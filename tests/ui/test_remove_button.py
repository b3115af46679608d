"""Every filter row's ✕ looks the same and says what it removes.

Before, the trait and property conditions and OR groups had an auto-raised tool button with the
tooltip "Remove", and the User explorer's did, cohort, funnel and retention rows a flat push button
capped at 28 px with no tooltip and no accessible name: a bare "✕" to a screen reader."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QToolButton, QWidget

from app.ui.widgets.filter_builder import FilterBuilder, FilterRowBase, OrGroup
from tests.ui.conftest import settle

FUNNEL = {"steps": [{"event": "view"}, {"event": "purchase"}]}
USERS_WHERE = [
    {"did": {"event": "purchase", "min": 1}},
    {"cohort": 1, "op": "in"},
    {"funnel": FUNNEL, "step": 1, "status": "reached"},
    {"retention": {"start": "signup", "return": "$any", "unit": "day"}, "period": 1, "status": "returned"},
    {"trait": "gender", "op": "eq", "value": "female"},
    {"any": [{"trait": "age", "op": "gt", "value": 30}, {"trait": "plan", "op": "eq", "value": "pro"}]},
]
SEGMENTATION_WHERE = [{"property": "country", "op": "eq", "value": "DE"},
                      {"any": [{"property": "amount", "op": "gt", "value": 30},
                               {"property": "plan", "op": "eq", "value": "pro"}]}]


def _own_remove_button(row: FilterRowBase) -> QWidget:
    """The ✕ of `row` itself (an OR group's is in its frame, beside '+ condition')."""
    parent = row.findChild(QFrame) if isinstance(row, OrGroup) else row
    assert parent is not None
    button = parent.findChild(QWidget, "removeButton", Qt.FindChildOption.FindDirectChildrenOnly)
    assert button is not None, type(row).__name__
    return button


def _rows(builder: FilterBuilder) -> list[FilterRowBase]:
    rows: list[FilterRowBase] = []
    for row in builder.rows:
        rows.append(row)
        if isinstance(row, OrGroup):
            rows.extend(row.rows)
    return rows


def _shown(make_window: Any, url: str, qtbot: Any, panel_id: str, where: list[dict[str, Any]]) -> FilterBuilder:
    window = make_window(url)
    panel = window.show_panel(panel_id)
    settle(qtbot, panel)
    panel.set_query({**panel.query(), "where": where})
    builder: FilterBuilder = panel.filter_builder
    qtbot.waitUntil(lambda: len(builder.rows) == len(where) and all(r.isVisible() for r in builder.rows))
    return builder


def test_every_rows_remove_button_is_one_look_and_says_what_it_removes(
        make_window: Any, shop_db: tuple[str, Any], qtbot: Any) -> None:
    """In the User explorer (did, cohort, funnel step, retention cell, trait condition, OR group
    and its conditions) and in Segmentation every row's ✕ is the same kind of button, of the same
    size, with a tooltip and an accessible name saying what it removes."""
    users = _shown(make_window, shop_db[0], qtbot, "users", USERS_WHERE)
    segmentation = _shown(make_window, shop_db[0], qtbot, "segmentation", SEGMENTATION_WHERE)
    rows = _rows(users) + _rows(segmentation)
    kinds = {type(row).__name__ for row in rows}
    assert kinds == {"DidFilterRow", "CohortFilterRow", "FunnelFilterRow", "RetentionFilterRow",
                     "PropertyFilterRow", "OrGroup"}, kinds
    said: dict[str, str] = {}
    sizes = set()
    for row in rows:
        button = _own_remove_button(row)
        kind = type(row).__name__
        assert isinstance(button, QToolButton) and button.autoRaise(), (kind, type(button).__name__)
        assert button.text() == "✕"
        assert button.toolTip().startswith("Remove this "), (kind, button.toolTip())
        assert button.accessibleName() == button.toolTip(), (kind, button.accessibleName())
        said[kind] = button.toolTip()
        sizes.add((button.width(), button.height()))
    assert len(sizes) == 1, sizes
    assert said["PropertyFilterRow"] == "Remove this condition"
    assert said["OrGroup"] == "Remove this OR group"
    assert len(set(said.values())) == len(said), said  # each kind says which it is
