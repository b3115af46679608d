"""Where each destination has got to, its dead letters and status, in the event database.

The cursor is the last `events.id` a destination acknowledged (2xx), parked as a dead letter or
skipped by its filters. Tracklens writers serialise their transactions (Backend.lock_for_writing),
so ids commit in increasing order: every committed id above the cursor is still to send, and one
read of MAX(id) bounds a scan without missing a row still being committed.

Only one forwarder delivers a destination at a time: it holds the cursor row (`owner`, refreshed
in `heartbeat_at`). A holder that stopped -- a process gone from this host, or silent for longer
than the lease -- is replaced, so a restart after a crash or SIGKILL resumes at the cursor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    Select,
    and_,
    bindparam,
    case,
    delete,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from app.core.backends import backend_for
from app.core.schema import destination_cursors as C
from app.core.schema import destination_dead_letters as D
from app.core.schema import destination_deliveries as M
from app.core.schema import event_context, events, events_with_context, users
from app.outbound.destinations.config import Destination
from app.outbound.destinations.formats import row_columns
from app.outbound.ledger import now_ms, one_line, owner_gone
from app.query.filters import FilterContext, compile_filters, needs_users

#: A holder silent for longer than this (another host, or a reused process id) is replaced.
LEASE_MS = 60_000
MINUTE_MS = 60_000
#: Per-minute delivery counts kept (the sparkline shows the last day).
DELIVERIES_KEPT_MS = 2 * 24 * 3_600_000
#: The status sparkline: this many buckets of this length, ending with the current one.
SPARK_BUCKETS, SPARK_BUCKET_MS = 48, 30 * MINUTE_MS


# -- cursors ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cursor:
    name: str
    position: int
    delivered: int
    paused: bool
    owner: str | None
    heartbeat_at: int | None
    failing_since: int | None
    last_error: str | None
    last_success_at: int | None


def ensure_cursor(engine: Engine, name: str) -> None:
    """A new destination starts at the beginning: it receives every stored event (docs)."""
    try:
        with engine.begin() as conn:
            if conn.execute(select(C.c.name).where(C.c.name == name)).first() is None:
                conn.execute(C.insert().values(name=name, position=0, delivered=0, paused=False,
                                               updated_at=now_ms()))
    except IntegrityError:  # another forwarder created it at the same moment
        pass


def cursor(engine: Engine, name: str) -> Cursor | None:
    with engine.connect() as conn:
        return read_cursor(conn, name)


# The statements every batch runs, built once: building them again each time cost more CPU than
# the database spent running them (SQLAlchemy's coercions), a few µs per forwarded event.
_READ_CURSOR = select(C).where(C.c.name == bindparam("name"))
_MAX_ID = select(func.max(events.c.id))
# (an UPDATE's bind parameters may not be named after its columns)
_ADVANCE = update(C).where(C.c.name == bindparam("b_name"), C.c.owner == bindparam("b_owner"),
                           C.c.position <= bindparam("b_position")).values(
    position=bindparam("b_position"), delivered=C.c.delivered + bindparam("b_delivered"), updated_at=bindparam("t"),
    heartbeat_at=bindparam("t"))
_ADVANCE_DELIVERED = _ADVANCE.values(failing_since=None, last_success_at=bindparam("t"))
# ... from where the holder last saw it, not paused: what lets it skip reading the row (advance_from)
_FROM = (C.c.position == bindparam("b_from"), C.c.paused == false())
_ADVANCE_FROM, _ADVANCE_DELIVERED_FROM = _ADVANCE.where(*_FROM), _ADVANCE_DELIVERED.where(*_FROM)


def read_cursor(conn: Connection, name: str) -> Cursor | None:
    r = conn.execute(_READ_CURSOR, {"name": name}).first()
    if r is None:
        return None
    return Cursor(r.name, int(r.position), int(r.delivered or 0), bool(r.paused), r.owner, r.heartbeat_at,
                  r.failing_since, r.last_error, r.last_success_at)


def claim(engine: Engine, name: str, owner: str, *, lease_ms: int = LEASE_MS) -> bool:
    """Hold the destination for `owner` (or renew the hold). False: another live forwarder has it."""
    ensure_cursor(engine, name)
    t = now_ms()
    with engine.begin() as conn:
        result = conn.execute(update(C).where(C.c.name == name, or_(
            C.c.owner.is_(None), C.c.owner == owner, C.c.heartbeat_at < t - lease_ms)).values(owner=owner, heartbeat_at=t))
        if result.rowcount == 1:
            return True
        holder = conn.execute(select(C.c.owner).where(C.c.name == name)).scalar()
        if not owner_gone(holder):
            return False
        result = conn.execute(update(C).where(C.c.name == name, C.c.owner == holder)
                              .values(owner=owner, heartbeat_at=t))
        return result.rowcount == 1


def release(engine: Engine, name: str, owner: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(C).where(C.c.name == name, C.c.owner == owner).values(owner=None, heartbeat_at=None))


_COUNT_MINUTE = update(M).where(M.c.destination == bindparam("b_name"), M.c.minute == bindparam("b_minute")).values(
    n=M.c.n + bindparam("b_n"))
_NEW_MINUTE = insert(M).values(destination=bindparam("b_name"), minute=bindparam("b_minute"), n=bindparam("b_n"))
_PRUNE_MINUTES = delete(M).where(M.c.destination == bindparam("b_name"), M.c.minute < bindparam("b_before"))


def advance(conn: Connection, name: str, owner: str, position: int, delivered: int) -> bool:
    """Move the cursor forward (never back) after an acknowledgement; False if the hold was lost.
    Delivered messages are also counted in their minute, in the same transaction."""
    t = now_ms()
    result = conn.execute(_ADVANCE_DELIVERED if delivered else _ADVANCE,
                          {"b_name": name, "b_owner": owner, "b_position": position, "b_delivered": delivered,
                           "t": t})
    if result.rowcount != 1:
        return False
    if delivered:
        _count_delivered(conn, name, t, delivered)
    return True


def advance_from(conn: Connection, name: str, owner: str, start: int, position: int, delivered: int) -> bool:
    """advance(), only if the cursor is still at `start` and not paused. True: the cursor row is
    as its holder left it plus this move, so the holder may go on without reading it; False:
    nothing changed (paused, moved by hand, or the hold lost): read it and decide."""
    t = now_ms()
    result = conn.execute(_ADVANCE_DELIVERED_FROM if delivered else _ADVANCE_FROM,
                          {"b_name": name, "b_owner": owner, "b_from": start, "b_position": position,
                           "b_delivered": delivered, "t": t})
    if result.rowcount != 1:
        return False
    if delivered:
        _count_delivered(conn, name, t, delivered)
    return True


def _count_delivered(conn: Connection, name: str, t: int, delivered: int) -> None:
    """Delivered messages counted in their minute (the holder's transaction moving its cursor)."""
    # Only the holder gets here (the cursor row is held), so update-else-insert cannot race.
    minute = t - t % MINUTE_MS
    counted = {"b_name": name, "b_minute": minute, "b_n": delivered}
    if conn.execute(_COUNT_MINUTE, counted).rowcount == 0:
        conn.execute(_PRUNE_MINUTES, {"b_name": name, "b_before": minute - DELIVERIES_KEPT_MS})
        conn.execute(_NEW_MINUTE, counted)


def deliveries(conn: Connection, name: str, *, now: int | None = None) -> list[int]:
    """Messages acknowledged per SPARK_BUCKET_MS over the last SPARK_BUCKETS of them, oldest
    first (the last bucket is the current, unfinished one)."""
    t = now_ms() if now is None else now
    end = t - t % SPARK_BUCKET_MS + SPARK_BUCKET_MS
    start = end - SPARK_BUCKETS * SPARK_BUCKET_MS
    out = [0] * SPARK_BUCKETS
    rows = conn.execute(select(M.c.minute, M.c.n).where(M.c.destination == name, M.c.minute >= start,
                                                        M.c.minute < end))
    for minute, n in rows:
        out[(int(minute) - start) // SPARK_BUCKET_MS] += int(n)
    return out


def record_failure(engine: Engine, name: str, error: str) -> None:
    t = now_ms()
    with engine.begin() as conn:
        conn.execute(update(C).where(C.c.name == name).values(
            failing_since=func.coalesce(C.c.failing_since, t), last_error=one_line(error), updated_at=t,
            heartbeat_at=t))


def set_paused(engine: Engine, name: str, paused: bool) -> None:
    ensure_cursor(engine, name)
    with engine.begin() as conn:
        conn.execute(update(C).where(C.c.name == name).values(paused=paused, updated_at=now_ms()))


def set_position(engine: Engine, name: str, position: int) -> None:
    """Move a cursor by hand (e.g. skip everything stored so far: position = MAX(id))."""
    ensure_cursor(engine, name)
    with engine.begin() as conn:
        conn.execute(update(C).where(C.c.name == name).values(position=position, updated_at=now_ms()))


# -- reading events -------------------------------------------------------------------------------

def max_event_id(conn: Connection) -> int:
    return int(conn.execute(_MAX_ID).scalar() or 0)


def _source(dest: Destination, *, context: bool = False) -> Any:
    """`events` (with event_context when `context`), joined with `users` when a filter reads traits."""
    source: Any = events_with_context if context else events
    if needs_users(dest.where):
        source = source.outerjoin(users, users.c.id == events.c.person)
    return source


def _conditions(dest: Destination, conn: Connection) -> list[Any]:
    """What an event must satisfy to be forwarded to `dest`: the filters compiled by the query
    model, values bound. The one definition both the read of stored rows and the in-memory
    fast path's check use, so they select alike."""
    conditions: list[Any] = []
    if dest.events:
        conditions.append(events.c.event.in_(list(dest.events)))
    if dest.type == "mixpanel":  # Mixpanel takes events; identify/group/alias have no event name
        conditions.append(events.c.event.is_not(None))
    ctx = FilterContext(conn.dialect, events, users if needs_users(dest.where) else None, events.c.person,
                        dt.datetime.now(dt.UTC).date())
    where = compile_filters(dest.where, ctx)
    if where is not None:
        conditions.append(where)
    return conditions


def _matching(dest: Destination, conn: Connection, *columns: Any, context: bool = False) -> Select[Any]:
    """`columns` of the events `dest` forwards. `context`: joined with event_context (filters never read it)."""
    stmt = select(*columns).select_from(_source(dest, context=context))
    for condition in _conditions(dest, conn):
        stmt = stmt.where(condition)
    return stmt


def _row_column(name: str, conn: Connection) -> Any:
    """A column of formats.row_columns(): the JSON documents as their stored text, unparsed (a
    text that is not JSON, which only another program can store, as a JSON string: the backend's
    stored_json_text), so the request body spliced from them is JSON."""
    if name == "properties":
        return backend_for(conn).stored_json_text(events.c.properties)
    if name == "context":
        return backend_for(conn).stored_json_text(event_context.c.context)
    return events.c[name]


class EventReader:
    """Reads one destination's next events (fetch()); its statement is built once per day and
    dialect (filters may be relative to today), not once per batch."""

    def __init__(self, dest: Destination) -> None:
        self.dest = dest
        self._statements: dict[tuple[str, dt.date, bool], Select[Any]] = {}
        self._identities: tuple[tuple[str, dt.date], Select[Any]] | None = None

    def _statement(self, conn: Connection, ranged: bool) -> Select[Any]:
        key = (backend_for(conn).name, dt.datetime.now(dt.UTC).date(), ranged)
        stmt = self._statements.get(key)
        if stmt is None:
            names = row_columns(self.dest.type)
            stmt = _matching(self.dest, conn, *(_row_column(n, conn) for n in names), context="context" in names)
            stmt = stmt.where(events.c.id > bindparam("after"), events.c.id <= bindparam("upto"))
            if ranged:
                stmt = stmt.where(events.c.ts >= bindparam("ts_from"), events.c.ts < bindparam("ts_to"))
            stmt = stmt.order_by(events.c.id).limit(bindparam("limit"))
            self._statements.clear()
            self._statements[key] = stmt
        return stmt

    def fetch(self, conn: Connection, *, after: int, upto: int, limit: int,
              ts_range: tuple[int, int] | None = None) -> Sequence[Row[Any]]:
        """The next matching events with after < id <= upto, in id order, as rows of
        formats.row_columns(dest.type) (what formats.request_for takes)."""
        params: dict[str, Any] = {"after": after, "upto": upto, "limit": limit}
        if ts_range is not None:
            params.update(ts_from=ts_range[0], ts_to=ts_range[1])
        return conn.execute(self._statement(conn, ts_range is not None), params).all()

    def _identities_statement(self, conn: Connection) -> Select[Any]:
        key = (backend_for(conn).name, dt.datetime.now(dt.UTC).date())
        if self._identities is None or self._identities[0] != key:
            conditions = _conditions(self.dest, conn)
            matches: Any = case((and_(*conditions), 1), else_=0) if conditions else literal(1)
            stmt = select(events.c.id, events.c.message_id, matches).select_from(_source(self.dest)) \
                .where(events.c.id > bindparam("after")).order_by(events.c.id).limit(bindparam("limit"))
            self._identities = (key, stmt)
        return self._identities[1]

    def identities(self, conn: Connection, *, after: int, limit: int) -> Sequence[Sequence[Any]]:
        """(id, message_id, 1 if `dest` forwards it else 0) of the first `limit` stored events
        above `after`, in id order, matched or not: the in-memory fast path checks that they are
        the messages it holds, and reads only these two short columns instead of the documents."""
        return conn.execute(self._identities_statement(conn), {"after": after, "limit": limit}).all()

    @staticmethod
    def row_above(conn: Connection, *, after: int, offset: int) -> Sequence[Any] | None:
        """(id, message_id) of the stored event `offset` places above the first one above `after`
        (any event, matching or not): the ends the in-memory fast path checks."""
        return conn.execute(_ROW_ABOVE, {"after": after, "offset": offset}).first()

    @staticmethod
    def message_ids_at(conn: Connection, first: int, last: int) -> dict[int, str]:
        """{id: message_id} of the stored events with id `first` or `last` (two lookups by the
        primary key): the ends of what the in-memory fast path holds, where its cursor says they are."""
        return {int(i): m for i, m in conn.execute(_IDS_AT, {"a": first, "b": last})}


_IDS_AT = select(events.c.id, events.c.message_id).where(or_(events.c.id == bindparam("a"),
                                                             events.c.id == bindparam("b")))
_ROW_ABOVE = select(events.c.id, events.c.message_id).where(events.c.id > bindparam("after")) \
    .order_by(events.c.id).limit(1).offset(bindparam("offset"))


def fetch(conn: Connection, dest: Destination, *, after: int, upto: int, limit: int,
          ts_range: tuple[int, int] | None = None) -> Sequence[Row[Any]]:
    """EventReader(dest).fetch(...), for one read."""
    return EventReader(dest).fetch(conn, after=after, upto=upto, limit=limit, ts_range=ts_range)


def pending(conn: Connection, dest: Destination, after: int) -> tuple[int, int | None]:
    """How many matching events wait above the cursor, and when the oldest of them arrived."""
    stmt = _matching(dest, conn, func.count(), func.min(events.c.received_at)).where(events.c.id > after)
    count, oldest = conn.execute(stmt).one()
    return int(count or 0), (int(oldest) if oldest is not None else None)


# -- dead letters ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeadLetter:
    id: int
    destination: str
    first_id: int
    last_id: int
    count: int
    messages: list[dict[str, Any]]
    status: int | None
    answer: str | None
    created_at: int
    resent_at: int | None


def add_dead_letter(conn: Connection, name: str, batch_ids: Sequence[int], messages: list[dict[str, Any]],
                    status: int | None, answer: str) -> None:
    conn.execute(D.insert().values(destination=name, first_id=min(batch_ids), last_id=max(batch_ids),
                                   count=len(messages), messages=messages, status=status,
                                   answer=one_line(answer), created_at=now_ms()))


def dead_letters(engine: Engine, name: str | None = None, *, open_only: bool = True) -> list[DeadLetter]:
    stmt = select(D).order_by(D.c.id)
    if name is not None:
        stmt = stmt.where(D.c.destination == name)
    if open_only:
        stmt = stmt.where(D.c.resent_at.is_(None))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return [DeadLetter(int(r.id), r.destination, int(r.first_id), int(r.last_id), int(r._mapping["count"]),
                       list(r.messages),
                       r.status, r.answer, int(r.created_at), r.resent_at) for r in rows]


#: the start of the last error a parked batch leaves on its destination (DestinationWorker._settle)
DEAD_LETTER_ERROR = "dead letter: "


def mark_resent(engine: Engine, letter: DeadLetter) -> None:
    """A dead letter re-sent and acknowledged (`--retry-dead`): closed, and what its re-sending
    did shown as --status and the panel read it, in one commit: its messages counted as
    delivered (the total, the last 24 h, the last success) and, once no letter of the
    destination is left open, the last error its parking left cleared (another error stays)."""
    t = now_ms()
    name = letter.destination
    with engine.begin() as conn:
        if conn.execute(update(D).where(D.c.id == letter.id, D.c.resent_at.is_(None))
                        .values(resent_at=t)).rowcount != 1:
            return  # (another --retry-dead closed it meanwhile: counted there)
        conn.execute(update(C).where(C.c.name == name).values(
            delivered=C.c.delivered + letter.count, last_success_at=t, updated_at=t))
        # Not the holder of the cursor row: the minute may be inserted by it at the same time.
        counted = {"b_name": name, "b_minute": t - t % MINUTE_MS, "b_n": letter.count}
        if conn.execute(_COUNT_MINUTE, counted).rowcount == 0 and conn.execute(
                backend_for(conn).insert_ignoring_conflicts(M, ["destination", "minute"]).values(
                    destination=name, minute=counted["b_minute"], n=letter.count)).rowcount != 1:
            conn.execute(_COUNT_MINUTE, counted)
        still_open = conn.execute(select(func.count()).select_from(D).where(
            D.c.destination == name, D.c.resent_at.is_(None))).scalar()
        if not still_open:
            conn.execute(update(C).where(C.c.name == name, C.c.last_error.startswith(DEAD_LETTER_ERROR,
                                                                                       autoescape=True))
                         .values(last_error=None))


def update_answer(engine: Engine, letter: DeadLetter, status: int | None, answer: str) -> None:
    """A dead letter refused again: its answer, and the destination's last error, are the new ones."""
    with engine.begin() as conn:
        conn.execute(update(D).where(D.c.id == letter.id).values(status=status, answer=one_line(answer)))
        conn.execute(update(C).where(C.c.name == letter.destination, or_(
            C.c.last_error.is_(None), C.c.last_error.startswith(DEAD_LETTER_ERROR, autoescape=True)))
            .values(last_error=one_line(DEAD_LETTER_ERROR + answer), updated_at=now_ms()))


# -- status ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Status:
    name: str
    type: str
    position: int
    delivered: int
    pending: int
    lag_seconds: float | None
    paused: bool
    failing_since: int | None
    last_error: str | None
    last_success_at: int | None
    dead_letters: int
    active: bool  # a live forwarder holds it
    #: acknowledged messages per half hour over the last day, oldest first (store.deliveries)
    recent: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def status(engine: Engine, destinations: Sequence[Destination]) -> list[Status]:
    out: list[Status] = []
    t = now_ms()
    for dest in destinations:
        # Read only (a read-only role may look): a destination without a cursor yet is at the start.
        cur = cursor(engine, dest.name) or Cursor(dest.name, 0, 0, False, None, None, None, None, None)
        with engine.connect() as conn:
            count, oldest = pending(conn, dest, cur.position)
            dead = int(conn.execute(select(func.count()).select_from(D).where(
                and_(D.c.destination == dest.name, D.c.resent_at.is_(None)))).scalar() or 0)
            recent = tuple(deliveries(conn, dest.name, now=t))
        active = cur.owner is not None and cur.heartbeat_at is not None and cur.heartbeat_at >= t - LEASE_MS \
            and not owner_gone(cur.owner)
        out.append(Status(dest.name, dest.type, cur.position, cur.delivered, count,
                          (t - oldest) / 1000 if oldest is not None else None, cur.paused, cur.failing_since,
                          cur.last_error, cur.last_success_at, dead, active, recent))
    return out
