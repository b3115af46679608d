"""View > Show query: the focused panel's JSON query and the SQL it sends to this database.

The JSON is what a saved report stores and what `tracklens query --spec` runs, so it can be
copied or saved as a file; the SQL is what the engine sends (app.query.explain), with the
values written in, ready for `sqlite3` or `psql`. The SQL is worked out off the GUI thread
(it runs the query to learn the follow-up statements); its progress and errors show inside
the dialog.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.files import write_text_atomically
from app.ui.connection import Connection
from app.ui.errors import ErrorInfo
from app.ui.plain import DataLabel, window_title, written_out
from app.ui.workers import QueryChannel


def _code_view(text: str) -> QPlainTextEdit:
    view = QPlainTextEdit(text)
    view.setReadOnly(True)
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    return view


class ShowQueryDialog(QDialog):
    """Two tabs, JSON and SQL, each with Copy; the JSON also with Save as…"""

    def __init__(self, title: str, spec: dict[str, Any], connection: Connection | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("showQueryDialog")
        self.setWindowTitle(window_title(f"Query of {title}"))
        self.resize(820, 560)
        self.spec = spec
        # A bidirectional control in a name or value (U+202E reverses what follows it) is
        # written as its JSON escape: the same query, shown, copied and saved as it reads.
        self.json_text = written_out(json.dumps(spec, ensure_ascii=False, indent=2))
        #: The SQL as sent (what Copy copies); the view writes its bidirectional controls out.
        self.sql_text = ""

        self.tabs = QTabWidget()
        self.json_view = _code_view(self.json_text)
        self.sql_view = _code_view("")
        self.sql_status = DataLabel()  # errors may quote the query's values
        self.sql_status.setObjectName("sqlStatus")
        self.sql_status.setWordWrap(True)

        json_page = QWidget()
        json_layout = QVBoxLayout(json_page)
        json_layout.addWidget(QLabel("What the panel asks. Saved reports store it; "
                                     "<code>tracklens query --spec FILE</code> runs it."))
        json_layout.addWidget(self.json_view)
        json_buttons = QHBoxLayout()
        self.copy_json = QPushButton("Copy")
        self.copy_json.clicked.connect(lambda: self._copy(self.json_text))
        self.save_json = QPushButton("Save as…")
        self.save_json.clicked.connect(self._save)
        json_buttons.addWidget(self.copy_json)
        json_buttons.addWidget(self.save_json)
        json_buttons.addStretch(1)
        json_layout.addLayout(json_buttons)
        self.json_message = DataLabel()
        self.json_message.setObjectName("jsonMessage")
        self.json_message.setWordWrap(True)
        json_layout.addWidget(self.json_message)

        sql_page = QWidget()
        sql_layout = QVBoxLayout(sql_page)
        sql_layout.addWidget(self.sql_status)
        sql_layout.addWidget(self.sql_view)
        sql_buttons = QHBoxLayout()
        self.copy_sql = QPushButton("Copy")
        self.copy_sql.setEnabled(False)
        self.copy_sql.clicked.connect(lambda: self._copy(self.sql_text))
        sql_buttons.addWidget(self.copy_sql)
        sql_buttons.addStretch(1)
        sql_layout.addLayout(sql_buttons)

        self.tabs.addTab(json_page, "JSON")
        self.tabs.addTab(sql_page, "SQL")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(close)

        self.channel = QueryChannel(connection.pool if connection is not None else None, parent=self)
        self.channel.result.connect(self._on_sql)
        self.channel.failed.connect(self._on_failed)
        self.channel.reconnecting.connect(
            lambda seconds: self.sql_status.setText(f"Connection lost; trying again in {seconds:.0f} s…"))
        if connection is None:
            self.sql_status.setText("Connect to a database to see the SQL sent to it.")
        else:
            self.sql_status.setText(f"Working out the SQL sent to {connection.backend.label}…")
            engine = connection.engine
            frozen = dict(spec)

            def job(token: Any) -> Any:
                from app.query.explain import explain_query

                return explain_query(engine, frozen, cancel=token)

            self.channel.submit(job)

    def _on_sql(self, statements: Any) -> None:
        self.sql_text = "\n\n".join(statements)
        shown = written_out(self.sql_text)
        self.sql_view.setPlainText(shown)
        self.sql_status.setText(f"{len(statements)} statement{'s' if len(statements) != 1 else ''} as sent, "
                                "values written in (the engine binds them as parameters)."
                                + (" Bidirectional controls in the values are shown as \\u202e and the like; "
                                   "Copy copies them as they are." if shown != self.sql_text else ""))
        self.copy_sql.setEnabled(bool(statements))

    def _on_failed(self, info: ErrorInfo) -> None:
        self.sql_status.setText(f"No SQL: {info.message}")

    def _copy(self, text: str) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(text)

    def _save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save query", "query.json", "JSON query (*.json)")
        if path:
            self.save_to(path)

    def save_to(self, path: str) -> bool:
        """Save the JSON; a folder it cannot write to is said under the buttons (it raised out
        of the button's slot), and a failed write leaves a file being replaced whole."""
        try:
            write_text_atomically(path, self.json_text + "\n")
        except OSError as exc:
            self.json_message.setText(f"⚠ cannot write {path}: {exc.strerror or exc}")
            return False
        self.json_message.setText(f"Saved to {path}")
        return True

    def done(self, result: int) -> None:
        self.channel.cancel(quiet=True)
        super().done(result)
