"""The Cohorts dialog: list, rename, delete and show a cohort's persons."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QInputDialog

from app.query import run_query
from app.query.cohorts import create_cohort
from app.ui.cohorts import CohortsDialog, cohort_store


def test_cohorts_dialog_renames_deletes_and_shows_members(make_window: Any, shop_db: Any, qtbot: Any,
                                                          monkeypatch: Any) -> None:
    url, engine = shop_db
    men = create_cohort(engine, "Men", {"kind": "users", "where": [{"trait": "gender", "op": "eq", "value": "male"}]})
    create_cohort(engine, "Pro plan", {"kind": "users", "where": [{"trait": "plan", "op": "eq", "value": "pro"}]},
                  static=True)
    window = make_window(url)
    store = cohort_store(window.context)
    qtbot.waitUntil(lambda: len(store.cohorts()) == 2, timeout=10_000)
    dialog = CohortsDialog(store, window)
    qtbot.addWidget(dialog)
    labels = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert labels == ["Men  (dynamic)", "Pro plan  (static, 20)"]

    dialog.list.setCurrentRow(0)
    monkeypatch.setattr(QInputDialog, "getText", lambda *_a, **_k: ("Male customers", True))
    dialog.rename_button.click()
    qtbot.waitUntil(lambda: store.get(men["id"]) is not None and store.get(men["id"])["name"] == "Male customers",
                    timeout=10_000)
    assert dialog.list.item(0).text() == "Male customers  (dynamic)"

    dialog.list.setCurrentRow(1)
    monkeypatch.setattr("app.ui.cohorts.ask", lambda *_a, **_k: True)
    dialog.delete_button.click()
    qtbot.waitUntil(lambda: len(store.cohorts()) == 1, timeout=10_000)
    assert dialog.list.count() == 1

    explorer = window.panels["users"]
    dialog.show_members.connect(window.show_users_query)
    dialog.list.setCurrentRow(0)
    with qtbot.waitSignal(explorer.query_finished, timeout=10_000):
        dialog.show_button.click()
    want = run_query(engine, {"kind": "users", "where": [{"trait": "gender", "op": "eq", "value": "male"}]})
    assert explorer.model.total == want["total"] == 20


def test_a_slow_older_reload_does_not_bring_back_the_old_name(make_window: Any, shop_db: Any, qtbot: Any,
                                                              monkeypatch: Any) -> None:
    """Reloads run on several threads: one asked for before a rename, answering after it, is stale."""
    import threading

    import app.query.cohorts as cohorts_module

    url, engine = shop_db
    men = create_cohort(engine, "Men", {"kind": "users", "where": [{"trait": "gender", "op": "eq", "value": "male"}]})
    window = make_window(url)
    store = cohort_store(window.context)
    qtbot.waitUntil(lambda: store.get(men["id"]) is not None, timeout=10_000)

    real = cohorts_module.list_cohorts
    release, slow_returned = threading.Event(), threading.Event()
    calls = {"n": 0}

    def list_cohorts(eng: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:  # the older reload: reads the old name, then answers late
            rows = real(eng)
            release.wait(10)
            slow_returned.set()
            return rows
        return real(eng)

    monkeypatch.setattr(cohorts_module, "list_cohorts", list_cohorts)
    store.reload()
    qtbot.waitUntil(lambda: calls["n"] == 1, timeout=10_000)
    store.rename(men["id"], "Male customers")
    qtbot.waitUntil(lambda: store.get(men["id"])["name"] == "Male customers", timeout=10_000)
    release.set()
    qtbot.waitUntil(slow_returned.is_set, timeout=10_000)
    qtbot.wait(300)  # the late answer reaches the GUI thread
    assert store.get(men["id"])["name"] == "Male customers"
