"""Two-stage bulk writing: prepare the next batches while this one is stored.

Validation, enrichment (and for the demo, generating messages) are Python and hold the
GIL; storing is mostly SQLite or PostgreSQL work that releases it. A helper thread reads the
input and prepares batches (itself, or by handing them to worker processes: app.ingest.workers)
while the calling thread stores them. Batches are stored in order, one transaction each, so
ids follow the input and the order-dependent identity and trait rules hold whatever prepared them.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import threading
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any, TypeVar

from app.ingest.writer import EventWriter, IngestResult

Tag = TypeVar("Tag")
_DONE = object()
#: A prepared batch (records, result, tag), as app.ingest.workers.Batch.
Prepared = tuple[list[Any], IngestResult, Any]


def store_in_order(writer: EventWriter, handles: Iterable[Callable[[], list[Prepared]]],
                   on_stored: Callable[[IngestResult, Any], None], *, depth: int = 2) -> None:
    """Store the batches each handle returns, handles in order; on_stored(result, tag) after each commit.

    `handles` is consumed on a helper thread (it may read a file, prepare, or submit to workers);
    calling a handle may wait for a worker. At most `depth` handles wait. Errors from either side
    are raised here (also Ctrl+C: see _CtrlCAfterBatch); the helper stops at its next handle.
    Committed batches stay.
    """
    handoff: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for handle in handles:
                if stop.is_set():
                    return
                while not stop.is_set():
                    try:
                        handoff.put(handle, timeout=0.2)
                        break
                    except queue.Full:
                        continue
        except BaseException as exc:  # handed to the storing thread, which raises it
            handoff.put(exc)
            return
        handoff.put(_DONE)

    helper = threading.Thread(target=produce, name="tracklens-prepare", daemon=True)
    helper.start()
    ctrl_c = _CtrlCAfterBatch()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                break
            if isinstance(item, BaseException):
                raise item
            for records, result, tag in item():
                with ctrl_c:
                    on_stored(writer.store(records, result), tag)
    finally:
        ctrl_c.close()
        stop.set()
        while helper.is_alive():
            with contextlib.suppress(queue.Empty):
                handoff.get(timeout=0.1)
        helper.join()


class _CtrlCAfterBatch:
    """While a batch is written, a Ctrl+C waits until it is stored and counted, then is raised.

    Raised where it arrived, a Ctrl+C during chDB's insert (C code, a quarter of a batch's time)
    came out of the writer after the rows were in but before on_stored counted them: `tracklens
    import` said "40,000 stored" over a database holding 60,000. A second Ctrl+C stops at once
    (a database that hangs). Only where Python's own handler is in place, in the main thread
    (signal handlers cannot be set elsewhere); elsewhere nothing changes.
    """

    def __init__(self) -> None:
        self.writing = False
        self.held = False
        self.active = (threading.current_thread() is threading.main_thread()
                       and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
        if self.active:
            signal.signal(signal.SIGINT, self._on_ctrl_c)

    def _on_ctrl_c(self, _signum: int, _frame: FrameType | None) -> None:
        if self.writing and not self.held:
            self.held = True
            return
        raise KeyboardInterrupt

    def __enter__(self) -> None:
        self.writing = True

    def __exit__(self, exc_type: type[BaseException] | None, *_rest: object) -> None:
        self.writing = False
        if self.held and exc_type is None:
            raise KeyboardInterrupt

    def close(self) -> None:
        if self.active:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            self.active = False


def write_pipelined(writer: EventWriter, batches: Iterable[tuple[list[Any], Tag]],
                    on_stored: Callable[[IngestResult, list[Any], Tag], None], *,
                    arrived_now: bool = True, depth: int = 2) -> None:
    """Write each (messages, tag) batch; on_stored(result, messages, tag) runs after each commit.

    `batches` is consumed on a helper thread (it may be a generator doing real work), which
    also prepares them (validation, enrichment).
    """
    def handles() -> Iterable[Callable[[], list[Prepared]]]:
        for messages, tag in batches:
            records, result = writer.prepare(messages, arrived_now=arrived_now)
            yield _ready([(records, result, (messages, tag))])

    store_in_order(writer, handles(), lambda result, tag: on_stored(result, tag[0], tag[1]), depth=depth)


def _ready(prepared: list[Prepared]) -> Callable[[], list[Prepared]]:
    return lambda: prepared
