"""What every panel may reach: the current connection, the discovery cache, the settings."""

from __future__ import annotations

import functools

from PySide6.QtCore import QObject, QSettings, Signal

from app.ui.connection import Connection


class AppContext(QObject):
    """Shared state handed to each panel; `connection_changed` fires on (re)connect and close.

    `connection_changed(None)` means "no database": panels clear themselves and wait.
    `connecting(str, fraction)` tells panels a database is being opened or created.
    """

    connection_changed = Signal(object)
    connecting = Signal(str, object)  # message, share done (float 0..1) or None
    connect_failed = Signal(str)
    #: A panel's Retry was pressed while no database is open.
    reconnect_requested = Signal()
    #: A sentence for the status bar: the open database's file was replaced or removed.
    notice = Signal(str)

    def __init__(self, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._connection: Connection | None = None
        from app.ui.discovery import DiscoveryCache

        self.discovery = DiscoveryCache(self)

    @property
    def connection(self) -> Connection | None:
        return self._connection

    def set_connection(self, connection: Connection | None) -> None:
        self._connection = connection
        if connection is not None:
            connection.file_changed.connect(functools.partial(self._on_file_changed, connection))
        self.discovery.set_connection(connection)
        self.connection_changed.emit(connection)

    def _on_file_changed(self, connection: Connection, message: str) -> None:
        """The file under the open database was replaced or removed: what every panel shows came
        from the old one, so it is announced as a new connection (each panel clears and asks
        again: the new file's data, or the reason there is none), and said in the status bar."""
        if connection is not self._connection:
            return
        self.notice.emit(message)
        self.discovery.set_connection(connection)
        self.connection_changed.emit(connection)
