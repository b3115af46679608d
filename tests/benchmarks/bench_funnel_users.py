"""Funnel, users and profile benchmark at 1M+ events, SQLite and PostgreSQL.

For each question the engine's time (run_query end to end) is compared with the best
hand-written SQL we found answering the same question (several candidates; the fastest
counts). Medians of --repeat interleaved runs after a warm-up.

    .venv/bin/python tests/benchmarks/bench_funnel_users.py --db /tmp/demo-1000000.sqlite
    .venv/bin/python tests/benchmarks/bench_funnel_users.py --events 1000000 --source synthetic

Data: an existing SQLite event database (--db; e.g. one written by app.demo.generator, which
has the funnel Product Viewed → Added To Cart → Checkout Started → Order Completed and traits
gender/age), or one built by tests/benchmarks/bench_query.py's loader (--source
synthetic|demo). PostgreSQL is loaded from the SQLite file with COPY, then ANALYZE.
Writes docs/benchmarks/funnel_users.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.database import open_database  # noqa: E402
from app.query import run_query  # noqa: E402
from app.query.timerange import Period  # noqa: E402
from app.query.zones import zone_info  # noqa: E402

ZONE = "UTC"
DAY = 86_400_000
STEPS = ["Product Viewed", "Added To Cart", "Checkout Started", "Order Completed"]
WINDOW = 7 * DAY


def _loader() -> Any:
    """tests/benchmarks/bench_query.py: its synthetic/demo builder and PostgreSQL COPY loader."""
    spec = importlib.util.spec_from_file_location("bench_query", Path(__file__).with_name("bench_query.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------------------------
# Hand-written SQL. {coll} becomes COLLATE "C" on PostgreSQL (binary order, as the engine).

_FUNNEL_FIRST = """
f0 AS (SELECT person, MIN(ts) AS t0 FROM {src0} WHERE {e0} AND ts >= :start AND ts < :end GROUP BY person),
f1 AS (SELECT f0.person, f0.t0, MIN(e.ts) AS t1 FROM f0 JOIN {src} e ON e.person = f0.person AND {e1}
       AND e.ts > f0.t0 AND e.ts <= f0.t0 + :w GROUP BY f0.person, f0.t0),
f2 AS (SELECT f1.person, f1.t0, f1.t1, MIN(e.ts) AS t2 FROM f1 JOIN {src} e ON e.person = f1.person AND {e2}
       AND e.ts > f1.t1 AND e.ts <= f1.t0 + :w GROUP BY f1.person, f1.t0, f1.t1),
f3 AS (SELECT f2.person, f2.t0, f2.t2, MIN(e.ts) AS t3 FROM f2 JOIN {src} e ON e.person = f2.person AND {e3}
       AND e.ts > f2.t2 AND e.ts <= f2.t0 + :w GROUP BY f2.person, f2.t0, f2.t2),
fp AS (SELECT f0.person, f0.t0, f1.t1, f2.t2, f3.t3 FROM f0 LEFT JOIN f1 ON f1.person = f0.person
       LEFT JOIN f2 ON f2.person = f0.person LEFT JOIN f3 ON f3.person = f0.person)
"""

_PG_AGG = """SELECT count(*), count(t1), sum(t1 - t0), percentile_cont(0.5) WITHIN GROUP (ORDER BY t1 - t0),
count(t2), sum(t2 - t1), percentile_cont(0.5) WITHIN GROUP (ORDER BY t2 - t1),
count(t3), sum(t3 - t2), percentile_cont(0.5) WITHIN GROUP (ORDER BY t3 - t2) FROM fp"""

_SQLITE_AGG = """, d AS (SELECT t1 - t0 AS d1, t2 - t1 AS d2, t3 - t2 AS d3 FROM fp),
r AS (SELECT d1, d2, d3,
  row_number() OVER (ORDER BY d1 NULLS LAST) AS r1, count(d1) OVER () AS c1,
  row_number() OVER (ORDER BY d2 NULLS LAST) AS r2, count(d2) OVER () AS c2,
  row_number() OVER (ORDER BY d3 NULLS LAST) AS r3, count(d3) OVER () AS c3 FROM d)
SELECT count(*), count(d1), sum(d1), avg(CASE WHEN r1 IN ((c1 + 1) / 2, (c1 + 2) / 2) THEN d1 END),
  count(d2), sum(d2), avg(CASE WHEN r2 IN ((c2 + 1) / 2, (c2 + 2) / 2) THEN d2 END),
  count(d3), sum(d3), avg(CASE WHEN r3 IN ((c3 + 1) / 2, (c3 + 2) / 2) THEN d3 END) FROM r"""


_SEEK = """
f0 AS (SELECT person, MIN(ts) AS t0 FROM events WHERE event = :s0 AND ts{plus} >= :start AND ts{plus} < :end
       GROUP BY person),
f1 AS MATERIALIZED (SELECT person, t0, (SELECT MIN(e.ts) FROM events e WHERE e.event = :s1
       AND e.person = f0.person AND e.ts > f0.t0 AND e.ts <= f0.t0 + :w) AS t1 FROM f0),
f2 AS MATERIALIZED (SELECT person, t0, t1, CASE WHEN t1 IS NOT NULL THEN (SELECT MIN(e.ts) FROM events e
       WHERE e.event = :s2 AND e.person = f1.person AND e.ts > f1.t1 AND e.ts <= f1.t0 + :w) END AS t2 FROM f1),
f3 AS MATERIALIZED (SELECT person, t0, t1, t2, CASE WHEN t2 IS NOT NULL THEN (SELECT MIN(e.ts) FROM events e
       WHERE e.event = :s3 AND e.person = f2.person AND e.ts > f2.t2 AND e.ts <= f2.t0 + :w) END AS t3 FROM f2),
fp AS (SELECT person, t0, t1, t2, t3 FROM f3)
"""

# Medians ranking only the non-NULL differences, all steps in one sorted list.
_SQLITE_AGG_LONG = """, d AS (SELECT t1 - t0 AS d1, t2 - t1 AS d2, t3 - t2 AS d3 FROM fp),
l AS (SELECT 1 AS k, d1 AS v FROM d WHERE d1 IS NOT NULL UNION ALL SELECT 2, d2 FROM d WHERE d2 IS NOT NULL
      UNION ALL SELECT 3, d3 FROM d WHERE d3 IS NOT NULL),
r AS (SELECT k, v, row_number() OVER (PARTITION BY k ORDER BY v) AS rn, count(*) OVER (PARTITION BY k) AS c FROM l),
m AS (SELECT k, avg(v) AS med FROM r WHERE rn IN ((c + 1) / 2, (c + 2) / 2) GROUP BY k)
SELECT count(*), count(d1), sum(d1), (SELECT med FROM m WHERE k = 1), count(d2), sum(d2),
  (SELECT med FROM m WHERE k = 2), count(d3), sum(d3), (SELECT med FROM m WHERE k = 3) FROM d"""


def funnel_sql(dialect: str, variant: str) -> str:
    """'direct': every step joins the events table (index on person, ts); 'cte': the step events
    are filtered once into a CTE first (REFERENCE.md's fastest on PostgreSQL); 'seek': each next
    step is a correlated MIN per person, one seek in (event, person, ts)."""
    agg = _PG_AGG if dialect == "postgresql" else _SQLITE_AGG
    if variant == "seek":
        agg = _PG_AGG if dialect == "postgresql" else _SQLITE_AGG_LONG
        # SQLite: `+ 0` makes it walk (event, person, ts) in person order rather than range-scan
        # the wide segmentation index and sort (2.4x faster over 90 days).
        seek = _SEEK.replace("{plus}", " + 0" if dialect == "sqlite" else "")
        return "WITH " + seek.strip() + ("\n" + agg if dialect == "postgresql" else agg)
    if variant == "direct":
        body = _FUNNEL_FIRST.format(src0="events", src="events", e0="event = :s0", e1="e.event = :s1",
                                    e2="e.event = :s2", e3="e.event = :s3")
        return "WITH " + body.strip() + ("\n" + agg if dialect == "postgresql" else agg)
    se = ("se AS (SELECT person, ts, event FROM events WHERE event IN (:s0, :s1, :s2, :s3) "
          "AND ts >= :start AND ts < :end + :w),")
    body = _FUNNEL_FIRST.format(src0="se", src="se", e0="event = :s0", e1="e.event = :s1", e2="e.event = :s2",
                                e3="e.event = :s3")
    return "WITH " + se + body.strip() + ("\n" + agg if dialect == "postgresql" else agg)


def users_sql(trait_sql: str, materialized: bool) -> list[str]:
    """The example cohort's first page and total: traits from users, the did-clause as IN (GROUP BY
    HAVING), inline or as a MATERIALIZED CTE (evaluated once; PostgreSQL otherwise re-scans it)."""
    did = ("SELECT person FROM events WHERE event = :did AND ts >= :dstart AND ts < :dend "
           "GROUP BY person HAVING count(*) >= 3")
    if materialized:
        with_ = f"WITH d AS MATERIALIZED ({did}) "
        where = f"{trait_sql} AND id IN (SELECT person FROM d)"
    else:
        with_ = ""
        where = f"{trait_sql} AND id IN ({did})"
    return [f"{with_}SELECT id, traits, first_seen, last_seen, event_count FROM users WHERE {where} "
            "ORDER BY last_seen DESC, id{coll} DESC LIMIT 101",
            f"{with_}SELECT count(*) FROM users WHERE {where}"]


def traits(dialect: str) -> str:
    if dialect == "postgresql":
        return ("jsonb_typeof(traits -> 'gender') = 'string' AND traits ->> 'gender' = 'female' "
                "AND jsonb_typeof(traits -> 'age') = 'number' AND (traits ->> 'age')::float8 > 35")
    return ("json_type(traits, '$.gender') = 'text' AND json_extract(traits, '$.gender') = 'female' "
            "AND json_type(traits, '$.age') IN ('integer', 'real') AND json_extract(traits, '$.age') > 35")


PROFILE_SQL = [
    "SELECT * FROM users WHERE id = coalesce((SELECT person FROM identities WHERE distinct_id = :uid LIMIT 1), :uid)",
    "SELECT distinct_id, linked_at FROM identities WHERE person = :uid ORDER BY linked_at, distinct_id{coll}",
    *[f"SELECT {c} FROM events WHERE person = :uid AND {c} IS NOT NULL ORDER BY ts DESC, id DESC LIMIT 1"
      for c in ("city", "country_code", "region", "browser", "os", "device")],
    "SELECT e.id, type, event, ts, user_id, anonymous_id, properties, context, city, region, country_code, browser, "
    "os, device, referring_domain FROM events e LEFT JOIN event_context c ON c.id = e.id WHERE person = :uid "
    "ORDER BY ts DESC, e.id DESC LIMIT 51",
]


# --------------------------------------------------------------------------------------------


def interleaved_medians(fns: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for i in range(repeat):
        for name in names[i % len(names):] + names[: i % len(names)]:
            t0 = time.perf_counter()
            fns[name]()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


def hand_runner(engine: Engine, statements: list[str], params: dict[str, Any],
                decode: dict[int, tuple[int, ...]] | None = None) -> Callable[[], Any]:
    """`decode`: statement index -> JSON columns to parse, as the engine's answer has them parsed
    (SQLite hands JSON back as text; psycopg has already parsed jsonb)."""
    coll = ' COLLATE "C"' if engine.dialect.name == "postgresql" else ""
    compiled = [text(s.replace("{coll}", coll)) for s in statements]

    def run() -> Any:
        with engine.connect() as conn:
            out = [conn.execute(s, {k: v for k, v in params.items() if f":{k}" in str(s)}).all() for s in compiled]
        for i, cols in (decode or {}).items():
            out[i] = [[json.loads(v) if j in cols and isinstance(v, str) else v for j, v in enumerate(row)]
                      for row in out[i]]
        return out

    return run


def questions(engine: Engine, dialect: str, big: bool = False) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        end_ms = int(conn.execute(text("SELECT max(ts) FROM events")).scalar() or 0)
        heavy = conn.execute(text("SELECT person FROM events GROUP BY person ORDER BY count(*) DESC LIMIT 1")).scalar()
        has_gender = bool(conn.execute(text(
            "SELECT count(*) FROM users WHERE email IS NOT NULL AND traits LIKE '%gender%'" if dialect == "sqlite"
            else "SELECT count(*) FROM users WHERE traits ? 'gender'")).scalar())
    now = dt.datetime.fromtimestamp(end_ms / 1000, tz=dt.UTC)
    last = now.date()
    first = last - dt.timedelta(days=89)
    zone = zone_info(ZONE)
    p90 = Period.of_days(first, last, zone)
    p30 = Period.of_days(last - dt.timedelta(days=29), last, zone)
    funnel_spec = {"kind": "funnel", "steps": STEPS, "window": {"days": 7}, "timezone": ZONE,
                   "range": {"from": first.isoformat(), "to": last.isoformat()}}
    fparams = {"s0": STEPS[0], "s1": STEPS[1], "s2": STEPS[2], "s3": STEPS[3], "start": p90.start_ms,
               "end": p90.end_ms, "w": WINDOW}
    trait_filters = ([{"trait": "gender", "op": "eq", "value": "female"}] if has_gender
                     else [{"trait": "plan", "op": "eq", "value": "pro"}])
    trait_sql = traits(dialect)
    if not has_gender:  # synthetic data: plan instead of gender
        trait_sql = trait_sql.replace("gender", "plan").replace("'female'", "'pro'")
    users_spec = {"kind": "users", "timezone": ZONE,
                  "where": [*trait_filters, {"trait": "age", "op": "gt", "value": 35}],
                  "did": [{"event": "Order Completed", "min": 3, "range": {"last": 30, "unit": "day"}}]}
    uparams = {"did": "Order Completed", "dstart": p30.start_ms, "dend": p30.end_ms}
    funnel_candidates = {"direct": [funnel_sql(dialect, "direct")], "cte": [funnel_sql(dialect, "cte")],
                         "seek": [funnel_sql(dialect, "seek")]}
    if dialect == "sqlite" and big:
        del funnel_candidates["direct"]  # 5x slower than "cte" on SQLite at 1M: minutes at 10M
    return [
        {"name": "4-step funnel, 7-day window, 90 days", "spec": funnel_spec, "now": now,
         "sql": funnel_candidates, "params": fparams},
        {"name": "users: traits + did Order Completed >= 3 in 30 days (page + total)", "spec": users_spec,
         "now": now, "sql": {"in-group-by": users_sql(trait_sql, False),
                                       "materialized-cte": users_sql(trait_sql, True)}, "params": uparams},
        {"name": f"profile open (heaviest person, {heavy})", "spec": {"kind": "profile", "user": heavy},
         "now": now, "sql": {"per-field limit 1, JSON decoded": PROFILE_SQL}, "params": {"uid": heavy},
         "decode": {0: (1,), len(PROFILE_SQL) - 1: (6, 7)}},
    ]


def bench(engine: Engine, dialect: str, repeat: int, log: Callable[[str], None]) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        count = int(conn.execute(text("SELECT count(*) FROM events")).scalar() or 0)
    rows = []
    for q in questions(engine, dialect, big=count > 2_000_000):
        fns: dict[str, Callable[[], Any]] = {"engine": lambda q=q: run_query(engine, q["spec"], now=q["now"])}
        for cand, sql in q["sql"].items():
            fns[cand] = hand_runner(engine, sql, q["params"], q.get("decode"))
        medians = interleaved_medians(fns, repeat)
        engine_s = medians.pop("engine")
        for cand, sec in medians.items():
            log(f"  {dialect} {q['name']}: hand [{cand}] {sec * 1000:.1f} ms")
        best = min(medians, key=lambda k: medians[k])
        log(f"  {dialect} {q['name']}: engine {engine_s * 1000:.1f} ms, best hand {medians[best] * 1000:.1f} ms")
        rows.append({"question": q["name"], "dialect": dialect, "events": count, "engine": engine_s,
                     "hand": medians[best], "hand_name": best, "ratio": engine_s / medians[best]})
    return rows


def _proc_cpu(pid: int) -> tuple[int, float]:
    """(parent pid, seconds of CPU of the process and of its reaped children) from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[1]), sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def server_cpu_meter(engine: Engine) -> Callable[[], float] | None:
    """A PostgreSQL server's CPU seconds so far, when it runs on this machine: the postmaster's
    own and its reaped children's (parallel workers exit after each query) plus its live
    children's. Under load, CPU is steadier than wall time; other sessions' work is included.
    None for SQLite or a server whose processes cannot be read here."""
    host = engine.url.host or ""
    if engine.dialect.name != "postgresql" or host not in ("", "localhost", "127.0.0.1", "::1"):
        return None  # SQLite, or a server elsewhere (its pid would name some process here)
    with engine.connect() as conn:
        backend = int(conn.execute(text("SELECT pg_backend_pid()")).scalar() or 0)
    try:
        postmaster, _ = _proc_cpu(backend)
        _proc_cpu(postmaster)
        if {Path(f"/proc/{pid}/comm").read_text().strip() for pid in (backend, postmaster)} != {"postgres"}:
            return None
    except (OSError, ValueError, IndexError):
        return None

    def total() -> float:
        _, own = _proc_cpu(postmaster)
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    parent, used = _proc_cpu(int(entry.name))
                except (OSError, ValueError, IndexError):
                    continue  # exited meanwhile
                if parent == postmaster:
                    own += used
        return own
    return total


def bench_options(engine: Engine, label: str, repeat: int, log: Callable[[str], None]) -> list[str]:
    """Issue 14's funnel options against the plain funnel (the goal: within 1.5x): the 4-step
    funnel over the last 90 days (Europe/Berlin, 7-day window), plain, with an exclusion, with a
    held property, interleaved. Wall and CPU medians: this process's CPU (SQLite runs in it) or
    the PostgreSQL server's (server_cpu_meter) — the figure other load on the machine disturbs
    least."""
    with engine.connect() as conn:
        end_ms = int(conn.execute(text("SELECT max(ts) FROM events")).scalar() or 0)
    server_cpu = server_cpu_meter(engine)
    cpu_now: Callable[[], float] = server_cpu if server_cpu is not None else time.process_time
    now = dt.datetime.fromtimestamp(end_ms / 1000, tz=dt.UTC)
    last = now.date()
    base: dict[str, Any] = {"kind": "funnel", "steps": STEPS, "window": {"days": 7}, "timezone": "Europe/Berlin",
                            "range": {"from": (last - dt.timedelta(days=89)).isoformat(), "to": last.isoformat()}}
    specs: dict[str, dict[str, Any]] = {"plain": base,
             "+ exclusion (Signed Out between steps 1 and 4)":
                 {**base, "exclusions": [{"event": "Signed Out", "from_step": 1, "to_step": 4}]},
             "+ hold `category`": {**base, "hold": "category"},
             "+ hold `currency` (carried by all 4 steps' events)": {**base, "hold": "currency"}}
    for spec in specs.values():
        run_query(engine, spec, now=now)  # warm-up
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in specs}
    names = list(specs)
    for i in range(repeat):
        for name in names[i % len(names):] + names[: i % len(names)]:
            t0, c0 = time.perf_counter(), cpu_now()
            run_query(engine, specs[name], now=now)
            times[name].append((time.perf_counter() - t0, cpu_now() - c0))
    wall = {n: statistics.median(t for t, _ in ts) for n, ts in times.items()}
    cpu = {n: statistics.median(c for _, c in ts) for n, ts in times.items()}
    lines = []
    for name in names:
        whose = "server" if server_cpu is not None else "this process"
        line = (f"| {label} | {name} | {fmt_time(wall[name])} | {wall[name] / wall['plain']:.2f} | "
                f"{fmt_time(cpu[name])} ({whose}) | {cpu[name] / cpu['plain']:.2f} |")
        log(line)
        lines.append(line)
    return lines


def fmt_time(s: float) -> str:
    return f"{s * 1000:.2f} ms" if s < 0.01 else (f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s")


def write_markdown(path: Path, rows: list[dict[str, Any]], args: argparse.Namespace, source: str,
                   notes: list[str]) -> None:
    lines = [
        "# Funnel, users and profile benchmark",
        "",
        f"Generated by `tests/benchmarks/bench_funnel_users.py` on {dt.date.today().isoformat()} "
        f"({platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite "
        f"{sqlite3.sqlite_version}, PostgreSQL from tests/support/postgres.py) on {source}. Medians of "
        f"{args.repeat} runs after one warm-up, engine and hand-written runs interleaved; the machine is shared "
        "and noisy (±40%). *Engine* is `run_query` end to end (parse, compile, execute, build the JSON); "
        "*hand-written* is the fastest of the candidate SQL texts in the script answering the same question "
        "(for the funnel: counts, sums and medians per step).",
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
    parser.add_argument("--db", type=Path, help="an existing SQLite event database (not modified except ANALYZE)")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--source", choices=["synthetic", "demo"], default="demo")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dialects", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/tracklens-bench-b"))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks" / "funnel_users.md")
    parser.add_argument("--notes", type=Path, default=None, help="markdown appended under the table")
    parser.add_argument("--options", action="store_true",
                        help="only issue 14's funnel options (exclusion, hold) against the plain funnel; prints a "
                             "table, reads the databases only (--pg-url must already hold the events)")
    parser.add_argument("--pg-url", default=None,
                        help="an existing PostgreSQL database to use (loaded unless it holds as many events)")
    args = parser.parse_args()

    def log(msg: str) -> None:
        print(msg, flush=True)

    loader = _loader()
    if args.db is not None:
        path, source = args.db, f"the database {args.db.name}"
    else:
        args.cache.mkdir(parents=True, exist_ok=True)
        path = args.cache / f"{args.source}-{args.events}-{args.seed}.sqlite"
        source = f"{args.source} data ({args.events:,} events requested, seed {args.seed})"
        if not path.exists():
            t0 = time.perf_counter()
            loader.build_sqlite(path, args.events, args.seed, args.source)
            log(f"built {path} in {time.perf_counter() - t0:.0f} s")
    dialects = args.dialects.split(",")
    if args.options:
        log("| database | funnel | wall | vs plain | CPU | vs plain |\n|---|---|---:|---:|---:|---:|")
        if "sqlite" in dialects:
            engine = open_database(f"sqlite:///{path}", create=False)
            bench_options(engine, "SQLite", args.repeat, log)
            engine.dispose()
        if "postgresql" in dialects and args.pg_url:
            engine = open_database(args.pg_url, create=False)
            bench_options(engine, "PostgreSQL", args.repeat, log)
            engine.dispose()
        return
    rows: list[dict[str, Any]] = []
    if "sqlite" in dialects:
        engine = loader.open_sqlite(path, log)  # migrates an older schema; ANALYZEs new indexes
        rows += bench(engine, "sqlite", args.repeat, log)
        engine.dispose()
    if "postgresql" in dialects and args.pg_url:
        engine = open_database(loader.postgres_copy(path, args.pg_url, log))
        rows += bench(engine, "postgresql", args.repeat, log)
        engine.dispose()
    elif "postgresql" in dialects:
        from tests.support.postgres import postgres_server

        with postgres_server() as server:
            engine = open_database(loader.postgres_copy(path, server.create_database(), log))
            rows += bench(engine, "postgresql", args.repeat, log)
            engine.dispose()
    notes = [args.notes.read_text(encoding="utf-8")] if args.notes else []
    write_markdown(args.out, rows, args, source, notes)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
