"""EventWriter: the one path by which messages reach the database.

The HTTP collector, the importer, the demo generator and the simulator all call
`EventWriter.write`, so validation, enrichment, deduplication and identity merge behave
identically whichever way data arrives. One call is one transaction, committed when it
returns: the collector acknowledges a batch only after that.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from app.core.backends import backend_for
from app.core.database import DatabaseError, describe_error
from app.core.schema import event_context, events
from app.ingest.enrich import Enricher, shared_enricher
from app.ingest.identity import resolve
from app.ingest.messages import InvalidMessage, Record, normalize, to_millis
from app.ingest.people import update_people
from app.ingest.rawsql import RawStatement, select_in

_EVENT_COLUMNS = (
    "message_id", "type", "event", "user_id", "anonymous_id", "person", "ts", "received_at",
    "city", "region", "country_code", "browser", "os", "device", "referring_domain",
)
_EVENT_COLUMNS_ALL = (*_EVENT_COLUMNS, "properties")
#: events column -> Record attribute, where they differ.
_ATTR = {"properties": "properties_json", "context": "context_json"}


@dataclass(frozen=True, slots=True)
class Rejection:
    """A message that was not stored: its position in the input and why."""

    index: int
    reason: str
    message_id: str | None = None


@dataclass
class IngestResult:
    """What one write (or a whole import) did."""

    stored: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    #: stored messages with a trait left out of their person's profile, which was at its bounds
    #: (app.ingest.people.MAX_PROFILE_TRAITS, MAX_PROFILE_BYTES); the events keep those traits
    traits_left_out: int = 0

    @property
    def received(self) -> int:
        return self.stored + self.duplicates + len(self.rejected)

    def add(self, other: IngestResult, index_offset: int = 0, keep_rejections: int | None = None) -> None:
        """Accumulate another result (e.g. the next chunk of a file) into this one."""
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.traits_left_out += other.traits_left_out
        for rej in other.rejected:
            if keep_rejections is not None and len(self.rejected) >= keep_rejections:
                break
            self.rejected.append(Rejection(rej.index + index_offset, rej.reason, rej.message_id))


def prepare_messages(messages: Iterable[Any], enricher: Enricher | None, received_at: datetime | None = None, *,
                     arrived_now: bool = True) -> tuple[list[Record], IngestResult]:
    """EventWriter.prepare without a writer: what worker processes (app.ingest.workers) run."""
    received_ms = to_millis(received_at or datetime.now(UTC))
    result = IngestResult()
    records: list[Record] = []
    seen: set[str] = set()
    texts: dict[str, str] = {}  # equal texts of the batch as one string (see normalize)
    for index, message in enumerate(messages):
        try:
            rec = normalize(message, received_ms, arrived_now=arrived_now, texts=texts)
        except InvalidMessage as exc:
            result.rejected.append(Rejection(index, exc.reason, exc.message_id))
            continue
        if rec.message_id in seen:
            result.duplicates += 1
            continue
        seen.add(rec.message_id)
        records.append(rec)
    if enricher is not None:
        enricher.enrich(records)
    return records, result


def _reraise_interruption(exc: BaseException) -> None:
    """Raise the Ctrl+C (KeyboardInterrupt) in whose wake the database error `exc` came, if any.

    Ctrl+C in the middle of a statement can leave the driver's connection mid-exchange, and the
    clean-up then fails with an error of its own that replaces the KeyboardInterrupt: psycopg's
    'can't change 'autocommit' now: connection in transaction status ACTIVE' from the pool's
    ping. Reported as a database error, an interrupted `tracklens import` said "database error"
    instead of "interrupted: ... run the same import again to finish".
    """
    pending: list[BaseException | None] = [exc.__cause__, exc.__context__]
    seen: set[int] = set()
    while pending:
        found = pending.pop()
        if found is None or id(found) in seen:
            continue
        if isinstance(found, KeyboardInterrupt):
            raise found from None
        seen.add(id(found))
        pending += [found.__cause__, found.__context__]

class EventWriter:
    """Validates, enriches and stores Segment messages in one transaction per call.

    Thread-safe: each write checks out its own connection; writers (also in other
    processes) are serialised by the database's write lock (see Backend.lock_for_writing).
    """

    def __init__(self, engine: Engine, enrich: bool = True, *, enricher: Enricher | None = None,
                 geoip_path: str | os.PathLike[str] | None = None) -> None:
        self.engine = engine
        self.enricher: Enricher | None = None
        if enrich:
            if enricher is not None:
                self.enricher = enricher
            elif geoip_path is not None:
                self.enricher = Enricher(geoip_path)
            else:
                self.enricher = shared_enricher()
        self.backend = backend = backend_for(engine)
        #: Errors of the raw cursor below come from the driver, not wrapped by SQLAlchemy.
        self._driver_error: type[Exception] = engine.dialect.loaded_dbapi.Error
        if backend.appends_only:
            return
        stmt = backend.insert_ignoring_conflicts(events, ["message_id"]).values(
            {name: bindparam(name) for name in _EVENT_COLUMNS},
        ).values(
            properties=backend.json_text_param("properties"),
        )
        # Each new event's context, keyed by the id its message id was given just before: a
        # lookup by message_id per row, the fallback when the batch's ids are not known (below).
        context_stmt = backend.insert_ignoring_conflicts(event_context, ["id"]).from_select(
            ["id", "context"],
            select(events.c.id, backend.json_text_param("context"))
            .where(events.c.message_id == bindparam("message_id")),
        )
        # ... and by the id itself, when the batch's rows are known to hold one contiguous range.
        context_by_id = backend.insert_ignoring_conflicts(event_context, ["id"]).values(
            id=bindparam("id"), context=backend.json_text_param("context"))
        self._insert = RawStatement(engine.dialect, stmt)
        self._insert_context = RawStatement(engine.dialect, context_stmt)
        self._insert_context_by_id = RawStatement(engine.dialect, context_by_id)
        quote = engine.dialect.identifier_preparer.quote
        self._newest_id_sql = f"SELECT max({quote('id')}) FROM {quote(events.name)}"
        self._new_ids_sql = (f"SELECT min({quote('id')}), max({quote('id')}), count(*) FROM {quote(events.name)} "
                             f"WHERE {quote('id')} > {backend.driver_placeholder}")

    def refresh_statistics(self) -> None:
        """After a bulk load: statistics for the query planner (Backend.refresh_statistics).
        DatabaseError when the database fails."""
        try:
            self.backend.refresh_statistics(self.engine)
        except SQLAlchemyError as exc:
            raise DatabaseError(describe_error(exc)) from exc

    def prepare(self, messages: Iterable[Any], received_at: datetime | None = None, *,
                arrived_now: bool = True) -> tuple[list[Record], IngestResult]:
        """Validate, deduplicate within the batch and enrich, without touching the database."""
        return prepare_messages(messages, self.enricher, received_at, arrived_now=arrived_now)

    def write(self, messages: Iterable[Any], received_at: datetime | None = None, *,
              arrived_now: bool = True) -> IngestResult:
        """Store a batch; invalid messages are rejected with a reason, valid ones stored.

        received_at is when the batch arrived (default: now). arrived_now=False is for
        files, whose messages did not just arrive: device clocks are then corrected only
        against a `receivedAt` the message itself carries.
        Raises DatabaseError (one-line message) if the database fails; nothing is stored then.
        """
        records, result = self.prepare(messages, received_at, arrived_now=arrived_now)
        return self.store(records, result)

    def store(self, records: list[Record], result: IngestResult, *,
              before_commit: Callable[[Connection], None] | None = None) -> IngestResult:
        """The database half of write(): store prepared records in one transaction.

        Split out so bulk loaders can prepare the next batch (Python) on another thread
        while this one waits on the database, which runs without the GIL. `before_commit(conn)`
        runs last in that transaction (the collector's forwarder moves its cursors there); not on
        a database that only appends (no transaction).
        """
        if not records:
            return result
        if self.backend.appends_only:
            return self._store_appending(records, result)
        try:
            with self.engine.connect() as conn:
                self.backend.lock_for_writing(conn)
                fresh = self._drop_stored(conn, records)
                left_out = 0
                result.duplicates += len(records) - len(fresh)
                if fresh:
                    resolution = resolve(conn, fresh)
                    self._insert_events(conn, fresh)
                    left_out = update_people(conn, fresh, resolution.merges)
                if before_commit is not None:
                    before_commit(conn)
                self.backend.check_before_commit(conn)
                conn.commit()
        except SQLAlchemyError as exc:
            _reraise_interruption(exc)
            raise DatabaseError(describe_error(exc)) from exc
        except self._driver_error as exc:
            _reraise_interruption(exc)
            # From the raw cursor: wrap as SQLAlchemy would (OperationalError, DataError, ...) so
            # callers can tell "database unavailable" from "data refused" the same way.
            wrapped = DBAPIError.instance(None, None, exc, self._driver_error, dialect=self.engine.dialect)
            raise DatabaseError(describe_error(wrapped)) from wrapped
        result.stored += len(fresh)
        result.traits_left_out += left_out
        return result

    def _store_appending(self, records: list[Record], result: IngestResult) -> IngestResult:
        """store() on a database that only appends (app.ingest.appendstore)."""
        from app.ingest import appendstore

        backend: Any = self.backend
        try:
            with backend.write_lock(self.engine), self.engine.connect() as conn:
                stored, left_out = appendstore.store(backend, conn, records)
        except SQLAlchemyError as exc:
            _reraise_interruption(exc)
            raise DatabaseError(describe_error(exc)) from exc
        except self._driver_error as exc:
            _reraise_interruption(exc)
            wrapped = DBAPIError.instance(None, None, exc, self._driver_error, dialect=self.engine.dialect)
            raise DatabaseError(describe_error(wrapped)) from wrapped
        result.duplicates += len(records) - stored
        result.stored += stored
        result.traits_left_out += left_out
        return result

    def _drop_stored(self, conn: Connection, records: list[Record]) -> list[Record]:
        ids = [rec.message_id for rec in records]
        stored = self.backend.stored_message_ids(conn, ids)
        if stored is None:
            stored = {row[0] for row in select_in(conn, events, events.c.message_id, ids, events.c.message_id)}
        if not stored:
            return records
        return [rec for rec in records if rec.message_id not in stored]

    def _insert_events(self, conn: Connection, records: list[Record]) -> None:
        # Rows go straight to the driver (see app.ingest.rawsql): this is the hottest statement.
        if self.backend.stages_inserts:
            getter = operator.attrgetter(*(_ATTR.get(name, name) for name in (*_EVENT_COLUMNS_ALL, "context")))
            self.backend.insert_staged(conn, _EVENT_COLUMNS_ALL, [getter(rec) for rec in records])
            return
        order = self._insert.order or _EVENT_COLUMNS_ALL
        getter = operator.attrgetter(*(_ATTR.get(name, name) for name in order))
        params: list[Any] = [getter(rec) for rec in records]
        if self._insert.order is None:
            params = [dict(zip(order, values, strict=True)) for values in params]
        cursor = conn.connection.cursor()
        try:
            # The hourly rollups (Backend.rollups_by_writer): one grouped upsert per rollup for
            # the rows stored since the rollups' last counted id (this batch, plus any another
            # program inserted), instead of a per-row insert trigger. In this transaction, so a
            # failed batch leaves neither events nor counts; skipped duplicates have no row.
            by_writer = self.backend.rollups_by_writer
            after_id = self.backend.begin_rollup_batch(cursor) if by_writer else 0
            cursor.execute(self._newest_id_sql)
            row = cursor.fetchone()
            newest = int(row[0]) if row is not None and row[0] is not None else 0
            cursor.executemany(self._insert.sql, params)
            self._insert_contexts(cursor, records, newest)
            if by_writer:
                self.backend.end_rollup_batch(cursor, after_id)
        finally:
            cursor.close()

    def _insert_contexts(self, cursor: Any, records: list[Record], newest: int) -> None:
        """Each stored event's context under its id. We hold the write lock, so the rows above the
        newest id before the insert are this batch's; when they are exactly len(records) rows
        with consecutive ids, record i got the i-th (ids grow in insertion order), and the
        contexts go in by id (~2 us less per event than finding each id by its message_id).
        Otherwise (a row refused, ids not consecutive) each id is looked up by its message id."""
        cursor.execute(self._new_ids_sql, (newest,))
        first, last, count = cursor.fetchone()
        n = len(records)
        if first is not None and count == n and last - first + 1 == n:
            by_id = self._insert_context_by_id
            rows: list[Any] = list(zip(range(first, last + 1), (rec.context_json for rec in records), strict=True))
            if by_id.order != ("id", "context"):  # named or differently ordered parameters
                rows = by_id.params({"id": i, "context": c} for i, c in rows)
            cursor.executemany(by_id.sql, rows)
            return
        cursor.executemany(self._insert_context.sql, self._insert_context.params(
            {"message_id": rec.message_id, "context": rec.context_json} for rec in records))
