"""The Connect dialog: forms build the right URL, tests run off the GUI thread, passwords go to the keychain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.core.database import open_database
from app.ui import settings as cfg
from app.ui.dialogs.connect_dialog import ConnectDialog


class MemoryKeyring(KeyringBackend):
    """A keychain that lives in a dict, so a test can see what was stored."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Any:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_postgres_form_builds_url_and_password_goes_to_the_keychain(
    qtbot: Any, ui_settings: Any, memory_keyring: MemoryKeyring
) -> None:
    dialog = ConnectDialog(ui_settings)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(ConnectDialog.TAB_POSTGRES)
    dialog.pg_host.setText("db.example.com")
    dialog.pg_port.setValue(6543)
    dialog.pg_database.setText("analytics")
    dialog.pg_user.setText("ana")
    dialog.pg_password.setText("s3cret-pw")
    dialog.pg_sslmode.setCurrentText("require")
    url = dialog.current_url()
    assert url == "postgresql+psycopg://ana:s3cret-pw@db.example.com:6543/analytics?sslmode=require"

    bare = cfg.remember_connection(ui_settings, url)
    ui_settings.sync()
    text = Path(ui_settings.fileName()).read_text()
    assert "s3cret-pw" not in text
    assert "db.example.com" in text
    assert memory_keyring.store == {("Tracklens", bare): "s3cret-pw"}
    # Reopening the recent connection fetches the password back from the keychain.
    assert cfg.with_password(bare) == url

    again = ConnectDialog(ui_settings)
    qtbot.addWidget(again)
    assert again.recent_list.count() == 1
    assert "s3cret-pw" not in again.recent_list.item(0).text()
    again.recent_list.itemClicked.emit(again.recent_list.item(0))
    assert again.tabs.currentIndex() == ConnectDialog.TAB_POSTGRES
    assert again.pg_password.text() == "s3cret-pw"
    assert again.current_url() == url


def test_without_a_keychain_the_password_is_still_never_written(qtbot: Any, ui_settings: Any) -> None:
    # conftest selects keyring's null backend: nothing can be stored, nothing may leak.
    bare = cfg.remember_connection(ui_settings, "postgresql://bob:hunter2@localhost/events")
    ui_settings.sync()
    assert "hunter2" not in Path(ui_settings.fileName()).read_text()
    assert "hunter2" not in bare


def test_test_connection_reports_success_and_failure(qtbot: Any, ui_settings: Any, sqlite_url: str, tmp_path: Path) -> None:
    dialog = ConnectDialog(ui_settings)
    qtbot.addWidget(dialog)
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    dialog.sqlite_path.setText(str(path))
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text() == "Testing…"  # the answer comes later, from a worker
    qtbot.waitUntil(lambda: dialog.status.text().startswith("✔"), timeout=10_000)
    assert "no Tracklens database at" in dialog.status.text() and "offers to create one" in dialog.status.text()
    assert not path.exists()  # testing a (mistyped) path never creates the file
    open_database(sqlite_url).dispose()
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("✔ Connected (SQLite"), timeout=10_000)

    bogus = tmp_path / "bogus.sqlite"
    bogus.write_bytes(b"garbage" * 1000)
    dialog.sqlite_path.setText(str(bogus))
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("✘"), timeout=10_000)
    assert "not a SQLite database" in dialog.status.text()


def test_url_tab_and_accept(qtbot: Any, ui_settings: Any) -> None:
    dialog = ConnectDialog(ui_settings)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(ConnectDialog.TAB_URL)
    dialog.accept()
    assert dialog.url is None and "Fill in" in dialog.status.text()
    dialog.url_edit.setText("sqlite:////tmp/some.sqlite")
    dialog.accept()
    assert dialog.url == "sqlite:////tmp/some.sqlite"


def test_clickhouse_tab_builds_server_and_folder_urls(qtbot: Any, ui_settings: Any) -> None:
    dialog = ConnectDialog(ui_settings)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(ConnectDialog.TAB_CLICKHOUSE)
    dialog.ch_host.setText("ch.example.com")
    dialog.ch_user.setText("ann")
    dialog.ch_password.setText("s3cret")
    dialog.ch_database.setText("events")
    dialog.ch_https.setChecked(True)
    server = dialog.current_url()
    assert server == "clickhousedb://ann:s3cret@ch.example.com:8443/events?secure=true"
    qtbot.keyClicks(dialog.ch_folder, "/srv/events-chdb")  # typing a folder picks "embedded"
    assert dialog.ch_embedded.isChecked()
    assert dialog.current_url() == "chdb:///srv/events-chdb"

    again = ConnectDialog(ui_settings)
    qtbot.addWidget(again)
    again.set_url(server)
    assert again.tabs.currentIndex() == ConnectDialog.TAB_CLICKHOUSE and again.ch_server.isChecked()
    assert (again.ch_host.text(), again.ch_port.value(), again.ch_database.text()) == ("ch.example.com", 8443, "events")
    assert again.current_url() == server
    again.set_url("chdb:///srv/events-chdb?database=team")
    assert again.ch_embedded.isChecked() and again.ch_folder.text() == "/srv/events-chdb"
    assert again.current_url() == "chdb:///srv/events-chdb?database=team"


def test_test_connection_on_a_chdb_folder(qtbot: Any, ui_settings: Any, chdb_folder: Path) -> None:
    from app.core.database import open_database
    from tests.conftest import chdb_url

    url = chdb_url(chdb_folder)
    open_database(url).dispose()
    dialog = ConnectDialog(ui_settings)
    qtbot.addWidget(dialog)
    dialog.set_url(url)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text()[:1] in "✔✘", timeout=20_000)
    assert dialog.status.text().startswith("✔ Connected (ClickHouse 2"), dialog.status.text()


def test_a_missing_keychain_is_one_calm_notice_in_the_dialog(qtbot: Any, ui_settings: Any,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    """Issue 16: no keychain backend (conftest selects keyring's null one) is said once, in the
    dialog, and nothing is logged as a warning when a password would have been kept."""
    import logging

    dialog = ConnectDialog(ui_settings)
    qtbot.addWidget(dialog)
    note = dialog.findChild(QLabel, "keychainNote")
    assert note is not None and "No system keychain" in note.text()
    with caplog.at_level(logging.WARNING):
        cfg.remember_connection(ui_settings, "postgresql://bob:hunter2@localhost/events")
        assert cfg.load_password("postgresql://bob@localhost/events") is None
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_with_a_keychain_the_dialog_says_where_the_password_goes(qtbot: Any, ui_settings: Any,
                                                                memory_keyring: Any) -> None:
    dialog = ConnectDialog(ui_settings)
    qtbot.addWidget(dialog)
    assert "kept in the system keychain" in dialog.findChild(QLabel, "keychainNote").text()


@pytest.mark.parametrize("first_tab", [ConnectDialog.TAB_SQLITE, ConnectDialog.TAB_CLICKHOUSE])
def test_clickhouse_note_is_not_cut_off(qtbot: Any, ui_settings: Any, first_tab: int) -> None:
    """The ClickHouse tab's note ('A chDB folder opens in one program at a time; …') wraps onto
    two lines, but the dialog kept the height of one: its second line was cut off."""
    from PySide6.QtWidgets import QLabel

    dialog = ConnectDialog(ui_settings)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(first_tab)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.tabs.setCurrentIndex(ConnectDialog.TAB_CLICKHOUSE)
    note = dialog.findChild(QLabel, "chNote")
    assert note is not None
    # The window system resizes the dialog in its own turn: wait for the layout.
    qtbot.waitUntil(lambda: note.isVisible() and note.height() >= note.heightForWidth(note.width()), timeout=5_000)
