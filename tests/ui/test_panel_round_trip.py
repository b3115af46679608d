"""query -> panel -> query is the identity, on the real panels, for generated queries: every
filter operator with and without ignore_case, OR groups, cohorts, breakdowns, funnel options
(order, exclusions, hold, window), retention options. A saved report never changes meaning
when it is opened (the panels keep their query in app.query.panel_state)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.query import parse_query
from app.ui.panels.live_view import ALL_EVENTS
from tests.query.panel_queries import QUERIES

PANEL_FOR = {"segmentation": "segmentation", "funnel": "funnels", "retention": "retention", "users": "users",
             "live": "live"}
KINDS = sorted(PANEL_FOR)
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def canonical(spec: dict[str, Any]) -> dict[str, Any]:
    return parse_query(spec).to_dict()


def saved_part(panel: Any, kind: str) -> dict[str, Any]:
    got = panel.query()
    if kind == "live":  # the poll's cursor and size are the panel's, not the query's
        return {k: v for k, v in got.items() if k not in ("after_id", "limit")}
    return got


def shown_users(panel: Any, expected: dict[str, Any]) -> None:
    """The User explorer's widgets show the query (not only its state holding it)."""
    assert panel.filter_builder.filters() == [*expected["where"], *({"did": d} for d in expected["did"])]
    assert panel.match_combo.currentData() == expected["match"]
    assert panel.search_edit.text() == expected.get("search", "")
    if "columns" in expected:
        assert panel.model.trait_columns() == expected["columns"]
    # Widgets committing what they show (a combo re-picked, the filter rows) change nothing.
    panel.match_combo.currentIndexChanged.emit(panel.match_combo.currentIndex())
    panel.filter_builder.changed.emit()


def shown_live(panel: Any, expected: dict[str, Any]) -> None:
    assert panel.filter_builder.filters() == expected["where"]
    assert panel.event_filter.currentText() == (", ".join(expected["events"]) or ALL_EVENTS)
    # The combo losing focus and the filter rows committing: a list of events the combo shows as
    # one text, and every filter, stay as they are.
    panel._on_filter_changed()
    panel.filter_builder.changed.emit()


SHOWN = {"users": shown_users, "live": shown_live}


@pytest.fixture
def window(make_window: Any) -> Any:
    return make_window(None)


@pytest.mark.parametrize("kind", KINDS)
@SETTINGS
@given(data=st.data())
def test_query_panel_query_is_the_identity(window: Any, kind: str, data: st.DataObject) -> None:
    spec = data.draw(QUERIES[kind])
    panel = window.panels[PANEL_FOR[kind]]
    panel.set_query(spec)
    expected = canonical(spec)
    if kind == "live":
        expected = {k: v for k, v in expected.items() if k not in ("after_id", "limit")}
    assert saved_part(panel, kind) == expected
    if kind in SHOWN:
        SHOWN[kind](panel, expected)
        assert saved_part(panel, kind) == expected
    # Shown again from what it gave back: the same (nothing drifts through the widgets).
    panel.set_query(panel.query())
    assert saved_part(panel, kind) == expected


@pytest.mark.parametrize("kind", sorted(PANEL_FOR))
@settings(SETTINGS, max_examples=8)
@given(data=st.data())
def test_edits_through_the_widgets_keep_the_rest(window: Any, kind: str, data: st.DataObject) -> None:
    """One widget edit changes its own key only; everything the widgets do not show stays."""
    spec = data.draw(QUERIES[kind])
    panel = window.panels[PANEL_FOR[kind]]
    panel.set_query(spec)
    before = saved_part(panel, kind)
    panel.filter_builder.add_row({"property" if kind not in ("users",) else "trait": "zz", "op": "set"})
    after = saved_part(panel, kind)
    assert after["where"] == [*before["where"], {("property" if kind != "users" else "trait"): "zz", "op": "set"}]
    assert {k: v for k, v in after.items() if k != "where"} == {k: v for k, v in before.items() if k != "where"}
