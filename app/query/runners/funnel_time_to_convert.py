"""Funnel time to convert: how long converters (persons who reached the last step) took from
the entry event to the last step, as a histogram computed in the database plus the median.

Bins split [min, max] of the converters' times (ms) into `bins` equal integer-ms ranges:
bin i holds d with floor((d - min) * bins / (max - min + 1)) = i, so every bound is an exact
millisecond and both databases put every person in the same bin.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Connection, Select, func, literal, select

from app.core.backends import backend_for
from app.query.runner import QueryRunner
from app.query.runners.funnel_base import FunnelSQL, seconds


def _converters(sql: FunnelSQL) -> Any:
    fp = sql.people()
    last = fp.c[f"t{sql.n - 1}"]
    return (select(fp.c.grp, (last - fp.c.t0).label("d")).where(last.is_not(None))
            .subquery("funnel_converted"))


def stats_statement(sql: FunnelSQL) -> Select[Any]:
    """count, sum, min, max and median of the converters' ms from entry to the last step."""
    conv = _converters(sql)

    def extras(src: Any) -> list[Any]:
        return [func.count(src.c.d).label("n"), func.sum(src.c.d).label("total"),
                func.min(src.c.d).label("lo"), func.max(src.c.d).label("hi")]

    return backend_for(sql.dialect).aggregate_with_medians(conv, ["grp"], ["d"], extras)


def bin_count(bins: int, lo: int, hi: int) -> int:
    """Never more bins than milliseconds in the span (no empty-width bins)."""
    return max(1, min(bins, hi - lo + 1))


def bins_statement(sql: FunnelSQL, lo: int, hi: int, bins: int) -> Select[Any]:
    conv = _converters(sql)
    span = hi - lo + 1
    b = ((conv.c.d - literal(lo, BigInteger)) * literal(bins, BigInteger) // literal(span, BigInteger)).label("bin")
    return select(b, func.count().label("n")).group_by(b)


def bin_bounds(lo: int, hi: int, bins: int) -> list[tuple[int, int]]:
    """[(first ms, first ms of the next bin)] of each bin, matching bins_statement's arithmetic."""
    span = hi - lo + 1
    starts = [lo + -(-i * span // bins) for i in range(bins + 1)]
    return [(starts[i], starts[i + 1]) for i in range(bins)]


def calculate_time_to_convert(sql: FunnelSQL, runner: QueryRunner, conn: Connection) -> dict[str, Any]:
    row = runner.execute(conn, stats_statement(sql)).mappings().first()
    if row is None or not row["n"]:
        return {"converted": 0, "median_seconds": None, "avg_seconds": None, "bins": []}
    n, lo, hi = int(row["n"]), int(row["lo"]), int(row["hi"])
    bins = bin_count(sql.q.bins, lo, hi)
    counts = [0] * bins
    for r in runner.execute(conn, bins_statement(sql, lo, hi, bins)):
        counts[int(r.bin)] = int(r.n)
    return {
        "converted": n,
        "median_seconds": seconds(row["median_d"]),
        "avg_seconds": seconds(int(row["total"]) / n),
        "bins": [{"from_seconds": seconds(a), "to_seconds": seconds(b), "count": c}
                 for (a, b), c in zip(bin_bounds(lo, hi, bins), counts, strict=True)],
    }
