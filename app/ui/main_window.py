"""The main window: registered panels in dock widgets, menus, status bar, saved layout.

The window opens databases off the GUI thread, hands the connection to the panels through
the AppContext, and routes panel requests (open a person, list a users query) to the panel
that accepts them. Layout and each panel's last query are saved in QSettings; the layout
carries a version so that an incompatible saved state falls back to the default layout
(Spyder's WINDOW_STATE_VERSION habit).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QByteArray, QRect, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QGuiApplication,
    QKeySequence,
    QResizeEvent,
    QScreen,
    QUndoGroup,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.core.database import open_database
from app.core.errors import NoTracklensDatabase
from app.core.paths import demo_db_path
from app.core.schema import SCHEMA_VERSION
from app.ui import settings as cfg
from app.ui import theme
from app.ui.connection import Connection
from app.ui.context import AppContext
from app.ui.dialogs.show_query import ShowQueryDialog
from app.ui.errors import ErrorInfo
from app.ui.panel import Panel
from app.ui.panels import load_ui_modules
from app.ui.plain import DataLabel, DataStatusBar, window_title
from app.ui.registry import extensions, panel_classes
from app.ui.widgets.wrap_row import WrapRow
from app.ui.workers import QueryChannel, SimpleToken, WorkerPool

if TYPE_CHECKING:
    from app.demo.generator import DemoHeadStart

log = logging.getLogger(__name__)

#: Bump when docks are renamed or the default arrangement changes incompatibly.
STATE_VERSION = 1
DEFAULT_SIZE = (1760, 900)
GEOIP_ATTRIBUTION_FALLBACK = "IP geolocation by DB-IP (db-ip.com), CC BY 4.0"


def geoip_attribution() -> str:
    try:
        from app.ingest.enrich import GEOIP_ATTRIBUTION
    except ImportError:
        return GEOIP_ATTRIBUTION_FALLBACK
    return str(GEOIP_ATTRIBUTION)


class _Opening:
    """One database being opened: the engine it makes goes to the window, unless the open was
    superseded first (another database chosen, the window closed), in which case the engine is
    disposed, by whichever of the worker and the GUI thread comes second, so that a superseded
    open keeps no connection (nor a chDB folder's lock) in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._abandoned = False
        self._engine: Any = None

    @property
    def abandoned(self) -> bool:
        return self._abandoned

    def made(self, engine: Any) -> Any:
        """The worker made `engine`: kept for the window, or disposed (None) if abandoned."""
        with self._lock:
            if not self._abandoned:
                self._engine = engine
                return engine
        engine.dispose()
        return None

    def abandon(self) -> None:
        """Nobody wants this open any more (GUI thread): dispose what it made or will make."""
        with self._lock:
            self._abandoned = True
            engine, self._engine = self._engine, None
        if engine is not None:
            engine.dispose()


def _scrolling(panel: QWidget) -> QScrollArea:
    """`panel` in a frameless scroll area that gives it the dock's size when it can. A dock is at
    least as wide as its panel, so tabbed panels added their widest: the window could not be
    narrower than 1,724 px (Funnels' 999 beside Destinations' 725) and ran off a 1280 or 1366 px
    laptop screen. A panel now scrolls within a narrower dock instead."""
    holder = QScrollArea()
    holder.setObjectName(f"scroll_{panel.objectName()}")
    holder.setFrameShape(QFrame.Shape.NoFrame)
    holder.setWidgetResizable(True)
    holder.setWidget(panel)
    return holder


def _beside(row: WrapRow, panel: QWidget) -> int:
    """The width `panel` needs beside `row`: the margins around it and the minimum width of what
    shares a splitter with it (a controls column)."""
    width = 0
    widget = row.parentWidget()
    while widget is not None:
        layout = widget.layout()
        if layout is not None:
            margins = layout.contentsMargins()
            width += margins.left() + margins.right()
        parent = widget.parentWidget()
        if widget is panel or parent is None:
            break
        if isinstance(parent, QSplitter):
            others = [other for i in range(parent.count())
                      if (other := parent.widget(i)) is not None and other is not widget and not other.isHidden()]
            width += sum(other.minimumSizeHint().width() + parent.handleWidth() for other in others)
        widget = parent
    return width


class MainWindow(QMainWindow):
    """Build with a QSettings (tests pass one in a temp folder), then `open_database(url)`."""

    #: The database the window is connected to changed (Connection or None).
    connection_changed = Signal(object)
    #: Creating the demo database finished (ok) or failed.
    demo_ready = Signal(bool)

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.setWindowTitle("Tracklens")
        self.setStatusBar(DataStatusBar(self))  # its messages quote names, ids, paths
        self.settings = settings if settings is not None else cfg.open_settings()
        self.context = AppContext(self.settings, self)
        self.context.reconnect_requested.connect(self.reconnect)
        self.context.notice.connect(lambda text: self.statusBar().showMessage(text, 60_000))
        self.panels: dict[str, Panel] = {}
        self.docks: dict[str, QDockWidget] = {}
        #: False for `--screenshot`: rendering docs must not change the user's last database.
        self.remember_connections = True
        #: Part 2 installs the Ctrl+S behaviour here: `handler(panel)`.
        self.save_report_handler: Callable[[Panel], None] | None = None
        self._focused_panel: Panel | None = None
        self._pending_url: str | None = None
        self._pending_is_demo = False
        self._simulator: Any = None
        self._opener_pool = WorkerPool(max_threads=1, parent=self)
        self._opening: _Opening | None = None  # the open in flight, handed over in _on_opened
        self._opener = QueryChannel(self._opener_pool, token_factory=SimpleToken, parent=self)
        self._opener.result.connect(self._on_opened)
        self._opener.failed.connect(self._on_open_failed)
        self._opener.reconnecting.connect(self._on_open_retrying)

        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.AllowNestedDocks
        )
        self.setDocumentMode(True)
        load_ui_modules()
        self._build_panels()
        self._build_actions()
        self._build_status_bar()
        self._default_state = self.saveState(STATE_VERSION)
        self.resize(*DEFAULT_SIZE)
        self.restore_settings()
        problem = cfg.settings_problem(self.settings)
        if problem:
            self.statusBar().showMessage(problem, 60000)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)
        for extension in extensions():
            extension(self)

    # ----------------------------------------------------------------- construction
    def _build_panels(self) -> None:
        first_in_area: dict[Qt.DockWidgetArea, QDockWidget] = {}
        for cls in panel_classes():
            panel = cls(self.context)
            dock = QDockWidget(cls.title, self)
            dock.setObjectName(f"dock_{cls.panel_id}")
            dock.setWidget(_scrolling(panel))
            dock.setFeatures(
                QDockWidget.DockWidgetFeature.DockWidgetClosable
                | QDockWidget.DockWidgetFeature.DockWidgetMovable
                | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            )
            area = cls.default_area
            self.addDockWidget(area, dock)
            if area in first_in_area:
                self.tabifyDockWidget(first_in_area[area], dock)
            else:
                first_in_area[area] = dock
            self.panels[cls.panel_id] = panel
            self.docks[cls.panel_id] = dock
            panel.open_person.connect(self.show_person)
            panel.open_users_query.connect(self.show_users_query)
            panel.status_text.connect(lambda text, pid=cls.panel_id: self._on_panel_status(pid, text))
            panel.query_finished.connect(self._on_query_finished)
        self._front_docks = list(first_in_area.values())
        for dock in self._front_docks:
            dock.raise_()
        left = first_in_area.get(Qt.DockWidgetArea.LeftDockWidgetArea)
        right = first_in_area.get(Qt.DockWidgetArea.RightDockWidgetArea)
        self._sides = (left, right) if left is not None and right is not None else None
        if left is not None and right is not None:
            # Each side in proportion to the width its widest panel needs (with scrolling panels
            # a dock no longer insists on it) with its toolbars on one row: at the default size
            # every panel has its width and no toolbar wraps.
            left_need, right_need = self._widest(left, unwrapped=True), self._widest(right, unwrapped=True)
            width = DEFAULT_SIZE[0] * left_need // (left_need + right_need)
            self.resizeDocks([left, right], [width, DEFAULT_SIZE[0] - width], Qt.Orientation.Horizontal)

    def _widest(self, side: QDockWidget, *, unwrapped: bool = False) -> int:
        """The minimum width of the widest panel in `side`'s dock area; `unwrapped`: with its
        wrapping toolbars (WrapRow) on one row."""
        def need(panel: QWidget) -> int:
            rows = panel.findChildren(WrapRow) if unwrapped else []
            return max([panel.minimumSizeHint().width(), *(row.sizeHint().width() + _beside(row, panel) for row in rows)])

        area = self.dockWidgetArea(side)
        return max(need(self.panels[pid]) for pid, dock in self.docks.items() if self.dockWidgetArea(dock) == area)

    def _keep_panels_whole(self) -> None:
        """After a resize, move the separator between the two dock areas so each is at least as
        wide as its widest panel when the window has room for both. Both areas shrank alike:
        at 1366 x 768 Messages scrolled sideways (20 px) beside a left side with 62 px to spare."""
        if self._sides is None:
            return
        left, right = self._sides
        if (left.isFloating() or right.isFloating() or not left.isVisible() or not right.isVisible()
                or self.dockWidgetArea(left) == self.dockWidgetArea(right)):
            return
        needs = [self._widest(dock) + dock.width() - cast(QScrollArea, dock.widget()).viewport().width()
                 for dock in (left, right)]
        widths = [left.width(), right.width()]
        if all(w >= n for w, n in zip(widths, needs, strict=True)) or sum(needs) > sum(widths):
            return
        width = max(needs[0], min(widths[0], sum(widths) - needs[1]))
        self.resizeDocks([left, right], [width, sum(widths) - width], Qt.Orientation.Horizontal)

    def _build_actions(self) -> None:
        menu_bar = self.menuBar()
        file_menu = menu_bar.addMenu("&File")
        self.connect_action = QAction("&Connect to database…", self)
        self.connect_action.setShortcut(QKeySequence.StandardKey.Open)
        self.connect_action.triggered.connect(self.show_connect_dialog)
        file_menu.addAction(self.connect_action)
        self.open_demo_action = QAction("Open the &demo database", self)
        self.open_demo_action.triggered.connect(self.open_demo)
        file_menu.addAction(self.open_demo_action)
        file_menu.addSeparator()
        self.save_report_action = QAction("&Save report…", self)
        self.save_report_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_report_action.triggered.connect(self.save_report)
        file_menu.addAction(self.save_report_action)
        file_menu.addSeparator()
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)
        self.file_menu = file_menu

        edit_menu = menu_bar.addMenu("&Edit")
        self.undo_group = QUndoGroup(self)
        for panel in self.panels.values():
            self.undo_group.addStack(panel.undo_stack)
        self.undo_action = self.undo_group.createUndoAction(self, "&Undo")
        self.undo_action.setObjectName("undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_group.createRedoAction(self, "&Redo")
        self.redo_action.setObjectName("redo")
        self.redo_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Redo), QKeySequence("Ctrl+Y")])
        first = next(iter(self.panels.values()), None)
        if first is not None:
            self.undo_group.setActiveStack(first.undo_stack)
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        self.edit_menu = edit_menu

        view_menu = menu_bar.addMenu("&View")
        self.refresh_action = QAction("&Refresh panel", self)
        self.refresh_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.refresh_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.refresh_action.triggered.connect(self.refresh_focused_panel)
        view_menu.addAction(self.refresh_action)
        self.show_query_action = QAction("Show &query and SQL…", self)
        self.show_query_action.setObjectName("showQuery")
        self.show_query_action.setShortcut(QKeySequence("Ctrl+Shift+Q"))
        self.show_query_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.show_query_action.triggered.connect(self.show_query)
        view_menu.addAction(self.show_query_action)
        view_menu.addSeparator()
        for panel_id, dock in self.docks.items():
            action = dock.toggleViewAction()
            action.setObjectName(f"view_{panel_id}")
            view_menu.addAction(action)
        view_menu.addSeparator()
        people = view_menu.addMenu("Show &people by")
        self.people_group = QActionGroup(self)
        shown = str(self.settings.value("people/display", "name"))
        for mode, label in (("name", "&Name (else e-mail, else id)"), ("email", "&E-mail (else name, else id)"),
                            ("id", "&Id")):
            action = QAction(label, self, checkable=True)
            action.setObjectName(f"people_{mode}")
            action.setChecked(mode == shown)
            action.triggered.connect(lambda _checked=False, m=mode: self.set_people_display(m))
            self.people_group.addAction(action)
            people.addAction(action)
        appearance = view_menu.addMenu("&Appearance")
        self.appearance_group = QActionGroup(self)
        current = str(self.settings.value("appearance", "system"))
        for mode, label in (("system", "Follow the &system"), ("light", "&Light"), ("dark", "&Dark")):
            action = QAction(label, self, checkable=True)
            action.setObjectName(f"appearance_{mode}")
            action.setChecked(mode == current)
            action.triggered.connect(lambda _checked=False, m=mode: self.set_appearance(m))
            self.appearance_group.addAction(action)
            appearance.addAction(action)
        view_menu.addSeparator()
        self.reset_layout_action = QAction("Reset &layout", self)
        self.reset_layout_action.triggered.connect(self.reset_layout)
        view_menu.addAction(self.reset_layout_action)
        self.view_menu = view_menu

        demo_menu = menu_bar.addMenu("&Demo")
        self.simulate_action = QAction("&Simulate live traffic", self)
        self.simulate_action.setCheckable(True)
        self.simulate_action.setChecked(bool(self.settings.value("demo/simulate", True, type=bool)))
        self.simulate_action.toggled.connect(self._on_simulate_toggled)
        demo_menu.addAction(self.simulate_action)
        self.demo_menu = demo_menu

        help_menu = menu_bar.addMenu("&Help")
        self.documentation_action = QAction("&Documentation", self)
        self.documentation_action.setObjectName("documentation")
        self.documentation_action.triggered.connect(self.show_documentation)
        help_menu.addAction(self.documentation_action)
        self.shortcuts_action = QAction("&Keyboard shortcuts", self)
        self.shortcuts_action.setObjectName("shortcuts")
        self.shortcuts_action.setShortcut(QKeySequence.StandardKey.HelpContents)
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        help_menu.addAction(self.shortcuts_action)
        help_menu.addSeparator()
        about = QAction("&About Tracklens", self)
        about.setMenuRole(QAction.MenuRole.AboutRole)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)
        self.help_menu = help_menu
        for action in (self.refresh_action, self.connect_action, self.save_report_action, self.quit_action,
                       self.undo_action, self.redo_action):
            self.addAction(action)
            # Floating docks are windows of their own: the shortcuts must work there too.
            for dock in self.docks.values():
                dock.addAction(action)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.connection_label = DataLabel("Not connected", self)  # URLs, paths, server errors
        self.connection_label.setObjectName("connectionLabel")
        self.panel_status_label = QLabel("", self)
        self.panel_status_label.setObjectName("liveStatusLabel")
        self.refresh_label = QLabel("", self)
        self.refresh_label.setObjectName("lastRefreshLabel")
        bar.addWidget(self.connection_label, 1)
        bar.addPermanentWidget(self.panel_status_label)
        bar.addPermanentWidget(self.refresh_label)
        self._panel_status: dict[str, str] = {}

    # ----------------------------------------------------------------- databases
    @property
    def connection(self) -> Connection | None:
        return self.context.connection

    #: The URL whose opening found no database there, which the panels offer to create.
    creatable_url: str | None = None

    def open_database(self, url: str, *, is_demo: bool = False, create: bool = False) -> None:
        """Open `url` off the GUI thread; panels show progress, then their first results.

        Opening never creates a database (a mistyped path must not leave an empty file behind):
        where there is none, the panels say so and offer to create one (`create=True`)."""
        full_url = cfg.with_password(url)
        self._pending_url = full_url
        self._pending_is_demo = is_demo
        self.creatable_url = None
        self._want_demo = False  # a demo still being built no longer takes over when done
        self._close_connection()
        self.connection_label.setText(f"Connecting to {cfg.split_password(full_url)[0]}…")
        self.context.connecting.emit("Opening the database…", None)

        self._abandon_opening()
        opening = self._opening = _Opening()

        def upgrading(found: int) -> None:  # a migration may take minutes on a big database: say so
            if not opening.abandoned:
                self.context.connecting.emit(f"Upgrading the database from schema {found} to {SCHEMA_VERSION} (once; "
                                         "this can take a few minutes on a large database)…", None)

        def job(_token: Any) -> Any:
            try:
                engine = open_database(full_url, require_tracklens=not (create or is_demo), before_upgrade=upgrading)
            except NoTracklensDatabase as missing:
                return missing  # not a failure to retry: a question for the person
            return opening.made(engine)  # None once superseded: its answer is dropped anyway

        self._opener.submit(job)

    def _abandon_opening(self) -> None:
        """The open in flight is superseded: what it opened (or will) is disposed, not leaked."""
        if self._opening is not None:
            self._opening.abandon()
            self._opening = None

    _want_demo = False
    _demo_builder: Any = None

    def open_demo(self, head_start: DemoHeadStart | None = None) -> None:
        """Open the demo database, creating it first (in the background) when it is missing.

        `head_start` is the demo's generating process if it was started at launch
        (demo_setup.start_demo_early); it is stopped when not needed."""
        path = demo_db_path()
        building = self._demo_builder is not None and self._demo_builder.running
        if head_start is not None and (path.exists() or building):
            head_start.close()
        if path.exists():
            self.open_database(f"sqlite:///{path}", is_demo=True)
            return
        from app.ui.demo_setup import DemoBuilder

        self._close_connection()
        self._opener.cancel(quiet=True)  # a database still opening must not answer in the demo's place…
        self._abandon_opening()  # …and what it opened (or will) is closed
        self._pending_url = None
        self._want_demo = True
        if building:
            return
        builder = DemoBuilder(path, parent=self, head_start=head_start)
        builder.progress.connect(self._on_demo_progress)
        builder.finished_ok.connect(self._on_demo_built)
        builder.failed.connect(self._on_demo_failed)
        self._demo_builder = builder
        builder.start()

    def _on_demo_progress(self, text: str, fraction: object) -> None:
        if self._want_demo:
            self.context.connecting.emit(text, fraction)
            self.connection_label.setText(text)

    def _on_demo_built(self) -> None:
        if self._want_demo:
            self.open_database(f"sqlite:///{demo_db_path()}", is_demo=True)
        self.demo_ready.emit(True)

    def _on_demo_failed(self, message: str) -> None:
        if self._want_demo:
            self.connection_label.setText("The demo database could not be created")
            self.context.connect_failed.emit(f"could not create the demo database: {message}")
        self.demo_ready.emit(False)

    def reconnect(self) -> None:
        """Retry opening the last database (a panel's Retry while nothing is open); where there
        was no database, the button said "Create" and this creates it."""
        if self.creatable_url is not None:
            self.open_database(self.creatable_url, is_demo=self._pending_is_demo, create=True)
        elif self._pending_url:
            self.open_database(self._pending_url, is_demo=self._pending_is_demo)
        elif self._want_demo:
            self.open_demo()

    def _on_opened(self, engine: Any) -> None:
        self._opening = None  # the engine is the window's now (or there was none to keep)
        if isinstance(engine, NoTracklensDatabase):
            self.creatable_url = self._pending_url
            bare = cfg.split_password(self._pending_url or "")[0]
            self.connection_label.setText(f"No Tracklens database at {bare}")
            self.context.connect_failed.emit(f"{str(engine)[:1].upper()}{str(engine)[1:]}: create an empty one "
                                             "there, or choose another with File > Connect")
            return
        url = self._pending_url or ""
        connection = Connection(url, engine, is_demo=self._pending_is_demo, parent=self)
        connection.state_changed.connect(self._update_connection_label)
        if not self.remember_connections:
            pass
        elif not self._pending_is_demo:
            cfg.remember_connection(self.settings, url)
        else:
            self.settings.setValue("connection/last", cfg.split_password(url)[0])
        self.context.set_connection(connection)
        self.setWindowTitle(window_title(f"Tracklens — {connection.display_url}"))
        self._update_connection_label()
        self.connection_changed.emit(connection)
        self._update_simulation()

    def _on_open_failed(self, info: ErrorInfo) -> None:
        bare = cfg.split_password(self._pending_url or "")[0]
        self.connection_label.setText(f"Cannot open {bare}")
        self.context.connect_failed.emit(f"Cannot open the database: {info.message}")

    def _on_open_retrying(self, seconds: float) -> None:
        self.connection_label.setText(f"Database unreachable — retrying in {seconds:g} s…")
        self.context.connecting.emit(f"The database server is unreachable — retrying in {seconds:g} s…", None)

    def _close_connection(self) -> None:
        self._stop_simulation()
        old = self.context.connection
        if old is not None:
            self.context.set_connection(None)
            self.connection_changed.emit(None)
            old.close()
            old.deleteLater()

    def _update_connection_label(self, *_args: Any) -> None:
        connection = self.context.connection
        if connection is None:
            self.connection_label.setText("Not connected")
            return
        kind = connection.backend.label
        demo = " (demo)" if connection.is_demo else ""
        state = "" if connection.state == "connected" else f" — {connection.state}…"
        self.connection_label.setText(f"{kind}{demo}: {connection.display_url}{state}")

    # ----------------------------------------------------------------- live simulation
    def _on_simulate_toggled(self, enabled: bool) -> None:
        self.settings.setValue("demo/simulate", enabled)
        self._update_simulation()

    def set_simulation_allowed(self, allowed: bool) -> None:
        """`--no-simulate`: never start the simulator in this session."""
        self._simulation_allowed = allowed
        self._update_simulation()

    _simulation_allowed = True

    def _update_simulation(self) -> None:
        connection = self.context.connection
        want = (
            self._simulation_allowed
            and self.simulate_action.isChecked()
            and connection is not None
            and connection.is_demo
        )
        self.simulate_action.setEnabled(connection is not None and connection.is_demo)
        if want and self._simulator is None and connection is not None:
            try:
                from app.demo.simulator import Simulator
            except ImportError:
                self.simulate_action.setEnabled(False)
                return
            self._simulator = Simulator(connection.engine, rate=self._simulation_rate())
            self._simulator.start()
        elif not want:
            self._stop_simulation()

    def _simulation_rate(self) -> float:
        # About one event a second: the Live View visibly moves without today dwarfing the
        # demo history (about 1,100 events a day) in Segmentation.
        return float(cfg.get_number(self.settings, "demo/rate", 1.0))

    def _stop_simulation(self) -> None:
        if self._simulator is not None:
            simulator, self._simulator = self._simulator, None
            simulator.stop()

    # ----------------------------------------------------------------- routing
    def show_person(self, person_id: str) -> None:
        """Open a person in the panel that shows profiles (part 2), raising its dock."""
        for panel_id, panel in self.panels.items():
            if panel.accepts_person:
                self.show_panel(panel_id)
                panel.show_person(person_id)
                return
        self.statusBar().showMessage(f"Person {person_id} (no profile panel in this build)", 5000)

    def show_users_query(self, spec: dict[str, Any]) -> None:
        for panel_id, panel in self.panels.items():
            if panel.accepts_users_query:
                self.show_panel(panel_id)
                panel.show_users_query(spec)
                return
        self.statusBar().showMessage("No user explorer panel in this build", 5000)

    def show_panel(self, panel_id: str) -> Panel:
        dock = self.docks[panel_id]
        dock.show()
        dock.raise_()
        return self.panels[panel_id]

    def default_front_docks(self) -> list[QDockWidget]:
        """The dock shown on top in each area of the default layout."""
        return list(self._front_docks)

    def current_panel(self) -> Panel | None:
        """The panel F5 and Ctrl+S act on: the focused one, else the first visible one."""
        if self._focused_panel is not None and self._focused_panel.isVisible():
            return self._focused_panel
        for panel in self.panels.values():
            if panel.isVisible():
                return panel
        return None

    def refresh_focused_panel(self) -> None:
        panel = self.current_panel()
        if panel is not None:
            panel.refresh()

    def show_query(self) -> ShowQueryDialog | None:
        """The focused panel's JSON query and the SQL it sends (a modeless window)."""
        panel = self.current_panel()
        if panel is None:
            return None
        dialog = ShowQueryDialog(panel.title, panel.query(), self.context.connection, self)
        dialog.setModal(False)
        dialog.show()
        return dialog

    def save_report(self) -> None:
        panel = self.current_panel()
        if panel is None or not panel.saveable:
            self.statusBar().showMessage("Select a panel whose query can be saved", 5000)
            return
        if self.save_report_handler is None:
            self.statusBar().showMessage("Saving reports is not available in this build", 5000)
            return
        self.save_report_handler(panel)

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        widget = new
        while widget is not None:
            if isinstance(widget, Panel) and widget.panel_id in self.panels:
                self._focused_panel = widget
                self.undo_group.setActiveStack(widget.undo_stack)
                return
            widget = widget.parentWidget()

    def set_people_display(self, mode: str) -> None:
        """View > Show people by: how person lists name a person (remembered)."""
        self.settings.setValue("people/display", mode)
        for panel in self.panels.values():
            relabel = getattr(getattr(panel, "model", None), "set_display_mode", None)
            if relabel is not None:
                relabel(mode)

    def set_appearance(self, mode: str) -> None:
        """View > Appearance: follow the system's light/dark scheme, or keep one (remembered)."""
        self.settings.setValue("appearance", mode)
        theme.apply(mode)
        for action in self.appearance_group.actions():
            action.setChecked(action.objectName() == f"appearance_{mode}")

    def add_menu(self, title: str) -> QMenu:
        """A menu for an extension (Cohorts, Reports), before Help, which stays the last menu."""
        menu = QMenu(title, self)
        self.menuBar().insertMenu(self.help_menu.menuAction(), menu)
        return menu

    def show_shortcuts(self) -> QDialog:
        """Help > Keyboard shortcuts: every action of the window that has one (a modeless list)."""
        rows: list[tuple[str, str]] = []
        for menu_action in self.menuBar().actions():
            menu = menu_action.menu()
            if not isinstance(menu, QMenu):
                continue
            for action in menu.actions():
                keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
                if keys:
                    rows.append((f"{menu_action.text().replace('&', '')} > {action.text().replace('&', '')}", keys))
        dialog = QDialog(self)
        dialog.setObjectName("shortcutsDialog")
        dialog.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(dialog)
        table = QTableWidget(len(rows), 2, dialog)
        table.setObjectName("shortcutsTable")
        table.setHorizontalHeaderLabels(["Command", "Keys"])
        for r, (command, keys) in enumerate(rows):
            table.setItem(r, 0, QTableWidgetItem(command))
            table.setItem(r, 1, QTableWidgetItem(keys))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(table)
        dialog.resize(520, 360)
        dialog.setModal(False)
        dialog.show()
        return dialog

    def _on_panel_status(self, panel_id: str, text: str) -> None:
        self._panel_status[panel_id] = text
        self.panel_status_label.setText("   ".join(t for t in self._panel_status.values() if t))

    def _on_query_finished(self, ok: bool) -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        self.refresh_label.setText(f"Last refresh {stamp}" if ok else f"Last refresh {stamp} (failed)")

    # ----------------------------------------------------------------- dialogs
    def show_connect_dialog(self) -> None:
        from app.ui.dialogs.connect_dialog import ConnectDialog

        dialog = ConnectDialog(self.settings, self)
        if dialog.exec() == ConnectDialog.DialogCode.Accepted and dialog.url:
            self.open_database(dialog.url, is_demo=dialog.is_demo, create=dialog.create_new)

    def show_documentation(self) -> QWidget:
        """Help > Documentation: the shipped user docs in a window of their own (one, reused)."""
        from app.ui.dialogs.documentation import DocumentationWindow

        window = getattr(self, "_documentation_window", None)
        if window is None:
            window = self._documentation_window = DocumentationWindow(self)
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def show_about(self) -> None:
        QMessageBox.about(self, "About Tracklens", self.about_text())

    def about_text(self) -> str:
        return (
            f"<h3>Tracklens {__version__}</h3>"
            "<p>Product analytics on your own Segment-spec event database.</p>"
            f"<p>{geoip_attribution()}</p>"
        )

    # ----------------------------------------------------------------- layout and settings
    def reset_layout(self) -> None:
        """Back to the default arrangement, every panel docked and visible."""
        for dock in self.docks.values():
            dock.setFloating(False)
        self.restoreState(self._default_state, STATE_VERSION)
        for dock in self.docks.values():
            dock.show()
        for panel in self.panels.values():
            panel.set_layout_state({})
        for dock in self._front_docks:
            dock.raise_()
        self.resize(*DEFAULT_SIZE)
        self._ensure_on_screen()

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(STATE_VERSION))
        self.settings.setValue("window/state_version", STATE_VERSION)
        for panel_id, panel in self.panels.items():
            cfg.set_json(self.settings, f"panels/{panel_id}/ui", panel.ui_state())
            cfg.set_json(self.settings, f"panels/{panel_id}/layout", panel.layout_state())
            try:
                cfg.set_json(self.settings, f"panels/{panel_id}/query", panel.query())
            except NotImplementedError:
                continue
        self.settings.sync()

    def restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray | bytes) and geometry:
            self.restoreGeometry(QByteArray(geometry))
        self._ensure_on_screen()
        state = self.settings.value("window/state")
        version = int(cfg.get_number(self.settings, "window/state_version", 0))
        restored = False
        if isinstance(state, QByteArray | bytes) and state and version == STATE_VERSION:
            restored = bool(self.restoreState(QByteArray(state), STATE_VERSION))
        if not restored:
            self.restoreState(self._default_state, STATE_VERSION)
        for panel_id, panel in self.panels.items():
            ui = cfg.get_json(self.settings, f"panels/{panel_id}/ui")
            spec = cfg.get_json(self.settings, f"panels/{panel_id}/query")
            layout = cfg.get_json(self.settings, f"panels/{panel_id}/layout")
            if isinstance(layout, dict) and restored:  # with the dock layout it belongs to
                panel.set_layout_state(layout)
            try:
                if isinstance(ui, dict):
                    panel.set_ui_state(ui)
                if isinstance(spec, dict):
                    panel.set_query(spec)
            except (NotImplementedError, ValueError, KeyError, TypeError) as exc:
                log.warning("ignoring the saved state of %s: %s", panel_id, exc)

    def _ensure_on_screen(self) -> None:
        """Fit the window onto the screen it is mostly on, or the primary one if it is on none (its
        screen is gone): smaller than that screen's free area and inside it. The first size,
        DEFAULT_SIZE, ran off a 1366 x 768 laptop screen; a geometry saved on a bigger monitor may
        no longer fit either. A maximized or full-screen window is the window system's to place."""
        screens = QGuiApplication.screens()
        if not screens or self.windowState() & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen):
            return
        frame = self.frameGeometry()

        def visible_area(screen: QScreen) -> int:
            visible = screen.availableGeometry().intersected(frame)
            return visible.width() * visible.height() if visible.width() >= 200 and visible.height() >= 100 else 0

        screen = max(screens, key=visible_area)
        lost = visible_area(screen) == 0
        if lost:
            screen = QGuiApplication.primaryScreen()
        available: QRect = screen.availableGeometry()
        # The window frame is known once the window is shown; before, reserve a title bar and a
        # border for it, as the style draws them on a window inside a window.
        frame_width, frame_height = frame.width() - self.width(), frame.height() - self.height()
        if frame_width == 0 and frame_height == 0:
            border = self.style().pixelMetric(QStyle.PixelMetric.PM_MdiSubWindowFrameWidth)
            frame_width = 2 * border
            frame_height = self.style().pixelMetric(QStyle.PixelMetric.PM_TitleBarHeight) + border
        width = min(self.width(), available.width() - frame_width)
        height = min(self.height(), available.height() - frame_height)
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        width, height = self.width() + frame_width, self.height() + frame_height
        if lost:
            x = available.x() + (available.width() - width) // 2
            y = available.y() + (available.height() - height) // 2
        else:
            x = max(available.x(), min(frame.x(), available.x() + available.width() - width))
            y = max(available.y(), min(frame.y(), available.y() + available.height() - height))
        if (x, y) != (frame.x(), frame.y()):
            self.move(x, y)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        QTimer.singleShot(0, self, self._keep_panels_whole)  # once the dock areas have their new widths

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the simulator, cancel queries, release the database (idempotent)."""
        self._stop_simulation()
        if self._demo_builder is not None:
            self._demo_builder.stop()
        for panel in self.panels.values():
            panel.cancel()
        self._opener_pool.close(2000)  # drops the answer of an open still in flight…
        self._abandon_opening()  # …so dispose what it opened
        connection = self.context.connection
        if connection is not None:
            self.context.set_connection(None)
            connection.close()
