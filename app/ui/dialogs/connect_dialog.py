"""The Connect dialog: a SQLite file, a PostgreSQL server, ClickHouse (a server, or an embedded
chDB folder), or any SQLAlchemy URL.

"Test connection" runs on a worker so a slow or unreachable server never freezes the
dialog. The URL handed back carries the password; the window stores it in the keychain
and keeps only the password-less URL in its settings.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import URL

from app.core.backends import UnsupportedDatabase, backend_for, backend_for_url
from app.core.backends.clickhouse import ClickHouseBackend, clickhouse_missing
from app.core.backends.postgresql import PostgreSQLBackend
from app.core.backends.sqlite import SQLiteBackend
from app.core.database import open_database, parse_url
from app.core.errors import NoTracklensDatabase
from app.ui import settings as cfg
from app.ui.errors import ErrorInfo
from app.ui.plain import DataLabel, plain_items
from app.ui.workers import QueryChannel, SimpleToken, WorkerPool

SSL_MODES = ["prefer", "disable", "allow", "require", "verify-ca", "verify-full"]


class ConnectDialog(QDialog):
    """Pick a database; `url` holds the chosen SQLAlchemy URL after `accept()`."""

    TAB_SQLITE, TAB_POSTGRES, TAB_CLICKHOUSE, TAB_URL = range(4)

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect to a database")
        self.setObjectName("connectDialog")
        self.settings = settings
        self.url: str | None = None
        self.is_demo = False
        #: the person asked for a new database (SQLite "New…"): open it creating it
        self.create_new = False
        self._new_path: str | None = None
        self._pool = WorkerPool(max_threads=1, parent=self)
        self._tester = QueryChannel(self._pool, token_factory=SimpleToken, parent=self)
        self._tester.result.connect(self._on_test_ok)
        self._tester.failed.connect(self._on_test_failed)
        self._tester.reconnecting.connect(self._on_test_unreachable)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Recent connections:"))
        self.recent_list = plain_items(QListWidget(self))  # URLs the user typed: file names, hosts
        self.recent_list.setObjectName("recentList")
        self.recent_list.setMaximumHeight(110)
        for url in cfg.recent_connections(settings):
            QListWidgetItem(cfg.split_password(url)[0], self.recent_list)
        self.recent_list.itemClicked.connect(self._on_recent_clicked)
        self.recent_list.itemDoubleClicked.connect(lambda _item: self.accept())
        layout.addWidget(self.recent_list)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._sqlite_tab(), "SQLite file")
        self.tabs.addTab(self._postgres_tab(), "PostgreSQL")
        self.tabs.addTab(self._clickhouse_tab(), "ClickHouse")
        self.tabs.addTab(self._url_tab(), "SQLAlchemy URL")
        layout.addWidget(self.tabs)

        self.status = DataLabel("", self)  # a server's error messages
        self.status.setObjectName("testStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.test_button = QPushButton("Test connection", self)
        self.test_button.setObjectName("testButton")
        buttons.addButton(self.test_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.test_button.clicked.connect(self.test_connection)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 460)
        self.tabs.currentChanged.connect(lambda _index: self._fit_height())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        """Tall enough for the shown tab's wrapped text at this width (the ClickHouse note): the
        dialog's minimum size counts one line of it, and its second line was cut off."""
        layout = self.layout()
        if layout is None:
            return
        layout.invalidate()  # a tab just shown: its height is not counted yet
        needed = layout.totalHeightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)

    # ----------------------------------------------------------------- tabs
    def _sqlite_tab(self) -> QWidget:
        tab = QWidget(self)
        form = QFormLayout(tab)
        self.sqlite_path = QLineEdit(tab)
        self.sqlite_path.setObjectName("sqlitePath")
        self.sqlite_path.setPlaceholderText("/path/to/events.sqlite")
        row = QHBoxLayout()
        row.addWidget(self.sqlite_path, 1)
        browse = QPushButton("Open…", tab)
        browse.clicked.connect(self._browse_sqlite)
        new = QPushButton("New…", tab)
        new.clicked.connect(self._new_sqlite)
        row.addWidget(browse)
        row.addWidget(new)
        form.addRow("File:", row)
        form.addRow(QLabel("A new file becomes an empty Tracklens database.", tab))
        return tab

    def _postgres_tab(self) -> QWidget:
        tab = QWidget(self)
        form = QFormLayout(tab)
        self.pg_host = QLineEdit("localhost", tab)
        self.pg_port = QSpinBox(tab)
        self.pg_port.setRange(1, 65535)
        self.pg_port.setValue(5432)
        self.pg_database = QLineEdit("tracklens", tab)
        self.pg_user = QLineEdit(tab)
        self.pg_password = QLineEdit(tab)
        self.pg_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.pg_sslmode = QComboBox(tab)
        self.pg_sslmode.addItems(SSL_MODES)
        for name, widget in (
            ("Host:", self.pg_host),
            ("Port:", self.pg_port),
            ("Database:", self.pg_database),
            ("User:", self.pg_user),
            ("Password:", self.pg_password),
            ("SSL mode:", self.pg_sslmode),
        ):
            form.addRow(name, widget)
        keychain = QLabel(cfg.keychain_missing() or "The password is kept in the system keychain, not in settings.",
                          tab)
        keychain.setObjectName("keychainNote")
        keychain.setWordWrap(True)
        form.addRow(keychain)
        return tab

    def _clickhouse_tab(self) -> QWidget:
        tab = QWidget(self)
        form = QFormLayout(tab)
        self.ch_server = QRadioButton("Server or cluster (HTTP)", tab)
        self.ch_server.setObjectName("chServer")
        self.ch_embedded = QRadioButton("Embedded chDB folder (this computer)", tab)
        self.ch_embedded.setObjectName("chEmbedded")
        self.ch_server.setChecked(True)
        form.addRow(self.ch_server)
        self.ch_host = QLineEdit("localhost", tab)
        self.ch_port = QSpinBox(tab)
        self.ch_port.setRange(1, 65535)
        self.ch_port.setValue(8123)
        self.ch_database = QLineEdit("default", tab)
        self.ch_user = QLineEdit("default", tab)
        self.ch_password = QLineEdit(tab)
        self.ch_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.ch_https = QCheckBox("HTTPS", tab)
        self.ch_https.toggled.connect(lambda on: self.ch_port.setValue(8443 if on else 8123))
        for name, widget in (("Host:", self.ch_host), ("Port:", self.ch_port), ("Database:", self.ch_database),
                             ("User:", self.ch_user), ("Password:", self.ch_password), ("", self.ch_https)):
            form.addRow(name, widget)
        form.addRow(self.ch_embedded)
        self.ch_folder = QLineEdit(tab)
        self.ch_folder.setObjectName("chFolder")
        self.ch_folder.setPlaceholderText("/path/to/events-chdb (a folder; created when new)")
        row = QHBoxLayout()
        row.addWidget(self.ch_folder, 1)
        browse = QPushButton("Folder…", tab)
        browse.clicked.connect(self._browse_chdb)
        row.addWidget(browse)
        form.addRow("Folder:", row)
        self.ch_folder.textEdited.connect(lambda _text: self.ch_embedded.setChecked(True))
        self._chdb_database: str | None = None  # a database inside the folder other than `default`
        missing = clickhouse_missing()
        note = QLabel(missing or "A chDB folder opens in one program at a time; the app runs the demo simulator "
                      "and collector itself.", tab)
        note.setObjectName("chNote")
        note.setWordWrap(True)
        form.addRow(note)
        return tab

    def _browse_chdb(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "A chDB folder (or an empty folder for a new database)")
        if path:
            self.ch_folder.setText(path)
            self.ch_embedded.setChecked(True)

    def _url_tab(self) -> QWidget:
        tab = QWidget(self)
        form = QFormLayout(tab)
        self.url_edit = QLineEdit(tab)
        self.url_edit.setObjectName("urlEdit")
        self.url_edit.setPlaceholderText("postgresql+psycopg://user:password@host/db, clickhousedb://user@host:8123/db "
                                         "or sqlite:///file.sqlite")
        form.addRow("URL:", self.url_edit)
        return tab

    def _browse_sqlite(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a SQLite database", "", "SQLite (*.sqlite *.db);;All files (*)")
        if path:
            self.sqlite_path.setText(path)

    def _new_sqlite(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New SQLite database", "events.sqlite", "SQLite (*.sqlite *.db)")
        if path:
            self.sqlite_path.setText(path)
            self._new_path = path

    def _on_recent_clicked(self, item: QListWidgetItem) -> None:
        self.set_url(item.text())

    # ----------------------------------------------------------------- URL
    def set_url(self, url: str) -> None:
        """Fill the tab that fits `url` (used by the recent list)."""
        parsed = parse_url(url)
        if parsed is None:
            self.tabs.setCurrentIndex(self.TAB_URL)
            self.url_edit.setText(url)
            return
        try:
            backend: str | None = backend_for_url(url).name
        except UnsupportedDatabase:
            backend = None
        if backend == SQLiteBackend.name:
            self.tabs.setCurrentIndex(self.TAB_SQLITE)
            self.sqlite_path.setText(parsed.database or "")
        elif backend == PostgreSQLBackend.name:
            self.tabs.setCurrentIndex(self.TAB_POSTGRES)
            self.pg_host.setText(parsed.host or "localhost")
            self.pg_port.setValue(parsed.port or 5432)
            self.pg_database.setText(parsed.database or "")
            self.pg_user.setText(parsed.username or "")
            password = parsed.password or cfg.load_password(cfg.split_password(url)[0])
            self.pg_password.setText(str(password or ""))
            mode = str(parsed.query.get("sslmode", "prefer"))
            self.pg_sslmode.setCurrentText(mode if mode in SSL_MODES else "prefer")
        elif backend == ClickHouseBackend.name:
            self.tabs.setCurrentIndex(self.TAB_CLICKHOUSE)
            if ClickHouseBackend.is_embedded(parsed):
                self.ch_embedded.setChecked(True)
                self.ch_folder.setText("/" + (parsed.database or "").lstrip("/"))
                inside = parsed.query.get("database")
                self._chdb_database = inside if isinstance(inside, str) else None
            else:
                self.ch_server.setChecked(True)
                self.ch_host.setText(parsed.host or "localhost")
                self.ch_https.setChecked(str(parsed.query.get("secure", "")).lower() in ("1", "true"))
                self.ch_port.setValue(parsed.port or (8443 if self.ch_https.isChecked() else 8123))
                self.ch_database.setText(parsed.database or "default")
                self.ch_user.setText(parsed.username or "default")
                password = parsed.password or cfg.load_password(cfg.split_password(url)[0])
                self.ch_password.setText(str(password or ""))
        else:
            self.tabs.setCurrentIndex(self.TAB_URL)
            self.url_edit.setText(url)

    def current_url(self) -> str | None:
        """The URL the form describes, password included; None when the form is incomplete."""
        tab = self.tabs.currentIndex()
        if tab == self.TAB_SQLITE:
            path = self.sqlite_path.text().strip()
            return f"sqlite:///{path}" if path else None
        if tab == self.TAB_POSTGRES:
            if not self.pg_host.text().strip() or not self.pg_database.text().strip():
                return None
            query: dict[str, Any] = {}
            if self.pg_sslmode.currentText() != "prefer":
                query["sslmode"] = self.pg_sslmode.currentText()
            url = URL.create(
                "postgresql+psycopg",
                username=self.pg_user.text().strip() or None,
                password=self.pg_password.text() or None,
                host=self.pg_host.text().strip(),
                port=self.pg_port.value(),
                database=self.pg_database.text().strip(),
                query=query,
            )
            return url.render_as_string(hide_password=False)
        if tab == self.TAB_CLICKHOUSE:
            if self.ch_embedded.isChecked():
                folder = self.ch_folder.text().strip()
                return ClickHouseBackend().folder_url(folder, self._chdb_database) if folder else None
            if not self.ch_host.text().strip():
                return None
            return ClickHouseBackend.server_url(
                host=self.ch_host.text().strip(), port=self.ch_port.value(),
                database=self.ch_database.text().strip() or None, username=self.ch_user.text().strip() or None,
                password=self.ch_password.text() or None, secure=self.ch_https.isChecked())
        text = self.url_edit.text().strip()
        return cfg.with_password(text) if text else None

    # ----------------------------------------------------------------- testing
    def test_connection(self) -> None:
        url = self.current_url()
        if not url:
            self.status.setText("Fill in the connection first.")
            return
        self.status.setText("Testing…")
        self.test_button.setEnabled(False)
        self._tested_url = url

        def job(_token: Any) -> str:
            try:  # never creates anything: a mistyped SQLite path must not leave an empty file
                engine = open_database(url, create=False, require_tracklens=True)
            except NoTracklensDatabase as missing:
                return f"✔ Reachable, but {missing}: opening it offers to create one."
            try:
                version = ".".join(map(str, engine.dialect.server_version_info or ()))
                return f"✔ Connected ({backend_for(engine).label} {version})."
            finally:
                engine.dispose()

        self._tester.submit(job)

    _tested_url: str | None = None

    def _tested_what_is_shown(self) -> bool:
        """The answer is about the connection the form shows; else the form says so."""
        self.test_button.setEnabled(True)
        if self.current_url() == self._tested_url:
            return True
        self.status.setText("The connection was changed while it was being tested: Test it again.")
        return False

    def _on_test_ok(self, answer: str) -> None:
        if self._tested_what_is_shown():
            self.status.setText(answer)

    def _on_test_failed(self, info: ErrorInfo) -> None:
        if self._tested_what_is_shown():
            self.status.setText(f"✘ {info.message}")

    def _on_test_unreachable(self, _seconds: float) -> None:
        # A test answers once; no back-off loop here.
        self._tester.cancel(quiet=True)
        if self._tested_what_is_shown():
            self.status.setText("✘ cannot reach the database server")

    def accept(self) -> None:
        url = self.current_url()
        if not url:
            self.status.setText("Fill in the connection first.")
            return
        self.url = url
        self.create_new = (self.tabs.currentIndex() == self.TAB_SQLITE and self._new_path is not None
                           and self.sqlite_path.text().strip() == self._new_path)
        self._pool.close(0)
        super().accept()

    def reject(self) -> None:
        self._pool.close(0)
        super().reject()
