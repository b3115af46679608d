"""The User explorer driven through its widgets against a real SQLite database."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication
from sqlalchemy import Engine

from app.core.database import open_database
from app.query import run_query
from app.ui.panels.user_filters import DidFilterRow
from app.ui.panels.users import UsersPanel
from app.ui.panels.users_model import CACHE_PAGES, PAGE_SIZE
from app.ui.widgets.filter_builder import PropertyFilterRow
from tests.query.support import insert_rows
from tests.ui.conftest import settle, wait_idle, wait_panels
from tests.ui.part2_data import EXAMPLE_COHORT


def all_ids(engine: Engine, spec: dict[str, Any]) -> list[str]:
    spec = {k: v for k, v in spec.items() if k not in ("limit", "after", "columns")}
    out: list[str] = []
    after = None
    while True:
        page = run_query(engine, {**spec, "limit": 500, **({"after": after} if after else {})})
        out += [u["id"] for u in page["users"]]
        after = page["next"]
        if after is None:
            return out


def shown_ids(panel: UsersPanel) -> list[str]:
    model = panel.model
    return [model.person_at(r)["id"] for r in range(model.rowCount()) if model.person_at(r) is not None]


def choose(combo: Any, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, (text, [combo.itemText(i) for i in range(combo.count())])
    combo.setCurrentIndex(index)


def test_example_cohort_built_with_the_widgets_is_the_engines_answer(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    url, engine = shop_db
    window = make_window(url)
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    qtbot.waitUntil(lambda: any(p.name == "gender" for p in window.context.discovery.properties(event_properties=False)),
                    timeout=10_000)
    builder = panel.filter_builder
    # female …
    qtbot.mouseClick(builder.add_button, Qt.MouseButton.LeftButton)
    gender = builder.rows[-1]
    assert isinstance(gender, PropertyFilterRow)
    choose(gender.property_combo, "gender")
    gender.text_edit.setText("female")
    # … older than 35 …
    qtbot.mouseClick(builder.add_button, Qt.MouseButton.LeftButton)
    age = builder.rows[-1]
    assert isinstance(age, PropertyFilterRow)
    choose(age.property_combo, "age")
    choose(age.op_combo, ">")
    age.number_edit.setText("35")
    # … who did Order Completed at least 3 times in the last 30 days.
    did_button = next(b for b in builder.findChildren(type(builder.add_button)) if b.objectName() == "add_did")
    qtbot.mouseClick(did_button, Qt.MouseButton.LeftButton)
    did = builder.rows[-1]
    assert isinstance(did, DidFilterRow)
    choose(did.event_combo, "Order Completed")
    did.count.setValue(3)
    settle(qtbot, panel)

    spec = panel.query()
    assert spec["where"] == EXAMPLE_COHORT["where"]
    assert spec["did"] == [{"event": "Order Completed", "where": [], "min": 3, "max": None,
                            "range": {"last": 30, "unit": "day"}}]
    expected = all_ids(engine, EXAMPLE_COHORT)
    assert expected, "the example should match somebody in this data"
    assert panel.model.total == len(expected)
    assert shown_ids(panel) == expected
    assert panel.total_label.text().startswith(f"{len(expected):,} person")


def test_search_finds_by_any_id_and_email_prefix(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    url, _engine = shop_db
    window = make_window(url)
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    qtbot.keyClicks(panel.search_edit, "anon-07")
    settle(qtbot, panel)
    assert shown_ids(panel) == ["u07"]  # the anonymous id finds the merged person
    panel.search_edit.setText("user1")
    settle(qtbot, panel)
    assert sorted(shown_ids(panel)) == [f"u{i}" for i in range(10, 20)]
    # Enter with exactly one match opens the profile.
    panel.search_edit.setText("user42@")
    settle(qtbot, panel)
    profile = window.panels["profile"]
    with qtbot.waitSignal(profile.query_finished, timeout=10_000):
        qtbot.keyClick(panel.search_edit, Qt.Key.Key_Return)
    assert profile.last_result["id"] == "u42"


def test_header_click_sorts_and_double_click_opens_the_profile(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    url, engine = shop_db
    window = make_window(url)
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    header = panel.table.horizontalHeader()
    events_col = panel.model.column_keys().index("events")
    header.sectionClicked.emit(events_col)
    settle(qtbot, panel)
    assert panel.query()["sort"] == {"by": "events", "desc": True}
    assert shown_ids(panel) == all_ids(engine, panel.query())
    header.sectionClicked.emit(events_col)  # again: ascending
    settle(qtbot, panel)
    assert panel.query()["sort"] == {"by": "events", "desc": False}
    assert shown_ids(panel) == all_ids(engine, panel.query())
    age_col = panel.model.column_keys().index("trait:age")
    header.sectionClicked.emit(age_col)
    settle(qtbot, panel)
    assert shown_ids(panel) == all_ids(engine, {"kind": "users", "sort": {"by": {"trait": "age"}, "desc": True}})
    first = shown_ids(panel)[0]
    profile = window.panels["profile"]
    with qtbot.waitSignal(profile.query_finished, timeout=10_000):
        panel.table.doubleClicked.emit(panel.model.index(0, 0))
    assert profile.last_result["id"] == first


def test_export_writes_every_matching_row(make_window: Any, shop_db: Any, qtbot: Any, tmp_path: Path) -> None:
    url, engine = shop_db
    window = make_window(url)
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    panel.set_query({**EXAMPLE_COHORT, "where": [{"trait": "gender", "op": "eq", "value": "female"}], "did": []})
    panel.refresh()
    settle(qtbot, panel)
    target = tmp_path / "persons.csv"
    panel.export_csv(target)
    qtbot.waitUntil(lambda: not panel.exporting, timeout=20_000)
    assert "Exported" in panel.export_message.text()
    with open(target, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    expected = all_ids(engine, panel.query())
    assert [r["id"] for r in rows] == expected and len(rows) == panel.model.total
    assert all(r["gender"] == "female" for r in rows)
    assert not (tmp_path / "persons.csv.part").exists()


def insert_many_users(engine: Engine, count: int) -> None:
    now = int(time.time() * 1000)
    batch = [{"id": f"p{i:06d}", "traits": {"n": i}, "email": f"p{i:06d}@bulk.example",
              "first_seen": now - 10_000_000, "last_seen": now - i * 1000, "event_count": i % 50}
             for i in range(count)]
    insert_rows(engine, (), batch)


@pytest.mark.slow
def test_scrolling_100k_persons_fetches_only_the_pages_shown(make_window: Any, sqlite_url: str, qtbot: Any) -> None:
    engine = open_database(sqlite_url)
    insert_many_users(engine, 100_000)
    window = make_window(sqlite_url)
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    wait_idle(qtbot, panel)
    model = panel.model
    assert model.rowCount() == 100_000
    assert model.pages_loaded == 1
    panel.table.scrollToBottom()
    QApplication.processEvents()
    qtbot.waitUntil(lambda: model.is_loaded(99_999), timeout=60_000)
    # The last person is the one seen longest ago (sort: last seen, newest first).
    assert model.person_at(99_999)["id"] == "p099999"
    assert model.data(model.index(99_999, 0)) == "p099999"
    # Only the pages on screen were fetched; the rows between were skipped by the database.
    assert model.pages_loaded <= 4, model.pages_loaded
    assert len(model.cached_pages()) <= CACHE_PAGES
    # Back to the middle: again only what is shown.
    before = model.pages_loaded
    panel.table.scrollTo(model.index(50_000, 0))
    QApplication.processEvents()
    qtbot.waitUntil(lambda: model.is_loaded(50_000), timeout=60_000)
    assert model.person_at(50_000)["id"] == "p050000"
    assert model.pages_loaded - before <= 3
    assert model.rowCount() == 100_000 and PAGE_SIZE * CACHE_PAGES < 100_000
    engine.dispose()


def test_saved_cohorts_survive_a_restart_and_filter_segmentation(make_window: Any, shop_db: Any, qtbot: Any,
                                                                    ui_settings: Any) -> None:
    url, engine = shop_db
    window = make_window(url)
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    panel.set_query(EXAMPLE_COHORT)
    panel.refresh()
    settle(qtbot, panel)
    expected = all_ids(engine, EXAMPLE_COHORT)
    from app.ui.cohorts import cohort_store

    store = cohort_store(window.context)
    panel.save_cohort("Loyal women", static=False)
    qtbot.waitUntil(lambda: any(c["name"] == "Loyal women" for c in store.cohorts()), timeout=10_000)
    panel.save_cohort("Loyal women, today", static=True)
    qtbot.waitUntil(lambda: any(c["name"] == "Loyal women, today" for c in store.cohorts()), timeout=10_000)
    static = next(c for c in store.cohorts() if c["kind"] == "static")
    assert static["size"] == len(expected)
    window.close()

    again = make_window(url, settings=ui_settings)
    store2 = cohort_store(again.context)
    qtbot.waitUntil(lambda: store2.loaded, timeout=10_000)
    names = sorted(c["name"] for c in store2.cohorts())
    assert names == ["Loyal women", "Loyal women, today"]
    dynamic = next(c for c in store2.cohorts() if c["kind"] == "dynamic")

    # The explorer lists a cohort's members.
    explorer: UsersPanel = again.panels["users"]  # type: ignore[assignment]
    again.show_users_query({"kind": "users", "where": [{"cohort": dynamic["id"], "op": "in"}]})
    settle(qtbot, explorer)
    assert shown_ids(explorer) == expected

    # "person is in cohort X" in Segmentation: the window added the row kind to its filters.
    seg = again.panels["segmentation"]
    cohort_button = next(b for b in seg.filter_builder.findChildren(type(seg.filter_builder.add_button))
                         if b.objectName() == "add_cohort")
    qtbot.mouseClick(cohort_button, Qt.MouseButton.LeftButton)
    row = seg.filter_builder.rows[-1]
    row.cohort_combo.setCurrentIndex(row.cohort_combo.findData(dynamic["id"]))
    qtbot.waitUntil(lambda: not seg.busy and not seg._refresh_timer.isActive()
                    and seg.last_result_spec == seg.query(), timeout=20_000)
    assert seg.query()["where"] == [{"cohort": dynamic["id"], "op": "in"}]
    assert seg.last_result == run_query(engine, seg.query())
    assert seg.last_result["series"], "the cohort's persons have events"

    # Renaming and deleting through the store (what the Cohorts dialog buttons call).
    store2.rename(dynamic["id"], "Loyal female customers")
    qtbot.waitUntil(lambda: any(c["name"] == "Loyal female customers" for c in store2.cohorts()), timeout=10_000)
    store2.delete(static["id"])
    qtbot.waitUntil(lambda: len(store2.cohorts()) == 1, timeout=10_000)
    wait_panels(qtbot, again)


def test_an_invalid_filter_shows_the_error_in_the_panel(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    url, _engine = shop_db
    window = make_window(url)
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    panel.set_query({"kind": "users", "where": [{"cohort": 999, "op": "in"}]})
    panel.refresh()
    qtbot.waitUntil(lambda: panel.last_error is not None, timeout=10_000)
    assert "999" in panel.last_error
    assert panel.state_bar.retry_button.isVisible()
    panel.set_query({"kind": "users"})
    panel.refresh()
    settle(qtbot, panel)
    assert panel.last_error is None and panel.model.total == 60
    assert panel.model.index(0, 0) != QModelIndex()


@pytest.mark.parametrize("sort", [{"by": "last_seen", "desc": True}, {"by": "events", "desc": False},
                                  {"by": {"trait": "n"}, "desc": True}, {"by": "id", "desc": False}])
def test_cursor_found_by_offset_equals_the_engines_own_paging(engine: Engine, sort: dict[str, Any]) -> None:
    """On SQLite and PostgreSQL: the cursor of row k (from the start or from a known cursor)
    continues exactly where paging through the engine page by page would."""
    from app.query import CancelToken
    from app.ui.panels.users_model import cursor_at

    insert_many_users(engine, 700)
    spec = {"kind": "users", "sort": sort, "where": [{"trait": "n", "op": "gte", "value": 20}]}
    every = all_ids(engine, spec)
    assert len(every) == 680
    cursor = cursor_at(engine, spec, None, 250, CancelToken())
    page = run_query(engine, {**spec, "limit": 5, "after": cursor})
    assert [u["id"] for u in page["users"]] == every[250:255]
    further = cursor_at(engine, spec, cursor, 300, CancelToken())
    page = run_query(engine, {**spec, "limit": 5, "after": further})
    assert [u["id"] for u in page["users"]] == every[550:555]
    assert cursor_at(engine, spec, further, 200, CancelToken()) is None  # past the end


def test_export_can_be_cancelled_and_leaves_no_file(make_window: Any, sqlite_url: str, qtbot: Any,
                                                    tmp_path: Path) -> None:
    engine = open_database(sqlite_url)
    insert_many_users(engine, 40_000)
    window = make_window(sqlite_url)
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    settle(qtbot, panel)
    target = tmp_path / "all.csv"
    progress: list[int] = []
    panel._export_signals.progress.connect(lambda done, _total: progress.append(done))
    panel.export_csv(target)
    assert panel.export_progress.isVisible() and panel.export_cancel.isVisible()
    qtbot.mouseClick(panel.export_cancel, Qt.MouseButton.LeftButton)
    assert panel.export_message.text() == "Export cancelled."
    assert not panel.export_progress.isVisible() and panel.export_button.isEnabled()
    # The worker stops at its next page (or statement) and removes its partial file.
    qtbot.waitUntil(lambda: window.connection is not None and window.connection.pool.active_count() == 0,
                    timeout=30_000)
    assert not target.exists() and not (tmp_path / "all.csv.part").exists()
    assert not progress or progress[-1] < 40_000
    # A second export runs to the end.
    panel.export_csv(target)
    qtbot.waitUntil(lambda: not panel.exporting, timeout=60_000)
    with open(target, newline="", encoding="utf-8") as handle:
        assert sum(1 for _ in handle) == 40_001
    engine.dispose()


def test_persons_are_shown_by_name_else_email_else_id(make_window: Any, sqlite_url: str, qtbot: Any) -> None:
    """Issue 16, 'People, not ids': the explorer names persons by their name trait, else their
    e-mail, else their id (the id one hover away); View > Show people by changes it."""
    engine = open_database(sqlite_url)
    insert_rows(engine, (), [
        {"id": "u-1", "traits": {"name": "Ann Lee", "email": "ann@example.com"}, "email": "ann@example.com",
         "first_seen": 1, "last_seen": 3, "event_count": 0},
        {"id": "u-2", "traits": {"email": "bo@example.com"}, "email": "bo@example.com",
         "first_seen": 1, "last_seen": 2, "event_count": 0},
        {"id": "u-3", "traits": {"name": "  "}, "email": None, "first_seen": 1, "last_seen": 1, "event_count": 0},
    ])
    window = make_window(sqlite_url)
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    wait_idle(qtbot, panel)
    model = panel.model

    def column0(role: Any = Qt.ItemDataRole.DisplayRole) -> list[str]:
        return [model.data(model.index(r, 0), role) for r in range(model.rowCount())]

    assert column0() == ["Ann Lee", "bo@example.com", "u-3"]
    assert column0(Qt.ItemDataRole.ToolTipRole) == ["id: u-1", "id: u-2", "id: u-3"]
    window.findChild(QAction, "people_email").trigger()
    assert column0() == ["ann@example.com", "bo@example.com", "u-3"]
    window.findChild(QAction, "people_id").trigger()
    assert column0() == ["u-1", "u-2", "u-3"] and window.settings.value("people/display") == "id"
