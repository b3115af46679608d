"""Running database work off the GUI thread.

Each open connection owns one `WorkerPool` (a small private QThreadPool: SQLite in WAL mode
serves a few concurrent readers well, but more threads than cores only thrash). Panels talk
to it through a `QueryChannel`, which keeps at most one request alive: a newer request
supersedes the older one, whose statement is cancelled through its token and whose result,
should it still arrive, is dropped. Results travel back through a queued signal on a
long-lived relay object, so they are always handled on the GUI thread and workers never
touch a widget (the habit of Anki's QueryOp and Orange's ConcurrentWidgetMixin).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from app.ui.errors import ErrorInfo, classify_error

log = logging.getLogger(__name__)


class Token(Protocol):
    """What a job receives to notice cancellation (app.query.CancelToken fits)."""

    def cancel(self) -> None: ...


Job = Callable[[Any], Any]
TokenFactory = Callable[[], Any]


class SimpleToken:
    """A thread-safe cancellation flag, for jobs that do not call the query engine."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


def default_token_factory() -> Any:
    """A cancel token the query engine understands."""
    from app.query import CancelToken

    return CancelToken()


class _Relay(QObject):
    """Lives on the GUI thread for the whole life of the pool; workers emit through it."""

    done = Signal(int, object)
    failed = Signal(int, object)


class _Runnable(QRunnable):
    def __init__(self, request_id: int, job: Job, token: Any, relay: _Relay) -> None:
        super().__init__()
        self._request_id = request_id
        self._job = job
        self._token = token
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._job(self._token)
        except BaseException as exc:  # delivered to the GUI thread, never raised in the pool
            self._relay.failed.emit(self._request_id, exc)
        else:
            self._relay.done.emit(self._request_id, result)


class WorkerPool(QObject):
    """The threads of one connection, and the bookkeeping that routes results home."""

    def __init__(self, max_threads: int = 3, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._pool.setExpiryTimeout(30_000)
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done)
        self._relay.failed.connect(self._on_failed)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Callable[[Any], None], Callable[[BaseException], None]]] = {}
        self._tokens: dict[int, Any] = {}
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def submit(
        self,
        job: Job,
        token: Any,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> int:
        """Run `job(token)` on a worker; exactly one callback later runs on the GUI thread."""
        if self._closed:
            raise RuntimeError("the connection is closed")
        request_id = next(self._ids)
        self._callbacks[request_id] = (on_done, on_error)
        self._tokens[request_id] = token
        self._pool.start(_Runnable(request_id, job, token, self._relay))
        return request_id

    def forget(self, request_id: int) -> None:
        """Drop the callbacks of a request whose result nobody wants any more."""
        self._callbacks.pop(request_id, None)

    def active_count(self) -> int:
        return len(self._tokens)

    @Slot(int, object)
    def _on_done(self, request_id: int, result: Any) -> None:
        self._tokens.pop(request_id, None)
        callbacks = self._callbacks.pop(request_id, None)
        if callbacks is not None and not self._closed:
            callbacks[0](result)

    @Slot(int, object)
    def _on_failed(self, request_id: int, exc: BaseException) -> None:
        self._tokens.pop(request_id, None)
        callbacks = self._callbacks.pop(request_id, None)
        if callbacks is not None and not self._closed:
            callbacks[1](exc)

    def close(self, wait_ms: int = 5000) -> bool:
        """Cancel everything and wait (bounded) for the workers; True when they all stopped."""
        self._closed = True
        for token in list(self._tokens.values()):
            try:
                token.cancel()
            except Exception:  # a token that cannot cancel must not stop the shutdown
                log.exception("cancel failed")
        self._callbacks.clear()
        self._pool.clear()
        return bool(self._pool.waitForDone(wait_ms))


#: Back-off delays (seconds) between retries of a request that lost its connection.
BACKOFF_SECONDS: tuple[float, ...] = (0.5, 1, 2, 4, 8, 15, 30)


class QueryChannel(QObject):
    """One panel's line to the database: at most one live request, the newest wins.

    Signals fire on the GUI thread. `busy_changed(True)` precedes every request;
    exactly one of `result`, `failed`, `cancelled` (or a new request) ends it. A request
    that fails because the connection was lost is retried with back-off, announcing
    `reconnecting(seconds)` before each wait; `recovered` when the server answers again, or
    `retries_stopped` when the request is cancelled before it did.
    """

    busy_changed = Signal(bool)
    result = Signal(object)
    failed = Signal(object)  # ErrorInfo
    cancelled = Signal()
    reconnecting = Signal(float)
    recovered = Signal()
    retries_stopped = Signal()

    def __init__(
        self,
        pool: WorkerPool | None = None,
        token_factory: TokenFactory = default_token_factory,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._pool = pool
        self._token_factory = token_factory
        self._request_id: int | None = None
        self._token: Any = None
        self._job: Job | None = None
        self._attempt = 0
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(self._retry)
        self._was_reconnecting = False
        #: Seconds to wait before each retry after a lost connection (the last one repeats).
        self.backoff: tuple[float, ...] = BACKOFF_SECONDS

    def set_pool(self, pool: WorkerPool | None) -> None:
        """Point the channel at another connection; any request in flight is cancelled."""
        self.cancel(quiet=True)
        self._pool = pool

    @property
    def busy(self) -> bool:
        return self._request_id is not None or self._retry_timer.isActive()

    @property
    def retrying(self) -> bool:
        """Waiting to try again a request that lost its connection."""
        return self._retry_timer.isActive()

    @property
    def waiting_for_server(self) -> bool:
        """A request that lost its connection is waiting for its next try or making it."""
        return self._was_reconnecting and self.busy

    def submit(self, job: Job) -> None:
        """Run `job(token)`, superseding (cancelling and dropping) any older request."""
        self._retry_timer.stop()
        self._attempt = 0
        self._job = job
        self._start()

    def cancel(self, quiet: bool = False) -> None:
        """Stop the current request; its result will be dropped."""
        was_busy = self.busy
        was_reconnecting, self._was_reconnecting = self._was_reconnecting, False
        self._retry_timer.stop()
        self._drop_current()
        self._job = None
        if was_busy and not quiet:
            self.busy_changed.emit(False)
            self.cancelled.emit()
        if was_reconnecting:
            self.retries_stopped.emit()

    def retry_now(self) -> None:
        """Skip the back-off wait and try the pending request again."""
        if self._job is not None:
            self._retry_timer.stop()
            self._start()

    def _drop_current(self) -> None:
        if self._request_id is not None and self._pool is not None:
            self._pool.forget(self._request_id)
        if self._token is not None:
            self._token.cancel()
        self._request_id = None
        self._token = None

    def _start(self) -> None:
        self._drop_current()
        if self._pool is None or self._pool.closed or self._job is None:
            self.failed.emit(ErrorInfo("not connected to a database", transient=False))
            return
        token = self._token_factory()
        self._token = token
        self.busy_changed.emit(True)
        self._request_id = self._pool.submit(self._job, token, self._on_done, self._on_error)

    def _on_done(self, result: Any) -> None:
        self._request_id = None
        self._token = None
        self._attempt = 0
        self.busy_changed.emit(False)
        if self._was_reconnecting:
            self._was_reconnecting = False
            self.recovered.emit()
        self.result.emit(result)

    def _on_error(self, exc: BaseException) -> None:
        self._request_id = None
        self._token = None
        info = classify_error(exc)
        if info.cancelled:
            self.busy_changed.emit(False)
            self.cancelled.emit()
            return
        if info.transient and self._job is not None:
            delay = self.backoff[min(self._attempt, len(self.backoff) - 1)]
            self._attempt += 1
            self._was_reconnecting = True
            self._retry_timer.start(int(delay * 1000))
            self.reconnecting.emit(float(delay))
            return
        self.busy_changed.emit(False)
        if self._was_reconnecting:  # the server answered (with a refusal): the connection is back
            self._was_reconnecting = False
            self.recovered.emit()
        self.failed.emit(info)

    def _retry(self) -> None:
        if self._job is not None:
            self._start()
