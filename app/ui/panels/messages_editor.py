"""The campaign editor of the Messages panel: a view of one campaign definition (the JSON that
app.outbound.messages.campaign parses), so what is edited is exactly what a `*.campaign.json`
file holds and what `tracklens send` would run.

The audience uses the User explorer's filter builder (with its "did event" rows), so an
audience built here is the same users query the explorer shows.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.outbound.messages.campaign import MAX_CAMPAIGN_BYTES, Campaign
from app.outbound.messages.errors import CampaignError
from app.ui.discovery import DiscoveryCache
from app.ui.panels.user_filters import DID_ROW
from app.ui.panels.users import split_filters
from app.ui.plain import DataLabel, plain_combo, plain_edit
from app.ui.widgets.bind import show_in_spin
from app.ui.widgets.combo import line_edit_of
from app.ui.widgets.filter_builder import FilterBuilder

NEW_CAMPAIGN: dict[str, Any] = {
    "kind": "campaign", "name": "New campaign", "audience": {"where": [], "did": []},
    "channel": {"type": "email", "to_trait": "email", "from": "Me <me@example.com>",
                "subject": "Hello {{ traits.name | default('there') }}",
                "text": "Hi {{ traits.name | default('there') }},\n"},
    "holdout": 0.1, "goal": {"event": "Order Completed", "within": {"days": 7}},
}


def _text_edit(parent: QWidget, name: str, height: int = 70) -> QPlainTextEdit:
    edit = QPlainTextEdit(parent)
    edit.setObjectName(name)
    edit.setFixedHeight(height)
    return edit


class CampaignEditor(QWidget):
    """Edits a campaign definition; `changed` on any edit, `audience_changed` when the audience
    changes (the panel recounts it)."""

    changed = Signal()
    audience_changed = Signal()

    def __init__(self, discovery: DiscoveryCache | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._extra: dict[str, Any] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        # A field too wide to sit beside its label goes under it, the editor's whole width: the
        # audience with a "Did event" row (at least N times, in the last D days…) made the
        # editor scroll sideways beside the campaign list in the default window.
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        outer.addLayout(form)
        outer.addStretch(1)
        self.name = plain_edit(QLineEdit(self))  # a campaign's name from the database
        self.name.setObjectName("campaignName")
        form.addRow("Name", self.name)

        audience = QWidget(self)
        a_layout = QVBoxLayout(audience)
        a_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.match = QComboBox(audience)
        self.match.setObjectName("audienceMatch")
        self.match.addItem("all of these (AND)", "all")
        self.match.addItem("any of these (OR)", "any")
        self.count_label = DataLabel("", audience, rich=True)  # errors quote values
        self.count_label.setObjectName("audienceCount")
        self.count_label.setTextFormat(Qt.TextFormat.RichText)  # a bold count; errors escaped (app.ui.plain)
        top.addWidget(QLabel("match", audience))
        top.addWidget(self.match)
        top.addStretch(1)
        a_layout.addLayout(top)
        # On a line of its own: beside 'match' it made the form wider than the panel's editor
        # side in the default window, cut off with the goal's 'within N days'.
        self.count_label.setWordWrap(True)
        a_layout.addWidget(self.count_label)
        self.filters = FilterBuilder(discovery, audience, traits=True, event_properties=False)
        self.filters.register_row_type(DID_ROW)
        a_layout.addWidget(self.filters)
        form.addRow("Audience", audience)

        self.channel_type = QComboBox(self)
        self.channel_type.setObjectName("channelType")
        self.channel_type.addItem("E-mail", "email")
        self.channel_type.addItem("Webhook", "webhook")
        form.addRow("Channel", self.channel_type)
        self.stack = QStackedWidget(self)
        email = QWidget(self.stack)
        e_form = QFormLayout(email)
        e_form.setContentsMargins(0, 0, 0, 0)
        self.to_trait = QLineEdit(email)
        self.to_trait.setObjectName("toTrait")
        self.from_edit = QLineEdit(email)
        self.from_edit.setObjectName("fromAddress")
        self.subject = QLineEdit(email)
        self.subject.setObjectName("subject")
        self.text = _text_edit(email, "textBody")
        self.html = _text_edit(email, "htmlBody")
        e_form.addRow("To (trait)", self.to_trait)
        e_form.addRow("From", self.from_edit)
        e_form.addRow("Subject", self.subject)
        e_form.addRow("Text", self.text)
        e_form.addRow("HTML", self.html)
        hook = QWidget(self.stack)
        h_form = QFormLayout(hook)
        h_form.setContentsMargins(0, 0, 0, 0)
        self.url = QLineEdit(hook)
        self.url.setObjectName("webhookUrl")
        self.headers = _text_edit(hook, "webhookHeaders", 50)
        self.body = _text_edit(hook, "webhookBody", 110)
        h_form.addRow("URL", self.url)
        for edit in (self.name, self.to_trait, self.from_edit, self.subject, self.url):
            # A line edit keeps at most 32,767 characters and cut a longer subject or URL
            # template from a campaign file without a word, so saving it lost the rest.
            edit.setMaxLength(MAX_CAMPAIGN_BYTES)
        h_form.addRow("Headers (JSON)", self.headers)
        h_form.addRow("Body (JSON)", self.body)
        self.stack.addWidget(email)
        self.stack.addWidget(hook)
        form.addRow(self.stack)

        self.holdout = QDoubleSpinBox(self)
        self.holdout.setObjectName("holdout")
        self.holdout.setRange(0, 99)
        self.holdout.setDecimals(1)
        self.holdout.setSuffix(" % held out")
        form.addRow("Holdout", self.holdout)
        goal = QHBoxLayout()
        self.goal_event = QComboBox(self)
        self.goal_event.setObjectName("goalEvent")
        self.goal_event.setEditable(True)
        plain_combo(self.goal_event)  # names as shown, in its list and closed
        self.goal_days = QSpinBox(self)
        self.goal_days.setObjectName("goalDays")
        self.goal_days.setRange(1, 365)
        self.goal_days.setSuffix(" days")
        goal.addWidget(self.goal_event, 1)
        goal.addWidget(QLabel("within", self))
        goal.addWidget(self.goal_days)
        form.addRow("Goal", goal)
        self.discovery = discovery
        if discovery is not None:
            discovery.events_changed.connect(self._fill_events)
        self._fill_events()

        for edit in (self.name, self.to_trait, self.from_edit, self.subject, self.url):
            edit.textChanged.connect(self.changed)
        for plain in (self.text, self.html, self.headers, self.body):
            plain.textChanged.connect(self.changed)
        # A loaded holdout or goal window the boxes show rounded (12.34 %, 36 hours) is given
        # back as it was until its box is edited (these run before `changed` is handled).
        self.holdout.valueChanged.connect(lambda _v: self._extra.pop("holdout", None))
        self.goal_days.valueChanged.connect(lambda _v: self._extra.pop("within", None))
        self.holdout.valueChanged.connect(self.changed)
        self.goal_days.valueChanged.connect(self.changed)
        self.goal_event.currentTextChanged.connect(self.changed)
        self.channel_type.currentIndexChanged.connect(self._channel_switched)
        self.filters.changed.connect(self._audience_edited)
        self.match.currentIndexChanged.connect(self._audience_edited)
        self.set_definition(NEW_CAMPAIGN)

    def _fill_events(self) -> None:
        current = self.goal_event.currentText()
        cursor = line_edit_of(self.goal_event).cursorPosition()  # (the start, or where one types)
        self.goal_event.blockSignals(True)
        self.goal_event.clear()
        self.goal_event.addItem("")
        if self.discovery is not None:
            for name, _count in self.discovery.events():
                self.goal_event.addItem(name)
        self.goal_event.setCurrentText(current)
        line_edit_of(self.goal_event).setCursorPosition(cursor)
        self.goal_event.blockSignals(False)

    def _channel_switched(self) -> None:
        self.stack.setCurrentIndex(self.channel_type.currentIndex())
        self.changed.emit()

    def _audience_edited(self) -> None:
        self.audience_changed.emit()
        self.changed.emit()

    # ----------------------------------------------------------------- the definition
    def audience(self) -> dict[str, Any]:
        """The audience as a users query's filters (what the live count and the sender use)."""
        where, did = split_filters(self.filters.filters())
        out: dict[str, Any] = {"where": where, "did": did}
        if self.match.currentData() == "any":
            out["match"] = "any"
        return {**self._extra.get("audience_rest", {}), **out}

    def definition(self) -> dict[str, Any]:
        """The campaign JSON as edited; CampaignError when a JSON field does not parse."""
        if self.channel_type.currentData() == "email":
            channel: dict[str, Any] = {"type": "email", "to_trait": self.to_trait.text().strip() or "email",
                                       "from": self.from_edit.text().strip(), "subject": self.subject.text()}
            if self.text.toPlainText():
                channel["text"] = self.text.toPlainText()
            if self.html.toPlainText():
                channel["html"] = self.html.toPlainText()
            if self._extra.get("reply_to"):
                channel["reply_to"] = self._extra["reply_to"]
        else:
            channel = {"type": "webhook", "url": self.url.text().strip(),
                       "headers": self._json(self.headers, "channel.headers", {}),
                       "body": self._json(self.body, "channel.body", {})}
        out: dict[str, Any] = {"kind": "campaign", "name": self.name.text().strip(), "audience": self.audience(),
                               "channel": channel,
                               "holdout": self._extra.get("holdout", round(self.holdout.value() / 100, 4))}
        event = self.goal_event.currentText().strip()
        if event:
            out["goal"] = {"event": event, "within": self._extra.get("within", {"days": self.goal_days.value()})}
        if self._extra.get("unsubscribe_trait"):
            out["unsubscribe_trait"] = self._extra["unsubscribe_trait"]
        return out

    def campaign(self) -> Campaign:
        """The checked campaign (CampaignError with a one-line reason)."""
        return Campaign.from_dict(self.definition())

    @staticmethod
    def _json(edit: QPlainTextEdit, where: str, default: Any) -> Any:
        text = edit.toPlainText().strip()
        if not text:
            return default
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise CampaignError(f"{where}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
        except RecursionError:  # pasted text: these escaped the slots that preview and save
            raise CampaignError(f"{where}: nested too deeply") from None
        except ValueError as exc:  # an integer of more than 4,300 digits
            raise CampaignError(f"{where}: not valid JSON ({exc})") from None

    def set_definition(self, definition: dict[str, Any]) -> None:
        """Show a campaign definition (from the database or a file); one `changed` at the end."""
        audience = dict(definition.get("audience") or {})
        channel = dict(definition.get("channel") or {})
        goal = definition.get("goal") or {}
        self._extra = {"reply_to": channel.get("reply_to"), "unsubscribe_trait": definition.get("unsubscribe_trait"),
                       "audience_rest": {k: v for k, v in audience.items() if k == "timezone"}}
        if "holdout" in definition:
            self._extra["holdout"] = definition["holdout"]
        if isinstance(goal, dict) and "within" in goal:
            self._extra["within"] = copy.deepcopy(goal["within"])
        widgets: list[Any] = [self, self.name, self.match, self.filters, self.channel_type, self.to_trait, self.from_edit,
                              self.subject, self.text, self.html, self.url, self.headers, self.body, self.holdout,
                              self.goal_event, self.goal_days]
        for w in widgets:
            w.blockSignals(True)
        try:
            self.name.setText(str(definition.get("name", "")))
            self.match.setCurrentIndex(1 if audience.get("match") == "any" else 0)
            self.filters.set_filters(list(audience.get("where") or []) + [{"did": d} for d in audience.get("did") or []])
            kind = channel.get("type", "email")
            self.channel_type.setCurrentIndex(1 if kind == "webhook" else 0)
            self.stack.setCurrentIndex(self.channel_type.currentIndex())
            self.to_trait.setText(str(channel.get("to_trait", "email")) if kind == "email" else "email")
            self.from_edit.setText(str(channel.get("from", "")))
            self.subject.setText(str(channel.get("subject", "")))
            self.text.setPlainText(str(channel.get("text", "")))
            self.html.setPlainText(str(channel.get("html", "")))
            self.url.setText(str(channel.get("url", "")))
            self.headers.setPlainText(json.dumps(channel["headers"], indent=1) if channel.get("headers") else "")
            self.body.setPlainText(json.dumps(channel["body"], indent=1, ensure_ascii=False)
                                   if channel.get("body") else "")
            self.holdout.setValue(float(definition.get("holdout", 0) or 0) * 100)
            self.goal_event.setCurrentText(str(goal.get("event", "")))
            within = goal.get("within") or {}
            days = int(within.get("days", 0) or 0) or max(1, int(within.get("hours", 0) or 0) // 24) or 7
            show_in_spin(self.goal_days, days if goal else 7)
        finally:
            for w in widgets:
                w.blockSignals(False)
        # A text set leaves the cursor after it, and a box narrower than its text shows its end:
        # at 1366 x 768 a new campaign's subject read "o {{ traits.name | default('there') }}" and
        # its goal "Completed". Each shows its start, as a file or a list shows it.
        for edit in (self.name, self.to_trait, self.from_edit, self.subject, self.url, line_edit_of(self.goal_event)):
            edit.setCursorPosition(0)
        self.audience_changed.emit()
        self.changed.emit()
