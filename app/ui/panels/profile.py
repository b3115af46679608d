"""The User profile: one person's traits, identities, summary and activity timeline.

Opened from the User explorer, the Live View (double-click), a funnel step's persons or its
own search box. The first page comes with the profile query; "Load older events" asks for the
next page (`timeline.before_id`) on a side channel and appends it, and the event-name filter
re-runs the profile with `timeline.events`. Each timeline row expands to the event's
properties and context.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.context import AppContext
from app.ui.errors import ErrorInfo
from app.ui.panel import Panel
from app.ui.panels.users_model import local_time, trait_text
from app.ui.plain import DataLabel, display_text, plain_edit, plain_items, plain_tip
from app.ui.registry import register_panel
from app.ui.widgets.combo import EventNameCombo, line_edit_of

TIMELINE_PAGE = 50


def describe_place(known: dict[str, Any]) -> str:
    parts = [known.get("$city"), known.get("$region"), known.get("$country_code")]
    return ", ".join(str(p) for p in parts if p) or "—"


def describe_device(known: dict[str, Any]) -> str:
    parts = [known.get("$browser"), known.get("$os"), known.get("$device")]
    return " · ".join(str(p) for p in parts if p) or "—"


def event_title(row: dict[str, Any]) -> str:
    if row.get("event"):
        return str(row["event"])
    return f"({row.get('type', 'event')})"


def _add_json(parent: QTreeWidgetItem, key: str, value: Any) -> None:
    """A JSON value as tree rows: objects and lists expand, scalars show as text."""
    item = QTreeWidgetItem(parent, [key, ""])
    if isinstance(value, dict):
        for k, v in value.items():
            _add_json(item, str(k), v)
    elif isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            item.setText(1, json.dumps(value, ensure_ascii=False))
        else:
            for i, v in enumerate(value):
                _add_json(item, f"[{i}]", v)
    else:
        item.setText(1, trait_text(value) if value is not None else "null")


@register_panel
class ProfilePanel(Panel):
    panel_id = "profile"
    title = "User profile"
    order = 95  # after the Live View: the right-hand area opens on the Live View
    default_area = Qt.DockWidgetArea.RightDockWidgetArea
    accepts_person = True

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        #: The id the user asked for (any of the person's ids); None = nobody chosen yet.
        self.person: str | None = None
        self._shown_person: str | None = None
        self._next_before: int | None = None
        #: A report's timeline.limit (the page size) and before_id (where its timeline starts),
        #: kept as given so the query given back is the one saved (and the parser names a bad one).
        self._page: Any = TIMELINE_PAGE
        self._start_before: Any = None
        self._more_channel = self.new_channel()
        self._more_channel.result.connect(self._on_more)
        self._more_channel.failed.connect(self._on_more_failed)
        self._find_channel = self.new_channel()
        self.show_retries_of(self._more_channel)
        self.show_retries_of(self._find_channel)
        self._find_channel.result.connect(self._on_found)
        self._find_channel.failed.connect(lambda info: self.state_bar.set_error(info.message))

        search_row = QHBoxLayout()
        self.search_edit = plain_edit(QLineEdit(self.body))  # a value with a control is marked
        self.search_edit.setObjectName("profileSearch")
        self.search_edit.setPlaceholderText("Find a person: any id, or the start of an e-mail — Enter")
        self.search_edit.setClearButtonEnabled(True)
        search_row.addWidget(self.search_edit, 1)
        self.body_layout.addLayout(search_row)
        self.find_message = DataLabel("", self.body)
        self.find_message.setObjectName("findMessage")
        self.find_message.setWordWrap(True)
        self.find_message.hide()
        self.body_layout.addWidget(self.find_message)

        splitter = QSplitter(Qt.Orientation.Vertical, self.body)
        splitter.setObjectName("profileSplitter")
        self.splitter = splitter
        self.body_layout.addWidget(splitter, 1)
        splitter.addWidget(self._build_summary())
        splitter.addWidget(self._build_timeline())
        # The summary as tall as its rows and the timeline the rest, also when the window grows:
        # the two split the height 480 : 420, so at 1920 x 1080 the Person rows and traits took
        # 220 of 510 px, a blank area above a 350 px timeline. Until the user moves the handle.
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([480, 420])
        #: The summary's height where the user dragged the handle, else fitted to its rows; kept
        #: with the window's layout, so it comes back at the next start.
        self._summary_divider = self.keep_divider("summary_height", splitter, 0, self._summary_need)
        self.search_edit.returnPressed.connect(self.find_person)
        context.discovery.events_changed.connect(self._fill_event_filter)
        self._fill_event_filter()
        self._show_empty()

    # ----------------------------------------------------------------- construction
    def _build_summary(self) -> QWidget:
        holder = QWidget(self.body)
        # Side by side when the dock is wide, stacked when it is narrow (the default right dock).
        layout = QBoxLayout(QBoxLayout.Direction.TopToBottom, holder)
        self._summary_layout = layout
        layout.setContentsMargins(0, 0, 0, 0)
        about = QGroupBox("Person", holder)
        # The rows at the top, the room below them empty: in a tall box (beside the traits at
        # 1920 x 1080) a form gave it to its rows, each value a line below its name.
        about_layout = QVBoxLayout(about)
        form = QFormLayout()
        about_layout.addLayout(form)
        about_layout.addStretch(1)
        self.id_label = DataLabel("", about)
        self.id_label.setObjectName("personId")
        self.id_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.id_label.font()
        font.setBold(True)
        self.id_label.setFont(font)
        self.id_label.setWordWrap(True)
        self.first_seen_label = QLabel("", about)
        self.last_seen_label = QLabel("", about)
        self.events_label = QLabel("", about)
        self.events_label.setObjectName("eventCount")
        self.place_label = DataLabel("", about)
        self.device_label = DataLabel("", about)
        form.addRow("Id", self.id_label)
        form.addRow("First seen", self.first_seen_label)
        form.addRow("Last seen", self.last_seen_label)
        form.addRow("Events", self.events_label)
        form.addRow("Location", self.place_label)
        form.addRow("Browser / OS", self.device_label)
        self.identities = plain_items(QListWidget(about))
        self.identities.setObjectName("identities")
        self.identities.setMaximumHeight(70)
        # A horizontal scroll bar (ids longer than the box is wide) takes a row's place: the
        # box grows by it rather than hide the last identity.
        self.identities.horizontalScrollBar().rangeChanged.connect(lambda *_: self._fit_identities())
        form.addRow("Identities", self.identities)
        layout.addWidget(about, 1)

        traits_box = QGroupBox("Traits", holder)
        traits_layout = QVBoxLayout(traits_box)
        self.traits = plain_items(QTreeWidget(traits_box))
        self.traits.setObjectName("traits")
        self.traits.setHeaderLabels(["Trait", "Value"])
        self.traits.setColumnWidth(0, 110)
        self.traits.setRootIsDecorated(False)
        traits_layout.addWidget(self.traits)
        layout.addWidget(traits_box, 1)
        return holder

    def _build_timeline(self) -> QWidget:
        box = QGroupBox("Activity, newest first", self.body)
        layout = QVBoxLayout(box)
        row = QHBoxLayout()
        row.addWidget(QLabel("Show", box))
        self.event_filter = EventNameCombo(box)
        self.event_filter.setObjectName("timelineFilter")
        self.event_filter.setMinimumContentsLength(18)
        row.addWidget(self.event_filter)
        row.addStretch(1)
        self.timeline_info = QLabel("", box)
        self.timeline_info.setObjectName("timelineInfo")
        row.addWidget(self.timeline_info)
        layout.addLayout(row)
        self.timeline = plain_items(QTreeWidget(box))
        self.timeline.setObjectName("timeline")
        self.timeline.setHeaderLabels(["Time", "Event", "Where", "Details"])
        self.timeline.setColumnWidth(0, 150)
        self.timeline.setColumnWidth(1, 190)
        self.timeline.setColumnWidth(2, 170)
        self.timeline.setUniformRowHeights(True)
        self.timeline.setAlternatingRowColors(True)
        layout.addWidget(self.timeline, 1)
        self.more_button = QPushButton("Load older events", box)
        self.more_button.setObjectName("loadMore")
        self.more_button.hide()
        layout.addWidget(self.more_button)
        self.more_button.clicked.connect(self.load_more)
        self.event_filter.currentIndexChanged.connect(self._on_filter_changed)
        line_edit_of(self.event_filter).editingFinished.connect(self._on_filter_changed)
        return box

    def _fill_event_filter(self) -> None:
        self.event_filter.set_names([name for name, _count in self.context.discovery.events()])

    def resizeEvent(self, event: Any) -> None:
        wide = self.width() >= 900
        self._summary_layout.setDirection(QBoxLayout.Direction.LeftToRight if wide
                                          else QBoxLayout.Direction.TopToBottom)
        super().resizeEvent(event)
        self._summary_divider.apply_soon()  # after the layouts took the new direction

    def _summary_need(self, _total: int) -> int | None:
        """The summary (Person, Traits) as tall as its rows need, the timeline the rest."""
        summary = self.splitter.widget(0)
        return None if summary is None else summary.minimumSizeHint().height()

    # ----------------------------------------------------------------- query
    def timeline_events(self) -> list[str]:
        return self.event_filter.chosen()

    def query(self) -> dict[str, Any]:
        if self.person is None:
            raise NotImplementedError("no person is shown")
        spec: dict[str, Any] = {"kind": "profile", "user": self.person}
        events = self.timeline_events()
        spec["timeline"] = {"limit": self._page, "events": events}
        if self._start_before is not None:
            spec["timeline"]["before_id"] = self._start_before
        return spec

    def set_query(self, spec: dict[str, Any]) -> None:
        timeline = spec.get("timeline") or {}
        events = (timeline.get("events") or []) if isinstance(timeline, dict) else None
        if not isinstance(events, list):
            raise ValueError(f"not a profile timeline: {timeline!r:.80}")
        if len(events) > 1:  # the event filter shows one: the others would be left out unsaid
            raise ValueError(f"the timeline shows one event or all; this query names {len(events)} events")
        user = spec.get("user")
        self.person = str(user) if user else None
        self._page = TIMELINE_PAGE if timeline.get("limit") is None else timeline["limit"]
        self._start_before = timeline.get("before_id")
        self.event_filter.show_name(str(events[0]) if events else None)

    @property
    def saveable(self) -> bool:  # type: ignore[override]
        return self.person is not None

    def refresh(self) -> None:
        self._refresh_timer.stop()
        if self.context.connection is None:
            return
        if self.person is None:
            self._show_latest()
            return
        self.run_query(self.query())

    def show_person(self, person_id: str) -> None:
        # A search still running was asked before this person was chosen: its match must not
        # replace them when it answers.
        self._find_channel.cancel(quiet=True)
        self.person = person_id
        self._start_before = None  # a place in the timeline of the person shown before
        self.find_message.hide()
        self.refresh()

    def _show_latest(self) -> None:
        """Nobody chosen yet: show the most recently active person (a live example to start from)."""
        connection = self.context.connection
        if connection is None:
            return
        engine = connection.engine
        events, page = self.timeline_events(), self._page

        def job(token: Any) -> Any:
            from app.query import run_query

            # Prefer someone who signed up (traits to show), else anybody.
            found = run_query(engine, {"kind": "users", "limit": 1, "count": False, "columns": [],
                                       "where": [{"trait": "email", "op": "set"}]}, cancel=token)
            if not found["users"]:
                found = run_query(engine, {"kind": "users", "limit": 1, "count": False, "columns": []}, cancel=token)
            if not found["users"]:
                return {"found": False, "user": None, "message": "The database has no persons yet."}
            spec = {"kind": "profile", "user": found["users"][0]["id"],
                    "timeline": {"limit": page, "events": events}}
            result = run_query(engine, spec, cancel=token)
            result["latest"] = True
            return result

        self.run_job(job)

    def _on_filter_changed(self, *_args: Any) -> None:
        if self._shown_person is not None and self.person is None:
            self.person = self._shown_person
        self.schedule_refresh(150)

    def clear(self) -> None:
        self._show_empty()

    def _show_empty(self) -> None:
        self._shown_person = None
        self.id_label.setText("—")
        for label in (self.first_seen_label, self.last_seen_label, self.events_label, self.place_label,
                      self.device_label):
            label.setText("")
        self.identities.clear()
        self.traits.clear()
        self.timeline.clear()
        self.timeline_info.setText("")
        self.more_button.hide()

    # ----------------------------------------------------------------- results
    def show_result(self, result: Any) -> None:
        # Older events asked for the timeline this answer replaces (another event filter, the
        # person before) would be added under the new one.
        self._more_channel.cancel(quiet=True)
        if not isinstance(result, dict) or not result.get("found"):
            self._show_empty()
            message = result.get("message") if isinstance(result, dict) else None
            self.state_bar.set_info(str(message or "No such person."))
            return
        self._shown_person = str(result["id"])
        latest = bool(result.get("latest"))
        self.id_label.setText(str(result["id"]) + ("   (most recently active)" if latest else ""))
        self.first_seen_label.setText(local_time(result.get("first_seen")))
        self.last_seen_label.setText(local_time(result.get("last_seen")))
        self.events_label.setText(f"{int(result.get('events') or 0):,}")
        known = result.get("last_known") or {}
        self.place_label.setText(describe_place(known))
        self.device_label.setText(describe_device(known))
        self.identities.clear()
        for ident in result.get("identities") or []:
            linked = local_time(ident.get("linked_at"))
            self.identities.addItem(f"{ident['id']}" + (f"   linked {linked}" if linked else ""))
        self.traits.clear()
        for key, value in sorted((result.get("traits") or {}).items()):
            item = QTreeWidgetItem(self.traits, [str(key), trait_text(value)])
            item.setToolTip(1, plain_tip(trait_text(value)))
        self._fit_lists()
        self.timeline.clear()
        self._append_timeline(result.get("timeline") or [])
        self._set_next(result.get("next_before_id"))

    #: rows the traits and identities lists show before they scroll (the timeline keeps the rest)
    TRAIT_ROWS, IDENTITY_ROWS = 14, 5

    def _fit_lists(self) -> None:
        """Traits and identities shown whole (up to TRAIT_ROWS / IDENTITY_ROWS rows), not in a
        five-row box with a scroll bar; the trait names' column as wide as the longest."""
        self.traits.resizeColumnToContents(0)
        self.traits.setColumnWidth(0, min(max(self.traits.columnWidth(0) + 12, 90), 220))
        row = self.traits.sizeHintForRow(0) if self.traits.topLevelItemCount() else 18
        shown = min(max(self.traits.topLevelItemCount(), 3), self.TRAIT_ROWS)
        self.traits.setMinimumHeight(self.traits.header().height() + shown * row + 6)
        self._fit_identities()
        self._summary_divider.apply_soon()

    def _fit_identities(self) -> None:
        """The identities' box as tall as its rows (up to IDENTITY_ROWS) and its scroll bar."""
        line = self.identities.sizeHintForRow(0) if self.identities.count() else 18
        lines = min(max(self.identities.count(), 1), self.IDENTITY_ROWS)
        bar = self.identities.horizontalScrollBar()
        height = lines * line + 8 + (bar.sizeHint().height() if bar.maximum() > 0 else 0)
        self.identities.setMaximumHeight(height)
        self.identities.setMinimumHeight(height)

    def _append_timeline(self, rows: list[dict[str, Any]]) -> None:
        items = []
        for row in rows:
            where = ", ".join(str(v) for v in (row.get("$city"), row.get("$country_code")) if v)
            props = row.get("properties") or {}
            details = ", ".join(f"{k}={trait_text(v)}" for k, v in list(props.items())[:4]
                                if not isinstance(v, dict | list))
            item = QTreeWidgetItem([local_time(row.get("time")), event_title(row), where, details])
            item.setData(0, Qt.ItemDataRole.UserRole, row.get("id"))
            item.setToolTip(0, str(row.get("time")))
            fields = QTreeWidgetItem(item, ["fields", ""])
            for key in ("id", "type", "user_id", "anonymous_id", "$browser", "$os", "$device", "$region",
                        "$referring_domain"):
                if row.get(key) is not None:
                    QTreeWidgetItem(fields, [key, trait_text(row.get(key))])
            _add_json(item, "properties", props)
            _add_json(item, "context", row.get("context") or {})
            items.append(item)
        self.timeline.addTopLevelItems(items)
        shown = self.timeline.topLevelItemCount()
        self.timeline_info.setText(f"{shown:,} shown")

    def _set_next(self, before_id: Any) -> None:
        self._next_before = int(before_id) if before_id else None
        self.more_button.setVisible(self._next_before is not None)
        self.more_button.setEnabled(True)
        self.more_button.setText("Load older events")

    def timeline_ids(self) -> list[int]:
        items = (self.timeline.topLevelItem(i) for i in range(self.timeline.topLevelItemCount()))
        return [int(item.data(0, Qt.ItemDataRole.UserRole)) for item in items if item is not None]

    def load_more(self) -> None:
        connection = self.context.connection
        if connection is None or self._next_before is None or self._shown_person is None:
            return
        spec = {"kind": "profile", "user": self._shown_person,
                "timeline": {"limit": self._page, "before_id": self._next_before, "events": self.timeline_events()}}
        self.more_button.setEnabled(False)
        self.more_button.setText("Loading…")
        self._more_channel.submit(connection.query_job(spec))

    @property
    def loading_more(self) -> bool:
        return self._more_channel.busy

    def _on_more(self, result: Any) -> None:
        if not isinstance(result, dict) or not result.get("found") or str(result.get("id")) != self._shown_person:
            return
        self._append_timeline(result.get("timeline") or [])
        self._set_next(result.get("next_before_id"))

    def _on_more_failed(self, info: ErrorInfo) -> None:
        self.more_button.setEnabled(True)
        self.more_button.setText("Load older events")
        self.state_bar.set_error(info.message)

    # ----------------------------------------------------------------- search
    def find_person(self) -> None:
        """Find a person by any id or e-mail prefix; one match opens, several are listed."""
        text = self.search_edit.text().strip()
        connection = self.context.connection
        if not text or connection is None:
            return
        self.find_message.setText("Searching…")
        self.find_message.show()
        self._find_text = text
        self._find_channel.submit(connection.query_job(
            {"kind": "users", "search": text, "limit": 5, "columns": ["email", "name"]}))

    _find_text = ""

    def _on_found(self, result: Any) -> None:
        users = list(result.get("users") or []) if isinstance(result, dict) else []
        total = int(result.get("total") or 0) if isinstance(result, dict) else 0
        if total == 1 and users:
            self.find_message.hide()
            self.show_person(str(users[0]["id"]))
            return
        if not users:
            self.find_message.setText(f"Nobody has the id or an e-mail starting with “{self._find_text}”.")
            return
        names = ", ".join(display_text(str(u["traits"].get("email") or u["id"])) for u in users)
        self.find_message.setText(f"{total:,} persons match: {names}{'…' if total > len(users) else ''} — "
                                  "listed in the User explorer.")
        self.open_users_query.emit({"kind": "users", "search": self._find_text})
