"""The Cohorts dialog: list, rename, delete and show a cohort's persons."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QTextDocument
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


def test_a_long_or_two_line_cohort_name_is_one_row_cut_with_its_tip_whole(make_window: Any, shop_db: Any,
                                                                          qtbot: Any, monkeypatch: Any) -> None:
    """A cohort named with 255 characters made the list scroll sideways, one with a line break drew
    a row of two lines; the rows now end a long name in "…" and the tip shows it whole. The dialogs
    refuse a name with a line break, tab or NUL in one line (a name made by the CLI still lists)."""
    from app.ui.cohorts import SaveCohortDialog

    url, engine = shop_db
    long_name = "Customers who bought twice in the spring sale " * 5 + "<b>end</b>"  # 240 characters
    users = {"kind": "users", "where": [{"trait": "gender", "op": "eq", "value": "male"}]}
    create_cohort(engine, long_name, users)
    two_lines = create_cohort(engine, "First line\nsecond line", users)
    window = make_window(url)
    store = cohort_store(window.context)
    qtbot.waitUntil(lambda: len(store.cohorts()) == 2, timeout=10_000)
    dialog = CohortsDialog(store, window)
    qtbot.addWidget(dialog)
    dialog.resize(520, 380)
    dialog.show()
    qtbot.waitExposed(dialog)
    rows = {dialog.list.item(i).data(256): dialog.list.item(i) for i in range(dialog.list.count())}
    tall = dialog.list.visualItemRect(rows[two_lines["id"]])
    assert rows[two_lines["id"]].text() == "First line second line  (dynamic)"
    assert tall.height() < 2 * dialog.list.fontMetrics().height()  # one line
    wide = [dialog.list.visualItemRect(item).width() for item in rows.values()]
    assert max(wide) <= dialog.list.viewport().width() and dialog.list.horizontalScrollBar().maximum() == 0
    long_item = next(item for i, item in rows.items() if i != two_lines["id"])
    assert dialog.list.fontMetrics().horizontalAdvance(long_item.text()) > dialog.list.viewport().width()  # cut
    tip = QTextDocument()
    tip.setHtml(long_item.toolTip())
    assert tip.toPlainText().replace("\xa0", " ") == long_name  # whole, and as text

    dialog.list.setCurrentItem(long_item)
    monkeypatch.setattr(QInputDialog, "getText", lambda *_a, **_k: ("Two\nlines", True))
    dialog.rename_button.click()
    assert dialog.message.text() == "⚠ a cohort name may not hold a control character (a line break, a tab, NUL)"
    save = SaveCohortDialog(window)
    qtbot.addWidget(save)
    save.name_edit.setText("tab\there")
    save._accept()
    assert save.result() == 0 and save.problem.text().startswith("⚠ a cohort name may not hold")
