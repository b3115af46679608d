"""PostgreSQL: the team server (psycopg 3, JSONB documents, statement-level rollup triggers)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    Connection,
    Engine,
    Numeric,
    String,
    Table,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    text,
    true,
    tuple_,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION, JSONB
from sqlalchemy.engine import URL

from app.core.backends.base import Backend, compare_double

#: The largest double: a stored number beyond it compares as an infinity.
_MAX_DOUBLE = 1.7976931348623157e308
#: A materialized property's column holds its values up to this many characters (and its index
#: entries then at most ~2.6 kB with 255-character event names and persons); longer ones are
#: read from their event (PostgreSQLBackend.add_materialized_column).
_MATERIALIZED_WHOLE = 120
#: Key of the PostgreSQL advisory lock that serialises Tracklens writers on one database.
WRITER_LOCK_KEY = 0x7472_6B6C  # "trkl"
#: The writer's staging table (the name carries the schema version its columns follow).
_STAGING = "tracklens_incoming3"
#: Indexes of the schema that PostgreSQL does without (SQLite's own).
_NOT_HERE = frozenset({"ix_events_event_ts_person_props", "ix_events_ts"})
#: The rollups: (table, key columns besides `hour`, the primary key for ON CONFLICT).
_ROLLUPS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("event_hours", ("event",), "hour, event"), ("person_hours", ("person",), "hour, person"),
    ("event_person_hours", ("event", "person"), "event, hour, person"))


def _key(key: str) -> Any:
    return literal(key, String)


def _hour_of(ts: str) -> str:
    """The first instant of `ts`'s UTC hour; mod() since psycopg reads `%` as a marker."""
    return f"({ts} - mod(mod({ts}, 3600000) + 3600000, 3600000))"


class PostgreSQLBackend(Backend):
    name = "postgresql"
    label = "PostgreSQL"
    schemes = ("postgresql", "postgres")
    # The rollup triggers are statement triggers, and a statement per row (executemany) ran
    # them per row: ingestion fell from 11k to 6k events/s; staged, it is back at 10.8k (a
    # 1000-row VALUES list was slower still, psycopg parsing 17k placeholders).
    stages_inserts = True
    # At 10M demo events (4 steps, 288k persons entering): hash/merge joins of a step's events
    # read from (event, person, ts) took 0.2 s, where 288k correlated seeks took 1.2 s.
    funnel_steps_by_join = True
    evaluates_group_keys_twice = False
    # sum and count of a JSON number from an OFFSET 0 subquery: ProdV price day/30d at 10M, raw
    # SQL interleaved, 2.23 s against 2.81 s flat (docs/benchmarks/matrix.md).
    evaluates_aggregate_arguments_each = True
    # segmentation medians per bucket and over the range: one GROUPING SETS statement
    one_pass_medians = True
    # Per-event uniques from (event, hour, person) rows: see docs/benchmarks/matrix.md.
    event_person_rollup = True
    # Retention asks, per birth and period, whether the person did any analysis event: from
    # (person, ts) every candidate row was read to test `event IS NOT NULL`; the partial index
    # answers from the index alone (10M demo, 42k births x 8 periods: see
    # docs/benchmarks/retention.md; measured on PostgreSQL only).
    analysis_person_index = True
    driver_placeholder = "%s"
    query_threads = 4
    # Sequence values are taken at insert and become visible at commit, out of order (rows
    # written by tools other than the Tracklens writer, which serialises its inserts).
    live_lookback_ids = 500
    live_lookback_rows = 500  # ids are dense: one row per id at most
    column_types: ClassVar[dict[str, Any]] = {"json": JSONB()}

    json_types: ClassVar[dict[str, tuple[str, ...]]] = {
        "string": ("string",), "number": ("number",), "boolean": ("boolean",), "null": ("null",),
        "object": ("object",), "array": ("array",)}

    def normalize_url(self, url: str) -> str:
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        scheme, rest = url.split("://", 1)
        return f"postgresql+psycopg://{rest}" if scheme in self.schemes else url

    def describe_location(self, url: URL) -> str:
        # The URL as typed: '+psycopg' is the driver normalize_url put in, not a word the user wrote.
        shown = url.set(drivername="postgresql") if url.drivername == "postgresql+psycopg" else url
        return super().describe_location(shown)

    def engine_options(self, url: URL) -> dict[str, Any]:
        # psycopg prepares a statement after 5 runs and PostgreSQL then may switch to a generic
        # plan: for the writer's `message_id IN (900 params)` duplicate check that plan scanned the
        # whole events table (2.5-3.2 s per chunk at ~100k rows, collector p99 9 s). Custom plans
        # per execution keep the index (p99 1.7 s in the same run), for the query engine's bound
        # filter values too. JIT compilation spent 0.3 s of a 2 s funnel at 10M events (0.14 s
        # of a breakdown): interactive questions of a few seconds do not pay it back.
        return {"connect_args": {"connect_timeout": 10,
                                 "options": "-c plan_cache_mode=force_custom_plan -c jit=off"},
                "pool_size": 5, "max_overflow": 10}

    # -- the writer ---------------------------------------------------------------------------

    def insert_ignoring_conflicts(self, table: Table, index_elements: list[str]) -> Any:
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=index_elements)

    def lock_for_writing(self, conn: Connection) -> None:
        """A transaction-scoped advisory lock: one Tracklens writer at a time per database."""
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK_KEY})")

    def stored_message_ids(self, conn: Connection, message_ids: list[str]) -> set[str]:
        """The writer's duplicate check: which of a batch's message ids are stored, as one
        `= ANY(array)` statement with one parameter. The IN lists of 900 parameters it replaces
        cost ~20 % more server time (100k demo, 5,000-message batches: docs/benchmarks/ingest.md)."""
        cursor = conn.connection.cursor()
        try:
            cursor.execute("SELECT message_id FROM events WHERE message_id = ANY(%s)", (message_ids,))
            return {row[0] for row in cursor.fetchall()}
        finally:
            cursor.close()

    def insert_staged(self, conn: Connection, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
        """The batch (already without stored message ids; each row's context last) straight into
        `events` with one COPY, which fires the statement-level rollup triggers once, then the
        contexts with another. The ids the events got: we hold the writer lock and COPY takes
        them in row order, so the rows above the newest id before it are ours; when they are
        exactly the batch with consecutive ids, row i got first + i, otherwise (another
        program's rows in between) they are looked up by message id. Should a row conflict after
        all (another program stored one of the message ids meanwhile), the COPY is rolled back
        to a savepoint and the batch goes through the staging table, which skips such rows."""
        import psycopg  # the driver: imported where PostgreSQL is used, not by every backend's import

        batch = rows if isinstance(rows, list) else list(rows)
        cols = ", ".join(columns)
        cursor = conn.connection.cursor()
        try:
            cursor.execute("SELECT max(id) FROM events")
            newest = (cursor.fetchone() or (None,))[0] or 0
            cursor.execute("SAVEPOINT tracklens_copy")
            try:
                with cursor.copy(f"COPY events ({cols}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row[:-1])
            except psycopg.errors.UniqueViolation:
                cursor.execute("ROLLBACK TO SAVEPOINT tracklens_copy")
                self._insert_through_staging(cursor, cols, batch)
                return
            cursor.execute("RELEASE SAVEPOINT tracklens_copy")
            cursor.execute("SELECT min(id), max(id), count(*) FROM events WHERE id > %s", (newest,))
            first, last, count = cursor.fetchone() or (None, None, 0)
            n = len(batch)
            if first is not None and last is not None and count == n and last - first + 1 == n:
                ids: Iterable[int] = range(first, last + 1)
            else:
                key = columns.index("message_id")
                cursor.execute("SELECT message_id, id FROM events WHERE message_id = ANY(%s)",
                               ([row[key] for row in batch],))
                by_message = dict(cursor.fetchall())
                ids = [by_message[row[key]] for row in batch]
            with cursor.copy("COPY event_context (id, context) FROM STDIN") as copy:
                for event_id, row in zip(ids, batch, strict=True):
                    copy.write_row((event_id, row[-1]))
        finally:
            cursor.close()

    @staticmethod
    def _insert_through_staging(cursor: Any, cols: str, rows: list[tuple[Any, ...]]) -> None:
        """COPY into a session-local staging table, then one INSERT ... SELECT in arrival order
        that skips stored message ids (ON CONFLICT DO NOTHING); the contexts follow the ids it
        returns."""
        # Session-local and emptied after each batch; `ord` keeps the arrival order for the ids.
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_STAGING} AS "
                       f"SELECT {cols}, NULL::jsonb AS context, 0 AS ord FROM events WITH NO DATA")
        with cursor.copy(f"COPY {_STAGING} ({cols}, context, ord) FROM STDIN") as copy:
            for i, row in enumerate(rows):
                copy.write_row((*row, i))
        # Temp tables are never analysed by autovacuum: without statistics the planner took the
        # staging table for one row and joined it to the inserted rows by a nested loop, n^2
        # comparisons (2.3 s for a collector group of 2,300 messages, auto_explain).
        cursor.execute(f"ANALYZE {_STAGING}")
        cursor.execute(
            f"WITH stored AS (INSERT INTO events ({cols}) SELECT {cols} FROM {_STAGING} ORDER BY ord "
            "ON CONFLICT (message_id) DO NOTHING RETURNING id, message_id) "
            f"INSERT INTO event_context (id, context) SELECT stored.id, s.context FROM stored "
            f"JOIN {_STAGING} s ON s.message_id = stored.message_id")
        cursor.execute(f"DELETE FROM {_STAGING}")

    def json_text_param(self, name: str) -> Any:
        return cast(bindparam(name, type_=Text), JSONB)

    # -- schema -------------------------------------------------------------------------------

    def wants_index(self, name: str) -> bool:
        return name not in _NOT_HERE

    def rollup_triggers(self) -> list[str]:
        """Statement triggers over transition tables, one grouped upsert per statement (COPY
        included); transition tables rule out `UPDATE OF columns`, so any update of events
        moves its rows' counts."""
        def add(rows: str) -> str:
            h = _hour_of("ts")
            out = ""
            for table, keys, conflict in _ROLLUPS:
                cols = ", ".join(keys)
                groups = ", ".join(str(i) for i in range(1, len(keys) + 2))
                out += (f"INSERT INTO {table} AS r (hour, {cols}, n) SELECT {h}, {cols}, count(*) FROM {rows} "
                        f"WHERE event IS NOT NULL GROUP BY {groups} ORDER BY {groups} "
                        f"ON CONFLICT ({conflict}) DO UPDATE SET n = r.n + excluded.n;\n")
            return out

        def sub(rows: str) -> str:
            h = _hour_of("ts")
            out = ""
            for table, keys, _ in _ROLLUPS:
                cols = ", ".join(keys)
                groups = ", ".join(str(i) for i in range(1, len(keys) + 2))
                gone = (f"(SELECT {h} AS hour, {cols}, count(*) AS c FROM {rows} WHERE event IS NOT NULL "
                        f"GROUP BY {groups})")
                match = "r.hour = d.hour" + "".join(f" AND r.{k} = d.{k}" for k in keys)
                out += (f"UPDATE {table} r SET n = r.n - d.c FROM {gone} d WHERE {match};\n"
                        f"DELETE FROM {table} r USING {gone} d WHERE {match} AND r.n <= 0;\n")
            return out

        def function(fn: str, body: str) -> str:
            return (f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
                    f"BEGIN\n{body}RETURN NULL;\nEND\n$fn$")

        def trigger(tg: str, when: str, tables: str, fn: str) -> list[str]:
            return [f"DROP TRIGGER IF EXISTS {tg} ON events",
                    f"CREATE TRIGGER {tg} AFTER {when} ON events REFERENCING {tables} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()"]

        return [
            function("tracklens_rollup_insert", add("new_rows")),
            function("tracklens_rollup_delete", sub("old_rows")),
            function("tracklens_rollup_update", sub("old_rows") + add("new_rows")),
            *trigger("events_rollup_insert", "INSERT", "NEW TABLE AS new_rows", "tracklens_rollup_insert"),
            *trigger("events_rollup_delete", "DELETE", "OLD TABLE AS old_rows", "tracklens_rollup_delete"),
            *trigger("events_rollup_update", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                     "tracklens_rollup_update"),
        ]

    def after_migration(self, conn: Connection, version: int) -> None:
        if version == 3:
            # DROP COLUMN keeps the dropped bytes in every row until a rewrite: CLUSTER by the
            # primary key rewrites the table in arrival order. The `ts` B-tree becomes BRIN.
            conn.exec_driver_sql("DROP INDEX IF EXISTS ix_events_ts")
            conn.exec_driver_sql("CLUSTER events USING events_pkey")

    def refresh_statistics(self, engine: Engine) -> None:
        """ANALYZE samples each table (30,000 rows by default), so it stays seconds at 10M
        events; autovacuum would get there too, but only after the first slow questions."""
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")

    # -- JSON documents -----------------------------------------------------------------------

    def json_raw_type(self, doc: Any, key: str) -> Any:
        return func.jsonb_typeof(doc.op("->", return_type=JSONB)(_key(key)), type_=String)

    def json_is(self, doc: Any, key: str, kind: str) -> Any:
        if kind in ("true", "false"):
            return and_(self.json_raw_type(doc, key) == literal("boolean", String),
                        self.json_text(doc, key) == literal(kind, String))
        return super().json_is(doc, key, kind)

    def json_text(self, doc: Any, key: str) -> Any:
        return doc.op("->>", return_type=Text)(_key(key))

    def json_number(self, doc: Any, key: str) -> Any:
        # A CASE, not AND, guards the cast: AND operands may run in any order ('abc'::float fails).
        return case((self.json_is(doc, key, "number"), cast(self.json_text(doc, key), DOUBLE_PRECISION)))

    def json_number_compare(self, doc: Any, key: str, op: Callable[[Any, Any], Any], value: int | float) -> Any:
        # JSONB keeps a number as a numeric (exact); read as a float8 (json_number) an integer
        # from 2**53 up was rounded: 9007199254740993 matched 9007199254740992. The value is a
        # numeric too: a float8 parameter would turn the comparison into float8's.
        # Only an integer within 64 bits, though: any other number compares as the double the
        # other databases read (1e23 is numeric 10**23 here, the double 1e23 is not: eq 1e23
        # matched nothing; 2**64 - 1 was below 2**64 as a float filter).
        number = case((self.json_is(doc, key, "number"),
                       cast(doc.op("->", return_type=JSONB)(_key(key)), Numeric)))
        integer = and_(func.scale(number) == 0, number.between(literal(Decimal(-(2**63)), Numeric),
                                                               literal(Decimal(2**63 - 1), Numeric)))
        # float8 has no room beyond 1.7976931348623157e308 (the cast fails): those are infinite.
        double = case((func.abs(number) <= literal(Decimal(_MAX_DOUBLE), Numeric), cast(number, DOUBLE_PRECISION)),
                      else_=cast(func.sign(number), DOUBLE_PRECISION) * literal(math.inf, DOUBLE_PRECISION))
        return case((integer, op(number, literal(Decimal(value), Numeric))), else_=compare_double(double, op, value))

    def json_display(self, doc: Any, key: str) -> Any:
        text_ = self.json_text(doc, key)
        # JSONB keeps a number as a numeric, printed without an exponent: 4.4e-249 came out as
        # 250 zeros and 44. One below 1e-4 (but 0) is printed as a float8, which gives Python's
        # text there (shortest digits, 1e-05, 4.4e-249); the test of the value costs less than
        # tests of the text. A float from 1e16 up reads back as an integer (its digits) and
        # -0.0 as 0: JSONB keeps neither.
        value = cast(doc.op("->", return_type=JSONB)(_key(key)), Numeric)
        number = case((func.abs(value) < literal(Decimal("0.0001"), Numeric),
                       case((text_.like(literal("%0.0000%", String)), cast(cast(text_, DOUBLE_PRECISION), Text)),
                            else_=text_)),
                      else_=text_)
        return case({"string": text_, "boolean": text_, "number": number}, value=self.json_raw_type(doc, key))

    def json_type_label(self, doc: Any, key: str) -> Any:
        return self.json_raw_type(doc, key)

    materializes_properties = True

    def add_materialized_column(self, conn: Connection, column: str, key: str) -> None:
        # A stored generated column (the table is rewritten once) and an index in the order the
        # funnel reads a step's events, the value carried: a held funnel then finds each
        # person's entry value and every candidate's from the index alone, never the row
        # (10M, 4 steps: 2.3-2.8x the plain funnel's CPU -> 1.1-1.4x). An index entry holds at
        # most 2704 bytes, so the column keeps a value whole up to _MATERIALIZED_WHOLE
        # characters and only its first _MATERIALIZED_WHOLE + 1 of a longer one, which
        # materialized_text then reads from the event (a whole 3,000-character value made its
        # event's INSERT fail: "index row size exceeds maximum").
        if (conn.dialect.server_version_info or (0,)) >= (14,):
            # The rewrite holds `events` locked for its whole length (~2.5 min at 10M): a
            # command killed meanwhile left the server rewriting on, every query and writer
            # waiting, until it found no one to commit for. Checked each second, it stops.
            conn.exec_driver_sql("SET LOCAL client_connection_check_interval = 1000")
        display = self.display_ddl(conn, key)
        conn.exec_driver_sql(f"ALTER TABLE events ADD COLUMN {column} text GENERATED ALWAYS AS "
                             f"(CASE WHEN char_length({display}) <= {_MATERIALIZED_WHOLE} THEN {display} "
                             f"ELSE left({display}, {_MATERIALIZED_WHOLE + 1}) END) STORED")
        conn.exec_driver_sql(f"CREATE INDEX ix_events_{column} ON events (event, person, ts, id) INCLUDE ({column})")

    def materialized_text(self, table: Any, column: str, key: str) -> Any:
        own = super().materialized_text(table, column, key)
        # Another alias of the same table (`events`; app.core.schema, which imports the
        # backends, is not imported here).
        row = getattr(table, "element", table).alias(f"{table.name}_whole")
        whole = (select(self.json_display(row.c.properties, key)).where(row.c.id == table.c.id)
                 .scalar_subquery())
        # The lookup runs only for a cut value (CASE evaluates the branch it takes).
        return case((func.char_length(own) > _MATERIALIZED_WHOLE, whole), else_=own)

    def after_materializing(self, engine: Engine) -> None:
        # The rewritten table has no visibility map yet: until a VACUUM sets it, every
        # "index-only" scan reads the rows too (10M: the plain funnel 0.9 -> 3.2 s), and
        # autovacuum does not come for a table that only was rewritten.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) events")

    def drop_materialized_column(self, conn: Connection, column: str) -> None:
        conn.exec_driver_sql(f"ALTER TABLE events DROP COLUMN IF EXISTS {column}")  # and its index

    def json_entries(self, sample: Any, doc: Any) -> Any:
        each = func.jsonb_each(doc).table_valued("key", "value")
        text_ = each.c.value.op("#>>", return_type=Text)(literal_column("'{}'::text[]"))
        return sample.join(each, true()), each.c.key, func.jsonb_typeof(each.c.value, type_=String), text_

    # -- text ---------------------------------------------------------------------------------

    def fold_case(self, expr: Any) -> Any:
        # lower() follows the collation: pinned to "C", it folds A-Z only, as SQLite's does.
        return func.lower(expr.collate("C"))

    def text_contains(self, haystack: Any, needle: Any) -> Any:
        return func.strpos(haystack, needle) > 0

    def looks_like_date(self, expr: Any) -> Any:
        return expr.op("~")(literal(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}", String))

    def binary_order(self, expr: Any) -> Any:
        # The default collation follows the database locale.
        return expr.collate("C")

    def text_prefix(self, column: Any, prefix: str) -> Any:
        """LIKE 'prefix%' with the prefix escaped (served by a text_pattern_ops index), plus the
        exact test."""
        exact = func.substr(column, 1, len(prefix)) == literal(prefix, String)
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return and_(column.like(literal(escaped + "%", String), escape="\\"), exact)

    # -- aggregates and planning --------------------------------------------------------------

    def median_by(self, source: Any, groups: list[str], value: str) -> Any:
        cols = [source.c[g] for g in groups]
        median = func.percentile_cont(0.5).within_group(source.c[value].asc())
        return select(*cols, median.label("median")).group_by(*cols)

    def medians_with_total(self, rows: Any, keys: list[str], bucket: str, value: str) -> Any:
        """One GROUP BY GROUPING SETS ((keys, bucket), (keys)): the rows are read once and
        nothing is materialized. 10M events, Product Viewed's median price, end to end against
        a statement per bucket and one over the range (5 interleaved rounds, load 2.6): per day
        over 30 days 2.34 -> 1.19 s, per week over 90 days 3.98 -> 1.90 s. `grouping(bucket)` is
        1 on the over-range rows, where min(bucket) is the first bucket."""
        src = rows.subquery("median_rows")
        cols = [src.c[k] for k in keys]
        b = src.c[bucket]
        median = func.percentile_cont(0.5).within_group(src.c[value].asc())
        return (select(*cols, func.min(b).label(bucket), func.grouping(b).label("whole"), median.label("median"))
                .group_by(func.grouping_sets(tuple_(*cols, b), tuple_(*cols))))

    def aggregate_with_medians(self, source: Any, groups: list[str], values: list[str], extras: Any) -> Any:
        cols = [source.c[g] for g in groups]
        medians = [func.percentile_cont(0.5).within_group(source.c[v].asc()).label(f"median_{v}") for v in values]
        return select(*cols, *extras(source), *medians).group_by(*cols)

    def unflattened(self, stmt: Any) -> Any:
        """OFFSET 0 keeps PostgreSQL from pulling the subquery up into the outer query."""
        return stmt.offset(literal_column("0"))

    def materialized(self, stmt: Any) -> Any:
        """A MATERIALIZED CTE: PostgreSQL misestimates JSON trait filters (rows=1) and then
        re-scans an IN (... GROUP BY ... HAVING ...) subquery once per outer row (0.7 s for a
        query SQLite answers in 3 ms). The CTE is anonymous: SQLAlchemy numbers anonymous
        names per statement, so equal queries compile to equal SQL and share its statement
        cache."""
        cte = stmt.cte().prefix_with("MATERIALIZED")
        return select(*cte.c).correlate(None)

    # -- running statements -------------------------------------------------------------------

    def interrupt(self, driver_connection: Any) -> None:
        driver_connection.cancel()

    def set_statement_timeout(self, conn: Connection, seconds: float) -> None:
        """`statement_timeout`, local to the transaction (the pool gets the connection back
        without it)."""
        conn.execute(text("SELECT set_config('statement_timeout', :ms, true)"),
                     {"ms": str(max(1, math.ceil(seconds * 1000)))})

    def is_statement_timeout(self, exc: BaseException) -> bool:
        original = getattr(exc, "orig", None) or exc
        return getattr(original, "sqlstate", None) == "57014" and "statement timeout" in str(original).lower()

    def is_interruption(self, exc: BaseException) -> bool:
        original = getattr(exc, "orig", None) or exc
        return getattr(original, "sqlstate", None) == "57014" or super().is_interruption(exc)
