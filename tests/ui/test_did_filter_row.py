"""The User explorer's "Did event" row shows every clause the query model takes as it is, and
gives back what it shows: query -> row -> query is the identity, also after the user edits the
row, and what a user types there is the query the engine answers."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QDateEdit, QLabel, QLayout, QWidget

from app.query.model import FIRST_DATE, LAST_DATE, QueryError
from app.query.runners.users import MAX_COUNT, DidFilter
from app.ui.panels.user_filters import DidFilterRow
from app.ui.panels.users import UsersPanel
from tests.ui.conftest import settle
from tests.ui.test_users_explorer import all_ids, choose

EVENT = "Order Completed"


def _clause(**parts: Any) -> dict[str, Any]:
    """A did clause as the query model writes it (DidFilter.to_json)."""
    return DidFilter.from_json({"event": EVENT, **parts}, "did").to_json()


#: (clause, what the row shows). Every form of count and range the model takes.
CLAUSES = [
    ({}, "did Order Completed at least 1 times ever"),
    ({"min": 0}, "did Order Completed at least 0 times ever"),
    ({"min": 3, "range": {"last": 30, "unit": "day"}}, "did Order Completed at least 3 times in the last 30 days"),
    ({"min": MAX_COUNT}, f"did Order Completed at least {MAX_COUNT} times ever"),
    ({"max": 5}, "did Order Completed at most 5 times ever"),
    ({"min": 0, "max": MAX_COUNT}, f"did Order Completed at most {MAX_COUNT} times ever"),
    ({"min": 4, "max": 4, "range": {"last": 1, "unit": "month"}},
     "did Order Completed exactly 4 times in the last 1 months"),
    ({"min": 3, "max": 5, "range": {"last": 2, "unit": "week"}},
     "did Order Completed between 3 and 5 times in the last 2 weeks"),
    ({"min": 1, "max": 2, "range": {"last": 100_000, "unit": "week"}},
     "did Order Completed between 1 and 2 times in the last 100000 weeks"),
    ({"min": 1, "max": MAX_COUNT}, f"did Order Completed between 1 and {MAX_COUNT} times ever"),
    ({"max": 0}, "did not do Order Completed ever"),
    ({"min": 0, "max": 0, "range": {"last": 3, "unit": "month"}}, "did not do Order Completed in the last 3 months"),
    ({"min": 2, "max": 3, "range": {"from": "2026-01-01", "to": "2026-02-28"}},
     "did Order Completed between 2 and 3 times between 2026-01-01 and 2026-02-28"),
    ({"max": 0, "range": {"from": FIRST_DATE.isoformat(), "to": LAST_DATE.isoformat()}},
     f"did not do Order Completed between {FIRST_DATE} and {LAST_DATE}"),
    ({"min": 2, "where": [{"property": "total", "op": "gt", "value": 50}], "timezone": "Asia/Tokyo",
      "range": {"last": 7, "unit": "day"}},
     "did Order Completed where (1) at least 2 times in the last 7 days"),
]


def shown(row: DidFilterRow) -> str:
    """The row as a user reads it: its visible widgets' texts, line by line, left to right."""
    words: list[str] = []

    def read(layout: QLayout) -> None:  # its lines may hold lines of their own (a wrapping row)
        for i in range(layout.count()):
            item = layout.itemAt(i)
            if (inner := item.layout()) is not None:
                read(inner)
                continue
            widget = item.widget()
            if widget is None or not widget.isVisibleTo(row) or widget.objectName() == "removeButton":
                continue
            if isinstance(widget, QComboBox):
                words.append(widget.currentText())
            elif isinstance(widget, QDateEdit | QAbstractSpinBox | QLabel):
                words.append(widget.text())
            elif widget.text() != "where…":  # type: ignore[attr-defined]
                words.append(widget.text())  # type: ignore[attr-defined]

    read(row.layout())
    return " ".join(words)


def _did_row(panel: UsersPanel) -> DidFilterRow:
    [row] = [r for r in panel.filter_builder.rows if isinstance(r, DidFilterRow)]
    return row


def _flip(combo: QComboBox) -> None:
    """Choose another item and the one shown again, as a user trying the options does."""
    index = combo.currentIndex()
    combo.setCurrentIndex((index + 1) % combo.count())
    combo.setCurrentIndex(index)


@pytest.mark.parametrize(("parts", "text"), CLAUSES, ids=[text for _parts, text in CLAUSES])
def test_a_did_clause_is_shown_as_it_is_and_stays_itself_when_the_row_is_edited(
        make_window: Any, qtbot: Any, parts: dict[str, Any], text: str) -> None:
    """A clause "between 3 and 5 times" was shown as "at most 5", and "in the last 2 weeks" as
    "14 days"; touching the count or the period made the query what was shown."""
    clause = _clause(**parts)
    window = make_window()
    panel: UsersPanel = window.panels["users"]  # type: ignore[assignment]
    panel.resize(1200, 700)
    panel.show()
    panel.set_query({"kind": "users", "did": [clause]})
    row = _did_row(panel)
    assert shown(row) == text
    assert panel.query()["did"] == [clause]
    # The user opens each part of the row and leaves it as shown: the query is still the clause.
    _flip(row.verb if row.verb.currentData() == "did_not" else row.quantifier)
    _flip(row.period)
    if row.unit.isVisibleTo(row):
        _flip(row.unit)
    assert shown(row) == text
    assert panel.query()["did"] == [clause]
    assert DidFilter.from_json(panel.query()["did"][0], "did") == DidFilter.from_json(clause, "did")


def test_every_quantifier_and_unit_the_row_offers_is_one_the_query_takes(make_window: Any, qtbot: Any) -> None:
    """Each choice of the row, with any count, is a clause the parser accepts and the row shows back."""
    window = make_window()
    panel: UsersPanel = window.panels["users"]  # type: ignore[assignment]
    panel.set_query({"kind": "users", "did": [_clause()]})
    row = _did_row(panel)
    for verb in range(row.verb.count()):
        row.verb.setCurrentIndex(verb)
        for quantifier in range(row.quantifier.count()):
            row.quantifier.setCurrentIndex(quantifier)
            for low, high in ((0, 0), (0, 7), (7, 7), (7, 0), (2, 9), (MAX_COUNT, 1)):
                row.count.setValue(low)
                row.count_high.setValue(high)
                for period, unit in ((0, 0), (0, 1), (0, 2), (1, 0), (2, 0)):
                    row.period.setCurrentIndex(period)
                    row.unit.setCurrentIndex(unit)
                    clause = panel.query()["did"][0]
                    try:
                        parsed = DidFilter.from_json(clause, "did")
                    except QueryError as error:  # pragma: no cover - the assertion names it
                        raise AssertionError(f"{shown(row)!r} gave {clause}: {error}") from None
                    text = shown(row)
                    panel.set_query({"kind": "users", "did": [parsed.to_json()]})
                    row = _did_row(panel)
                    assert DidFilter.from_json(panel.query()["did"][0], "did") == parsed, text


def _type(qtbot: Any, spin: QAbstractSpinBox, text: str) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Tab)


def test_typing_between_3_and_5_times_in_the_last_2_weeks_counts_the_engines_persons(
        make_window: Any, shop_db: Any, qtbot: Any) -> None:
    """Mixpanel's "did Order Completed between 3 and 5 times in the last 2 weeks", built in the
    row as a user does: the query is that clause and the panel counts the engine's persons."""
    url, engine = shop_db
    window = make_window(url)
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    qtbot.waitUntil(lambda: any(name == EVENT for name, _n in window.context.discovery.events()), timeout=10_000)
    builder = panel.filter_builder
    did_button = next(b for b in builder.findChildren(type(builder.add_button)) if b.objectName() == "add_did")
    qtbot.mouseClick(did_button, Qt.MouseButton.LeftButton)
    row = builder.rows[-1]
    assert isinstance(row, DidFilterRow)
    choose(row.event_combo, EVENT)
    choose(row.quantifier, "between")
    _type(qtbot, row.count, "1")
    _type(qtbot, row.count_high, "2")
    choose(row.period, "in the last")
    _type(qtbot, row.days, "2")
    choose(row.unit, "weeks")
    assert shown(row) == "did Order Completed between 1 and 2 times in the last 2 weeks"
    settle(qtbot, panel)

    clause = {"event": EVENT, "where": [], "min": 1, "max": 2, "range": {"last": 2, "unit": "week"}}
    assert panel.query()["did"] == [clause]
    expected = all_ids(engine, panel.query())
    assert expected, "somebody ordered once or twice in the last two weeks"
    assert panel.model.total == len(expected)
    # What the row used to run for it: "at most 2" in the last 14 days, another set of persons.
    at_most = all_ids(engine, {"kind": "users", "did": [{**clause, "min": 0, "range": {"last": 14, "unit": "day"}}]})
    assert len(at_most) != len(expected)

    choose(row.verb, "did not do")
    settle(qtbot, panel)
    assert panel.query()["did"] == [{**clause, "min": 0, "max": 0}]
    assert panel.model.total == len(all_ids(engine, panel.query())) > 0


def test_the_widest_did_rows_fit_the_controls_column(make_window: Any, filled_db: tuple[str, Any], qtbot: Any) -> None:
    """The row's widest forms ("between N and M times", two dates, a where button) fit the
    controls column at the window's first size: the column never scrolls sideways, so a wider
    row would have its right end (the second count, the unit, the end date, ✕) cut off."""
    from app.ui.widgets.controls_column import ControlsColumn

    window = make_window(filled_db[0])
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    settle(qtbot, panel)
    panel.set_query({"kind": "users", "did": [
        _clause(min=3, max=MAX_COUNT, range={"last": 100_000, "unit": "month"}),
        _clause(min=MAX_COUNT - 1, max=MAX_COUNT, range={"from": "2026-01-01", "to": "2026-02-28"}),
        _clause(max=0, where=[{"property": "total", "op": "gt", "value": 50}],
                range={"from": FIRST_DATE.isoformat(), "to": LAST_DATE.isoformat()}),
    ]})
    column = panel.findChild(ControlsColumn)
    qtbot.waitUntil(lambda: len([row for row in column.findChildren(DidFilterRow) if row.isVisible()]) == 3)
    rows = [row for row in column.findChildren(DidFilterRow) if row.isVisible()]
    for row in rows:
        for widget in (row.findChild(QWidget, "removeButton"), row.count_high, row.unit, row.end, row.filters_button):
            if widget.isVisibleTo(row):
                qtbot.waitUntil(lambda w=widget: w.visibleRegion().boundingRect().width() == w.width())
    assert column.holder.width() <= column.viewport().width()
