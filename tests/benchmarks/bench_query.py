"""Query engine benchmark: segmentation and live polls at 1M+ events, SQLite and PostgreSQL.

For each question the engine's time (run_query: parse, compile, execute, shape the JSON) is
compared with the best hand-written SQL we found for that engine answering the same question
(several candidates are timed; the fastest counts). Medians of --repeat runs after a warm-up.

    .venv/bin/python tests/benchmarks/bench_query.py --events 1000000
    .venv/bin/python tests/benchmarks/bench_query.py --events 1000000 --dialects sqlite --repeat 3

Data: the demo generator's (app.demo.generator.generate_demo: sessions of realistic users over
90 days ending 2026-11-01, written through the ingestion pipeline), or `--source synthetic`:
events written with bulk inserts (deterministic for --seed), ~50 events per person at random
times, 24 event names with skewed frequencies. Databases are cached under --cache (SQLite file;
PostgreSQL is loaded from it with COPY, into a throw-away server or --pg-url). Writes a
markdown table to docs/benchmarks/query.md (use --out to change).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core import rollups  # noqa: E402
from app.core.database import open_database  # noqa: E402
from app.query import run_query  # noqa: E402
from app.query.timerange import Bucketing, Period  # noqa: E402
from app.query.zones import zone_info  # noqa: E402

END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
END_MS = int(END.timestamp() * 1000)
DAY = 86_400_000
ZONE = "Europe/Berlin"
NOW = END - dt.timedelta(hours=1)

EVENTS = [("Page Viewed", 30), ("Product Viewed", 16), ("Searched", 9), ("Screen Viewed", 8), ("Added To Cart", 5),
          ("Signed In", 4), ("Clicked Banner", 4), ("Video Played", 3), ("Checkout Started", 2.5),
          ("Order Completed", 2), ("Signed Up", 1.5), ("Consent Given", 1.5), ("Shared", 1.2), ("Rated", 1),
          ("Wishlisted", 1), ("Coupon Applied", 0.8), ("Signed Out", 0.8), ("Review Written", 0.5),
          ("Newsletter Joined", 0.5), ("Support Opened", 0.4), ("Refund Requested", 0.2), ("Plan Upgraded", 0.2),
          ("Invite Sent", 0.2), ("Account Deleted", 0.05)]
CATEGORIES = ["shoes", "shirts", "bags", "hats", "socks", "coats", "dresses", "watches", "belts", "scarves",
              "gloves", "jeans", "sweaters", "boots", "sandals", "jackets", "shorts", "skirts", "ties", "wallets"]
CITIES = [("Berlin", "DE"), ("Munich", "DE"), ("Paris", "FR"), ("London", "GB"), ("New York", "US"),
          ("Austin", "US"), ("Madrid", "ES"), ("Rome", "IT"), ("Tokyo", "JP"), (None, None)]
BROWSERS = ["Chrome", "Firefox", "Safari", "Edge", "Mobile Safari", "Chrome Mobile"]
OSES = ["Windows", "Mac OS X", "Linux", "iOS", "Android"]
REFERRERS = ["$direct", "google.com", "bing.com", "news.ycombinator.com", "t.co", "facebook.com"]
PLANS = ["free", "pro", "team", "enterprise"]

# --------------------------------------------------------------------------------------------
# Data


def synthetic_rows(n: int, seed: int) -> Iterator[tuple[Any, ...]]:
    """Event rows in time order (so ids grow with time, as when ingested live)."""
    rng = random.Random(seed)
    people = max(10, n // 50)
    names = [e for e, _ in EVENTS]
    weights = [w for _, w in EVENTS]
    start = END_MS - 90 * DAY
    # growth: later days have more traffic; sorted timestamps
    stamps = sorted(start + int((rng.random() ** 0.7) * 90 * DAY) for _ in range(n))
    for i, ts in enumerate(stamps):
        person = f"user{int(rng.paretovariate(1.2) * 7919) % people}"
        name = rng.choices(names, weights)[0]
        props: dict[str, Any] = {"session": rng.randrange(1_000_000)}
        if name in ("Product Viewed", "Added To Cart", "Order Completed", "Wishlisted"):
            props.update(category=CATEGORIES[min(int(rng.expovariate(0.25)), len(CATEGORIES) - 1)],
                         price=round(rng.uniform(5, 300), 2))
        if name == "Page Viewed":
            props.update(path=f"/p/{rng.randrange(200)}", title="Page")
        if name == "Order Completed":
            props.update(revenue=round(rng.uniform(10, 900), 2), coupon=rng.random() < 0.2)
        city, country = CITIES[rng.randrange(len(CITIES))]
        yield (f"m{seed}-{i}", "page" if name == "Page Viewed" else "track", name, person, None, person, ts, ts,
               json.dumps(props, separators=(",", ":")), city, None, country, rng.choice(BROWSERS),
               rng.choice(OSES), None, rng.choice(REFERRERS))


def user_rows(n: int, seed: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(seed + 1)
    for i in range(max(10, n // 50)):
        traits = {"plan": rng.choice(PLANS), "age": rng.randrange(18, 80), "email": f"user{i}@example.com"}
        yield (f"user{i}", json.dumps(traits), traits["email"], END_MS - 90 * DAY, END_MS, 0)


EVENT_COLS = ("message_id", "type", "event", "user_id", "anonymous_id", "person", "ts", "received_at",
              "properties", "city", "region", "country_code", "browser", "os", "device",
              "referring_domain")
USER_COLS = ("id", "traits", "email", "first_seen", "last_seen", "event_count")


def build_sqlite(path: Path, n: int, seed: int, source: str) -> None:
    """Create the cached SQLite database (indexes built after the load, then ANALYZE)."""
    tmp = path.with_suffix(".partial")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    engine = open_database(f"sqlite:///{tmp}")
    if source == "demo":
        from app.demo.generator import generate_demo

        generate_demo(engine, n, seed=seed, end=END, days=90)
        engine.dispose()
    else:
        engine.dispose()
        conn = sqlite3.connect(tmp)
        index_sql = [r[0] for r in conn.execute(
            "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name='events' AND sql IS NOT NULL")]
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='events' "
                                    "AND sql IS NOT NULL").fetchall():
            conn.execute(f'DROP INDEX "{name}"')
        marks = ",".join("?" * len(EVENT_COLS))
        rows = synthetic_rows(n, seed)
        while True:
            chunk = [r for _, r in zip(range(100_000), rows, strict=False)]
            if not chunk:
                break
            conn.execute("BEGIN")
            conn.executemany(f"INSERT INTO events ({','.join(EVENT_COLS)}) VALUES ({marks})", chunk)
            conn.execute("COMMIT")
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO users ({','.join(USER_COLS)}) VALUES ({','.join('?' * len(USER_COLS))})",
                         list(user_rows(n, seed)))
        conn.execute("INSERT INTO identities (distinct_id, person, linked_at) SELECT id, id, first_seen FROM users")
        conn.execute("COMMIT")
        for sql in index_sql:
            conn.execute(sql)
        conn.close()
    conn = sqlite3.connect(tmp)
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    tmp.rename(path)


def open_sqlite(path: Path, log: Callable[[str], None]) -> Engine:
    """Open a cached database (migrating an older schema), with planner statistics for every index."""
    engine = open_database(f"sqlite:///{path}")
    with engine.begin() as conn:
        stats = {r[0] for r in conn.exec_driver_sql("SELECT idx FROM sqlite_stat1")}
        indexes = {r[0] for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_%'")}
        if indexes - stats:
            t0 = time.perf_counter()
            conn.exec_driver_sql("ANALYZE")
            log(f"ANALYZE (new indexes: {', '.join(sorted(indexes - stats))}) in {time.perf_counter() - t0:.0f} s")
    return engine


def postgres_copy(path: Path, url: str, log: Callable[[str], None]) -> str:
    """`url`, holding the events of `path` (loaded unless it already holds as many)."""
    src = sqlite3.connect(path)
    want = src.execute("SELECT count(*) FROM events").fetchone()[0]
    src.close()
    engine = open_database(url)
    with engine.connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM events")).scalar()
    engine.dispose()
    if have != want:
        t0 = time.perf_counter()
        load_postgres(url, path)
        log(f"loaded PostgreSQL in {time.perf_counter() - t0:.0f} s")
    return url


def load_postgres(url: str, sqlite_path: Path) -> None:
    """Copy the cached SQLite data into a fresh PostgreSQL database with COPY, then ANALYZE."""
    import psycopg

    engine = open_database(url)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    src = sqlite3.connect(sqlite_path)
    with psycopg.connect(dsn, autocommit=True) as pg:
        index_defs = [r[0] for r in pg.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'events' AND indexname LIKE 'ix_%'")]
        for (name,) in pg.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'events' "
                                  "AND indexname LIKE 'ix_%'").fetchall():
            pg.execute(f'DROP INDEX "{name}"')
        # The rollup triggers would keep a 10M-row transition table; compute the rollups once instead.
        pg.execute("ALTER TABLE events DISABLE TRIGGER USER")
        for table, cols in (("events", ("id", *EVENT_COLS)), ("event_context", ("id", "context")),
                            ("users", USER_COLS), ("identities", ("distinct_id", "person", "linked_at"))):
            with pg.cursor() as cur, cur.copy(f"COPY {table} ({','.join(cols)}) FROM STDIN") as copy:
                for row in src.execute(f"SELECT {','.join(cols)} FROM {table}"):
                    copy.write_row(row)
        pg.execute("SELECT setval(pg_get_serial_sequence('events', 'id'), (SELECT max(id) FROM events))")
        for sql in index_defs:
            pg.execute(sql)
        pg.execute("ALTER TABLE events ENABLE TRIGGER USER")
    with engine.begin() as conn:
        rollups.backfill(conn)
    engine.dispose()
    with psycopg.connect(dsn, autocommit=True) as pg:
        pg.execute("VACUUM ANALYZE")
    src.close()


# --------------------------------------------------------------------------------------------
# Questions: the engine's spec and hand-written SQL candidates per dialect


def period(first: str, last: str) -> Period:
    return Period.of_days(dt.date.fromisoformat(first), dt.date.fromisoformat(last), zone_info(ZONE))


def day_key_sql(p: Period) -> tuple[str, dict[str, int]]:
    """Hand-written local-day arithmetic for a range with one DST change (Berlin, October)."""
    segs = Bucketing.build(p, "day").segments
    assert len(segs) <= 2
    if len(segs) == 1:
        return "(ts + :o0) / 86400000", {"o0": segs[0][1]}
    return ("(ts + CASE WHEN ts < :t1 THEN :o0 ELSE :o1 END) / 86400000",
            {"t1": segs[1][0], "o0": segs[0][1], "o1": segs[1][1]})


def questions(max_id: int) -> list[dict[str, Any]]:
    p30 = period("2026-10-02", "2026-10-31")
    p90 = period("2026-08-03", "2026-10-31")
    k30, o30 = day_key_sql(p30)
    k90, o90 = day_key_sql(p90)
    r30 = {"s": p30.start_ms, "e": p30.end_ms, **o30}
    r90 = {"s": p90.start_ms, "e": p90.end_ms, **o90}
    days90 = (*Bucketing.build(p90, "day").starts, p90.end_ms)
    bounds90 = ", ".join(f"({days90[i]}, {days90[i]}, {days90[i + 1]})" for i in range(len(days90) - 1))
    top12 = ("SELECT event FROM events WHERE event IS NOT NULL AND ts >= :s AND ts < :e "
             "GROUP BY event ORDER BY count(*) DESC, event {coll} LIMIT 12")
    out = [
        {
            "name": "top-12 events per day, 30 days",
            "spec": {"kind": "segmentation", "unit": "day", "timezone": ZONE,
                     "range": {"from": "2026-10-02", "to": "2026-10-31"}},
            "params": r30,
            "sql": {
                "one statement, IN (top-12 subquery)": (
                    f"SELECT event, {k30} AS d, count(*) FROM events WHERE event IN ({top12}) "
                    "AND ts >= :s AND ts < :e GROUP BY event, d"),
                "CTE, join": (
                    f"WITH top AS ({top12}) SELECT e.event, {k30.replace('ts', 'e.ts')} AS d, count(*) "
                    "FROM events e JOIN top ON top.event = e.event WHERE e.ts >= :s AND e.ts < :e GROUP BY e.event, d"),
                "hourly rollup, one statement": (
                    f"SELECT event, {k30.replace('ts', 'hour')} AS d, sum(n) FROM event_hours WHERE event IN ("
                    "SELECT event FROM event_hours WHERE hour >= :s AND hour < :e "
                    "GROUP BY event ORDER BY sum(n) DESC, event {coll} LIMIT 12) "
                    "AND hour >= :s AND hour < :e GROUP BY event, d"),
                "hourly rollup, top-12 then per day": [
                    "SELECT event FROM event_hours WHERE hour >= :s AND hour < :e "
                    "GROUP BY event ORDER BY sum(n) DESC, event {coll} LIMIT 12",
                    f"SELECT event, {k30.replace('ts', 'hour')} AS d, sum(n) FROM event_hours "
                    "WHERE hour >= :s AND hour < :e GROUP BY event, d"],
            },
        },
        {
            "name": "unique people per day, 90 days",
            "spec": {"kind": "segmentation", "events": ["$all_events"], "measure": "unique", "unit": "day",
                     "timezone": ZONE, "range": {"from": "2026-08-03", "to": "2026-10-31"}},
            "params": r90,
            "sql": {
                "count(DISTINCT) per day + over the range": [
                    f"SELECT {k90} AS d, count(DISTINCT person) FROM events WHERE event IS NOT NULL "
                    "AND ts >= :s AND ts < :e GROUP BY d",
                    "SELECT count(DISTINCT person) FROM events WHERE event IS NOT NULL AND ts >= :s AND ts < :e"],
                "DISTINCT (day, person) then count": [
                    f"SELECT d, count(*) FROM (SELECT DISTINCT {k90} AS d, person FROM events "
                    "WHERE event IS NOT NULL AND ts >= :s AND ts < :e) x GROUP BY d",
                    "SELECT count(DISTINCT person) FROM events WHERE event IS NOT NULL AND ts >= :s AND ts < :e"],
                "DISTINCT (day, person) then count; total from SELECT DISTINCT person": [
                    f"SELECT d, count(*) FROM (SELECT DISTINCT {k90} AS d, person FROM events "
                    "WHERE event IS NOT NULL AND ts >= :s AND ts < :e) x GROUP BY d",
                    "SELECT count(*) FROM (SELECT DISTINCT person FROM events "
                    "WHERE event IS NOT NULL AND ts >= :s AND ts < :e) x"],
                "hourly rollup: DISTINCT (day, person), total from SELECT DISTINCT person": [
                    f"SELECT d, count(*) FROM (SELECT DISTINCT {k90.replace('ts', 'hour')} AS d, person "
                    "FROM person_hours WHERE hour >= :s AND hour < :e) x GROUP BY d",
                    "SELECT count(*) FROM (SELECT DISTINCT person FROM person_hours WHERE hour >= :s AND hour < :e) x"],
                "hourly rollup: per-day count over a list of day bounds; total by person": {
                    dialect: [
                        f"WITH b(d, s, e) AS (VALUES {bounds90}) SELECT d, (SELECT count(*) FROM (SELECT DISTINCT "
                        "person FROM person_hours WHERE hour >= b.s AND hour < b.e) x) FROM b",
                        # SQLite: `+ 0` keeps it from range-scanning the primary key, so it walks
                        # (person, hour) in order instead of sorting (PostgreSQL plans well as is).
                        f"SELECT count(*) FROM (SELECT person FROM person_hours WHERE hour{plus} >= :s "
                        f"AND hour{plus} < :e GROUP BY person) x"]
                    for dialect, plus in (("sqlite", " + 0"), ("postgresql", ""))},
                "hourly rollup: count(DISTINCT person) per day and over the range": [
                    f"SELECT {k90.replace('ts', 'hour')} AS d, count(DISTINCT person) FROM person_hours "
                    "WHERE hour >= :s AND hour < :e GROUP BY d",
                    "SELECT count(DISTINCT person) FROM person_hours WHERE hour >= :s AND hour < :e"],
            },
        },
        {
            "name": "one event per day by a JSON property (top 12 + Other)",
            "spec": {"kind": "segmentation", "events": ["Product Viewed"], "unit": "day", "timezone": ZONE,
                     "range": {"from": "2026-10-02", "to": "2026-10-31"}, "breakdown": "category"},
            "params": {**r30, "ev": "Product Viewed"},
            "sql": {
                "CTE of values, top-12 CTE, CASE": {
                    "sqlite": (
                        "WITH v AS (SELECT json_extract(properties, '$.category') AS g, ts FROM events "
                        "WHERE event = :ev AND ts >= :s AND ts < :e), "
                        "top AS (SELECT g FROM v GROUP BY g ORDER BY count(*) DESC, g LIMIT 12) "
                        f"SELECT CASE WHEN g IN (SELECT g FROM top) THEN g ELSE 'Other' END AS grp, {k30} AS d, "
                        "count(*) FROM v GROUP BY grp, d"),
                    "postgresql": (
                        "WITH v AS (SELECT properties ->> 'category' AS g, ts FROM events "
                        "WHERE event = :ev AND ts >= :s AND ts < :e), "
                        "top AS (SELECT g FROM v GROUP BY g ORDER BY count(*) DESC, g COLLATE \"C\" LIMIT 12) "
                        f"SELECT CASE WHEN g IN (SELECT g FROM top) THEN g ELSE 'Other' END AS grp, {k30} AS d, "
                        "count(*) FROM v GROUP BY grp, d"),
                },
                "value computed once in a subquery, fold small values in Python": {
                    # SQLite: LIMIT -1 keeps the subquery from being merged into the GROUP BY,
                    # which would evaluate the JSON expression twice per row.
                    "sqlite": (f"SELECT g, d, count(*) FROM (SELECT json_extract(properties, '$.category') AS g, "
                               f"{k30} AS d FROM events WHERE event = :ev AND ts >= :s AND ts < :e LIMIT -1) x "
                               "GROUP BY g, d"),
                    "postgresql": (f"SELECT g, d, count(*) FROM (SELECT properties ->> 'category' AS g, {k30} AS d "
                                   "FROM events WHERE event = :ev AND ts >= :s AND ts < :e) x GROUP BY g, d"),
                },
                "group by value, fold small values in Python": {
                    "sqlite": (f"SELECT json_extract(properties, '$.category') AS g, {k30} AS d, count(*) FROM events "
                               "WHERE event = :ev AND ts >= :s AND ts < :e GROUP BY g, d"),
                    "postgresql": (f"SELECT properties ->> 'category' AS g, {k30} AS d, count(*) FROM events "
                                   "WHERE event = :ev AND ts >= :s AND ts < :e GROUP BY g, d"),
                },
            },
        },
        # Beyond the list: a filter keeps a question off the rollups, so these read `events`.
        {
            "name": "filtered: one event per day where a JSON property = value",
            "spec": {"kind": "segmentation", "events": ["Product Viewed"], "unit": "day", "timezone": ZONE,
                     "range": {"from": "2026-10-02", "to": "2026-10-31"},
                     "where": [{"property": "category", "op": "eq", "value": "Beans"}]},
            "params": {**r30, "ev": "Product Viewed", "v": "Beans"},
            "sql": {
                "group by day, total in Python": {
                    "sqlite": (f"SELECT {k30} AS d, count(*) FROM events WHERE event = :ev AND ts >= :s AND ts < :e "
                               "AND json_extract(properties, '$.category') = :v GROUP BY d"),
                    "postgresql": (f"SELECT {k30} AS d, count(*) FROM events WHERE event = :ev AND ts >= :s "
                                   "AND ts < :e AND properties ->> 'category' = :v GROUP BY d"),
                },
            },
        },
        {
            "name": "filtered: top-12 events per day where $country_code = value",
            "spec": {"kind": "segmentation", "unit": "day", "timezone": ZONE,
                     "range": {"from": "2026-10-02", "to": "2026-10-31"},
                     "where": [{"property": "$country_code", "op": "eq", "value": "US"}]},
            "params": {**r30, "cc": "US"},
            "sql": {
                "one scan by (event, day), top 12 picked in Python": (
                    f"SELECT event, {k30} AS d, count(*) FROM events WHERE event IS NOT NULL AND ts >= :s "
                    "AND ts < :e AND country_code = :cc GROUP BY event, d"),
                # SQLite walks (ts) for this grouping order, and skip-scans (event, ts, ...) for the other
                "one scan by (day, event), top 12 picked in Python": (
                    f"SELECT {k30} AS d, event, count(*) FROM events WHERE event IS NOT NULL AND ts >= :s "
                    "AND ts < :e AND country_code = :cc GROUP BY d, event"),
                "top-12 CTE, then per day": (
                    "WITH f AS (SELECT event, ts FROM events WHERE event IS NOT NULL AND ts >= :s AND ts < :e "
                    "AND country_code = :cc), top AS (SELECT event FROM f GROUP BY event "
                    "ORDER BY count(*) DESC, event {coll} LIMIT 12) "
                    f"SELECT event, {k30} AS d, count(*) FROM f WHERE event IN (SELECT event FROM top) "
                    "GROUP BY event, d"),
            },
        },
        {
            "name": "live poll (100 newest after an id)",
            "spec": {"kind": "live", "after_id": max(0, max_id - 100), "limit": 100},
            "params": {"after": max(0, max_id - 100)},
            # rows decoded like the engine's (JSON documents parsed), else it is not the same answer
            "sql": {"id > N ORDER BY id DESC LIMIT, JSON decoded": (
                "SELECT e.id, type, event, person, user_id, anonymous_id, ts, received_at, properties, context, "
                "city, region, country_code, browser, os, device, referring_domain FROM events e "
                "LEFT JOIN event_context c ON c.id = e.id WHERE e.id > :after ORDER BY e.id DESC LIMIT 101")},
            "decode": (8, 9),
        },
        {
            "name": "live poll, nothing new",
            "spec": {"kind": "live", "after_id": max_id, "limit": 100},
            "params": {"after": max_id},
            "sql": {"id > N ORDER BY id DESC LIMIT": "SELECT id FROM events WHERE id > :after ORDER BY id DESC LIMIT 101"},
        },
    ]
    return out


# --------------------------------------------------------------------------------------------
# Timing


def interleaved_medians(fns: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Median seconds of each function, runs interleaved (rotating order) so that load from
    other processes on a shared machine hits the engine and the hand-written SQL alike."""
    for fn in fns.values():
        fn()  # warm-up: caches, plans
    times: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for i in range(repeat):
        for name in names[i % len(names):] + names[: i % len(names)]:
            t0 = time.perf_counter()
            fns[name]()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


def hand_runner(engine: Engine, sql: Any, params: dict[str, Any], decode: tuple[int, ...] = ()) -> Callable[[], Any]:
    statements = sql if isinstance(sql, list) else [sql]
    coll = ' COLLATE "C"' if engine.dialect.name == "postgresql" else ""
    compiled = [text(s.replace("{coll}", coll)) for s in statements]

    def run() -> Any:
        with engine.connect() as conn:
            out = [conn.execute(s, {k: v for k, v in params.items() if f":{k}" in str(s)}).all() for s in compiled]
        if decode:  # SQLite hands JSON back as text; psycopg has already parsed jsonb
            out = [[[json.loads(v) if i in decode and isinstance(v, str) else v for i, v in enumerate(row)]
                    for row in rows] for rows in out]
        return out

    return run


def bench(engine: Engine, dialect: str, n: int, repeat: int, log: Callable[[str], None],
          only: str | None = None) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        max_id = int(conn.execute(text("SELECT max(id) FROM events")).scalar() or 0)
        count = int(conn.execute(text("SELECT count(*) FROM events")).scalar() or 0)
    rows = []
    for q in questions(max_id):
        if only and only not in q["name"]:
            continue
        fns: dict[str, Callable[[], Any]] = {"engine": lambda q=q: run_query(engine, q["spec"], now=NOW)}
        for cand, sql in q["sql"].items():
            fns[cand] = hand_runner(engine, sql[dialect] if isinstance(sql, dict) else sql, q["params"],
                                    q.get("decode", ()))
        medians = interleaved_medians(fns, repeat)
        engine_s = medians.pop("engine")
        for cand, sec in medians.items():
            log(f"  {dialect} {q['name']}: hand [{cand}] {sec * 1000:.1f} ms")
        best_name = min(medians, key=lambda k: medians[k])
        best_s = medians[best_name]
        log(f"  {dialect} {q['name']}: engine {engine_s * 1000:.1f} ms, best hand {best_s * 1000:.1f} ms")
        rows.append({"question": q["name"], "dialect": dialect, "events": count, "engine": engine_s,
                     "hand": best_s, "hand_name": best_name, "ratio": engine_s / best_s})
    return rows


def fmt_time(s: float) -> str:
    return f"{s * 1000:.2f} ms" if s < 0.01 else (f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s")


def write_markdown(path: Path, rows: list[dict[str, Any]], args: argparse.Namespace, notes: list[str]) -> None:
    lines = [
        "# Query engine benchmark",
        "",
        f"Generated by `tests/benchmarks/bench_query.py` on {dt.date.today().isoformat()} "
        f"({platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, PostgreSQL from tests/support/postgres.py). Medians of {args.repeat} "
        "runs after one warm-up, engine and hand-written runs interleaved; the machine is shared and noisy "
        "(±40%). *Engine* is `run_query` end to end (parse, compile, execute, build the JSON); "
        "*hand-written* is the fastest of the candidate SQL statements listed, answering the same question.",
        "",
        "| question | database | events | engine | best hand-written | ratio | hand-written candidate |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(f"| {r['question']} | {r['dialect']} | {r['events']:,} | {fmt_time(r['engine'])} | "
                     f"{fmt_time(r['hand'])} | {r['ratio']:.2f} | {r['hand_name']} |")
    lines += ["", *notes, ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--dialects", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--source", choices=["synthetic", "demo"], default="demo")
    parser.add_argument("--only", default=None, help="run only the questions whose name contains this")
    parser.add_argument("--pg-url", default=None,
                        help="an existing PostgreSQL database to use (loaded unless it holds as many events)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/tracklens-bench"))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks" / "query.md")
    parser.add_argument("--notes", type=Path, default=None, help="markdown appended under the table")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)

    def log(msg: str) -> None:
        print(msg, flush=True)

    dialects = args.dialects.split(",")
    rows: list[dict[str, Any]] = []
    pg_cm = None
    server = None
    if "postgresql" in dialects and not args.pg_url:
        from tests.support.postgres import postgres_server

        pg_cm = postgres_server()
        server = pg_cm.__enter__()
    try:
        for n in args.events:
            path = args.cache / f"{args.source}-{n}-{args.seed}.sqlite"
            if not path.exists():
                t0 = time.perf_counter()
                build_sqlite(path, n, args.seed, args.source)
                log(f"built {path} in {time.perf_counter() - t0:.0f} s")
            if "sqlite" in dialects:
                engine = open_sqlite(path, log)
                rows += bench(engine, "sqlite", n, args.repeat, log, args.only)
                engine.dispose()
            if "postgresql" in dialects:
                url = postgres_copy(path, args.pg_url or (server.create_database() if server else ""), log)
                engine = open_database(url)
                rows += bench(engine, "postgresql", n, args.repeat, log, args.only)
                engine.dispose()
    finally:
        if pg_cm is not None:
            pg_cm.__exit__(None, None, None)
    notes = [args.notes.read_text(encoding="utf-8")] if args.notes else []
    write_markdown(args.out, rows, args, notes)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
