"""The Destinations panel: where each destination of a destinations file has got to, its dead
letters with the answers, and pause / resume / re-send dead letters / replay a range.

Everything it shows and does goes through app.outbound.destinations (the same code as
`tracklens forward`), on the panel's worker, never on the GUI thread: a replay or a re-send
talks to the destination and may wait for its retries. The actions run on a channel of their
own, so a refresh (F5, a new file) meanwhile neither drops what they did nor is held up by
them; Cancel stops a replay or a re-send between batches and says what had been delivered.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from app.outbound.destinations import store
from app.outbound.destinations.config import Destination, DestinationError, load_destinations
from app.outbound.support import unsupported_reason
from app.ui.dialogs.destinations_editor import DestinationsEditor
from app.ui.panel import Panel
from app.ui.plain import DataLabel, plain_items
from app.ui.registry import register_panel
from app.ui.settings import get_json, set_json
from app.ui.widgets.sparkline import ROLE as SPARK_ROLE
from app.ui.widgets.sparkline import SparklineDelegate
from app.ui.widgets.wrap_row import WrapRow

SETTINGS_KEY = "destinations/file"
STATUS_COLUMNS = ("Destination", "Type", "State", "Delivered", "Last 24 h", "Pending", "Lag", "Failing since",
                  "Dead letters", "Last error")
RECENT_COLUMN = STATUS_COLUMNS.index("Last 24 h")
DEAD_COLUMNS = ("Parked", "Events (ids)", "Messages", "Status", "Answer")


def _when(ms: int | None) -> str:
    if ms is None:
        return ""
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _lag(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds:.0f} s" if seconds < 120 else (f"{seconds / 60:.0f} min" if seconds < 7200
                                                     else f"{seconds / 3600:.1f} h")


def _recent_tip(recent: list[int]) -> str:
    """The sparkline's numbers: the last day's total and its busiest half hour."""
    if not any(recent):
        return "Nothing delivered in the last 24 hours"
    busiest = max(range(len(recent)), key=lambda i: recent[i])
    ago = (len(recent) - 1 - busiest) * store.SPARK_BUCKET_MS // 60_000
    when = "the current half hour" if ago == 0 else f"the half hour {_lag(ago * 60.0)} ago"
    return (f"{sum(recent):,} messages delivered in the last 24 hours, one bar per half hour; "
            f"busiest: {recent[busiest]:,} in {when}")


class _StopToken:
    """An action's cancel token, which is its DestinationWorker's `stop`: set, the worker stops
    between batches and out of its waits for a retry."""

    def __init__(self) -> None:
        self.stop = threading.Event()

    def cancel(self) -> None:
        self.stop.set()


def _status(engine: Any, destinations: Any) -> dict[str, Any]:
    """What the tables show: each destination's status row and its open dead letters."""
    rows = [s.to_dict() for s in store.status(engine, destinations)]
    letters = {d.name: [{k: v for k, v in letter.__dict__.items() if k != "messages"}
                        for letter in store.dead_letters(engine, d.name)] for d in destinations}
    return {"status": rows, "dead_letters": letters}


def _load(path: str) -> tuple[list[Destination], dict[str, Any] | None]:
    """The destinations of the file at `path`; or, when it cannot be read or is wrong (a
    DestinationError), none and the empty result that says why, for the panel to show."""
    try:
        return load_destinations(path), None
    except DestinationError as exc:
        return [], {"status": [], "dead_letters": {}, "message": str(exc)}


@register_panel
class DestinationsPanel(Panel):
    panel_id = "destinations"
    title = "Destinations"
    order = 97
    default_area = Qt.DockWidgetArea.RightDockWidgetArea
    saveable = False

    def __init__(self, context: Any, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.file: str | None = get_json(context.settings, SETTINGS_KEY) or None
        top = QHBoxLayout()
        self.file_label = DataLabel("", self.body)
        self.file_label.setObjectName("destinationsFile")
        self.file_label.setWordWrap(True)  # not as wide as its sentence or path
        open_button = QPushButton("Destinations file…", self.body)
        open_button.clicked.connect(self._choose_file)
        self.edit_button = QPushButton("Edit…", self.body)
        self.edit_button.setObjectName("editDestinations")
        self.edit_button.setToolTip("Edit the destinations file (checked before it is saved)")
        self.edit_button.clicked.connect(self.edit_file)
        top.addWidget(self.file_label, 1)
        top.addWidget(open_button)
        top.addWidget(self.edit_button)
        self.body_layout.addLayout(top)

        split = QSplitter(Qt.Orientation.Vertical, self.body)
        self.table = plain_items(QTableWidget(0, len(STATUS_COLUMNS), split))
        self.table.setObjectName("destinationTable")
        self.table.setHorizontalHeaderLabels(list(STATUS_COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._show_dead_letters)
        self.table.setItemDelegateForColumn(RECENT_COLUMN, SparklineDelegate(self.table))
        self.dead = plain_items(QTableWidget(0, len(DEAD_COLUMNS), split))
        self.dead.setObjectName("deadLetterTable")
        self.dead.setHorizontalHeaderLabels(list(DEAD_COLUMNS))
        self.dead.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.dead.horizontalHeader().setStretchLastSection(True)
        self.keep_divider("dead_letters_height", split, 1)
        self.body_layout.addWidget(split, 1)

        actions = WrapRow()  # wraps when narrow: one row asked for 811 px, wider than a laptop's dock
        self.pause_button = QPushButton("Pause", self.body)
        self.resume_button = QPushButton("Resume", self.body)
        self.retry_button = QPushButton("Re-send dead letters", self.body)
        self.from_date = QDateEdit(self.body)
        self.to_date = QDateEdit(self.body)
        for edit in (self.from_date, self.to_date):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(QDate.currentDate())
        self.replay_button = QPushButton("Replay", self.body)
        self.pause_button.clicked.connect(lambda: self._act("pause"))
        self.resume_button.clicked.connect(lambda: self._act("resume"))
        self.retry_button.clicked.connect(lambda: self._act("retry_dead"))
        self.replay_button.clicked.connect(lambda: self._act("replay"))
        self.stop_button = QPushButton("Cancel", self.body)
        self.stop_button.setObjectName("cancelDestinationAction")
        self.stop_button.setToolTip("Stop the replay or re-send after the batch being sent")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop_action)
        for widget in (self.pause_button, self.resume_button, self.retry_button, QLabel("Replay from", self.body),
                       self.from_date, QLabel("to", self.body), self.to_date, self.replay_button, self.stop_button):
            actions.addWidget(widget, keep_with_next=isinstance(widget, QLabel))
        self.body_layout.addLayout(actions)
        self.message = DataLabel("", self.body)  # destination names, errors quoting the file
        self.message.setObjectName("destinationsMessage")
        self.message.setWordWrap(True)
        self.body_layout.addWidget(self.message)
        self._rows: list[dict[str, Any]] = []
        self._letters: dict[str, list[dict[str, Any]]] = {}
        #: What the last action did ("replayed N…"), shown until the next action or file.
        self._action_message = ""
        self._action_token: _StopToken | None = None
        self.action_channel = self.new_channel(token_factory=self._new_action_token)
        self.action_channel.result.connect(self._on_action_done)
        self.action_channel.failed.connect(lambda info: self._action_over(f"⚠ {info.message}"))
        self.action_channel.cancelled.connect(lambda: self._action_over("Cancelled."))
        self.show_retries_of(self.action_channel)
        self._show_file()
        self._enable_actions(True)

    # -- Panel API --------------------------------------------------------------------------------

    def query(self) -> dict[str, Any]:
        return {}

    def set_query(self, spec: dict[str, Any]) -> None:
        return None

    @property
    def acting(self) -> bool:
        """A pause, resume, re-send or replay is running."""
        return self.action_channel.busy

    @property
    def settled(self) -> bool:
        return super().settled and not self.acting

    def cancel(self) -> None:
        super().cancel()
        self.stop_action()

    def connection_changed(self, connection: Any) -> None:
        # The action in flight was stopped and dropped (quietly) with the old connection.
        self._action_over("")

    def stop_action(self) -> None:
        """Stop the running replay or re-send after its current batch; what it had delivered
        is still said (the result comes back, saying it was cancelled)."""
        if self._action_token is not None and self.acting:
            self._action_token.cancel()
            self.stop_button.setEnabled(False)
            self.message.setText(f"{self.message.text().removesuffix('…')}: stopping after the current batch…")

    def set_destinations_file(self, path: str | None) -> None:
        self.file = path
        self._action_message = ""
        set_json(self.context.settings, SETTINGS_KEY, path)
        self._show_file()
        self.refresh()

    def refresh(self) -> None:
        self._refresh_timer.stop()
        if self.context.connection is None:
            return
        if self.show_unavailable(unsupported_reason(self.context.connection.engine, "Destinations")):
            return
        if not self.file:
            self.clear()
            self.mark_ready()
            return
        self._run()

    def clear(self) -> None:
        self.table.setRowCount(0)
        self.dead.setRowCount(0)
        self._rows = []
        self._letters = {}
        self._enable_actions(not self.acting)

    def show_result(self, result: Any) -> None:
        self._rows = result["status"]
        self._letters = result["dead_letters"]
        if result.get("message") or not self.acting:  # (else the running action says what it does)
            self.message.setText(result.get("message") or self._action_message)
        selected = self.selected_name()
        self.table.setRowCount(len(self._rows))
        for r, row in enumerate(self._rows):
            state = "paused" if row["paused"] else ("failing" if row["failing_since"] else
                                                    ("active" if row["active"] else "idle"))
            recent = [int(n) for n in row.get("recent") or ()]
            cells = (row["name"], row["type"], state, str(row["delivered"]), str(sum(recent)), str(row["pending"]),
                     _lag(row["lag_seconds"]), _when(row["failing_since"]), str(row["dead_letters"]),
                     row["last_error"] or "")
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == RECENT_COLUMN:
                    item.setData(SPARK_ROLE, recent)
                    item.setToolTip(_recent_tip(recent))
                self.table.setItem(r, c, item)
            if row["name"] == selected:
                self.table.selectRow(r)
        if selected is None and self._rows:
            self.table.selectRow(0)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(RECENT_COLUMN, max(self.table.columnWidth(RECENT_COLUMN), 150))
        self._show_dead_letters()

    # -- internals ----------------------------------------------------------------------------------

    def selected_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self._rows):
            return None
        return str(self._rows[rows[0].row()]["name"])

    def _show_file(self) -> None:
        self.file_label.setText(self.file or "No destinations file chosen: pick one to see its destinations.")

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Destinations file", "", "JSON (*.json);;All files (*)")
        if path:
            self.set_destinations_file(path)

    def edit_file(self) -> DestinationsEditor:
        """Edit (or create) the destinations file; on save, show what it now holds."""
        editor = DestinationsEditor(self.file, self)
        editor.accepted.connect(lambda: self.set_destinations_file(editor.path))
        editor.open()
        return editor

    def _show_dead_letters(self) -> None:
        self._enable_actions(not self.acting)
        letters = self._letters.get(self.selected_name() or "", [])
        self.dead.setRowCount(len(letters))
        for r, letter in enumerate(letters):
            cells = (_when(letter["created_at"]), f"{letter['first_id']}–{letter['last_id']}", str(letter["count"]),
                     "" if letter["status"] is None else str(letter["status"]), letter["answer"] or "")
            for c, text in enumerate(cells):
                self.dead.setItem(r, c, QTableWidgetItem(text))
        self.dead.resizeColumnsToContents()

    def _act(self, action: str) -> None:
        name = self.selected_name()
        if name is None or self.context.connection is None:
            self.message.setText("Select a destination first.")
            return
        if not self.file:
            return
        q_start, q_end = self.from_date.date(), self.to_date.date()
        start = dt.date(q_start.year(), q_start.month(), q_start.day())
        end = dt.date(q_end.year(), q_end.month(), q_end.day())
        engine = self.context.connection.engine
        path = self.file

        def job(token: _StopToken) -> dict[str, Any]:
            from app.outbound.destinations.forwarder import STOPPED, DestinationWorker

            destinations, unreadable = _load(path)
            if unreadable is not None:
                return unreadable
            dest = next((d for d in destinations if d.name == name), None)
            if dest is None:
                message = f"{name} is no longer in the destinations file"
            elif action in ("pause", "resume"):
                store.set_paused(engine, name, action == "pause")
                message = f"{name}: {'paused' if action == 'pause' else 'resumed'}"
            else:
                worker = DestinationWorker(engine, dest, max_attempts=3, stop=token.stop)
                try:
                    if action == "retry_dead":
                        summary = worker.retry_dead()
                        message = f"{name}: re-sent {summary.sent} message(s), {summary.dead} refused again"
                    else:
                        lo = dt.datetime.combine(start, dt.time(), dt.UTC)
                        hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)
                        summary = worker.replay(int(lo.timestamp() * 1000), int(hi.timestamp() * 1000))
                        message = f"{name}: replayed {summary.sent} message(s) from {start} to {end}"
                finally:  # its clients (httpx's, and direct.py's kept-alive connection); no cursor to release
                    worker.client.close()
                    if worker.direct is not None:
                        worker.direct.close()
                if summary.outcome == STOPPED:
                    message += (", then cancelled (the rest was not sent)" if token.stop.is_set()
                                else ", stopped: the destination is failing")
            return {**_status(engine, destinations), "message": message}

        for button in self._action_buttons():
            button.setEnabled(False)
        self.stop_button.setEnabled(action in ("retry_dead", "replay"))
        doing = {"pause": "pausing", "resume": "resuming", "retry_dead": "re-sending its dead letters",
                 "replay": f"replaying {start} to {end}"}[action]
        self.message.setText(f"{name}: {doing}…")
        self.action_channel.submit(job)

    def _new_action_token(self) -> _StopToken:
        self._action_token = _StopToken()
        return self._action_token

    def _action_buttons(self) -> tuple[QPushButton, ...]:
        return (self.pause_button, self.resume_button, self.retry_button, self.replay_button)

    def _enable_actions(self, idle: bool) -> None:
        """Pause, Resume, Re-send and Replay act on the selected destination: with none (no
        file chosen, or a file without destinations) they did nothing but say 'Select a
        destination first.', with nothing there to select."""
        enabled = idle and self.selected_name() is not None
        for button in self._action_buttons():
            button.setEnabled(enabled)

    def _on_action_done(self, result: dict[str, Any]) -> None:
        self._action_over(result["message"])
        self.show_result(result)

    def _action_over(self, message: str) -> None:
        self._action_message = message
        self.message.setText(message)
        self._enable_actions(True)
        self.stop_button.setEnabled(False)

    def _run(self) -> None:
        connection = self.context.connection
        if connection is None or not self.file:
            return
        engine = connection.engine
        path = self.file

        def job(token: Any) -> dict[str, Any]:
            destinations, unreadable = _load(path)
            if unreadable is not None:
                return unreadable
            return {**_status(engine, destinations), "message": ""}

        self.run_job(job)
