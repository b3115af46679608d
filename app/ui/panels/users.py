"""The User explorer: find persons by traits, behaviour, cohort or funnel step; page, sort, export.

The controls are bound to one `{"kind": "users", ...}` query, the panel's UsersState
(app.query.panel_state): `query()` is that state's JSON, so a saved report opens unchanged and
each settled edit is one Edit > Undo step. Page 0 (with the total)
runs through the panel's channel, so busy, error and reconnecting states show as everywhere;
the table's model fetches further pages itself as they scroll into view (users_model.py). The
search box finds a person by any id they were seen with or by an e-mail prefix — where support
staff start. Export streams every matching person to CSV on a worker, with progress and Cancel.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.query.panel_state import MATCH_CHOICES, UsersState
from app.ui.cohorts import CohortsDialog, SaveCohortDialog, add_cohort_rows, cohort_store
from app.ui.connection import Connection
from app.ui.context import AppContext
from app.ui.errors import ErrorInfo
from app.ui.panel import Panel
from app.ui.panels.user_filters import DID_ROW, FUNNEL_ROW, RETENTION_ROW
from app.ui.panels.users_model import PAGE_SIZE, UsersPageModel, sort_key_for, trait_key
from app.ui.plain import DataLabel, menu_text, plain_edit, plain_items
from app.ui.registry import register_panel
from app.ui.widgets.bind import Binder
from app.ui.widgets.controls_column import ControlsColumn
from app.ui.widgets.export import ExportButton
from app.ui.widgets.filter_builder import FilterBuilder

#: The filters column's width where the panel has room for it beside the persons.
FILTERS_WIDTH = 430
#: What the persons keep before the filters column gives way (down to its controls' minimum):
#: their first columns (person, e-mail, first seen) whole beside the table's
#: scroll bar took 408 px. At 1366 x 768 the column stayed 430 px and left the table 301 (two
#: columns whole); its rows wrap now, so the column can be narrower.
PERSONS_WIDTH = 430
#: Traits shown by default when discovery knows them (else the first few discovered).
DEFAULT_TRAITS = ("email", "name", "gender", "age", "plan")
MAX_DEFAULT_TRAITS = 5
#: The most a leading trait's column (the e-mail) takes of the room beside the person: a 50
#: character e-mail, not a pasted essay that would push every other column away.
LEADING_WIDEST = 400


class _ExportSignals(QObject):
    """Lives on the GUI thread; the export worker emits progress through it (queued)."""

    progress = Signal(int, int)


def split_filters(filters: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The builder's rows as the users query's `where` and `did` lists."""
    where: list[dict[str, Any]] = []
    did: list[dict[str, Any]] = []
    for spec in filters:
        if set(spec) == {"did"}:
            did.append(spec["did"])
        else:
            where.append(spec)
    return where, did


def users_spec_from(spec: dict[str, Any]) -> dict[str, Any]:
    """A users query from a users or funnel_persons query (the funnel part becomes a filter)."""
    if spec.get("kind") == "funnel_persons":
        funnel_filter = {"funnel": spec["funnel"], "step": spec["step"], "status": spec.get("status", "reached")}
        rest = {k: v for k, v in spec.items() if k not in ("kind", "funnel", "step", "status")}
        return {**rest, "kind": "users", "where": [funnel_filter, *(rest.get("where") or [])]}
    return dict(spec)


@register_panel
class UsersPanel(Panel):
    panel_id = "users"
    shows_discovery = True
    title = "User explorer"
    order = 30
    default_area = Qt.DockWidgetArea.LeftDockWidgetArea
    accepts_users_query = True

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._building = True
        #: The query this panel shows; the controls are bound to it (query() is its JSON).
        self.state = UsersState()
        self.binder = Binder(self.state, self._edited)
        self._export_channel = self.new_channel()
        self._export_path: Path | None = None
        self._export_signals = _ExportSignals(self)
        self._export_signals.progress.connect(self._on_export_progress)
        self._export_channel.result.connect(self._on_export_done)
        self._export_channel.failed.connect(self._on_export_failed)
        self._export_channel.cancelled.connect(self._on_export_cancelled)
        self.show_retries_of(self._export_channel)

        splitter = QSplitter(Qt.Orientation.Horizontal, self.body)
        self.body_layout.addWidget(splitter)
        self.filters_column = self._build_filters()
        splitter.addWidget(self.filters_column)
        splitter.addWidget(self._build_results())
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([FILTERS_WIDTH, 800])
        self.splitter = splitter
        #: The filters column's width where the user dragged the handle, else its default for the
        #: panel's width; kept with the window's layout, so it comes back at the next start.
        self.keep_divider("filters_width", splitter, 0, self.default_filters_width)

        self.model = UsersPageModel(self)
        self.model.display_mode = str(self.context.settings.value("people/display", "name"))
        self.model.set_channel(pages := self.new_channel())
        self.show_retries_of(pages)
        self.model.failed.connect(lambda message: self.state_bar.set_error(message))
        self.model.sort_requested.connect(self._on_sort_requested)
        self.table.setModel(self.model)
        if context.connection is not None:
            self.model.set_engine(context.connection.engine)
        context.discovery.properties_changed.connect(self._on_traits_discovered)
        self._bind()
        self.binder.show_all()
        self._building = False

    # ----------------------------------------------------------------- the divider
    def default_filters_width(self, total: int) -> int:
        """The filters column's width in a splitter `total` px wide when the user has not moved
        the divider: FILTERS_WIDTH where the persons keep PERSONS_WIDTH beside it, else what
        is left to it, but never less than its controls need (their rows wrap)."""
        return max(self.filters_column.minimumSizeHint().width(), min(FILTERS_WIDTH, total - PERSONS_WIDTH))

    # ----------------------------------------------------------------- construction
    def _build_filters(self) -> QWidget:
        scroll = ControlsColumn(self.body)  # as wide as its widest row needs (the add buttons, a did row)
        holder, column = scroll.holder, scroll.column

        search_box = QGroupBox("Find a person", holder)
        search_layout = QVBoxLayout(search_box)
        self.search_edit = plain_edit(QLineEdit(search_box))  # a value with a control is marked
        self.search_edit.setObjectName("userSearch")
        self.search_edit.setPlaceholderText("Any id, or the start of an e-mail…")
        self.search_edit.setClearButtonEnabled(True)
        search_layout.addWidget(self.search_edit)
        hint = QLabel("Enter opens the profile when exactly one person matches.", search_box)
        hint.setStyleSheet("color: #777;")
        hint.setWordWrap(True)  # a hint: it wraps rather than set the column's width
        search_layout.addWidget(hint)
        column.addWidget(search_box)

        filter_box = QGroupBox("Persons who", holder)
        filter_layout = QVBoxLayout(filter_box)
        match_row = QHBoxLayout()
        match_row.addWidget(QLabel("match", filter_box))
        self.match_combo = QComboBox(filter_box)
        self.match_combo.setObjectName("matchCombo")
        match_row.addWidget(self.match_combo)
        match_row.addStretch(1)
        filter_layout.addLayout(match_row)
        self.filter_builder = FilterBuilder(self.context.discovery, filter_box, traits=True, event_properties=False)
        self.filter_builder.add_button.setText("+ Trait")
        self.filter_builder.register_row_type(DID_ROW)
        add_cohort_rows(self.filter_builder, self.context)
        # Funnel-step rows arrive from the Funnels panel; nobody types them in.
        self.filter_builder.register_row_type(FUNNEL_ROW).hide()
        self.filter_builder.register_row_type(RETENTION_ROW).hide()  # from the Retention panel
        filter_layout.addWidget(self.filter_builder)
        column.addWidget(filter_box)

        cohort_row = QHBoxLayout()
        self.save_cohort_button = QPushButton("Save as cohort…", holder)
        self.save_cohort_button.setObjectName("saveCohort")
        self.cohorts_button = QPushButton("Cohorts…", holder)
        self.cohorts_button.setObjectName("manageCohortsButton")
        cohort_row.addWidget(self.save_cohort_button)
        cohort_row.addWidget(self.cohorts_button)
        cohort_row.addStretch(1)
        column.addLayout(cohort_row)
        self.cohort_message = DataLabel("", holder)  # a cohort name, errors
        self.cohort_message.setObjectName("cohortMessage")
        self.cohort_message.setWordWrap(True)
        column.addWidget(self.cohort_message)
        scroll.finish()

        self.search_edit.returnPressed.connect(self._on_search_enter)
        self.save_cohort_button.clicked.connect(self.save_cohort_dialog)
        self.cohorts_button.clicked.connect(self._manage_cohorts)
        return scroll

    def _build_results(self) -> QWidget:
        holder = QWidget(self.body)
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        toolbar = QHBoxLayout()
        self.total_label = QLabel("", holder)
        self.total_label.setObjectName("usersTotal")
        font = self.total_label.font()
        font.setBold(True)
        self.total_label.setFont(font)
        toolbar.addWidget(self.total_label, 1)
        self.columns_button = QToolButton(holder)
        self.columns_button.setObjectName("columnsButton")
        self.columns_button.setText("Columns")
        self.columns_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.columns_menu = QMenu(self.columns_button)
        self.columns_button.setMenu(self.columns_menu)
        self.columns_menu.aboutToShow.connect(self._fill_columns_menu)
        toolbar.addWidget(self.columns_button)
        # The CSV streams every matching person (not only the rows on screen); the images are
        # the table as shown.
        self.export_button = ExportButton(holder, "persons", images=[("Table", lambda: self.table)],
                                          csv=self.export_csv, csv_label="Every matching person")
        toolbar.addWidget(self.export_button)
        layout.addLayout(toolbar)

        export_row = QHBoxLayout()
        self.export_progress = QProgressBar(holder)
        self.export_progress.setObjectName("exportProgress")
        self.export_progress.setFormat("Exporting… %v of %m persons")
        self.export_cancel = QPushButton("Cancel export", holder)
        self.export_cancel.setObjectName("exportCancel")
        self.export_message = DataLabel("", holder)  # paths, errors
        self.export_message.setObjectName("exportMessage")
        export_row.addWidget(self.export_progress, 1)
        export_row.addWidget(self.export_cancel)
        export_row.addWidget(self.export_message)
        layout.addLayout(export_row)
        self.export_progress.hide()
        self.export_cancel.hide()

        self.table = plain_items(QTableView(holder))
        self.table.setObjectName("usersTable")
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setSectionsClickable(True)
        self.table.horizontalHeader().setSortIndicatorShown(True)
        self.table.horizontalHeader().sectionClicked.connect(self._on_header_clicked)
        self.table.setWordWrap(False)
        self.table.doubleClicked.connect(self._on_double_clicked)
        # The columns follow the table's width until the user sizes one: the first answer often
        # comes while the explorer is a tab behind another panel, laid out ~140 px wide.
        self._refit_timer = QTimer(self)
        self._refit_timer.setSingleShot(True)
        self._refit_timer.setInterval(0)
        self._refit_timer.timeout.connect(self._fit_columns)
        self.table.viewport().installEventFilter(self)
        self.table.horizontalHeader().sectionResized.connect(self._on_section_resized)
        layout.addWidget(self.table, 1)
        hint = QLabel("Double-click a person to open their profile. Click a header to sort.", holder)
        hint.setStyleSheet("color: #777;")
        hint.setWordWrap(True)  # the controls column is as wide as it needs: the hint gives way
        layout.addWidget(hint)

        self.export_cancel.clicked.connect(self.cancel_export)
        return holder

    def _bind(self) -> None:
        """Widgets write the state's fields; a loaded query shows in them (app.ui.widgets.bind)."""
        binder = self.binder
        binder.combo(self.match_combo, "match", MATCH_CHOICES)
        self.search_edit.textChanged.connect(lambda text: binder.write(search=text.strip() or None))
        binder.watch("search", lambda: self.search_edit.setText(self.state.search or ""))
        self.filter_builder.changed.connect(
            lambda: binder.edit(lambda: self.state.set_filters(self.filter_builder.filters())))
        binder.watch(("where", "did"), lambda: self.filter_builder.set_filters(self.state.filters))
        binder.watch("sort", self._show_sort_indicator)
        binder.watch("columns", lambda: self._set_traits(self._shown_traits()))

    # ----------------------------------------------------------------- query
    def query(self) -> dict[str, Any]:
        return self.state.to_query()

    def set_query(self, spec: dict[str, Any]) -> None:
        self._building = True
        try:
            self.binder.load(users_spec_from(spec))
        finally:
            self._building = False

    def page_query(self, spec: dict[str, Any]) -> dict[str, Any]:
        """What the table asks for `spec`: its first page of PAGE_SIZE with the total, and the
        trait columns it shows (the saved query keeps its own limit, count and columns)."""
        page = {k: v for k, v in spec.items() if k != "after"}
        return {**page, "limit": PAGE_SIZE, "count": True, "columns": self.model.trait_columns()}

    def run_query(self, spec: dict[str, Any]) -> None:
        page = self.page_query(spec)
        self._asked_columns = page["columns"]
        super().run_query(page)
        if self._pending_spec is not None:
            self._pending_spec = spec  # last_result_spec: the query answered, as query() gives it

    def show_users_query(self, spec: dict[str, Any]) -> None:
        """Another panel asks to list these persons (a funnel step, a cohort)."""
        self.set_query(spec)
        self.refresh()

    def _edited(self, *_args: Any) -> None:
        if not self._building:
            self.schedule_refresh(300)

    def connection_changed(self, connection: Connection | None) -> None:
        self.model.set_engine(connection.engine if connection is not None else None)

    def clear(self) -> None:
        self.model.reset(None, None)
        self.total_label.setText("")

    def show_result(self, result: Any) -> None:
        spec = self.last_result_spec or self.query()
        self.model.reset(self.page_query(spec), result)
        total = int(result.get("total") or 0)
        self.total_label.setText(f"{total:,} person{'s' if total != 1 else ''}")
        self.table.scrollToTop()
        # The answer was asked with the trait columns of the last run_query: a newer one supersedes it.
        self._answer_columns = self._asked_columns
        # Fitted at the first answer with persons, and again when the columns are others than those
        # fitted (the Columns menu, traits discovered): a new column was left 100 px wide, an
        # e-mail column that came with a later answer cut at its default width.
        if total and (not self._resized_once
                      or (not self._columns_by_hand and self.model.column_keys() != self._fitted_keys)):
            self._resized_once = True
            self._refit_timer.start()
        # Only the answer to the search Enter was pressed for: another list asked for meanwhile
        # (a funnel step, a cohort) is not a person the user asked to open.
        wanted, self._open_single_when_found = self._open_single_when_found, None
        if wanted is not None and wanted == self.last_result_spec and total == 1 and result.get("users"):
            self.open_person.emit(str(result["users"][0]["id"]))

    _resized_once = False
    #: The user sized a column: the table stops fitting its columns to its width, until Reset layout.
    _columns_by_hand = False
    #: The trait columns the query on its way was asked with (run_query), and those of the answer shown.
    _asked_columns: list[str] | None = None
    _answer_columns: list[str] | None = None
    #: The column keys the widths were last fitted to with an answer that has their values.
    _fitted_keys: list[str] | None = None
    _fitting = False
    #: The query Enter in the search box asked for: its answer opens the profile if it finds one.
    _open_single_when_found: dict[str, Any] | None = None

    def _fit_columns(self) -> None:
        """Widths from the header text and the first page only: Qt's resizeColumnsToContents
        would ask the model for a thousand rows (and so for pages nobody looks at). Run at the
        first answer, when an answer brings other columns, when the table's width changes
        (eventFilter) and at Reset layout (set_layout_state)."""
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        model = self.model
        sample = [model.index(r, 0) for r in range(min(model.rowCount(), PAGE_SIZE)) if model.is_loaded(r)]
        if not sample:  # cleared, or the first page left the cache: keep the widths fitted last
            return
        whole: list[int] = []
        for column in range(model.columnCount()):
            title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            widest = metrics.horizontalAdvance(title) + 28
            for index in sample[:40]:
                text = model.data(index.siblingAtColumn(column))
                widest = max(widest, metrics.horizontalAdvance(str(text or "")) + 16)
            whole.append(widest)
        widths = [min(widest, 220 if column == 0 else 260) for column, widest in enumerate(whole)]
        leading = len(model.leading_traits())
        if leading:
            # The leading traits (the e-mail) beside the person whole where the table has room
            # for them: a long e-mail takes the room beside a 120 px Person (at 1366 x 768 a
            # 40-character e-mail was cut at 260 px beside a 34 px sliver of 'First seen'), then
            # the Person gives way (a visitor's UUID is cut at any width; a name needs less).
            room = self.table.viewport().width()
            spare = room - 120 - sum(widths[1:1 + leading])
            for column in range(1, 1 + leading):
                grow = max(0, min(spare, min(whole[column], LEADING_WIDEST) - widths[column]))
                widths[column] += grow
                spare -= grow
            widths[0] = max(120, min(widths[0], room - sum(widths[1:1 + leading])))
        self._fitting = True
        try:
            for column, width in enumerate(widths):
                header.resizeSection(column, width)
        finally:
            self._fitting = False
        # Rows asked with other trait columns (traits discovered while the first page loaded)
        # leave a new column empty: the answer asked again fits it.
        self._fitted_keys = model.column_keys() if self._answer_columns == model.trait_columns() else None

    def set_layout_state(self, state: dict[str, Any]) -> None:
        """Column widths are not part of the layout kept: any layout restored (Reset layout's {})
        gives the columns back to fitting, now and at each change of the table's width."""
        super().set_layout_state(state)
        self._columns_by_hand = False
        if self._resized_once:
            self._refit_timer.start()

    def _on_section_resized(self, _section: int, _old: int, _new: int) -> None:
        if not self._fitting:
            self._columns_by_hand = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Fit the columns again when the table's width changes (shown, window or divider
        resized) until the user sizes a column themselves."""
        if (isinstance(event, QResizeEvent) and watched is self.table.viewport() and self._resized_once
                and not self._columns_by_hand and event.oldSize().width() != event.size().width()):
            self._refit_timer.start()
        return super().eventFilter(watched, event)

    # ----------------------------------------------------------------- sorting and columns
    def _on_header_clicked(self, section: int) -> None:
        keys = self.model.column_keys()
        if not 0 <= section < len(keys):
            return
        by = sort_key_for(keys[section])
        sort = self.state.sort
        desc = not bool(sort.get("desc", True)) if by == sort.get("by") else True
        self._write_sort(by, desc)
        self.refresh()

    def _on_sort_requested(self, key: str, desc: bool) -> None:
        self._write_sort(sort_key_for(key), desc)
        self.refresh()

    def set_sort(self, by: Any, desc: bool = True) -> None:
        self._write_sort(by, desc)
        self.schedule_refresh(0)

    def _write_sort(self, by: Any, desc: bool) -> None:
        self.binder.write(sort={"by": by, "desc": desc})
        self._show_sort_indicator()

    def _show_sort_indicator(self) -> None:
        keys = self.model.column_keys()
        sort = self.state.sort
        by = sort.get("by")
        key = trait_key(str(by["trait"])) if isinstance(by, dict) else str(by)
        header = self.table.horizontalHeader()
        if key in keys:
            order = Qt.SortOrder.DescendingOrder if sort.get("desc", True) else Qt.SortOrder.AscendingOrder
            header.setSortIndicator(keys.index(key), order)

    def _default_traits(self) -> list[str]:
        known = [p.name for p in self.context.discovery.properties(traits=True, event_properties=False)]
        if not known:
            return ["email", "name"]
        preferred = [t for t in DEFAULT_TRAITS if t in known]
        rest = [t for t in known if t not in preferred]
        return (preferred + rest)[:MAX_DEFAULT_TRAITS]

    def _shown_traits(self) -> list[str]:
        """The query's columns once chosen (a saved report, the Columns menu); else the defaults."""
        columns = self.state.columns
        return [str(c) for c in columns] if isinstance(columns, list) else self._default_traits()

    def _on_traits_discovered(self) -> None:
        if self.state.columns is None:
            self._set_traits(self._default_traits())

    def _set_traits(self, traits: list[str]) -> None:
        if traits == self.model.trait_columns():
            return
        self.model.set_trait_columns(traits)
        self._show_sort_indicator()
        # Also when a query is still in flight (traits discovered while the first page loads),
        # or answered but queued for its turn (app.ui.pacing), which left the new columns empty
        # until the next query: that answer was asked with the old columns, so ask again.
        if not self._building and (self.last_result is not None or not self.settled):
            self.schedule_refresh(0)

    def _fill_columns_menu(self) -> None:
        self.columns_menu.clear()
        chosen = self.model.trait_columns()
        known = [p.name for p in self.context.discovery.properties(traits=True, event_properties=False)]
        for name in list(dict.fromkeys(chosen + known)):
            action = QAction(menu_text(name), self.columns_menu)
            action.setCheckable(True)
            action.setChecked(name in chosen)
            action.toggled.connect(lambda on, n=name: self.toggle_trait_column(n, on))
            self.columns_menu.addAction(action)

    def toggle_trait_column(self, name: str, on: bool) -> None:
        chosen = self.model.trait_columns()
        if on and name not in chosen:
            chosen.append(name)
        elif not on and name in chosen:
            chosen.remove(name)
        self.binder.write(columns=chosen)
        self._set_traits(chosen)

    # ----------------------------------------------------------------- persons
    def _on_double_clicked(self, index: QModelIndex) -> None:
        person = self.model.person_at(index.row())
        if person is not None:
            self.open_person.emit(str(person["id"]))

    def _on_search_enter(self) -> None:
        """Enter in the search box: open the profile when the search finds exactly one person."""
        result = self.last_result
        if (self.last_result_spec == self.query() and not self.busy and not self._refresh_timer.isActive()
                and isinstance(result, dict)):
            if result.get("total") == 1 and result.get("users"):
                self.open_person.emit(str(result["users"][0]["id"]))
            return
        self._open_single_when_found = self.query()
        self.refresh()

    # ----------------------------------------------------------------- cohorts
    def save_cohort_dialog(self) -> None:
        result = self.last_result if isinstance(self.last_result, dict) else {}
        dialog = SaveCohortDialog(self, result.get("total"))
        if dialog.exec() == SaveCohortDialog.DialogCode.Accepted:
            self.save_cohort(dialog.name, static=dialog.is_static)

    def save_cohort(self, name: str, *, static: bool) -> None:
        """Store the current filters as a cohort (in the database, shared by everyone on it)."""
        definition = {k: v for k, v in self.query().items() if k not in ("columns", "limit", "count", "after")}
        self.cohort_message.setText("Saving the cohort…")
        cohort_store(self.context).create(name, definition, static=static, on_done=self._on_cohort_saved,
                                          on_error=lambda message: self.cohort_message.setText(f"⚠ {message}"))

    def _on_cohort_saved(self, cohort: dict[str, Any]) -> None:
        kind = f"static, {int(cohort.get('size') or 0):,} persons" if cohort["kind"] == "static" else "dynamic"
        self.cohort_message.setText(f"Saved cohort “{cohort['name']}” ({kind}).")

    def _manage_cohorts(self) -> None:
        dialog = CohortsDialog(cohort_store(self.context), self)
        dialog.show_members.connect(self.show_users_query)
        dialog.show_members.connect(lambda _spec: dialog.accept())
        dialog.exec()

    # ----------------------------------------------------------------- export
    def export_csv(self, path: str | os.PathLike[str]) -> None:
        """Stream every person the current query matches to `path` (written as .part, then renamed)."""
        connection = self.context.connection
        if connection is None:
            self.export_message.setText("Not connected to a database.")
            return
        spec = self.query()
        columns = self.model.trait_columns()
        target = Path(path)
        partial = target.with_name(target.name + ".part")
        engine = connection.engine
        signals = self._export_signals

        def job(token: Any) -> Any:
            from app.query.export import export_users_csv

            try:
                with open(partial, "w", newline="", encoding="utf-8") as handle:
                    written = export_users_csv(engine, spec, handle, columns=columns,
                                               progress=lambda done, total: signals.progress.emit(done, total),
                                               cancel=token)
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
            os.replace(partial, target)
            return written

        self._export_path = target
        self.export_progress.setRange(0, 0)
        self.export_progress.show()
        self.export_cancel.show()
        self.export_button.setEnabled(False)
        self.export_message.setText("")
        self._export_channel.submit(job)

    def cancel_export(self) -> None:
        self._export_channel.cancel()

    @property
    def exporting(self) -> bool:
        return self._export_channel.busy

    def _on_export_progress(self, done: int, total: int) -> None:
        self.export_progress.setRange(0, max(total, 1))
        self.export_progress.setValue(done)

    def _export_finished(self, message: str) -> None:
        self.export_progress.hide()
        self.export_cancel.hide()
        self.export_button.setEnabled(True)
        self.export_message.setText(message)

    def _on_export_done(self, written: Any) -> None:
        name = self._export_path.name if self._export_path else "the file"
        self._export_finished(f"Exported {int(written):,} persons to {name}.")

    def _on_export_failed(self, info: ErrorInfo) -> None:
        self._export_finished(f"⚠ Export failed: {info.message}")

    def _on_export_cancelled(self) -> None:
        self._export_finished("Export cancelled.")
