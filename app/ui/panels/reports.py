"""Saved reports in the desktop app: Ctrl+S saves the focused panel's query; a Reports menu
opens, renames, deletes, exports and imports them.

The files are app.core.reports' (one JSON file per report in the user's data folder); shared
files are bare queries, runnable as `tracklens query --spec FILE`. Importing checks the query
with the engine's parser first, so a broken file is refused with the parser's one-line reason
instead of landing in a panel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.reports import (
    EXPORT_SUFFIX,
    PANEL_FOR_KIND,
    Report,
    ReportError,
    ReportStore,
    check_report_name,
    export_file_name,
    load_report_json,
)
from app.ui.plain import LIST_TEXT_LIMIT, DataLabel, ask, elided, plain_edit, plain_items, plain_tip
from app.ui.registry import register_extension

log = logging.getLogger(__name__)

#: A report list item's whole name (its text may be cut).
NAME_ROLE = Qt.ItemDataRole.UserRole + 1
#: The longest name a tool tip shows whole (names the app makes are far shorter: MAX_NAME_CHARS).
TIP_TEXT_LIMIT = 2000


def check_query(query: dict[str, Any]) -> None:
    """Refuse a query the engine would refuse (ReportError with the parser's message)."""
    from app.query import QueryError, parse_query

    try:
        parse_query(query)
    except QueryError as exc:
        raise ReportError(f"not a valid query: {exc}") from None


def query_problem(query: dict[str, Any]) -> str | None:
    """The parser's one line on what is wrong with `query`, or None."""
    from app.query import QueryError, parse_query

    try:
        parse_query(query)
    except QueryError as exc:
        return str(exc)
    return None


def as_panel_takes(query: dict[str, Any], panel: str | None) -> dict[str, Any]:
    """`query` as `panel` takes it: a query without a kind (a hand-made file) as one of its kind."""
    if "kind" not in query and panel is not None:
        kind = next((k for k, p in PANEL_FOR_KIND.items() if p == panel), None)
        return {**query, "kind": kind} if kind is not None else query
    return query


def unshowable(query: dict[str, Any], panel: str | None = None) -> str | None:
    """Why a panel would show `query` as another query, or None. A query the parser refuses
    for another reason still opens (a half-made one saved as it was): the panel then says
    what is wrong with it. Unknown keys refuse it whatever else is wrong (the parser finds
    them all the same), and the line names the first other problem too. A query without a
    kind (a hand-made file) is checked as `panel` takes it: as a query of its kind."""
    from app.query import parse_query
    from app.query.errors import QueryError, UnknownKeys

    try:
        parse_query(as_panel_takes(query, panel))
    except UnknownKeys as exc:
        also = f"; also {exc.also}" if exc.also else ""
        # A key with a likely meaning is a typo (say which key was meant); one without, maybe a
        # newer Tracklens's option.
        if exc.suggestions:
            return f"{exc.hinted}{also}"
        return f"{exc.message} (saved by a newer Tracklens?){also}"
    except QueryError:
        pass
    return None


def ui_not_shown(saved: dict[str, Any], shown: dict[str, Any]) -> list[str]:
    """What of a report's view options (`ui`) its panel shows otherwise, one phrase each: a
    chart view or axis this version does not have (a newer Tracklens's, a typo) fell back to
    the default without a word, and an option the panel does not have at all (`"colour"`, a
    typo of `"view"`) was dropped without one."""
    notes = [f"its {key} {_short(saved[key])} is not one this version shows ({_short(shown[key])} instead)"
             for key in saved if key in shown and saved[key] != shown[key]]
    unknown = [_short(key) for key in saved if key not in shown]
    if unknown:
        notes.append(f"its view option{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
                     f"{'are' if len(unknown) > 1 else 'is'} not one{'s' if len(unknown) > 1 else ''} "
                     f"this version has (left out)")
    return notes


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:60] + "…"


class ReportNameDialog(QDialog):
    """Asks for a report's name and keeps asking, in itself, until `submit` takes one.

    QInputDialog closed on Save whatever was typed: a name the store refuses (a line break or tab
    pasted in, more than MAX_NAME_CHARS characters) went to the status bar for 8 seconds with the
    typed text gone, and a name of spaces closed it without a word. Here the reason shows under
    the box, the text stays to be corrected, and nothing is saved until the name is one the
    store takes. `submit(name)` saves and gives None, or the reason it could not (one line)."""

    def __init__(self, title: str, label: str, submit: Callable[[str], str | None],
                 parent: QWidget | None = None, text: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.submit = submit
        self.box = layout = QVBoxLayout(self)
        layout.addWidget(QLabel(label, self))
        self.edit = plain_edit(QLineEdit(text, self))  # Rename: a name with a control is marked
        self.edit.setObjectName("reportName")
        self.edit.setMinimumWidth(360)
        layout.addWidget(self.edit)
        self.problem = DataLabel("", self)  # quotes nothing typed, but a store's error may
        self.problem.setObjectName("reportNameProblem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                   self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        # Once a reason shows, it follows the typing: gone when the name is one a report may have.
        self.edit.textEdited.connect(lambda _text: self.problem.isVisible() and self._check())

    def _check(self) -> str | None:
        try:
            name = check_report_name(self.edit.text())
        except ReportError as exc:
            self.show_problem(str(exc))
            return None
        self.show_problem("")
        return name

    def show_problem(self, text: str) -> None:
        self.problem.setText(f"⚠ {text}" if text else "")
        self.problem.setVisible(bool(text))
        self.box.activate()
        # A shown dialog keeps its height: a reason of two lines was cut to one and a half.
        self.resize(self.width(), max(self.height(), self.box.totalHeightForWidth(self.width())))

    def accept(self) -> None:
        if self._check() is None:
            self.edit.setFocus()
            return
        problem = self.submit(self.edit.text())
        if problem is not None:
            if problem:  # "": the user chose not to go on (kept the report of that name)
                self.show_problem(problem)
            self.edit.setFocus()
            return
        super().accept()


class ReportsDialog(QDialog):
    """The saved reports: open, rename, delete, export, import."""

    open_requested = Signal(object)  # Report

    def __init__(self, store: ReportStore, panel_titles: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Saved reports")
        self.resize(640, 420)
        self.store = store
        self.panel_titles = panel_titles
        layout = QVBoxLayout(self)
        # Names drawn as shown (app.ui.plain); the items keep them (Rename, Open, Delete).
        self.tree = plain_items(QTreeWidget(self))
        self.tree.setObjectName("reportList")
        self.tree.setHeaderLabels(["Name", "Panel", "Saved"])
        self.tree.setRootIsDecorated(False)
        self.tree.setColumnWidth(0, 300)
        layout.addWidget(self.tree, 1)
        self.message = DataLabel("", self)  # report names and errors quoting a shared file
        self.message.setObjectName("reportMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.open_button = QPushButton("Open", self)
        self.rename_button = QPushButton("Rename…", self)
        self.delete_button = QPushButton("Delete", self)
        self.export_button = QPushButton("Export…", self)
        self.import_button = QPushButton("Import…", self)
        close = QPushButton("Close", self)
        for button in (self.open_button, self.rename_button, self.delete_button, self.export_button,
                       self.import_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self.open_button.clicked.connect(self._open)
        self.tree.itemDoubleClicked.connect(lambda _item, _col: self._open())
        self.rename_button.clicked.connect(self._rename)
        self.delete_button.clicked.connect(self._delete)
        self.export_button.clicked.connect(self._export)
        self.import_button.clicked.connect(self._import)
        close.clicked.connect(self.accept)
        self.fill()

    def fill(self) -> None:
        self.tree.clear()
        self.message.setText("")
        reports = self.store.list()
        for report in reports:
            item = QTreeWidgetItem(self.tree, [elided(report.name, LIST_TEXT_LIMIT),
                                               self.panel_titles.get(report.panel, report.panel),
                                               report.saved_at.replace("T", " ")[:16]])
            item.setData(0, Qt.ItemDataRole.UserRole, report.id)
            item.setData(0, NAME_ROLE, report.name)  # the whole name (Rename shows it, to copy)
            # A row too narrow for the name ends it in "…"; the tip shows it whole (a name the
            # app makes has at most MAX_NAME_CHARS; one in a file copied in by hand is cut there).
            item.setToolTip(0, plain_tip(elided(report.name, TIP_TEXT_LIMIT)))
        first = self.tree.topLevelItem(0)
        if first is not None:
            self.tree.setCurrentItem(first)
        elif not self.store.unreadable:
            self.message.setText("No saved reports yet: press Ctrl+S in a panel to save its query.")
        if self.store.unreadable:
            # A hand-edited file that no longer parses would otherwise just vanish from the list.
            more = f" (and {len(self.store.unreadable) - 1} more)" if len(self.store.unreadable) > 1 else ""
            self.message.setText(f"⚠ Skipped in {self.store.folder}: {self.store.unreadable[0]}{more}")

    def selected(self) -> Report | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        try:
            return self.store.get(str(item.data(0, Qt.ItemDataRole.UserRole)))
        except ReportError as exc:
            self.message.setText(f"⚠ {exc}")
            return None

    def select(self, name: str) -> None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None and item.data(0, NAME_ROLE) == name:
                self.tree.setCurrentItem(item)
                return

    def _open(self) -> None:
        report = self.selected()
        if report is not None:
            self.open_requested.emit(report)
            self.accept()

    def _rename(self) -> None:
        report = self.selected()
        if report is None:
            return
        self.rename_dialog(report).exec()

    def rename_dialog(self, report: Report) -> ReportNameDialog:
        """Asks for the new name; a name the store refuses is said in it, with the name as typed."""
        return ReportNameDialog("Rename report", "New name", lambda name: self.renamed(report, name), self,
                                text=report.name)

    def rename(self, report: Report, name: str) -> None:
        problem = self.renamed(report, name)
        if problem is not None:
            self.message.setText(f"⚠ {problem}")

    def renamed(self, report: Report, name: str) -> str | None:
        """Rename; None, or why not in one line."""
        try:
            self.store.rename(report.id, name)
        except ReportError as exc:
            return str(exc)
        self.fill()
        self.select(name.strip())
        return None

    def _delete(self) -> None:
        report = self.selected()
        if report is None:
            return
        if ask(self, "Delete report", f"Delete the report {elided(report.name, LIST_TEXT_LIMIT)!r}?"):
            self.delete(report)

    def delete(self, report: Report) -> None:
        try:
            self.store.delete(report.id)
        except ReportError as exc:
            self.message.setText(f"⚠ {exc}")
            return
        self.fill()

    def _export(self) -> None:
        report = self.selected()
        if report is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export report", export_file_name(report),
                                              f"Tracklens report (*{EXPORT_SUFFIX} *.json)")
        if path:
            self.export_to(report, path)

    def export_to(self, report: Report, path: str) -> bool:
        """Export; a place it cannot write to is one line here (it raised out of the slot)."""
        try:
            self.store.export(report.id, path)
        except (OSError, ReportError) as exc:
            self.message.setText(f"⚠ cannot export to {path}: {getattr(exc, 'strerror', None) or exc}")
            return False
        self.message.setText(f"Exported to {path} — run it with: tracklens query --spec \"{path}\"")
        return True

    def _import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import report", "", f"Tracklens report (*{EXPORT_SUFFIX} *.json)")
        if path:
            self.import_file(path)

    def import_file(self, path: str) -> Report | None:
        try:
            report = import_report(self.store, path)
        except ReportError as exc:
            self.message.setText(f"⚠ {exc}")
            return None
        self.fill()
        self.select(report.name)
        note = f" ({report.note})" if report.note else ""
        self.message.setText(f"Imported “{elided(report.name, LIST_TEXT_LIMIT)}”{note}.")
        return report


def import_report(store: ReportStore, path: str) -> Report:
    """Import a shared file after checking its query with the engine's parser."""
    data = load_report_json(path)
    query = data.get("query") if isinstance(data, dict) and isinstance(data.get("query"), dict) else data
    if isinstance(query, dict):
        check_query(query)
    return store.import_file(path)


class ReportsController:
    """Saves and opens reports for one main window."""

    def __init__(self, window: Any, store: ReportStore | None = None) -> None:
        self.window = window
        self.store = store or ReportStore()
        #: What the last report opened had in its view options that its panel shows otherwise.
        self.notes: list[str] = []
        #: The last Save report dialog (Ctrl+S), open until a name is saved or it is cancelled.
        self.name_dialog: ReportNameDialog | None = None

    def save_dialog(self, panel: Any) -> ReportNameDialog:
        """Ctrl+S: ask for a name (offering to replace a report of the same name); a name the
        store refuses is said in the dialog, which stays open with the name as typed."""

        def submit(name: str) -> str | None:
            replace = False
            if self.store.find(name.strip()) is not None:
                if not ask(dialog, "Save report", f"Replace the report {name.strip()!r}?"):
                    return ""
                replace = True
            try:
                report = self.store.save(name, panel.panel_id, panel.saved_query(), panel.ui_state(),
                                         replace=replace)
            except (ReportError, NotImplementedError) as exc:
                return f"Could not save the report: {exc}"
            self.window.statusBar().showMessage(f"Saved report “{report.name}”", 5000)
            return None

        if self.name_dialog is not None:
            self.name_dialog.deleteLater()  # the one before, closed
        dialog = ReportNameDialog("Save report", f"Save the {panel.title} query as", submit, self.window)
        self.name_dialog = dialog
        dialog.open()  # window-modal, and the caller (a shortcut's slot) goes on
        return dialog

    def save(self, panel: Any, name: str, *, replace: bool = False) -> Report | None:
        try:
            report = self.store.save(name, panel.panel_id, panel.saved_query(), panel.ui_state(),
                                     replace=replace)
        except (ReportError, NotImplementedError) as exc:
            self.window.statusBar().showMessage(f"Could not save the report: {exc}", 8000)
            return None
        self.window.statusBar().showMessage(f"Saved report “{report.name}”", 5000)
        return report

    def open(self, report: Report) -> bool:
        """Show the report in its panel and run it. A report file edited by hand may hold values
        a panel cannot show (`"interval": "fast"`): one line in the status bar, as for a file
        opened from the command line, instead of an exception escaping the Reports dialog."""
        self.notes = []
        panel = self.window.panels.get(report.panel)
        if panel is None:
            self.window.statusBar().showMessage(f"This build has no {report.panel} panel", 8000)
            return False
        problem = unshowable(report.query, report.panel)
        if problem is not None:
            self.window.statusBar().showMessage(f"Could not show the report “{report.name}”: {problem}", 30000)
            return False
        self.window.show_panel(report.panel)
        try:
            shown: tuple[dict[str, Any], dict[str, Any]] | None = (panel.ui_state(), panel.query())
        except (NotImplementedError, ValueError, KeyError, TypeError, AttributeError):
            shown = None  # nothing whole to go back to (a profile with nobody chosen)
        notes: list[str] = []
        refused = query_problem(as_panel_takes(report.query, report.panel))
        try:
            if report.ui:
                panel.set_ui_state(report.ui)
                notes = ui_not_shown(report.ui, panel.ui_state())
            panel.set_query(report.query)
            if refused is not None and query_problem(panel.saved_query()) is None:
                # The panel left out what the parser refuses (`"return": 5` became any event)
                # and would run what is left: another query than the saved one.
                raise ValueError(refused)
        except (ValueError, KeyError, TypeError, AttributeError, NotImplementedError) as exc:
            # A value of the wrong type (`"range": 5`) raised AttributeError in a widget half way
            # through: the parser's words say what is wrong, and the panel gets back what it showed.
            if shown is not None:
                panel.set_ui_state(shown[0])
                panel.set_query(shown[1])
            self.window.statusBar().showMessage(
                f"Could not show the report “{report.name}”: {refused or exc}", 30000)
            return False
        panel.refresh()
        # The query is the one saved, so the report opens; a view option it could not show is
        # presentation (the same numbers), said here as a bad query value is in the panel.
        self.notes = notes
        if notes:
            self.window.statusBar().showMessage(f"Opened report “{report.name}”, but {'; '.join(notes)}", 30000)
        return True

    def open_file(self, path: str) -> Report | None:
        """A report file handed to the app (command line, Finder): import it, then show it.

        Any problem is one line in the status bar: the app was started from a file manager,
        so there is no terminal to print to and a dialog over a starting window helps nobody.
        """
        bar = self.window.statusBar()
        try:
            report = import_report(self.store, path)
        except (ReportError, OSError) as exc:
            bar.showMessage(f"Could not open the report {Path(path).name}: {exc}", 30000)
            return None
        if self.open(report) and not self.notes:
            bar.showMessage(f"Opened report “{report.name}”", 8000)
        return report

    def dialog(self) -> ReportsDialog:
        titles = {pid: p.title for pid, p in self.window.panels.items()}
        dialog = ReportsDialog(self.store, titles, self.window)
        dialog.open_requested.connect(self.open)
        return dialog

    def show_dialog(self) -> None:
        self.dialog().exec()


@register_extension
def install_reports(window: Any) -> None:
    """Ctrl+S saves the focused panel's query; Reports menu lists and shares them."""
    controller = ReportsController(window)
    window.reports = controller
    window.save_report_handler = controller.save_dialog
    menu = window.add_menu("&Reports")
    # Ctrl+S itself belongs to the File menu's action (one owner, no ambiguous shortcut).
    save = QAction("&Save report…\tCtrl+S", window)
    save.triggered.connect(window.save_report)
    menu.addAction(save)
    manage = QAction("&Open saved reports…", window)
    manage.setObjectName("openReports")
    manage.triggered.connect(controller.show_dialog)
    menu.addAction(manage)
    window.reports_menu = menu
