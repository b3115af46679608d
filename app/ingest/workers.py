"""Preparing batches (parse, validate, enrich) in worker processes for the one database writer.

Python holds the GIL while it parses, validates and enriches, so threads take turns; worker
processes do not. They never open the database (chDB allows one process per folder, and SQLite
has one writer anyway): they return prepared records, and this process stores them in the order
the batches were read (app.ingest.pipeline.store_in_order), one transaction per batch. Storing
is where the order-dependent rules live (duplicates against stored rows, "first link wins",
later traits win), so the stored rows do not depend on how many workers prepared them.

Records cross the process boundary as plain tuples (a pickled dataclass costs several times
more). Workers ignore Ctrl+C: the storing process stops them after keeping what it committed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import multiprocessing
import multiprocessing.connection
import operator
import os
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from app.ingest.enrich import Enricher
from app.ingest.messages import Record
from app.ingest.writer import EventWriter, IngestResult

#: A prepared batch: its records, what preparing found (rejections, in-batch duplicates), a tag.
Batch = tuple[list[Record], IngestResult, Any]
#: A task run where batches are prepared: task(enricher, *args) -> its batches, in order.
Task = Callable[..., list[Batch]]

#: What crosses from a worker: a record without enrichment's inputs (ip, user agent, referrer: the
#: last fields), which enrichment, done in the worker, was the last to read. ~150 bytes and
#: ~1 us less per event to pickle and unpickle (docs/benchmarks/clickhouse.md).
_ENRICHMENT_INPUTS = ("ip", "user_agent", "referrer")
_FIELDS = tuple(f.name for f in dataclasses.fields(Record))
assert _FIELDS[-len(_ENRICHMENT_INPUTS):] == _ENRICHMENT_INPUTS
_row = operator.attrgetter(*_FIELDS[:-len(_ENRICHMENT_INPUTS)])
#: Worker processes most machines can feed one database writer with (it is the bottleneck beyond).
MAX_AUTO_WORKERS = 4
#: The cyclic garbage collector's thresholds in a worker (CPython's default is (700, 10, 10)).
#: Preparing a batch makes thousands of dicts and records that live until it is handed over, so
#: with the default a young collection ran every 700 of them and the older generations were
#: walked again and again: ~2 us of a worker's ~14 us per event (docs/benchmarks/clickhouse.md,
#: "The import's CPU per event"). Preparing makes almost no reference cycles; they are still
#: collected. Not in the storing process: there it saved ~1 us per event and let ~100 MB more of
#: the database driver's cyclic garbage wait.
WORKER_GC_THRESHOLD = (50_000, 20, 100)


def auto_workers(input_bytes: int | None = None) -> int:
    """Worker processes for a bulk load: none for a small input or a one-core machine
    (starting a process costs about a second), else one per core besides the writer's."""
    cores = os.cpu_count() or 1
    if cores < 2 or (input_bytes is not None and input_bytes < 4 << 20):
        return 0
    return max(1, min(cores - 1, MAX_AUTO_WORKERS))


#: From this many demo events generation runs in a second process (starting one costs ~0.7 s).
DEMO_WORKER_FROM = 50_000


def demo_workers(events: int) -> int:
    """Processes generating a demo of `events` events beside the storing one: the demo is one
    random stream, so at most one, and none where starting it costs more than it saves."""
    return min(1, auto_workers()) if events >= DEMO_WORKER_FROM else 0


@dataclass(frozen=True)
class PrepareConfig:
    """What a worker needs to prepare like the writer would: the same enrichment."""

    enrich: bool
    geoip_path: str | None
    geoip: bool

    @classmethod
    def of(cls, writer: EventWriter) -> PrepareConfig:
        return cls.of_enricher(writer.enricher)

    @classmethod
    def of_enricher(cls, enricher: Enricher | None) -> PrepareConfig:
        if enricher is None:
            return cls(False, None, False)
        path = enricher.geoip_path
        return cls(True, os.fspath(path) if path is not None else None, enricher._geoip_enabled)

    def enricher(self) -> Enricher | None:
        return Enricher(self.geoip_path, geoip=self.geoip) if self.enrich else None


def to_rows(records: list[Record]) -> list[tuple[Any, ...]]:
    return [_row(rec) for rec in records]


def from_rows(rows: list[tuple[Any, ...]]) -> list[Record]:
    return [Record(*row) for row in rows]


# -- worker process side --------------------------------------------------------------------------

_enricher: Enricher | None = None


def _end_with_parent() -> None:
    """End this worker when the storing process is gone (SIGKILL, a crash, the OOM killer).

    A pool's worker reads its tasks from a queue whose both ends it holds itself, so it never
    saw the end of the input: it waited for work for good, ~100 MB each, holding the terminal's
    output (`tracklens import ... | tee log` did not end either).
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)
    threading.Thread(target=watch, name="tracklens-parent-watch", daemon=True).start()


def _start_worker(config: PrepareConfig) -> None:
    global _enricher
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _end_with_parent()
    _enricher = config.enricher()
    # This process only prepares batches: what its start-up made (modules, the enricher) stays,
    # so later collections need not walk it (gc.freeze), and they run less often.
    gc.freeze()
    gc.set_threshold(*WORKER_GC_THRESHOLD)


def _run_task(task: Task, args: tuple[Any, ...]) -> list[tuple[list[tuple[Any, ...]], IngestResult, Any]]:
    return [(to_rows(records), result, tag) for records, result, tag in task(_enricher, *args)]


def _stream_task(config: PrepareConfig, task: Callable[..., Iterator[Batch]], args: tuple[Any, ...],
                 out: Any) -> None:
    """Body of a streaming worker: put each batch on `out`, then None (or the exception)."""
    _start_worker(config)
    try:
        for records, result, tag in task(_enricher, *args):
            out.put((to_rows(records), result, tag))
    except BaseException as exc:  # handed to the storing process, which raises it
        out.put(exc)
        return
    out.put(None)


# -- storing process side --------------------------------------------------------------------------

class Preparers:
    """Where batches are prepared: `workers` processes, or with workers=0 the calling thread.

    submit() returns a handle; calling it waits for the batches (in the order submitted by the
    caller, who keeps at most a few handles so memory stays bounded).
    """

    def __init__(self, writer: EventWriter, workers: int) -> None:
        self.enricher = writer.enricher
        self.config = PrepareConfig.of(writer)
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        if workers > 0:
            self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_start_worker, initargs=(self.config,))

    def submit(self, task: Task, *args: Any) -> Callable[[], list[Batch]]:
        if self._pool is None:
            return self.inline(task, *args)
        future: Future[Any] = self._pool.submit(_run_task, task, args)

        def wait() -> list[Batch]:
            return [(from_rows(rows), result, tag) for rows, result, tag in future.result()]
        return wait

    def inline(self, task: Task, *args: Any) -> Callable[[], list[Batch]]:
        """Prepare here and now (for input a worker cannot take cheaply)."""
        batches = task(self.enricher, *args)
        return lambda: batches

    def close(self) -> None:
        """Stop the workers; queued work is dropped (what was stored stays stored)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Preparers:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class ProcessStream:
    """task(enricher, *args) running in ONE spawned process from construction on; iterating
    yields its batches in order (at most `depth` wait in the queue).

    Starting is separate from storing so that a caller can start the process before the
    database it feeds exists: the app's first run starts the demo's generator at launch, and its
    first batches are ready when the window is (a process start costs ~0.7 s).
    """

    def __init__(self, config: PrepareConfig, task: Callable[..., Iterator[Batch]], *args: Any,
                 depth: int = 3) -> None:
        self.config = config
        ctx = multiprocessing.get_context("spawn")
        self._out: Any = ctx.Queue(maxsize=depth)
        self._process = ctx.Process(target=_stream_task, args=(config, task, args, self._out),
                                    name="tracklens-prepare", daemon=True)
        self._process.start()

    def __iter__(self) -> Iterator[Batch]:
        process, out = self._process, self._out
        try:
            while True:
                try:
                    item = out.get(timeout=0.5)
                except queue.Empty:
                    if not process.is_alive():
                        raise RuntimeError(f"the preparing process stopped unexpectedly "
                                           f"(exit code {process.exitcode})") from None
                    continue
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                rows, result, tag = item
                yield from_rows(rows), result, tag
            process.join()
        finally:
            self.close()

    @property
    def exitcode(self) -> int | None:
        """None while running; 0 once it made every batch; negative when it was stopped."""
        return self._process.exitcode

    def close(self) -> None:
        """Stop the process (if still running) and drop what it queued; safe to call twice."""
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)
        with contextlib.suppress(Exception):
            self._out.close()
            self._out.cancel_join_thread()
