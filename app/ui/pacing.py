"""Results shown one panel per event-loop turn.

When a database opens, every panel's first query finishes within a few milliseconds of the
others; shown in the same turn, their tables and charts add up to one long GUI-thread pause
(each is 10-50 ms). Queued here, each panel's result is shown in its own turn, so input,
painting and timers run between them. A panel's newer result replaces its queued older one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer
from shiboken6 import isValid


class ResultPacer(QObject):
    """`submit(owner, show)` runs `show()` in a later turn, one owner's per turn, oldest first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue: dict[int, tuple[Any, Callable[[], None]]] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._step)

    def submit(self, owner: Any, show: Callable[[], None]) -> None:
        self._queue.pop(id(owner), None)
        self._queue[id(owner)] = (owner, show)
        if not self._timer.isActive():
            self._timer.start()

    def discard(self, owner: Any) -> None:
        """Forget the owner's queued result (an error or another database came after it)."""
        self._queue.pop(id(owner), None)

    def pending(self, owner: Any) -> bool:
        return id(owner) in self._queue

    def _step(self) -> None:
        if not self._queue:
            return
        key = next(iter(self._queue))
        owner, show = self._queue.pop(key)
        if self._queue:
            self._timer.start()
        if not isinstance(owner, QObject) or isValid(owner):  # its window may have closed meanwhile
            show()


def result_pacer() -> ResultPacer:
    """The application's pacer (one per QApplication, so panels of every window take turns)."""
    app = QCoreApplication.instance()
    existing = app.findChild(ResultPacer) if app is not None else None
    if isinstance(existing, ResultPacer):
        return existing
    return ResultPacer(app)
