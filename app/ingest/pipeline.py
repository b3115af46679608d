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
import threading
from collections.abc import Callable, Iterable
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
    are raised here (also Ctrl+C); the helper stops at its next handle. Committed batches stay.
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
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                break
            if isinstance(item, BaseException):
                raise item
            for records, result, tag in item():
                on_stored(writer.store(records, result), tag)
    finally:
        stop.set()
        while helper.is_alive():
            with contextlib.suppress(queue.Empty):
                handoff.get(timeout=0.1)
        helper.join()


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
