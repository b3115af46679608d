"""The User explorer and the Live View as views of their state (issue 16): Edit > Undo walks back
through their query edits like the other panels, and the Live View's Person column names people
as View > Show people by says."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from sqlalchemy import update

from app.core.schema import users
from app.ui.panels.live_model import PERSON_COLUMN
from app.ui.panels.live_view import ALL_EVENTS, INITIAL_ROWS, LiveViewPanel
from app.ui.panels.users import UsersPanel
from tests.ui.conftest import settle, wait_idle


def test_user_explorer_edits_undo_and_redo(make_window: Any, filled_db: Any, qtbot: Any) -> None:
    url, _engine = filled_db
    window = make_window(url)
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    settle(qtbot, panel)
    start = panel.query()
    panel.match_combo.setCurrentIndex(panel.match_combo.findData("any"))  # as a person picks it
    settle(qtbot, panel)
    qtbot.keyClicks(panel.search_edit, "user-1")
    settle(qtbot, panel)
    assert panel.query()["match"] == "any" and panel.query()["search"] == "user-1"
    window.undo_group.setActiveStack(panel.undo_stack)
    assert "User explorer" in window.undo_action.text()

    window.undo_action.trigger()
    settle(qtbot, panel)
    assert panel.query() == {**start, "match": "any"}
    assert panel.search_edit.text() == "" and panel.match_combo.currentData() == "any"
    window.undo_action.trigger()
    settle(qtbot, panel)
    assert panel.query() == start and panel.match_combo.currentData() == "all"
    assert not window.undo_action.isEnabled()
    window.redo_action.trigger()
    window.redo_action.trigger()
    settle(qtbot, panel)
    assert panel.query()["search"] == "user-1" and panel.search_edit.text() == "user-1"
    assert panel.undo_stack.count() == 2  # undo and redo recorded no steps of their own


def live_ready(qtbot: Any, window: Any) -> LiveViewPanel:
    panel: LiveViewPanel = window.panels["live"]
    panel.interval.setValue(0.2)
    qtbot.waitUntil(lambda: panel.loaded and panel.model.rowCount() > 0, timeout=10_000)
    return panel


def shown_events(panel: LiveViewPanel) -> set[str]:
    return {str(row["event"]) for row in panel.model.rows()}


def test_live_view_filter_edits_undo_and_redo(make_window: Any, filled_db: Any, qtbot: Any) -> None:
    url, _engine = filled_db
    window = make_window(url)
    panel = live_ready(qtbot, window)
    assert len(shown_events(panel)) > 1
    polls_before = panel.undo_stack.count()
    qtbot.wait(600)  # polls that bring nothing new are no undo steps
    assert panel.undo_stack.count() == polls_before == 0

    name = sorted(shown_events(panel))[0]
    panel.event_filter.setCurrentIndex(panel.event_filter.findText(name))  # as a person picks it
    qtbot.waitUntil(lambda: panel.loaded and shown_events(panel) == {name}, timeout=10_000)
    assert panel.query()["events"] == [name] and panel.undo_stack.count() == 1
    window.undo_group.setActiveStack(panel.undo_stack)
    assert "Live View" in window.undo_action.text()

    window.undo_action.trigger()
    qtbot.waitUntil(lambda: panel.loaded and len(shown_events(panel)) > 1, timeout=10_000)
    assert panel.query()["events"] == [] and panel.event_filter.currentText() == ALL_EVENTS
    assert panel.model.rowCount() == min(INITIAL_ROWS, 1500)  # a new stream, not a mix of both
    window.redo_action.trigger()
    qtbot.waitUntil(lambda: panel.loaded and shown_events(panel) == {name}, timeout=10_000)
    assert panel.event_filter.currentText() == name and panel.undo_stack.count() == 1


def test_live_view_shows_a_saved_filter_and_keeps_what_the_combo_cannot_show(make_window: Any, filled_db: Any,
                                                                              qtbot: Any) -> None:
    url, _engine = filled_db
    window = make_window(url)
    panel = live_ready(qtbot, window)
    names = sorted(shown_events(panel))[:2]
    where = [{"property": "plan", "op": "eq", "value": "pro"}]
    panel.set_query({"kind": "live", "events": names, "where": where})
    assert panel.filters_toggle.isChecked() and panel.filter_builder.isVisible()  # a filter in effect shows
    panel.refresh()
    qtbot.waitUntil(lambda: panel.loaded and panel.model.rowCount() > 0, timeout=10_000)
    wait_idle(qtbot, panel)
    assert shown_events(panel) <= set(names)
    assert {row["properties"].get("plan") for row in panel.model.rows()} == {"pro"}
    panel._on_filter_changed()  # the combo losing focus without an edit
    assert panel.query()["events"] == names and panel.query()["where"] == where


def test_live_view_names_people_as_show_people_by_says(make_window: Any, filled_db: Any, qtbot: Any) -> None:
    url, engine = filled_db
    with engine.begin() as conn:
        for i in range(1, 41):
            traits = {"name": f"Person Number {i}", "email": f"p{i}@example.com"} if i % 2 else {}
            conn.execute(update(users).where(users.c.id == f"user-{i}").values(traits=traits))
    window = make_window(url)
    window.set_people_display("name")
    panel = live_ready(qtbot, window)
    model = panel.model

    def labels() -> dict[str, tuple[str, str]]:
        out = {}
        for r in range(model.rowCount()):
            index = model.index(r, PERSON_COLUMN)
            out[model.row(r)["person"]] = (index.data(), index.data(Qt.ItemDataRole.ToolTipRole))
        return out

    shown = labels()
    named = [p for p in shown if int(p.split("-")[1]) % 2]
    assert named and len(named) < len(shown)
    for person, (text, tip) in shown.items():
        number = int(person.split("-")[1])
        assert text == (f"Person Number {number}" if number % 2 else person)  # no name: the id
        assert tip == f"id: {person}"
    assert model.headerData(PERSON_COLUMN, Qt.Orientation.Horizontal) == "Person"

    window.set_people_display("email")  # View > Show people by > E-mail: relabelled at once
    assert {labels()[p][0] for p in named} == {f"p{p.split('-')[1]}@example.com" for p in named}
    window.set_people_display("id")
    assert all(text == person for person, (text, _tip) in labels().items())
    # Double-click still opens the person by id, whatever the label.
    assert panel.model.row(0)["person"].startswith("user-")


def test_every_display_mode_names_people_by_traits_the_live_answer_carries() -> None:
    """A mode that tried a trait the live query leaves out would show ids in the Live View."""
    from app.query.runners.live import LABEL_TRAITS
    from app.ui.people import DISPLAY_MODES

    assert {trait for traits in DISPLAY_MODES.values() for trait in traits} <= set(LABEL_TRAITS)
