"""What every database backend answers: the SQL pieces, the writer's bulk path, the engine's
configuration and the capabilities the app shows. One subclass per database (sqlite.py,
postgresql.py); app.core.backends picks one from the URL or dialect, and nothing else in the
program asks which database it is talking to.

JSON keys and every value are bound parameters: nothing here pastes user text into SQL.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    Float,
    Integer,
    String,
    Table,
    Text,
    case,
    false,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy import cast as sa_cast
from sqlalchemy import column as sa_column
from sqlalchemy.engine import URL


def compare_double(number: Any, op: Callable[[Any, Any], Any], value: int | float) -> Any:
    """op(number, value) for a SQL double `number`, exact as Python compares a float with `value`
    (op: operator.eq, gt, ge, lt or le). A float value is itself a double; an integer no double
    equals (2**53 + 1) is compared with its neighbouring doubles instead, as a database would
    round it to one of them: d > 2**53 + 1 is d >= 2**53 + 2, and d == 2**53 + 1 never holds."""
    exact = float(value)
    if isinstance(value, float) or exact == value:
        return op(number, literal(exact, Float))
    if op is operator.eq:
        return false()
    below, above = ((exact, math.nextafter(exact, math.inf)) if exact < value
                    else (math.nextafter(exact, -math.inf), exact))
    bound = {operator.gt: below, operator.le: below, operator.ge: above, operator.lt: above}[op]
    return op(number, literal(bound, Float))


class UnsupportedDatabase(Exception):
    """A URL or dialect of a database Tracklens does not work with; the message names those it does."""


class Backend:
    """One database's differences. Instances are stateless and shared (one per database)."""

    #: SQLAlchemy's dialect name (`engine.dialect.name`)
    name: ClassVar[str] = ""
    #: the database's name for people (status bar, connect dialog)
    label: ClassVar[str] = ""
    #: URL schemes (before `+driver`) that choose this backend
    schemes: ClassVar[tuple[str, ...]] = ()
    #: the writer COPYs a batch into a staging table and inserts it in one statement
    stages_inserts: ClassVar[bool] = False
    #: the database appends and does not update rows in place (ClickHouse): the writer keeps
    #: versions and identity overrides instead (app.ingest.appendstore)
    appends_only: ClassVar[bool] = False
    #: messages per batch of a bulk load (`tracklens import`): one transaction each on SQLite and
    #: PostgreSQL; on ClickHouse each is one insert per table, a new part per partition that
    #: the engine merges later, so fewer and larger batches cost less per event
    bulk_batch_rows: ClassVar[int] = 5000
    #: `event_hours`/`person_hours` exist and are exact (triggers), so segmentation may read them
    hourly_rollups: ClassVar[bool] = True
    #: the writer adds each batch's counts to the hourly rollups itself, one grouped upsert per
    #: rollup (begin_rollup_batch / end_rollup_batch), with the rows other programs inserted
    #: since its last batch; `events` has no insert trigger (schema 4: SQLite)
    rollups_by_writer: ClassVar[bool] = False
    event_person_rollup: ClassVar[bool] = False  #: `event_person_hours` (schema 5) is kept: per-event uniques
    #: `events (person, ts) WHERE event IS NOT NULL` (schema 6) is kept: a person's analysis events
    #: in a time range without reading their rows (retention's per-period probes)
    analysis_person_index: ClassVar[bool] = False
    #: funnels find each next step by joining the persons to the step's events (else one
    #: correlated MIN per person); see the subclasses for the measurements
    funnel_steps_by_join: ClassVar[bool] = False
    #: funnels computed per person from one sorted array of their events (app.query.runners.funnel_arrays)
    funnel_person_arrays: ClassVar[bool] = False
    #: correlated subqueries (EXISTS, scalar MIN, ORDER BY ... LIMIT 1) run as written; ClickHouse
    #: decorrelates only some of them (and a NOT EXISTS with inequalities gave wrong rows), so
    #: there the engine joins instead
    correlated_subqueries: ClassVar[bool] = True
    #: a flat `SELECT expr AS g ... GROUP BY g` evaluates `expr` twice per row
    evaluates_group_keys_twice: ClassVar[bool] = False
    #: `sum(expr), count(expr)` evaluate `expr` once per aggregate per row (no common
    #: subexpressions): a JSON measure value is better computed once in a subquery
    evaluates_aggregate_arguments_each: ClassVar[bool] = False
    #: segmentation medians per bucket and over the range come from one statement that reads
    #: the rows once (medians_with_total) rather than one statement each
    one_pass_medians: ClassVar[bool] = False
    #: a JSON document reads back as exactly the text the writer stored (no JSONB-style
    #: normalisation), so the forwarder may send the collector's in-memory text instead
    keeps_json_text: ClassVar[bool] = False
    #: positional parameter marker of the driver's own cursor (the writer's hot statements)
    driver_placeholder: ClassVar[str] = "?"
    #: query threads the app runs at once (SQLite serialises writers; servers take more)
    query_threads: ClassVar[int] = 4
    #: how many ids before the newest seen the Live View re-reads: ids that commit out of order
    #: (PostgreSQL sequences) would otherwise be skipped
    live_lookback_ids: ClassVar[int] = 0
    #: rows a Live View poll reads beyond its capacity to cover that lookback window
    live_lookback_rows: ClassVar[int] = 0
    #: this database's own column types where the schema's generic one is not the best:
    #: "json" (documents), "id" (auto-incremented keys)
    column_types: ClassVar[dict[str, Any]] = {}

    # -- connecting ---------------------------------------------------------------------------

    def normalize_url(self, url: str) -> str:
        """The URL as given, or rewritten to the driver Tracklens ships."""
        return url

    def with_colon(self, scheme: str, rest: str) -> str:
        """The URL 'SCHEME//REST' (its ':' left out) was meant to be: 'SCHEME://REST'."""
        return f"{scheme}://{rest}"

    def engine_options(self, url: URL) -> dict[str, Any]:
        """create_engine() options for this database (pool, connect_args)."""
        return {}

    def configure_engine(self, engine: Engine, *, writable: bool) -> None:
        """Hooks on a new engine (per-connection settings)."""

    def follow_replaced_file(self, engine: Engine, notify: Callable[[str], None]) -> None:
        """For a database kept in a file someone can delete or replace while it is open (SQLite):
        let `engine` open the new file at its path once the one it opened was replaced, calling
        `notify(message)` when it finds the file replaced or removed. Without it an engine
        refuses to go on (what writers want: they must not write into a file nobody sees, nor
        carry on in another one). Elsewhere nothing to do."""

    def pings_connections(self, url: URL) -> bool:
        """Whether the pool tests a connection (`SELECT 1`) each time it hands it out: a
        server's connection can drop while idle (restart, network, idle timeout), and the test
        reconnects before the query instead of failing it. A database inside this process has
        no connection to lose, so there the test would only add a statement to every query."""
        return True

    def check_before_open(self, url: URL, *, require_tracklens: bool, meta_table: str,
                          tables: frozenset[str]) -> None:
        """Refuse, before any connection could change it, a database that is not Tracklens's
        (DatabaseError); `tables` are the schema's, `meta_table` the one only Tracklens writes."""

    def describe_location(self, url: URL) -> str:
        """Where the database is, for messages (no password)."""
        return url.render_as_string(hide_password=True)

    def why_not_writable(self, url: URL) -> str | None:
        """What keeps this user from writing the database at `url`, where the permissions of its
        file or folder tell, as the one line a refused write says (naming the file or folder and
        what to do); None when they allow it or the database is a server's (its own words say)."""
        return None

    # -- the writer -----------------------------------------------------------------------------

    def insert_ignoring_conflicts(self, table: Table, index_elements: list[str]) -> Any:
        """An INSERT that skips rows whose unique key already exists (re-sent messages)."""
        raise NotImplementedError

    def lock_for_writing(self, conn: Connection) -> None:
        """Start the current transaction as the database's only writer (see the subclasses)."""
        raise NotImplementedError

    def check_before_commit(self, conn: Connection) -> None:
        """Raise (DatabaseError) when committing `conn`'s transaction would store nothing anyone
        can read: SQLite's file was deleted or replaced since the connection opened it."""

    def stored_message_ids(self, conn: Connection, message_ids: list[str]) -> set[str] | None:
        """Which of a batch's message ids are stored, where this database has a better form than
        the writer's chunked IN lists (app.ingest.rawsql.select_in); None: use those."""
        return None

    def insert_staged(self, conn: Connection, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
        """With `stages_inserts`: insert events (`columns`, then each row's context document
        as JSON text) skipping stored message ids, keeping the rows' order for the ids."""
        raise RuntimeError(f"{self.label} inserts row by row (stages_inserts is False)")

    def insert_returning_id(self, conn: Connection, table: Table, values: dict[str, Any]) -> int:
        """Insert one row into a table with an auto-incremented `id`; the id it got."""
        from sqlalchemy import insert

        return int(conn.execute(insert(table).values(**values).returning(table.c.id)).scalar_one())

    def json_text_param(self, name: str) -> Any:
        """A bind parameter for a JSON column that carries already-serialized JSON text.

        The writer serializes each message once (it must, to enforce the 32 KB limit) and
        hands that text over, instead of letting the JSON type serialize it a second time.
        """
        from sqlalchemy import Text, bindparam

        return bindparam(name, type_=Text)

    def stored_json_text(self, column: Any) -> Any:
        """A JSON column as its stored text, for the forwarder to splice into a request body
        unparsed (app.outbound.destinations.formats): the text itself when it is a JSON document,
        else that text as a JSON string, which the forwarder takes apart from the splice and
        sends as the string it is. Here the column type checks every document it stores (JSONB),
        so each text is one."""
        return sa_cast(column, Text)

    # -- schema ---------------------------------------------------------------------------------

    def creates_schema(self) -> bool:
        """Whether create_schema() lays out the database itself (else metadata.create_all)."""
        return False

    def create_schema(self, conn: Connection, tables: Iterable[Table]) -> None:
        """Create the schema's tables in this database's own layout (with creates_schema)."""
        raise RuntimeError(f"{self.label} takes the schema as declared (creates_schema is False)")

    def create_table(self, conn: Connection, table: Table) -> None:
        """Create one of the schema's tables when it is missing (tables added on open)."""
        table.create(conn, checkfirst=True)

    def wants_index(self, name: str) -> bool:
        """Whether the schema's index `name` exists on this database (some are one database's)."""
        return True

    def rollup_triggers(self) -> list[str]:
        """DDL of the triggers that keep `event_hours` and `person_hours` exact."""
        raise NotImplementedError

    def begin_rollup_batch(self, cursor: Any) -> int:
        """With `rollups_by_writer`, on a DBAPI cursor inside a write transaction, before a batch
        is inserted: the highest events.id the rollups count."""
        raise RuntimeError(f"{self.label} keeps its rollups by triggers (rollups_by_writer is False)")

    def end_rollup_batch(self, cursor: Any, after_id: int) -> None:
        """After the inserts: add the events with ids above `after_id` to the rollups and
        record the highest id as counted."""
        raise RuntimeError(f"{self.label} keeps its rollups by triggers (rollups_by_writer is False)")

    def after_migration(self, conn: Connection, version: int) -> None:
        """This database's own part of the migration to schema `version` (in its transaction)."""

    def after_migrations(self, engine: Engine, started: int) -> None:
        """Work after the migrations committed (outside any transaction), e.g. reclaiming space."""

    def refresh_statistics(self, engine: Engine) -> None:
        """Give the planner statistics of what a bulk load wrote: without them it guesses, and a
        guess can pick a plan slower by orders of magnitude (a fresh demo database had none)."""
        raise NotImplementedError

    # -- reading ------------------------------------------------------------------------------

    def latest_values(self, events: Any, where: Any, columns: list[Any]) -> Any:
        """(k, v) rows: for each of `columns` (k its index), its value in the newest row of
        `events` matching `where` where it is not NULL (newest: ts, then id); no row for a
        column that is NULL everywhere. One index seek per column on SQLite and PostgreSQL."""
        from sqlalchemy import Integer, literal, union_all

        parts = []
        for i, col in enumerate(columns):
            parts.append(select(literal(i, Integer).label("k"), col.label("v"))
                         .where(where, col.is_not(None))
                         .order_by(events.c.ts.desc(), events.c.id.desc()).limit(1).subquery(f"last{i}"))
        return union_all(*[select(p.c.k, p.c.v) for p in parts])

    def person_equals(self, events: Any, person: Any) -> Any:
        """`events.person = person` in the form this database finds one person's rows fastest."""
        return events.c.person == person

    def reading_one_person(self, statement: Any) -> Any:
        """`statement`, which reads the rows of one person (person_equals), in the form this
        database answers fastest; its aggregates must not rely on NULL for no rows."""
        return statement

    def with_context(self, events: Any, event_context: Any) -> tuple[Any, Any]:
        """`events` with each row's context document (NULL where none was stored), for the few
        readers that show it: (from clause, context column)."""
        return events.outerjoin(event_context, event_context.c.id == events.c.id), event_context.c.context

    # -- JSON documents -------------------------------------------------------------------------

    def json_raw_type(self, doc: Any, key: str) -> Any:
        """The database's own type name of doc[key]: NULL when the key is missing."""
        raise NotImplementedError

    #: normalised JSON type name -> this database's json type names
    json_types: ClassVar[dict[str, tuple[str, ...]]] = {}

    def json_is(self, doc: Any, key: str, kind: str) -> Any:
        """True when doc[key] is of `kind`: string, number, boolean, true, false, null, object, array."""
        raw = self.json_raw_type(doc, key)
        names = self.json_types[kind]
        return raw == literal(names[0], String) if len(names) == 1 else raw.in_(names)

    def json_present(self, doc: Any, key: str) -> Any:
        """True when doc has `key` with a non-null value (the `set` operator)."""
        null = self.json_types["null"][0]
        return func.coalesce(self.json_raw_type(doc, key), literal(null, String)) != literal(null, String)

    def json_text(self, doc: Any, key: str) -> Any:
        """doc[key] as SQL text; meaningful for JSON strings (guard with json_is(..., 'string'))."""
        raise NotImplementedError

    def json_number(self, doc: Any, key: str) -> Any:
        """doc[key] as a SQL number when it is a JSON number, else NULL."""
        raise NotImplementedError

    def json_number_compare(self, doc: Any, key: str, op: Callable[[Any, Any], Any], value: int | float) -> Any:
        """op(doc[key], value) (op: operator.eq, gt, ge, lt or le) when doc[key] is a JSON number,
        NULL or false when it is no number. A stored integer within 64 bits compares exactly, as
        Python compares an int and a float: 9007199254740993 is neither 9007199254740992 nor
        9007199254740992.0 (as doubles they are equal); any other stored number (a float, an
        integer beyond 64 bits) as the double it reads as, compared exactly with the value
        (compare_double): 2**70 + 1 equals 1.1805916207174113e21 (2**70), 1e23 equals 1e23.
        SQLite's json_extract reads and compares so. Filters use it for values from 2**53 up
        only: below, json_number (a double) is exact and cheaper."""
        return op(self.json_number(doc, key), literal(value))

    def json_display(self, doc: Any, key: str) -> Any:
        """A scalar doc[key] as text, identically on every database; NULL when missing, null, an
        object or an array. Strings as they are, booleans as 'true'/'false', numbers as Python's
        json.dumps writes them (the oracle: 2.5, 1e-05, 1e+300), whatever the writer's or the
        database's own form. Used for breakdown groups and value pickers."""
        raise NotImplementedError

    def json_type_label(self, doc: Any, key: str) -> Any:
        """doc[key]'s type as string/number/boolean/null/object/array."""
        raise NotImplementedError

    # -- materialized properties (app.core.materialized) -------------------------------------------

    #: Whether `tracklens materialize` is offered (app.core.materialized).
    materializes_properties: ClassVar[bool] = False

    def display_ddl(self, conn: Connection, key: str) -> str:
        """json_display(properties, key) as SQL text for a column definition: the column
        unqualified, the key a literal."""
        expr = self.json_display(sa_column("properties", self.column_types.get("json", JSON())), key)
        return str(expr.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))

    def add_materialized_column(self, conn: Connection, column: str, key: str) -> None:
        """Add `events.<column>`, the database's own computation of json_display(properties,
        key) for every stored and future event, and what lets funnels read it cheaply; in the
        caller's transaction, which records it."""
        raise RuntimeError(f"{self.label} does not materialize properties (materializes_properties is False)")

    def materialized_text(self, table: Any, column: str, key: str) -> Any:
        """Materialized property `key` of `table`'s event (an alias of `events`) as display text,
        read from its `column` (what add_materialized_column added)."""
        return sa_column(column, Text, _selectable=table)

    def after_materializing(self, engine: Engine) -> None:
        """What must follow add_materialized_column's committed transaction (outside one)."""

    def drop_materialized_column(self, conn: Connection, column: str) -> None:
        """Remove what add_materialized_column added (in the caller's transaction)."""
        raise RuntimeError(f"{self.label} does not materialize properties (materializes_properties is False)")

    def json_entries(self, sample: Any, doc: Any) -> Any:
        """`sample` (a subquery) joined to each row's top-level entries of `doc`, and the entries'
        `key`, normalised `type` and text (for strings) columns: (from clause, key, type, text)."""
        raise NotImplementedError

    # -- text -----------------------------------------------------------------------------------

    def fold_case(self, expr: Any) -> Any:
        """Lower-case A-Z only, identically everywhere."""
        return func.lower(expr)

    def text_contains(self, haystack: Any, needle: Any) -> Any:
        """Case-sensitive substring test."""
        raise NotImplementedError

    def text_starts_with(self, haystack: Any, needle: Any) -> Any:
        """Case-sensitive prefix test."""
        return func.substr(haystack, 1, func.length(needle)) == needle

    def looks_like_date(self, expr: Any) -> Any:
        """True for text starting with YYYY-MM-DD (ISO dates and date-times)."""
        raise NotImplementedError

    def binary_order(self, expr: Any) -> Any:
        """Sort text by code point (ties in rankings must not follow a locale)."""
        return expr

    def text_prefix(self, column: Any, prefix: str) -> Any:
        """Case-sensitive `column` starts with `prefix`, in a form the column's index can serve."""
        raise NotImplementedError

    # -- aggregates and planning ----------------------------------------------------------------

    def median_by(self, source: Any, groups: list[str], value: str) -> Any:
        """SELECT <groups>, median(<value>) AS median FROM source GROUP BY <groups>.

        The portable form ranks rows per group with window functions and averages the one or
        two middle rows, inside the database. NULL values are ignored, as by every aggregate; a
        group with none has a NULL median.
        """
        cols = [source.c[g] for g in groups]
        val = source.c[value]
        ranked = select(
            *cols,
            val.label("v"),
            func.row_number().over(partition_by=cols, order_by=val.asc().nulls_last()).label("rn"),
            func.count(val).over(partition_by=cols).label("cnt"),
        ).subquery("ranked")
        rcols = [ranked.c[g] for g in groups]
        middle = ranked.c.rn.in_([(ranked.c.cnt + 1) // 2, (ranked.c.cnt + 2) // 2])
        middle_avg = func.avg(case((middle, ranked.c.v)), type_=Float)
        return select(*rcols, middle_avg.label("median")).group_by(*rcols)

    def medians_with_total(self, rows: Any, keys: list[str], bucket: str, value: str) -> Any:
        """Medians of `value` per (<keys>, <bucket>) (`whole` 0) and per <keys> over every
        bucket (`whole` 1, <bucket> the first one), the `rows` select read once: a materialized
        CTE that two median_by statements share."""
        src = self.materialized_cte(rows.cte("median_rows"))
        per_bucket = self.median_by(src, [*keys, bucket], value).subquery("per_bucket")
        over_range = (self.median_by(src, keys, value).add_columns(func.min(src.c[bucket]).label(bucket))
                      .subquery("over_range"))
        return union_all(*(select(*(sq.c[k] for k in keys), sq.c[bucket], literal(whole, Integer).label("whole"),
                                  sq.c.median) for sq, whole in ((per_bucket, 0), (over_range, 1))))

    def aggregate_with_medians(self, source: Any, groups: list[str], values: list[str], extras: Any) -> Any:
        """SELECT <groups>, extras(src)..., median(<v>) AS median_<v> ... FROM source GROUP BY <groups>.

        Several medians next to other aggregates in ONE pass (funnels need a median per step).
        `extras(src)` builds the other aggregates from a FROM clause whose columns keep the
        source's names. NULL values are ignored.
        """
        raise NotImplementedError

    def unflattened(self, stmt: Any) -> Any:
        """`stmt` as a subquery the planner will not merge into the outer query."""
        return stmt

    def not_for_lookup(self, column: Any) -> Any:
        """`column` in a form the planner will not range-scan an index by."""
        return column

    def materialized_cte(self, cte: Any) -> Any:
        """`cte` computed once however often the statement reads it (SQLite and PostgreSQL
        would otherwise inline it into every use): `AS MATERIALIZED`."""
        return cte.prefix_with("MATERIALIZED")

    def materialized(self, stmt: Any) -> Any:
        """`stmt` (a one-column SELECT used in IN (...)) evaluated once, before the outer query."""
        return stmt

    # -- running statements ---------------------------------------------------------------------

    def interrupt(self, driver_connection: Any) -> None:
        """Stop the statement running on a driver connection, from another thread."""
        raise NotImplementedError

    def set_statement_timeout(self, conn: Connection, seconds: float) -> None:
        """Stop any statement of this connection's transaction after `seconds`, in the server,
        where the database can; elsewhere the query's deadline interrupts it."""

    def is_statement_timeout(self, exc: BaseException) -> bool:
        """True when a driver error is the server's statement timeout firing."""
        return False

    def is_interruption(self, exc: BaseException) -> bool:
        """True when a driver error means the statement was interrupted or cancelled."""
        original = getattr(exc, "orig", None) or exc
        return "interrupted" in str(original).lower()
