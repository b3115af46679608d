"""The delivery ledger: record first, deliver, mark done (the transactional-outbox pattern).

Every decision about an item (a person of a campaign) is a row of `outbound_ledger`, keyed by
(stream, item). Claiming an item is an INSERT on that key, committed *before* the delivery
starts: a second sender (another process, another machine on the same PostgreSQL) gets a
conflict and leaves the item alone, so nothing is delivered twice. The row is marked `sent`
(or `failed`, `retry`) in a second commit after the server's answer. A sender killed in
between leaves a `sending` row: `recover()` turns it into `unknown` -- reported in every
summary, never resent on its own (it may have arrived) -- so nobody is skipped silently.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.core.schema import outbound_ledger as L

SENDING, SENT, HELD, RETRY, FAILED, UNKNOWN = "sending", "sent", "held", "retry", "failed", "unknown"
#: States that end an item's story: it is never claimed again (unknown only by the operator).
FINAL = (SENT, HELD, FAILED, UNKNOWN)
#: A `sending` row older than this whose owner cannot be checked is taken as abandoned.
DEFAULT_LEASE_SECONDS = 15 * 60
_DETAIL_MAX = 1000


def now_ms() -> int:
    return int(time.time() * 1000)


def one_line(text: str | None) -> str | None:
    """A stored reason or answer: one line (a server's multi-line body reads in a table cell), capped."""
    if text is None:
        return None
    return " ".join(str(text).split())[:_DETAIL_MAX]


def new_owner() -> str:
    """host|pid|run: lets another sender on this host see that the holder's process is gone."""
    return f"{socket.gethostname()}|{os.getpid()}|{uuid.uuid4().hex[:12]}"


def owner_gone(owner: str | None) -> bool:
    """True when `owner` (from new_owner) ran on this host and its process no longer exists.
    False when that cannot be told (another host, not POSIX): the caller's lease decides then."""
    if not owner or os.name != "posix":
        return False
    host, _, rest = owner.partition("|")
    pid_text = rest.partition("|")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass(frozen=True)
class Entry:
    item: str
    grp: str
    state: str
    attempts: int
    next_attempt_at: int | None
    done_at: int | None
    detail: str | None


class Ledger:
    """The rows of one stream, for one sender (`owner` identifies this process and run)."""

    def __init__(self, engine: Engine, stream: str, *, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> None:
        self.engine = engine
        self.stream = stream
        self.lease_ms = int(lease_seconds * 1000)
        self.owner = new_owner()

    # -- reading -------------------------------------------------------------------------------

    def entries(self) -> dict[str, Entry]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(L.c.item, L.c.grp, L.c.state, L.c.attempts, L.c.next_attempt_at,
                                       L.c.done_at, L.c.detail).where(L.c.stream == self.stream))
            return {r.item: Entry(r.item, r.grp, r.state, int(r.attempts or 0), r.next_attempt_at, r.done_at,
                                  r.detail) for r in rows}

    def entry(self, item: str) -> Entry | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(L.c.item, L.c.grp, L.c.state, L.c.attempts, L.c.next_attempt_at, L.c.done_at,
                                    L.c.detail).where(L.c.stream == self.stream, L.c.item == item)).first()
        return None if r is None else Entry(r.item, r.grp, r.state, int(r.attempts or 0), r.next_attempt_at,
                                            r.done_at, r.detail)

    # -- claiming ------------------------------------------------------------------------------

    def claim(self, item: str, *, grp: str, channel: str) -> bool:
        """Take a new item for delivery (state `sending`). False: another sender has it."""
        return self._insert(item, grp=grp, channel=channel, state=SENDING)

    def hold(self, item: str, *, channel: str) -> bool:
        """Record a holdout decision (final at once). False: already decided elsewhere."""
        return self._insert(item, grp="holdout", channel=channel, state=HELD)

    def _insert(self, item: str, *, grp: str, channel: str, state: str) -> bool:
        t = now_ms()
        values = {"stream": self.stream, "item": item, "grp": grp, "state": state, "attempts": 0,
                  "claimed_at": t, "updated_at": t, "channel": channel, "recorded": False,
                  "owner": self.owner if state == SENDING else None, "done_at": t if state == HELD else None}
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(L).values(values))
        except IntegrityError:
            return False
        return True

    def reclaim(self, item: str) -> bool:
        """Take an item waiting in `retry` (atomically: one sender wins)."""
        t = now_ms()
        with self.engine.begin() as conn:
            result = conn.execute(update(L).where(L.c.stream == self.stream, L.c.item == item, L.c.state == RETRY)
                                  .values(state=SENDING, owner=self.owner, claimed_at=t, updated_at=t))
        return result.rowcount == 1

    # -- outcomes of a claimed item ---------------------------------------------------------------

    def _finish(self, item: str, **values: object) -> None:
        values.setdefault("updated_at", now_ms())
        with self.engine.begin() as conn:
            conn.execute(update(L).where(L.c.stream == self.stream, L.c.item == item, L.c.state == SENDING,
                                         L.c.owner == self.owner).values(**values))

    def mark_sent(self, item: str, attempts: int) -> int:
        t = now_ms()
        self._finish(item, state=SENT, owner=None, attempts=attempts, done_at=t, updated_at=t, detail=None)
        return t

    def mark_failed(self, item: str, attempts: int, reason: str) -> int:
        t = now_ms()
        self._finish(item, state=FAILED, owner=None, attempts=attempts, done_at=t, updated_at=t,
                     detail=one_line(reason))
        return t

    def mark_retry(self, item: str, attempts: int, reason: str, next_attempt_at: int) -> None:
        self._finish(item, state=RETRY, owner=None, attempts=attempts, detail=one_line(reason),
                     next_attempt_at=next_attempt_at)

    def mark_unknown(self, item: str, attempts: int, reason: str) -> None:
        self._finish(item, state=UNKNOWN, owner=None, attempts=attempts, detail=one_line(reason))

    def release(self, item: str, attempts: int) -> None:
        """Give back an item that was certainly not sent (the run stopped before delivering it)."""
        with self.engine.begin() as conn:
            cond = and_(L.c.stream == self.stream, L.c.item == item, L.c.state == SENDING, L.c.owner == self.owner)
            if attempts == 0:
                conn.execute(delete(L).where(cond))
            else:
                conn.execute(update(L).where(cond).values(state=RETRY, owner=None, next_attempt_at=now_ms(),
                                                          updated_at=now_ms()))

    # -- recovery --------------------------------------------------------------------------------

    def recover(self) -> list[str]:
        """Mark `sending` rows of senders that are gone as `unknown`; returns their items.

        A sender is gone when it ran on this host and its process no longer exists, or when its
        claim is older than the lease (another host, or a process id reused since)."""
        cutoff = now_ms() - self.lease_ms
        with self.engine.connect() as conn:
            rows = conn.execute(select(L.c.item, L.c.owner, L.c.updated_at)
                                .where(L.c.stream == self.stream, L.c.state == SENDING)).all()
        gone = [r.item for r in rows if r.owner != self.owner and (r.updated_at < cutoff or owner_gone(r.owner))]
        for item in gone:
            with self.engine.begin() as conn:
                conn.execute(update(L).where(L.c.stream == self.stream, L.c.item == item, L.c.state == SENDING)
                             .values(state=UNKNOWN, owner=None, updated_at=now_ms(),
                                     detail="the sender stopped while delivering: it may or may not have arrived"))
        return gone

    def requeue_unknown(self) -> int:
        """The operator's decision to deliver `unknown` items again (they may arrive twice)."""
        with self.engine.begin() as conn:
            result = conn.execute(update(L).where(L.c.stream == self.stream, L.c.state == UNKNOWN)
                                  .values(state=RETRY, next_attempt_at=0, updated_at=now_ms()))
        return int(result.rowcount or 0)

    # -- events -----------------------------------------------------------------------------------

    def unrecorded(self) -> list[Entry]:
        """Final rows whose event has not been written yet (a crash between the two commits)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(L.c.item, L.c.grp, L.c.state, L.c.attempts, L.c.next_attempt_at, L.c.done_at,
                                       L.c.detail)
                                .where(L.c.stream == self.stream, L.c.state.in_((SENT, HELD, FAILED)),
                                       L.c.recorded.is_(False)))
            return [Entry(r.item, r.grp, r.state, int(r.attempts or 0), r.next_attempt_at, r.done_at, r.detail)
                    for r in rows]

    def mark_recorded(self, items: Iterable[str]) -> None:
        chunk: list[str] = []
        for item in items:
            chunk.append(item)
            if len(chunk) == 500:
                self._recorded(chunk)
                chunk = []
        if chunk:
            self._recorded(chunk)

    def _recorded(self, items: list[str]) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(L).where(L.c.stream == self.stream, L.c.item.in_(items)).values(recorded=True))
