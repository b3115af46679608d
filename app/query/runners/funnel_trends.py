"""Funnel conversion over time: per local day (or hour/week/month) in which persons ENTERED,
how many entered, how many reached the last step, and the rate.

Buckets follow the query's time zone exactly as segmentation's do (app.query.timerange); a
person converting after the range end still counts for the day they entered.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, func, select

from app.query.runner import QueryRunner
from app.query.runners.funnel_base import FunnelSQL, rate
from app.query.timerange import Bucketing


def trends_statement(sql: FunnelSQL) -> Select[Any]:
    fp = sql.people()
    key = Bucketing.build(sql.period, sql.q.unit).key_expr(fp.c.t0).label("b")
    last = fp.c[f"t{sql.n - 1}"]
    stmt: Any = select(key, func.count().label("entered"), func.count(last).label("converted"))
    return stmt.group_by(key)


def calculate_trends(sql: FunnelSQL, runner: QueryRunner, conn: Connection) -> dict[str, Any]:
    bucketing = Bucketing.build(sql.period, sql.q.unit)
    position = bucketing.position_of_key()
    entered = [0] * len(bucketing)
    converted = [0] * len(bucketing)
    for row in runner.execute(conn, trends_statement(sql)):
        pos = position.get(row.b)
        if pos is None:
            continue
        entered[pos] = int(row.entered)
        converted[pos] = int(row.converted)
    return {
        "unit": sql.q.unit,
        "buckets": bucketing.labels,
        "entered": entered,
        "converted": converted,
        "rates": [rate(c, e) for c, e in zip(converted, entered, strict=True)],
        "total": {"entered": sum(entered), "converted": sum(converted),
                  "rate": rate(sum(converted), sum(entered))},
    }
