"""The Messages panel (issue 13): campaigns stored in the database, an editor of the campaign
JSON (audience with the User explorer's filter builder and a live count, channel, templates,
holdout, goal), a preview rendered for a chosen person, "Send test to me", "Send now" after a
confirmation that states how many people will get it, and the campaign's results.

Every database and SMTP call runs on the panel's workers through app.outbound.messages (the
code of `tracklens send`); the widgets only show a campaign definition and what came back.
The SMTP URL is a setting; its password lives in the keychain (service `tracklens-smtp`,
user `USER@HOST`, where the sender looks), never in the campaign or the settings file.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from app.core.files import write_text_atomically
from app.outbound.messages.campaign import Campaign
from app.outbound.messages.errors import CampaignError
from app.outbound.support import unsupported_reason
from app.ui.context import AppContext
from app.ui.errors import ErrorInfo
from app.ui.panel import Panel
from app.ui.panels.messages_editor import NEW_CAMPAIGN, CampaignEditor
from app.ui.plain import DataLabel, ask, display_text, plain_edit, plain_items, plain_tip
from app.ui.registry import register_panel
from app.ui.settings import get_json, set_json
from app.ui.theme import style_plot
from app.ui.widgets.controls_column import VerticalScroll
from app.ui.widgets.wrap_row import WrapRow
from app.ui.workers import Job

SMTP_SETTING = "messages/smtp_url"
NO_CAMPAIGNS = "No campaigns yet: New starts one, Open file… reads a *.campaign.json."
LIST_COLUMNS = ("Campaign", "Channel", "Audience", "Sent", "Held out", "Failed", "Status")
COUNT_DELAY_MS = 300
PREVIEW_DELAY_MS = 400
Z95 = 1.959963984540054


class _SendSignals(QObject):
    """Lives on the GUI thread; the send worker reports progress through it (queued)."""

    progress = Signal(int, int)


def group_interval(converted: int, people: int) -> tuple[float, float]:
    """A group's conversion rate and its 95 % half-width (normal approximation), for error bars."""
    if people <= 0:
        return 0.0, 0.0
    p = converted / people
    return p, Z95 * math.sqrt(p * (1 - p) / people)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _campaign_errors_answered(job: Job) -> Job:
    """`job`, answering the sender's CampaignError (a template, an address, the SMTP URL) as
    {"error": ...}, which the panel says beside its send buttons, rather than failing."""

    def answered(token: Any) -> Any:
        try:
            return job(token)
        except CampaignError as exc:
            return {"error": str(exc)}

    return answered


@register_panel
class MessagesPanel(Panel):
    panel_id = "messages"
    shows_discovery = True
    title = "Messages"
    order = 96
    default_area = Qt.DockWidgetArea.RightDockWidgetArea
    saveable = False

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._rows: list[dict[str, Any]] = []
        self._plan_campaign: Any = None
        self._send_signals = _SendSignals(self)
        self._send_signals.progress.connect(self._on_send_progress)
        self.count_channel = self.new_channel()
        self.count_channel.result.connect(self._on_count)
        self.count_channel.failed.connect(lambda info: self.editor.count_label.setText(f"⚠ {html.escape(info.message)}"))
        self.preview_channel = self.new_channel()
        self.preview_channel.result.connect(self._on_preview)
        self.preview_channel.failed.connect(lambda info: self._show_preview_error(info.message))
        self.send_channel = self.new_channel()
        self.send_channel.result.connect(self._on_send_step)
        self.send_channel.failed.connect(self._on_send_failed)
        self.send_channel.cancelled.connect(lambda: self._send_done("Cancelled."))
        self.results_channel = self.new_channel()
        self.results_channel.result.connect(self._on_results)
        self.results_channel.failed.connect(self._on_results_failed)
        # Save campaign and Delete write the list: one after the other, in the order asked (a
        # newer one never supersedes an older one, whose outcome shows in its own label).
        self.save_channel = self.new_channel()
        self.save_channel.result.connect(self._on_stored)
        self.save_channel.failed.connect(lambda info: self._on_stored(f"⚠ {info.message}"))
        self._store_queue: list[tuple[Job, DataLabel]] = []
        self._storing: DataLabel | None = None
        for side in (self.count_channel, self.preview_channel, self.send_channel, self.results_channel,
                     self.save_channel):
            self.show_retries_of(side)

        split = QSplitter(Qt.Orientation.Horizontal, self.body)
        split.addWidget(self._build_list())
        self.tabs = QTabWidget(split)
        self.tabs.setObjectName("messagesTabs")
        self.tabs.addTab(self._build_editor(), "Campaign")
        self.tabs.addTab(self._build_send(), "Preview && send")
        self.tabs.addTab(self._build_results(), "Results")
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        self.body_layout.addWidget(split, 1)
        self.split = split
        #: The list's width where the user dragged the handle (kept across restarts), else fitted
        #: to its buttons.
        self.keep_divider("list_width", split, 0, self._list_fit)

        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.timeout.connect(self.recount)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.timeout.connect(self.preview)
        self.editor.audience_changed.connect(lambda: self._count_timer.start(COUNT_DELAY_MS))
        self.editor.changed.connect(self._on_edited)

    def _list_fit(self, total: int) -> int | None:
        """The campaign list as wide as its buttons on one row where the form beside it keeps
        the width it asks for: the splitter's 2 : 3 share wrapped Delete under the others at
        1760 x 900. Narrower (None), the share stands (the buttons wrap, the form keeps its
        room); as the user left it once they moved the handle (before a restart too)."""
        listed = self.list_buttons.sizeHint().width()
        if self.split.sizes()[0] < listed and total - listed >= self.tabs.sizeHint().width():
            return listed
        return None

    # ----------------------------------------------------------------- building
    def _build_list(self) -> QWidget:
        box = QWidget(self.body)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = plain_items(QTableWidget(0, len(LIST_COLUMNS), box))  # names as shown; the items keep them
        self.table.setObjectName("campaignTable")
        self.table.setHorizontalHeaderLabels(list(LIST_COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.itemSelectionChanged.connect(self._on_selected)
        layout.addWidget(self.table, 1)
        # Wraps when narrow: one row asked 353 px for the list, so at 1280 x 720 the panel
        # (list beside the campaign's form) scrolled sideways 92 px in its dock.
        buttons = self.list_buttons = WrapRow()
        self.new_button = QPushButton("New", box)
        self.open_button = QPushButton("Open file…", box)
        self.export_button = QPushButton("Save to file…", box)
        self.delete_button = QPushButton("Delete", box)
        self.new_button.clicked.connect(self.new_campaign)
        self.open_button.clicked.connect(self._open_dialog)
        self.export_button.clicked.connect(self._save_dialog)
        self.delete_button.clicked.connect(self.delete_selected)
        for b in (self.new_button, self.open_button, self.export_button, self.delete_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        # The panel's messages quote names, addresses and servers' errors (app.ui.plain).
        self.list_message = DataLabel("", box)
        self.list_message.setObjectName("listMessage")
        self.list_message.setWordWrap(True)
        layout.addWidget(self.list_message)
        return box

    def _build_editor(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        # Never narrower than the campaign's form: at 1366 x 768 the form scrolled sideways in
        # the panel's narrowest, its audience count and goal cut off.
        scroll = VerticalScroll(page)
        self.editor = CampaignEditor(self.context.discovery, scroll)
        scroll.setWidget(self.editor)
        layout.addWidget(scroll, 1)
        row = QHBoxLayout()
        self.save_button = QPushButton("Save campaign", page)
        self.save_button.setObjectName("saveCampaign")
        self.save_button.clicked.connect(self.save_campaign)
        self.editor_message = DataLabel("", page)
        self.editor_message.setObjectName("editorMessage")
        self.editor_message.setWordWrap(True)
        row.addWidget(self.save_button)
        row.addWidget(self.editor_message, 1)
        layout.addLayout(row)
        return page

    def _build_send(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        top = QHBoxLayout()
        self.person = plain_edit(QLineEdit(page))
        self.person.setObjectName("previewPerson")
        self.person.setPlaceholderText("person id or e-mail")
        self.preview_button = QPushButton("Preview", page)
        self.preview_button.clicked.connect(self.preview)
        self.person.returnPressed.connect(self.preview)
        top.addWidget(QLabel("Preview for", page))
        top.addWidget(self.person, 1)
        top.addWidget(self.preview_button)
        layout.addLayout(top)
        self.preview_error = DataLabel("", page)
        self.preview_error.setObjectName("previewError")
        self.preview_error.setWordWrap(True)
        self.preview_error.setStyleSheet("QLabel { color: #b00020; }")
        layout.addWidget(self.preview_error)
        self.preview_text = QPlainTextEdit(page)
        self.preview_text.setObjectName("previewText")
        self.preview_text.setReadOnly(True)
        layout.addWidget(self.preview_text, 1)

        form = QFormLayout()
        self.smtp_url = QLineEdit(str(get_json(self.context.settings, SMTP_SETTING) or ""), page)
        self.smtp_url.setObjectName("smtpUrl")
        self.smtp_url.setPlaceholderText("smtp://user@host:587 (password: keychain)")
        self.smtp_url.editingFinished.connect(self._remember_smtp)
        pw_row = QHBoxLayout()
        self.smtp_password = QLineEdit(page)
        self.smtp_password.setObjectName("smtpPassword")
        self.smtp_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.smtp_password.setPlaceholderText("stored in the system keychain, never in a file")
        self.password_button = QPushButton("Save in keychain", page)
        self.password_button.clicked.connect(self.store_smtp_password)
        pw_row.addWidget(self.smtp_password, 1)
        pw_row.addWidget(self.password_button)
        form.addRow("SMTP server", self.smtp_url)
        form.addRow("SMTP password", pw_row)
        test_row = QHBoxLayout()
        self.test_to = QLineEdit(page)
        self.test_to.setObjectName("testTo")
        self.test_to.setPlaceholderText("me@example.com")
        self.test_button = QPushButton("Send test to me", page)
        self.test_button.clicked.connect(self.send_test)
        test_row.addWidget(self.test_to, 1)
        test_row.addWidget(self.test_button)
        form.addRow("Test to", test_row)
        layout.addLayout(form)
        send_row = QHBoxLayout()
        self.send_button = QPushButton("Send now…", page)
        self.send_button.setObjectName("sendNow")
        self.send_button.clicked.connect(self.send_now)
        self.progress = QProgressBar(page)
        self.progress.hide()
        send_row.addWidget(self.send_button)
        send_row.addWidget(self.progress, 1)
        layout.addLayout(send_row)
        self.send_message = DataLabel("", page)
        self.send_message.setObjectName("sendMessage")
        self.send_message.setWordWrap(True)
        self.send_message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.send_message)
        return page

    def _build_results(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.results_label = DataLabel("Choose a campaign that was sent.", page, rich=True)  # names the campaign
        self.results_label.setObjectName("resultsLabel")
        self.results_label.setWordWrap(True)
        self.results_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.results_label)
        self.chart = pg.PlotWidget(page)
        style_plot(self.chart)
        self.chart.setObjectName("resultsChart")
        self.chart.setMinimumHeight(200)
        self.chart.setLabel("left", "converted", units="%")
        self.chart.showGrid(y=True, alpha=0.3)
        self.chart.setMouseEnabled(False, False)
        layout.addWidget(self.chart, 1)
        # Conversion over time: by the day each person was messaged or held out.
        self.over_time = pg.PlotWidget(page)
        self.over_time.setObjectName("resultsOverTime")
        self.over_time.setMinimumHeight(160)
        self.over_time.setLabel("left", "converted", units="%")
        self.over_time.setLabel("bottom", "day of the message or holdout decision")
        self.over_time.showGrid(y=True, alpha=0.3)
        self.over_time.setMouseEnabled(False, False)
        style_plot(self.over_time)
        self.over_time.addLegend(offset=(10, 5))
        self.over_time.getAxis("bottom").enableAutoSIPrefix(False)
        layout.addWidget(self.over_time, 1)
        layout.addStretch(1)  # while the plots are hidden (nothing to draw), the text stays on top
        self._show_plots(False)
        return page

    def _show_plots(self, shown: bool) -> None:
        """Empty plots (0-1 axes) said nothing: they show only with results to draw."""
        self.chart.setVisible(shown)
        self.over_time.setVisible(shown)

    # ----------------------------------------------------------------- Panel API
    def query(self) -> dict[str, Any]:
        return {}

    def set_query(self, spec: dict[str, Any]) -> None:
        return None

    def refresh(self) -> None:
        """Reload the campaign list (with ledger counts and audience sizes) on the worker."""
        self._refresh_timer.stop()
        connection = self.context.connection
        if connection is None:
            return
        engine = connection.engine
        if self.show_unavailable(unsupported_reason(engine, "Messages")):
            return

        def job(token: Any) -> Any:
            from app.outbound.messages.workbench import overview

            return overview(engine, token)

        self.run_job(job)
        self._count_timer.start(0)

    def clear(self) -> None:
        self.table.setRowCount(0)
        self._rows = []

    def show_result(self, result: Any) -> None:
        selected = self.selected_name() or self.editor.name.text().strip()
        self._rows = list(result)
        self.table.blockSignals(True)
        # Rows move (a campaign added or deleted above): select by name, never by position.
        self.table.clearSelection()
        self.table.setRowCount(len(self._rows))
        for r, row in enumerate(self._rows):
            cells = (row["name"], row["channel"], "" if row["audience"] is None else f"{row['audience']:,}",
                     f"{row['sent']:,}", f"{row['held']:,}", f"{row['failed']:,}", row["status"])
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c >= 2 and c <= 5:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if row["error"]:
                    item.setToolTip(plain_tip(row["error"]))
                self.table.setItem(r, c, item)
            if row["name"] == selected:
                self.table.selectRow(r)
        self.table.blockSignals(False)
        self.table.resizeColumnsToContents()
        if not self._rows:
            self.list_message.setText(NO_CAMPAIGNS)
        elif self.list_message.text() == NO_CAMPAIGNS:  # a Delete's outcome stays
            self.list_message.setText("")
        if self.selected_name() is not None:
            self.load_results()
        else:
            self._clear_results()

    # ----------------------------------------------------------------- list actions
    def selected_name(self) -> str | None:
        model = self.table.selectionModel()
        rows = model.selectedRows() if model is not None else []
        if not rows or rows[0].row() >= len(self._rows):
            return None
        return str(self._rows[rows[0].row()]["name"])

    def select_campaign(self, name: str) -> None:
        for r, row in enumerate(self._rows):
            if row["name"] == name:
                self.table.selectRow(r)
                return

    def _on_selected(self) -> None:
        name = self.selected_name()
        row = next((r for r in self._rows if r["name"] == name), None)
        if row is None:
            self._clear_results()
            return
        self._forget_answers_of_the_campaign_left()
        self.editor.set_definition(row["definition"])
        self.editor_message.setText(row["error"] or "")
        self.load_results()

    def new_campaign(self) -> None:
        self.table.clearSelection()
        self._forget_answers_of_the_campaign_left()
        self.editor.set_definition(NEW_CAMPAIGN)
        self.editor_message.setText("A new campaign: it is stored when you save or send it.")
        self.tabs.setCurrentIndex(0)

    def open_file(self, path: str | Path) -> None:
        """Show a `*.campaign.json` in the editor (checked like `tracklens send` reads it)."""
        from app.outbound.messages.campaign import load_campaign

        try:
            # A small local file the user just picked: read like the file dialog, on this thread.
            definition = load_campaign(path).to_dict()
        except CampaignError as exc:
            self.list_message.setText(f"⚠ {exc}")
            return
        self.table.clearSelection()
        self._forget_answers_of_the_campaign_left()
        self.editor.set_definition(definition)
        self.editor_message.setText(f"Read {Path(path).name}: Save campaign stores it in this database.")
        self.list_message.setText("")

    def save_file(self, path: str | Path) -> None:
        """Write the edited campaign as a `*.campaign.json` that `tracklens send` runs."""
        try:
            definition = self.editor.campaign().to_dict()
        except CampaignError as exc:
            self.editor_message.setText(f"⚠ {exc}")
            return
        target = Path(path)
        try:
            # Not in place: a failed write (a full disk) would have cut the file being replaced.
            write_text_atomically(target, json.dumps(definition, indent=2, ensure_ascii=False) + "\n")
        except (OSError, UnicodeError) as exc:
            self.editor_message.setText(f"⚠ cannot write {target}: {exc}")
            return
        self.editor_message.setText(f"Saved to {target.name}.")

    def _open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open campaign", "", "Campaigns (*.campaign.json);;JSON (*.json)")
        if path:
            self.open_file(path)

    def _save_dialog(self) -> None:
        name = self.editor.name.text().strip() or "campaign"
        suggested = "".join(c if c.isalnum() or c in "-_" else "-" for c in name.lower()) + ".campaign.json"
        path, _ = QFileDialog.getSaveFileName(self, "Save campaign", suggested, "Campaigns (*.campaign.json)")
        if path:
            self.save_file(path)

    def save_campaign(self) -> None:
        """Store the edited campaign in the database (the list), on the worker."""
        connection = self.context.connection
        if connection is None:
            self.editor_message.setText("Not connected to a database.")
            return
        try:
            definition = self.editor.campaign().to_dict()
        except CampaignError as exc:
            self.editor_message.setText(f"⚠ {exc}")
            return
        engine = connection.engine

        def job(token: Any) -> Any:
            from app.outbound.messages.store import save_campaign

            save_campaign(engine, definition)
            return f"Saved {definition['name']!r}."

        self._store(job, self.editor_message, f"Saving {definition['name']!r}…")

    def delete_selected(self) -> None:
        name = self.selected_name()
        connection = self.context.connection
        if name is None or connection is None:
            self.list_message.setText("Select a campaign first.")
            return
        engine = connection.engine

        def job(token: Any) -> Any:
            from app.outbound.messages.store import delete_campaign

            delete_campaign(engine, name)
            return f"Deleted {name!r} from the list (its ledger and events stay)."

        self._store(job, self.list_message, f"Deleting {name!r}…")

    def _store(self, job: Job, label: DataLabel, pending: str) -> None:
        """Queue a write of the list: it runs after those asked before it (a Delete right after a
        Save deletes what the save stored; a save waiting for the server is not dropped), and its
        outcome shows in `label`."""
        label.setText(pending)
        self._store_queue.append((job, label))
        if self._storing is None:
            self._store_next()

    def _store_next(self) -> None:
        self._storing = None
        if self._store_queue:
            job, self._storing = self._store_queue.pop(0)
            self.save_channel.submit(job)

    def _on_stored(self, message: Any) -> None:
        if self._storing is not None:
            self._storing.setText(str(message))
        self._store_next()
        self.refresh()

    def connection_changed(self, connection: Any) -> None:
        """Writes asked of the database closed (or replaced) are not made in the one opened."""
        for label in [self._storing, *(lbl for _job, lbl in self._store_queue)]:
            if label is not None:
                label.setText("⚠ Not finished: the database was closed or replaced first.")
        self._store_queue = []
        self._storing = None

    # ----------------------------------------------------------------- live count and preview
    def _forget_answers_of_the_campaign_left(self) -> None:
        """Another campaign goes in the editor: the audience count and preview shown, or still
        coming, are the campaign left's, and its count must never show beside the next one (its
        own are asked once the editor settles, COUNT_DELAY_MS and PREVIEW_DELAY_MS later)."""
        self.count_channel.cancel(quiet=True)
        self.preview_channel.cancel(quiet=True)
        self.editor.count_label.setText("counting…" if self.context.connection is not None else "")
        self.preview_error.setText("")
        self.preview_text.setPlainText("")

    def recount(self) -> None:
        """Count the edited audience with a users query, off the GUI thread."""
        connection = self.context.connection
        if connection is None:
            return
        audience = self.editor.audience()
        engine = connection.engine

        def job(token: Any) -> Any:
            from app.outbound.messages.workbench import audience_count

            return audience_count(engine, audience, token)

        self.editor.count_label.setText("counting…")
        self.count_channel.submit(job)

    def _on_count(self, n: Any) -> None:
        self.editor.count_label.setText(f"<b>{int(n):,}</b> people in the audience now")

    @property
    def counting(self) -> bool:
        return self.count_channel.busy or self._count_timer.isActive()

    def _on_edited(self) -> None:
        if self.person.text().strip():
            self._preview_timer.start(PREVIEW_DELAY_MS)

    def preview(self) -> None:
        """Render the edited campaign for the chosen person with the sender's code, on the worker."""
        self._preview_timer.stop()
        connection = self.context.connection
        if connection is None:
            self._show_preview_error("Not connected to a database.")
            return
        try:
            definition = self.editor.definition()
        except CampaignError as exc:
            self._show_preview_error(str(exc))
            return
        person = self.person.text()
        engine = connection.engine

        def job(token: Any) -> Any:
            from app.outbound.messages.workbench import preview

            return preview(engine, definition, person)

        self.preview_channel.submit(job)

    @property
    def previewing(self) -> bool:
        return self.preview_channel.busy or self._preview_timer.isActive()

    def _show_preview_error(self, message: str) -> None:
        self.preview_error.setText(f"⚠ {message}")
        self.preview_text.setPlainText("")

    def _on_preview(self, result: Any) -> None:
        self.preview_error.setText(f"⚠ {result['error']}" if result.get("error") else "")
        if "address" not in result:
            self.preview_text.setPlainText("")
            return
        lines = [f"Person: {result['person']}"]
        if "subject" in result:
            lines += [f"To: {result['address']}", f"Subject: {result['subject']}", ""]
            if result.get("text") is not None:
                lines += [result["text"], ""]
            if result.get("html") is not None:
                lines += ["--- HTML ---", result["html"]]
        else:
            lines += [f"POST {result['address']}"]
            lines += [f"{k}: {v}" for k, v in (result.get("headers") or {}).items()]
            lines += ["", json.dumps(result.get("body"), indent=2, ensure_ascii=False)]
        # The person's values as the app shows them, line by line (app.ui.plain): a trait's
        # override cannot reverse the address, subject or body around it.
        self.preview_text.setPlainText("\n".join(display_text(line) for line in "\n".join(lines).split("\n")))

    # ----------------------------------------------------------------- sending
    def _remember_smtp(self) -> None:
        set_json(self.context.settings, SMTP_SETTING, self.smtp_url.text().strip())

    def store_smtp_password(self) -> None:
        """Put the typed password in the keychain where the sender looks (never in a file)."""
        from app.outbound.messages.channels import KEYRING_SERVICE, SmtpSettings

        password = self.smtp_password.text()
        try:
            settings = SmtpSettings.parse(self.smtp_url.text())
        except CampaignError as exc:
            self.send_message.setText(f"⚠ {exc}")
            return
        if settings.user is None or not password:
            self.send_message.setText("The SMTP URL needs a user (smtp://user@host) and a password to store.")
            return
        self._remember_smtp()
        key = f"{settings.user}@{settings.host}"
        self.smtp_password.clear()

        def job(token: Any) -> Any:
            import keyring

            try:
                keyring.set_password(KEYRING_SERVICE, key, password)
            except Exception as exc:  # no keychain on this machine: say so, the env variable remains
                return {"error": f"the keychain refused the password ({exc}); set TRACKLENS_SMTP_PASSWORD instead"}
            return {"step": "stored", "message": f"Password for {key} stored in the keychain."}

        self._start_send_job(job, "Storing the password…")

    def _smtp(self) -> str | None:
        self._remember_smtp()
        return self.smtp_url.text().strip() or None

    def _campaign_to_send(self) -> tuple[Engine, Campaign] | None:
        """The database's engine and the edited campaign, or None once the panel said why not
        (no database, a campaign that does not parse)."""
        connection = self.context.connection
        if connection is None:
            self.send_message.setText("Not connected to a database.")
            return None
        try:
            return connection.engine, self.editor.campaign()
        except CampaignError as exc:
            self.send_message.setText(f"⚠ {exc}")
            return None

    def send_test(self) -> None:
        """Render for the chosen person and deliver to the typed address (`tracklens send --test-to`)."""
        if (ready := self._campaign_to_send()) is None:
            return
        engine, campaign = ready
        person, to, smtp = self.person.text().strip(), self.test_to.text().strip(), self._smtp()
        if not person:
            self.send_message.setText("Choose the person the test is rendered for (Preview for).")
            return

        def job(token: Any) -> Any:
            from app.outbound.messages.sender import send_test

            out = send_test(engine, campaign, person, to, smtp_url=smtp)
            return {"step": "tested", "message": f"Test message for {person} sent to {out.address}."}

        self._start_send_job(job, "Sending the test message…")

    def send_now(self) -> None:
        """Plan with the sender's dry run, confirm with its numbers, then send on the worker."""
        if (ready := self._campaign_to_send()) is None:
            return
        engine, campaign = ready
        smtp = self._smtp()

        def job(token: Any) -> Any:
            from app.outbound.messages.workbench import plan

            summary = plan(engine, campaign, smtp)
            return {"step": "planned", "campaign": campaign, "smtp": smtp, "summary": summary}

        self._start_send_job(job, "Working out who gets it…")

    @property
    def sending(self) -> bool:
        return self.send_channel.busy

    def _start_send_job(self, job: Any, message: str) -> None:
        """Run `job` on the send channel, the send buttons off meanwhile."""
        for b in (self.send_button, self.test_button, self.password_button):
            b.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.send_message.setText(message)
        self.send_channel.submit(_campaign_errors_answered(job))

    def _send_done(self, message: str) -> None:
        for b in (self.send_button, self.test_button, self.password_button):
            b.setEnabled(True)
        self.progress.hide()
        self.send_message.setText(message)

    def _on_send_failed(self, info: ErrorInfo) -> None:
        self._send_done(f"⚠ {info.message}")

    def confirm(self, title: str, text: str) -> bool:
        """The one modal of the panel: "Send now" states how many people get it before it goes."""
        return ask(self, title, text, yes="Send")

    def _on_send_step(self, result: Any) -> None:
        if result.get("error"):
            self._send_done(f"⚠ {result['error']}")
            return
        step = result["step"]
        if step != "planned":
            self._send_done(result["message"])
            if step == "sent":
                self.refresh()
            return
        summary, campaign = result["summary"], result["campaign"]
        if summary.would_send == 0 and summary.held_out == 0:
            self._send_done(f"Nothing to send: {summary.line()}")
            return
        text = (f"Send “{campaign.name}” now to {summary.would_send:,} "
                f"{'person' if summary.would_send == 1 else 'people'}?\n\n"
                f"{summary.held_out:,} more will be held out (the control group, no message); "
                f"{summary.already:,} already got it or were held out; "
                f"{sum(summary.skipped.values()):,} skipped.")
        self.send_message.setText(text.replace("\n\n", " "))
        if not self.confirm("Send now", text):
            self._send_done("Not sent.")
            return
        self._run_send(campaign, result["smtp"], summary.audience)

    def _run_send(self, campaign: Any, smtp: str | None, audience: int) -> None:
        connection = self.context.connection
        if connection is None:
            self._send_done("Not connected to a database.")
            return
        engine = connection.engine
        signals = self._send_signals

        def job(token: Any) -> Any:
            from app.outbound.messages.sender import SendOptions, send_campaign

            options = SendOptions(progress=lambda s: signals.progress.emit(s.audience, audience))
            summary = send_campaign(engine, campaign, smtp_url=smtp, options=options)
            prefix = "⚠ " if summary.stopped or summary.failed else ""
            return {"step": "sent", "message": prefix + summary.line()}

        self.send_channel.submit(_campaign_errors_answered(job))
        self.send_message.setText(f"Sending “{campaign.name}”…")
        self.progress.setRange(0, max(audience, 1))
        self.progress.setValue(0)

    def _on_send_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, total))

    # ----------------------------------------------------------------- results
    def load_results(self) -> None:
        connection = self.context.connection
        name = self.selected_name()
        if connection is None or name is None:
            return
        self.results_channel.submit(connection.query_job({"kind": "campaign_results", "campaign": name}))

    def _clear_results(self) -> None:
        """No campaign chosen (New, Open file…, the chosen one deleted): the results of the one
        chosen before, shown or still coming, are not this campaign's."""
        self.results_channel.cancel(quiet=True)
        self.results_label.setText("Choose a campaign that was sent.")
        self.chart.clear()
        self.over_time.clear()
        self._show_plots(False)

    def _on_results_failed(self, info: ErrorInfo) -> None:
        self.results_label.setText(html.escape(info.message))
        self.chart.clear()
        self.over_time.clear()
        self._show_plots(False)

    def _on_results(self, r: Any) -> None:
        lines = [f"<b>{html.escape(r['campaign'])}</b>: audience {r['audience']:,}, sent {r['sent']:,}, "
                 f"held out {r['held_out']:,}, failed {r['failed']:,}"
                 + (f", pending {r['pending']:,}" if r["pending"] else "")
                 + (f", unconfirmed {r['unconfirmed']:,}" if r["unconfirmed"] else "")]
        groups = r.get("groups")
        goal = r.get("goal")
        self.chart.clear()
        self.over_time.clear()
        if not groups or not goal:
            lines.append("No goal event: set one to measure conversion.")
            self.results_label.setText("<br>".join(lines))
            self._show_plots(False)
            return
        within = goal["within"]
        window = f"{within['days']} days" if "days" in within else f"{within['hours']} hours"
        m, h = groups["message"], groups["holdout"]
        lines.append(f"Goal: {html.escape(str(goal['event']))} within {window}. Converted: message {m['converted']:,}/{m['people']:,} "
                     f"({_pct(m['rate'])}), holdout {h['converted']:,}/{h['people']:,} ({_pct(h['rate'])})")
        diff, lift = r.get("difference"), r.get("lift")
        if diff:
            lines.append(f"Difference {diff['value'] * 100:+.1f} points (95% CI {diff['low'] * 100:+.1f} to "
                         f"{diff['high'] * 100:+.1f})" + (" — significant" if r.get("significant") else
                                                         " — not significant"))
        if lift:
            lines.append(f"Lift {lift['value'] * 100:+.1f}% (95% CI {lift['low'] * 100:+.1f}% to "
                         f"{lift['high'] * 100:+.1f}%)")
        else:
            lines.append("Lift: needs conversions in both groups.")
        if m["window_complete"] < m["people"] or h["window_complete"] < h["people"]:
            lines.append("Some goal windows are still open: the numbers can still rise.")
        self.results_label.setText("<br>".join(lines))
        self._show_plots(True)
        self._draw(m, h)
        self._draw_over_time(list(r.get("over_time") or []))

    def _draw_over_time(self, days: list[dict[str, Any]]) -> None:
        """Each group's conversion per day of sending (gaps where a group had nobody that day)."""
        x = np.arange(len(days), dtype=float)
        for group, colour in (("message", "#3b73c8"), ("holdout", "#8a94a3")):
            y = np.array([np.nan if d.get(f"{group}_rate") is None else d[f"{group}_rate"] * 100 for d in days])
            if not np.isfinite(y).any():
                continue  # nobody in this group (no holdout): no line, rather than one of gaps only
            self.over_time.plot(x, y, pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=6,
                                symbolBrush=colour, name=group, connect="finite")
        step = max(1, len(days) // 8)
        self.over_time.getAxis("bottom").setTicks([[(i, d["day"][5:]) for i, d in enumerate(days)][::step]])
        rates = [d[f"{g}_rate"] * 100 for d in days for g in ("message", "holdout") if d.get(f"{g}_rate") is not None]
        self.over_time.setYRange(0, max([*rates, 1.0]) * 1.15, padding=0)
        self.over_time.setXRange(-0.5, max(len(days) - 0.5, 0.5), padding=0)

    def _draw(self, m: dict[str, Any], h: dict[str, Any]) -> None:
        """Two bars (message, holdout) with their 95 % intervals."""
        heights, errors, x, brushes = [], [], [], []
        for slot, (g, colour) in enumerate(((m, "#3b73c8"), (h, "#b0b8c4"))):
            if int(g["people"]) <= 0:
                continue  # nobody in the group (no holdout): no bar, not a bar of 0 %
            rate, half = group_interval(int(g["converted"]), int(g["people"]))
            heights.append(rate * 100)
            errors.append(half * 100)
            x.append(slot)
            brushes.append(pg.mkBrush(colour))
        self.chart.addItem(pg.BarGraphItem(x=x, height=heights, width=0.6, brushes=brushes))
        # Intervals clipped to 0-100 %: the normal approximation overshoots for small groups.
        tops = np.array([min(hgt + e, 100.0) - hgt for hgt, e in zip(heights, errors, strict=True)])
        bottoms = np.array([hgt - max(hgt - e, 0.0) for hgt, e in zip(heights, errors, strict=True)])
        self.chart.addItem(pg.ErrorBarItem(x=np.array(x, dtype=float), y=np.array(heights), top=tops,
                                           bottom=bottoms, beam=0.15, pen=pg.mkPen("#333", width=1.5)))
        axis = self.chart.getAxis("bottom")
        axis.setTicks([[(slot, f"{name} ({g['people']:,})" if g["people"] else f"{name} (nobody)")
                        for slot, (name, g) in enumerate((("message", m), ("holdout", h)))]])
        self.chart.setXRange(-0.7, 1.7, padding=0)
        top = max([a + b for a, b in zip(heights, errors, strict=True)] + [1.0])
        self.chart.setYRange(0, min(105.0, top * 1.15), padding=0)

    @property
    def settled(self) -> bool:
        return not (self.channel.busy or self.counting or self.sending or self.results_channel.busy
                    or self.save_channel.busy or self._store_queue)
