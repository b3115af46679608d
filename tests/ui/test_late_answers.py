"""Answers that come back late or out of order: the connection's threads answer requests in any
order, so an answer asked for before the user changed their mind must not be shown after it.
Each test holds the older request (a threading.Event) until the newer one has answered."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from app.ui.widgets.filter_builder import PropertyFilterRow
from tests.ui.test_lost_connection_side_queries import messages_panel_with_a_draft
from tests.ui.test_messages_panel import NAME
from tests.ui.test_profile_panel import long_history

PLANS_SHOWN = ["pro", "free", "team"]


class HeldOpen:
    """The main window's open_database, with the open of `url` held once it has opened (`started`
    is set then) until `release()`; every other URL opens at once."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
        import app.ui.main_window as main_window
        from app.core.database import open_database

        self.started, self.release_event = threading.Event(), threading.Event()

        def slow_open(opened: str, **kwargs: Any) -> Any:
            engine = open_database(opened, **kwargs)
            if opened == url:
                self.started.set()
                self.release_event.wait(15)
            return engine

        monkeypatch.setattr(main_window, "open_database", slow_open)

    def release(self) -> None:
        self.release_event.set()


class Held:
    """Makes the connection's jobs whose spec `matches` hand their answer back only once released
    (`started` is set when the answer is ready, `returned` when the job has ended)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, connection: Any, matches: Any) -> None:
        self.release_event = threading.Event()
        self.started = threading.Event()
        self.returned = threading.Event()
        real = connection.query_job

        def query_job(spec: dict[str, Any]) -> Any:
            job = real(spec)
            if not matches(spec):
                return job

            def held(token: Any) -> Any:
                try:
                    try:
                        result = job(token)  # answered now (or refused), handed back late
                    finally:
                        self.started.set()
                        self.release_event.wait(15)
                    return result
                finally:
                    self.returned.set()

            return held

        monkeypatch.setattr(connection, "query_job", query_job)

    def release(self) -> None:
        self.release_event.set()


def _values_of(row: Any) -> list[str]:
    return list(row._value_model.stringList())


def test_a_filter_rows_late_values_do_not_replace_those_of_its_property_now(
        make_window: Any, filled_db: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A filter row switched from plan to $browser and back: $browser's values, answering late,
    replaced plan's in the row's value suggestions (a plan filter offering Chrome, Firefox…)."""
    window = make_window(filled_db[0])
    panel = window.panels["segmentation"]
    qtbot.waitUntil(lambda: panel.finished_once and window.context.discovery.loaded_properties, timeout=20_000)
    builder = panel.filter_builder
    row = builder.add_row({"property": "plan", "op": "eq", "value": ""})
    assert isinstance(row, PropertyFilterRow)
    qtbot.waitUntil(lambda: sorted(_values_of(row)) == sorted(PLANS_SHOWN), timeout=10_000)
    held = Held(monkeypatch, window.connection, lambda spec: spec.get("what") == "values")
    row.set_json({"property": "$browser", "op": "eq", "value": ""})
    qtbot.waitUntil(held.started.is_set, timeout=10_000)
    row.set_json({"property": "plan", "op": "eq", "value": ""})  # its values are known: shown at once
    assert sorted(_values_of(row)) == sorted(PLANS_SHOWN)
    held.release()
    qtbot.waitUntil(held.returned.is_set, timeout=10_000)
    qtbot.wait(300)  # the late answer reaches the GUI thread
    assert sorted(_values_of(row)) == sorted(PLANS_SHOWN)


def test_two_filter_rows_asking_for_values_at_once_both_get_them(
        make_window: Any, filled_db: Any, qtbot: Any) -> None:
    """A report restored with two filters (or two panels' filters at start) asked for two value
    lists at once: the second request superseded the first, so the first row never offered any
    values."""
    window = make_window(filled_db[0])
    panel = window.panels["segmentation"]
    qtbot.waitUntil(lambda: panel.finished_once and window.context.discovery.loaded_properties, timeout=20_000)
    panel.filter_builder.set_filters([{"property": "plan", "op": "eq", "value": "pro"},
                                      {"property": "$browser", "op": "eq", "value": "Chrome"}])
    rows = list(panel.filter_builder.rows)
    assert len(rows) == 2 and all(isinstance(r, PropertyFilterRow) for r in rows)
    qtbot.waitUntil(lambda: all(_values_of(r) for r in rows), timeout=10_000)
    assert sorted(_values_of(rows[0])) == sorted(PLANS_SHOWN)


def _timeline_events(panel: Any) -> list[str]:
    return [panel.timeline.topLevelItem(i).text(1) for i in range(panel.timeline.topLevelItemCount())]


def test_older_events_asked_before_the_timeline_filter_changed_are_not_added_to_it(
        cust_x_profile: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """'Load older events', then Show: Order Completed before they came: the older page of every
    event was added under the two orders (23 'Product Viewed' rows in a timeline filtered to
    orders), and 'Load older events' went on from there."""
    window, panel, _engine = cust_x_profile
    assert panel.timeline.topLevelItemCount() == 50 and panel.more_button.isVisible()
    held = Held(monkeypatch, window.connection, lambda spec: "before_id" in (spec.get("timeline") or {}))
    panel.more_button.click()
    qtbot.waitUntil(held.started.is_set, timeout=10_000)
    with qtbot.waitSignal(panel.query_finished, timeout=10_000):
        panel.event_filter.setCurrentText("Order Completed")
        panel.event_filter.lineEdit().editingFinished.emit()
    assert _timeline_events(panel) == ["Order Completed", "Order Completed"]
    held.release()
    qtbot.waitUntil(held.returned.is_set, timeout=10_000)
    qtbot.wait(300)  # the late answer reaches the GUI thread
    assert _timeline_events(panel) == ["Order Completed", "Order Completed"]
    assert not panel.more_button.isVisible() and not panel.loading_more


def test_a_search_answering_after_another_person_was_opened_does_not_replace_them(
        make_window: Any, shop_db: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Find 'user33@', then a double-click on cust-x in another panel before the search answered:
    the profile showed cust-x, then jumped to u33 when the search came back."""
    url, engine = shop_db
    long_history(engine)
    window = make_window(url)
    panel = window.panels["profile"]
    qtbot.waitUntil(lambda: panel.finished_once and panel.settled, timeout=10_000)
    held = Held(monkeypatch, window.connection, lambda spec: spec.get("search") == "user33@")
    panel.search_edit.setText("user33@")
    panel.find_person()
    qtbot.waitUntil(held.started.is_set, timeout=10_000)
    with qtbot.waitSignal(panel.query_finished, timeout=10_000):
        window.show_person("cust-x")
    assert panel.last_result["id"] == "cust-x"
    held.release()
    qtbot.waitUntil(held.returned.is_set, timeout=10_000)
    qtbot.wait(300)
    qtbot.waitUntil(lambda: panel.settled, timeout=10_000)
    assert panel.person == "cust-x" and panel.last_result["id"] == "cust-x"
    assert panel.id_label.text() == "cust-x"


def test_a_campaigns_results_coming_after_new_are_not_shown_for_the_new_one(
        make_window: Any, sqlite_url: str, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages: a campaign chosen, then New before its results came: the Results tab showed the
    campaign left (and kept showing it for the new one, as it did after New at any time)."""
    window, panel = messages_panel_with_a_draft(make_window, qtbot, sqlite_url, chosen=False)
    assert panel.results_label.text() == "Choose a campaign that was sent."
    held = Held(monkeypatch, window.connection, lambda spec: spec.get("kind") == "campaign_results")
    panel.select_campaign(NAME)
    qtbot.waitUntil(held.started.is_set, timeout=10_000)
    panel.new_button.click()
    assert panel.editor.name.text() != NAME
    held.release()
    qtbot.waitUntil(held.returned.is_set, timeout=10_000)
    qtbot.wait(300)
    qtbot.waitUntil(lambda: panel.settled, timeout=10_000)
    assert panel.results_label.text() == "Choose a campaign that was sent."
    assert not panel.chart.isVisible() and not panel.over_time.isVisible()


def test_a_connection_test_answering_after_the_form_changed_does_not_vouch_for_the_new_one(
        qtbot: Any, ui_settings: Any, sqlite_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Test on a good database, then another path typed before the answer: '✔ Connected (SQLite …)'
    showed beside the path never tested (a file that is not a database at all)."""
    import app.ui.dialogs.connect_dialog as connect_dialog
    from app.core.database import open_database

    open_database(sqlite_url).dispose()
    release, started = threading.Event(), threading.Event()
    real = connect_dialog.open_database

    def slow_open(url: str, **kwargs: Any) -> Any:
        engine = real(url, **kwargs)
        started.set()
        release.wait(15)
        return engine

    monkeypatch.setattr(connect_dialog, "open_database", slow_open)
    dialog = connect_dialog.ConnectDialog(ui_settings)
    qtbot.addWidget(dialog)
    dialog.sqlite_path.setText(sqlite_url.removeprefix("sqlite:///"))
    dialog.test_button.click()
    qtbot.waitUntil(started.is_set, timeout=10_000)
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_bytes(b"garbage" * 1000)
    dialog.sqlite_path.setText(str(bogus))
    release.set()
    qtbot.waitUntil(lambda: dialog.status.text() != "Testing…", timeout=10_000)
    assert not dialog.status.text().startswith("✔")
    assert "changed while it was being tested" in dialog.status.text()
    assert dialog.test_button.isEnabled()


def test_enter_in_the_explorers_search_opens_only_the_person_it_searched_for(
        make_window: Any, shop_db: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Enter on 'user33@' (open the one match), then another list asked for before it answered (a
    cohort's or a funnel step's persons): that list, being of one person, opened their profile,
    a person nobody asked to open."""
    url, _engine = shop_db
    window = make_window(url)
    panel = window.show_panel("users")
    profile = window.panels["profile"]
    qtbot.waitUntil(lambda: panel.finished_once and panel.settled and profile.finished_once and profile.settled,
                    timeout=20_000)
    held = Held(monkeypatch, window.connection, lambda spec: spec.get("search") == "user33@")
    opened: list[str] = []
    panel.open_person.connect(opened.append)
    panel.search_edit.setText("user33@")
    panel.search_edit.returnPressed.emit()
    qtbot.waitUntil(held.started.is_set, timeout=10_000)
    with qtbot.waitSignal(panel.query_finished, timeout=10_000):
        panel.show_users_query({"kind": "users", "search": "user34@"})
    assert panel.model.total == 1
    held.release()
    qtbot.waitUntil(held.returned.is_set, timeout=10_000)
    qtbot.wait(300)
    qtbot.waitUntil(lambda: panel.settled and profile.settled, timeout=10_000)
    assert opened == []
    assert profile.last_result.get("latest")  # still the most recently active person, nobody opened


def _files_held_open_under(folder: Path) -> list[str]:
    """The files under `folder` this process holds open (Linux: /proc/self/fd)."""
    held = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # closed meanwhile (the listing's own descriptor)
            continue
        if target.startswith(str(folder)):
            held.append(target)
    return held


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="lists open files through /proc")
def test_a_database_chosen_while_another_was_opening_leaves_nothing_of_the_other_open(
        make_window: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Open A, then B before A answered: A's answer was dropped without closing what it opened,
    so A's file stayed open in the app (on Windows it could not be moved or deleted; a chDB
    folder stayed locked) until the app quit."""
    from app.core.database import open_database

    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    url_a, url_b = f"sqlite:///{first / 'a.sqlite'}", f"sqlite:///{second / 'b.sqlite'}"
    for url in (url_a, url_b):
        open_database(url).dispose()
    assert _files_held_open_under(first) == []
    held = HeldOpen(monkeypatch, url_a)
    window = make_window()
    window.open_database(url_a)
    qtbot.waitUntil(held.started.is_set, timeout=10_000)
    assert _files_held_open_under(first)  # A is open, its answer held
    window.open_database(url_b)
    held.release()
    qtbot.waitUntil(lambda: window.connection is not None, timeout=10_000)
    assert window.connection.url == url_b
    assert _files_held_open_under(first) == []
    assert _files_held_open_under(second)  # B is open, and stays so


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="lists open files through /proc")
def test_the_demo_chosen_while_another_database_was_opening_is_the_one_shown(
        make_window: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Open A, then the demo (not built yet) before A answered: A's answer became the window's
    connection while the demo was being built (panels showed A's data under an empty URL), and
    the open A stayed in flight unnoticed. The demo, asked for last, wins; A is closed."""
    from app.core.database import open_database
    from app.core.paths import demo_db_path
    from app.ui import demo_setup

    monkeypatch.setattr(demo_setup, "DEMO_EVENTS", 3000)
    folder = tmp_path / "a"
    folder.mkdir()
    url_a = f"sqlite:///{folder / 'a.sqlite'}"
    open_database(url_a).dispose()
    held = HeldOpen(monkeypatch, url_a)
    window = make_window()
    shown: list[Any] = []
    window.connection_changed.connect(lambda connection: shown.append(connection and connection.url))
    window.open_database(url_a)
    qtbot.waitUntil(held.started.is_set, timeout=10_000)
    assert not demo_db_path().exists()
    window.open_demo()
    held.release()
    qtbot.waitUntil(lambda: window._opener_pool.active_count() == 0, timeout=10_000)  # A answered
    assert window.connection is None or window.connection.is_demo
    assert _files_held_open_under(folder) == []
    with qtbot.waitSignal(window.demo_ready, timeout=120_000) as blocker:
        pass
    assert blocker.args == [True]
    qtbot.waitUntil(lambda: window.connection is not None, timeout=10_000)
    assert window.connection.is_demo
    assert [url for url in shown if url is not None] == [window.connection.url]
    assert _files_held_open_under(folder) == []
