"""The User profile: one person's whole history, however they were first seen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from sqlalchemy import Engine, select

from app.core.schema import events
from app.ingest.writer import EventWriter
from app.query import run_query
from app.ui.panels.profile import ProfilePanel
from tests.ui.part2_data import iso


def person_event_ids(engine: Engine, person: str) -> list[int]:
    with engine.connect() as conn:
        rows = conn.execute(select(events.c.id).where(events.c.person == person)
                            .order_by(events.c.ts.desc(), events.c.id.desc()))
        return [int(r[0]) for r in rows]


def long_history(engine: Engine) -> None:
    """anon-x browses 70 times anonymously, then signs up as cust-x and orders twice."""
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    msgs: list[dict[str, Any]] = []
    for n in range(70):
        msgs.append({"type": "track", "messageId": f"x{n}", "anonymousId": "anon-x", "event": "Product Viewed",
                     "timestamp": iso(start + dt.timedelta(minutes=n)), "properties": {"sku": f"s{n}"},
                     "context": {"page": {"url": f"https://shop.example/p/{n}"}}})
    msgs.append({"type": "identify", "messageId": "x-id", "anonymousId": "anon-x", "userId": "cust-x",
                 "timestamp": iso(start + dt.timedelta(hours=2)), "traits": {"email": "xavier@shop.example", "age": 51}})
    for n in range(2):
        msgs.append({"type": "track", "messageId": f"x-order{n}", "userId": "cust-x", "event": "Order Completed",
                     "timestamp": iso(start + dt.timedelta(hours=3 + n)), "properties": {"total": 30 + n}})
    assert not EventWriter(engine, enrich=False).write(msgs).rejected


def test_anonymous_then_identified_person_shows_the_whole_history(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    url, engine = shop_db
    long_history(engine)
    window = make_window(url)
    panel: ProfilePanel = window.panels["profile"]  # type: ignore[assignment]
    with qtbot.waitSignal(panel.query_finished, timeout=10_000):
        window.show_person("anon-x")  # the anonymous id finds the merged person
    result = panel.last_result
    assert result == run_query(engine, panel.query())
    assert panel.id_label.text() == "cust-x"
    identities = {panel.identities.item(i).text().split()[0] for i in range(panel.identities.count())}
    assert identities == {"cust-x", "anon-x"}
    assert panel.events_label.text() == "72"
    traits = {panel.traits.topLevelItem(i).text(0): panel.traits.topLevelItem(i).text(1)
              for i in range(panel.traits.topLevelItemCount())}
    assert traits == {"email": "xavier@shop.example", "age": "51"}
    # Newest first, 50 at a time; "Load older events" until everything is there.
    assert panel.timeline_ids() == person_event_ids(engine, "cust-x")[:50]
    assert panel.timeline.topLevelItem(0).text(1) == "Order Completed"
    while panel.more_button.isVisible():
        qtbot.mouseClick(panel.more_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not panel.loading_more, timeout=10_000)
    assert panel.timeline_ids() == person_event_ids(engine, "cust-x")
    assert len(panel.timeline_ids()) == 73  # 70 anonymous views, the identify call, 2 orders
    last = panel.timeline.topLevelItem(panel.timeline.topLevelItemCount() - 1)
    assert last.text(1) == "Product Viewed"
    # Expanding an event shows its properties and context.
    children = {last.child(i).text(0): last.child(i) for i in range(last.childCount())}
    assert {"fields", "properties", "context"} <= set(children)
    assert children["properties"].child(0).text(0) == "sku" and children["properties"].child(0).text(1) == "s0"


def test_timeline_filters_by_event_name(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    url, engine = shop_db
    long_history(engine)
    window = make_window(url)
    panel: ProfilePanel = window.panels["profile"]  # type: ignore[assignment]
    with qtbot.waitSignal(panel.query_finished, timeout=10_000):
        window.show_person("cust-x")
    with qtbot.waitSignal(panel.query_finished, timeout=10_000):
        panel.event_filter.setCurrentText("Order Completed")
        panel.event_filter.lineEdit().editingFinished.emit()
    assert [panel.timeline.topLevelItem(i).text(1) for i in range(panel.timeline.topLevelItemCount())] == \
        ["Order Completed", "Order Completed"]
    assert not panel.more_button.isVisible()


def test_profile_opens_from_the_live_view_and_the_search_box(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    url, _engine = shop_db
    window = make_window(url)
    panel: ProfilePanel = window.panels["profile"]  # type: ignore[assignment]
    live = window.panels["live"]
    qtbot.waitUntil(lambda: live.model.rowCount() > 0, timeout=10_000)
    person = live.model.row(0).get("person")
    with qtbot.waitSignal(panel.query_finished, timeout=10_000):
        live.table.doubleClicked.emit(live.model.index(0, 0))
    assert panel.last_result["id"] == person
    # Support staff start from an e-mail.
    qtbot.keyClicks(panel.search_edit, "user33@")
    with qtbot.waitSignal(panel.query_finished, timeout=10_000):
        qtbot.keyClick(panel.search_edit, Qt.Key.Key_Return)
    assert panel.last_result["id"] == "u33"
    # Several matches go to the explorer.
    panel.search_edit.setText("user2")
    explorer = window.panels["users"]
    with qtbot.waitSignal(explorer.query_finished, timeout=10_000):
        qtbot.keyClick(panel.search_edit, Qt.Key.Key_Return)
    assert explorer.model.total == 10 and "10 persons match" in panel.find_message.text()


def test_unknown_person_says_so_in_the_panel(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    url, _engine = shop_db
    window = make_window(url)
    panel: ProfilePanel = window.panels["profile"]  # type: ignore[assignment]
    # Before anybody is chosen it shows the most recently active signed-up person.
    assert panel.last_result["found"] and panel.last_result.get("latest")
    with qtbot.waitSignal(panel.query_finished, timeout=10_000):
        window.show_person("nobody-at-all")
    assert "nobody-at-all" in panel.state_bar.message
    assert panel.timeline.topLevelItemCount() == 0


def test_traits_and_identities_show_whole(make_window: Any, shop_db: Any, qtbot: Any) -> None:
    """Issue 16: a person's traits and identities are not clipped into a five-row box."""
    url, engine = shop_db
    traits = {f"trait_{k:02d}": f"value {k}" for k in range(11)}
    assert not EventWriter(engine, enrich=False).write([
        {"type": "identify", "userId": "many", "traits": traits, "timestamp": "2026-11-01T10:00:00Z"},
        *({"type": "identify", "userId": "many", "anonymousId": f"device-{d}", "timestamp": "2026-11-01T10:00:00Z"}
          for d in range(3))]).rejected
    window = make_window(url)
    panel: ProfilePanel = window.panels["profile"]  # type: ignore[assignment]
    window.resize(1400, 1000)
    with qtbot.waitSignal(panel.query_finished, timeout=10_000):
        window.show_person("many")
    tree, ids = panel.traits, panel.identities

    def whole() -> None:
        assert tree.topLevelItemCount() == 11
        last = tree.visualItemRect(tree.topLevelItem(10))
        assert last.bottom() <= tree.viewport().height(), "the last trait is cut off"
        assert ids.count() == 4
        assert ids.visualItemRect(ids.item(3)).bottom() <= ids.viewport().height()

    qtbot.waitUntil(whole, timeout=5_000)  # the boxes fitted to the rows shown (was a fixed 100 ms)


def test_a_wide_profile_keeps_the_person_rows_together_and_every_identity_in_view(
    make_window: Any, shop_db: Any, qtbot: Any
) -> None:
    """At 1920 x 1080 (the profile beside its traits) the Person box's rows were spread over
    500 px, each value a line below its name, while its two long identities shared a two-row
    box with a horizontal scroll bar that hid the second."""
    url, engine = shop_db
    assert not EventWriter(engine, enrich=False).write([
        {"type": "identify", "userId": "u1-0000579", "anonymousId": f"06824523-c5e1-415b-a8da-b5e6e67dc9e{d}",
         "traits": {"name": "Hanna Wang"}, "timestamp": "2026-11-01T10:00:00Z"} for d in range(1)]).rejected
    window = make_window(url)
    panel: ProfilePanel = window.panels["profile"]  # type: ignore[assignment]
    dock = window.docks["profile"]
    dock.setFloating(True)
    dock.resize(960, 1000)
    with qtbot.waitSignal(panel.query_finished, timeout=10_000):
        window.show_person("u1-0000579")
    qtbot.waitUntil(lambda: panel.width() >= 900)
    ids = panel.identities

    def together() -> None:
        assert panel.traits.parentWidget().x() > panel.id_label.parentWidget().x()  # side by side
        for value in (panel.id_label, panel.first_seen_label, panel.last_seen_label, panel.events_label,
                      panel.place_label, panel.device_label):
            assert value.height() <= value.sizeHint().height() + 6, (value.objectName(), value.text())
        assert ids.count() == 2
        for row in range(ids.count()):
            assert ids.visualItemRect(ids.item(row)).bottom() <= ids.viewport().height(), ids.item(row).text()

    qtbot.waitUntil(together, timeout=5_000)  # the profile's layout at its width (was a fixed 100 ms)


def test_at_1920_the_timeline_gets_the_height_the_person_rows_do_not_need(
        cust_x_profile: tuple[Any, ProfilePanel, Engine], qtbot: Any) -> None:
    """At 1920 x 1080 the Person and Traits boxes took 510 of the profile's 961 px (the
    splitter's 480 : 420) for about 200 px of rows: a blank area under them, and the timeline
    of 73 events got 350 px. The boxes are now as tall as their rows and the timeline has the
    rest, as the window grows too."""
    window, panel, _engine = cust_x_profile
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: window.width() == 1920, timeout=5_000)
    window.show_panel("profile")
    qtbot.waitUntil(lambda: panel.width() >= 900)
    about = panel.id_label.parentWidget()
    timeline_box = panel.timeline.parentWidget()

    def fitted() -> None:
        assert panel.traits.parentWidget().x() > about.x()  # side by side
        blank = about.height() - panel.identities.geometry().bottom()
        assert blank <= 24, f"{blank} px blank under the Person rows"
        assert timeline_box.height() >= 0.7 * panel.splitter.height(), (timeline_box.height(), panel.splitter.sizes())
        assert panel.timeline.height() >= 600

    # The summary fitted to its rows (the divider's zero-time timer after the resize): waited
    # for, not a fixed 100 ms; boxes that stay taller than their rows fail here.
    qtbot.waitUntil(fitted, timeout=5_000)
