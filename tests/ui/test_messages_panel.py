"""The Messages panel driven through its widgets: the stored campaign list, the audience's live
count, previews (a person's values, a broken template), Send now against a real local SMTP
server after the confirmation (exactly once, a second Send now sends nothing), the results,
the profile's history, and an unreachable server shown in the panel."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QScrollArea, QWidget
from sqlalchemy import Engine

from app.core.database import open_database
from app.ingest.writer import EventWriter
from app.outbound.messages import Campaign
from app.outbound.messages.channels import SmtpSettings
from app.outbound.messages.store import load_campaigns, save_campaign
from app.query.runners.campaign_results import rate_interval
from app.query.runners.users import UsersQuery
from app.ui.panels.messages import MessagesPanel
from tests.outbound.conftest import SmtpServer, add_people, campaign_dict, free_port, person
from tests.ui.test_connect_dialog import MemoryKeyring

NAME = "Win back big spenders"


def population(engine: Engine, n: int = 20) -> set[str]:
    """n people; the audience (female, 3+ orders in 30 days) is odd i not divisible by 3."""
    people = {f"u{i:02d}": person(i) for i in range(1, n + 1)}
    add_people(engine, people, orders={pid: (1 if int(pid[1:]) % 3 == 0 else 3) for pid in people})
    return {pid for pid in people if int(pid[1:]) % 2 and int(pid[1:]) % 3}


@pytest.fixture
def shop(sqlite_url: str) -> Iterator[tuple[str, Engine, set[str]]]:
    engine = open_database(sqlite_url)
    audience = population(engine)
    save_campaign(engine, campaign_dict(holdout=0.3))
    yield sqlite_url, engine, audience
    engine.dispose()


@pytest.fixture
def keychain() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def open_panel(make_window: Any, qtbot: Any, url: str) -> tuple[Any, MessagesPanel]:
    window = make_window(url)
    panel: MessagesPanel = window.show_panel("messages")  # type: ignore[assignment]
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1 and panel.settled, timeout=20_000)
    return window, panel


def same_audience(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return UsersQuery.from_json({"kind": "users", **a}, "a") == UsersQuery.from_json({"kind": "users", **b}, "a")


def cells(panel: MessagesPanel, row: int = 0) -> list[str]:
    return [panel.table.item(row, c).text() for c in range(panel.table.columnCount())]


class AutoAnswer:
    """Clicks Send in the confirmation when it appears (the nested loop of exec() runs timers)."""

    def __init__(self, accept: bool = True) -> None:
        self.texts: list[str] = []
        self.accept = accept
        self.timer = QTimer()
        self.timer.timeout.connect(self._poke)
        self.timer.start(30)

    def _poke(self) -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            self.texts.append(box.text())
            which = QMessageBox.StandardButton.Yes if self.accept else QMessageBox.StandardButton.Cancel
            box.button(which).click()

    def stop(self) -> None:
        self.timer.stop()


def send_now(panel: MessagesPanel, qtbot: Any, shows: str, *, accept: bool = True,
             timeout: int = 30_000) -> list[str]:
    """Click Send now, answer its confirmation (Send, or Cancel if not `accept`) and wait until
    the send line shows `shows`; the texts of the confirmations that appeared."""
    answer = AutoAnswer(accept)
    try:
        panel.send_button.click()
        qtbot.waitUntil(lambda: not panel.sending and shows in panel.send_message.text(), timeout=timeout)
    finally:
        answer.stop()
    return answer.texts


def test_list_live_count_and_previews(make_window: Any, qtbot: Any, shop: Any) -> None:
    url, _engine, audience = shop
    _window, panel = open_panel(make_window, qtbot, url)
    assert cells(panel) == [NAME, "email", str(len(audience)), "0", "0", "0", "draft"]

    panel.table.selectRow(0)
    assert panel.editor.name.text() == NAME
    qtbot.waitUntil(lambda: not panel.counting and "people" in panel.editor.count_label.text(), timeout=20_000)
    assert f"<b>{len(audience)}</b> people" in panel.editor.count_label.text()
    # Dropping the "did" row leaves every woman: the live count follows the builder.
    panel.editor.filters.set_filters([{"trait": "gender", "op": "eq", "value": "female"}])
    qtbot.waitUntil(lambda: not panel.counting and "<b>10</b> people" in panel.editor.count_label.text(),
                    timeout=20_000)
    assert panel.editor.audience() == {"where": [{"trait": "gender", "op": "eq", "value": "female"}], "did": []}

    panel.person.setText("p5@example.com")  # by e-mail; the id works too
    panel.preview()
    qtbot.waitUntil(lambda: not panel.previewing and "Subject" in panel.preview_text.toPlainText(), timeout=20_000)
    shown = panel.preview_text.toPlainText()
    assert "Person: u05" in shown and "To: p5@example.com" in shown
    assert "Subject: Person 5, your beans are waiting" in shown and "Hi Person 5, you are 35." in shown
    assert panel.preview_error.text() == ""

    panel.editor.subject.setText("{{ traits.name ")  # does not compile: re-previewed after the edit
    qtbot.waitUntil(lambda: not panel.previewing and "template error" in panel.preview_error.text(), timeout=20_000)
    assert "channel.subject" in panel.preview_error.text() and panel.preview_text.toPlainText() == ""
    panel.editor.subject.setText("Hi {{ traits.name }}")
    panel.person.setText("nobody-here")
    panel.preview()
    qtbot.waitUntil(lambda: not panel.previewing and "no person matches" in panel.preview_error.text(),
                    timeout=20_000)


def test_send_now_once_results_and_profile(make_window: Any, qtbot: Any, shop: Any, smtp: SmtpServer,
                                           tmp_path: Path) -> None:
    url, engine, audience = shop
    window, panel = open_panel(make_window, qtbot, url)
    panel.table.selectRow(0)
    campaign = Campaign.from_dict(campaign_dict(holdout=0.3))
    held = {p for p in audience if campaign.in_holdout(p)}
    messaged = audience - held
    assert held and messaged, "the holdout splits this audience"
    panel.smtp_url.setText(smtp.url)

    texts = send_now(panel, qtbot, "sent")
    assert len(texts) == 1
    assert f"now to {len(messaged)} people?" in texts[0] and f"{len(held)} more will be held out" in texts[0]
    assert f"sent {len(messaged)}, held out {len(held)}" in panel.send_message.text()
    got = smtp.handler.by_rcpt()
    assert set(got) == {f"p{int(p[1:])}@example.com" for p in messaged}
    assert all(len(v) == 1 for v in got.values())

    # The list and the results follow.
    qtbot.waitUntil(lambda: panel.settled and cells(panel)[3] == str(len(messaged)), timeout=20_000)
    assert cells(panel)[3:] == [str(len(messaged)), str(len(held)), "0", "sent"]
    qtbot.waitUntil(lambda: not panel.results_channel.busy and "held out" in panel.results_label.text(),
                    timeout=20_000)
    text = panel.results_label.text()
    assert f"audience {len(audience)}, sent {len(messaged)}, held out {len(held)}, failed 0" in text
    assert "Goal: Order Completed within 7 days" in text and f"message 0/{len(messaged)}" in text
    # Goal events after the message: 3 of the message group and 1 of the holdout convert.
    time.sleep(0.01)
    converts = sorted(messaged)[:3] + sorted(held)[:1]
    when = dt.datetime.now(dt.UTC).isoformat()
    EventWriter(engine, enrich=False).write([
        {"type": "track", "userId": p, "event": "Order Completed", "messageId": f"goal-{p}", "timestamp": when}
        for p in converts])
    panel.load_results()
    qtbot.waitUntil(lambda: not panel.results_channel.busy and "message 3/" in panel.results_label.text(),
                    timeout=20_000)
    text = panel.results_label.text()
    assert f"message 3/{len(messaged)}" in text and f"holdout 1/{len(held)}" in text
    expected = rate_interval(3, len(messaged), 1, len(held))["lift"]
    assert f"Lift {expected['value'] * 100:+.1f}% (95% CI {expected['low'] * 100:+.1f}%" in text
    bars = [i for i in panel.chart.getPlotItem().items if isinstance(i, pg.BarGraphItem)]
    assert len(bars) == 1 and list(bars[0].opts["height"]) == pytest.approx(
        [300 / len(messaged), 100 / len(held)])
    # ...and over time: one point per day of sending for each group (today's, here).
    curves = {c.name(): c.getData()[1] for c in panel.over_time.getPlotItem().listDataItems()}
    assert set(curves) == {"message", "holdout"}
    assert list(curves["message"]) == pytest.approx([300 / len(messaged)])
    assert list(curves["holdout"]) == pytest.approx([100 / len(held)])
    if os.environ.get("TRACKLENS_SCREENSHOT_DIR"):  # docs/screenshots/messages.png
        dock = window.docks["messages"]
        dock.setFloating(True)
        dock.resize(1300, 760)
        panel.tabs.setCurrentIndex(0)
        qtbot.wait(300)
        panel.grab().save(str(Path(os.environ["TRACKLENS_SCREENSHOT_DIR"]) / "messages.png"))
        panel.tabs.setCurrentIndex(2)
        qtbot.wait(300)
        panel.grab().save(str(Path(os.environ["TRACKLENS_SCREENSHOT_DIR"]) / "messages-results.png"))

    # A second Send now finds nobody left: no confirmation, nothing sent.
    assert send_now(panel, qtbot, "Nothing to send") == []
    assert f"already done {len(audience)}" in panel.send_message.text()
    assert sum(len(v) for v in smtp.handler.by_rcpt().values()) == len(messaged)

    # The profile's timeline shows the message like any event.
    one = sorted(messaged)[0]
    profile = window.show_panel("profile")
    profile.show_person(one)
    qtbot.waitUntil(lambda: not profile.busy and profile.timeline.topLevelItemCount() > 0, timeout=20_000)
    names = [profile.timeline.topLevelItem(i).text(1) for i in range(profile.timeline.topLevelItemCount())]
    assert names[:2] == ["Order Completed", "Message Sent"]  # the goal came after the message


def test_unreachable_smtp_and_bad_settings_shown_in_the_panel(make_window: Any, qtbot: Any, shop: Any) -> None:
    url, _engine, audience = shop
    _window, panel = open_panel(make_window, qtbot, url)
    panel.table.selectRow(0)
    panel.smtp_url.setText(f"smtp://127.0.0.1:{free_port()}")  # nobody listens there

    panel.person.setText("u05")
    panel.test_to.setText("me@example.com")
    panel.test_button.click()
    qtbot.waitUntil(lambda: not panel.sending and "not delivered" in panel.send_message.text(), timeout=30_000)
    assert "cannot reach the SMTP server" in panel.send_message.text()

    assert len(send_now(panel, qtbot, "stopped early", timeout=60_000)) == 1  # the confirmation, and no other modal
    message = panel.send_message.text()
    assert message.startswith("⚠") and "cannot reach the SMTP server" in message and "Traceback" not in message
    assert "sent 0" in message
    assert QApplication.activeModalWidget() is None

    panel.smtp_url.setText("ftp://nowhere")
    panel.send_button.click()
    qtbot.waitUntil(lambda: not panel.sending and "invalid SMTP URL" in panel.send_message.text(), timeout=20_000)
    panel.smtp_url.setText("")
    panel.send_button.click()
    qtbot.waitUntil(lambda: not panel.sending and "needs an SMTP server" in panel.send_message.text(),
                    timeout=20_000)
    panel.editor.from_edit.setText("no address")
    panel.send_button.click()
    assert "channel.from" in panel.send_message.text()  # checked before anything runs
    assert len(audience) == 7


def test_file_round_trip_store_delete_webhook_preview_and_test_send(make_window: Any, qtbot: Any, shop: Any,
                                                                    smtp: SmtpServer, tmp_path: Path) -> None:
    url, engine, _audience = shop
    _window, panel = open_panel(make_window, qtbot, url)
    panel.table.selectRow(0)
    path = tmp_path / "win-back.campaign.json"
    panel.save_file(path)
    saved, original = json.loads(path.read_text(encoding="utf-8")), campaign_dict(holdout=0.3)
    # The did row spells out its defaults (where [], max null): the same users query.
    assert same_audience(saved.pop("audience"), original.pop("audience"))
    assert saved == {**original, "holdout": 0.3}
    assert Campaign.from_dict(json.loads(path.read_text(encoding="utf-8"))).name == NAME

    # A webhook campaign from a file: opened, previewed, stored in the list, deleted again.
    hook = campaign_dict(name="Ping sales", holdout=0,
                         channel={"type": "webhook", "url": "https://hooks.example/{{ id }}",
                                  "headers": {"X-Who": "{{ traits.name }}"},
                                  "body": {"text": "{{ traits.name }} <{{ traits.email }}>", "n": 3}})
    hook_file = tmp_path / "ping.campaign.json"
    hook_file.write_text(json.dumps(hook), encoding="utf-8")
    panel.open_file(hook_file)
    assert panel.editor.name.text() == "Ping sales" and panel.editor.channel_type.currentData() == "webhook"
    shown_def, expected = panel.editor.definition(), Campaign.from_dict(hook).to_dict()
    assert same_audience(shown_def.pop("audience"), expected.pop("audience")) and shown_def == expected
    panel.person.setText("u07")
    panel.preview()
    qtbot.waitUntil(lambda: not panel.previewing and "POST" in panel.preview_text.toPlainText(), timeout=20_000)
    shown = panel.preview_text.toPlainText()
    assert "POST https://hooks.example/u07" in shown and "X-Who: Person 7" in shown
    assert '"text": "Person 7 <p7@example.com>"' in shown and '"n": 3' in shown
    panel.editor.body.setPlainText("{not json")
    qtbot.waitUntil(lambda: not panel.previewing and "channel.body: not valid JSON" in panel.preview_error.text(),
                    timeout=20_000)
    panel.editor.body.setPlainText(json.dumps(hook["channel"]["body"]))

    panel.save_button.click()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2 and panel.settled, timeout=20_000)
    assert [cells(panel, r)[:2] for r in range(2)] == [["Ping sales", "webhook"], [NAME, "email"]]
    assert load_campaigns(engine)[0]["channel"] == Campaign.from_dict(hook).to_dict()["channel"]
    panel.select_campaign("Ping sales")
    panel.delete_button.click()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1 and panel.settled, timeout=20_000)
    assert [c["name"] for c in load_campaigns(engine)] == [NAME]

    bad = tmp_path / "bad.campaign.json"
    bad.write_text(json.dumps(campaign_dict(holdout=2)), encoding="utf-8")
    panel.open_file(bad)
    assert "bad.campaign.json: holdout must be a share" in panel.list_message.text()

    # Send test to me: rendered for u05, delivered to the typed address, recorded nowhere.
    panel.table.selectRow(0)
    panel.smtp_url.setText(smtp.url)
    panel.person.setText("u05")
    panel.test_to.setText("me@example.com")
    panel.test_button.click()
    qtbot.waitUntil(lambda: not panel.sending, timeout=30_000)
    assert "sent to me@example.com" in panel.send_message.text()
    got = smtp.handler.by_rcpt()
    assert list(got) == ["me@example.com"] and got["me@example.com"][0].subject == \
        "[test] Person 5, your beans are waiting"
    assert cells(panel)[3:6] == ["0", "0", "0"]

    # Cancelling the confirmation sends nothing.
    assert len(send_now(panel, qtbot, "Not sent.", accept=False)) == 1 and len(smtp.handler.received) == 1
    assert panel.send_message.text() == "Not sent."


def test_saving_over_a_campaign_file_on_a_full_disk_keeps_the_old_one(make_window: Any, qtbot: Any, shop: Any,
                                                                      tmp_path: Path) -> None:
    """It was written in place: truncated first, then cut where the disk ran out."""
    from tests.support.disk import file_size_limit

    url, _engine, _audience = shop
    _window, panel = open_panel(make_window, qtbot, url)
    panel.table.selectRow(0)
    path = tmp_path / "win-back.campaign.json"
    panel.save_file(path)
    before = path.read_bytes()
    with file_size_limit(len(before) // 2):
        panel.save_file(path)
    assert path.read_bytes() == before
    assert panel.editor_message.text().startswith(f"⚠ cannot write {path}: ")
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(f".{path.name}")]


def test_smtp_password_goes_to_the_keychain_never_to_the_settings(make_window: Any, qtbot: Any, shop: Any,
                                                                  keychain: MemoryKeyring, ui_settings: Any) -> None:
    url, _engine, _audience = shop
    _window, panel = open_panel(make_window, qtbot, url)
    panel.smtp_url.setText("smtp://me%40example.com@smtp.example.com:587")
    panel.smtp_password.setText("s3cret-pw")
    panel.password_button.click()
    qtbot.waitUntil(lambda: not panel.sending and "stored in the keychain" in panel.send_message.text(),
                    timeout=20_000)
    assert keychain.store == {("tracklens-smtp", "me@example.com@smtp.example.com"): "s3cret-pw"}
    assert panel.smtp_password.text() == ""
    # Where the sender looks for it.
    assert SmtpSettings.parse(panel.smtp_url.text()).password() == "s3cret-pw"
    ui_settings.sync()
    text = Path(ui_settings.fileName()).read_text(encoding="utf-8")
    assert "smtp.example.com" in text and "s3cret" not in text

    panel.smtp_url.setText("smtp://me:pw@smtp.example.com:587")  # a password in the URL is refused
    panel.smtp_password.setText("x")
    panel.password_button.click()
    assert "must not contain a password" in panel.send_message.text()


def test_long_subject_and_url_templates_open_and_save_whole(qtbot: Any) -> None:
    """A line edit kept at most 32,767 characters: a campaign file with a longer subject (or a
    webhook URL template) opened cut, and saving it from the editor lost the rest."""
    from app.ui.panels.messages_editor import CampaignEditor

    editor = CampaignEditor(None)
    qtbot.addWidget(editor)
    subject = "{{ traits.name }}, " + "beans " * 8_000
    email = campaign_dict(channel={**campaign_dict()["channel"], "subject": subject})
    editor.set_definition(email)
    assert editor.definition()["channel"]["subject"] == subject
    url = "https://hooks.example/x?" + "&".join(f"k{i}={{{{ traits.k{i} }}}}" for i in range(2_500))
    assert len(url) > 40_000
    editor.set_definition(campaign_dict(channel={"type": "webhook", "url": url, "body": {"a": 1}}))
    assert editor.definition()["channel"]["url"] == url


def test_a_campaigns_texts_show_their_start_in_a_narrow_editor(qtbot: Any) -> None:
    """At 1366 x 768 a new campaign's subject showed "o {{ traits.name | default('there') }}" and
    its goal "Completed": a text set left the cursor after it, and a box narrower than its text
    showed its end. A new or opened campaign shows the start of each text."""
    from PySide6.QtWidgets import QLineEdit

    from app.ui.panels.messages_editor import NEW_CAMPAIGN, CampaignEditor

    editor = CampaignEditor(None)
    qtbot.addWidget(editor)
    editor.resize(300, 700)
    editor.show()
    for definition in (NEW_CAMPAIGN, campaign_dict(goal={"event": "Order Completed With A Long Name",
                                                            "within": {"days": 7}})):
        editor.set_definition(definition)
        editor._fill_events()  # the event names arriving afterwards (discovery.events_changed)
        QApplication.processEvents()
        goal = editor.goal_event.lineEdit()
        for edit in (editor.name, editor.from_edit, editor.subject, goal):
            assert isinstance(edit, QLineEdit)
            # A line edit scrolls its text to show the cursor: at 0, the text's start is shown.
            assert edit.cursorPosition() == 0, (edit.objectName(), edit.text())
            assert edit.cursorRect().left() < edit.fontMetrics().horizontalAdvance("M") + 8, edit.objectName()
    assert editor.definition()["goal"]["event"] == "Order Completed With A Long Name"


def test_new_campaign_fits_its_side_of_the_panel_in_the_smallest_window(make_window: Any, qtbot: Any,
                                                                         shop: Any) -> None:
    """A new campaign's audience count and its goal's 'within N days' were cut off at the panel's
    right edge: the count shared the 'match' row, which made the form wider than the editor's
    side of the panel, so it scrolled sideways."""
    url, _engine, _audience = shop
    window, panel = open_panel(make_window, qtbot, url)
    # The narrowest its dock is by default: as wide as the widest panel on its side needs.
    dock = window.docks["messages"]
    side = window.dockWidgetArea(dock)
    width = max(window.panels[pid].minimumSizeHint().width() for pid, other in window.docks.items()
                if window.dockWidgetArea(other) == side)
    dock.setFloating(True)
    holder = dock.widget()
    dock.resize(width + dock.width() - holder.viewport().width(), 900)
    qtbot.waitUntil(lambda: panel.width() == holder.viewport().width() == width)
    panel.new_campaign()
    qtbot.waitUntil(lambda: not panel.counting and "people in the audience" in panel.editor.count_label.text(),
                    timeout=20_000)
    QApplication.processEvents()
    editor = panel.editor
    for widget in (editor.count_label, editor.goal_days):
        shown = widget.visibleRegion().boundingRect()
        assert shown.width() >= widget.sizeHint().width(), widget.objectName()


def test_an_audience_with_a_did_event_row_fits_the_campaign_editor_in_the_default_window(
        make_window: Any, qtbot: Any, shop: Any) -> None:
    """A "Did event" row in a campaign's audience made the editor wider than its side of the
    panel in the default window (1760 x 900): the editor scrolled sideways, the row's end and the
    goal's 'within N days' out of sight. Every form of the row fits, each of its parts in view."""
    url, _engine, _audience = shop
    window, panel = open_panel(make_window, qtbot, url)
    assert (window.width(), window.height()) == (1760, 900)  # the default window
    panel.new_campaign()
    editor = panel.editor
    scroll = editor.parentWidget()
    while not isinstance(scroll, QScrollArea):
        scroll = scroll.parentWidget()
    viewport = scroll.viewport()
    editor.filters.findChild(QPushButton, "add_did").click()
    row = editor.filters.rows[-1]
    for quantifier in range(row.quantifier.count()):
        row.quantifier.setCurrentIndex(quantifier)
        for period in range(row.period.count()):
            row.period.setCurrentIndex(period)
            QApplication.processEvents()
            form = f"{row.quantifier.currentText()} / {row.period.currentText()}"
            assert scroll.horizontalScrollBar().maximum() == 0, form
            parts = [w for w in row.findChildren(QWidget) if w.parentWidget() is row and w.isVisible()]
            for widget in [*parts, editor.goal_days]:
                left = widget.mapTo(viewport, QPoint(0, 0)).x()
                assert left >= 0 and left + widget.width() <= viewport.width(), (form, widget.objectName())


def test_results_show_no_empty_charts_before_a_campaign_has_results(make_window: Any, qtbot: Any, shop: Any) -> None:
    """The Results tab drew two empty plots with 0-1 axes ('converted (%)' 0.1 … 0.9) under
    'Choose a campaign that was sent.', and kept them for a campaign with nothing to measure."""
    url, _engine, _audience = shop
    _window, panel = open_panel(make_window, qtbot, url)
    panel.tabs.setCurrentIndex(2)
    assert panel.results_label.text() == "Choose a campaign that was sent."
    assert not panel.chart.isVisible() and not panel.over_time.isVisible()
    panel.table.selectRow(0)  # a draft: nobody messaged yet
    qtbot.waitUntil(lambda: panel.settled and NAME in panel.results_label.text(), timeout=20_000)
    assert not panel.chart.isVisible() and not panel.over_time.isVisible()


def test_results_of_a_campaign_without_holdout_show_the_holdout_as_nobody_without_a_warning(
        make_window: Any, qtbot: Any, shop: Any) -> None:
    """A campaign sent to everyone (no holdout) drew a holdout bar of 0 % beside the message
    group's, and its conversion over time, a line with no point, warned "All-NaN slice"."""
    url, _engine, _audience = shop
    _window, panel = open_panel(make_window, qtbot, url)
    panel.tabs.setCurrentIndex(2)
    day = {"day": "2026-12-01", "message_people": 5, "message_converted": 2, "message_rate": 0.4,
           "holdout_people": 0, "holdout_converted": 0, "holdout_rate": None}
    result = {"campaign": NAME, "goal": {"event": "Order Completed", "within": {"days": 7}}, "audience": 5,
              "sent": 5, "held_out": 0, "failed": 0, "pending": 0, "unconfirmed": 0,
              "groups": {"message": {"people": 5, "converted": 2, "window_complete": 5, "rate": 0.4},
                         "holdout": {"people": 0, "converted": 0, "window_complete": 0, "rate": None}},
              "difference": None, "lift": None, "significant": None, "over_time": [day, dict(day, day="2026-12-02")]}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        panel._on_results(result)  # what the campaign_results query answers
    with warnings.catch_warnings(record=True) as caught:  # drawn by Qt: raised there, it would abort
        warnings.simplefilter("always")
        panel.chart.grab()
        panel.over_time.grab()
    assert [str(w.message) for w in caught] == []
    assert "holdout 0/0 (–)" in panel.results_label.text()
    (bars,) = [i for i in panel.chart.getPlotItem().items if isinstance(i, pg.BarGraphItem)]
    assert list(bars.opts["x"]) == [0] and list(bars.opts["height"]) == pytest.approx([40.0])
    ticks = panel.chart.getAxis("bottom")._tickLevels[0]
    assert [label for _x, label in ticks] == ["message (5)", "holdout (nobody)"]
    curves = {c.name(): list(c.getData()[1]) for c in panel.over_time.getPlotItem().listDataItems()}
    assert curves == {"message": pytest.approx([40.0, 40.0])}
