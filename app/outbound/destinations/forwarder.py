"""Delivering each destination's events in id order, at least once, with retries and dead letters.

One step of a destination: hold its cursor row, read the next matching events above the cursor
(bounded by MAX(id) read first), POST them, and only after a 2xx move the cursor past them, in
one commit. A crash or SIGKILL in between leaves the cursor where it was, so the same batch is
sent again on restart (each message carries its messageId, so the receiver can drop the copy).

Answers: 2xx delivered; 408, 425, 429, 5xx, timeouts and refused connections are temporary and
retried with exponential backoff and full jitter (a Retry-After is honoured); 401, 403 and 404
are treated as temporary too (wrong credentials or URL would refuse every batch alike: the
destination shows as failing instead of parking everything); any other 4xx is permanent: the
batch is parked in `destination_dead_letters` with the answer and the cursor moves on.

Each destination runs on its own thread (`Forwarder`) with its own HTTP client, reading the
database only, so a slow or dead destination delays neither the collector's commits nor the
other destinations.
"""

from __future__ import annotations

import contextlib
import email.utils
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from sqlalchemy import Connection, Engine, Row, update

from app.core.schema import destination_cursors as C
from app.outbound.deadline import DeadlineClient
from app.outbound.destinations import store
from app.outbound.destinations.config import MAX_BODY_BYTES, Destination
from app.outbound.destinations.direct import MAX_REPLY_BYTES, DirectClient, Unreachable, decode_reply, usable
from app.outbound.destinations.formats import (
    BodyTooLarge,
    RecordRows,
    Request,
    batch_messages,
    encode_body,
    record_row_getter,
    rendered_content,
    request_for,
    resend_request,
    source_messages,
)
from app.outbound.ledger import new_owner
from app.outbound.ratelimit import RateLimiter
from app.outbound.retry import Backoff
from app.outbound.support import server_of

log = logging.getLogger("tracklens.destinations")

#: Temporary besides 5xx (see the module docstring for 401/403/404).
TEMPORARY_STATUSES = frozenset({401, 403, 404, 408, 425, 429})
#: A destination that keeps failing is tried at least this often (seconds).
DEFAULT_BACKOFF = Backoff(base=1.0, cap=300.0, attempts=0)
#: The longest Retry-After obeyed; a longer one waits this long and asks again.
MAX_RETRY_AFTER = 3600.0
#: The shortest: a Retry-After of 0 (or a date gone by) asked again at once, for as long as the
#: receiver answered so (a busy loop of POSTs and failure commits).
MIN_RETRY_AFTER = 1.0
#: While waiting to retry, the hold on the cursor is renewed this often (well inside the lease).
_HEARTBEAT_SECONDS = 15.0
#: A hold renewed (or a cursor advanced) this recently needs no renewal before the next batch:
#: nobody may take it over for the rest of the lease (store.LEASE_MS).
_HOLD_FRESH_MS = 10_000

SENT, DEAD, IDLE, BUSY, PAUSED, STOPPED = "sent", "dead", "idle", "busy", "paused", "stopped"
#: The in-memory fast path passed over events its filters leave out (more may follow at once).
SKIPPED = "skipped"
#: Committed messages a destination's feed holds at most; a destination that far behind reads
#: the database anyway, so the feed starts again from the newest commit.
FEED_LIMIT = 50_000
#: How long a worker trusts what it knows of its cursor row (its position, its hold, not paused)
#: after it last read or moved it, instead of reading it before each batch: a pause or a move by
#: hand elsewhere takes effect within this time (and at the next batch's cursor move at once).
KNOWN_SECONDS = 1.0
#: A grown batch aims at this share of the body limit (messages differ in size; one too large is cut).
_BODY_FILL = 0.9
#: Delivered messages whose cursor move may wait for the collector's next commit at most (a crash
#: sends them again); past it the worker waits MOVE_WAIT for that commit, then moves it itself.
PENDING_MOST = 5_000
MOVE_WAIT = 0.05
#: What the collector's commit found moving a worker's cursor: the row as the worker left it
#: (KNOWN), moved or paused elsewhere (MOVED: read it again), another forwarder's (LOST).
KNOWN, MOVED, LOST = "known", "moved", "lost"

_T = TypeVar("_T")


@dataclass(frozen=True)
class Answer:
    """What a destination answered to one POST."""

    outcome: str  # "ok" | "temporary" | "permanent"
    status: int | None
    text: str
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def describe(self) -> str:
        return f"HTTP {self.status}: {self.text}" if self.status is not None else self.text


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # (str.isdigit is also true of "²", which float() refuses)
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = when.timestamp() - (now if now is not None else datetime.now(UTC).timestamp())
    return min(max(0.0, delta), MAX_RETRY_AFTER)


def post(client: httpx.Client, request: Request) -> Answer:
    """One POST, classified; never raises for what the network or the server does."""
    try:
        content = request.content if request.content is not None else encode_body(request.body)
        auth = request.auth if request.auth is not None else httpx.USE_CLIENT_DEFAULT
        with client.stream("POST", request.url, content=content, headers=request.headers, auth=auth) as response:
            # At most MAX_REPLY_BYTES of the answer: only its first line is kept.
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) >= MAX_REPLY_BYTES:
                    break
    except httpx.TimeoutException as exc:
        return Answer("temporary", None, f"timed out ({type(exc).__name__})")
    except httpx.HTTPError as exc:
        return Answer("temporary", None, f"cannot reach {server_of(request.url)}: {exc}")
    text = decode_reply(bytes(body[:MAX_REPLY_BYTES]), response.charset_encoding)
    return _classify(response.status_code, text, response.reason_phrase, response.headers.get("Retry-After"))


def post_direct(client: DirectClient, request: Request) -> Answer:
    """post() over the standard library's connection (direct.py): the same answers."""
    try:
        content = request.content if request.content is not None else encode_body(request.body)
        reply = client.post(request.url, content, request.headers, request.auth)
    except Unreachable as exc:
        return Answer("temporary", None, str(exc))
    return _classify(reply.status, reply.text, reply.reason, reply.retry_after)


def _classify(status: int, body: str, reason: str, retry_after: str | None) -> Answer:
    """ok (2xx), temporary (5xx, 408, 429 …: retried, honouring Retry-After) or permanent."""
    text = store.one_line(body[:500]) or reason or ""
    if 200 <= status < 300:
        return Answer("ok", status, text)
    if status >= 500 or status in TEMPORARY_STATUSES:
        return Answer("temporary", status, text, parse_retry_after(retry_after))
    return Answer("permanent", status, text)


def too_large(dest: Destination, size: int, limit: int) -> str:
    """The reason a webhook message is parked unsent: its body alone is over the limit."""
    how = "as the template renders it " if dest.render is not None else ""
    return (f"not sent: its body {how}would be {size:,} bytes or more, over the {limit:,} a webhook "
            f"request may carry")


def fitted_request(dest: Destination, rows: Sequence[Sequence[Any]], *,
                   written: bool = False) -> tuple[Sequence[Sequence[Any]], Request]:
    """The request for `rows`, or for as many of the first of them as fit when its body would
    exceed what the destination accepts (sent whole it would be refused, 413, and parked as a dead
    letter): cut in proportion to the excess, then again if the first ones are larger. A single
    message larger than that is sent alone and refused as such; to a webhook, it is not sent
    (the request's `refusal`), and a template stops rendering at the limit (BodyTooLarge)."""
    limit = MAX_BODY_BYTES.get(dest.type)
    try:
        request = request_for(dest, rows, written=written, limit=limit)
    except BodyTooLarge as exc:
        assert limit is not None
        rows = rows[:max(1, exc.fits)]
        if exc.fits == 0:
            return rows, Request(dest.url, {}, None, count=1, refusal=too_large(dest, exc.size, limit))
        request = request_for(dest, rows, written=written)
    while limit is not None and len(rows) > 1 and (size := len(request.content or b"")) > limit:
        keep = max(1, min(len(rows) - 1, int(len(rows) * limit * 0.95 / size)))
        rows = rows[:keep]
        request = request_for(dest, rows, written=written)
    if dest.type == "webhook" and limit is not None and (size := len(request.content or b"")) > limit:
        return rows, Request(request.url, {}, None, count=len(rows), refusal=too_large(dest, size, limit))
    return rows, request


class CommittedFeed:
    """The messages the collector has just committed, in commit order, as rows of
    formats.row_columns(kind) less the id (so the messageId first), handed to one destination so
    that, while it is caught up, it can send them from memory
    instead of reading each row back (docs/benchmarks/forward.md). Only a fast path: the worker
    checks every record against the ids and messageIds stored above its cursor before sending it,
    and reads the database whenever they differ, so the cursor stays the source of truth."""

    def __init__(self, limit: int = FEED_LIMIT) -> None:
        self._records: deque[Any] = deque()
        self._lock = threading.Lock()
        self.limit = limit
        #: bumped by every clear(), so a worker never drops records it did not look at
        self.generation = 0

    def __len__(self) -> int:
        return len(self._records)

    def extend(self, records: Sequence[Any]) -> None:
        """The rows of one commit, all of them (the committer's hand-off)."""
        with self._lock:
            if len(self._records) + len(records) > self.limit:
                self._clear()
            self._records.extend(records)

    def clear(self) -> None:
        """Forget what is held: a commit was not handed over whole, or the worker reads the database."""
        with self._lock:
            self._clear()

    def _clear(self) -> None:
        self._records.clear()
        self.generation += 1

    def peek(self, n: int) -> tuple[int, list[Any]]:
        """(generation, the first `n` records) without taking them."""
        with self._lock:
            return self.generation, list(itertools.islice(self._records, n))

    def tail(self) -> tuple[int, int, Any]:
        """(generation, how many records are held, the last of them: None when none)."""
        with self._lock:
            return self.generation, len(self._records), self._records[-1] if self._records else None

    def drop(self, n: int, generation: int) -> None:
        """Take the first `n` records peeked in `generation` (nothing if cleared since)."""
        with self._lock:
            if generation == self.generation:
                if n >= len(self._records):  # (the usual case while caught up: one call, not n)
                    self._records.clear()
                    return
                for _ in range(n):
                    self._records.popleft()


def event_name_filter(dest: Destination) -> Callable[[Any], bool] | None:
    """Whether a feed record (formats.row_columns less the id: the event name third) is one
    `dest` forwards, when its filters are on event names only (store._conditions' `events` and
    Mixpanel's named events, the same comparisons); None when a property or trait filter needs
    the database."""
    if dest.where:
        return None
    names = frozenset(dest.events) if dest.events else None
    if names is not None:
        return lambda rec: rec[2] in names
    if dest.type == "mixpanel":
        return lambda rec: rec[2] is not None
    return lambda rec: True


class LostHold(Exception):
    """Another forwarder took the destination over (this one was silent longer than the lease)."""


@dataclass
class _Move:
    """A delivered (or passed-over) batch's cursor move waiting for the collector's next commit:
    from `start` (where the worker last knew it) to `position`, `delivered` messages acknowledged;
    consecutive batches' moves are one."""

    start: int | None
    position: int
    delivered: int
    landed: str = KNOWN


@dataclass
class Summary:
    """What one catch-up, replay or dead-letter run did for a destination."""

    name: str
    sent: int = 0
    batches: int = 0
    dead: int = 0
    outcome: str = IDLE
    errors: list[str] = field(default_factory=list)


class DestinationWorker:
    """Delivers one destination; `stop` interrupts waits and retries (the batch is then not marked)."""

    def __init__(self, engine: Engine, dest: Destination, *, stop: threading.Event | None = None,
                 backoff: Backoff = DEFAULT_BACKOFF, owner: str | None = None, max_attempts: int | None = None,
                 client: httpx.Client | None = None) -> None:
        self.engine = engine
        self.dest = dest
        self.stop = stop or threading.Event()
        self.backoff = backoff
        self.owner = owner or new_owner()
        #: None: retry temporary failures until they pass or `stop` (the durable default).
        self.max_attempts = max_attempts
        self.client = client or DeadlineClient(timeout=dest.timeout, follow_redirects=False)
        #: the cheaper client, where it sends what httpx would (no proxy applies: direct.py)
        self.direct = DirectClient(dest.timeout) if client is None and usable(dest.url) else None
        #: messages in the batch the last step() delivered or parked
        self.last_batch = 0
        #: the last temporary failure deliver() met (a re-send or replay records none in the cursor row)
        self.last_failure: str | None = None
        self.reader = store.EventReader(dest)
        self.limiter = RateLimiter(dest.rate)
        #: what the collector committed, when it hands its commits over (Forwarder.committed)
        self.feed: CommittedFeed | None = None
        #: the last read of the database reached MAX(id): the feed may hold what comes next
        self._in_sync = False
        #: the last step took a whole batch (more may be waiting: no pause before the next)
        self._full = False
        #: the last read of the database was a whole batch: behind (the feed is then kept)
        self._behind = False
        #: the filters in Python when they are on event names only (None: only SQL knows)
        self._selects = event_name_filter(dest)
        #: nothing filtered out (no filter; and not Mixpanel, which leaves the calls without an event out)
        self._selects_all = not dest.events and not dest.where and dest.type != "mixpanel"
        #: batches sent from memory and read back, for tests and the benchmark
        self.fast_batches = 0
        self.read_batches = 0
        #: CPU seconds its run_forever thread used (the shutdown log line; the benchmark reads it)
        self.thread_cpu = 0.0
        #: messages per batch at most while a backlog lasts (Destination.most)
        self.most = max(dest.most, dest.batch)
        #: the last request's body bytes per message (how many fit under the body limit)
        self._bytes_per_message = 0.0
        #: (cursor position, until when it is trusted: time.monotonic()) while this worker holds
        #: its cursor, it is not paused and nobody moved it (KNOWN_SECONDS); None: read it
        self._known: tuple[int, float] | None = None
        #: batches sent after checking only the two ids where the known cursor puts the records
        self.known_batches = 0
        #: (feed generation, id): the feed's records of that generation are the events stored
        #: in id order up to that id, as two lookups by the ends of all it held showed; its later
        #: batches up to there are sent without looking again (_step_from_memory_known)
        self._checked: tuple[int, int] | None = None
        #: the lookups those checks made (tests, benchmark)
        self.known_checks = 0
        #: this worker's own connection for the fast path's per-batch statements (_own)
        self._conn: Connection | None = None
        #: its cursor moves go into the collector's next commit (Forwarder.in_transaction) instead
        #: of a commit of their own; set once the collector runs one
        self.defers = False
        #: guards the moves below, shared with the collector's commit thread
        self._moves = threading.Condition()
        #: the move waiting for the collector's next commit, and the one a commit is applying
        self._waiting: _Move | None = None
        self._applying: _Move | None = None
        #: what the collector's commits found moving the cursor (MOVED, LOST), not yet seen by step()
        self._landed: str | None = None
        #: cursor moves carried by the collector's commits / committed by this worker (tests, benchmark)
        self.moves_in_collector = 0
        self.moves_own = 0

    def close(self) -> None:
        try:
            self._flush()
        except Exception as exc:  # the batches are sent again by the next run: at least once
            log.error("%s: could not move the cursor: %s", self.dest.name, exc)
        self._drop_connection()
        self.client.close()
        if self.direct is not None:
            self.direct.close()
        store.release(self.engine, self.dest.name, self.owner)

    # -- one POST, retried -----------------------------------------------------------------------

    def deliver(self, request: Request, *, track: bool = True) -> Answer | None:
        """POST until a 2xx or a permanent refusal; None if stopped (or out of attempts) first.
        The destination's rate limit paces the messages (retries of a batch do not count again).
        A request with a `refusal` (too large to send) is refused at once, its status None."""
        if request.refusal is not None:
            return Answer("permanent", None, request.refusal)
        if not self.limiter.acquire(request.count, stop=self.stop):
            return None
        attempt = 0
        while not self.stop.is_set():
            attempt += 1
            answer = post_direct(self.direct, request) if self.direct is not None else post(self.client, request)
            if answer.outcome != "temporary":
                return answer
            log.warning("%s: %s (attempt %d)", self.dest.name, answer.describe(), attempt)
            self.last_failure = answer.describe()
            if track:
                store.record_failure(self.engine, self.dest.name, answer.describe())
            if self.max_attempts is not None and attempt >= self.max_attempts:
                return None
            wait = max(answer.retry_after, MIN_RETRY_AFTER) if answer.retry_after is not None \
                else self.backoff.delay(attempt)
            self._wait(wait, track=track)
        return None

    def _wait(self, seconds: float, *, track: bool) -> None:
        deadline = time.monotonic() + seconds
        while not self.stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.stop.wait(min(left, _HEARTBEAT_SECONDS))
            if track and not self.stop.is_set() and not store.claim(self.engine, self.dest.name, self.owner):
                raise LostHold(self.dest.name)

    # -- the live stream ---------------------------------------------------------------------------

    def _size(self) -> int:
        """Messages to take for the next batch: `batch`; or, where batches grow (`most`), as many
        as fit under the body limit by the last request's bytes per message, up to `most`."""
        batch = self.dest.batch
        if self.most <= batch:
            return batch
        limit = MAX_BODY_BYTES.get(self.dest.type)
        if limit is None:
            return self.most
        if self._bytes_per_message <= 0:  # nothing sent yet: the usual batch first
            return batch
        return max(1, min(self.most, int(limit * _BODY_FILL / self._bytes_per_message)))

    def _measure(self, request: Request) -> None:
        self._bytes_per_message = len(request.content or b"") / max(1, request.count)

    def _advance(self, conn: Connection, position: int, delivered: int, start: int | None) -> bool:
        """Move the cursor to `position` in `conn`'s transaction; True when it was still at
        `start` (as last seen) and not paused, so the worker may go on without reading it
        (_remember after the commit). LostHold when another forwarder took it over."""
        self._known = None
        if start is not None and store.advance_from(conn, self.dest.name, self.owner, start, position, delivered):
            return True
        if not store.advance(conn, self.dest.name, self.owner, position, delivered):
            raise LostHold(self.dest.name)
        return False

    @contextlib.contextmanager
    def _own(self) -> Iterator[Connection]:
        """The worker's own connection, kept between batches (no transaction open while it
        posts): a pool checkout per statement -- and, on a server, the pool's test query and the
        rollback on return -- cost more than the check and the cursor move it runs. Dropped on
        any error, so the next batch connects afresh."""
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            self._conn = self.engine.connect()
        try:
            yield self._conn
        except BaseException:
            self._drop_connection()
            raise

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def _remember(self, position: int, known: bool) -> None:
        self._known = (position, time.monotonic() + KNOWN_SECONDS) if known else None

    def _held(self, read: Callable[[Connection, store.Cursor], _T]) -> tuple[store.Cursor, _T | None] | None:
        """(cursor, `read`(conn, cursor)) in one connection while this worker holds the
        destination (claimed when its hold is not fresh); `read` is skipped (None) while the
        destination is paused. None: another forwarder holds it."""
        name = self.dest.name
        self._flush()  # the row read below must hold every move made
        self._known = None
        self._checked = None  # (the cursor read may be elsewhere than the feed's records follow)
        for _ in range(2):
            with self._own() as conn:  # (a pooled connection would make the pool hand the
                try:                   # collector's writer a second one, whose pages are stale)
                    cur = store.read_cursor(conn, name)
                    if cur is not None and cur.owner == self.owner and cur.heartbeat_at is not None \
                            and cur.heartbeat_at >= store.now_ms() - _HOLD_FRESH_MS:
                        self._remember(cur.position, not cur.paused)
                        return cur, (None if cur.paused else read(conn, cur))
                finally:
                    conn.rollback()
            if not store.claim(self.engine, name, self.owner):
                return None
        return None

    def _read(self, size: int) -> tuple[store.Cursor, int, Sequence[Row[Any]]] | None:
        """(cursor, MAX(id), the next batch of at most `size`) in one connection while this
        worker holds the destination; None: another forwarder holds it."""
        def read(conn: Connection, cur: store.Cursor) -> tuple[int, Sequence[Row[Any]]]:
            upto = store.max_event_id(conn)
            return upto, self.reader.fetch(conn, after=cur.position, upto=upto, limit=size)

        held = self._held(read)
        if held is None:
            return None
        cur, got = held
        upto, batch = got if got is not None else (0, [])
        return cur, upto, batch

    def step(self) -> str:
        """Deliver the next batch above the cursor; returns what happened (SENT, IDLE, ...)."""
        if self.stop.is_set():
            return STOPPED
        if self._waiting is not None or self._applying is not None or self._landed is not None:
            self._settle_moves()
        if self.feed is not None and self._in_sync and len(self.feed):
            outcome = self._step_from_memory(self.feed)
            if outcome is not None:
                return outcome
        return self._step_from_database()

    def _step_from_database(self) -> str:
        feed = self.feed
        # Behind (the last read was a whole batch): the feed is kept, to go on from memory once a
        # read reaches its first record (_catch_up_into); every check still applies after.
        keep = feed is not None and self._behind and len(feed) > 0
        if feed is not None and not keep:
            # Everything committed before this point is at most the MAX(id) read below; what the
            # collector commits from now on reaches the feed, so once this read gets to MAX(id)
            # the feed holds (at least) every later commit of the collector.
            feed.clear()
        size = self._size()
        read = self._read(size)
        if read is None:
            return BUSY
        cur, upto, batch = read
        if cur.paused:
            return PAUSED
        # A short batch read everything up to `upto`: the cursor may pass the filtered-out rest.
        full = len(batch) == size
        self._in_sync = not full
        self._full = self._behind = full
        if not batch:
            if upto > cur.position:  # everything up to `upto` is filtered out: skip it for good
                self._move(upto, 0, cur.position)
            return IDLE
        self.read_batches += 1
        sent, request = fitted_request(self.dest, batch)
        self._measure(request)
        answer = self.deliver(request)
        if answer is None:
            return STOPPED
        self._in_sync = self._in_sync and len(sent) == len(batch)
        position = sent[-1][0] if full or len(sent) < len(batch) else upto
        outcome = self._settle(answer, sent, position, cur.position)
        if keep and feed is not None:
            self._catch_up_into(feed, sent, caught_up=not full)
        return outcome

    def _catch_up_into(self, feed: CommittedFeed, sent: Sequence[Sequence[Any]], *, caught_up: bool) -> None:
        """After a read while behind: when the rows just sent reach the first record the feed
        holds (same messageIds, in order, to the end of what was sent), drop the records sent and
        go on from memory; a feed that disagrees is forgotten. (A destination catching up at the
        collector's rate would otherwise read every batch back until a read came back short.)"""
        generation, records = feed.peek(len(sent))
        if not records:
            return
        first = records[0][0]
        k = next((i for i, row in enumerate(sent) if row[1] == first), -1)
        if k < 0:  # not reached yet; or passed (filtered out): forget it once caught up
            if caught_up:
                feed.clear()
            return
        n = len(sent) - k
        if n > len(records) or any(sent[k + j][1] != records[j][0] for j in range(n)):
            feed.clear()
            return
        feed.drop(n, generation)
        self._in_sync, self._behind = True, False

    def _step_from_memory(self, feed: CommittedFeed) -> str | None:
        """Deliver the feed's next records if they are exactly the events stored above the cursor
        (same ids order, same messageIds), filtered as a read would; None when they are not (the
        feed is then cleared and the database read instead)."""
        size = self._size()
        generation, records = feed.peek(size)
        if not records:
            return None
        self._full = len(records) == size
        if self._selects is not None:
            outcome = self._step_from_memory_known(feed, generation, records, self._selects)
            if outcome is None:
                outcome = self._step_from_memory_by_ends(feed, generation, records, self._selects)
            if outcome is not None:
                return outcome
        held = self._held(lambda conn, cur: self.reader.identities(conn, after=cur.position, limit=len(records)))
        if held is None:
            return BUSY
        cur, rows = held
        if rows is None:  # paused
            feed.clear()
            return PAUSED
        if not rows:
            feed.clear()
            return None
        # Records committed before the last read of MAX(id) were sent from that read: skip them.
        start = 0
        first = rows[0][1]
        if records[0][0] != first:
            start = next((i for i, rec in enumerate(records) if rec[0] == first), -1)
            if start < 0:  # another program's rows, or a commit not handed over: read them
                feed.clear()
                return None
        matched = 0
        for row, rec in zip(rows, itertools.islice(records, start, None), strict=False):
            if row[1] != rec[0]:
                break
            matched += 1
        return self._send_records(feed, generation, records, start, [row[0] for row in rows[:matched]],
                                  [bool(row[2]) for row in rows[:matched]], cur.position)

    def _step_from_memory_known(self, feed: CommittedFeed, generation: int, records: list[Any],
                                selects: Callable[[Any], bool]) -> str | None:
        """The check by the ends without reading the cursor row, while the worker knows where its
        cursor is (KNOWN_SECONDS): the records are the events stored above it when the first is
        stored right above it and the last exactly as many places further (each record is stored,
        in id order, and ids are unique: the ones between are the rest). Two lookups by primary
        key. None: not shown this way (an older record, a gap, another program's rows): the
        checks that read the cursor decide."""
        known = self._known
        if known is None or time.monotonic() >= known[1]:
            return None
        position, n = known[0], len(records)
        checked = self._checked
        if checked is None or checked[0] != generation or checked[1] < position + n:
            # The two ends of everything the feed holds, not of this batch alone: one lookup for
            # the batches a poll let gather (on PostgreSQL ~0.2-0.4 ms of CPU each).
            same, held, last = feed.tail()
            if same != generation or held < n:
                held, last = n, records[-1]
            self.known_checks += 1
            with self._own() as conn:
                at = self.reader.message_ids_at(conn, position + 1, position + held)
                conn.rollback()
            if at.get(position + 1) != records[0][0]:
                return None
            if held > n and at.get(position + held) != last[0]:  # (another program's rows among them)
                self.known_checks += 1
                held, last = n, records[-1]
                with self._own() as conn:
                    at = self.reader.message_ids_at(conn, position + 1, position + n)
                    conn.rollback()
            if at.get(position + held) != last[0]:
                return None
            self._checked = (generation, position + held)
        self.known_batches += 1
        return self._send_records(feed, generation, records, 0, range(position + 1, position + n + 1),
                                  () if self._selects_all else [selects(rec) for rec in records], position)

    def _step_from_memory_by_ends(self, feed: CommittedFeed, generation: int, records: list[Any],
                                  selects: Callable[[Any], bool]) -> str | None:
        """The check for a destination whose filters are on event names only (evaluated here,
        `selects`): instead of every id and messageId above the cursor, the first row above it
        and the row as many places further as there are records: when these are the first and
        last record's messageIds and their ids are that far apart, the rows between are exactly
        the records (each is stored, in id order, and messageIds are unique). None: not shown
        this way (ids not consecutive, other rows in between): the full check decides."""
        def ends(conn: Connection, cur: store.Cursor) -> tuple[Any, int, Any] | None:
            first = self.reader.row_above(conn, after=cur.position, offset=0)
            if first is None:
                return None
            mid = first[1]
            start = next((i for i, rec in enumerate(records) if rec[0] == mid), -1)
            if start < 0:
                return None
            return first, start, self.reader.row_above(conn, after=cur.position, offset=len(records) - start - 1)

        held = self._held(ends)
        if held is None:
            return BUSY
        cur, got = held
        if cur.paused:
            feed.clear()
            return PAUSED
        if got is None:
            return None
        first, start, last = got
        n = len(records) - start
        if last is None or last[1] != records[-1][0] or last[0] - first[0] != n - 1:
            return None
        ids = range(first[0], last[0] + 1)
        return self._send_records(feed, generation, records, start, ids,
                                  () if self._selects_all else
                                  [selects(rec) for rec in itertools.islice(records, start, None)], cur.position)

    def _send_records(self, feed: CommittedFeed, generation: int, records: list[Any], start: int,
                      ids: Sequence[int], selected: Sequence[bool], cursor_at: int) -> str:
        """Send records[start:start + len(ids)], stored under `ids`, those `selected` by the
        filters (all where the destination has none: `selected` is then not looked at); move the
        cursor (read at `cursor_at`) past them (all, or up to the last sent when the body was
        split)."""
        matched = len(ids)
        # (the records as they are, with their ids beside them: no row tuple per message)
        if self._selects_all:
            chosen = RecordRows(ids, records[start:start + matched])
        else:
            kept = [i for i in range(matched) if selected[i]]
            chosen = RecordRows([ids[i] for i in kept], [records[start + i] for i in kept])
        if not chosen:  # all filtered out: pass over them
            self._move(ids[-1], 0, cursor_at)
            self._take(feed, generation, start + matched, complete=start + matched == len(records))
            return SKIPPED
        batch, request = fitted_request(self.dest, chosen, written=True)
        self._measure(request)
        answer = self.deliver(request)
        if answer is None:
            return STOPPED
        self.fast_batches += 1
        if len(batch) < len(chosen):  # sent in part (too large a body): up to its last message
            position = batch[-1][0]
            taken = ids.index(position) + 1
            outcome = self._settle(answer, batch, position, cursor_at)
            self._take(feed, generation, start + taken, complete=True)
            return outcome
        outcome = self._settle(answer, batch, ids[-1], cursor_at)
        self._take(feed, generation, start + matched, complete=start + matched == len(records))
        return outcome

    @staticmethod
    def _take(feed: CommittedFeed, generation: int, n: int, *, complete: bool) -> None:
        """Drop the `n` records dealt with; `complete` False: the rest did not match what is
        stored (a record not stored, or rows from elsewhere in between), so forget it."""
        if complete:
            feed.drop(n, generation)
        else:
            feed.clear()

    def _parked(self, answer: Answer, batch: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        """A dead letter's messages: as sent; not sent for its size (status None), the Segment
        messages before the template, which --retry-dead renders again (never its huge render)."""
        if answer.status is None and self.dest.render is not None:
            return source_messages(self.dest, batch)
        return batch_messages(self.dest, batch)

    def _settle(self, answer: Answer, batch: Sequence[Sequence[Any]], position: int,
                cursor_at: int | None = None) -> str:
        """Move the cursor (last seen at `cursor_at`) past a delivered (or refused: parked)
        batch, in one commit."""
        name = self.dest.name
        self.last_batch = len(batch)
        if answer.ok:
            self._move(position, len(batch), cursor_at)
            return SENT
        self._flush()
        with self.engine.begin() as conn:
            store.add_dead_letter(conn, name, [r[0] for r in batch], self._parked(answer, batch),
                                  answer.status, answer.describe())
            self._advance(conn, position, 0, None)
            conn.execute(update(C).where(C.c.name == name).values(
                last_error=store.one_line(store.DEAD_LETTER_ERROR + answer.describe())))
        log.error("%s: batch of %d parked as a dead letter: %s", name, len(batch), answer.describe())
        return DEAD

    # -- cursor moves in the collector's commits ----------------------------------------------------

    def _move(self, position: int, delivered: int, start: int | None) -> None:
        """Move the cursor (last known at `start`) to `position` past a batch delivered or passed
        over: in the collector's next commit when it carries the moves (`defers`), the same
        durability as a commit of its own (a crash before it sends the batch again); else in one."""
        if self.defers and not self.stop.is_set():
            with self._moves:
                waiting = self._waiting
                if waiting is not None and waiting.position == start:  # the batch after it: one move
                    waiting.position, waiting.delivered = position, waiting.delivered + delivered
                    start = None
            if start is not None:
                self._flush()  # (none waiting, or not this move's start: never merged out of order)
                with self._moves:
                    self._waiting = _Move(start, position, delivered)
            self._remember(position, True)  # until a commit finds otherwise (_settle_moves)
            return
        with self._own() as conn, conn.begin():
            known = self._advance(conn, position, delivered, start)
        self.moves_own += 1
        self._remember(position, known)

    def apply_moves(self, conn: Connection) -> bool:
        """In the collector's transaction (`conn`, its commit thread): make the waiting move;
        moved_by_collector(committed) follows. False: none was waiting."""
        with self._moves:
            move, self._waiting = self._waiting, None
            if move is None:
                return False
            self._applying = move
        try:
            name = self.dest.name
            if move.start is not None and store.advance_from(conn, name, self.owner, move.start, move.position,
                                                             move.delivered):
                move.landed = KNOWN
            elif store.advance(conn, name, self.owner, move.position, move.delivered):
                move.landed = MOVED
            else:
                move.landed = LOST
        except BaseException:
            self.moved_by_collector(False)
            raise
        return True

    def moved_by_collector(self, committed: bool) -> None:
        """The collector's transaction that made the move committed, or failed (the move waits again)."""
        with self._moves:
            move, self._applying = self._applying, None
            if move is not None:
                if committed:
                    self.moves_in_collector += 1
                    if move.landed != KNOWN and self._landed != LOST:
                        self._landed = move.landed
                else:  # in front of what was delivered since
                    if self._waiting is not None:
                        move.position = self._waiting.position
                        move.delivered += self._waiting.delivered
                    self._waiting = move
            self._moves.notify_all()

    def _flush(self) -> None:
        """Commit the waiting move here (before reading the cursor row, at the end, or when the
        collector's next commit is late): after the collector's commit applying one, never beside it."""
        if self._waiting is None and self._applying is None:
            return
        with self._moves:
            self._moves.wait_for(lambda: self._applying is None, timeout=30.0)
            if self._applying is not None:
                raise RuntimeError("the collector's commit moving the cursor did not end")
            move, self._waiting = self._waiting, None
        if move is not None:
            try:
                with self._own() as conn, conn.begin():
                    known = self._advance(conn, move.position, move.delivered, move.start)
            except LostHold:
                raise
            except BaseException:
                with self._moves:
                    if self._waiting is not None:
                        move.position = self._waiting.position
                        move.delivered += self._waiting.delivered
                    self._waiting = move
                raise
            self.moves_own += 1
            self._remember(move.position, known)
        self._learn()

    def _learn(self) -> None:
        """What the collector's commits found: the cursor row moved or paused elsewhere (read it
        before the next batch), or another forwarder holds it (LostHold)."""
        with self._moves:
            landed, self._landed = self._landed, None
        if landed == LOST:
            raise LostHold(self.dest.name)
        if landed == MOVED:
            self._known = None

    def _settle_moves(self) -> None:
        """Before a batch: learn what the collector's commits found; when more than PENDING_MOST
        delivered messages would wait for a commit (the collector's commit in progress counted),
        give the collector MOVE_WAIT to commit, then commit them here."""
        self._learn()
        waiting, applying = self._waiting, self._applying
        pending = (waiting.delivered if waiting is not None else 0) + (applying.delivered if applying is not None else 0)
        if pending and pending + self._size() > PENDING_MOST:
            with self._moves:
                self._moves.wait_for(lambda: self._waiting is None and self._applying is None, timeout=MOVE_WAIT)
            self._flush()

    def catch_up(self) -> Summary:
        """Deliver until nothing matching is left above the cursor (`tracklens forward`)."""
        summary = Summary(self.dest.name)
        while True:
            try:
                outcome = self.step()
            except LostHold:
                outcome = BUSY
            if outcome == SKIPPED:
                continue
            if outcome in (SENT, DEAD):
                summary.batches += 1
                if outcome == SENT:
                    summary.sent += self.last_batch
                else:
                    summary.dead += 1
                continue
            summary.outcome = outcome
            return summary

    def run_forever(self, poll: float = 0.5) -> None:
        """Forward as events arrive until `stop` (the collector's --destinations thread)."""
        started = time.thread_time()
        try:
            while not self.stop.is_set():
                try:
                    outcome = self.step()
                except LostHold:
                    log.warning("%s: another forwarder took the destination over", self.dest.name)
                    outcome = BUSY
                except Exception as exc:  # the database was unavailable, ...: try again later
                    log.error("%s: %s", self.dest.name, exc)
                    outcome = IDLE
                    self.stop.wait(poll * 4)
                # A whole batch: more is waiting. Otherwise let the next batch fill up for a poll
                # (a caught-up destination under load sends full batches, not one per commit).
                if not (outcome in (SENT, DEAD, SKIPPED) and self._full):
                    self.stop.wait(poll)
        finally:
            self.thread_cpu = time.thread_time() - started
            self.close()

    # -- replay and dead letters -------------------------------------------------------------------

    def replay(self, start_ms: int, end_ms: int) -> Summary:
        """Send again the matching events with start <= ts < end, in id order; the cursor stays."""
        summary = Summary(self.dest.name)
        with self.engine.connect() as conn:
            upto = store.max_event_id(conn)
        position = 0
        while True:
            with self.engine.connect() as conn:
                batch = self.reader.fetch(conn, after=position, upto=upto, limit=self._size(),
                                          ts_range=(start_ms, end_ms))
            if not batch:
                summary.outcome = IDLE
                return summary
            sent, request = fitted_request(self.dest, batch)
            self._measure(request)
            answer = self.deliver(request, track=False)
            if answer is None:
                summary.outcome = STOPPED
                return summary
            summary.batches += 1
            if answer.ok:
                summary.sent += len(sent)
            else:
                with self.engine.begin() as conn:
                    store.add_dead_letter(conn, self.dest.name, [r[0] for r in sent],
                                          self._parked(answer, sent), answer.status, answer.describe())
                summary.dead += 1
            position = sent[-1][0]

    def _resend(self, letter: store.DeadLetter) -> Request:
        """The request re-sending a dead letter as it was sent; one a webhook parked unsent for
        its size (status None) rendered again by the template as it is now, and refused again,
        unsent, while it is still too large."""
        request = resend_request(self.dest, letter.messages)
        limit = MAX_BODY_BYTES.get(self.dest.type)
        if self.dest.type != "webhook" or letter.status is not None or limit is None:
            return request
        try:
            content = rendered_content(self.dest, letter.messages, limit) if self.dest.render is not None \
                else encode_body(request.body)
        except BodyTooLarge as exc:
            return replace(request, refusal=too_large(self.dest, exc.size, limit))
        if len(content) > limit:
            return replace(request, refusal=too_large(self.dest, len(content), limit))
        return replace(request, body=None, content=content)

    def retry_dead(self) -> Summary:
        """Re-send this destination's open dead letters, oldest first (`--retry-dead`)."""
        summary = Summary(self.dest.name)
        for letter in store.dead_letters(self.engine, self.dest.name):
            answer = self.deliver(self._resend(letter), track=False)
            if answer is None:
                summary.outcome = STOPPED
                return summary
            summary.batches += 1
            if answer.ok:
                store.mark_resent(self.engine, letter)
                summary.sent += letter.count
            else:
                store.update_answer(self.engine, letter, answer.status, answer.describe())
                summary.dead += 1
                summary.errors.append(answer.describe())
        summary.outcome = IDLE
        return summary


class Forwarder:
    """One thread per destination, forwarding as events arrive (beside the collector)."""

    def __init__(self, engine: Engine, destinations: Sequence[Destination], *, poll: float = 0.5,
                 backoff: Backoff = DEFAULT_BACKOFF) -> None:
        self.stop_event = threading.Event()
        self.workers = [DestinationWorker(engine, d, stop=self.stop_event, backoff=backoff) for d in destinations]
        self.poll = poll
        self._threads: list[threading.Thread] = []
        # Every database: the records' documents are the text the writer stored. Where JSON reads
        # back as written (SQLite: Backend.keeps_json_text) a read sends the same bytes; where it
        # does not (PostgreSQL's JSONB reorders keys and adds spaces) the same JSON values.
        for worker in self.workers:
            worker.feed = CommittedFeed()
        self._getters = {kind: record_row_getter(kind) for kind in {w.dest.type for w in self.workers}}

    def committed(self, records: Sequence[Any], whole: bool) -> None:
        """The collector committed `records` (app.ingest's records, in id order); `whole`: all
        of them were stored (none turned out to be stored already). Called on the committer's
        thread right after the commit; costs a list extend per destination."""
        # Held as plain rows (what a read gives, less the id; the messageId first): tuples of
        # strings and numbers, which the garbage collector stops tracking, unlike the records.
        rows: dict[str, list[tuple[Any, ...]]] = {}
        for worker in self.workers:
            if worker.feed is not None:
                if whole:
                    kind = worker.dest.type
                    if kind not in rows:
                        get = self._getters[kind]
                        rows[kind] = list(map(get, records))
                    worker.feed.extend(rows[kind])
                else:
                    worker.feed.clear()

    def in_transaction(self, conn: Connection) -> Callable[[bool], None] | None:
        """Last in each of the collector's transactions (`conn`, its commit thread): the workers'
        waiting cursor moves, so that forwarding commits nothing of its own while the collector
        writes (on SQLite each commit of another connection made the writer's connection reload
        the pages it read: docs/benchmarks/forward.md). Returns what to call once that
        transaction committed (True) or failed (False)."""
        applied: list[DestinationWorker] = []
        try:
            for worker in self.workers:
                worker.defers = True
                if worker.apply_moves(conn):
                    applied.append(worker)
        except BaseException:
            for worker in applied:
                worker.moved_by_collector(False)
            raise
        if not applied:
            return None

        def done(committed: bool) -> None:
            for worker in applied:
                worker.moved_by_collector(committed)
        return done

    def start(self) -> None:
        for worker in self.workers:
            thread = threading.Thread(target=worker.run_forever, args=(self.poll,),
                                      name=f"tracklens-forward-{worker.dest.name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Interrupt waits and retries; a batch in flight is sent again by the next run."""
        self.stop_event.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        for worker in self.workers:
            log.info("%s: %d batches sent from memory, %d read from the database; %.2f s CPU in its thread; "
                     "%d cursor moves in the collector's commits, %d of its own; %d batches sent by the ids "
                     "its cursor puts them at, checked by %d lookups", worker.dest.name,
                     worker.fast_batches, worker.read_batches, worker.thread_cpu, worker.moves_in_collector,
                     worker.moves_own, worker.known_batches, worker.known_checks)
