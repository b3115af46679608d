"""Funnel time to convert: how long converters (persons who reached the last step) took from
the entry event to the last step, as a histogram computed in the database plus the median.

Bins split [min, max] of the converters' times (ms) into `bins` equal integer-ms ranges:
bin i holds d with floor((d - min) * bins / (max - min + 1)) = i, so every bound is an exact
millisecond and both databases put every person in the same bin.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, Connection, Integer, Select, func, literal, select

from app.core.backends import backend_for
from app.query.runner import QueryRunner
from app.query.runners.funnel_base import FunnelSQL, group_label, seconds


def _converters(sql: FunnelSQL, tops: Sequence[str | None] | None = None) -> Any:
    fp = sql.people(tops)
    last = fp.c[f"t{sql.n - 1}"]
    conv: Any = select(fp.c.grp, (last - fp.c.t0).label("d")).where(last.is_not(None))
    if sql.q.breakdown is not None:
        # grp -1: every converter, for the overall figures (medians do not add up across groups).
        conv = conv.union_all(select(literal(-1, Integer).label("grp"), (last - fp.c.t0).label("d"))
                              .where(last.is_not(None)))
    return conv.subquery("funnel_converted")


def stats_statement(sql: FunnelSQL, tops: Sequence[str | None] | None = None) -> Select[Any]:
    """Per group: count, sum, min, max and median of the converters' ms from entry to the last step."""
    conv = _converters(sql, tops)

    def extras(src: Any) -> list[Any]:
        return [func.count(src.c.d).label("n"), func.sum(src.c.d).label("total"),
                func.min(src.c.d).label("lo"), func.max(src.c.d).label("hi")]

    return backend_for(sql.dialect).aggregate_with_medians(conv, ["grp"], ["d"], extras)


def bin_count(bins: int, lo: int, hi: int) -> int:
    """Never more bins than milliseconds in the span (no empty-width bins)."""
    return max(1, min(bins, hi - lo + 1))


def bins_statement(sql: FunnelSQL, lo: int, hi: int, bins: int,
                   tops: Sequence[str | None] | None = None) -> Select[Any]:
    """Converters per (group, bin); every group shares the overall bins, so they compare."""
    conv = _converters(sql, tops)
    span = hi - lo + 1
    b = ((conv.c.d - literal(lo, BigInteger)) * literal(bins, BigInteger) // literal(span, BigInteger)).label("bin")
    return select(conv.c.grp, b, func.count().label("n")).group_by(conv.c.grp, b)


def bin_bounds(lo: int, hi: int, bins: int) -> list[tuple[int, int]]:
    """[(first ms, first ms of the next bin)] of each bin, matching bins_statement's arithmetic."""
    span = hi - lo + 1
    starts = [lo + -(-i * span // bins) for i in range(bins + 1)]
    return [(starts[i], starts[i + 1]) for i in range(bins)]


def calculate_time_to_convert(sql: FunnelSQL, runner: QueryRunner, conn: Connection) -> dict[str, Any]:
    tops: list[str | None] = []
    if sql.q.breakdown is not None:
        tops = [row.g for row in runner.execute(conn, sql.top_groups_statement())]
    stats = {int(r["grp"]): r for r in runner.execute(conn, stats_statement(sql, tops)).mappings()}
    overall = stats.get(-1 if sql.q.breakdown is not None else 0)
    empty: dict[str, Any] = {"converted": 0, "median_seconds": None, "avg_seconds": None, "bins": []}
    if overall is None or not overall["n"]:
        return {**empty, "breakdown": []}
    lo, hi = int(overall["lo"]), int(overall["hi"])
    bins = bin_count(sql.q.bins, lo, hi)
    counts: dict[int, list[int]] = {}
    for r in runner.execute(conn, bins_statement(sql, lo, hi, bins, tops)):
        counts.setdefault(int(r.grp), [0] * bins)[int(r.bin)] = int(r.n)
    bounds = bin_bounds(lo, hi, bins)

    def figures(grp: int) -> dict[str, Any]:
        row, n = stats[grp], int(stats[grp]["n"])
        return {
            "converted": n,
            "median_seconds": seconds(row["median_d"]),
            "avg_seconds": seconds(int(row["total"]) / n),
            "bins": [{"from_seconds": seconds(a), "to_seconds": seconds(b), "count": c}
                     for (a, b), c in zip(bounds, counts.get(grp, [0] * bins), strict=True)],
        }

    groups = sorted(g for g in stats if g >= 0) if sql.q.breakdown is not None else []
    return {**figures(-1 if sql.q.breakdown is not None else 0),
            "breakdown": [{**group_label(g, tops), **figures(g)} for g in groups]}
