"""The base class of every analysis panel (Segmentation, Live View, Funnels, Users, ...).

A panel is a QWidget the main window puts in its own QDockWidget. It owns one query (a
JSON-able dict, the same the CLI's `tracklens query --spec` accepts), runs it through a
QueryChannel off the GUI thread, and shows busy, error and reconnecting states in its own
StateBar. Subclasses implement `query`, `set_query` and `show_result`; see docs/ui.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from app.ui.connection import Connection
from app.ui.context import AppContext
from app.ui.errors import ErrorInfo
from app.ui.pacing import result_pacer
from app.ui.widgets.state_bar import StateBar
from app.ui.workers import Job, QueryChannel, TokenFactory, default_token_factory

#: Busy indicators appear only for queries slower than this, so fast ones do not flicker.
BUSY_DELAY_MS = 150


#: A divider's default place: the splitter's first sizes (as given to `setSizes`), or a function
#: of the splitter's length giving the kept pane's size there (None: the splitter's own share
#: stands), computed again after each resize of the splitter until the user moves the handle.
DividerDefault = list[int] | Callable[[int], int | None] | None


class KeptDivider(QObject):
    """The divider of a two-pane splitter where the user dragged it, kept as the size of one pane
    (`pane`: the one that does not stretch, the controls column, the table under a chart; 0 when
    they collapsed it). It is re-applied after each resize and relayout: sizes given before the
    splitter has its size, or while a pane is hidden, would be shared out again by the splitter.
    Until the user moves it (and after Reset layout) the divider is at its default place:
    `default` as sizes; or, as a function, computed again after each resize of the splitter (the
    profile's summary fitted to its rows, the User explorer's 430 px or what the persons leave,
    the Messages' list fitted to its buttons); or else the share of the panes' stretch factors.

    A burst of resizes and relayouts applies once (one zero-time timer, restarted), and sizes
    are set only when they differ from the wanted ones: a refused size (a pane's minimum) moves
    nothing, so it asks for no new relayout."""

    def __init__(self, splitter: QSplitter, pane: int, default: DividerDefault = None) -> None:
        super().__init__(splitter)
        self.splitter = splitter
        self.pane = pane
        self.default = default
        #: The kept pane's size where the user left it; None until they move the handle.
        self.size: int | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.apply)
        if isinstance(default, list):
            splitter.setSizes(default)
        splitter.splitterMoved.connect(self._moved)
        splitter.installEventFilter(self)

    def _moved(self, _pos: int, _index: int) -> None:
        self.size = self.splitter.sizes()[self.pane]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        kept = self.size is not None and kind in (QEvent.Type.Resize, QEvent.Type.LayoutRequest, QEvent.Type.Show)
        if kept or (kind == QEvent.Type.Resize and callable(self.default)):
            self.apply_soon()  # after the splitter shared out its new size
        return False

    def apply_soon(self) -> None:
        """Apply once the splitter has its size and its panes their new hints."""
        self._timer.start(0)

    def apply(self) -> None:
        """The kept pane as big as the user made it (or at its computed default), the other one
        the rest (when it fits)."""
        splitter, want = self.splitter, self.size
        if any(pane is None or pane.isHidden() for pane in self._panes()):
            return
        sizes = splitter.sizes()
        total = sum(sizes)
        if want is None and callable(self.default):
            want = self.default(total)
        if want is None or len(sizes) != 2 or not 0 <= want < total or sizes[self.pane] == want:
            return
        splitter.setSizes([want, total - want] if self.pane == 0 else [total - want, want])

    def forget(self) -> None:
        """Back to the default place (View → Reset layout)."""
        if self.size is not None:
            self.size = None
            if isinstance(self.default, list):
                self.splitter.setSizes(self.default)
                return
            total = sum(self.splitter.sizes())
            across = self.splitter.orientation() == Qt.Orientation.Horizontal
            stretch = [1 if pane is None else max(pane.sizePolicy().horizontalStretch() if across
                                                  else pane.sizePolicy().verticalStretch(), 1)
                       for pane in self._panes()]
            self.splitter.setSizes([total * share // sum(stretch) for share in stretch])
        if callable(self.default):
            self.apply()  # the computed default now, and again once the window has its size
            self.apply_soon()

    def _panes(self) -> list[QWidget | None]:
        return [self.splitter.widget(i) for i in range(self.splitter.count())]


class Panel(QWidget):
    """Subclass, set the class attributes, and decorate with `@register_panel`."""

    #: Stable identifier: the dock's objectName, the settings key, the screenshot file name.
    panel_id: ClassVar[str] = ""
    #: Shown on the dock's title bar and in the View menu.
    title: ClassVar[str] = ""
    #: Where the default layout docks it; panels in the same area are tabified.
    default_area: ClassVar[Qt.DockWidgetArea] = Qt.DockWidgetArea.LeftDockWidgetArea
    #: Sort key for the View menu and the default tab order.
    order: ClassVar[int] = 100
    #: Panels that can show a person (User profile) set this and implement `show_person`.
    accepts_person: ClassVar[bool] = False
    #: Panels that can list a users query (User explorer) set this and implement `show_users_query`.
    accepts_users_query: ClassVar[bool] = False
    #: Whether Ctrl+S may save this panel's query as a report.
    saveable: ClassVar[bool] = True
    #: Panels whose pickers the window's discovery fills (event and property names) show its
    #: lost connection in their state bar while it retries, as their own side queries'.
    shows_discovery: ClassVar[bool] = False

    #: Ask the window to open a person's profile (any of their ids).
    open_person = Signal(str)
    #: Ask the window to list the persons of a `{"kind": "users", ...}` query.
    open_users_query = Signal(dict)
    #: A short status for the window's status bar (Live View's polling state).
    status_text = Signal(str)
    #: The user changed the query (not yet answered).
    query_edited = Signal()
    #: A query finished: True with a result shown, False when it failed.
    query_finished = Signal(bool)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.panel_id)
        self.context = context
        self.state_bar = StateBar(self)
        self.body = QWidget(self)
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 0, 0)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.setSpacing(4)
        outer.addWidget(self.state_bar)
        outer.addWidget(self.body, 1)

        self._channels: list[QueryChannel] = []
        #: Channels of others (the discovery cache's) whose retries this panel shows.
        self._watched: list[QueryChannel] = []
        self.channel = self.new_channel()
        self._finished_once = False
        self._last_error: str | None = None
        self._last_result: Any = None
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.timeout.connect(self._show_busy)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.timeout.connect(self._on_edits_settled)
        #: Edit > Undo/Redo of this panel's query edits (the window's QUndoGroup holds it).
        self.undo_stack = QUndoStack(self)
        self._undo_query: dict[str, Any] | None = None
        self._undoing = False
        #: The panel's own dividers by their layout_state key (keep_divider).
        self._dividers: dict[str, KeptDivider] = {}

        self.state_bar.retry_clicked.connect(self._retry)
        self.state_bar.cancel_clicked.connect(self.cancel)
        context.connection_changed.connect(self._on_connection_changed)
        context.connecting.connect(self._on_connecting)
        context.connect_failed.connect(self._on_connect_failed)
        if self.shows_discovery:
            for channel in context.discovery.channels:
                self.show_retries_of(channel)
        if context.connection is None:
            self.state_bar.set_info("Not connected to a database.")

    # ----------------------------------------------------------------- subclass API
    def query(self) -> dict[str, Any]:
        """The panel's current query as JSON-able dict (what Ctrl+S saves)."""
        raise NotImplementedError

    def set_query(self, spec: dict[str, Any]) -> None:
        """Show `spec` in the panel's controls (restoring a saved report); does not run it."""
        raise NotImplementedError

    def saved_query(self) -> dict[str, Any]:
        """What a saved report holds: the query, less what moves by itself (Live View's cursor)."""
        return self.query()

    def ui_state(self) -> dict[str, Any]:
        """View options that are not part of the query (chart type, column widths), JSON-able."""
        return {}

    def set_ui_state(self, state: dict[str, Any]) -> None:
        """Restore what `ui_state` returned."""

    def layout_state(self) -> dict[str, Any]:
        """Where the user put the panel's own dividers, JSON-able: saved with the window's layout
        (not in reports, which another screen opens), restored at the next start."""
        return {key: divider.size for key, divider in self._dividers.items() if divider.size is not None}

    def set_layout_state(self, state: dict[str, Any]) -> None:
        """Restore what `layout_state` returned; {} is the default layout."""
        for key, divider in self._dividers.items():
            size = state.get(key)
            if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
                divider.size = size
                divider.apply_soon()  # once the splitter has its size
            else:
                divider.forget()

    def keep_divider(self, key: str, splitter: QSplitter, pane: int,
                     default: DividerDefault = None) -> KeptDivider:
        """Keep `splitter`'s divider where the user drags it, across restarts (layout_state under
        `key`: the size of `pane`, the pane that does not stretch); `default`: its first sizes,
        or the function giving `pane`'s size for the splitter's length until the user drags."""
        divider = self._dividers[key] = KeptDivider(splitter, pane, default)
        return divider

    def show_result(self, result: Any) -> None:
        """Present a result of `query()`; runs on the GUI thread."""
        raise NotImplementedError

    def clear(self) -> None:
        """Forget shown results (the database changed or closed)."""

    def connection_changed(self, connection: Connection | None) -> None:
        """Hook: a new database is open (or none); the base class then calls `refresh`."""

    def show_person(self, person_id: str) -> None:
        """Panels with `accepts_person` show this person."""
        raise NotImplementedError

    def show_users_query(self, spec: dict[str, Any]) -> None:
        """Panels with `accepts_users_query` list the persons of this query."""
        raise NotImplementedError

    def refresh(self) -> None:
        """Run the current query again (F5). Subclasses with several queries override this."""
        self._refresh_timer.stop()
        if self.context.connection is None:
            return
        self.run_query(self.query())

    # ----------------------------------------------------------------- helpers
    @property
    def connection(self) -> Connection | None:
        return self.context.connection

    def database_empty(self) -> bool:
        """The open database has no events at all (as far as the pickers' discovery knows)."""
        discovery = self.context.discovery
        return bool(discovery.loaded_events) and not discovery.events()

    def display_url(self) -> str | None:
        connection = self.context.connection
        return connection.display_url if connection is not None else None

    @property
    def finished_once(self) -> bool:
        """True once a query of this panel finished (ok or failed) on the current database."""
        return self._finished_once

    @property
    def last_error(self) -> str | None:
        return self._last_error

    @property
    def last_result(self) -> Any:
        return self._last_result

    @property
    def busy(self) -> bool:
        return self.channel.busy

    @property
    def settled(self) -> bool:
        """Nothing running, no answer queued for its turn (app.ui.pacing) and nothing still being
        drawn (panels that draw in steps extend this)."""
        return not self.channel.busy and not result_pacer().pending(self)

    def new_channel(self, token_factory: TokenFactory = default_token_factory) -> QueryChannel:
        """A channel bound to this panel's connection; for panels with side queries (and jobs
        that stop on a token of their own, `token_factory`, rather than the query engine's)."""
        connection = self.context.connection
        channel = QueryChannel(connection.pool if connection else None, token_factory=token_factory, parent=self)
        self._channels.append(channel)
        return channel

    def show_retries_of(self, channel: QueryChannel) -> None:
        """A side query's lost connection shows in the state bar while the channel retries it,
        as the main query's does (rows of '…' with an idle bar said nothing)."""
        channel.reconnecting.connect(self._on_reconnecting)
        channel.recovered.connect(self._on_side_recovered)
        channel.retries_stopped.connect(self._on_retries_stopped)
        if channel not in self._channels:
            self._watched.append(channel)

    def _on_retries_stopped(self) -> None:
        """A query that lost its connection was cancelled (Cancel export, another person, a new
        filter) before the server came back: unless another of the panel's queries still waits
        for it, nothing is reconnecting any more, and the bar must not say 'next try in N s'."""
        if any(channel.waiting_for_server for channel in [*self._channels, *self._watched]):
            return
        if self.state_bar.state == StateBar.RECONNECTING:
            self.state_bar.set_idle()
        self._on_recovered()  # the connection's state: nothing of this panel is retrying

    def _on_side_recovered(self) -> None:
        self._on_recovered()
        if self.state_bar.state == StateBar.RECONNECTING:
            self.state_bar.set_idle()

    # ----------------------------------------------------------------- undo / redo
    #: query edits can be undone
    undoable = True

    def undo_query(self) -> dict[str, Any]:
        """What an undo step records: the query, less what moves by itself (Live View's cursor)."""
        return self.query()

    def note_query(self) -> None:
        """Record the panel's query as the latest state: a change since the last one becomes one
        step of Edit > Undo (a burst of control changes settles into one step)."""
        if not self.undoable:
            return
        try:
            spec = self.undo_query()
        except (ValueError, KeyError, TypeError, NotImplementedError):
            return  # a half-edited query: recorded once it is whole
        before = self._undo_query
        self._undo_query = spec
        if self._undoing or before is None or before == spec:
            return
        self.undo_stack.push(_QueryEdit(self, before, spec))

    def apply_undo(self, spec: dict[str, Any]) -> None:
        """Show `spec` (an undone or redone edit) and answer it, without recording a new step."""
        self._undoing = True
        try:
            self.set_query(spec)
            self._undo_query = self.undo_query()
        finally:
            self._undoing = False
        self._refresh_timer.stop()
        self.refresh()

    def _on_edits_settled(self) -> None:
        self.note_query()
        self.refresh()

    def schedule_refresh(self, delay_ms: int = 250) -> None:
        """Collapse a burst of control changes into one query (restarted on each call)."""
        self.query_edited.emit()
        self._refresh_timer.start(delay_ms)

    def run_query(self, spec: dict[str, Any]) -> None:
        """Answer `spec` with the query engine; the result goes to `show_result`."""
        if self.undoable and not self._undoing:
            self.note_query()
        connection = self.context.connection
        if connection is None:
            self.state_bar.set_info("Not connected to a database.")
            return
        self.run_job(self.query_job(connection, spec))
        self._pending_spec = spec

    def query_job(self, connection: Connection, spec: dict[str, Any]) -> Job:
        """The job answering `spec` (a panel that needs more than the engine's answer adds it)."""
        return connection.query_job(spec)

    def run_job(self, job: Job) -> None:
        """Run any `job(token)` on the panel's channel, superseding the one in flight and an
        older answer still waiting for its turn to be shown (it would be shown, and reported
        finished, after the newer request was made)."""
        result_pacer().discard(self)
        self._pending_spec = None
        self._wire_channel()
        self.channel.submit(job)

    def cancel(self) -> None:
        self._refresh_timer.stop()
        result_pacer().discard(self)
        self.channel.cancel()

    def mark_ready(self) -> None:
        """For panels with nothing to ask yet (a profile with no person chosen): count as
        finished, so `--screenshot` and tests do not wait for a query that never comes."""
        self.state_bar.set_idle()
        self._finished_once = True
        self.query_finished.emit(True)

    def show_unavailable(self, reason: str | None) -> bool:
        """With a reason: the panel cannot work on this database (Messages on ClickHouse). Its
        controls are disabled and the reason stays in the state bar; True then. None: enable
        them again (another database), False."""
        for child in self.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if child is not self.state_bar:
                child.setEnabled(reason is None)
        if reason is None:
            return False
        self.clear()
        self.mark_ready()
        self.state_bar.set_info(reason)
        return True

    # ----------------------------------------------------------------- internals
    _wired = False
    _pending_spec: dict[str, Any] | None = None
    #: The spec whose answer is shown (None after `run_job` results and before any result).
    last_result_spec: dict[str, Any] | None = None

    def _wire_channel(self) -> None:
        if self._wired:
            return
        self._wired = True
        self.channel.busy_changed.connect(self._on_busy_changed)
        self.channel.result.connect(self._on_result)
        self.channel.failed.connect(self._on_failed)
        self.channel.cancelled.connect(self._on_cancelled)
        self.channel.reconnecting.connect(self._on_reconnecting)
        self.channel.recovered.connect(self._on_recovered)
        self.channel.retries_stopped.connect(self._on_retries_stopped)

    def _on_busy_changed(self, busy: bool) -> None:
        if busy:
            if self.state_bar.state != StateBar.RECONNECTING:
                self._busy_timer.start(BUSY_DELAY_MS)
        else:
            self._busy_timer.stop()

    def _show_busy(self) -> None:
        if self.channel.busy and self.state_bar.state != StateBar.RECONNECTING:
            # Over a result already shown the bar floats: the result must not jump down and
            # back up (and the whole panel relayout: ~10 ms) on every change of the query.
            self.state_bar.set_busy(floating=self._last_result is not None)

    def _on_result(self, result: Any) -> None:
        # Shown in a turn of its own: several panels answering at once do not add up to one
        # long pause (app.ui.pacing).
        self._busy_timer.stop()
        spec = self._pending_spec
        result_pacer().submit(self, lambda: self._show_result_now(result, spec))

    def _show_result_now(self, result: Any, spec: dict[str, Any] | None) -> None:
        self.state_bar.set_idle()
        self._last_error = None
        self._last_result = result
        self.last_result_spec = spec
        self.show_result(result)
        self._finished_once = True
        self.query_finished.emit(True)

    def _on_failed(self, info: ErrorInfo) -> None:
        self._busy_timer.stop()
        result_pacer().discard(self)
        self._last_error = info.message
        self.state_bar.set_error(info.message)
        self._finished_once = True
        self.query_finished.emit(False)

    def _on_cancelled(self) -> None:
        self._busy_timer.stop()
        self.state_bar.set_error("Query cancelled.", retry=True)

    def _on_reconnecting(self, seconds: float) -> None:
        self._busy_timer.stop()
        self.state_bar.set_reconnecting(seconds)
        if self.context.connection is not None:
            self.context.connection.set_state("reconnecting")

    def _on_recovered(self) -> None:
        if self.context.connection is not None:
            self.context.connection.set_state("connected")

    def _retry(self) -> None:
        if self.state_bar.state == StateBar.RECONNECTING:
            # The bar may be saying a side query's lost connection (show_retries_of): Retry tries
            # the queries waiting for their next try now, not the main one again.
            waiting = [channel for channel in [*self._channels, *self._watched] if channel.retrying]
            for channel in waiting or [self.channel]:
                channel.retry_now()
        elif self.context.connection is None:
            self.context.reconnect_requested.emit()
        else:
            self.refresh()

    def _on_connection_changed(self, connection: Connection | None) -> None:
        result_pacer().discard(self)
        for channel in self._channels:
            channel.set_pool(connection.pool if connection is not None else None)
        self._finished_once = False
        self._last_error = None
        self._last_result = None
        self._refresh_timer.stop()
        self.clear()
        self.connection_changed(connection)
        if connection is None:
            self.state_bar.set_info("Not connected to a database.")
            return
        self.state_bar.set_idle()
        self.refresh()

    def _on_connecting(self, message: str, fraction: object) -> None:
        self.state_bar.set_progress(message, fraction if isinstance(fraction, float) else None)

    def _on_connect_failed(self, message: str) -> None:
        window = self.window()
        creatable = getattr(window, "creatable_url", None) is not None
        self.state_bar.set_error(message, retry=True,
                                 retry_label="Create an empty database here" if creatable else "Retry")


class _QueryEdit(QUndoCommand):
    """One settled change of a panel's query: undo shows the query before it, redo the one after."""

    def __init__(self, panel: Panel, before: dict[str, Any], after: dict[str, Any]) -> None:
        super().__init__(f"{panel.title} query change")
        self.panel = panel
        self.before = before
        self.after = after
        self._pushed = True

    def undo(self) -> None:
        self.panel.apply_undo(self.before)

    def redo(self) -> None:
        if self._pushed:  # QUndoStack.push runs redo(): the panel already shows the edit
            self._pushed = False
            return
        self.panel.apply_undo(self.after)
