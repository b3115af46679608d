"""Live demo traffic: a background thread that keeps appending believable events "now".

Runs the demo model's sessions (new visitors, and returning ones whose days-long gaps
are compressed so journeys finish while the app is open) and releases their messages at
a steady rate through EventWriter, stamped with the current time. Qt-free: the GUI owns
one Simulator while the demo database is open; `tracklens simulate` runs one until Ctrl+C.
"""

from __future__ import annotations

import collections
import logging
import random
import threading
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from app.core.database import DatabaseError
from app.demo.generator import DemoModel, Visitor, iso
from app.ingest.writer import EventWriter

log = logging.getLogger(__name__)

#: How often the thread wakes up to write (seconds): small batches, fresh Live View.
TICK = 0.25
#: Returning visitors kept in memory for another visit.
_RETURNING_LIMIT = 5000


class Simulator:
    """Appends about `rate` events per second until stop() (at most one short transaction per tick)."""

    def __init__(self, engine: Engine, rate: float, seed: int | None = None, *,
                 writer: EventWriter | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.engine = engine
        self.rate = float(rate)
        self.seed = seed if seed is not None else random.SystemRandom().getrandbits(40)
        self.writer = writer or EventWriter(engine)
        self.written = 0
        self.stored = 0
        self.last_error: str | None = None
        now_ms = int(time.time() * 1000)
        self._model = DemoModel(self.seed, now_ms - 1, now_ms, id_prefix="live")
        self._rng = random.Random(self.seed)
        self._queue: collections.deque[dict[str, Any]] = collections.deque()
        self._returning: collections.deque[Visitor] = collections.deque()
        self._next_idx = 0
        self._paced = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the background thread (no-op when already running)."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="tracklens-simulator", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop and wait for the thread; the last batch is committed or not written at all."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _refill(self, wanted: int) -> None:
        """Start sessions until at least `wanted` messages are queued."""
        while len(self._queue) < wanted:
            now_ms = int(time.time() * 1000)
            if self._returning and self._rng.random() < 0.35:
                visitor = self._returning.popleft()
                start = visitor.next_time or now_ms
            else:
                visitor = self._model.new_visitor(self._next_idx)
                self._next_idx += 1
                start = now_ms
            for _ts, msg in self._model.session(visitor, start):
                self._queue.append(msg)
            if visitor.next_time is not None and len(self._returning) < _RETURNING_LIMIT:
                self._returning.append(visitor)

    def take(self, count: int) -> list[dict[str, Any]]:
        """The next `count` messages, stamped now (also used by tests without a thread)."""
        self._refill(count)
        stamp = datetime.now(UTC)
        now_text = iso(int(stamp.timestamp() * 1000))
        batch = []
        for _ in range(count):
            msg = self._queue.popleft()
            msg["timestamp"] = now_text
            msg.pop("receivedAt", None)
            batch.append(msg)
        return batch

    def _run(self) -> None:
        started = time.monotonic()
        while not self._stop.is_set():
            due = int(self.rate * (time.monotonic() - started)) - self._paced
            if due > 0:
                batch = self.take(min(due, 5000))
                try:
                    result = self.writer.write(batch)
                except DatabaseError as exc:
                    self.last_error = str(exc)
                    log.warning("simulator: %s", exc)
                    self._stop.wait(2.0)
                    started = time.monotonic()
                    self._paced = 0
                    continue
                self._paced += len(batch)
                self.written += len(batch)
                self.stored += result.stored
                self.last_error = None
            self._stop.wait(TICK)
