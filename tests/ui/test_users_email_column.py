"""The persons table shows the e-mail right after the person (as Mixpanel's and PostHog's people
lists do): fifth, after the seen dates and the events, it was not whole on a laptop screen."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyle
from pytestqt.exceptions import TimeoutError as WaitTimeout

from app.core.database import open_database
from app.demo.generator import generate_demo
from app.ingest.writer import EventWriter
from app.ui.panels import users_model
from app.ui.panels.users import UsersPanel
from tests.ui.conftest import settle
from tests.ui.test_user_explorer_column import _whole_columns


def _headers(panel: UsersPanel) -> list[str]:
    model = panel.model
    return [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())]


def test_the_email_comes_right_after_the_person(make_window: Any, shop_db: tuple[str, Any], qtbot: Any) -> None:
    """Person, email, First seen, Last seen, Events, then the other traits; each column shows its
    own values and sorts by its own key."""
    window = make_window(shop_db[0])
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    panel.refresh()
    settle(qtbot, panel)
    qtbot.waitUntil(lambda: "trait:email" in panel.model.column_keys())
    assert _headers(panel)[:5] == ["Person", "email", "First seen", "Last seen", "Events"]
    model = panel.model
    qtbot.waitUntil(lambda: model.is_loaded(0))
    person = model.person_at(0)
    assert person is not None
    assert model.data(model.index(0, 1)) == person["traits"]["email"]
    assert model.data(model.index(0, 4)) == f"{person['events']:,}"
    assert model.data(model.index(0, 4), Qt.ItemDataRole.TextAlignmentRole) == int(
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    panel.table.horizontalHeader().sectionClicked.emit(1)
    assert panel.query()["sort"]["by"] == {"trait": "email"}
    panel.table.horizontalHeader().sectionClicked.emit(2)
    assert panel.query()["sort"]["by"] == "first_seen"


def test_a_saved_column_choice_is_kept(make_window: Any, shop_db: tuple[str, Any], qtbot: Any) -> None:
    """The traits a report (or the Columns menu) chose are the ones shown, the e-mail first among
    them; without the e-mail there is no e-mail column; the saved choice itself is unchanged."""
    window = make_window(shop_db[0])
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    for columns, headers in ((["plan", "email"], ["Person", "email", "First seen", "Last seen", "Events", "plan"]),
                             (["plan", "age"], ["Person", "First seen", "Last seen", "Events", "plan", "age"])):
        panel.set_query({"kind": "users", "columns": columns})
        panel.refresh()
        settle(qtbot, panel)
        assert _headers(panel) == headers
        assert panel.query()["columns"] == columns


@pytest.fixture
def demo_db(sqlite_url: str) -> Any:
    engine = open_database(sqlite_url)
    generate_demo(engine, 4000, seed=1, days=30, writer=EventWriter(engine, enrich=False))
    yield sqlite_url
    engine.dispose()


def test_at_1366_the_email_is_whole_on_the_demo(make_window: Any, demo_db: str, qtbot: Any) -> None:
    """At 1366 x 768 the e-mail column was cut (fifth, after 'First seen', 'Last seen' and
    'Events'); the persons table shows it whole beside the person."""
    window = make_window(demo_db)
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1366, 768), timeout=5_000)
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    panel.refresh()
    settle(qtbot, panel)
    qtbot.waitUntil(lambda: "trait:email" in panel.model.column_keys())
    try:  # the table's columns fitted to the answer (waited for: a fixed wait is short under load)
        qtbot.waitUntil(lambda: "email" in _whole_columns(panel), timeout=5_000)
    except WaitTimeout:
        raise AssertionError((panel.splitter.sizes(), _whole_columns(panel))) from None


@pytest.fixture
def company_db(sqlite_url: str) -> Any:
    """Ten persons known by a long e-mail (their label in the Person column: they have no name)
    and a long company name."""
    engine = open_database(sqlite_url)
    messages = [{"type": "identify", "messageId": f"co-{i}", "timestamp": "2026-01-05T10:00:00Z",
                 "userId": f"user-{i:04d}", "traits": {
                     "email": f"purchasing.department.{i:02d}@example-wholesale.co.uk",
                     "company": f"Northern Wholesale Catering Supplies {i:02d} Ltd"}}
                for i in range(10)]
    EventWriter(engine, enrich=False).write(messages)
    yield sqlite_url
    engine.dispose()


def test_the_leading_trait_gets_the_room_whatever_it_is(
        make_window: Any, company_db: str, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table gives the trait right after the person its room by asking the model which trait
    leads: with LEADING_TRAITS another trait ('company'), that column is whole at 1366 x 768
    too. The view spelled 'trait:email' itself, so the company was cut beside a 220 px Person."""
    monkeypatch.setattr(users_model, "LEADING_TRAITS", ("company",))
    window = make_window(company_db)
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1366, 768), timeout=5_000)
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    panel.set_query({"kind": "users", "columns": ["email", "company"]})
    panel.refresh()
    settle(qtbot, panel)
    assert _headers(panel)[:3] == ["Person", "company", "First seen"]
    try:  # the table's columns fitted to the answer (waited for: a fixed wait is short under load)
        qtbot.waitUntil(lambda: "company" in _whole_columns(panel), timeout=5_000)
    except WaitTimeout:
        header = panel.table.horizontalHeader()
        raise AssertionError((panel.table.viewport().width(), [header.sectionSize(c) for c in range(3)],
                              _whole_columns(panel))) from None


#: 40 characters: 277 px at the default font, more than the 260 px a column was given.
LONG_EMAIL = "max.schneider-hoffmann{:02d}@example-mail.de"


@pytest.fixture
def long_email_db(sqlite_url: str) -> Any:
    """Forty persons (the table scrolls) with a short name (their label in the Person column)
    and a 40-character e-mail."""
    engine = open_database(sqlite_url)
    messages = [{"type": "identify", "messageId": f"le-{i}", "timestamp": "2026-01-05T10:00:00Z",
                 "userId": f"u{i}", "traits": {"name": f"Max {i}", "email": LONG_EMAIL.format(i)}}
                for i in range(40)]
    EventWriter(engine, enrich=False).write(messages)
    yield sqlite_url
    engine.dispose()


def _cut_emails(panel: UsersPanel) -> list[str]:
    """The e-mails on the table's first rows not shown whole: their cell is off the table's
    right edge or narrower than the text and the item view's margins (Qt elides it: '…')."""
    table, model = panel.table, panel.model
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    metrics = table.fontMetrics()
    cut = []
    for row in range(min(model.rowCount(), 10)):
        index = model.index(row, 1)
        text = str(model.data(index))
        rect = table.visualRect(index)
        if rect.right() >= table.viewport().width() or rect.width() - 2 * margin < metrics.horizontalAdvance(text):
            cut.append(text)
    return cut


@pytest.mark.parametrize("size", [(1366, 768), (1280, 720)])
def test_on_a_laptop_screen_a_40_character_email_is_whole(
        make_window: Any, long_email_db: str, qtbot: Any, size: tuple[int, int]) -> None:
    """The e-mail column was cut at 260 px ('max.schneider-hoffmann09@example-…') beside a
    34 px sliver of 'First seen', and its widths were fitted while the explorer was a tab behind
    another panel (~140 px wide) and never again. Now the columns are fitted to the table's
    width when it changes, and the e-mail takes the room beside a 120 px Person: whole."""
    window = make_window(long_email_db)
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size, timeout=5_000)
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    settle(qtbot, panel)
    qtbot.waitUntil(lambda: panel.model.leading_traits() == ["email"] and panel.model.is_loaded(0))
    try:
        qtbot.waitUntil(lambda: not _cut_emails(panel), timeout=5_000)
    except WaitTimeout:
        header = panel.table.horizontalHeader()
        raise AssertionError((panel.table.viewport().width(), [header.sectionSize(c) for c in range(3)],
                              _cut_emails(panel)[:2])) from None
    assert _whole_columns(panel)[:2] == ["Person", "email"]


def test_a_column_the_user_sized_keeps_its_width(make_window: Any, long_email_db: str, qtbot: Any) -> None:
    """The columns follow the table's width only until the user sizes one."""
    window = make_window(long_email_db)
    window.resize(1366, 768)
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    settle(qtbot, panel)
    header = panel.table.horizontalHeader()
    qtbot.waitUntil(lambda: header.sectionSize(1) > 260, timeout=5_000)
    header.resizeSection(1, 180)  # as a drag of its edge does
    window.resize(1760, 900)
    qtbot.waitUntil(lambda: panel.table.viewport().width() > 414, timeout=5_000)
    assert not panel._refit_timer.isActive() and header.sectionSize(1) == 180  # no refit ran, none is due


def test_reset_layout_fits_the_columns_the_user_sized_again(make_window: Any, long_email_db: str, qtbot: Any) -> None:
    """Once a column was sized by hand the table never fitted its columns again, View > Reset
    layout included: the e-mail column stayed 180 px, the e-mails cut. Reset layout gives the
    columns back to fitting, at the table's width then and at each change of it."""
    window = make_window(long_email_db)
    window.resize(1366, 768)
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    settle(qtbot, panel)
    header = panel.table.horizontalHeader()
    qtbot.waitUntil(lambda: header.sectionSize(1) > 260, timeout=5_000)
    header.resizeSection(1, 180)  # as a drag of its edge does
    assert panel._columns_by_hand
    window.reset_layout_action.trigger()
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1366, 768), timeout=5_000)
    try:
        qtbot.waitUntil(lambda: not _cut_emails(panel), timeout=5_000)
    except WaitTimeout:
        raise AssertionError((panel.table.viewport().width(), [header.sectionSize(c) for c in range(3)],
                              _cut_emails(panel)[:2])) from None
    assert not panel._columns_by_hand


def _columns_action(panel: UsersPanel, name: str) -> Any:
    """The Columns menu's entry for trait `name`, as the menu shows it."""
    panel.columns_menu.aboutToShow.emit()
    return next(a for a in panel.columns_menu.actions() if a.text() == name)


def test_a_column_that_comes_later_is_fitted_too(make_window: Any, long_email_db: str, qtbot: Any) -> None:
    """The columns were fitted at the first answer with persons only: an e-mail column added
    from the Columns menu came 100 px wide, every e-mail cut ('max.schnei…'). An answer with
    other columns fits them again, unless the user sized a column by hand."""
    window = make_window(long_email_db)
    window.resize(1366, 768)
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    panel.set_query({"kind": "users", "columns": ["name"]})
    panel.refresh()
    settle(qtbot, panel)
    qtbot.waitUntil(lambda: panel.model.is_loaded(0))
    assert panel.model.leading_traits() == []
    _columns_action(panel, "email").trigger()
    settle(qtbot, panel)
    assert panel.model.leading_traits() == ["email"]
    header = panel.table.horizontalHeader()
    try:
        qtbot.waitUntil(lambda: panel.model.is_loaded(0) and not _cut_emails(panel), timeout=5_000)
    except WaitTimeout:
        raise AssertionError((panel.table.viewport().width(), [header.sectionSize(c) for c in range(3)],
                              _cut_emails(panel)[:2])) from None
    header.resizeSection(1, 180)  # sized by hand: another column set leaves it as it is
    _columns_action(panel, "name").trigger()
    settle(qtbot, panel)
    assert panel.model.column_keys()[-1] == "events"
    assert not panel._refit_timer.isActive() and header.sectionSize(1) == 180


def test_a_column_chosen_while_an_answer_waits_is_fitted_by_the_next(
        make_window: Any, long_email_db: str, qtbot: Any) -> None:
    """An answer asked before the e-mail column was chosen (it arrived meanwhile) has no e-mails:
    the columns fitted to it leave the e-mail column as wide as its title. The answer asked
    again with the e-mails fits them whole."""
    window = make_window(long_email_db)
    window.resize(1366, 768)
    panel: UsersPanel = window.show_panel("users")  # type: ignore[assignment]
    panel.set_query({"kind": "users", "columns": ["name"]})
    panel.refresh()
    settle(qtbot, panel)
    choose = _columns_action(panel, "email")

    def choose_once(_result: Any) -> None:  # the answer came, not shown yet (app.ui.pacing)
        panel.channel.result.disconnect(choose_once)
        choose.trigger()

    panel.channel.result.connect(choose_once)
    panel.set_sort("events")
    settle(qtbot, panel)
    assert panel.model.leading_traits() == ["email"]
    header = panel.table.horizontalHeader()
    try:
        qtbot.waitUntil(lambda: panel.model.is_loaded(0) and not _cut_emails(panel), timeout=5_000)
    except WaitTimeout:
        raise AssertionError((panel.table.viewport().width(), [header.sectionSize(c) for c in range(3)],
                              _cut_emails(panel)[:2])) from None
