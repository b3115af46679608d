"""One writer thread that commits what concurrent requests queued, many requests per transaction.

Requests never touch the database themselves: each puts its messages and a future on a queue
and waits. The thread takes everything queued, writes it in ONE transaction through the
ingestion core, and only then resolves the futures, so a 2xx always means "committed", and a
busy collector pays one commit per round instead of one per request. SQLite allows one writer
anyway, and the ingestion core is synchronous SQLAlchemy, which must stay off the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from sqlalchemy.exc import DataError, SQLAlchemyError

from app.collector.errors import DatabaseUnavailable
from app.core.database import DatabaseError, describe_error
from app.ingest.people import MAX_PROFILE_BYTES, MAX_PROFILE_TRAITS
from app.ingest.writer import IngestResult

log = logging.getLogger("tracklens.collector")


class WriterLike(Protocol):
    """The part of app.ingest.writer.EventWriter the queue uses."""

    def write(self, messages: Iterable[Any], received_at: datetime | None = None, *,
              arrived_now: bool = True) -> IngestResult: ...


@runtime_checkable
class PreparingWriter(Protocol):
    """EventWriter's two halves: the records a commit stored can then be handed on (on_committed)."""

    def prepare(self, messages: Iterable[Any], received_at: datetime | None = None, *,
                arrived_now: bool = True) -> tuple[list[Any], IngestResult]: ...

    def store(self, records: list[Any], result: IngestResult, *,
              before_commit: Callable[[Any], None] | None = None) -> IngestResult: ...


#: on_committed(records, whole): the records one commit stored, in the order their ids were given;
#: `whole` is False when some of them were already stored (so not all are new rows).
OnCommitted = Callable[[list[Any], bool], None]
#: in_transaction(conn): run last in each commit's transaction (the forwarder's cursor moves);
#: returns done(committed) or None, called once the transaction committed (True) or failed (False).
InTransaction = Callable[[Any], Callable[[bool], None] | None]


@dataclass
class Outcome:
    """What became of one request's messages; `rejected` holds (index in the request's list, reason)."""

    accepted: int
    rejected: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Job:
    messages: list[dict[str, Any]]
    received_at: datetime
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Outcome]


_STOP = object()
#: Committed messages after which the collector first refreshes the planner's statistics (and
#: again at each doubling, up to LAST_STATISTICS_AT: by then the proportions SQLite plans by
#: are settled, and a full ANALYZE of a bigger database would hold the commit thread for seconds).
FIRST_STATISTICS_AT = 10_000
LAST_STATISTICS_AT = 2_000_000
#: Seconds GET /health answers 503 after a commit the database refused (CommitQueue.recent_failure).
FAILURE_SHOWN_FOR = 30.0


def is_unavailable(exc: BaseException) -> bool:
    """Whether the database, not the data, is the problem, so the client should retry later.

    The ingestion core wraps driver errors in DatabaseError; only a DataError (a value the
    database refuses) is blamed on the messages. Anything else from the database (lost
    connection, lock timeout, missing table, constraint race) must not turn into a "rejected"
    answer, since clients drop rejected messages for good.
    """
    cause = exc.__cause__ if isinstance(exc, DatabaseError) and exc.__cause__ is not None else exc
    if isinstance(cause, DataError):
        return False
    return isinstance(cause, SQLAlchemyError | DatabaseError)


def _settle(job: _Job, result: Outcome | BaseException) -> None:
    def apply() -> None:
        if job.future.done():  # the request was cancelled (client went away)
            return
        if isinstance(result, BaseException):
            job.future.set_exception(result)
        else:
            job.future.set_result(result)

    # A closed loop means nobody is waiting any more.
    with contextlib.suppress(RuntimeError):
        job.loop.call_soon_threadsafe(apply)


class CommitQueue:
    """Groups concurrent requests into shared transactions on a dedicated thread."""

    def __init__(self, writer: WriterLike, *, max_messages_per_commit: int = 20_000,
                 max_queued_messages: int = 200_000, on_unavailable: Any = None,
                 on_committed: OnCommitted | None = None, in_transaction: InTransaction | None = None) -> None:
        self._writer = writer
        #: told what each shared commit stored (the forwarder's in-memory fast path); needs a
        #: writer whose prepare/store halves show the records
        self._on_committed = on_committed if isinstance(writer, PreparingWriter) else None
        #: adds its statements to each shared commit (the forwarder's cursor moves: no commit of
        #: their own, docs/destinations.md); needs the same writer
        self._in_transaction = in_transaction if isinstance(writer, PreparingWriter) else None
        self._max_per_commit = max_messages_per_commit
        self._max_queued = max_queued_messages
        self._on_unavailable = on_unavailable
        self._queue: queue.SimpleQueue[_Job | object] = queue.SimpleQueue()
        self._queued = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closing = False
        #: counters for /health and the benchmark: messages accepted, transactions committed
        self.committed_messages = 0
        self.transactions = 0
        #: Why the last commit could not be made and when (time.monotonic), until one is made
        #: again: a database that answers /health's ping but refuses the writes (a role that
        #: may only read, a full disk) refused every request while /health said "ok".
        self.last_failure: tuple[str, float] | None = None
        #: committed messages with a trait left out of their person's profile (at its bounds)
        self.traits_left_out = 0
        #: refresh the planner's statistics when the committed count reaches this, then double
        #: it: a collector filling a new database should not leave it without any
        self._statistics_at = FIRST_STATISTICS_AT

    def recent_failure(self, within: float = FAILURE_SHOWN_FOR) -> str | None:
        """Why the last commit failed, if it did less than `within` seconds ago and none was
        made since. Only recent ones: a load balancer that stops sending requests to a collector
        whose /health fails would otherwise never let a commit show it recovered."""
        failure = self.last_failure
        if failure is None or time.monotonic() - failure[1] > within:
            return None
        return failure[0]

    @property
    def queued_messages(self) -> int:
        return self._queued

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="tracklens-commit", daemon=True)
        self._thread.start()

    def close(self, timeout: float | None = None) -> None:
        """Commit everything already queued, then stop the thread."""
        self._closing = True
        self._queue.put(_STOP)
        if self._thread is not None:
            self._thread.join(timeout)

    async def submit(self, messages: list[dict[str, Any]], received_at: datetime) -> Outcome:
        """Queue messages and wait until they are committed (or refused).

        Each message is stamped with its own request's arrival as `receivedAt` (replacing
        whatever a client sent), and written with arrived_now=False so the ingestion core
        corrects device clocks against that stamp: requests sharing a transaction keep
        their own arrival times instead of the round's.
        """
        stamp = received_at.astimezone(UTC).isoformat(timespec="milliseconds")
        for message in messages:
            message["receivedAt"] = stamp
        if self._closing:
            raise DatabaseUnavailable("the collector is shutting down")
        with self._lock:
            if self._queued + len(messages) > self._max_queued and self._queued:
                raise DatabaseUnavailable("the collector is overloaded; retry shortly")
            self._queued += len(messages)
        loop = asyncio.get_running_loop()
        job = _Job(messages, received_at, loop, loop.create_future())
        self._queue.put(job)
        return await job.future

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                break
            jobs: list[_Job] = [first]  # type: ignore[list-item]
            size = len(jobs[0].messages)
            while size < self._max_per_commit:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                jobs.append(item)  # type: ignore[arg-type]
                size += len(item.messages)  # type: ignore[attr-defined]
            try:
                self._commit_group(jobs)
            except Exception as exc:
                # A bug here must not kill the thread: every later request would hang.
                log.exception("commit failed unexpectedly")
                for job in jobs:
                    _settle(job, exc)
            finally:
                with self._lock:
                    self._queued -= size

    def _commit_group(self, jobs: list[_Job]) -> None:
        messages: list[dict[str, Any]] = []
        for job in jobs:
            messages.extend(job.messages)
        try:
            result = self._write(messages, jobs[0].received_at)
        except Exception as exc:
            if is_unavailable(exc):
                self._unavailable(jobs, exc)
            elif len(jobs) > 1:
                # One request's data broke the shared transaction: retry each alone so the
                # others are not punished for it.
                log.warning("shared commit failed (%s); committing requests one by one", describe_error(exc))
                for job in jobs:
                    self._commit_group([job])
            else:
                self._settle_alone(jobs[0], exc)
            return
        self._count_commit(len(messages), result)
        by_position: dict[int, str] = {r.index: r.reason for r in result.rejected}
        offset = 0
        for job in jobs:
            n = len(job.messages)
            rejected = [(i - offset, by_position[i]) for i in range(offset, offset + n) if i in by_position] \
                if by_position else []
            _settle(job, Outcome(accepted=n - len(rejected), rejected=rejected))
            offset += n

    def _write(self, messages: list[dict[str, Any]], received_at: datetime) -> IngestResult:
        """writer.write(); with on_committed or in_transaction, in its two halves, adding to the
        transaction and handing on what was stored."""
        if self._on_committed is None and self._in_transaction is None:
            return self._writer.write(messages, received_at=received_at, arrived_now=False)
        writer: Any = self._writer
        records, result = writer.prepare(messages, received_at, arrived_now=False)
        before = result.stored
        if self._in_transaction is None:
            result = writer.store(records, result)
        else:
            result = self._store_with(writer, records, result, self._in_transaction)
        if records and self._on_committed is not None:
            try:
                self._on_committed(records, result.stored - before == len(records))
            except Exception:  # forwarding must never fail a commit that has happened
                log.exception("could not hand the commit to the forwarder")
        return result

    @staticmethod
    def _store_with(writer: Any, records: list[Any], result: IngestResult, add: InTransaction) -> IngestResult:
        """writer.store() with `add`'s statements last in its transaction, then told whether it committed."""
        done: list[Callable[[bool], None]] = []

        def before_commit(conn: Any) -> None:
            told = add(conn)
            if told is not None:
                done.append(told)

        try:
            result = writer.store(records, result, before_commit=before_commit)
        except BaseException:
            for told in done:
                told(False)
            raise
        for told in done:
            told(True)
        return result

    def _count_commit(self, sent: int, result: IngestResult) -> None:
        """Count one transaction the database committed, whichever path made it (a shared round or
        a part of a split batch): /health's `committed` and `transactions` must say what is stored."""
        self.transactions += 1
        self.last_failure = None
        self.committed_messages += sent - len(result.rejected)
        self._count_left_out(result)
        self._maybe_refresh_statistics()

    def _count_left_out(self, result: IngestResult) -> None:
        if result.traits_left_out:
            self.traits_left_out += result.traits_left_out
            log.warning("stored %d message(s) with traits left out of their person's profile, which holds at most "
                        "%d traits and %d KB (their events keep them)", result.traits_left_out,
                        MAX_PROFILE_TRAITS, MAX_PROFILE_BYTES // 1024)

    def _maybe_refresh_statistics(self) -> None:
        refresh = getattr(self._writer, "refresh_statistics", None)
        if refresh is None or self.committed_messages < self._statistics_at \
                or self._statistics_at > LAST_STATISTICS_AT:
            return
        self._statistics_at = max(self._statistics_at * 2, self.committed_messages)
        try:
            refresh()
        except Exception as exc:  # statistics are an optimisation: never fail a commit round
            log.warning("could not refresh the database's statistics: %s", describe_error(exc))

    def _settle_alone(self, job: _Job, exc: Exception) -> None:
        """A request whose messages fail even alone: bisect to find and refuse only the culprits."""
        try:
            outcome = self._bisect(job.messages, job.received_at, exc)
        except Exception as again:
            if is_unavailable(again):
                self._unavailable([job], again)
            else:
                _settle(job, again)
            return
        for _index, reason in outcome.rejected:
            log.warning("message refused: %s", reason)
        _settle(job, outcome)

    def _bisect(self, messages: list[dict[str, Any]], received_at: datetime, exc: Exception) -> Outcome:
        """Write halves separately until each failing part is a single message."""
        if len(messages) == 1:
            return Outcome(0, [(0, f"could not be stored: {describe_error(exc)}")])
        half = len(messages) // 2
        total = Outcome(0)
        for base, part in ((0, messages[:half]), (half, messages[half:])):
            try:
                result = self._writer.write(part, received_at=received_at, arrived_now=False)
            except Exception as part_exc:
                if is_unavailable(part_exc):
                    raise
                sub = self._bisect(part, received_at, part_exc)
            else:
                self._count_commit(len(part), result)
                sub = Outcome(len(part) - len(result.rejected), [(r.index, r.reason) for r in result.rejected])
            total.accepted += sub.accepted
            total.rejected.extend((i + base, why) for i, why in sub.rejected)
        return total

    def _unavailable(self, jobs: list[_Job], exc: BaseException) -> None:
        reason = describe_error(exc)
        self.last_failure = (reason, time.monotonic())
        log.error("database unavailable: %s", reason)
        if self._on_unavailable is not None:
            self._on_unavailable()
        for job in jobs:
            _settle(job, DatabaseUnavailable(reason))
