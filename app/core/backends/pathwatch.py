"""Keeping an engine on the file or folder it opened (a SQLite file, a chDB folder).

A database kept at a path the user can delete, move or replace while it is open (`rm`, `mv
new events.sqlite`, `mv other-folder shop-ch`) goes on answering from what the process opened:
SQLite keeps the old file's handle; chDB keeps the old folder's tables in memory and writes its
new parts at the path, into whatever is there now. Either way a writer reported events stored
that nobody would read again. So each time the pool hands out a connection, one os.stat (2-3 us)
compares the path's file or folder (device, inode) with the one the connection opened. On a
change every pooled connection is dropped, and a new connection is refused while the path holds
nothing, or another file or folder than the engine first opened unless the engine follows
replacements (follow_replaced_file: the app; the writers refuse, so a collector answers 503
until it is restarted). The backends add what their database needs (sqlite.py: the old file's
WAL written into it first; clickhouse.py: the refusal before chDB starts at the path).

Windows does not let an open file be deleted or renamed, so this rarely fires there; os.stat
gives st_dev/st_ino there too (volume serial number, file index).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import InvalidatePoolError

from app.core.errors import DatabaseError

Identity = tuple[int, int]


def identity(path: Path) -> Identity | None:
    """Which file or folder is at `path` (device, inode), or None when there is none."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


class PathWatch:
    """An engine's watch on its path (see the module docstring)."""

    #: what is at the path, in messages: "database file", "chDB folder"
    what = "database file"
    #: ... and what might replace it: "file", "folder"
    kind = "file"
    #: what check() says of a path holding another file or folder than the connection opened
    changed = "replaced by another file"

    def __init__(self, path: Path) -> None:
        self.path = path
        #: what the engine first opened; with `follow`, what it opened last
        self.opened: Identity | None = None
        self.follow = False
        self.notify: Any = None
        self._lock = threading.Lock()
        #: old files or folders already released and announced
        self._handled: set[Identity] = set()
        #: the last notify() message, until a connection is made again
        self._told: str | None = None

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "connect", self._connected)
        event.listen(engine, "checkout", self._checkout)

    def refusal(self) -> str | None:
        """Why a new connection must not be made now (None: it may): the path holds nothing (the
        database would make an empty one there), or another file or folder than the engine opened
        and it does not follow replacements. Announces a removal."""
        if self.opened is None:
            return None  # the engine's first connection: open_database creates or opens it
        now = self.identify()
        if now is None:
            self._tell(now)
            return self._removed()
        if now != self.opened and not self.follow:
            return (f"the {self.what} {self.path} was replaced by another {self.kind} while in use; nothing is "
                    f"stored in or read from the new one before Tracklens opens it again (restart the command)")
        return None

    def identify(self) -> Identity | None:
        """What is at the path now (None: nothing usable)."""
        return identity(self.path)

    def opened_by(self, dbapi_conn: Any) -> Identity | None:
        """What a new connection opened: the file or folder at the path now."""
        return self.identify()

    def _connected(self, dbapi_conn: Any, record: Any) -> None:
        now = self.opened_by(dbapi_conn)
        record.info["tracklens_file"] = now
        with self._lock:
            if self.opened is None or (self.follow and now is not None):
                self.opened = now
            self._told = None

    def _checkout(self, dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        opened = record.info.get("tracklens_file")
        now = self.identify()
        if opened is None or now == opened:
            return
        with self._lock:
            first = opened not in self._handled
            self._handled.add(opened)
        if first:
            self.release(dbapi_conn)
        self._tell(now)
        # Drops every connection of the pool opened before now; a new one is then made (or
        # refused: refusal()).
        raise InvalidatePoolError(f"{self.path} is another {self.kind} now")

    def check(self, record_info: Any) -> None:
        """DatabaseError when the path no longer holds what this connection opened."""
        opened = record_info.get("tracklens_file")
        now = self.identify()
        if opened is None or now == opened:
            return
        if now is None:
            raise DatabaseError(self._removed())
        raise DatabaseError(f"the {self.what} {self.path} was {self.changed} while in use; nothing was stored")

    def release(self, dbapi_conn: Any) -> None:
        """What to do with the old file or folder once, before its connections are dropped."""

    def _tell(self, now: Identity | None) -> None:
        """notify() once about each change."""
        message = (f"The {self.what} {self.path} was "
                   f"{f'replaced by another {self.kind}' if now is not None else 'deleted or moved'} while open.")
        with self._lock:
            if self.notify is None or message == self._told:
                return
            self._told = message
        self.notify(message)

    def _removed(self) -> str:
        return (f"the {self.what} {self.path} was deleted or moved while in use; nothing is stored in or "
                f"read from that path before a {self.kind} is back there")
