"""Cohorts: named person selections, stored in `cohorts`/`cohort_members`, usable as a filter.

- dynamic: `definition` is a users query, re-evaluated every time the cohort is used;
- static: a snapshot of the matching person ids taken at creation, copied inside the database
  (INSERT ... SELECT), never through Python.

The filter `{"cohort": ID, "op": "in" | "not_in"}` works in users, segmentation and funnel
`where` (for events: the event's person). `run_query` first inlines each dynamic cohort's
definition into the filter (`resolve_cohorts`, registered in app.query.runner.SPEC_PREPARERS),
because compiling happens before a connection exists; static cohorts compile to a lookup in
`cohort_members`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Engine,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from app.core.backends import backend_for
from app.core.schema import cohort_members, cohorts, users
from app.query.filters import FilterContext, register_filter_compiler
from app.query.model import Filter, QueryError, SpecReader, check_int, register_filter
from app.query.runner import SPEC_PREPARERS
from app.query.runners.users import UsersQuery, context_now, selection

KINDS = ("dynamic", "static")
OPS = ("in", "not_in")
#: Cohorts may refer to cohorts; deeper nesting than this is taken for a cycle.
MAX_DEPTH = 8


class CohortError(QueryError):
    """A cohort operation failed (unknown id, duplicate name, bad definition): one line."""


# --------------------------------------------------------------------------------------------
# The filter


@dataclass(frozen=True)
class CohortFilter(Filter):
    """Person is (`in`) or is not (`not_in`) in cohort `cohort`. `definition` is the inlined
    users query of a dynamic cohort (set by resolve_cohorts; absent for static cohorts)."""

    cohort: int
    op: str = "in"
    definition: UsersQuery | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"cohort": self.cohort, "op": self.op}
        if self.definition is not None:
            out["definition"] = self.definition.to_dict()
        return out


def _parse(r: SpecReader) -> Filter:
    cohort = check_int(r.raw("cohort"), r.sub("cohort"), minimum=1)
    op = r.string("op", "in", choices=OPS)
    definition = UsersQuery.from_json(r.raw("definition"), r.sub("definition")) if r.has("definition") else None
    r.done()
    return CohortFilter(cohort, op, definition)


def compile_cohort(f: CohortFilter, ctx: FilterContext) -> ColumnElement[bool]:
    if ctx.person is None:
        raise QueryError("cohort filters need a person to apply to")
    if f.definition is not None:
        members = selection(f.definition, ctx.dialect, context_now(ctx), users.alias(f"cohort{f.cohort}_users"))
    else:
        members = (select(cohort_members.c.person)
                   .where(cohort_members.c.cohort_id == literal(f.cohort, BigInteger)).correlate(None))
    return ctx.person.in_(members) if f.op == "in" else ctx.person.not_in(members)


register_filter("cohort", _parse, ("op", "definition"))
register_filter_compiler(CohortFilter, compile_cohort)


def resolve_cohorts(engine: Engine, spec: Any) -> Any:
    """A copy of `spec` with every dynamic cohort filter's definition inlined (recursively).

    Reads the database only when the spec mentions a cohort; parsed Query objects pass
    through unchanged. Unknown cohort ids are a CohortError.
    """
    if not isinstance(spec, Mapping) or not _mentions_cohort(spec):
        return spec
    found: dict[int, dict[str, Any] | None] = {}
    with engine.connect() as conn:
        rows = conn.execute(select(cohorts.c.id, cohorts.c.kind, cohorts.c.definition)).all()
    for cid, kind, definition in rows:
        found[int(cid)] = _json(definition) if kind == "dynamic" else None
    known = {int(r[0]) for r in rows}
    return _inline(spec, found, known, 0)


def _mentions_cohort(value: Any) -> bool:
    if isinstance(value, Mapping):
        return _is_cohort_filter(value) or any(_mentions_cohort(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_mentions_cohort(v) for v in value)
    return False


def _is_cohort_filter(value: Mapping[str, Any]) -> bool:
    return "cohort" in value and set(value) <= {"cohort", "op", "definition"}


def _inline(value: Any, dynamic: dict[int, dict[str, Any] | None], known: set[int], depth: int) -> Any:
    if isinstance(value, list | tuple):
        return [_inline(v, dynamic, known, depth) for v in value]
    if not isinstance(value, Mapping):
        return value
    if _is_cohort_filter(value) and "definition" not in value:
        cid = value["cohort"]
        if isinstance(cid, int) and not isinstance(cid, bool):
            if cid not in known:
                raise CohortError(f"cohort {cid} does not exist (it may have been deleted)")
            definition = dynamic.get(cid)
            if definition is None:
                return dict(value)
            if depth >= MAX_DEPTH:
                raise CohortError(f"cohort {cid}: cohorts refer to each other in a cycle")
            return {**value, "definition": _inline(definition, dynamic, known, depth + 1)}
    return {k: _inline(v, dynamic, known, depth) for k, v in value.items()}


SPEC_PREPARERS.append(resolve_cohorts)


# --------------------------------------------------------------------------------------------
# Storage


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _definition(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The stored form of a users query: normalised, without the page (cursor, limit, columns)."""
    if not isinstance(spec, Mapping):
        raise CohortError("a cohort definition must be a users query (a JSON object)")
    try:
        q = UsersQuery.from_json({k: v for k, v in spec.items() if k not in ("after", "limit", "columns", "count")},
                                 "definition")
    except CohortError:
        raise
    except QueryError as exc:
        raise CohortError(f"the cohort definition is not a valid users query: {exc}") from None
    out = q.to_dict()
    for key in ("after", "limit", "columns", "count"):
        out.pop(key, None)
    return out


def _row(row: Any, size: int | None) -> dict[str, Any]:
    return {"id": int(row.id), "name": row.name, "kind": row.kind, "definition": _json(row.definition),
            "created_at": int(row.created_at), "size": size}


def create_cohort(engine: Engine, name: str, definition: Mapping[str, Any], *, static: bool = False,
                  now: dt.datetime | None = None) -> dict[str, Any]:
    """Save a users query as a cohort; a static one copies today's matching ids right away.

    Returns the cohort as `get_cohort` does. Duplicate names and bad definitions are
    CohortErrors.
    """
    name = _check_name(name)
    stored = _definition(definition)
    when = now or dt.datetime.now(dt.UTC)
    resolved = resolve_cohorts(engine, stored)
    query = UsersQuery.from_json(resolved, "definition")
    try:
        with engine.begin() as conn:
            _check_free(conn, name)
            cid = backend_for(conn).insert_returning_id(conn, cohorts, {
                "name": name, "kind": "static" if static else "dynamic", "definition": stored,
                "created_at": int(when.timestamp() * 1000)})
            if static:
                members = selection(query, engine.dialect, when)
                sel = members.with_only_columns(literal(cid, BigInteger).label("cohort_id"), users.c.id)
                conn.execute(insert(cohort_members).from_select(["cohort_id", "person"], sel))
    except IntegrityError:
        raise CohortError(f"a cohort named {name!r} already exists") from None
    cohort = get_cohort(engine, int(cid))
    assert cohort is not None
    return cohort


def _check_free(conn: Connection, name: str, other_than: int | None = None) -> None:
    """CohortError when another cohort has this name (also where no unique index says so)."""
    stmt = select(cohorts.c.id).where(cohorts.c.name == name)
    if other_than is not None:
        stmt = stmt.where(cohorts.c.id != other_than)
    if conn.execute(stmt.limit(1)).first() is not None:
        raise CohortError(f"a cohort named {name!r} already exists")


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise CohortError("a cohort needs a name")
    if len(name.strip()) > 255:
        raise CohortError("a cohort name may have at most 255 characters")
    return name.strip()


def _sizes(conn: Any, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = conn.execute(select(cohort_members.c.cohort_id, func.count()).where(cohort_members.c.cohort_id.in_(ids))
                        .group_by(cohort_members.c.cohort_id))
    return {int(cid): int(n) for cid, n in rows}


def list_cohorts(engine: Engine) -> list[dict[str, Any]]:
    """Every cohort, by name (code-point order); `size` = members of static cohorts, None for
    dynamic ones (run their definition to count them)."""
    with engine.connect() as conn:
        rows = conn.execute(select(cohorts)).all()
        sizes = _sizes(conn, [int(r.id) for r in rows if r.kind == "static"])
    out = [_row(r, sizes.get(int(r.id), 0) if r.kind == "static" else None) for r in rows]
    return sorted(out, key=lambda c: (c["name"].encode("utf-8"), c["id"]))


def get_cohort(engine: Engine, cohort_id: int) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(cohorts).where(cohorts.c.id == cohort_id)).first()
        if row is None:
            return None
        size = _sizes(conn, [cohort_id]).get(cohort_id, 0) if row.kind == "static" else None
    return _row(row, size)


def rename_cohort(engine: Engine, cohort_id: int, name: str) -> dict[str, Any]:
    name = _check_name(name)
    try:
        with engine.begin() as conn:
            _check_free(conn, name, cohort_id)
            done = conn.execute(update(cohorts).where(cohorts.c.id == cohort_id).values(name=name)).rowcount
    except IntegrityError:
        raise CohortError(f"a cohort named {name!r} already exists") from None
    if not done:
        raise CohortError(f"cohort {cohort_id} does not exist")
    cohort = get_cohort(engine, cohort_id)
    assert cohort is not None
    return cohort


def delete_cohort(engine: Engine, cohort_id: int) -> bool:
    """Delete a cohort and its members; False when it did not exist."""
    with engine.begin() as conn:
        # Asked first: a lightweight DELETE (ClickHouse) does not count the rows it removed.
        if conn.execute(select(cohorts.c.id).where(cohorts.c.id == cohort_id)).first() is None:
            return False
        conn.execute(delete(cohort_members).where(cohort_members.c.cohort_id == cohort_id))
        conn.execute(delete(cohorts).where(cohorts.c.id == cohort_id))
        return True


def cohort_users_query(cohort: Mapping[str, Any], **options: Any) -> dict[str, Any]:
    """The users query that lists a cohort's members (what the explorer opens): a filter on the
    cohort itself, so static cohorts show their snapshot and dynamic ones today's answer."""
    return {"kind": "users", "where": [{"cohort": cohort["id"], "op": "in"}], **options}


__all__ = ["CohortError", "CohortFilter", "cohort_users_query", "create_cohort", "delete_cohort", "get_cohort",
           "list_cohorts", "rename_cohort", "resolve_cohorts"]
