"""Materialized properties: one event property kept in a column of its own, chosen by the user.

A held property (a funnel's "same value at every step") or a property breakdown reads each
candidate event's `properties` document. Where that is the bulk of a question's cost, a column
holding the property's display text, computed by the database itself from `properties` with the
very expression the engine would use, and an index carrying it, let the engine read the value
from the index instead (PostHog's materialized columns are the same idea). At 10M events on
PostgreSQL a held funnel took 2.3-2.8x the plain one's CPU, 1.1-1.4x with its property
materialized (docs/benchmarks/funnel_users.md).

It is a schema decision per property, made with `tracklens materialize`: the column costs
space and every insert computes it. Answers never change: the column is defined by the same
expression as the engine's reading of the property, so using it or not gives the same text.
The choice is recorded in `tracklens_meta` (key `mp:<column>`, value the property's name), so
every process connected to the database sees it at its next query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

from sqlalchemy import Connection, Engine, inspect, select

from app.core.backends import backend_for
from app.core.names import MATERIALIZED_COLUMN_PREFIX, name_problem
from app.core.schema import ENRICHED_COLUMNS, meta

_PREFIX = "mp:"
#: At most this many: each one is a column and an index every insert pays for.
MAX_MATERIALIZED = 16


#: The materialized properties of the database the current query runs on (set by run_query
#: while it builds the query's statements; empty elsewhere, e.g. for SQL snapshots).
ACTIVE: ContextVar[Mapping[str, str]] = ContextVar("materialized_properties", default=MappingProxyType({}))


class MaterializeError(ValueError):
    """A property that cannot be (un)materialized, in one line."""


def column_name(prop: str) -> str:
    """The column of property `prop`: a plain identifier whatever the property's name holds."""
    # surrogatepass: `--drop` of a name that is not UTF-8 says it is not materialized, no traceback
    return MATERIALIZED_COLUMN_PREFIX + hashlib.sha1(prop.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def materialized(conn: Connection) -> dict[str, str]:
    """property name -> column, for the properties materialized in this database."""
    rows = conn.execute(select(meta.c.key, meta.c.value).where(meta.c.key.like(_PREFIX + "%")))
    return {value: key[len(_PREFIX):] for key, value in rows}


def in_use(conn: Connection) -> dict[str, str]:
    """materialized(conn), less the properties whose column `events` does not have (a
    database changed by hand, restored, or left so by an earlier build): queries read those from
    `properties`, as before they were materialized, instead of failing on the column."""
    have = materialized(conn)
    if not have:
        return have
    present = _columns(conn)
    return {prop: column for prop, column in have.items() if column in present}


def _columns(conn: Connection) -> set[str]:
    return {str(col["name"]) for col in inspect(conn).get_columns("events")}


def check_property(prop: str) -> str:
    """`prop` if it can be materialized (a name queries accept), else MaterializeError."""
    problem = name_problem(prop)
    if problem is not None:
        raise MaterializeError(f"{prop[:80]!r} is not a property name: it {problem}")
    if prop in ENRICHED_COLUMNS:
        raise MaterializeError(f"{prop!r} is a column already (an enriched field); nothing to materialize")
    return prop


def materialize(engine: Engine, prop: str) -> str:
    """Add `prop`'s column (filled for every stored event) and index; returns the column."""
    check_property(prop)
    backend = backend_for(engine)
    if not backend.materializes_properties:
        raise MaterializeError(f"materialized properties are not available on {backend.label} yet")
    column = column_name(prop)
    # One transaction (both databases' DDL is transactional; lock_for_writing starts it on
    # SQLite, whose Python driver began one only at the record's INSERT, after the DDL): the
    # column, its index and its record exist together or not at all, whatever stops the command.
    with engine.begin() as conn:
        backend.lock_for_writing(conn)
        have = materialized(conn)
        present = _columns(conn)
        if prop in have and have[prop] in present:
            raise MaterializeError(f"{prop!r} is materialized already (column {have[prop]})")
        # A record without its column, or a column without its record (an earlier build's
        # interrupted run, a database changed by hand): made again, whole.
        conn.execute(meta.delete().where(meta.c.key.like(_PREFIX + "%"), meta.c.value == prop))
        have.pop(prop, None)
        if len(have) >= MAX_MATERIALIZED:
            raise MaterializeError(f"at most {MAX_MATERIALIZED} properties can be materialized; "
                                   f"drop one first (tracklens materialize --drop NAME)")
        if column in present:
            backend.drop_materialized_column(conn, column)
        backend.add_materialized_column(conn, column, prop)
        conn.execute(meta.insert().values(key=_PREFIX + column, value=prop))
    backend.after_materializing(engine)
    return column


def drop(engine: Engine, prop: str) -> str:
    """Remove `prop`'s column and index; returns the column."""
    backend = backend_for(engine)
    with engine.begin() as conn:
        backend.lock_for_writing(conn)  # one transaction, as materialize()
        column = materialized(conn).get(prop)
        if column is None:
            if column_name(prop) not in _columns(conn):
                raise MaterializeError(f"{prop!r} is not materialized")
            column = column_name(prop)  # a column without its record: removed too
        conn.execute(meta.delete().where(meta.c.key == _PREFIX + column))
        if column in _columns(conn):  # a record without its column only loses the record
            backend.drop_materialized_column(conn, column)
    return column


def held_or_broken_down(spec: Any, *, nested: bool = False) -> bool:
    """Whether a query spec (JSON or parsed) may read a materialized property: a funnel's held
    property or a property breakdown, also in the funnel a persons drill nests. Only those look
    the columns up (one small read); segmentation's and retention's breakdowns do not use them."""
    def get(key: str) -> Any:
        return spec.get(key) if isinstance(spec, dict) else getattr(spec, key, None)

    inner = get("funnel")
    if inner is not None:
        return held_or_broken_down(inner, nested=True)
    if not nested and get("kind") != "funnel":
        return False
    return get("hold") is not None or get("breakdown") is not None
