"""Funnel persons: who reached a step, or dropped off right after it — as a users result.

`{"kind": "funnel_persons", "funnel": {...}, "step": k, "status": "reached" | "dropped"}` is a
users query whose only filter is the funnel filter below, so the person list pages, sorts,
searches and exports exactly like the User explorer (it takes every users option too).
The filter itself, `{"funnel": {...}, "step": k, "status": ...}`, may appear in any users
`where` (and in segmentation/funnel `where`: it applies to the event's person).

Steps are 1-based, as the funnel result's `step` field: step 1 = entered; "dropped" after step
k = reached k but not k+1 (so k must be below the number of steps).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from sqlalchemy import Connection

from app.query.filters import FilterContext
from app.query.model import Filter, QueryError, SpecReader, query_model
from app.query.runner import register_runner
from app.query.runners.funnel_arrays import funnel_sql
from app.query.runners.funnel_base import FunnelQuery
from app.query.runners.persons_base import PersonsQuery, PersonsRunner, cte_prefix, register_person_filter
from app.query.runners.users import context_now, users_condition

STATUSES = ("reached", "dropped")


@dataclass(frozen=True)
class FunnelFilter(Filter):
    """The persons who reached step `step` (1-based) of `funnel`, or dropped off after it."""

    funnel: FunnelQuery
    step: int
    status: str = "reached"
    #: with the funnel's breakdown: (value,) = only that group's persons (value may be None)
    group: tuple[str | None, ...] = ()
    #: with the funnel's breakdown: only the persons outside its top `limit` values ("Other")
    other: bool = False

    person_level = True
    #: The keys a funnel filter (and a funnel_persons query) has for it.
    KEYS = ("funnel", "step", "status", "group", "other")

    @classmethod
    def read(cls, r: SpecReader) -> FunnelFilter:
        funnel = FunnelQuery.from_json(r.raw("funnel"), r.sub("funnel"))
        group: tuple[str | None, ...] = ()
        if "group" in r.data:
            r.raw("group")
            value = r.data["group"]
            if value is not None and not isinstance(value, str):
                raise QueryError(f"{r.sub('group')} must be a breakdown value (text) or null")
            group = (value,)
        other = r.boolean("other")
        if (group or other) and funnel.breakdown is None:
            raise QueryError(f"{r.sub('group' if group else 'other')} needs the funnel's breakdown")
        if group and other:
            raise QueryError(f"{r.sub('group')}: give a group or other, not both")
        keep = funnel.breakdown if group or other else None
        funnel = replace(funnel, view="steps", breakdown=keep)
        n = len(funnel.steps)
        status = r.string("status", "reached", choices=STATUSES)
        step = r.integer("step", required=True, minimum=1, maximum=n)
        if status == "dropped" and step >= n:
            raise QueryError(f"{r.sub('step')}: nobody drops off after the last step ({n}); "
                             "use a lower step or status 'reached'")
        return cls(funnel, step, status, group, other)

    def to_dict(self) -> dict[str, Any]:
        spec = self.funnel.to_dict()
        for key in ("view", "unit", "bins"):
            spec.pop(key, None)
        if self.funnel.breakdown is None:
            spec.pop("limit", None)
        out: dict[str, Any] = {"funnel": spec, "step": self.step, "status": self.status}
        if self.group:
            out["group"] = self.group[0]
        if self.other:
            out["other"] = True
        return out


#: id(FunnelFilter) -> the exclusions its funnel hash-joins, while a funnel_persons query that
#: chose them with the database's counts (FunnelSQL.choose_exclusion_forms) builds its statements.
_HASHED: ContextVar[Mapping[int, frozenset[int]]] = ContextVar("funnel_filter_hashed_exclusions",
                                                               default=MappingProxyType({}))


def compile_funnel_filter(f: FunnelFilter, ctx: FilterContext) -> Any:
    if ctx.person is None:
        raise QueryError("funnel filters need a person to apply to")
    prefix = cte_prefix("ff", _occurrence)
    sql = funnel_sql(f.funnel, ctx.dialect, context_now(ctx), prefix=prefix)  # one pass on ClickHouse
    sql.hashed_exclusions = _HASHED.get().get(id(f), frozenset())
    return sql.persons_condition(ctx.person, f.step, f.status, f.group, f.other)


_occurrence = itertools.count(1)  # see cte_prefix
register_person_filter(FunnelFilter, compile_funnel_filter)


@query_model("funnel_persons")
@dataclass(frozen=True)
class FunnelPersonsQuery(PersonsQuery):
    """A funnel step's persons, with every users option (sort, limit, after, search, columns)."""

    filter_class = FunnelFilter


@register_runner
class FunnelPersonsRunner(PersonsRunner):
    query_class = FunnelPersonsQuery

    def calculate(self, conn: Connection) -> dict[str, Any]:
        """The step's persons, the funnel's exclusions in the form its own runner would choose
        (a rare exclusion event hash-joined on PostgreSQL: at 10M, a step's persons with a
        Signed Out exclusion took 1.65x the plain drill with the probe per person)."""
        f = self.query.users.where[0]
        assert isinstance(f, FunnelFilter)
        sql = funnel_sql(f.funnel, self.dialect, self.now)
        sql.choose_exclusion_forms(self, conn)
        if not sql.hashed_exclusions:
            return super().calculate(conn)
        token = _HASHED.set({id(f): sql.hashed_exclusions})
        try:
            self.users.condition = users_condition(self.users.query, self.dialect, self.now)
            return super().calculate(conn)
        finally:
            _HASHED.reset(token)
