"""Two-stage bulk writing: prepare batch N+1 while batch N is being stored.

Validation, enrichment (and for the demo, generating messages) are Python and hold the
GIL; storing is mostly SQLite or PostgreSQL work that releases it. Overlapping the two on
separate threads uses both cores of a small machine for `tracklens demo` and `import`.
Batches are stored in order, so ids still follow the input.
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


def write_pipelined(writer: EventWriter, batches: Iterable[tuple[list[Any], Tag]],
                    on_stored: Callable[[IngestResult, list[Any], Tag], None], *,
                    arrived_now: bool = True, depth: int = 2) -> None:
    """Write each (messages, tag) batch; on_stored(result, messages, tag) runs after each commit.

    `batches` is consumed on a helper thread (it may be a generator doing real work). Errors
    from either side are raised here; the helper stops at the next batch.
    """
    handoff: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for messages, tag in batches:
                if stop.is_set():
                    return
                records, result = writer.prepare(messages, arrived_now=arrived_now)
                while not stop.is_set():
                    try:
                        handoff.put((records, result, messages, tag), timeout=0.2)
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
            records, result, messages, tag = item
            on_stored(writer.store(records, result), messages, tag)
    finally:
        stop.set()
        while helper.is_alive():
            with contextlib.suppress(queue.Empty):
                handoff.get(timeout=0.1)
        helper.join()
