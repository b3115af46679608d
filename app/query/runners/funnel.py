"""The funnel kind's runner: the steps view here, trends and time to convert in their own
modules, all on the shared SQL of app.query.runners.funnel_base (semantics and SQL shape are
described there and in docs/query.md "Funnel")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select

from app.query.runner import QueryRunner, register_runner
from app.query.runners.funnel_arrays import funnel_sql
from app.query.runners.funnel_base import FunnelQuery, funnel_header, group_label, step_results
from app.query.runners.funnel_time_to_convert import (
    bins_statement,
    calculate_time_to_convert,
    stats_statement,
)
from app.query.runners.funnel_trends import calculate_trends, trends_statement


@register_runner
class FunnelRunner(QueryRunner):
    query_class = FunnelQuery
    query: FunnelQuery

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sql = funnel_sql(self.query, self.dialect, self.now)

    def to_query(self) -> Select[Any]:
        if self.query.view == "trends":
            return trends_statement(self.sql)
        if self.query.view == "time_to_convert":
            return stats_statement(self.sql)
        return self.sql.steps_statement()

    def statements(self, tops: Sequence[str | None] | None = None) -> list[Any]:
        q = self.query
        out: list[Any] = []
        if q.breakdown is not None:
            out.append(self.sql.top_groups_statement())
        if q.view == "trends":
            out.append(trends_statement(self.sql, tops))
        elif q.view == "time_to_convert":
            out += [stats_statement(self.sql, tops), bins_statement(self.sql, 0, 1, 1, tops)]
        else:
            out.append(self.sql.steps_statement(tops))
        return out

    def calculate(self, conn: Connection) -> dict[str, Any]:
        q = self.query
        self.sql.choose_exclusion_forms(self, conn)
        result = funnel_header(self.sql)
        if q.view == "trends":
            result.update(calculate_trends(self.sql, self, conn))
            return result
        if q.view == "time_to_convert":
            result.update(calculate_time_to_convert(self.sql, self, conn))
            return result
        tops: list[str | None] = []
        if q.breakdown is not None:
            tops = [row.g for row in self.execute(conn, self.sql.top_groups_statement())]
        per_group: dict[int, tuple[list[int], list[int | None], list[Any]]] = {}
        for row in self.execute(conn, self.sql.steps_statement(tops)).mappings():
            counts = [int(row["c0"])] + [int(row[f"c{k}"]) for k in range(1, self.sql.n)]
            sums = [None] + [None if row[f"s{k}"] is None else int(row[f"s{k}"]) for k in range(1, self.sql.n)]
            medians = [None] + [row[f"median_d{k}"] for k in range(1, self.sql.n)]
            per_group[int(row["grp"])] = (counts, sums, medians)
        if q.breakdown is None:
            counts, sums, medians = per_group.get(0, ([0] * self.sql.n, [None] * self.sql.n, [None] * self.sql.n))
            result["steps"] = step_results(q, counts, sums, medians)
            result["breakdown"] = []
            return result
        groups = [{**group_label(rank, tops), "steps": step_results(q, *per_group[rank])}
                  for rank in sorted(per_group) if rank >= 0]
        empty: tuple[list[int], list[int | None], list[Any]] = ([0] * self.sql.n, [None] * self.sql.n,
                                                                  [None] * self.sql.n)
        result["steps"] = step_results(q, *per_group.get(-1, empty))
        result["breakdown"] = groups
        return result
