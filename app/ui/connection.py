"""An open event database as the GUI holds it: the engine plus the threads that query it."""

from __future__ import annotations

import contextlib
from typing import Any

from PySide6.QtCore import QObject, Signal
from sqlalchemy import Engine

from app.core.backends import backend_for
from app.core.database import redact
from app.ui.workers import Job, WorkerPool


class Connection(QObject):
    """One database the window is connected to; panels query it through `query_job`.

    `state_changed` carries "connected", "reconnecting" or "lost", as the panels' channels
    observe the server; the status bar shows it.
    """

    state_changed = Signal(str)
    #: The database's file was replaced or removed while open (SQLite), with a sentence saying
    #: so; the connection then reads the new file, or fails with that reason while none is there.
    file_changed = Signal(str)

    def __init__(self, url: str, engine: Engine, *, is_demo: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.url = url
        self.engine = engine
        self.is_demo = is_demo
        self.backend = backend_for(engine)
        self.pool = WorkerPool(max_threads=self.backend.query_threads, parent=self)
        self._state = "connected"
        # The app shows what is at the path: a demo made again, an export copied over the file.
        self.backend.follow_replaced_file(engine, self._on_file_changed)

    def _on_file_changed(self, message: str) -> None:
        """Called on a worker's thread, from the pool; the signal reaches the GUI thread queued."""
        with contextlib.suppress(RuntimeError):  # closed and deleted meanwhile
            self.file_changed.emit(message)

    @property
    def display_url(self) -> str:
        return redact(self.url)

    @property
    def state(self) -> str:
        return self._state

    def set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    def query_job(self, spec: dict[str, Any]) -> Job:
        """A job for a worker: answer `spec` with the query engine, cancellable by its token."""
        engine = self.engine
        frozen = dict(spec)

        def job(token: Any) -> Any:
            from app.query import run_query

            return run_query(engine, frozen, cancel=token)

        return job

    def close(self, wait_ms: int = 5000) -> None:
        """Cancel running queries, wait for the workers, release the database."""
        self.pool.close(wait_ms)
        self.engine.dispose()
