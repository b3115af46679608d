"""Retention persons: who of a cohort came back in period n, or did not — as a users result.

`{"kind": "retention_persons", "retention": {...}, "born": "2026-09-01", "period": n,
"status": "retained" | "lost"}` is a users query whose only filter is the retention filter
below, so the list pages, sorts, searches and exports like the User explorer (and takes every
users option). The filter itself, `{"retention": {...}, "born": ..., "period": n, "status":
...}`, may appear in any users `where` (and in segmentation/funnel/retention `where`: it
applies to the event's person), which is how a cell becomes a cohort.

`born` is a local date inside the cohort's bucket (its first day, as the result's `start`),
or null for every cohort of the range; `period` is 0-based, as the result's `counts`. (Not
"cohort": that key already names a saved-cohort filter.)
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, replace
from typing import Any

from app.query.filters import FilterContext
from app.query.model import Filter, QueryError, SpecReader, _parse_date, query_model
from app.query.runner import register_runner
from app.query.runners.persons_base import PersonsQuery, PersonsRunner, cte_prefix, register_person_filter
from app.query.runners.retention import Cohorts, RetentionQuery, RetentionSQL
from app.query.runners.users import context_now

STATUSES = ("retained", "lost")


@dataclass(frozen=True)
class RetentionFilter(Filter):
    """The persons of a cohort (or of every cohort) retained, or not, in period `period`."""

    retention: RetentionQuery
    cohort: dt.date | None
    period: int
    status: str = "retained"

    person_level = True
    #: The keys a retention filter (and a retention_persons query) has for it.
    KEYS = ("retention", "born", "period", "status")

    @classmethod
    def read(cls, r: SpecReader) -> RetentionFilter:
        retention = RetentionQuery.from_json(r.raw("retention"), r.sub("retention"))
        retention = replace(retention, breakdown=None)
        cohort = _parse_date(r.raw("born"), r.sub("born")) if r.has("born") else None
        period = r.integer("period", required=True, minimum=0, maximum=retention.periods - 1)
        status = r.string("status", "retained", choices=STATUSES)
        return cls(retention, cohort, period, status)

    def to_dict(self) -> dict[str, Any]:
        spec = self.retention.to_dict()
        spec.pop("limit", None)
        return {"retention": spec, "born": None if self.cohort is None else self.cohort.isoformat(),
                "period": self.period, "status": self.status}

    def cohort_index(self, cohorts: Cohorts) -> int | None:
        return None if self.cohort is None else cohorts.index_of_date(self.cohort, "born")


def compile_retention_filter(f: RetentionFilter, ctx: FilterContext) -> Any:
    if ctx.person is None:
        raise QueryError("retention filters need a person to apply to")
    sql = RetentionSQL(f.retention, ctx.dialect, context_now(ctx), prefix=cte_prefix("rf", _occurrence))
    return sql.persons_condition(ctx.person, f.cohort_index(sql.cohorts), f.period, f.status)


_occurrence = itertools.count(1)  # see cte_prefix
register_person_filter(RetentionFilter, compile_retention_filter)


@query_model("retention_persons")
@dataclass(frozen=True)
class RetentionPersonsQuery(PersonsQuery):
    """A retention cell's persons, with every users option (sort, limit, after, search, columns)."""

    filter_class = RetentionFilter


@register_runner
class RetentionPersonsRunner(PersonsRunner):
    query_class = RetentionPersonsQuery
