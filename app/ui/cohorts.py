"""Cohorts in the desktop app: the shared list, the "person is in cohort X" filter row, dialogs.

Cohorts live in the event database (app.query.cohorts), so every analyst connected to the
same database sees the same ones. `cohort_store(context)` is the one per-window list the
filter rows, the User explorer and the Cohorts menu share; all reads and writes go through
the connection's worker pool, never on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.core.names import is_break
from app.ui.connection import Connection
from app.ui.context import AppContext
from app.ui.errors import classify_error
from app.ui.plain import DataLabel, ask, plain_combo, plain_items, plain_tip
from app.ui.registry import register_extension
from app.ui.widgets.filter_builder import FilterBuilder, FilterRowBase, RowType
from app.ui.widgets.wrap_row import WrapRow
from app.ui.workers import SimpleToken

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[str], None]


class CohortStore(QObject):
    """The cohorts of the open database; `changed` fires whenever the list was reloaded."""

    changed = Signal()

    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self.context = context
        self._cohorts: list[dict[str, Any]] = []
        self.loaded = False
        self.error: str | None = None
        # Reloads run on several threads and can answer out of order: only the newest counts.
        self._generation = 0
        context.connection_changed.connect(self._on_connection)
        if context.connection is not None:
            self.reload()

    def cohorts(self) -> list[dict[str, Any]]:
        return list(self._cohorts)

    def get(self, cohort_id: int) -> dict[str, Any] | None:
        return next((c for c in self._cohorts if c["id"] == cohort_id), None)

    def _on_connection(self, connection: Connection | None) -> None:
        self._generation += 1
        self._cohorts = []
        self.loaded = False
        self.changed.emit()
        if connection is not None:
            self.reload()

    def _submit(self, work: Callable[[Any], Any], on_done: Done, on_error: Failed | None) -> bool:
        connection = self.context.connection
        if connection is None or connection.pool.closed:
            if on_error is not None:
                on_error("not connected to a database")
            return False
        engine = connection.engine

        def job(_token: Any) -> Any:
            return work(engine)

        def failed(exc: BaseException) -> None:
            message = classify_error(exc).message
            if on_error is not None:
                on_error(message)
            else:
                log.warning("cohort operation failed: %s", message)

        connection.pool.submit(job, SimpleToken(), on_done, failed)
        return True

    def reload(self) -> None:
        from app.query.cohorts import list_cohorts

        self._generation += 1
        generation = self._generation

        def done(rows: Any) -> None:
            if generation != self._generation:
                return  # a later reload was asked for (after a rename, say): this list may be stale
            self._cohorts = list(rows)
            self.loaded = True
            self.error = None
            self.changed.emit()

        def failed(message: str) -> None:
            if generation != self._generation:
                return
            self.error = message
            self.loaded = True
            self.changed.emit()

        self._submit(list_cohorts, done, failed)

    def create(self, name: str, definition: dict[str, Any], *, static: bool,
               on_done: Done | None = None, on_error: Failed | None = None) -> None:
        """Save a users query as a cohort (a static one snapshots today's ids in the database)."""
        from app.query.cohorts import create_cohort

        self._submit(lambda engine: create_cohort(engine, name, definition, static=static),
                     self._after(on_done), on_error)

    def rename(self, cohort_id: int, name: str, on_done: Done | None = None, on_error: Failed | None = None) -> None:
        from app.query.cohorts import rename_cohort

        self._submit(lambda engine: rename_cohort(engine, cohort_id, name), self._after(on_done), on_error)

    def delete(self, cohort_id: int, on_done: Done | None = None, on_error: Failed | None = None) -> None:
        from app.query.cohorts import delete_cohort

        self._submit(lambda engine: delete_cohort(engine, cohort_id), self._after(on_done), on_error)

    def _after(self, on_done: Done | None) -> Done:
        def done(result: Any) -> None:
            self.reload()
            if on_done is not None:
                on_done(result)

        return done


def cohort_store(context: AppContext) -> CohortStore:
    """The window's cohort list (created on first use)."""
    store = getattr(context, "_cohort_store", None)
    if store is None:
        store = CohortStore(context)
        context._cohort_store = store  # type: ignore[attr-defined]
    return store


def cohort_name_problem(name: str) -> str | None:
    """Why the app does not make a cohort of this name (one line), or None. The database takes up
    to 255 characters (app.query.cohorts says so); a line break, tab or NUL made a list row of two
    lines or a cut one, so the app's dialogs refuse them (bidirectional controls are shown written
    out, app.ui.plain). Names made elsewhere (the CLI, another version) are listed all the same."""
    if any(is_break(c) for c in name):
        return "a cohort name may not hold a control character (a line break, a tab, NUL)"
    return None


def cohort_label(cohort: dict[str, Any]) -> str:
    """What the cohort lists and boxes show (the cohort is chosen by its id): its name, each run of
    control characters shown as one space, and its kind. They draw it with display_text
    (plain_items, plain_combo)."""
    name = "".join(" " if is_break(c) else c for c in str(cohort["name"]))
    if cohort.get("kind") == "static":
        return f"{name}  (static, {cohort.get('size') or 0:,})"
    return f"{name}  (dynamic)"


# --------------------------------------------------------------------------------------------
# The filter row


class CohortFilterRow(FilterRowBase):
    """[person is in ▾ / is not in] [cohort ▾] — `{"cohort": ID, "op": "in" | "not_in"}`."""

    def __init__(self, builder: FilterBuilder, store: CohortStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cohortRow")
        self.store = store
        self._wanted: int | None = None
        # Wraps when narrow, as the did row does (2bd7e45): on one line "person is not in cohort
        # [cohort] ✕" asked 343 px and widened the User explorer's filters column to 391 px on a
        # laptop screen, where the persons need the room. The ✕ stays at the row's top right.
        choice = WrapRow()
        choice.setSpacing(4)
        self.op_combo = QComboBox(self)
        self.op_combo.setObjectName("cohortOp")
        self.op_combo.addItem("person is in cohort", "in")
        self.op_combo.addItem("person is not in cohort", "not_in")
        self.cohort_combo = plain_combo(QComboBox(self))  # names as shown, in its list and closed
        self.cohort_combo.setObjectName("cohortCombo")
        self.cohort_combo.setMinimumContentsLength(14)
        choice.addWidget(self.op_combo, 2)
        choice.addWidget(self.cohort_combo, 3)
        self.lay_out_lines(choice, removes="Remove this cohort filter")
        self._fill()
        store.changed.connect(self._fill)
        self.op_combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.cohort_combo.currentIndexChanged.connect(self._on_cohort)

    def _fill(self) -> None:
        wanted = self.cohort_id()
        if wanted is None:
            wanted = self._wanted
        self.cohort_combo.blockSignals(True)
        self.cohort_combo.clear()
        for cohort in self.store.cohorts():
            self.cohort_combo.addItem(cohort_label(cohort), cohort["id"])
        if wanted is not None and self.cohort_combo.findData(wanted) < 0:
            self.cohort_combo.addItem(f"cohort #{wanted}", wanted)
        self.cohort_combo.setCurrentIndex(self.cohort_combo.findData(wanted) if wanted is not None else -1)
        self.cohort_combo.blockSignals(False)

    def _on_cohort(self, _index: int) -> None:
        self._wanted = self.cohort_id()
        self.changed.emit()

    def cohort_id(self) -> int | None:
        data = self.cohort_combo.currentData()
        return int(data) if isinstance(data, int) else None

    def to_json(self) -> dict[str, Any] | None:
        cid = self.cohort_id()
        if cid is None:
            return None
        return {"cohort": cid, "op": str(self.op_combo.currentData())}

    def set_json(self, spec: dict[str, Any]) -> None:
        self.blockSignals(True)
        try:
            self.op_combo.setCurrentIndex(max(0, self.op_combo.findData(spec.get("op", "in"))))
            cid = spec.get("cohort")
            self._wanted = int(cid) if isinstance(cid, int) else None
            self._fill()
        finally:
            self.blockSignals(False)


def is_cohort_filter(spec: dict[str, Any]) -> bool:
    return "cohort" in spec and "definition" not in spec


def add_cohort_rows(builder: FilterBuilder, context: AppContext) -> None:
    """Offer "+ Cohort" in `builder` (once)."""
    if any(rt.key == "cohort" for rt in builder.row_types):
        return
    store = cohort_store(context)
    builder.register_row_type(RowType(
        "cohort", "+ Cohort",
        lambda b, parent: CohortFilterRow(b, store, parent),
        is_cohort_filter,
    ))


# --------------------------------------------------------------------------------------------
# Dialogs


class SaveCohortDialog(QDialog):
    """Name + dynamic (re-evaluated) or static (today's members)."""

    def __init__(self, parent: QWidget | None = None, total: int | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save as cohort")
        form = QFormLayout(self)
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("cohortName")
        self.name_edit.setPlaceholderText("e.g. Loyal female customers")
        form.addRow("Name", self.name_edit)
        self.dynamic = QRadioButton("Dynamic — re-evaluated each time it is used", self)
        self.static = QRadioButton("Static — a snapshot of today's persons" +
                                   (f" ({total:,})" if total is not None else ""), self)
        self.dynamic.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.dynamic)
        group.addButton(self.static)
        form.addRow("Kind", self.dynamic)
        form.addRow("", self.static)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.problem = DataLabel("", self)  # why the name is refused
        self.problem.setObjectName("cohortNameProblem")
        self.problem.setWordWrap(True)
        form.addRow(self.problem)
        form.addRow(buttons)

    def _accept(self) -> None:
        problem = cohort_name_problem(self.name)
        if problem is not None:
            self.problem.setText(f"⚠ {problem}")
        elif self.name:
            self.accept()

    @property
    def name(self) -> str:
        return self.name_edit.text().strip()

    @property
    def is_static(self) -> bool:
        return self.static.isChecked()


class CohortsDialog(QDialog):
    """List, rename, delete cohorts; "Show persons" opens one in the User explorer."""

    show_members = Signal(dict)

    def __init__(self, store: CohortStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cohorts")
        self.resize(520, 380)
        self.store = store
        layout = QVBoxLayout(self)
        self.list = plain_items(QListWidget(self))
        self.list.setObjectName("cohortList")
        layout.addWidget(self.list, 1)
        self.message = DataLabel("", self)  # cohort names, errors
        self.message.setObjectName("cohortMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.show_button = QPushButton("Show persons", self)
        self.rename_button = QPushButton("Rename…", self)
        self.delete_button = QPushButton("Delete", self)
        close = QPushButton("Close", self)
        for button in (self.show_button, self.rename_button, self.delete_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self.show_button.clicked.connect(self._show)
        self.list.itemDoubleClicked.connect(lambda _item: self._show())
        self.rename_button.clicked.connect(self._rename)
        self.delete_button.clicked.connect(self._delete)
        close.clicked.connect(self.accept)
        store.changed.connect(self._fill)
        self._fill()
        store.reload()

    def _fill(self) -> None:
        current = self.selected()
        self.list.clear()
        row_height = self.list.fontMetrics().height() + 6
        for cohort in self.store.cohorts():
            item = QListWidgetItem(cohort_label(cohort), self.list)
            item.setData(Qt.ItemDataRole.UserRole, cohort["id"])
            # A row as wide as the list draws a longer name ending in "…" (its own width made the
            # list scroll sideways); the tip shows the name whole.
            item.setSizeHint(QSize(1, row_height))
            item.setToolTip(plain_tip(str(cohort["name"])))
            if current is not None and cohort["id"] == current["id"]:
                self.list.setCurrentItem(item)
        if self.store.error:
            self.message.setText(f"⚠ {self.store.error}")
        elif not self.store.cohorts():
            self.message.setText("No cohorts yet: filter persons in the User explorer and click Save as cohort.")
        else:
            self.message.setText("")

    def selected(self) -> dict[str, Any] | None:
        item = self.list.currentItem()
        if item is None:
            return None
        return self.store.get(int(item.data(Qt.ItemDataRole.UserRole)))

    def _show(self) -> None:
        cohort = self.selected()
        if cohort is not None:
            from app.query.cohorts import cohort_users_query

            self.show_members.emit(cohort_users_query(cohort))

    def _rename(self) -> None:
        cohort = self.selected()
        if cohort is None:
            return
        name, ok = QInputDialog.getText(self, "Rename cohort", "New name", text=cohort["name"])
        if ok and name.strip():
            self.rename(cohort, name.strip())

    def rename(self, cohort: dict[str, Any], name: str) -> None:
        problem = cohort_name_problem(name)
        if problem is not None:
            self._error(problem)
            return
        self.store.rename(cohort["id"], name, on_error=self._error)

    def _delete(self) -> None:
        cohort = self.selected()
        if cohort is None:
            return
        if ask(self, "Delete cohort", f"Delete the cohort {cohort['name']!r}?"):
            self.store.delete(cohort["id"], on_error=self._error)

    def _error(self, message: str) -> None:
        self.message.setText(f"⚠ {message}")


# --------------------------------------------------------------------------------------------
# Window extension


@register_extension
def install_cohorts(window: Any) -> None:
    """A Cohorts menu, and "+ Cohort" in the filters of panels built by others (Segmentation)."""
    from app.ui import settings as cfg

    store = cohort_store(window.context)
    for panel_id, panel in window.panels.items():
        builder = getattr(panel, "filter_builder", None)
        if isinstance(builder, FilterBuilder) and not any(rt.key == "cohort" for rt in builder.row_types):
            add_cohort_rows(builder, window.context)
            # The saved query was restored before this row kind existed: show it again.
            spec = cfg.get_json(window.settings, f"panels/{panel_id}/query")
            if isinstance(spec, dict) and _mentions_cohort(spec.get("where")):
                try:
                    panel.set_query(spec)
                except (NotImplementedError, ValueError, KeyError, TypeError) as exc:
                    log.warning("ignoring the saved query of %s: %s", panel_id, exc)
    menu = window.add_menu("&Cohorts")
    manage = QAction("&Manage cohorts…", window)
    manage.setObjectName("manageCohorts")

    def open_dialog() -> None:
        dialog = CohortsDialog(store, window)
        dialog.show_members.connect(window.show_users_query)
        dialog.show_members.connect(lambda _spec: dialog.accept())
        dialog.exec()

    manage.triggered.connect(open_dialog)
    menu.addAction(manage)
    window.cohorts_menu = menu


def _mentions_cohort(value: Any) -> bool:
    if isinstance(value, dict):
        return "cohort" in value or any(_mentions_cohort(v) for v in value.values())
    if isinstance(value, list):
        return any(_mentions_cohort(v) for v in value)
    return False
