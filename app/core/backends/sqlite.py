"""SQLite: the embedded default (one file, one writer at a time, WAL for concurrent readers)."""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
import weakref
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, unquote

from sqlalchemy import (
    Connection,
    Engine,
    Float,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    and_,
    case,
    cast,
    event,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import URL, ExceptionContext
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.util import asbool

from app.core.backends.base import Backend
from app.core.backends.pathwatch import PathWatch
from app.core.errors import DatabaseError, NoTracklensDatabase
from app.core.names import MATERIALIZED_COLUMN_PREFIX
from app.core.urls import parse_url

log = logging.getLogger(__name__)

#: Indexes of the schema that exist on SQLite only.
_OWN_INDEXES = frozenset({"ix_events_event_ts_person_props", "ix_events_ts"})
#: ... and those it does without.
_NOT_HERE = frozenset({"ix_events_event_ts_person", "ix_events_ts_brin"})
#: tracklens_meta's row holding the highest events.id the hourly rollups count (schema 4).
_THROUGH = "(SELECT CAST(value AS INTEGER) FROM tracklens_meta WHERE key = 'rollups_through_id')"
#: The rollups: (table, key columns besides `hour`, the primary key for ON CONFLICT).
_ROLLUPS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("event_hours", ("event",), "hour, event"), ("person_hours", ("person",), "hour, person"),
    ("event_person_hours", ("event", "person"), "event, hour, person"))


#: The one index carrying every materialized property's column (_index_materialized).
MATERIALIZED_INDEX = "ix_events_materialized"
#: The page size of a database Tracklens creates, and how much WAL a commit may leave before
#: it checkpoints.
_PAGE_BYTES = 16384
_WAL_CHECKPOINT_BYTES = 64 * 1024 * 1024


def _pragmas(dbapi_conn: Any, _record: Any, *, wal: bool = True) -> None:
    cur = dbapi_conn.cursor()
    if wal:
        # WAL lets the simulator or collector write while the app reads. It is a change to the
        # file (its header), so engines that only read leave the journal mode as it is.
        # 16 KiB pages for a new file (an existing one keeps its own): the writer's CPU per event
        # -8.5 %, the 1M benchmark questions as fast or faster (docs/benchmarks/ingest.md).
        cur.execute(f"PRAGMA page_size={_PAGE_BYTES}")
        cur.execute("PRAGMA journal_mode=WAL")
        # Checkpoint every 64 MiB of WAL, not SQLite's 1,000 pages: a bulk load's 5,000-event
        # batch writes more than 4 MiB, so each commit ran a checkpoint with two fsyncs on the
        # storing thread's path (docs/benchmarks/ingest.md, issue 17's profile).
        page = cur.execute("PRAGMA page_size").fetchone()[0] or _PAGE_BYTES
        cur.execute(f"PRAGMA wal_autocheckpoint={_WAL_CHECKPOINT_BYTES // page}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


class _Median:
    """`median(x)`, which SQLite lacks, as an aggregate: the mean of the two middle numbers for an
    even count, NULL without numbers; NULLs and non-numbers are ignored. Ranking every row with
    window functions instead took 8.4 s for 760k values at 10M events (docs/benchmarks/matrix.md).

    Memory: SQLite computes GROUP BY one group at a time (it sorts or walks an index by the
    keys; it has no hash aggregate), so only the current group's numbers are held, as 8-byte
    doubles (a range median of 1.65M values: 13 MB), partially sorted in place at the end."""

    __slots__ = ("values",)

    def __init__(self) -> None:
        self.values = array("d")

    def step(self, value: Any) -> None:
        if type(value) is float or type(value) is int:
            self.values.append(value)

    def finalize(self) -> float | None:
        n = len(self.values)
        if not n:
            return None
        # A partial sort of the doubles in place: for 1.65M numbers 0.16 s, where sorting them as
        # Python floats took 4.2 s (and 4x the memory).
        import numpy as np

        mid = n // 2
        numbers = np.frombuffer(self.values, dtype=np.float64)
        numbers.partition([mid - 1, mid] if n % 2 == 0 else [mid])
        middle = float(numbers[mid]) if n % 2 else (float(numbers[mid - 1]) + float(numbers[mid])) / 2
        del numbers
        self.values = array("d")
        return middle


def _median(value: Any) -> Any:
    """median(value) FILTER (WHERE value IS NOT NULL): SQLite then skips the Python call for a
    NULL (a funnel's persons who did not convert: a 2-step 90-day Page Viewed funnel was 1.3-1.4x
    slower than with window functions without it; 400k rows, 95 % NULL: 0.46 s -> 0.15 s)."""
    return func.median(value, type_=Float).filter(value.is_not(None))


def _functions(dbapi_conn: Any, _record: Any) -> None:
    """Register the functions the engine's SQL uses beyond SQLite's own, on every connection."""
    dbapi_conn.create_aggregate("median", 1, _Median)


def _path(key: str) -> Any:
    # A quoted label: keys with dots or spaces stay one key. The model refuses '"' in names.
    return literal(f'$."{key}"', String)


def _hour_of(ts: str) -> str:
    """SQL for the first instant of `ts`'s UTC hour (floored, also before 1970)."""
    return f"({ts} - (({ts} % 3600000) + 3600000) % 3600000)"


#: The first 16 bytes of every SQLite database file.
SQLITE_HEADER = b"SQLite format 3\x00"


#: SQLite's codes for a write it refused ("attempt to write a readonly database") and a file it
#: could not open or create ("unable to open database file").
_REFUSED = ("SQLITE_READONLY", "SQLITE_CANTOPEN")


def _why_refused(path: Path) -> str | None:
    """What keeps Tracklens from writing the SQLite file `path` (None: not its permissions)."""
    folder = path.parent
    if path.exists() and not os.access(path, os.W_OK):
        return (f"{path} is read-only: its permissions do not let you write to it; make it writable, or work on a "
                "copy you can write to")
    if not folder.is_dir() or os.access(folder, os.W_OK):
        return None
    if path.exists():
        return (f"cannot write to {path}: its folder {folder} is read-only, and SQLite writes its journal "
                f"({path.name}-wal) beside the file; copy the file to a folder you can write to")
    return f"cannot create {path}: its folder {folder} is read-only; choose a folder you can write to"


def _say_why_refused(path: Path, ctx: ExceptionContext) -> BaseException | None:
    """SQLite's "attempt to write a readonly database" named neither the file nor why
    (materialize said just that; a new file in a read-only folder was "unable to open database
    file"): the same error, its words replaced by the file and what refuses it."""
    orig = ctx.original_exception
    failure = ctx.sqlalchemy_exception
    if not isinstance(orig, sqlite3.Error) or not isinstance(failure, DBAPIError) \
            or not str(getattr(orig, "sqlite_errorname", "")).startswith(_REFUSED):
        return None
    why = _why_refused(path)
    if why is None:
        return None  # not the permissions (mode=ro in the URL, a -shm made by another user): SQLite's words
    said = type(orig)(why)
    for name in ("sqlite_errorcode", "sqlite_errorname"):
        setattr(said, name, getattr(orig, name, None))
    return type(failure)(failure.statement, failure.params, said, connection_invalidated=failure.connection_invalidated)


def _file_of(url: URL) -> Path | None:
    """The file of a SQLite URL (None: in memory, or a URI filename naming a host or memory)."""
    database = url.database or ""
    if database.startswith("file:"):
        path = unquote(database[len("file:"):])
        if not path or path.startswith(("//", ":memory:")) or url.query.get("mode") == "memory":
            return None
        return Path(path).expanduser()
    if not database or database == ":memory:":
        return None
    return Path(database).expanduser()


def _in_memory(url: URL) -> bool:
    """A SQLite URL naming no file (`sqlite://`, `:memory:`, a `file:` URI in memory or
    without a path, which SQLite deletes when it closes)."""
    database = url.database or ""
    if database.startswith("file:"):
        path = unquote(database[len("file:"):])
        return not path or path.startswith(":memory:") or url.query.get("mode") == "memory"
    return not database or database == ":memory:"


def _tables_of(path: Path, *, wal: bool) -> list[str]:
    """The table names of a SQLite file, opened read-only. A WAL-mode file without a `-wal`
    file has everything in the main file: it is opened `immutable`, which creates no `-shm`
    or `-wal` next to another application's file."""
    immutable = wal and not Path(f"{path}-wal").exists()
    # The file name's own bytes, quoted: a name that is not UTF-8 (its bytes arrive as lone
    # surrogates) made quote() raise, a traceback on every open after the one that created it.
    uri = f"file:{quote(os.fsencode(path.resolve()))}?mode=ro" + ("&immutable=1" if immutable else "")
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=30)
        try:
            return [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        message = str(exc).lower()
        if "not a database" in message or "encrypted" in message or "malformed" in message:
            raise DatabaseError(f"{path} is not a SQLite database") from None
        raise DatabaseError(f"cannot read {path} ({exc})") from None


class _FileWatch(PathWatch):
    """Keeps an engine's connections on the SQLite file it opened (app.core.backends.pathwatch).

    The old file's `-wal` stays at the path and SQLite applies it to the next file opened there:
    a replacement read as the old database. So on a change the old file's WAL is first
    checkpointed into that old file (a moved file is whole, and nothing stale is left at the
    path), and no connection is made while the path holds no file (SQLite would create an empty
    one)."""

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "do_connect", self._before_connect)
        super().attach(engine)

    def _before_connect(self, _dialect: Any, _record: Any, _cargs: Any, _cparams: Any) -> None:
        refused = self.refusal()
        if refused is not None:
            raise sqlite3.OperationalError(refused)

    def release(self, dbapi_conn: Any) -> None:
        """Write the old file's WAL into the old file and empty it: what was committed before the
        change is then in the file wherever it went (a moved file is whole), and the `-wal` left
        at the path holds nothing SQLite could apply to a new file there. Best effort."""
        try:
            dbapi_conn.execute("PRAGMA busy_timeout=2000")
            dbapi_conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.Error as exc:
            log.warning("could not checkpoint a replaced database file: %s", exc)


#: engine -> its file watch (follow_replaced_file)
_WATCHES: weakref.WeakKeyDictionary[Engine, _FileWatch] = weakref.WeakKeyDictionary()


class SQLiteBackend(Backend):
    name = "sqlite"
    label = "SQLite"
    schemes = ("sqlite",)
    # Executemany of one prepared statement is its fastest insert.
    stages_inserts = False
    # Any AFTER INSERT row trigger on `events`, even `WHEN 0` with an empty body, cost 12-13 us
    # of CPU per event (the writer's whole insert ~17 us without one); one grouped upsert per
    # rollup and batch costs ~1 us per event (schema 4, docs/benchmarks/ingest.md).
    rollups_by_writer = True
    # Per-event uniques over 30-90 days at 10M events: 2.5-6.2 s from `events`, ~1 s from it
    # (docs/benchmarks/matrix.md).
    event_person_rollup = True
    # No hash join: 288k correlated seeks over (event, person, ts) took a 10M-event funnel from
    # 9 s (joining a CTE of step events) to 0.8 s.
    funnel_steps_by_join = False
    # A JSON breakdown value grouped with its day cost 1.96 s for 760k events flat and 1.18 s
    # computed once in a subquery.
    evaluates_group_keys_twice = True
    # sum and count of a JSON property's number: 4 JSON calls per row flat, 2 from a subquery
    # (ProdV price sum day/30d at 10M events: docs/benchmarks/matrix.md).
    evaluates_aggregate_arguments_each = True
    # Reading the rows and their JSON is most of a median's cost: ProdV price, 30 days, 10M
    # events, both medians from one materialized read 12.1 s against 21.9 s for two statements
    # at load 13 (docs/benchmarks/matrix.md).
    one_pass_medians = True
    driver_placeholder = "?"
    # JSON columns hold the writer's text as is (app.outbound.destinations' in-memory fast path).
    keeps_json_text = True
    query_threads = 3
    live_lookback_ids = 0
    # Only INTEGER PRIMARY KEY is a rowid alias, and AUTOINCREMENT there guarantees ids are
    # never reused, which the Live View's `id > N` poll relies on.
    column_types: ClassVar[dict[str, Any]] = {"id": Integer()}

    json_types: ClassVar[dict[str, tuple[str, ...]]] = {
        "string": ("text",), "number": ("integer", "real"), "true": ("true",), "false": ("false",),
        "boolean": ("true", "false"), "null": ("null",), "object": ("object",), "array": ("array",)}

    def normalize_url(self, url: str) -> str:
        """SQLite reads a filename as a URI (`mode=ro`, `immutable=1`) only when it starts with
        `file:`; given `sqlite:////x.db?mode=ro&uri=true`, SQLAlchemy passes `/x.db?mode=ro`,
        which SQLite took for a new, empty file of that name. Such a URL gets the `file:` form,
        so it opens the file it names, as meant."""
        parsed = parse_url(url)
        if parsed is None or not asbool(parsed.query.get("uri", False)):
            return url
        database = parsed.database or ""
        if not database or database == ":memory:" or database.startswith("file:"):
            return url
        scheme, rest = url.split("://", 1)  # rest: "/" + the database as written, "?" + the query
        return f"{scheme}:///file:{rest[1:]}"

    def with_colon(self, scheme: str, rest: str) -> str:
        """'sqlite//x.db' meant the file x.db: 'sqlite:///x.db' (the file's path after three slashes;
        'sqlite://x.db' would be a database in memory)."""
        return f"{scheme}://{rest}" if rest.startswith("/") else f"{scheme}:///{rest}"

    def engine_options(self, url: URL) -> dict[str, Any]:
        """Refuses a database in memory: `sqlite://` (a URL missing its path) gave an import, a
        demo or a collector a database that vanished when the command ended, after it had
        reported every event stored (and each pooled connection had a database of its own)."""
        if _in_memory(url):
            raise DatabaseError("this URL names a SQLite database in memory, which keeps nothing once the "
                                "command ends; give a file (sqlite:///path/events.sqlite or a plain path)")
        path = _file_of(url)
        if path is not None:
            folder = path.parent
            if not folder.exists():
                raise DatabaseError(f"folder does not exist: {folder}")
        # The pool hands back the connection returned last (LIFO): SQLite keeps its page cache
        # per connection and drops it at the next transaction once another connection wrote. A
        # first-in-first-out pool that ever held two connections (a forwarder's or a health
        # check's beside the collector's writer) gave the writer the two in turn, so each of its
        # commits started cold: 1,100 more page reads per 400-message commit
        # (docs/benchmarks/forward.md, 2026-12-06 midday).
        return {"connect_args": {"timeout": 30, "check_same_thread": False}, "pool_use_lifo": True}

    def pings_connections(self, url: URL) -> bool:
        return False  # a file opened in this process: nothing between us that could drop

    def configure_engine(self, engine: Engine, *, writable: bool) -> None:
        event.listen(engine, "connect", functools.partial(_pragmas, wal=writable))
        event.listen(engine, "connect", _functions)
        path = _file_of(engine.url)
        if path is not None:
            event.listen(engine, "handle_error", functools.partial(_say_why_refused, path.resolve()), retval=True)
            watch = _WATCHES[engine] = _FileWatch(path.resolve())
            watch.attach(engine)

    def follow_replaced_file(self, engine: Engine, notify: Callable[[str], None]) -> None:
        watch = _WATCHES.get(engine)
        if watch is not None:
            watch.follow = True
            watch.notify = notify

    def check_before_open(self, url: URL, *, require_tracklens: bool, meta_table: str,
                          tables: frozenset[str]) -> None:
        """Refuse a SQLite file that holds another application's tables, reading it only.

        A missing or empty file is a new database (refused only with `require_tracklens`).
        """
        path = _file_of(url)
        if path is None:
            return
        try:
            with path.open("rb") as fh:
                header = fh.read(100)
        except FileNotFoundError:
            if require_tracklens:
                if not path.parent.is_dir():
                    raise DatabaseError(f"folder does not exist: {path.parent}") from None
                raise NoTracklensDatabase(f"no Tracklens database at {path} (the file does not exist)") from None
            return
        except OSError as exc:
            raise DatabaseError(f"cannot read {path} ({exc.strerror or exc})") from None
        if not header:
            if require_tracklens:
                raise NoTracklensDatabase(f"no Tracklens database at {path} (the file is empty)")
            return
        if not header.startswith(SQLITE_HEADER):
            raise DatabaseError(f"{path} is not a SQLite database")
        wal = len(header) > 18 and header[18] == 2
        if wal and not Path(f"{path}-shm").exists() and not os.access(path.parent, os.W_OK):
            # (SQLite's own word for it is "attempt to write a readonly database", even to read)
            raise DatabaseError(
                f"cannot open {path}: its folder is read-only, and SQLite must create {path.name}-shm "
                "beside a database in WAL mode to read it; copy the file to a folder you can write to")
        found = _tables_of(path, wal=wal)
        if meta_table in found:
            return
        foreign = sorted(t for t in found if t not in tables and not t.startswith("sqlite_"))
        known = [t for t in found if t in tables]
        if (foreign and not known) or require_tracklens:
            others = f" (it has other tables: {', '.join(foreign[:5])})" if foreign else ""
            raise DatabaseError(f"{path} is not a Tracklens database{others}")

    def describe_location(self, url: URL) -> str:
        path = _file_of(url)
        return str(path) if path is not None else super().describe_location(url)

    def why_not_writable(self, url: URL) -> str | None:
        path = _file_of(url)
        return _why_refused(path) if path is not None else None

    # -- the writer ---------------------------------------------------------------------------

    def insert_ignoring_conflicts(self, table: Table, index_elements: list[str]) -> Any:
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=index_elements)

    def check_before_commit(self, conn: Connection) -> None:
        """The file checked once more with the write lock held, just before the commit: a file
        deleted or replaced during the transaction (after the pool's check at checkout) would
        take the batch with it. One more os.stat per commit."""
        watch = _WATCHES.get(conn.engine)
        if watch is not None:
            watch.check(conn.connection.info)

    def lock_for_writing(self, conn: Connection) -> None:
        """BEGIN IMMEDIATE: the write lock up front (readers still proceed under WAL), so the
        writer's reads (duplicates, identities, people) stay true until it commits."""
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        # BEGIN IMMEDIATE succeeds on a file its user may not write; the writer's inserts (on the
        # driver's cursor, past SQLAlchemy's error hook) then failed with SQLite's words alone,
        # "attempt to write a readonly database". One access() per transaction (permissions can
        # change while a writer runs) says which file: the one the engine opened, found once by
        # configure_engine, not again from the URL at each transaction.
        watch = _WATCHES.get(conn.engine)
        if watch is not None and not os.access(watch.path, os.W_OK) and watch.path.exists():
            raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError(_why_refused(watch.path)))

    # -- schema -------------------------------------------------------------------------------

    def wants_index(self, name: str) -> bool:
        return name not in _NOT_HERE

    def rollup_triggers(self) -> list[str]:
        """Row triggers for deletes and updates, one upsert per rollup and row, for rows the
        rollups already count (id up to `rollups_through_id`). Inserts have none: the writer adds
        each batch (end_rollup_batch), and also counts rows other programs inserted since."""
        def add(row: str) -> str:
            h = _hour_of(f"{row}.ts")
            return "".join(
                f"INSERT INTO {table} (hour, {', '.join(keys)}, n) SELECT {h}, "
                f"{', '.join(f'{row}.{k}' for k in keys)}, 1 WHERE {row}.event IS NOT NULL "
                f"ON CONFLICT ({conflict}) DO UPDATE SET n = n + 1;\n" for table, keys, conflict in _ROLLUPS)

        def sub(row: str) -> str:
            h = _hour_of(f"{row}.ts")
            out = ""
            for table, keys, _ in _ROLLUPS:
                match = f"{row}.event IS NOT NULL AND hour = {h}" + "".join(f" AND {k} = {row}.{k}" for k in keys)
                out += (f"UPDATE {table} SET n = n - 1 WHERE {match};\n"
                        f"DELETE FROM {table} WHERE {match} AND n <= 0;\n")
            return out

        counted = f"WHEN OLD.id <= {_THROUGH} "
        return [
            f"CREATE TRIGGER IF NOT EXISTS events_rollup_delete AFTER DELETE ON events {counted}"
            f"BEGIN\n{sub('OLD')}END",
            "CREATE TRIGGER IF NOT EXISTS events_rollup_update AFTER UPDATE OF event, person, ts ON events "
            f"{counted}BEGIN\n{sub('OLD')}{add('NEW')}END",
        ]

    def begin_rollup_batch(self, cursor: Any) -> int:
        cursor.execute(f"SELECT {_THROUGH}")
        row = cursor.fetchone()
        if row is None or row[0] is None:
            raise RuntimeError("tracklens_meta has no rollups_through_id (schema 4 not installed)")
        return int(row[0])

    def end_rollup_batch(self, cursor: Any, after_id: int) -> None:
        # Counted from the rows stored (a skipped duplicate has none), by their rowid range.
        h = _hour_of("ts")
        for table, keys, conflict in _ROLLUPS:
            cols = ", ".join(keys)
            groups = ", ".join(str(i) for i in range(1, len(keys) + 2))
            cursor.execute(
                f"INSERT INTO {table} (hour, {cols}, n) SELECT {h}, {cols}, count(*) FROM events "
                f"WHERE id > ? AND event IS NOT NULL GROUP BY {groups} ORDER BY {groups} "
                f"ON CONFLICT ({conflict}) DO UPDATE SET n = n + excluded.n", (after_id,))
        cursor.execute("UPDATE tracklens_meta SET value = CAST((SELECT coalesce(max(id), 0) FROM events) AS TEXT) "
                       "WHERE key = 'rollups_through_id'")

    def after_migration(self, conn: Connection, version: int) -> None:
        if version == 2:
            # The covering (event, ts, person, properties) index replaces (event, ts, person).
            conn.exec_driver_sql("DROP INDEX IF EXISTS ix_events_event_ts_person")
        if version in (4, 5):
            # 4: the insert trigger goes (the writer counts), the others get their guard; 5: they
            # also keep event_person_hours. Re-created by the migration (rollup_triggers).
            for trigger in ("events_rollup_insert", "events_rollup_delete", "events_rollup_update"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")

    def after_migrations(self, engine: Engine, started: int) -> None:
        if started >= 3:
            return
        # Dropping `events.context` (schema 3) shrank every row where it stood: the pages stay
        # half empty (and a scan reads as many) until VACUUM rebuilds the file, outside any
        # transaction. Best effort: the migration is committed; a busy file only stays larger.
        try:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM")
        except DBAPIError as exc:
            log.warning("VACUUM after the schema-3 migration failed: %s", exc.orig)

    def refresh_statistics(self, engine: Engine) -> None:
        """A full ANALYZE: about 1 s per million events, small beside the load itself, and the
        statistics every benchmark was measured with. (A sampled ANALYZE, analysis_limit, gave
        per-event row estimates off by a factor of 500 on the 1M demo; PRAGMA optimize only
        analyses what the same connection's queries asked for.)"""
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()

    # -- JSON documents -----------------------------------------------------------------------

    def stored_json_text(self, column: Any) -> Any:
        """SQLite keeps any text another program stores in a JSON column. One that begins like
        an object but is not JSON (NaN and Infinity aside: Python reads them, and the forwarder
        sends such a row the parsed way) or holds a NUL (where SQLite's JSON functions stop
        reading) comes back as a JSON string: spliced as it is it made the whole request body
        invalid JSON. The check costs ~0.25 us per document (json_valid, docs/destinations.md)."""
        text = cast(column, Text)
        suspect = and_(func.substr(text, 1, 1) == "{", or_(
            and_(func.json_valid(text) == 0, func.instr(text, "NaN") == 0, func.instr(text, "Infinity") == 0),
            func.instr(cast(text, LargeBinary), literal(b"\x00", LargeBinary)) > 0))
        return case((suspect, func.json_quote(text)), else_=text)

    def json_raw_type(self, doc: Any, key: str) -> Any:
        return func.json_type(doc, _path(key), type_=String)

    def json_text(self, doc: Any, key: str) -> Any:
        return func.json_extract(doc, _path(key), type_=Text)

    def json_number(self, doc: Any, key: str) -> Any:
        return case((self.json_is(doc, key, "number"), func.json_extract(doc, _path(key), type_=Float)))

    def json_display(self, doc: Any, key: str) -> Any:
        path = _path(key)
        number = doc.op("->", return_type=Text)(path)  # keeps the JSON text: no rounding
        # ... as the writer's orjson wrote it, which differs from Python's (the oracle's, the
        # other databases') below 1e-4 only: -2.5e-7 for -2.5e-07, 0.000015 for 1.5e-05. One
        # test of the value keeps other numbers cheap (the text tests cost ~60 % more).
        five = func.substr(number, func.instr(number, literal(".", String)) + 5, type_=Text)
        small = case(
            (number.like(literal("%e-_", String)),
             func.substr(number, 1, func.length(number) - 1, type_=Text).op("||")(literal("0", String))
             .op("||")(func.substr(number, -1, type_=Text))),
            (func.ltrim(number, literal("-", String)).op("GLOB")(literal("0.0000[1-9]*", String)),
             case((number.like(literal("-%", String)), literal("-", String)), else_=literal("", String))
             .op("||")(func.substr(five, 1, 1, type_=Text))
             .op("||")(case((func.length(five) > 1, literal(".", String).op("||")(func.substr(five, 2, type_=Text))),
                            else_=literal("", String)))
             .op("||")(literal("e-05", String))),
            else_=number)
        real = case((func.abs(func.json_extract(doc, path, type_=Float)) < literal(1e-4, Float), small), else_=number)
        # A simple CASE evaluates json_type once per row.
        return case(
            {"text": func.json_extract(doc, path, type_=Text), "integer": number, "real": real,
             "true": literal("true", String), "false": literal("false", String)},
            value=func.json_type(doc, path, type_=String),
        )

    materializes_properties = True

    def add_materialized_column(self, conn: Connection, column: str, key: str) -> None:
        # SQLite adds only VIRTUAL generated columns to a table; the index stores the value.
        conn.exec_driver_sql(f"ALTER TABLE events ADD COLUMN {column} TEXT "
                             f"GENERATED ALWAYS AS ({self.display_ddl(conn, key)}) VIRTUAL")
        self._index_materialized(conn)

    def drop_materialized_column(self, conn: Connection, column: str) -> None:
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {MATERIALIZED_INDEX}")
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS ix_events_{column}")  # a test build's index per column
        conn.exec_driver_sql(f"ALTER TABLE events DROP COLUMN {column}")
        self._index_materialized(conn)

    def _index_materialized(self, conn: Connection) -> None:
        """One index `(event, person, ts, id, <every materialized column>)`, built again when a
        property is added or dropped. With an index per column, SQLite's planner could not tell
        which of the indexes sharing their key carries the column a query reads: with `currency`
        and `category` materialized, a funnel holding `category` read `currency`'s index and
        every candidate row (10M: 2.5x the plain funnel, as without the column; 1.2x with its
        own index)."""
        columns = [row[1] for row in conn.exec_driver_sql("PRAGMA table_xinfo(events)")
                   if str(row[1]).startswith(MATERIALIZED_COLUMN_PREFIX)]
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {MATERIALIZED_INDEX}")
        if columns:
            conn.exec_driver_sql(f"CREATE INDEX {MATERIALIZED_INDEX} ON events "
                                 f"(event, person, ts, id, {', '.join(columns)})")
            conn.exec_driver_sql("ANALYZE events")

    def json_type_label(self, doc: Any, key: str) -> Any:
        raw = self.json_raw_type(doc, key)
        return case(
            (raw == literal("text", String), literal("string", String)),
            (raw.in_(("integer", "real")), literal("number", String)),
            (raw.in_(("true", "false")), literal("boolean", String)),
            else_=raw,
        )

    def json_entries(self, sample: Any, doc: Any) -> Any:
        each = func.json_each(doc).table_valued("key", "type", "atom")
        return sample.join(each, true()), each.c.key, case(
            (each.c.type == literal("text", String), literal("string", String)),
            (each.c.type.in_(("integer", "real")), literal("number", String)),
            (each.c.type.in_(("true", "false")), literal("boolean", String)),
            else_=each.c.type,
        ), each.c.atom

    # -- text ---------------------------------------------------------------------------------

    def fold_case(self, expr: Any) -> Any:
        # SQLite's lower() folds ASCII only, which is the rule everywhere.
        return func.lower(expr)

    def text_contains(self, haystack: Any, needle: Any) -> Any:
        # LIKE is case-insensitive on SQLite and needs escaping.
        return func.instr(haystack, needle) > 0

    def looks_like_date(self, expr: Any) -> Any:
        return expr.op("GLOB")(literal("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*", String))

    def text_prefix(self, column: Any, prefix: str) -> Any:
        """A BINARY range [prefix, prefix + U+10FFFF) (LIKE ignores case and would not use the
        index), plus the exact test, so the range is only a guide."""
        exact = func.substr(column, 1, len(prefix)) == literal(prefix, String)
        return and_(column >= literal(prefix, String), column < literal(prefix + "\U0010ffff", String), exact)

    # -- aggregates and planning --------------------------------------------------------------

    def median_by(self, source: Any, groups: list[str], value: str) -> Any:
        """The connection's `median` aggregate (_Median): 3-5x faster at 10M events than ranking
        every row with window functions (docs/benchmarks/matrix.md)."""
        cols = [source.c[g] for g in groups]
        return select(*cols, _median(source.c[value]).label("median")).group_by(*cols)

    def aggregate_with_medians(self, source: Any, groups: list[str], values: list[str], extras: Any) -> Any:
        """The medians as `median` aggregates beside the others, in one pass: ranking the
        step times with window functions made a 90-day Page Viewed funnel 1.46x the
        hand-written form (docs/benchmarks/matrix.md)."""
        cols = [source.c[g] for g in groups]
        medians = [_median(source.c[v]).label(f"median_{v}") for v in values]
        return select(*cols, *extras(source), *medians).group_by(*cols)

    def unflattened(self, stmt: Any) -> Any:
        """LIMIT -1 ("no limit") keeps SQLite from merging the subquery into the outer query."""
        return stmt.limit(literal_column("-1"))

    def not_for_lookup(self, column: Any) -> Any:
        """`column + 0`, so the planner walks another index that yields rows already grouped.
        SQLite otherwise range-scans `person_hours`' primary key by hour and sorts 1.2M rows to
        count distinct persons (1.0 s at 10M events) instead of walking (person, hour) in order
        (0.3 s)."""
        return column + 0

    # -- running statements -------------------------------------------------------------------

    def interrupt(self, driver_connection: Any) -> None:
        driver_connection.interrupt()
