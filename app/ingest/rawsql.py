"""Hot-path statements sent straight to the DBAPI cursor, inside a SQLAlchemy transaction.

SQLAlchemy's per-row parameter processing costs about as much as SQLite's insert itself,
so the writer compiles each Core statement once for the engine's dialect and hands rows
to `cursor.executemany`. Only plain values (str, int, None, pre-serialized JSON) go this
way; everything else uses ordinary Core execution.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

import orjson
from sqlalchemy import Column, Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from app.core.backends import backend_for
from app.ingest.jsonread import has_long_digit_run
from app.ingest.messages import finite

#: Values per IN (...) list: below every dialect's parameter limit, big enough to be cheap.
IN_CHUNK = 900


class RawStatement:
    """A Core statement compiled once; executemany takes dicts keyed by bind-parameter name."""

    def __init__(self, dialect: Dialect, stmt: ClauseElement) -> None:
        compiled = cast(SQLCompiler, stmt.compile(dialect=dialect))
        self.sql = compiled.string
        self.order: tuple[str, ...] | None = (
            tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
        )

    def params(self, rows: Iterable[dict[str, Any]]) -> list[Any]:
        if self.order is None:
            return list(rows)
        if len(self.order) == 1:
            name = self.order[0]
            return [(row[name],) for row in rows]
        get = operator.itemgetter(*self.order)  # a tuple in one C call, not a generator per row
        return [get(row) for row in rows]

    def executemany(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        self.executemany_rows(conn, self.params(rows))

    def executemany_rows(self, conn: Connection, rows: Sequence[Any]) -> None:
        """executemany with rows already in the driver's form: tuples in `order` (positional
        drivers) or dicts; building them directly saves a dict per row on hot paths."""
        if not rows:
            return
        cursor = conn.connection.cursor()
        try:
            cursor.executemany(self.sql, rows)
        finally:
            cursor.close()


def select_in(conn: Connection, table: Table, key: Column[Any], values: Sequence[Any],
              *columns: Column[Any]) -> list[tuple[Any, ...]]:
    """Rows of `columns` whose `key` is one of `values`, in chunks of IN_CHUNK."""
    if not values:
        return []
    quote = conn.dialect.identifier_preparer.quote
    head = (f"SELECT {', '.join(quote(c.name) for c in columns)} FROM {quote(table.name)} "
            f"WHERE {quote(key.name)} IN (")
    mark = backend_for(conn).driver_placeholder
    out: list[tuple[Any, ...]] = []
    cursor = conn.connection.cursor()
    try:
        for start in range(0, len(values), IN_CHUNK):
            part = list(values[start:start + IN_CHUNK])
            cursor.execute(head + ", ".join([mark] * len(part)) + ")", part)
            out.extend(tuple(row) for row in cursor.fetchall())
    finally:
        cursor.close()
    return out


def json_value(value: Any) -> Any:
    """A JSON column value as read by the raw cursor: text on SQLite, already parsed on PostgreSQL.
    Integers of any size stay exact (the standard parser takes documents that may hold one)."""
    if isinstance(value, str | bytes):
        raw = value.encode("utf-8") if isinstance(value, str) else value
        return json.loads(raw) if has_long_digit_run(raw) else orjson.loads(raw)
    return value


def json_text(value: Any) -> str:
    """JSON text for a pre-serialized JSON parameter; integers beyond 64 bits (valid JSON, which
    orjson refuses) through the standard library, with NaN and infinities as null there too (as
    orjson writes them): the standard library's NaN and Infinity are not JSON to any database."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")
    except TypeError:
        return json.dumps(finite(value), ensure_ascii=False, separators=(",", ":"))


_cache: dict[tuple[type[Dialect], str], RawStatement] = {}


def cached(dialect: Dialect, name: str, build: Callable[[], ClauseElement]) -> RawStatement:
    """The statement `name` compiled for this dialect and driver (built on first use)."""
    key = (type(dialect), name)  # the dialect class is the database and the driver
    stmt = _cache.get(key)
    if stmt is None:
        stmt = _cache[key] = RawStatement(dialect, build())
    return stmt
