"""ClickHouse: a server or cluster (`clickhousedb://`), or embedded chDB in a folder (`chdb:///`).

ClickHouse appends; it does not update rows in place, and has no transactions. So the schema
here is its own (docs/schema.md, "ClickHouse"), and the query engine still reads tables named
and shaped as on SQLite and PostgreSQL:

- `events` is a view over `events_data` (MergeTree, sorted by (event, ts), monthly partitions)
  that maps each row's stored person through `person_overrides` at query time. An identity
  merge adds an override (old person -> new person) instead of rewriting events, and the next
  query sees it (PostHog's person-override tables do the same). `context` is a column of
  `events_data` (columns cost nothing unless read), and `event_context` a view of it.
- `users` and `identities` are views of ReplacingMergeTree tables read FINAL: the writer appends
  a new version of a person's row instead of updating it.
- `event_ids` (message id -> id, sorted by message id, filled by a materialized view of every
  insert into `events_data`) answers the writer's "stored already?" in index lookups, so a
  re-import or a retried batch stores nothing twice.
- the small tables (meta, cohorts, reports' companions) are MergeTree tables with lightweight
  UPDATE/DELETE (ClickHouse 25.7 or later).

The writer for this layout is app.ingest.appendstore (Backend.appends_only).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Connection,
    Engine,
    Float,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    and_,
    case,
    event,
    func,
    insert,
    literal,
    literal_column,
    select,
)
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.dialects import registry
from sqlalchemy.engine import URL
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.type_api import TypeEngine

from app.core.backends.base import Backend
from app.core.backends.pathwatch import Identity, PathWatch, identity
from app.core.errors import DatabaseError, NoTracklensDatabase

registry.register("clickhousedb", "app.core.backends.clickhouse_dialect", "TracklensClickHouseDialect")
# clickhouse-connect logs a failed request at ERROR before raising it; the raised error is what
# Tracklens reports (in one line), so its log would print every failure twice.
logging.getLogger("clickhouse_connect").setLevel(logging.CRITICAL)
registry.register("clickhousedb.connect", "app.core.backends.clickhouse_dialect", "TracklensClickHouseDialect")
registry.register("chdb", "app.core.backends.clickhouse_dialect", "TracklensClickHouseDialect")

#: Session settings every connection gets, so the engine's portable SQL means what it means on
#: SQLite and PostgreSQL: LEFT JOIN fills NULLs (not 0 / ''), SUM/MIN/MAX of no rows is NULL,
#: a bare UNION is UNION DISTINCT.
SQL_SETTINGS: dict[str, Any] = {
    "join_use_nulls": 1,
    "aggregate_functions_null_for_empty": 1,
    "union_default_mode": "DISTINCT",
    # Batches with events of many months (an import of several years) write one part per month.
    "max_partitions_per_insert_block": 0,
    "mutations_sync": 2,  # lightweight UPDATE/DELETE of the small tables are visible on return
}

_NUMBER_TYPES = ("Int64", "UInt64", "Double")
#: the Join table of identity overrides, for the few statements that read it directly
_OVERRIDES = sa_table("person_overrides", sa_column("old_person", String), sa_column("person", String))


class JsonText(TypeDecorator[Any]):
    """A JSON document kept as String: ClickHouse's JSON* functions read it where it lies."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        import orjson

        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None or not isinstance(value, str | bytes):
            return value
        # The standard parser, as SQLAlchemy's JSON type on the other databases: integers of any
        # size stay exact (orjson reads those beyond 64 bits as floats).
        return json.loads(value) if value else None


def _ch_type(sa_type: TypeEngine[Any]) -> str:
    """The ClickHouse type of a schema column's SQLAlchemy type (the small tables)."""
    if isinstance(sa_type, TypeDecorator):
        return "String"
    impl = getattr(sa_type, "impl", sa_type)
    for variant_base in (Boolean, BigInteger, Integer, Float):
        if isinstance(impl, variant_base):
            return {Boolean: "Bool", BigInteger: "Int64", Integer: "Int64", Float: "Float64"}[variant_base]
    return "String"


def _q(name: str) -> str:
    return f"`{name}`"


def _str(value: str) -> str:
    """A ClickHouse string literal (only for names Tracklens itself chose: database names)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class _Ids:
    """Event ids: increasing in insertion order within a process, near `now_ms << 10` so ids of
    several writer processes interleave by time (the Live View re-reads a lookback window)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def take(self, n: int) -> int:
        with self._lock:
            first = max(self._last + 1, int(time.time() * 1000) << 10)
            self._last = first + n - 1
            return first


class _Versions:
    """Row versions for ReplacingMergeTree: strictly increasing within the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def take(self) -> int:
        with self._lock:
            self._last = max(self._last + 1, time.time_ns())
            return self._last


def _re(text: Any, pattern: str, replacement: str) -> Any:
    return func.replaceRegexpOne(text, literal(pattern, String), literal(replacement, String), type_=Text)


def _python_float(raw: Any) -> Any:
    """ClickHouse's text of a double Python writes with an exponent (below 1e-4, from 1e16 up)
    as Python writes it: 1e300 -> 1e+300, -2.5e-7 -> -2.5e-07, 0.00001 -> 1e-05,
    10000000000000000 -> 1e+16 (ClickHouse writes 1e-6 to 1e21 without an exponent)."""
    large = func.concat(_re(raw, r"^(-?\d)(\d*?)0*$", r"\1.\2"), literal("e+", String),
                        func.toString(func.length(raw) - func.startsWith(raw, literal("-", String)) - 1))
    small = _re(_re(raw, r"^(-?)0\.00000([1-9])(\d*)$", r"\1\2.\3e-06"), r"^(-?)0\.0000([1-9])(\d*)$", r"\1\2.\3e-05")
    text_ = case((func.match(raw, literal("e", String)), _re(_re(raw, r"e(\d)", r"e+\1"), r"e([-+])(\d)$", r"e\10\2")),
                 (func.match(raw, literal(r"^-?0\.", String)), small), else_=large)
    return func.replaceOne(text_, literal(".e", String), literal("e", String), type_=Text)


def _big_integer(doc: Any, k: Any) -> Any:
    """True when the String ClickHouse's JSON parser (simdjson) makes of doc[k] was an integer
    beyond 64 bits in the document: its digits unquoted where the key is (simpleJSONExtractRaw
    reads the text as written; it finds the key's first occurrence at any depth, so the digits
    must be the same). The other databases read such a number as a double: 2**70 > 100."""
    digits = func.JSONExtractString(doc, k, type_=Text)
    written = func.trimLeft(func.simpleJSONExtractRaw(doc, k, type_=Text), type_=Text)
    return func.match(digits, literal(r"^-?[0-9]{19,}$", String)) & (written == digits)


class ClickHouseBackend(Backend):
    name = "clickhousedb"
    label = "ClickHouse"
    schemes = ("clickhousedb", "clickhouse", "chdb")
    stages_inserts = False
    appends_only = True
    # A batch is one insert per table, i.e. a part per month it spans, and the events insert also
    # fills `event_ids`, the rollups and the `by_person` projection: 20,000 messages instead of
    # 5,000 cut the storing process's CPU per event by ~20 % (fewer parts written and merged;
    # docs/benchmarks/clickhouse.md, "The import's CPU per event").
    bulk_batch_rows = 20_000
    # event_hours/person_hours (rollup_ddl: SummingMergeTree tables filled by materialized views
    # of every insert into events_data; person_hours maps persons through person_overrides like
    # `events`). docs/benchmarks/clickhouse.md, 10M events at a quiet moment: unique persons per
    # day over 90 days 2.09 s -> 0.19 s, top-12 per day 230 -> 27 ms.
    hourly_rollups = True
    # Joining a step's events to the persons is ClickHouse's way (hash joins); a correlated
    # subquery per person becomes a join anyway.
    funnel_steps_by_join = True
    # One scan of the step events grouped by person, each person's steps found in one sorted
    # array (app.query.runners.funnel_arrays): the joined form reads step 0 once per step.
    funnel_person_arrays = True
    evaluates_group_keys_twice = False
    correlated_subqueries = False
    driver_placeholder = "%s"
    query_threads = 2
    # ids are `now_ms << 10`: 10 s of ids. Writers in other processes (a server's collectors)
    # may commit a batch whose ids are a little older than rows already visible.
    live_lookback_ids = 10_000 << 10
    #: ... and rows of that window a poll reads (10 s at 500 events/s)
    live_lookback_rows = 5_000
    column_types: ClassVar[dict[str, Any]] = {"json": JsonText()}

    json_types: ClassVar[dict[str, tuple[str, ...]]] = {
        "string": ("String",), "number": _NUMBER_TYPES, "boolean": ("Bool",), "null": ("Null",),
        "object": ("Object",), "array": ("Array",), "true": ("Bool",), "false": ("Bool",)}

    ids = _Ids()
    versions = _Versions()
    #: one writer at a time per process and database (ClickHouse has no transactions to lock)
    _write_locks: ClassVar[dict[str, threading.Lock]] = {}
    _write_locks_guard = threading.Lock()
    _id_guard = threading.Lock()

    # -- connecting ---------------------------------------------------------------------------

    def normalize_url(self, url: str) -> str:
        scheme, rest = url.split("://", 1)
        base = scheme.split("+", 1)[0].lower()
        if base == "chdb":
            path_part, _, query = rest.partition("?")
            if not path_part:  # `chdb://`: no folder, refused by engine_options (not the current one)
                return url
            if path_part.startswith("/"):
                folder = Path("/" + path_part.lstrip("/"))
            else:
                folder = Path(path_part).expanduser().resolve()
            return f"chdb:///{str(folder).lstrip('/')}" + (f"?{query}" if query else "")
        if base == "clickhouse":
            return f"clickhousedb://{rest}"
        return url

    def engine_options(self, url: URL) -> dict[str, Any]:
        missing = clickhouse_missing(embedded=url.drivername == "chdb")
        if missing:
            raise DatabaseError(missing)
        if url.drivername == "chdb":
            from app.core.backends.clickhouse_dialect import chdb_database

            if not (url.database or "").strip("/"):
                # `chdb://` and `chdb:///` wrote a database's data/, metadata/, store/ and tmp/
                # folders into the current folder or the file system's root.
                raise DatabaseError("this chDB URL names no folder: give one, e.g. chdb:///path/to/folder")
            database = chdb_database(url)
            if not _is_identifier(database):
                raise DatabaseError(f"not a ClickHouse database name: {database!r}")
            # Connections are made by configure_engine's do_connect (_connect_chdb), which first
            # checks that the folder at the path is still the one the engine opened.
            return {"pool_size": 4, "max_overflow": 4}
        return {"connect_args": dict(SQL_SETTINGS), "pool_size": 4, "max_overflow": 8}

    def configure_engine(self, engine: Engine, *, writable: bool) -> None:
        if engine.url.drivername != "chdb":
            return
        from app.core.backends.clickhouse_dialect import chdb_database, chdb_folder

        folder, database = chdb_folder(engine.url), chdb_database(engine.url)
        watch = _WATCHES[engine] = _FolderWatch(Path(folder), engine)
        watch.attach(engine)

        def connect(_dialect: Any, _record: Any, _cargs: Any, _cparams: Any) -> Any:
            refused = watch.refusal()
            if refused is not None:
                raise DatabaseError(refused)
            return _connect_chdb(folder, database)

        event.listen(engine, "do_connect", connect)

    def follow_replaced_file(self, engine: Engine, notify: Callable[[str], None]) -> None:
        """A chDB folder deleted, moved or replaced while open (app.core.backends.pathwatch): the
        engine opens the folder now at the path, once chDB has stopped on the old one."""
        watch = _WATCHES.get(engine)
        if watch is not None:
            watch.follow = True
            watch.notify = notify

    def pings_connections(self, url: URL) -> bool:
        # chDB runs in this process (no connection to drop), and each statement costs it
        # milliseconds: a `SELECT 1` before every query was measured in
        # docs/benchmarks/clickhouse.md. A server keeps the test (an idle HTTP session may expire).
        return not self.is_embedded(url)

    @staticmethod
    def is_embedded(url: URL) -> bool:
        """A chDB folder (else a server)."""
        return url.drivername == "chdb"

    @staticmethod
    def server_url(*, host: str, port: int, database: str | None, username: str | None, password: str | None,
                   secure: bool) -> str:
        """The URL of a ClickHouse server (password included)."""
        return URL.create("clickhousedb", username=username, password=password, host=host, port=port,
                          database=database, query={"secure": "true"} if secure else {}
                          ).render_as_string(hide_password=False)

    def folder_url(self, folder: str, database: str | None = None) -> str:
        """The URL of a chDB folder (and a database inside other than `default`)."""
        return self.normalize_url(f"chdb://{folder}" + (f"?database={database}" if database else ""))

    def check_before_open(self, url: URL, *, require_tracklens: bool, meta_table: str,
                          tables: frozenset[str]) -> None:
        if url.drivername != "chdb":
            return
        from app.core.backends.clickhouse_dialect import chdb_folder

        folder = Path(chdb_folder(url))
        if folder.exists() and not folder.is_dir():
            raise DatabaseError(f"{folder} is a file, not a chDB folder")
        if not folder.exists():
            if require_tracklens:
                raise NoTracklensDatabase(f"no Tracklens database at {folder} (the folder does not exist)")
            if not folder.parent.exists():
                raise DatabaseError(f"folder does not exist: {folder.parent}")
        elif require_tracklens and not (folder / "metadata").is_dir():
            # Checked before chDB starts: it would leave its tmp/ folder among the user's files.
            raise NoTracklensDatabase(f"no Tracklens database at {folder} (the folder holds no chDB database)")

    def describe_location(self, url: URL) -> str:
        if url.drivername == "chdb":
            from app.core.backends.clickhouse_dialect import chdb_database, chdb_folder

            database = chdb_database(url)
            return chdb_folder(url) + ("" if database == "default" else f" (database {database})")
        return super().describe_location(url)

    def why_not_writable(self, url: URL) -> str | None:
        if not self.is_embedded(url):
            return None
        from app.core.backends.clickhouse_dialect import chdb_folder

        return _chdb_read_only(chdb_folder(url))

    # -- the writer ---------------------------------------------------------------------------

    def insert_ignoring_conflicts(self, table: Table, index_elements: list[str]) -> Any:
        # Not used for events (app.ingest.appendstore checks `event_ids`); the small tables
        # that call it are keyed by the caller.
        return insert(table)

    def lock_for_writing(self, conn: Connection) -> None:
        """ClickHouse has no write lock; app.ingest.appendstore serialises the process's writers."""

    def write_lock(self, engine: Engine) -> threading.Lock:
        """The process's lock for writing to this database."""
        key = engine.url.render_as_string(hide_password=False)
        with self._write_locks_guard:
            return self._write_locks.setdefault(key, threading.Lock())

    def insert_returning_id(self, conn: Connection, table: Table, values: dict[str, Any]) -> int:
        """The next id after the table's largest (no auto-increment here), under the process's lock."""
        with self._id_guard:
            current = conn.execute(select(func.max(table.c.id))).scalar()
            new_id = int(current or 0) + 1
            conn.execute(insert(table).values(id=new_id, **values))
            return new_id

    def json_text_param(self, name: str) -> Any:
        from sqlalchemy import bindparam

        return bindparam(name, type_=Text)

    def client(self, conn: Connection) -> Any:
        """The clickhouse-connect client under a SQLAlchemy connection (native inserts)."""
        return conn.connection.dbapi_connection.client  # type: ignore[union-attr]

    def append_rows(self, conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                    token: str | None = None, *, by_column: bool = False) -> None:
        """One native INSERT of `rows` (ClickHouse wants few large inserts); returns after the
        server acknowledged it. `token`: the same token again inserts nothing (a retried batch
        whose first attempt got this far, or whose acknowledgement was lost). `by_column`: `rows`
        are the columns (one sequence per column, all as long), so no row tuple is made per row
        and pivoted back into columns. The columns' types are asked once per client and table
        (_insert_types), not by clickhouse-connect before each insert."""
        if not rows or (by_column and not len(rows[0])):
            return
        settings: dict[str, Any] = {"max_partitions_per_insert_block": 0}
        if token is not None:
            settings["insert_deduplication_token"] = f"{table}:{token}"
        client = self.client(conn)
        _without_pandas()
        client.insert(table, rows, column_names=list(columns), settings=settings, column_oriented=by_column,
                      column_type_names=_insert_types(client, table, columns))
        # A chDB folder deleted or replaced before or during the insert took the rows (chDB wrote
        # them under the path, into no table anyone reads): not acknowledged. The events insert
        # comes last, so a batch is checked after all of it.
        self.check_before_commit(conn)

    def check_before_commit(self, conn: Connection) -> None:
        """The chDB folder still the one this connection opened (2-3 os.stat, ~10 us)."""
        watch = _WATCHES.get(conn.engine)
        if watch is not None:
            watch.check(conn.connection.info)

    def stored_message_ids(self, conn: Connection, message_ids: Sequence[str]) -> set[str]:
        """The message ids among these that are stored already (`event_ids`, by its sort key)."""
        rows = self._rows_with(conn, "SELECT message_id FROM event_ids WHERE message_id IN {ids}", message_ids)
        return {row[0] for row in rows}

    def person_rows(self, conn: Connection, persons: Sequence[str]) -> list[tuple[Any, ...]]:
        """users rows (id, traits, first_seen, last_seen, event_count) of these persons."""
        return [tuple(row) for row in self._rows_with(
            conn, "SELECT id, traits, first_seen, last_seen, event_count FROM users_data FINAL "
            "WHERE id IN {ids} AND deleted = 0", persons)]

    def identity_rows(self, conn: Connection, ids: Sequence[str]) -> list[tuple[str, str]]:
        """(distinct_id, person) of these ids."""
        return [(row[0], row[1]) for row in self._rows_with(
            conn, "SELECT distinct_id, person FROM identities_data FINAL WHERE distinct_id IN {ids}", ids)]

    def identities_of_persons(self, conn: Connection, persons: Sequence[str]) -> list[tuple[str, str, int]]:
        """(distinct_id, person, linked_at) of every id that belongs to one of these persons."""
        return [(r[0], r[1], r[2]) for r in self._rows_with(
            conn, "SELECT distinct_id, person, linked_at FROM identities_data FINAL WHERE person IN {ids}", persons)]

    def overrides_of_persons(self, conn: Connection, persons: Sequence[str]) -> list[tuple[str, str]]:
        """(old person, person) of the overrides that map events to one of these persons."""
        return [(r[0], r[1]) for r in self._rows_with(
            conn, "SELECT old_person, person FROM person_overrides WHERE person IN {ids}", persons)]

    def _rows_with(self, conn: Connection, sql: str, values: Sequence[str]) -> list[Sequence[Any]]:
        """The rows of `sql` whose `{ids}` is the set of `values`.

        The writer's lookups take a whole batch's ids (5,000 and more). As one string literal
        split in SQL they cost ~7 ms of CPU per 5,000 ids; as an `IN (...)` list that
        clickhouse-connect formats character by character and ClickHouse parses literal by
        literal, ~21 ms (docs/benchmarks/clickhouse.md, "The import's storing process"). A statement
        holds at most _LOOKUP_BYTES of ids (ClickHouse parses at most max_query_size, 256 KiB).
        Ids holding the separator or a NUL (never a validated id; the engine's C interface
        ends text at NUL) take the formatted list. One thread: the statement is small."""
        client = self.client(conn)
        out: list[Sequence[Any]] = []
        for part in _by_size(values, _LOOKUP_BYTES):
            blob = "\n".join(part)
            if blob.count("\n") == len(part) - 1 and "\0" not in blob:
                literal = blob.replace("\\", "\\\\").replace("'", "\\'")
                query = sql.format(ids=f"(SELECT arrayJoin(splitByChar('\\n', '{literal}')))")
                out.extend(client.query(query + " SETTINGS max_threads = 1").result_rows)
            else:
                out.extend(client.query(sql.format(ids="%(ids)s"), parameters={"ids": part}).result_rows)
        return out

    # -- schema -------------------------------------------------------------------------------

    def creates_schema(self) -> bool:
        return True

    def create_schema(self, conn: Connection, tables: Iterable[Table]) -> None:
        """The ClickHouse layout (module docstring); `tables` are the schema's other tables,
        created as plain MergeTree tables sorted by their primary key."""
        db = conn.exec_driver_sql("SELECT currentDatabase()").scalar()
        for ddl in schema_ddl(str(db)):
            conn.exec_driver_sql(ddl)
        own = {"events", "event_context", "users", "identities", "event_hours", "person_hours"}
        for table in tables:
            if table.name not in own:
                self.create_table(conn, table)

    def create_table(self, conn: Connection, table: Table) -> None:
        """A small table of the schema as a MergeTree with lightweight UPDATE/DELETE."""
        cols = []
        for col in table.columns:
            ch = _ch_type(col.type)
            cols.append(f"{_q(col.name)} {ch if not col.nullable or col.primary_key else f'Nullable({ch})'}")
        key = ", ".join(_q(c.name) for c in table.primary_key.columns) or "tuple()"
        conn.exec_driver_sql(
            f"CREATE TABLE IF NOT EXISTS {_q(table.name)} ({', '.join(cols)}) ENGINE = MergeTree "
            f"ORDER BY ({key}) SETTINGS enable_block_number_column = 1, enable_block_offset_column = 1")

    def wants_index(self, name: str) -> bool:
        return False

    def rollup_triggers(self) -> list[str]:
        return []

    def after_migrations(self, engine: Engine, started: int) -> None:
        """A database made before the rollups existed gets them, computed from its events; one made
        before `stored_person` gets it and the person index; one without the by-person
        projection gets it."""
        from app.core.backends.clickhouse_dialect import events_have_stored_person

        with engine.connect() as conn:
            ensure_rollups(conn)
            if not events_have_stored_person(conn):
                db = str(conn.exec_driver_sql("SELECT currentDatabase()").scalar())
                conn.exec_driver_sql(_events_view(_str(f"{db}.person_overrides"), _ENRICHED, replace=True))
                conn.exec_driver_sql("ALTER TABLE events_data ADD INDEX IF NOT EXISTS ix_person person "
                                     "TYPE bloom_filter GRANULARITY 1")
                conn.exec_driver_sql("ALTER TABLE events_data MATERIALIZE INDEX ix_person")
            engine.dialect.events_have_stored_person = True  # type: ignore[attr-defined]
            if not conn.exec_driver_sql("SELECT count() FROM system.projections WHERE database = currentDatabase() "
                                        "AND table = 'events_data' AND name = 'by_person'").scalar():
                # New parts get it at once; the existing ones in the background (minutes at 10M
                # events), meanwhile a profile reads them as before.
                conn.exec_driver_sql(f"ALTER TABLE events_data ADD PROJECTION IF NOT EXISTS {_BY_PERSON}")
                conn.exec_driver_sql("ALTER TABLE events_data MATERIALIZE PROJECTION by_person "
                                     "SETTINGS mutations_sync = 0")

    def latest_values(self, events: Any, where: Any, columns: list[Any]) -> Any:
        """One pass over the matching rows instead of one ORDER BY ... LIMIT 1 per column (each
        a scan here): argMaxIf per column, by (ts, id), then one (k, v) row per column found."""
        from clickhouse_connect.cc_sqlalchemy.sql.clauses import array_join

        newest = func.tuple(events.c.ts, events.c.id)
        values = func.array(*(func.argMaxIf(func.toNullable(col), newest, col.is_not(None)) for col in columns))
        found = select(values.label("vals")).select_from(events).where(where).subquery("latest")
        pairs = array_join(found, [found.c.vals, func.arrayEnumerate(found.c.vals)], alias=["v", "k1"])
        v, k1 = literal_column("v", String), literal_column("k1", Integer)
        return select((k1 - literal(1, Integer)).label("k"), v.label("v")).select_from(pairs).where(v.is_not(None))

    def person_equals(self, events: Any, person: Any) -> Any:
        """`events.person = person`, with the rows first narrowed by the stored person (the
        person itself, or an older person merged into it): the bloom-filter index on
        events_data.person skips the other granules, and the override lookup runs only on the
        rows left. A profile at 10M events read every row's lookup before."""
        stored = StoredPerson("events")
        olds = select(_OVERRIDES.c.old_person).where(_OVERRIDES.c.person == person)
        return and_(stored.in_(olds.union_all(select(person))), events.c.person == person)

    def stored_person(self, events: Any) -> Any:
        """`events`' person as stored, before the override lookup (app.query.runners.funnel_arrays
        groups by it first, and looks up one override per stored person instead of per row)."""
        return StoredPerson(events.name)

    def person_of_stored(self, stored: Any) -> Any:
        """The person a stored person is now (its override, else itself), as `events.person`."""
        return PersonOfStored(stored)

    def reading_one_person(self, statement: Any) -> Any:
        """Let the statement read `events_data`'s by-person projection (a few granules instead of
        every granule the person's bloom filter passes, with the wide properties and context of
        each: a profile's timeline at 10M events 0.2-0.4 s -> 30-60 ms). ClickHouse rejects
        projections while aggregate_functions_null_for_empty is on, so it is off here."""
        return statement.with_statement_hint("SETTINGS aggregate_functions_null_for_empty = 0")

    def refresh_statistics(self, engine: Engine) -> None:
        """Merge the person rows' versions after a bulk load, so FINAL reads one row each."""
        with engine.connect() as conn:
            conn.exec_driver_sql("OPTIMIZE TABLE users_data FINAL")
            conn.exec_driver_sql("OPTIMIZE TABLE identities_data FINAL")

    # -- reading ------------------------------------------------------------------------------

    def with_context(self, events: Any, event_context: Any) -> tuple[Any, Any]:
        """The context is a column of the `events` view itself (no join)."""
        return events, literal_column("`events`.`context`", JsonText())

    # -- JSON documents -----------------------------------------------------------------------

    def json_raw_type(self, doc: Any, key: str) -> Any:
        k = literal(key, String)
        return case((func.JSONHas(doc, k), func.toString(func.JSONType(doc, k))), else_=literal(None, String))

    def json_is(self, doc: Any, key: str, kind: str) -> Any:
        k = literal(key, String)
        typ = func.toString(func.JSONType(doc, k))
        if kind in ("true", "false"):
            return (typ == literal("Bool", String)) & (
                func.JSONExtractBool(doc, k) == literal(1 if kind == "true" else 0, Integer))
        if kind == "null":
            return func.JSONHas(doc, k) & (typ == literal("Null", String))
        if kind == "string":
            return (typ == literal("String", String)) & ~_big_integer(doc, k)
        if kind == "number":
            return typ.in_(_NUMBER_TYPES) | ((typ == literal("String", String)) & _big_integer(doc, k))
        names = self.json_types[kind]
        return typ == literal(names[0], String) if len(names) == 1 else typ.in_(names)

    def json_present(self, doc: Any, key: str) -> Any:
        # A NULL document (a person without a users row, LEFT JOINed) has no key: false, not NULL,
        # so `not_set` holds for it as on the other databases.
        kind = func.toString(func.JSONType(doc, literal(key, String)))
        return func.coalesce(kind, literal("Null", String)) != literal("Null", String)

    def json_text(self, doc: Any, key: str) -> Any:
        return func.JSONExtractString(doc, literal(key, String), type_=Text)

    def json_number(self, doc: Any, key: str) -> Any:
        k = literal(key, String)
        return case((self.json_is(doc, key, "number"), func.JSONExtractFloat(doc, k, type_=Float)),
                    else_=literal(None, Float))

    def json_number_compare(self, doc: Any, key: str, op: Callable[[Any, Any], Any], value: int | float) -> Any:
        # Each stored type read as itself (JSONExtractFloat rounds an integer from 2**53 up:
        # 9007199254740993 matched nothing); ClickHouse compares integers and floats exactly.
        # Only an integer within 64 bits, though: any other number compares as the double the
        # other databases read (2**64 - 1, a UInt64 here, was below 2**64 as a float filter).
        # ClickHouse compares a double with an integer exactly.
        k = literal(key, String)
        typ = func.toString(func.JSONType(doc, k))
        bound = literal(value)
        return case((typ == literal("Int64", String), op(func.JSONExtractInt(doc, k, type_=BigInteger), bound)),
                    (self.json_is(doc, key, "number"), op(func.JSONExtractFloat(doc, k, type_=Float), bound)),
                    else_=literal(None, Boolean))

    def json_display(self, doc: Any, key: str) -> Any:
        k = literal(key, String)
        typ = func.toString(func.JSONType(doc, k))
        raw = func.JSONExtractRaw(doc, k, type_=Text)
        # JSONExtractRaw re-prints numbers (5.0 -> "5"); a double keeps its point, as the JSON
        # text the other databases show does.
        double = typ == literal("Double", String)
        integral_double = double & ~func.match(raw, literal("[.eE]", String))
        return case((typ == literal("String", String), func.JSONExtractString(doc, k, type_=Text)),
                    (double & func.match(raw, literal(r"e|^-?0\.0000|^-?\d{17}", String)), _python_float(raw)),
                    (integral_double, func.concat(raw, literal(".0", String))),
                    (typ.in_((*_NUMBER_TYPES, "Bool")), raw),
                    else_=literal(None, String))

    # materializes_properties stays False: `events` is a view over the stored rows and their
    # persons (identity merge at query time), so a column means a column in the table and the
    # view rebuilt; not built yet.

    def json_type_label(self, doc: Any, key: str) -> Any:
        k = literal(key, String)
        typ = func.toString(func.JSONType(doc, k))
        return case((~func.JSONHas(doc, k), literal(None, String)),
                    (self.json_is(doc, key, "number"), literal("number", String)),
                    (typ == literal("String", String), literal("string", String)),
                    (typ == literal("Bool", String), literal("boolean", String)),
                    (typ == literal("Null", String), literal("null", String)),
                    (typ == literal("Object", String), literal("object", String)),
                    else_=literal("array", String))

    def json_entries(self, sample: Any, doc: Any) -> Any:
        """The sample ARRAY JOINed with its documents' (key, raw JSON value) pairs."""
        from clickhouse_connect.cc_sqlalchemy.sql.clauses import array_join

        pairs = func.JSONExtractKeysAndValuesRaw(doc)
        source = array_join(sample, pairs, alias="kv")
        key = literal_column("kv.1", String)
        raw = literal_column("kv.2", String)
        kind = func.JSONType(raw)  # the type of a one-value document: the value's
        typ = func.toString(kind)
        label = case((typ == literal("String", String), literal("string", String)),
                     (typ.in_(_NUMBER_TYPES), literal("number", String)),
                     (typ == literal("Bool", String), literal("boolean", String)),
                     (typ == literal("Null", String), literal("null", String)),
                     (typ == literal("Object", String), literal("object", String)),
                     else_=literal("array", String))
        text_ = case((typ == literal("String", String), func.JSONExtractString(raw, type_=Text)),
                     else_=literal(None, String))
        return source, key, label, text_

    # -- text ---------------------------------------------------------------------------------

    def fold_case(self, expr: Any) -> Any:
        return func.lower(expr)  # ASCII only, as on SQLite

    def text_contains(self, haystack: Any, needle: Any) -> Any:
        return func.position(haystack, needle) > 0

    def text_starts_with(self, haystack: Any, needle: Any) -> Any:
        return func.startsWith(haystack, needle)

    def looks_like_date(self, expr: Any) -> Any:
        return func.match(expr, literal(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}", String))

    def text_prefix(self, column: Any, prefix: str) -> Any:
        return func.startsWith(column, literal(prefix, String))

    # -- aggregates and planning --------------------------------------------------------------

    @staticmethod
    def _median(value: Any) -> Any:
        # The mean of the lower and upper middle values: the median as the other databases
        # compute it (quantile() would interpolate or sample).
        return (func.medianExactLow(value, type_=Float) + func.medianExactHigh(value, type_=Float)) / literal(2.0, Float)

    def median_by(self, source: Any, groups: list[str], value: str) -> Any:
        cols = [source.c[g] for g in groups]
        return select(*cols, self._median(source.c[value]).label("median")).group_by(*cols)

    def aggregate_with_medians(self, source: Any, groups: list[str], values: list[str], extras: Any) -> Any:
        cols = [source.c[g] for g in groups]
        medians = [self._median(source.c[v]).label(f"median_{v}") for v in values]
        return select(*cols, *extras(source), *medians).group_by(*cols)

    def materialized_cte(self, cte: Any) -> Any:
        return cte

    # -- running statements -------------------------------------------------------------------

    def interrupt(self, driver_connection: Any) -> None:
        """Close the connection's client: its running query stops (HTTP) or finishes unread."""
        with contextlib.suppress(Exception):
            driver_connection.close()

    def set_statement_timeout(self, conn: Connection, seconds: float) -> None:
        conn.exec_driver_sql(f"SET max_execution_time = {max(1, int(seconds + 0.999))}")

    def is_statement_timeout(self, exc: BaseException) -> bool:
        original = getattr(exc, "orig", None) or exc
        text_ = str(original)
        return "TIMEOUT_EXCEEDED" in text_ or "Timeout exceeded" in text_


#: What to do when the ClickHouse packages are missing (they are an extra: chDB is ~0.5 GB).
INSTALL_HINT = "pip install 'tracklens[clickhouse]'"


class StoredPerson(ColumnElement[str]):
    """`table`.stored_person: the events view's person before the override lookup. A view made
    before that column (a folder `tracklens query` opens without upgrading) has only the mapped
    person, which is then used instead: it is in every set the stored one is used for (a
    person's own ids, the group of a person's rows), so the answers stay the same."""

    type = String()
    inherit_cache = False

    def __init__(self, table: str) -> None:
        self.table = table


class PersonOfStored(ColumnElement[str]):
    """The person a stored person is now: its override, else itself (on a view without
    `stored_person` the value already is the person)."""

    type = String()
    inherit_cache = False

    def __init__(self, stored: Any) -> None:
        self.stored = stored


def _has_stored_person(compiler: Any) -> bool:
    return bool(getattr(compiler.dialect, "events_have_stored_person", True))


@compiles(StoredPerson)
def _compile_stored_person(element: StoredPerson, compiler: Any, **kw: Any) -> str:
    column = "stored_person" if _has_stored_person(compiler) else "person"
    return f"`{element.table}`.`{column}`"


@compiles(PersonOfStored)
def _compile_person_of_stored(element: PersonOfStored, compiler: Any, **kw: Any) -> str:
    if not _has_stored_person(compiler):
        return str(compiler.process(element.stored, **kw))
    found = func.joinGetOrNull(literal_column("'person_overrides'"), literal_column("'person'"), element.stored)
    return str(compiler.process(func.ifNull(found, element.stored), **kw))


def clickhouse_missing(embedded: bool = True) -> str | None:
    """None when ClickHouse can be used here, else one line saying what to install."""
    import importlib.util

    need = ["clickhouse_connect", *(["chdb"] if embedded else [])]
    missing = [name for name in need if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    what = "embedded ClickHouse (chDB)" if "chdb" in missing else "ClickHouse"
    return f"{what} support is not installed here ({', '.join(missing)} missing): {INSTALL_HINT}"


def _is_identifier(name: str) -> bool:
    return bool(name) and name.replace("_", "a").isalnum() and name.isascii() and not name[0].isdigit()


#: chDB folder open in this process (chDB hosts one engine per process).
_open_folder: list[str] = []
_open_guard = threading.Lock()


class _Server:
    """The process's chDB engine: started on the folder at the path by the first connection,
    stopped when the last one closes, and in between on that folder whatever is at the path now
    (its tables in memory, its parts written under the path)."""

    def __init__(self) -> None:
        self.connections = 0
        #: the folder (device, inode) the engine started on
        self.folder: Identity | None = None


_server = _Server()


class _FolderWatch(PathWatch):
    """Keeps an engine's connections on the chDB folder it opened (app.core.backends.pathwatch).

    Measured before: after `rm -rf` or `mv` of the folder, chDB went on inserting into its tables
    in memory and wrote their parts under the path (recreating it), into no table anyone reads: a
    collector answered 200 for events that were gone (the reopened folder was empty); with
    another folder moved into the path, a collector that reconnected wrote into that folder."""

    what = "chDB folder"
    kind = "folder"
    # chDB makes the path again for the parts it writes after a delete or move
    changed = "deleted, moved or replaced"

    def __init__(self, path: Path, engine: Engine) -> None:
        super().__init__(path)
        self._engine = weakref.ref(engine)

    def identify(self) -> Identity | None:
        return _folder_identity(self.path)

    def opened_by(self, dbapi_conn: Any) -> Identity | None:
        # A connection made while chDB still runs on the old folder is on the old folder.
        return getattr(dbapi_conn, "tracklens_folder", None) or self.identify()

    def refusal(self) -> str | None:
        refused = super().refusal()
        if refused is None and self.follow and self.opened is not None:
            with _open_guard:
                running, started = _server.connections, _server.folder
            if running and started != self.identify():
                return (f"the {self.what} {self.path} was replaced by another folder while in use; it is opened "
                        "once the queries still running on the old one have ended")
        return refused

    def release(self, dbapi_conn: Any) -> None:
        """Close the pool's idle connections: chDB stops on the old folder only when the last
        one closes (and starts on the new one with the next)."""
        engine = self._engine()
        if engine is not None:
            engine.pool.dispose()


def _folder_identity(folder: Path) -> Identity | None:
    """The chDB folder at `folder` (device, inode), or None when there is none, or it holds neither
    chDB's `status` (its lock while it runs) nor `metadata`: `rm -rf` of a folder chDB is writing
    into can fail on the folder itself (chDB makes its part folders again meanwhile) after
    removing what was in it (measured with `tracklens simulate`)."""
    found = identity(folder)
    if found is None or (identity(folder / "status") is None and identity(folder / "metadata") is None):
        return None
    return found


#: engine -> its folder watch (chDB)
_WATCHES: weakref.WeakKeyDictionary[Engine, _FolderWatch] = weakref.WeakKeyDictionary()


def _connect_chdb(folder: str, database: str) -> Any:
    """A DB-API connection to a chDB folder; the database is created when missing."""
    from clickhouse_connect import dbapi
    from clickhouse_connect.driver.exceptions import Error as ChError

    class Counted(dbapi.Connection):  # type: ignore[misc]
        """Counts the process's open chDB connections (_server)."""

        tracklens_folder: Identity | None = None
        _counted = False

        def close(self) -> None:
            with _open_guard:
                if self._counted:
                    self._counted = False
                    _server.connections -= 1
            super().close()

    with _open_guard:
        with _stderr_captured() as captured:
            try:
                boot = dbapi.connect(interface="chdb", path=folder, database="default", **SQL_SETTINGS)
            except ChError as exc:
                raise DatabaseError(_chdb_open_error(folder, f"{exc} {captured()}")) from None
        try:
            if database != "default":
                boot.client.command(f"CREATE DATABASE IF NOT EXISTS {_q(database)}")
        finally:
            boot.close()
        _open_folder[:] = [folder]
        conn = Counted(interface="chdb", path=folder, database=database, **SQL_SETTINGS)
        if not _server.connections:
            _server.folder = _folder_identity(Path(folder))
        _server.connections += 1
        conn._counted = True
        conn.tracklens_folder = _server.folder
        return conn


@contextlib.contextmanager
def _stderr_captured() -> Iterator[Callable[[], str]]:
    """The embedded engine prints its start-up errors on the process's stderr itself (file
    descriptor 2); keep them out of the terminal and hand them over for the one-line message."""
    import os
    import sys
    import tempfile

    with tempfile.TemporaryFile() as sink:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError):  # no real stderr (frozen GUI app): nothing to keep out
            yield lambda: ""
            return
        os.dup2(sink.fileno(), 2)
        try:
            yield lambda: (sink.seek(0), sink.read().decode("utf-8", "replace"))[1]
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _chdb_read_only(folder: str) -> str | None:
    """What keeps this user from writing the chDB folder (None: not its permissions). chDB writes
    in its folder even to read (its `status` lock, the tables' logs), so a folder its user may
    only read cannot be opened at all; said before, it read "open in another process"."""
    path = Path(folder)
    if path.is_dir():
        if os.access(path, os.W_OK):
            return None
        return (f"the chDB folder {folder} is read-only: its permissions do not let you write to it, and chDB "
                "writes in its folder even to read; make it writable, or work on a copy you can write to")
    parent = next((p for p in path.parents if p.exists()), None)
    if parent is None or not parent.is_dir() or os.access(parent, os.W_OK):
        return None
    return f"cannot create the chDB folder {folder}: {parent} is read-only; choose a folder you can write to"


def _chdb_open_error(folder: str, text_: str) -> str:
    low = text_.lower()
    if "cannot lock file" in low:
        return (f"the chDB folder {folder} is open in another process (chDB opens a folder in one process "
                "at a time): close that program first, or use a ClickHouse server")
    read_only = _chdb_read_only(folder)
    if read_only is not None:
        return read_only
    if "permission denied" in low:  # the folder may be written, some file or folder in it may not
        return (f"the chDB folder {folder} is partly read-only (chDB said \"Permission denied\" on what is in "
                "it), and chDB writes in its folder even to read; make the folder and everything in it writable, or "
                "work on a copy you can write to")
    if "embeddedserver" in low:  # chDB's start failed without saying why: most often another process
        return (f"the chDB folder {folder} is open in another process (chDB opens a folder in one process "
                "at a time): close that program first, or use a ClickHouse server")
    if _open_folder and _open_folder[0] != folder:
        return (f"this process has the chDB folder {_open_folder[0]} open; chDB opens one folder per "
                f"process, so {folder} cannot be opened beside it")
    first = next((line for line in text_.splitlines() if line.strip()), "")
    return f"cannot open the chDB folder {folder} ({first.strip()[:300]})"


_ENRICHED = ("city", "region", "country_code", "browser", "os", "device", "referring_domain")


def _events_view(overrides: str, enriched: Sequence[str], *, replace: bool) -> str:
    """The `events` view: events_data with the person mapped through person_overrides, and the
    stored person as `stored_person` (a person's rows are found by it: see person_equals)."""
    create = "CREATE OR REPLACE VIEW" if replace else "CREATE VIEW IF NOT EXISTS"
    return (f"{create} events AS SELECT id, message_id, type, event, user_id, anonymous_id, "
            f"ifNull(joinGetOrNull({overrides}, 'person', events_data.person), events_data.person) AS person, "
            "ts, received_at, properties, " + ", ".join(enriched)
            + ", context, events_data.person AS stored_person FROM events_data")


#: UTF-8 bytes of ids in one lookup statement of the writer: escaping at most doubles them,
#: within ClickHouse's max_query_size (256 KiB).
_LOOKUP_BYTES = 120_000


def _by_size(values: Sequence[str], limit: int) -> Iterator[list[str]]:
    """`values` in consecutive lists of at most `limit` UTF-8 bytes (and at least one value)."""
    part: list[str] = []
    size = 0
    for value in values:
        length = (len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))) + 1
        if part and size + length > limit:
            yield part
            part, size = [], 0
        part.append(value)
        size += length
    if part:
        yield part


#: Inserts remembered per table for insert_deduplication_token (a retried batch's blocks).
_DEDUP = "non_replicated_deduplication_window = 1000"


#: Per clickhouse-connect client: (table, columns) -> their type names (_insert_types).
_INSERT_TYPES: weakref.WeakKeyDictionary[Any, dict[tuple[str, tuple[str, ...]], list[str]]] = (
    weakref.WeakKeyDictionary())


#: Whether _without_pandas has run in this process (it decides once, at the first insert).
_PANDAS_DECIDED = False


def _without_pandas() -> None:
    """clickhouse-connect asks whether each insert's data is a pandas DataFrame, importing pandas
    to ask: the first insert of a process that never used pandas loaded it (~0.3 s of CPU, ~1.5 us
    per event of a 200k-event import, and a heap the garbage collector then walks on every full
    collection). The writer never inserts a DataFrame, so unless pandas is loaded already (then
    asking costs nothing) clickhouse-connect is told it has none, as it tells itself when pandas
    is not installed.

    Decided once per process, at its first insert. Process-wide, because clickhouse-connect keeps
    the answer in module globals (`options.pd`) that every client and insert reads: there is no
    narrower place to say it. That is right for Tracklens's processes (the CLI commands, the
    collector, the app), none of which asks clickhouse-connect for a DataFrame; a program that
    embeds the writer and imports pandas only after its first insert would find
    clickhouse-connect's `query_df`/`insert_df` saying pandas is not installed (import pandas
    before the first insert there)."""
    global _PANDAS_DECIDED
    if _PANDAS_DECIDED:
        return
    _PANDAS_DECIDED = True
    from clickhouse_connect.driver import options

    if "pd" not in vars(options) and "pandas" not in sys.modules:
        options.pd = options.pd_time_test = None


def _insert_types(client: Any, table: str, columns: Sequence[str]) -> list[str]:
    """The types of `table`'s `columns`, asked once per client (clickhouse-connect asks with a
    DESCRIBE before every insert that does not name them). The writer's tables never change a
    column's type."""
    known = _INSERT_TYPES.setdefault(client, {})
    key = (table, tuple(columns))
    types = known.get(key)
    if types is None:
        described = {row[0]: row[1] for row in client.query(f"DESCRIBE TABLE {_q(table)}").result_rows}
        types = known[key] = [described[c] for c in columns]
    return types


#: One person's rows in a few granules (profiles: reading_one_person); every part keeps a copy
#: sorted by person, about doubling the events' disk size.
_BY_PERSON = "by_person (SELECT * ORDER BY person, ts)"


def schema_ddl(db: str) -> list[str]:
    """CREATE statements of the ClickHouse layout's own tables and views (database `db`)."""
    lc = "LowCardinality(Nullable(String))"
    overrides = _str(f"{db}.person_overrides")
    enriched = _ENRICHED
    return [
        "CREATE TABLE IF NOT EXISTS events_data ("
        "id Int64, message_id String, type LowCardinality(String), event LowCardinality(Nullable(String)), "
        "user_id Nullable(String), anonymous_id Nullable(String), person String, ts Int64, received_at Int64, "
        "properties String, context String, "
        + ", ".join(f"{c} {lc if c != 'referring_domain' else 'Nullable(String)'}" for c in enriched)
        + ", INDEX ix_person person TYPE bloom_filter GRANULARITY 1, PROJECTION " + _BY_PERSON +
        ") ENGINE = MergeTree PARTITION BY toYYYYMM(fromUnixTimestamp64Milli(ts)) ORDER BY (event, ts) "
        f"SETTINGS allow_nullable_key = 1, {_DEDUP}",
        "CREATE TABLE IF NOT EXISTS event_ids (message_id String, id Int64) ENGINE = MergeTree ORDER BY message_id",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS event_ids_mv TO event_ids AS SELECT message_id, id FROM events_data",
        # old person -> the person it merged into; later rows win (a chain is rewritten whole).
        "CREATE TABLE IF NOT EXISTS person_overrides (old_person String, person String) "
        "ENGINE = Join(ANY, LEFT, old_person) SETTINGS join_any_take_last_row = 1",
        _events_view(overrides, enriched, replace=False),
        "CREATE VIEW IF NOT EXISTS event_context AS SELECT id, context FROM events_data",
        "CREATE TABLE IF NOT EXISTS users_data (id String, traits String, email Nullable(String), "
        "first_seen Int64, last_seen Int64, event_count Int64, version UInt64, deleted UInt8) "
        f"ENGINE = ReplacingMergeTree(version, deleted) ORDER BY id SETTINGS {_DEDUP}",
        "CREATE VIEW IF NOT EXISTS users AS SELECT id, traits, email, first_seen, last_seen, event_count "
        "FROM users_data FINAL WHERE deleted = 0",
        "CREATE TABLE IF NOT EXISTS identities_data (distinct_id String, person String, linked_at Int64, "
        f"version UInt64) ENGINE = ReplacingMergeTree(version) ORDER BY distinct_id SETTINGS {_DEDUP}",
        "CREATE VIEW IF NOT EXISTS identities AS SELECT distinct_id, person, linked_at FROM identities_data FINAL",
        *rollup_ddl(db),
    ]


#: the UTC hour of `ts`, as the other databases' rollup triggers compute it (app.core.rollups)
_HOUR = "ts - ((ts % 3600000) + 3600000) % 3600000"


def rollup_ddl(db: str) -> list[str]:
    """The hourly rollups (Backend.hourly_rollups): `event_hours` and `person_hours` as on the
    other databases, kept exact by materialized views of every insert into events_data (a retried
    insert that events_data deduplicates is deduplicated here too: the MV blocks inherit its
    token). `person_hours` maps persons through `person_overrides` like `events`; it may hold
    several rows of one (hour, person) until the parts merge, their `n` adding up (the engine
    only reads its distinct persons)."""
    overrides = _str(f"{db}.person_overrides")
    return [
        "CREATE TABLE IF NOT EXISTS event_hours_data (hour Int64, event String, n Int64) "
        f"ENGINE = SummingMergeTree ORDER BY (hour, event) SETTINGS {_DEDUP}",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS event_hours_mv TO event_hours_data AS "
        # `events_data.event`: the bare name would be the alias, never NULL (identify rows counted as '')
        f"SELECT {_HOUR} AS hour, assumeNotNull(event) AS event, count() AS n FROM events_data "
        "WHERE events_data.event IS NOT NULL GROUP BY hour, event",
        "CREATE VIEW IF NOT EXISTS event_hours AS SELECT hour, event, sum(n) AS n FROM event_hours_data "
        "GROUP BY hour, event",
        "CREATE TABLE IF NOT EXISTS person_hours_data (hour Int64, person String, n Int64) "
        f"ENGINE = SummingMergeTree ORDER BY (hour, person) SETTINGS {_DEDUP}",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS person_hours_mv TO person_hours_data AS "
        f"SELECT {_HOUR} AS hour, person, count() AS n FROM events_data WHERE event IS NOT NULL "
        "GROUP BY hour, person",
        "CREATE VIEW IF NOT EXISTS person_hours AS SELECT hour, "
        f"ifNull(joinGetOrNull({overrides}, 'person', person), person) AS person, n FROM person_hours_data",
    ]


def ensure_rollups(conn: Connection) -> bool:
    """Give a database made before the rollups existed its rollups, computed from its events
    (True when it had none). New databases get them with the schema."""
    if conn.exec_driver_sql("EXISTS TABLE person_hours_data").scalar():
        return False
    db = str(conn.exec_driver_sql("SELECT currentDatabase()").scalar())
    for ddl in rollup_ddl(db):
        conn.exec_driver_sql(ddl)
    for table, column, value in (("event_hours_data", "event", "assumeNotNull(event)"),
                                 ("person_hours_data", "person", "person")):
        conn.exec_driver_sql(f"INSERT INTO {table} (hour, {column}, n) SELECT {_HOUR} AS hour, {value} AS k, "
                             "count() FROM events_data WHERE event IS NOT NULL GROUP BY hour, k")
    return True
