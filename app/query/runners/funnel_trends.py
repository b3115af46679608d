"""Funnel conversion over time: per local day (or hour/week/month) in which persons ENTERED,
how many entered, how many reached the last step, and the rate; with a breakdown, the same
per group of the entry event's value (the top `limit` values by persons entered, then Other).

Buckets follow the query's time zone exactly as segmentation's do (app.query.timerange); a
person converting after the range end still counts for the day they entered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, func, select

from app.query.runner import QueryRunner
from app.query.runners.funnel_base import FunnelSQL, group_label, rate
from app.query.timerange import Bucketing


def trends_statement(sql: FunnelSQL, tops: Sequence[str | None] | None = None) -> Select[Any]:
    fp = sql.people(tops)
    key = Bucketing.build(sql.period, sql.q.unit).key_expr(fp.c.t0).label("b")
    last = fp.c[f"t{sql.n - 1}"]
    stmt: Any = select(fp.c.grp, key, func.count().label("entered"), func.count(last).label("converted"))
    return stmt.group_by(fp.c.grp, key)


def _series(entered: list[int], converted: list[int]) -> dict[str, Any]:
    return {
        "entered": entered,
        "converted": converted,
        "rates": [rate(c, e) for c, e in zip(converted, entered, strict=True)],
        "total": {"entered": sum(entered), "converted": sum(converted),
                  "rate": rate(sum(converted), sum(entered))},
    }


def calculate_trends(sql: FunnelSQL, runner: QueryRunner, conn: Connection) -> dict[str, Any]:
    bucketing = Bucketing.build(sql.period, sql.q.unit)
    position = bucketing.position_of_key()
    tops: list[str | None] = []
    if sql.q.breakdown is not None:
        tops = [row.g for row in runner.execute(conn, sql.top_groups_statement())]
    per_group: dict[int, tuple[list[int], list[int]]] = {}
    for row in runner.execute(conn, trends_statement(sql, tops)):
        pos = position.get(row.b)
        if pos is None:
            continue
        entered, converted = per_group.setdefault(int(row.grp), ([0] * len(bucketing), [0] * len(bucketing)))
        entered[pos] += int(row.entered)
        converted[pos] += int(row.converted)
    overall = ([sum(e[i] for e, _ in per_group.values()) for i in range(len(bucketing))],
               [sum(c[i] for _, c in per_group.values()) for i in range(len(bucketing))])
    return {
        "unit": sql.q.unit,
        "buckets": bucketing.labels,
        **_series(*overall),
        "breakdown": [{**group_label(rank, tops), **_series(*per_group[rank])}
                      for rank in sorted(per_group) if sql.q.breakdown is not None],
    }
