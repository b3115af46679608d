"""Benchmark matrix (issue 19): the questions a user actually clicks, at 10M demo events.

For every cell the engine's time (`run_query` end to end: parse, compile, execute, shape the
JSON, as bench_query.py measures it) is compared with the fastest of a few hand-written SQL
candidates answering the same question on the same connection (results shaped in Python where
a person would do that: top-12 folding, medians of fetched values, funnel aggregates). Engine and
candidate runs are interleaved (rotating order) after one warm-up each; medians are reported.

    .venv/bin/python tests/benchmarks/bench_matrix.py                     # the 10M SQLite demo, read-only
    .venv/bin/python tests/benchmarks/bench_matrix.py --db postgresql://me@host/db --repeat 3
    .venv/bin/python tests/benchmarks/bench_matrix.py --only 'funnel|users' --list

The data is the demo generator's (`tracklens demo --seed 7`, 90 days ending 2026-11-01 UTC);
the questions use UTC (bucket arithmetic without offsets) and now = 2026-10-31T23:00Z. Nothing is
written to the database. Output: a Markdown table (--out) and a JSON file (--json), rewritten
after every cell so an interrupted run keeps what it measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import sqlite3
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.database import open_database  # noqa: E402
from app.query import run_query  # noqa: E402

DEFAULT_DB = "sqlite:///file:/tmp/chbench/demo-10m.sqlite?mode=ro&uri=true"
END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
END_MS = int(END.timestamp() * 1000)
NOW = END - dt.timedelta(hours=1)
HOUR = 3_600_000
DAY = 86_400_000
ZONE = "UTC"

FREQ, MID, RARE = "Page Viewed", "Product Viewed", "Order Completed"
#: a numeric property per event (Page Viewed has none in the demo data)
NUMERIC = {MID: "price", RARE: "revenue"}
#: a JSON-property filter (value, share of the event's rows) and breakdown per event
FILTER = {FREQ: ("category", "Product"), MID: ("category", "Beans"), RARE: ("payment_method", "card")}
BREAKDOWN = {FREQ: "category", MID: "category", RARE: "payment_method"}
SHORT = {FREQ: "PageV", MID: "ProdV", RARE: "OrderC"}
ENRICHED = {"$country_code": "country_code", "$browser": "browser", "$os": "os", "$city": "city"}

Candidate = Callable[[Connection], Any]


# --------------------------------------------------------------------------------------------
# SQL pieces per dialect


class Sql:
    def __init__(self, dialect: str, *, rollup: bool = False) -> None:
        self.d = dialect
        self.rollup = rollup  # event_person_hours is readable (schema 5, or attached): its candidates too

    @property
    def pg(self) -> bool:
        return self.d == "postgresql"

    def jtext(self, key: str, col: str = "properties") -> str:
        if key in ENRICHED:
            return ENRICHED[key]
        return f"{col} ->> '{key}'" if self.pg else f"json_extract({col}, '$.{key}')"

    def jnum(self, key: str, col: str = "properties") -> str:
        """A JSON number or NULL (strings, booleans, missing: NULL), as the engine counts."""
        if self.pg:
            return f"CASE WHEN jsonb_typeof({col} -> '{key}') = 'number' THEN ({col} ->> '{key}')::float8 END"
        return (f"CASE WHEN json_type({col}, '$.{key}') IN ('integer', 'real') "
                f"THEN json_extract({col}, '$.{key}') END")

    @staticmethod
    def bucket(unit: str, col: str = "ts") -> str:
        return {"hour": f"{col} / {HOUR}", "day": f"{col} / {DAY}", "week": f"({col} / {DAY} + 3) / 7"}[unit]

    @property
    def nomerge(self) -> str:
        """Keeps SQLite from flattening a subquery (which would compute its expressions twice)."""
        return "" if self.pg else " LIMIT -1"

    @property
    def coll(self) -> str:
        return ' COLLATE "C"' if self.pg else ""


def stmts(*sql: str, params: dict[str, Any]) -> Candidate:
    compiled = [text(s) for s in sql]

    def run(conn: Connection) -> Any:
        return [conn.execute(s, {k: v for k, v in params.items() if f":{k}" in str(s)}).all() for s in compiled]

    return run


def py_median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


# --------------------------------------------------------------------------------------------
# Questions


def rng(days: int) -> tuple[dict[str, str], int, int]:
    start = END - dt.timedelta(days=days)
    spec = {"from": start.date().isoformat(), "to": (END - dt.timedelta(days=1)).date().isoformat()}
    return spec, int(start.timestamp() * 1000), END_MS


def segmentation(q: Sql, event: str, measure: str, unit: str, days: int,
                 where: tuple[str, str] | None = None, breakdown: str | None = None,
                 trait: str | None = None) -> dict[str, Any]:
    rspec, s, e = rng(days)
    spec: dict[str, Any] = {"kind": "segmentation", "events": [event], "unit": unit, "timezone": ZONE,
                            "range": rspec}
    prop = NUMERIC.get(event)
    if measure in ("sum", "avg", "median"):
        spec["measure"] = {measure: prop}
    elif measure == "unique":
        spec["measure"] = "unique"
    label = f"{measure}({prop})" if measure in ("sum", "avg", "median") else measure
    name = f"seg {label} {SHORT[event]} {unit}/{days}d"
    params: dict[str, Any] = {"ev": event, "s": s, "e": e}
    cond = "event = :ev AND ts >= :s AND ts < :e"
    if where:
        spec["where"] = [{"property": where[0], "op": "eq", "value": where[1]}]
        cond += f" AND {q.jtext(where[0])} = :fv"
        params["fv"] = where[1]
        name += f" where {where[0]}={where[1]}"
    if breakdown:
        spec["breakdown"] = breakdown
        name += f" by {breakdown}"
    b = q.bucket(unit)
    cands: dict[str, Candidate] = {}
    if trait:
        spec["breakdown"] = {"trait": trait}
        name += f" by trait {trait}"
        cands.update(trait_uniques(q, trait, unit, cond, params))
        return {"name": name, "spec": spec, "cands": cands, "count_event": event, "s": s, "e": e}

    if measure == "total" and not breakdown:
        cands["scan events, group by bucket"] = stmts(f"SELECT {b} AS b, count(*) FROM events WHERE {cond} GROUP BY b",
                                                      params=params)
        if not where:
            cands["hourly rollup event_hours"] = stmts(
                f"SELECT {q.bucket(unit, 'hour')} AS b, sum(n) FROM event_hours WHERE event = :ev AND hour >= :s "
                "AND hour < :e GROUP BY b", params=params)
    elif measure == "total":
        g = q.jtext(breakdown)  # type: ignore[arg-type]

        def fold(rows: list[Any]) -> Any:
            per_g: dict[Any, int] = defaultdict(int)
            for gv, _, n in rows:
                per_g[gv] += n
            top = set(sorted(per_g, key=lambda k: (-per_g[k], k is None, str(k)))[:12])
            out: dict[tuple[Any, Any], int] = defaultdict(int)
            for gv, bv, n in rows:
                out[(gv if gv in top else "Other", bv)] += n
            return out

        sub = f"SELECT g, b, count(*) FROM (SELECT {g} AS g, {b} AS b FROM events WHERE {cond}{q.nomerge}) x GROUP BY g, b"
        flat = f"SELECT {g} AS g, {b} AS b, count(*) FROM events WHERE {cond} GROUP BY g, b"
        for cname, sql in (("value once in a subquery, top-12 folded in Python", sub),
                           ("group by (value, bucket), top-12 folded in Python", flat)):
            run = stmts(sql, params=params)
            cands[cname] = lambda conn, run=run: fold(run(conn)[0])  # type: ignore[misc]
    elif measure == "unique" and not breakdown:
        cands["DISTINCT (bucket, person) + DISTINCT person (engine's shape)"] = stmts(
            f"SELECT b, count(*) FROM (SELECT DISTINCT {b} AS b, person FROM events WHERE {cond}) x GROUP BY b",
            f"SELECT count(*) FROM (SELECT DISTINCT person FROM events WHERE {cond}) x", params=params)
        cands["count(DISTINCT person) per bucket + over the range"] = stmts(
            f"SELECT {b} AS b, count(DISTINCT person) FROM events WHERE {cond} GROUP BY b",
            f"SELECT count(DISTINCT person) FROM events WHERE {cond}", params=params)
        if not q.pg:
            # (event, person, ts) delivers the rows in person order: distinct persons need no sort
            idx = "events INDEXED BY ix_events_event_person_ts"
            cands["person-ordered index: GROUP BY person, bucket"] = stmts(
                f"SELECT b, count(*) FROM (SELECT person, {b} AS b FROM {idx} WHERE {cond} GROUP BY person, b) x "
                "GROUP BY b",
                f"SELECT count(*) FROM (SELECT person FROM {idx} WHERE {cond} GROUP BY person) x", params=params)
            one = stmts(f"SELECT person, {b} FROM {idx} WHERE {cond}", params=params)

            def person_walk(conn: Connection, one: Candidate = one) -> Any:
                per_b: dict[int, int] = defaultdict(int)
                last_p, persons = None, 0
                seen: set[int] = set()
                for p, bv in one(conn)[0]:
                    if p != last_p:
                        last_p, seen, persons = p, set(), persons + 1
                    if bv not in seen:
                        seen.add(bv)
                        per_b[bv] += 1
                return per_b, persons

            cands["person-ordered index, one pass counted in Python"] = person_walk
        if not where:
            # The per-(event, hour, person) rollup (schema 5): per-bucket distinct counts over the
            # bucket's own hours, the range's persons walked in (event, person, hour) order.
            hb = q.bucket(unit, "hour")
            roll = "event = :ev AND hour >= :s AND hour < :e"
            by_person = "" if q.pg else " INDEXED BY ix_event_person_hours_person"
            cands["rollup event_person_hours: DISTINCT (bucket, person) + persons in order"] = stmts(
                f"SELECT b, count(*) FROM (SELECT DISTINCT {hb} AS b, person FROM event_person_hours WHERE {roll}) x "
                "GROUP BY b",
                f"SELECT count(*) FROM (SELECT person FROM event_person_hours{by_person} WHERE {roll} GROUP BY person) x",
                params=params)
            step = {"hour": HOUR, "day": DAY, "week": 7 * DAY}[unit]
            # UTC buckets: a week starts on Monday (1970-01-01 was a Thursday: 4 days before it Monday)
            first = s - (s - (-3 * DAY if unit == "week" else 0)) % step
            edges = [max(t, s) for t in range(first, e, step)] + [e]
            bounds = ", ".join(f"({i}, {edges[i]}, {edges[i + 1]})" for i in range(len(edges) - 1))
            cands["rollup event_person_hours: a distinct count per bucket + persons in order"] = stmts(
                f"WITH bb (b, s, e) AS (VALUES {bounds}) SELECT b, (SELECT count(*) FROM (SELECT DISTINCT person "
                "FROM event_person_hours WHERE event = :ev AND hour >= bb.s AND hour < bb.e) x) FROM bb",
                f"SELECT count(*) FROM (SELECT person FROM event_person_hours{by_person} WHERE {roll} GROUP BY person) x",
                params=params)
    elif measure == "unique":
        g = q.jtext(breakdown)  # type: ignore[arg-type]
        top_sql = text(f"SELECT {g} AS g FROM events WHERE {cond} GROUP BY g ORDER BY count(*) DESC, ({g}){q.coll} NULLS LAST LIMIT 12")
        p_all = params

        def unique_bd(conn: Connection) -> Any:
            top = [r[0] for r in conn.execute(top_sql, p_all).all()]
            case = "CASE " + g + " " + " ".join(f"WHEN :t{i} THEN {i + 1}" for i, v in enumerate(top)
                                                if v is not None) + " ELSE 0 END"
            ps = {**p_all, **{f"t{i}": v for i, v in enumerate(top)}}
            a = conn.execute(text(f"SELECT gi, b, count(*) FROM (SELECT DISTINCT {case} AS gi, {b} AS b, person "
                                  f"FROM events WHERE {cond}) x GROUP BY gi, b"), ps).all()
            t = conn.execute(text(f"SELECT gi, count(*) FROM (SELECT DISTINCT {case} AS gi, person FROM events "
                                  f"WHERE {cond}) x GROUP BY gi"), ps).all()
            return a, t

        cands["top-12 by count, then DISTINCT (group, bucket, person)"] = unique_bd
    elif measure in ("sum", "avg"):
        v = q.jnum(prop)  # type: ignore[arg-type]
        cands["value once in a subquery, sum/count per bucket"] = stmts(
            f"SELECT b, sum(v), count(v), count(*) FROM (SELECT {b} AS b, {v} AS v FROM events WHERE {cond}"
            f"{q.nomerge}) x GROUP BY b", params=params)
        cands["sum/count per bucket, one level"] = stmts(
            f"SELECT {b} AS b, sum({v}), count({v}), count(*) FROM events WHERE {cond} GROUP BY b", params=params)
    elif measure == "median":
        v = q.jnum(prop)  # type: ignore[arg-type]
        cands["window ranks per bucket + over the range (engine's shape)"] = stmts(
            f"SELECT b, avg(CASE WHEN rn IN ((c + 1) / 2, (c + 2) / 2) THEN v END) FROM (SELECT b, v, row_number() "
            "OVER (PARTITION BY b ORDER BY v) AS rn, count(*) OVER (PARTITION BY b) AS c FROM (SELECT "
            f"{b} AS b, {v} AS v FROM events WHERE {cond}{q.nomerge}) x WHERE v IS NOT NULL) y GROUP BY b",
            "SELECT avg(CASE WHEN rn IN ((c + 1) / 2, (c + 2) / 2) THEN v END) FROM (SELECT v, row_number() "
            "OVER (ORDER BY v) AS rn, count(*) OVER () AS c FROM (SELECT "
            f"{v} AS v FROM events WHERE {cond}{q.nomerge}) x WHERE v IS NOT NULL) y", params=params)
        fetch = stmts(f"SELECT {b} AS b, {v} AS v FROM events WHERE {cond}", params=params)

        def py_medians(conn: Connection, fetch: Candidate = fetch) -> Any:
            per_b: dict[int, list[float]] = defaultdict(list)
            for bv, x in fetch(conn)[0]:
                if x is not None:
                    per_b[bv].append(x)
            allv = [x for xs in per_b.values() for x in xs]
            return {k: py_median(xs) for k, xs in per_b.items()}, py_median(allv)

        cands["fetch values, medians in Python"] = py_medians
    return {"name": name, "spec": spec, "cands": cands, "count_event": event, "s": s, "e": e}


def trait_uniques(q: Sql, trait: str, unit: str, cond: str, params: dict[str, Any]) -> dict[str, Candidate]:
    """Unique persons of one event by a trait (top 12 + Other): the old engine's shape on `events`
    joined to `users`, and two forms on `event_person_hours` (schema 5)."""
    g = q.jtext(trait, "traits")
    b, hb = q.bucket(unit), q.bucket(unit, "hour")
    roll = "event = :ev AND hour >= :s AND hour < :e"
    by_person = "" if q.pg else " INDEXED BY ix_event_person_hours_person"
    join = "LEFT JOIN users u ON u.id = x.person"

    def ranked(top_sql: str, parts: Callable[[str], list[str]]) -> Candidate:
        def run(conn: Connection) -> Any:
            top = [r[0] for r in conn.execute(text(top_sql), params).all()]
            case = "CASE " + g + " " + " ".join(f"WHEN :t{i} THEN {i + 1}" for i, v in enumerate(top)
                                                if v is not None) + " ELSE 0 END"
            if None in top:
                case = f"CASE WHEN {g} IS NULL THEN {top.index(None) + 1} ELSE {case} END"
            ps = {**params, **{f"t{i}": v for i, v in enumerate(top) if v is not None}}
            return [conn.execute(text(sql), ps).all() for sql in parts(case)]
        return run

    order = f"ORDER BY n DESC, ({g}){q.coll} NULLS LAST LIMIT 12"
    return {
        "events joined to users: top-12 by count, then DISTINCT (group, bucket, person) (old engine's shape)": ranked(
            f"SELECT {g} AS g, count(*) AS n FROM events x {join} WHERE {cond} GROUP BY g {order}",
            lambda case: [f"SELECT gi, b, count(*) FROM (SELECT DISTINCT {case} AS gi, {b} AS b, person FROM events x "
                          f"{join} WHERE {cond}) y GROUP BY gi, b",
                          f"SELECT gi, count(*) FROM (SELECT DISTINCT {case} AS gi, person FROM events x {join} "
                          f"WHERE {cond}) y GROUP BY gi"]),
        "rollup event_person_hours: persons' events summed, DISTINCT (bucket, person), trait per row": ranked(
            f"SELECT {g} AS g, sum(x.n) AS n FROM (SELECT person, sum(n) AS n FROM event_person_hours{by_person} "
            f"WHERE {roll} GROUP BY person) x {join} GROUP BY g {order}",
            lambda case: [f"SELECT {case} AS gi, b, count(*) FROM (SELECT {hb} AS b, person FROM event_person_hours "
                          f"WHERE {roll} GROUP BY b, person) x {join} GROUP BY gi, b",
                          f"SELECT {case} AS gi, count(*) FROM (SELECT person FROM event_person_hours{by_person} "
                          f"WHERE {roll} GROUP BY person) x {join} GROUP BY gi"]),
        "rollup event_person_hours: one statement, values per person materialized, folded in Python": lambda conn: (
            fold_values(conn.execute(text(
                f"WITH pv AS MATERIALIZED (SELECT x.person, {g} AS g, x.n FROM (SELECT person, sum(n) AS n FROM "
                f"event_person_hours WHERE {roll} GROUP BY person) x {join}) SELECT g, NULL AS b, count(*), sum(n) "
                f"FROM pv GROUP BY g UNION ALL SELECT pv.g, y.b, count(*), NULL FROM (SELECT {hb} AS b, person FROM "
                f"event_person_hours WHERE {roll} GROUP BY b, person) y JOIN pv ON pv.person = y.person "
                "GROUP BY pv.g, y.b"), params).all())),
        "rollup event_person_hours: a trait rank per person once (materialized), joined to (bucket, person)": ranked(
            f"SELECT {g} AS g, sum(x.n) AS n FROM (SELECT person, sum(n) AS n FROM event_person_hours{by_person} "
            f"WHERE {roll} GROUP BY person) x {join} GROUP BY g {order}",
            lambda case: [f"WITH pg AS MATERIALIZED (SELECT x.person, {case} AS gi FROM (SELECT person FROM "
                          f"event_person_hours{by_person} WHERE {roll} GROUP BY person) x {join}) "
                          f"SELECT pg.gi, y.b, count(*) FROM (SELECT {hb} AS b, person FROM event_person_hours "
                          f"WHERE {roll} GROUP BY b, person) y JOIN pg ON pg.person = y.person GROUP BY pg.gi, y.b",
                          f"SELECT {case} AS gi, count(*) FROM (SELECT person FROM event_person_hours{by_person} "
                          f"WHERE {roll} GROUP BY person) x {join} GROUP BY gi"]),
    }


def fold_values(rows: list[Any]) -> Any:
    """Persons per (value, bucket) and per value (b NULL, with events n) folded into the top 12
    values by events + Other: a person has one trait value, so the persons add up."""
    occ = {gv: n for gv, bv, _, n in rows if bv is None}
    top = set(sorted(occ, key=lambda k: (-occ[k], k is None, str(k)))[:12])
    out: dict[tuple[Any, Any], int] = defaultdict(int)
    for gv, bv, v, _ in rows:
        out[(gv if gv in top else "Other", bv)] += v
    return out


def funnel(q: Sql, steps: list[str], days: int) -> dict[str, Any]:
    rspec, s, e = rng(days)
    w = 7 * DAY
    name = f"funnel {len(steps)}-step {' > '.join(SHORT.get(x, x) for x in steps)} 7d window/{days}d"
    spec = {"kind": "funnel", "steps": steps, "window": {"days": 7}, "range": rspec, "timezone": ZONE}
    params: dict[str, Any] = {"s": s, "e": e, "w": w, **{f"f{i}": x for i, x in enumerate(steps)}}
    plus = "" if q.pg else " + 0"
    cols = ", ".join(f"t{i}" for i in range(len(steps)))

    def shape(rows: list[Any]) -> Any:
        n = len(steps)
        counts = [sum(1 for r in rows if r[k] is not None) for k in range(n)]
        diffs = [[r[k] - r[k - 1] for r in rows if r[k] is not None] for k in range(1, n)]
        return counts, [sum(d) for d in diffs], [py_median(d) for d in diffs]

    def body(join: bool) -> str:
        parts = [f"s0 AS (SELECT person, min(ts) AS t0 FROM events WHERE event = :f0 AND ts{plus} >= :s "
                 f"AND ts{plus} < :e GROUP BY person)"]
        for k in range(1, len(steps)):
            prev = ", ".join(f"p.t{i}" for i in range(k))
            if join:
                parts.append(
                    f"s{k} AS MATERIALIZED (SELECT p.person, {prev}, min(x.ts) AS t{k} FROM s{k - 1} p LEFT JOIN events x "
                    f"ON x.event = :f{k} AND x.person = p.person AND x.ts > p.t{k - 1} AND x.ts <= p.t0 + :w "
                    f"GROUP BY p.person, {prev})")
            else:
                parts.append(
                    f"s{k} AS MATERIALIZED (SELECT p.person, {prev}, CASE WHEN p.t{k - 1} IS NOT NULL THEN "
                    f"(SELECT min(x.ts) FROM events x WHERE x.event = :f{k} AND x.person = p.person "
                    f"AND x.ts > p.t{k - 1} AND x.ts <= p.t0 + :w) END AS t{k} FROM s{k - 1} p)")
        return "WITH " + ", ".join(parts) + f" SELECT {cols} FROM s{len(steps) - 1}"

    cands: dict[str, Candidate] = {}
    for cname, join in (("correlated MIN per person (seek), aggregates in Python", False),
                        ("LEFT JOIN + GROUP BY per step, aggregates in Python", True)):
        run = stmts(body(join), params=params)
        cands[cname] = lambda conn, run=run: shape(run(conn)[0])  # type: ignore[misc]
    return {"name": name, "spec": spec, "cands": cands, "count_event": steps[0], "s": s, "e": e}


def users(q: Sql, did_event: str, did_min: int, days: int) -> dict[str, Any]:
    _rspec, s, e = rng(days)
    name = f"users female, age>35, did {SHORT[did_event]} >= {did_min} in {days}d (page + count)"
    spec = {"kind": "users", "timezone": ZONE, "count": True,
            "where": [{"trait": "gender", "op": "eq", "value": "female"}, {"trait": "age", "op": "gt", "value": 35}],
            "did": [{"event": did_event, "min": did_min, "range": {"last": days, "unit": "day"}}]}
    params = {"ev": did_event, "s": s, "e": e, "m": did_min}
    traits = f"{q.jtext('gender', 'traits')} = 'female' AND {q.jnum('age', 'traits')} > 35"
    did = "SELECT person FROM events WHERE event = :ev AND ts >= :s AND ts < :e GROUP BY person HAVING count(*) >= :m"
    cols = "id, traits, first_seen, last_seen, event_count"
    order = f"ORDER BY last_seen DESC, id{q.coll} DESC LIMIT 101"
    cands = {
        "IN (GROUP BY HAVING)": stmts(f"SELECT {cols} FROM users WHERE {traits} AND id IN ({did}) {order}",
                                      f"SELECT count(*) FROM users WHERE {traits} AND id IN ({did})", params=params),
        "MATERIALIZED CTE": stmts(
            f"WITH d AS MATERIALIZED ({did}) SELECT {cols} FROM users WHERE {traits} AND id IN (SELECT person FROM d) "
            f"{order}",
            f"WITH d AS MATERIALIZED ({did}) SELECT count(*) FROM users WHERE {traits} AND id IN (SELECT person FROM d)",
            params=params),
        # per matching person, count their events with a seek in (event, person, ts) instead of a range scan
        "traits first, correlated count per person": stmts(
            f"SELECT {cols} FROM users u WHERE {traits} AND (SELECT count(*) FROM events x WHERE x.event = :ev "
            f"AND x.person = u.id AND x.ts >= :s AND x.ts < :e) >= :m {order}",
            f"SELECT count(*) FROM users u WHERE {traits} AND (SELECT count(*) FROM events x WHERE x.event = :ev "
            "AND x.person = u.id AND x.ts >= :s AND x.ts < :e) >= :m", params=params),
    }
    return {"name": name, "spec": spec, "cands": cands, "count_event": did_event, "s": s, "e": e}


def retention(q: Sql, start: str, days: int, periods: int = 8, unit: str = "day") -> dict[str, Any]:
    rspec, s, e = rng(days)
    name = f"retention {SHORT.get(start, start)} -> any, first time, {unit}ly {periods} periods/{days}d"
    if unit == "day":
        name = name.replace("dayly", "daily")
    spec = {"kind": "retention", "start": {"event": start}, "return": {"event": "$any"}, "mode": "first_time",
            "unit": unit, "periods": periods, "range": rspec, "timezone": ZONE}
    u = {"day": DAY, "week": 7 * DAY}[unit]
    params = {"ev": start, "s": s, "e": e, "day": DAY, "span": periods * u}
    cohort = "birth / :day" if unit == "day" else "(birth / :day + 3) / 7"
    births = (f"SELECT person, birth, {cohort} AS cohort FROM (SELECT person, min(ts) AS birth FROM events "
              "WHERE event = :ev GROUP BY person) f WHERE birth >= :s AND birth < :e")
    exists = ", ".join(
        f"sum(CASE WHEN EXISTS (SELECT 1 FROM events x WHERE x.event IS NOT NULL AND x.person = b.person "
        f"AND x.ts {'>' if n == 0 else '>='} b.birth + {n * u} AND x.ts < b.birth + {(n + 1) * u}) "
        f"THEN 1 ELSE 0 END)" for n in range(periods))
    # each person's first hour from the rollup picks who may be born in the range, then one seek
    rollup_births = (
        f"SELECT person, birth, {cohort} AS cohort FROM (SELECT person, (SELECT min(ts) FROM events x "
        "WHERE x.event = :ev AND x.person = c.person) AS birth FROM (SELECT person FROM event_person_hours "
        f"WHERE event = :ev GROUP BY person HAVING min(hour) > :s - {HOUR} AND min(hour) < :e) c "
        f"{'OFFSET 0' if q.pg else 'LIMIT -1'}) f WHERE birth >= :s AND birth < :e")
    cands = {
        "EXISTS per period (engine's shape)": stmts(
            f"WITH b AS MATERIALIZED ({births}) SELECT cohort, count(*), {exists} FROM b GROUP BY cohort",
            params=params),
        **({"EXISTS per period, births from event_person_hours": stmts(
            f"WITH b AS MATERIALIZED ({rollup_births}) SELECT cohort, count(*), {exists} FROM b GROUP BY cohort",
            params=params)} if q.rollup else {}),
        "births joined to returns, DISTINCT (person, period)": stmts(
            f"WITH b AS MATERIALIZED ({births}) SELECT cohort, p, count(*) FROM (SELECT DISTINCT b.cohort, b.person, "
            "(x.ts - b.birth) / :day AS p FROM b JOIN events x ON x.person = b.person AND x.ts > b.birth "
            f"AND x.ts < b.birth + :span WHERE x.event IS NOT NULL) y GROUP BY cohort, p".replace(":day AS p", str(u) + " AS p"),
            f"WITH b AS MATERIALIZED ({births}) SELECT cohort, count(*) FROM b GROUP BY cohort", params=params),
    }
    return {"name": name, "spec": spec, "cands": cands, "count_event": start, "s": s, "e": e}


def questions(q: Sql) -> list[dict[str, Any]]:
    out = []
    # every measure x 3 events, day / 30 days
    for ev in (FREQ, MID, RARE):
        for m in ("total", "unique", "sum", "avg", "median"):
            if m in ("sum", "avg", "median") and ev not in NUMERIC:
                continue
            out.append(segmentation(q, ev, m, "day", 30))
    # every unit x range for the frequent event's uniques (the slow cell), a few for totals/medians
    for unit, days in (("hour", 7), ("day", 7), ("week", 30), ("day", 90), ("week", 90)):
        out.append(segmentation(q, FREQ, "unique", unit, days))
    out.append(segmentation(q, MID, "unique", "day", 90))
    out.append(segmentation(q, FREQ, "total", "hour", 7))
    out.append(segmentation(q, FREQ, "total", "week", 90))
    out.append(segmentation(q, MID, "median", "week", 90))
    # filter and breakdown variants for each event (day / 30 days)
    for ev in (FREQ, MID, RARE):
        out.append(segmentation(q, ev, "total", "day", 30, where=FILTER[ev]))
        out.append(segmentation(q, ev, "total", "day", 30, breakdown=BREAKDOWN[ev]))
    out.append(segmentation(q, FREQ, "unique", "day", 30, where=FILTER[FREQ]))
    out.append(segmentation(q, MID, "unique", "day", 30, breakdown=BREAKDOWN[MID]))
    out.append(segmentation(q, MID, "avg", "day", 30, where=FILTER[MID]))
    # unique persons by a person trait (from event_person_hours on schema 5)
    out.append(segmentation(q, FREQ, "unique", "day", 30, trait="plan"))
    out.append(segmentation(q, MID, "unique", "day", 30, trait="plan"))
    out.append(segmentation(q, FREQ, "unique", "week", 90, trait="plan"))
    out.append(segmentation(q, FREQ, "total", "day", 30, where=("$country_code", "US")))
    out.append(segmentation(q, FREQ, "total", "day", 30, breakdown="$browser"))
    # funnels: frequent and rare first steps
    out.append(funnel(q, [FREQ, MID, "Added To Cart", RARE], 90))
    out.append(funnel(q, [MID, "Added To Cart", "Checkout Started", RARE], 90))
    out.append(funnel(q, [FREQ, RARE], 30))
    out.append(funnel(q, [FREQ, RARE], 90))
    out.append(funnel(q, ["Checkout Started", RARE], 30))
    out.append(funnel(q, ["Checkout Started", RARE], 90))
    # users with did-clauses on frequent events
    out.append(users(q, MID, 3, 30))
    out.append(users(q, FREQ, 10, 30))
    out.append(users(q, RARE, 3, 30))
    # retention
    out.append(retention(q, FREQ, 30))
    out.append(retention(q, MID, 30))
    out.append(retention(q, FREQ, 90, periods=4, unit="week"))
    return out


# --------------------------------------------------------------------------------------------
# Timing


def timed_medians(fns: dict[str, Callable[[], Any]], repeat: int, budget: float) -> tuple[dict[str, float], int]:
    """Median seconds of each function: one warm-up each, then `repeat` interleaved rounds (rotating
    order, so another process's load hits all alike) — fewer when a round would blow `budget`."""
    warm: dict[str, float] = {}
    for name, fn in fns.items():
        t0 = time.perf_counter()
        fn()
        warm[name] = time.perf_counter() - t0
    rounds = max(1, min(repeat, int(budget / max(sum(warm.values()), 1e-9))))
    times: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for i in range(rounds):
        for name in names[i % len(names):] + names[: i % len(names)]:
            t0 = time.perf_counter()
            fns[name]()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}, rounds


def in_range(engine: Engine, event: str, s: int, e: int) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT coalesce(sum(n), 0) FROM event_hours WHERE event = :ev AND hour >= :s "
                                     "AND hour < :e"), {"ev": event, "s": s, "e": e}).scalar() or 0)


def fmt_time(s: float) -> str:
    return f"{s * 1000:.1f} ms" if s < 0.1 else (f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s")


def goal(dialect: str) -> float:
    return 1.0 if dialect == "postgresql" else 2.0


def write_outputs(md: Path, js: Path, rows: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    g = goal(meta["dialect"])
    lines = [
        "| question | events in range | engine | best hand-written | ratio | candidate |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        over = (" **>goal**" if r["engine"] > g else "") + (" **>1.3**" if r["ratio"] > 1.3 else "")
        lines.append(f"| {r['question']} | {r['events_in_range']:,} | {fmt_time(r['engine'])}{over} | "
                     f"{fmt_time(r['hand'])} | {r['ratio']:.2f} | {r['hand_name']} |")
    head = (f"<!-- bench_matrix.py {meta['started']} db={meta['db']} dialect={meta['dialect']} "
            f"repeat={meta['repeat']} load avg start={meta['load_start']} -->\n")
    md.parent.mkdir(parents=True, exist_ok=True)
    md.write_text(head + "\n".join(lines) + "\n", encoding="utf-8")
    js.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1, default=str), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=DEFAULT_DB, help="database URL (SQLite: open it read-only with ?mode=ro&uri=true)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default=None, help="regular expression: run the questions whose name matches")
    parser.add_argument("--budget", type=float, default=90.0,
                        help="seconds per cell after warm-up: fewer rounds than --repeat when one round is slower")
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench_matrix.md"))
    parser.add_argument("--json", type=Path, default=Path("/tmp/bench_matrix.json"))
    parser.add_argument("--list", action="store_true", help="print the question names and exit")
    parser.add_argument("--candidates", default=None,
                        help="regular expression: time only the hand-written candidates whose name matches")
    parser.add_argument("--attach-rollup", type=Path, default=None,
                        help="SQLite: a file holding event_person_hours (bench_matrix_rollup.py --build), attached "
                             "read-only to every connection, for a demo file older than schema 5")
    parser.add_argument("--pg-load", type=Path, default=None,
                        help="a SQLite demo file: start a throw-away PostgreSQL server (tests/support/postgres.py), "
                             "load the file into it with bench_query.py's COPY loader, and run there (--db is ignored)")
    args = parser.parse_args()
    if args.pg_load:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_query import load_postgres

        from tests.support.postgres import postgres_server

        with postgres_server() as server:
            args.db = server.create_database()
            t0 = time.perf_counter()
            load_postgres(args.db, args.pg_load)
            print(f"loaded {args.pg_load} into PostgreSQL in {time.perf_counter() - t0:.0f} s", flush=True)
            run(args)
        return
    run(args)


def attach_rollup(engine: Any, path: Path) -> None:
    """Every connection of `engine` attaches `path` (read-only) as schema `rollup`: the 10M demo
    file predates event_person_hours, which was built beside it."""
    from sqlalchemy import event

    from app.core.migrations import _OPENED_AT

    def attach(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"ATTACH 'file:{path}?mode=ro' AS rollup")
        # The rollup counts every event of the file (schema 3: no rollups_through_id there); a
        # temporary tracklens_meta, which SQLite reads before main's, says so as a migrated
        # database would, or the rollup readers would add every event as not counted yet.
        dbapi_conn.execute("CREATE TEMP TABLE IF NOT EXISTS tracklens_meta AS SELECT * FROM main.tracklens_meta")
        dbapi_conn.execute("INSERT INTO temp.tracklens_meta SELECT 'rollups_through_id', CAST(max(id) AS TEXT) "
                           "FROM main.events WHERE NOT EXISTS (SELECT 1 FROM temp.tracklens_meta "
                           "WHERE key = 'rollups_through_id')")
        dbapi_conn.commit()  # the insert opened a transaction: the pool's rollback would undo it

    engine.dispose()
    event.listen(engine, "connect", attach)
    # the demo file's schema is older, but with the rollup attached the engine may read it
    _OPENED_AT.pop(engine.dialect, None)


def run(args: argparse.Namespace) -> None:
    engine = open_database(args.db, create=False)
    dialect = engine.dialect.name
    if args.attach_rollup:
        attach_rollup(engine, args.attach_rollup)
    q = Sql(dialect, rollup=bool(args.attach_rollup) or dialect == "postgresql")
    qs = [x for x in questions(q) if not args.only or re.search(args.only, x["name"], re.I)]
    if args.list:
        for x in qs:
            print(x["name"], "|", " / ".join(x["cands"]))
        return
    with engine.connect() as conn:
        total = int(conn.execute(text("SELECT count(*) FROM events")).scalar() or 0) if dialect != "sqlite" else int(
            conn.execute(text("SELECT max(id) FROM events")).scalar() or 0)
    meta = {"started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "db": args.db, "dialect": dialect,
            "attached_rollup": str(args.attach_rollup) if args.attach_rollup else None,
            "repeat": args.repeat, "events_total_approx": total, "platform": platform.platform(),
            "cpus": os.cpu_count(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "load_start": "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())}
    print(json.dumps(meta), flush=True)
    rows: list[dict[str, Any]] = []
    for x in qs:
        load0 = os.getloadavg()[0]
        fns: dict[str, Callable[[], Any]] = {
            "engine": lambda x=x: run_query(engine, x["spec"], now=NOW)}  # type: ignore[misc]
        for cname, cand in x["cands"].items():
            if args.candidates and not re.search(args.candidates, cname, re.I):
                continue

            def hand(cand: Candidate = cand) -> Any:
                with engine.connect() as conn:
                    return cand(conn)
            fns[cname] = hand
        t0 = time.perf_counter()
        try:
            med, rounds = timed_medians(fns, args.repeat, args.budget)
        except Exception as exc:  # a failing candidate must not cost the rest of the run
            print(f"{x['name']}: FAILED {str(exc).splitlines()[0]}", flush=True)
            continue
        eng_s = med.pop("engine")
        best = min(med, key=lambda k: med[k])
        row = {"question": x["name"], "events_in_range": in_range(engine, x["count_event"], x["s"], x["e"]),
               "engine": eng_s, "hand": med[best], "hand_name": best, "ratio": eng_s / med[best],
               "candidates": med, "rounds": rounds, "load1_before": load0, "load1_after": os.getloadavg()[0],
               "wall": time.perf_counter() - t0, "spec": x["spec"]}
        rows.append(row)
        print(f"{x['name']}: engine {fmt_time(eng_s)}, hand {fmt_time(med[best])} [{best}], ratio "
              f"{row['ratio']:.2f}, rounds {rounds}, load {load0:.2f}, wall {row['wall']:.0f} s", flush=True)
        for cname, sec in med.items():
            print(f"    {fmt_time(sec):>10}  {cname}", flush=True)
        meta["load_end"] = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
        write_outputs(args.out, args.json, rows, meta)
    engine.dispose()


if __name__ == "__main__":
    main()
