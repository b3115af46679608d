"""The one place where SQL dialects differ (SQLite, PostgreSQL; DuckDB and ClickHouse next).

Runners and the writer ask this module for dialect-specific pieces (JSON property access,
numeric casts, time bucketing, upserts) instead of testing `dialect.name` themselves.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

SUPPORTED = ("sqlite", "postgresql")


def insert_ignoring_conflicts(dialect: Dialect, table: Table, index_elements: list[str]) -> Any:
    """An INSERT that skips rows whose unique key already exists (re-sent messages)."""
    if dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=index_elements)
    if dialect.name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=index_elements)
    raise NotImplementedError(f"unsupported database dialect: {dialect.name}")


#: Key of the PostgreSQL advisory lock that serialises Tracklens writers on one database.
WRITER_LOCK_KEY = 0x7472_6B6C  # "trkl"


def stages_inserts(dialect: Dialect) -> bool:
    """Should the writer COPY a batch into a staging table and insert it with one statement?

    PostgreSQL: yes — the rollup triggers are statement triggers, and a statement per row
    (executemany) ran them per row: ingestion fell from 11k to 6k events/s; staged, it is back
    at 10.8k (a 1000-row VALUES list was slower still, psycopg parsing 17k placeholders).
    SQLite: no — its rollup triggers are row triggers either way, and executemany of one
    prepared statement is its fastest insert.
    """
    return dialect.name == "postgresql"


def lock_for_writing(conn: Any) -> None:
    """Start the current transaction as the database's only writer.

    The event writer reads (duplicates, identities, people) and then writes what it read;
    taking the write lock first makes that safe with a collector, importer and simulator
    writing at once. SQLite: BEGIN IMMEDIATE (readers still proceed under WAL);
    PostgreSQL: a transaction-scoped advisory lock.
    """
    name = conn.dialect.name
    if name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK_KEY})")
    else:
        raise NotImplementedError(f"unsupported database dialect: {name}")


def json_text_param(dialect: Dialect, name: str) -> Any:
    """A bind parameter for a JSON column that carries already-serialized JSON text.

    The writer serializes each message once (it must, to enforce the 32 KB limit) and
    hands that text over, instead of letting the JSON type serialize it a second time.
    SQLite stores JSON as TEXT; PostgreSQL needs an explicit cast to JSONB.
    """
    from sqlalchemy import Text, bindparam, cast

    if dialect.name == "postgresql":
        return cast(bindparam(name, type_=Text), postgresql.JSONB)
    return bindparam(name, type_=Text)


# --------------------------------------------------------------------------------------------
# Query engine pieces: JSON property access, numeric casts, case folding, text search,
# medians, JSON key listing and statement cancellation. JSON keys and every value are bound
# parameters; nothing here pastes user text into SQL.

#: Normalised JSON type name -> each dialect's own json_type()/jsonb_typeof() names.
_JSON_TYPES: dict[str, dict[str, tuple[str, ...]]] = {
    "sqlite": {"string": ("text",), "number": ("integer", "real"), "true": ("true",),
               "false": ("false",), "boolean": ("true", "false"), "null": ("null",),
               "object": ("object",), "array": ("array",)},
    "postgresql": {"string": ("string",), "number": ("number",), "boolean": ("boolean",),
                   "null": ("null",), "object": ("object",), "array": ("array",)},
}


def _sqlite_path(key: str) -> Any:
    from sqlalchemy import String, literal

    # A quoted label: keys with dots or spaces stay one key. The model refuses '"' in names.
    return literal(f'$."{key}"', String)


def _pg_key(key: str) -> Any:
    from sqlalchemy import String, literal

    return literal(key, String)


def json_raw_type(dialect: Dialect, doc: Any, key: str) -> Any:
    """The dialect's own type name of doc[key]: NULL when the key is missing."""
    from sqlalchemy import String, func

    if dialect.name == "sqlite":
        return func.json_type(doc, _sqlite_path(key), type_=String)
    if dialect.name == "postgresql":
        return func.jsonb_typeof(doc.op("->", return_type=postgresql.JSONB)(_pg_key(key)), type_=String)
    raise NotImplementedError(f"unsupported database dialect: {dialect.name}")


def json_is(dialect: Dialect, doc: Any, key: str, kind: str) -> Any:
    """True when doc[key] is of `kind`: string, number, boolean, true, false, null, object, array."""
    from sqlalchemy import String, and_, literal

    raw = json_raw_type(dialect, doc, key)
    if dialect.name == "postgresql" and kind in ("true", "false"):
        return and_(raw == literal("boolean", String), json_text(dialect, doc, key) == literal(kind, String))
    names = _JSON_TYPES[dialect.name][kind]
    return raw == literal(names[0], String) if len(names) == 1 else raw.in_(names)


def json_present(dialect: Dialect, doc: Any, key: str) -> Any:
    """True when doc has `key` with a non-null value (the `set` operator)."""
    from sqlalchemy import String, func, literal

    null = _JSON_TYPES[dialect.name]["null"][0]
    return func.coalesce(json_raw_type(dialect, doc, key), literal(null, String)) != literal(null, String)


def json_text(dialect: Dialect, doc: Any, key: str) -> Any:
    """doc[key] as SQL text; meaningful for JSON strings (guard with json_is(..., 'string'))."""
    from sqlalchemy import Text, func

    if dialect.name == "sqlite":
        return func.json_extract(doc, _sqlite_path(key), type_=Text)
    if dialect.name == "postgresql":
        return doc.op("->>", return_type=Text)(_pg_key(key))
    raise NotImplementedError(f"unsupported database dialect: {dialect.name}")


def json_number(dialect: Dialect, doc: Any, key: str) -> Any:
    """doc[key] as a SQL number when it is a JSON number, else NULL.

    A CASE, not `AND`, guards the cast: PostgreSQL may evaluate AND operands in any order and
    would fail casting 'abc'.
    """
    from sqlalchemy import Float, case, cast, func
    from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION

    if dialect.name == "sqlite":
        return case((json_is(dialect, doc, key, "number"), func.json_extract(doc, _sqlite_path(key), type_=Float)))
    return case((json_is(dialect, doc, key, "number"),
                 cast(json_text(dialect, doc, key), DOUBLE_PRECISION)))


def json_display(dialect: Dialect, doc: Any, key: str) -> Any:
    """A scalar doc[key] as text, identically on every dialect; NULL when missing, null, an
    object or an array.

    Strings as they are, booleans as 'true'/'false', numbers as their JSON text (SQLite's
    `->` keeps it; CAST(real AS TEXT) would round to 15 digits). Used for breakdown groups and
    value pickers.
    """
    from sqlalchemy import String, Text, case, func, literal

    if dialect.name == "sqlite":
        path = _sqlite_path(key)
        number = doc.op("->", return_type=Text)(path)
        # A simple CASE evaluates json_type once per row.
        return case(
            {"text": func.json_extract(doc, path, type_=Text), "integer": number, "real": number,
             "true": literal("true", String), "false": literal("false", String)},
            value=func.json_type(doc, path, type_=String),
        )
    if dialect.name == "postgresql":
        return case((json_raw_type(dialect, doc, key).in_(("string", "number", "boolean")),
                     json_text(dialect, doc, key)))
    raise NotImplementedError(f"unsupported database dialect: {dialect.name}")


def json_type_label(dialect: Dialect, doc: Any, key: str) -> Any:
    """doc[key]'s type as string/number/boolean/null/object/array on every dialect."""
    from sqlalchemy import String, case, literal

    raw = json_raw_type(dialect, doc, key)
    if dialect.name == "postgresql":
        return raw
    return case(
        (raw == literal("text", String), literal("string", String)),
        (raw.in_(("integer", "real")), literal("number", String)),
        (raw.in_(("true", "false")), literal("boolean", String)),
        else_=raw,
    )


def json_entries(dialect: Dialect, doc: Any) -> Any:
    """A table-valued function over doc's top-level entries, and its `key`, normalised `type`
    and text (for strings) columns: (function, key, type, text). Join it to a sample of rows."""
    from sqlalchemy import String, Text, case, func, literal, literal_column

    if dialect.name == "sqlite":
        each = func.json_each(doc).table_valued("key", "type", "atom")
        return each, each.c.key, case(
            (each.c.type == literal("text", String), literal("string", String)),
            (each.c.type.in_(("integer", "real")), literal("number", String)),
            (each.c.type.in_(("true", "false")), literal("boolean", String)),
            else_=each.c.type,
        ), each.c.atom
    if dialect.name == "postgresql":
        each = func.jsonb_each(doc).table_valued("key", "value")
        text = each.c.value.op("#>>", return_type=Text)(literal_column("'{}'::text[]"))
        return each, each.c.key, func.jsonb_typeof(each.c.value, type_=String), text
    raise NotImplementedError(f"unsupported database dialect: {dialect.name}")


def fold_case(dialect: Dialect, expr: Any) -> Any:
    """Lower-case A-Z only, identically everywhere (SQLite's lower() folds ASCII only;
    PostgreSQL's follows the collation, so it is pinned to "C")."""
    from sqlalchemy import func

    if dialect.name == "postgresql":
        return func.lower(expr.collate("C"))
    return func.lower(expr)


def text_contains(dialect: Dialect, haystack: Any, needle: Any) -> Any:
    """Case-sensitive substring test (LIKE is case-insensitive on SQLite and needs escaping)."""
    from sqlalchemy import func

    if dialect.name == "postgresql":
        return func.strpos(haystack, needle) > 0
    return func.instr(haystack, needle) > 0


def text_starts_with(dialect: Dialect, haystack: Any, needle: Any) -> Any:
    """Case-sensitive prefix test."""
    from sqlalchemy import func

    return func.substr(haystack, 1, func.length(needle)) == needle


def looks_like_date(dialect: Dialect, expr: Any) -> Any:
    """True for text starting with YYYY-MM-DD (ISO dates and date-times)."""
    from sqlalchemy import String, literal

    if dialect.name == "postgresql":
        return expr.op("~")(literal(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}", String))
    return expr.op("GLOB")(literal("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*", String))


def median_by(dialect: Dialect, source: Any, groups: list[str], value: str) -> Any:
    """SELECT <groups>, median(<value>) AS median FROM source GROUP BY <groups>.

    PostgreSQL has percentile_cont; SQLite has no median, so it ranks rows per group with
    window functions and averages the one or two middle rows, still inside the database.
    NULL values are ignored, as by every aggregate; a group with none has a NULL median.
    """
    from sqlalchemy import Float, case, func, select

    cols = [source.c[g] for g in groups]
    val = source.c[value]
    if dialect.name == "postgresql":
        median = func.percentile_cont(0.5).within_group(val.asc())
        return select(*cols, median.label("median")).group_by(*cols)
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


def interrupt(dialect: Dialect, driver_connection: Any) -> None:
    """Stop the statement running on a driver connection, from another thread."""
    if dialect.name == "sqlite":
        driver_connection.interrupt()
    elif dialect.name == "postgresql":
        driver_connection.cancel()
    else:
        raise NotImplementedError(f"unsupported database dialect: {dialect.name}")


def set_statement_timeout(conn: Any, seconds: float) -> None:
    """Stop any statement of this connection's transaction after `seconds` in the server.

    PostgreSQL: `statement_timeout`, local to the transaction (the pool gets the connection
    back without it). SQLite has no such setting: the query's deadline interrupts it
    (app.query.runner.Deadline).
    """
    if conn.dialect.name == "postgresql":
        from sqlalchemy import text

        conn.execute(text("SELECT set_config('statement_timeout', :ms, true)"),
                     {"ms": str(max(1, math.ceil(seconds * 1000)))})


def is_statement_timeout(exc: BaseException) -> bool:
    """True when a driver error is PostgreSQL's statement_timeout firing."""
    original = getattr(exc, "orig", None) or exc
    return getattr(original, "sqlstate", None) == "57014" and "statement timeout" in str(original).lower()


def is_interruption(exc: BaseException) -> bool:
    """True when a driver error means the statement was interrupted or cancelled."""
    original = getattr(exc, "orig", None) or exc
    if getattr(original, "sqlstate", None) == "57014":  # PostgreSQL query_canceled
        return True
    return "interrupted" in str(original).lower()


def binary_order(dialect: Dialect, expr: Any) -> Any:
    """Sort text by code point on every dialect (ties in rankings must not follow a locale).

    SQLite's default collation is already BINARY; PostgreSQL's follows the database locale.
    """
    if dialect.name == "postgresql":
        return expr.collate("C")
    return expr


def aggregate_with_medians(dialect: Dialect, source: Any, groups: list[str], values: list[str],
                           extras: Any) -> Any:
    """SELECT <groups>, extras(src)..., median(<v>) AS median_<v> ... FROM source GROUP BY <groups>.

    Several medians next to other aggregates in ONE pass (funnels need a median per step):
    PostgreSQL's percentile_cont per column; SQLite ranks each column with window functions
    and averages the one or two middle rows. `extras(src)` builds the other aggregates from a
    FROM clause whose columns keep the source's names. NULL values are ignored.
    """
    from sqlalchemy import Float, case, func, select

    if dialect.name == "postgresql":
        cols = [source.c[g] for g in groups]
        medians = [func.percentile_cont(0.5).within_group(source.c[v].asc()).label(f"median_{v}") for v in values]
        return select(*cols, *extras(source), *medians).group_by(*cols)
    # SQLite: rank only the non-NULL values, all columns in one long (groups, k, v) list, so
    # each is sorted once; the medians then join the other aggregates by group. Ranking every
    # row once per column was 2.5x slower for a 4-step funnel (most persons stop early).
    from sqlalchemy import Integer, and_, literal, true, union_all

    main = select(*(source.c[g] for g in groups), *extras(source)).group_by(*(source.c[g] for g in groups))
    if not values:
        return main
    main_sq = main.subquery("main")
    longs = [select(*(source.c[g] for g in groups), literal(i, Integer).label("k"), source.c[v].label("v"))
             .where(source.c[v].is_not(None)) for i, v in enumerate(values)]
    long = (longs[0] if len(longs) == 1 else union_all(*longs)).subquery("long")
    part = [long.c[g] for g in groups] + [long.c.k]
    ranked = select(long, func.row_number().over(partition_by=part, order_by=long.c.v).label("rn"),
                    func.count().over(partition_by=part).label("cnt")).subquery("ranked")
    middle = ranked.c.rn.in_([(ranked.c.cnt + 1) // 2, (ranked.c.cnt + 2) // 2])
    per_k = (select(*(ranked.c[g] for g in groups), ranked.c.k,
                    func.avg(case((middle, ranked.c.v)), type_=Float).label("m"))
             .group_by(*(ranked.c[g] for g in groups), ranked.c.k).subquery("per_k"))
    pivot = (select(*(per_k.c[g] for g in groups),
                    *(func.max(case((per_k.c.k == literal(i, Integer), per_k.c.m)), type_=Float).label(f"median_{v}")
                      for i, v in enumerate(values)))
             .group_by(*(per_k.c[g] for g in groups)).subquery("medians"))
    on = and_(*(main_sq.c[g] == pivot.c[g] for g in groups)) if groups else true()
    return (select(*main_sq.c, *(pivot.c[f"median_{v}"] for v in values))
            .select_from(main_sq.outerjoin(pivot, on)))


def text_prefix(dialect: Dialect, column: Any, prefix: str) -> Any:
    """Case-sensitive `column` starts with `prefix`, in a form the column's index can serve.

    SQLite: a BINARY range [prefix, prefix + U+10FFFF) (its LIKE ignores case and would not
    use the index); PostgreSQL: LIKE 'prefix%' with the prefix escaped (served by a
    text_pattern_ops index). Both also test the exact prefix, so the range is only a guide.
    """
    from sqlalchemy import String, and_, func, literal

    exact = func.substr(column, 1, len(prefix)) == literal(prefix, String)
    if dialect.name == "postgresql":
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return and_(column.like(literal(escaped + "%", String), escape="\\"), exact)
    return and_(column >= literal(prefix, String), column < literal(prefix + "\U0010ffff", String), exact)


def driver_placeholder(dialect: Dialect) -> str:
    """The positional parameter marker of the driver's own cursor ('?' or '%s').

    For the few hot statements the writer sends straight to the DBAPI cursor.
    """
    if dialect.name == "sqlite":
        return "?"
    if dialect.name == "postgresql":
        return "%s"
    raise NotImplementedError(f"unsupported database dialect: {dialect.name}")

def funnel_steps_by_join(dialect: Dialect) -> bool:
    """Should a funnel find each next step by joining the persons to the step's events and
    grouping (PostgreSQL), rather than by a correlated MIN per person (SQLite)?

    Measured at 10M demo events (4 steps, 288k persons entering): PostgreSQL hash/merge-joins
    a step's events read from (event, person, ts) in 0.2 s, where 288k correlated seeks took
    1.2 s; SQLite has no hash join, and the seeks took it from 9 s (joining a CTE of step
    events) to 0.8 s.
    """
    return dialect.name == "postgresql"


def evaluates_group_keys_twice(dialect: Dialect) -> bool:
    """Does a flat `SELECT expr AS g ... GROUP BY g` evaluate `expr` twice per row?

    SQLite does (for the sorter and for the output): a JSON breakdown value grouped with its
    day cost 1.96 s for 760k events flat and 1.18 s computed once in a subquery."""
    return dialect.name == "sqlite"


def unflattened(dialect: Dialect, stmt: Any) -> Any:
    """`stmt` as a subquery SQLite will not merge into the outer query (LIMIT -1, "no limit")."""
    if dialect.name == "sqlite":
        from sqlalchemy import literal_column

        return stmt.limit(literal_column("-1"))
    return stmt


def not_for_lookup(dialect: Dialect, column: Any) -> Any:
    """`column` in a form SQLite will not range-scan an index by (`column + 0`), so its planner
    walks another index that yields rows already grouped. SQLite otherwise range-scans
    `person_hours`' primary key by hour and sorts 1.2M rows to count distinct persons (1.0 s
    at 10M events) instead of walking (person, hour) in order (0.3 s; 7 days of 90: 0.09 s
    instead of 0.07 s). PostgreSQL plans it well unaided."""
    if dialect.name == "sqlite":
        return column + 0
    return column


def materialized(dialect: Dialect, stmt: Any) -> Any:
    """`stmt` (a one-column SELECT used in IN (...)) evaluated once, before the outer query.

    PostgreSQL misestimates JSON trait filters (rows=1) and then re-scans an IN (... GROUP BY
    ... HAVING ...) subquery once per outer row, re-applying the HAVING each time (0.7 s for a
    query SQLite answers in 3 ms); a MATERIALIZED CTE applies it once. SQLite plans the plain
    subquery well (and older SQLite versions lack MATERIALIZED).

    The CTE is anonymous: SQLAlchemy numbers anonymous names per statement, so equal queries
    compile to equal SQL and share its statement cache (a name from a global counter made
    every query a cache miss: 1.7 ms of Python per statement on PostgreSQL).
    """
    from sqlalchemy import select

    if dialect.name == "postgresql":
        cte = stmt.cte().prefix_with("MATERIALIZED")
        return select(*cte.c).correlate(None)
    return stmt


def _hour_of(ts: str, mod: bool = False) -> str:
    """SQL for the first instant of `ts`'s UTC hour (floored, also before 1970); `mod()` rather
    than `%` where the driver reads `%` as a parameter marker (psycopg)."""
    if mod:
        return f"({ts} - mod(mod({ts}, 3600000) + 3600000, 3600000))"
    return f"({ts} - (({ts} % 3600000) + 3600000) % 3600000)"


def rollup_triggers(name: str) -> list[str]:
    """DDL of the triggers that keep `event_hours` and `person_hours` exact (app/core/rollups.py).

    SQLite: row triggers, one upsert per rollup and event. PostgreSQL: statement triggers over
    transition tables, one grouped upsert per statement (COPY included); transition tables
    rule out `UPDATE OF columns`, so any update of events moves its rows' counts.
    """
    if name == "sqlite":
        def add(row: str) -> str:
            h = _hour_of(f"{row}.ts")
            return (f"INSERT INTO event_hours (hour, event, n) SELECT {h}, {row}.event, 1 "
                    f"WHERE {row}.event IS NOT NULL ON CONFLICT (hour, event) DO UPDATE SET n = n + 1;\n"
                    f"INSERT INTO person_hours (hour, person, n) SELECT {h}, {row}.person, 1 "
                    f"WHERE {row}.event IS NOT NULL ON CONFLICT (hour, person) DO UPDATE SET n = n + 1;\n")

        def sub(row: str) -> str:
            h = _hour_of(f"{row}.ts")
            out = ""
            for table, key in (("event_hours", "event"), ("person_hours", "person")):
                match = f"{row}.event IS NOT NULL AND hour = {h} AND {key} = {row}.{key}"
                out += (f"UPDATE {table} SET n = n - 1 WHERE {match};\n"
                        f"DELETE FROM {table} WHERE {match} AND n <= 0;\n")
            return out

        return [
            f"CREATE TRIGGER IF NOT EXISTS events_rollup_insert AFTER INSERT ON events BEGIN\n{add('NEW')}END",
            f"CREATE TRIGGER IF NOT EXISTS events_rollup_delete AFTER DELETE ON events BEGIN\n{sub('OLD')}END",
            "CREATE TRIGGER IF NOT EXISTS events_rollup_update AFTER UPDATE OF event, person, ts ON events "
            f"BEGIN\n{sub('OLD')}{add('NEW')}END",
        ]
    if name == "postgresql":
        def pg_add(rows: str) -> str:
            h = _hour_of("ts", mod=True)
            out = ""
            for table, key in (("event_hours", "event"), ("person_hours", "person")):
                out += (f"INSERT INTO {table} AS r (hour, {key}, n) SELECT {h}, {key}, count(*) FROM {rows} "
                        f"WHERE event IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2 "
                        f"ON CONFLICT (hour, {key}) DO UPDATE SET n = r.n + excluded.n;\n")
            return out

        def pg_sub(rows: str) -> str:
            h = _hour_of("ts", mod=True)
            out = ""
            for table, key in (("event_hours", "event"), ("person_hours", "person")):
                gone = (f"(SELECT {h} AS hour, {key}, count(*) AS c FROM {rows} WHERE event IS NOT NULL "
                        f"GROUP BY 1, 2)")
                out += (f"UPDATE {table} r SET n = r.n - d.c FROM {gone} d "
                        f"WHERE r.hour = d.hour AND r.{key} = d.{key};\n"
                        f"DELETE FROM {table} r USING {gone} d "
                        f"WHERE r.hour = d.hour AND r.{key} = d.{key} AND r.n <= 0;\n")
            return out

        def function(fn: str, body: str) -> str:
            return (f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
                    f"BEGIN\n{body}RETURN NULL;\nEND\n$fn$")

        def trigger(tg: str, when: str, tables: str, fn: str) -> list[str]:
            return [f"DROP TRIGGER IF EXISTS {tg} ON events",
                    f"CREATE TRIGGER {tg} AFTER {when} ON events REFERENCING {tables} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()"]

        return [
            function("tracklens_rollup_insert", pg_add("new_rows")),
            function("tracklens_rollup_delete", pg_sub("old_rows")),
            function("tracklens_rollup_update", pg_sub("old_rows") + pg_add("new_rows")),
            *trigger("events_rollup_insert", "INSERT", "NEW TABLE AS new_rows", "tracklens_rollup_insert"),
            *trigger("events_rollup_delete", "DELETE", "OLD TABLE AS old_rows", "tracklens_rollup_delete"),
            *trigger("events_rollup_update", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                     "tracklens_rollup_update"),
        ]
    raise NotImplementedError(f"unsupported database dialect: {name}")
