"""ClickHouse benchmark (issue 12, "Speed"): the benchmark questions on chDB beside SQLite on the
same 10M demo events, the panel questions on 100M events in chDB, and ingestion into chDB.

    .venv/bin/python tests/benchmarks/bench_clickhouse.py                      # everything
    .venv/bin/python tests/benchmarks/bench_clickhouse.py --parts queries      # 10M side by side only
    .venv/bin/python tests/benchmarks/bench_clickhouse.py --parts big,ingest
    .venv/bin/python tests/benchmarks/bench_clickhouse.py --parts store-profile --work /tmp/x --out /tmp/x.md
    .venv/bin/python tests/benchmarks/bench_clickhouse.py --parts prepare-profile --profile-file F.jsonl --repeat 5

Run on demand, never in the test suite. Writes /tmp/chbench/clickhouse.md (--out); the tables in docs/benchmarks/clickhouse.md are copied from there.

Data. Writing 10M demo events through the writer takes ~25 min on SQLite, so the 10M databases
are the cached 1M demo database (seed 7, tests/benchmarks/bench_query.py's cache) repeated 10x
in SQL, the same way on both databases: copy k (0..9) of an event gets id (id - 1) * 10 + k + 1
(ids stay in time order), person/user_id/anonymous_id/message_id suffixed `~k` (copy 0 keeps
the original), ts and received_at shifted by k * 61 s; users, identities and e-mails the same,
so every person of copy k has its own users/identities rows. That is 10x the persons over the
same 90 days, the shape of a 10M demo database (bench_query.md's 10M demo: 9.8M events, 371k
persons). SQLite gets it with one INSERT ... SELECT per table (indexes and rollups built after),
chDB with INSERT ... SELECT FROM sqlite('file', 'table') of the 1M rows into a staging table
and one INSERT ... SELECT ... ARRAY JOIN range(10) per table; the script checks the copies hold
the same events (count, sums of ids and times, distinct persons). The 100M chDB database is the
10M one repeated 10x again in ClickHouse SQL (suffix `^k`, ids * 10 + k, ts + k * 7 s).
chDB's `person_overrides` gets one row per merged identity (anonymous id -> person), as the
writer would have written them; the events carry the resolved person, so the answers equal
SQLite's, and the per-row override lookup is paid as in a real database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import shutil
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

WORK = Path("/tmp/chbench")
SOURCE = Path("/tmp/tracklens-bench/demo-1000000-7.sqlite")
SHIFT_MS = 61_000  # copy k of the 10x: times + k * 61 s
SHIFT_BIG_MS = 7_000  # copy k of the 100x: + k * 7 s more

EVENT_COLS = ("id", "message_id", "type", "event", "user_id", "anonymous_id", "person", "ts", "received_at",
              "properties", "city", "region", "country_code", "browser", "os", "device", "referring_domain")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _module(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------------------------
# Data: the 1M demo repeated 10x (SQLite, chDB), then 10x again (chDB)


def _sfx(col: str, k: str = "k.k") -> str:
    """SQLite: the value of copy k (NULL stays NULL, copy 0 keeps the original)."""
    return f"CASE WHEN {k} = 0 THEN {col} ELSE {col} || '~' || {k} END"


def build_sqlite(src: Path, dst: Path, copies: int = 10) -> None:
    """`dst`: `src`'s events, users and identities repeated `copies` times (module docstring)."""
    tmp = dst.with_suffix(".partial")
    for p in (tmp, Path(f"{tmp}-journal")):
        p.unlink(missing_ok=True)
    s = sqlite3.connect(src)
    ddl = s.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
                    ).fetchall()
    meta = s.execute("SELECT key, value FROM tracklens_meta").fetchall()
    n_src = s.execute("SELECT max(id) FROM events").fetchone()[0]
    s.close()
    c = sqlite3.connect(tmp, isolation_level=None)
    c.execute("PRAGMA journal_mode = OFF")
    c.execute("PRAGMA synchronous = OFF")
    c.execute("PRAGMA cache_size = -2000000")
    c.execute("PRAGMA temp_store = MEMORY")
    for typ, _name, sql in ddl:
        if typ == "table":
            c.execute(sql)
    c.executemany("INSERT INTO tracklens_meta (key, value) VALUES (?, ?)", meta)
    c.execute(f"ATTACH DATABASE '{src}' AS s")
    c.execute("CREATE TEMP TABLE ks (k INTEGER PRIMARY KEY)")
    c.executemany("INSERT INTO ks VALUES (?)", [(k,) for k in range(copies)])
    shift = f"k.k * {SHIFT_MS}"
    c.execute("BEGIN")
    t0 = time.perf_counter()
    # Outer loop the source rows in id order, inner the copies: rows arrive in the new id order.
    c.execute(
        f"INSERT INTO events ({','.join(EVENT_COLS)}) SELECT (e.id - 1) * {copies} + k.k + 1, "
        f"{_sfx('e.message_id')}, e.type, e.event, {_sfx('e.user_id')}, {_sfx('e.anonymous_id')}, "
        f"{_sfx('e.person')}, e.ts + {shift}, e.received_at + {shift}, e.properties, e.city, e.region, "
        "e.country_code, e.browser, e.os, e.device, e.referring_domain FROM s.events e CROSS JOIN ks k "
        "ORDER BY e.id, k.k")
    c.execute(f"INSERT INTO event_context (id, context) SELECT (e.id - 1) * {copies} + k.k + 1, e.context "
              "FROM s.event_context e CROSS JOIN ks k ORDER BY e.id, k.k")
    email = "CASE WHEN k.k = 0 OR u.email IS NULL THEN u.email ELSE k.k || '.' || u.email END"
    c.execute(
        f"INSERT INTO users (id, traits, email, first_seen, last_seen, event_count) SELECT {_sfx('u.id')}, "
        f"CASE WHEN k.k = 0 OR u.email IS NULL THEN u.traits ELSE json_set(u.traits, '$.email', {email}) END, "
        f"{email}, u.first_seen + {shift}, u.last_seen + {shift}, u.event_count FROM s.users u CROSS JOIN ks k")
    c.execute(f"INSERT INTO identities (distinct_id, person, linked_at) SELECT {_sfx('i.distinct_id')}, "
              f"{_sfx('i.person')}, i.linked_at + {shift} FROM s.identities i CROSS JOIN ks k")
    c.execute("UPDATE sqlite_sequence SET seq = (SELECT max(id) FROM events) WHERE name = 'events'")
    c.execute("COMMIT")
    log(f"sqlite: rows copied in {time.perf_counter() - t0:.0f} s ({n_src} source events)")
    c.execute("DETACH DATABASE s")
    t0 = time.perf_counter()
    for typ, _name, sql in ddl:
        if typ == "index":
            c.execute(sql)
    log(f"sqlite: indexes in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    c.execute("BEGIN")
    c.execute("DELETE FROM event_hours")
    c.execute("DELETE FROM person_hours")
    hour = "(ts - ((ts % 3600000) + 3600000) % 3600000)"
    for table, key in (("event_hours", "event"), ("person_hours", "person")):
        c.execute(f"INSERT INTO {table} (hour, {key}, n) SELECT {hour}, {key}, count(*) FROM events "
                  f"WHERE event IS NOT NULL GROUP BY 1, 2")
    c.execute("COMMIT")
    for typ, _name, sql in ddl:
        if typ == "trigger":
            c.execute(sql)
    log(f"sqlite: rollups in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    c.execute("ANALYZE")
    c.execute("PRAGMA journal_mode = DELETE")
    c.close()
    log(f"sqlite: ANALYZE in {time.perf_counter() - t0:.0f} s")
    tmp.rename(dst)


def chdb_url(folder: Path, database: str) -> str:
    return f"chdb:///{str(folder).lstrip('/')}?database={database}"


def _client(engine: Engine) -> Any:
    raw = engine.raw_connection()
    return raw, raw.dbapi_connection.client  # type: ignore[union-attr]


def _ch_sfx(col: str, k: str = "k", sep: str = "~") -> str:
    return f"if({k} = 0, {col}, concat({col}, '{sep}', toString({k})))"


def build_chdb(src: Path, engine: Engine, copies: int = 10) -> None:
    """The 10x of `src` (the SQLite 1M file) in the chDB database of `engine`, as build_sqlite."""
    raw, client = _client(engine)
    try:
        f = str(src).replace("'", "\\'")
        t0 = time.perf_counter()
        client.command("DROP TABLE IF EXISTS stage_events")
        client.command(f"CREATE TABLE stage_events ENGINE = MergeTree ORDER BY id AS SELECT "
                       f"e.*, c.context AS context FROM sqlite('{f}', 'events') e "
                       f"LEFT JOIN sqlite('{f}', 'event_context') c ON c.id = e.id")
        log(f"chdb: 1M staged from SQLite in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        shift = f"k * {SHIFT_MS}"
        cols = (*EVENT_COLS, "context")
        client.command(
            f"INSERT INTO events_data ({','.join(cols)}) SELECT (id - 1) * {copies} + k + 1, "
            f"{_ch_sfx('message_id')}, type, event, {_ch_sfx('user_id')}, {_ch_sfx('anonymous_id')}, "
            f"{_ch_sfx('person')}, ts + {shift}, received_at + {shift}, properties, city, region, country_code, "
            f"browser, os, device, referring_domain, context FROM stage_events ARRAY JOIN range({copies}) AS k",
            settings={"max_partitions_per_insert_block": 0})
        log(f"chdb: events x{copies} in {time.perf_counter() - t0:.1f} s")
        email = "if(k = 0 OR email IS NULL, email, concat(toString(k), '.', email))"
        client.command(
            "INSERT INTO users_data (id, traits, email, first_seen, last_seen, event_count, version, deleted) "
            f"SELECT {_ch_sfx('id')}, if(k = 0 OR email IS NULL, traits, replaceOne(traits, "
            f"concat('\"email\":\"', email, '\"'), concat('\"email\":\"', {email}, '\"'))), {email}, "
            f"first_seen + {shift}, last_seen + {shift}, event_count, 1, 0 FROM sqlite('{f}', 'users') "
            f"ARRAY JOIN range({copies}) AS k")
        client.command(
            "INSERT INTO identities_data (distinct_id, person, linked_at, version) "
            f"SELECT {_ch_sfx('distinct_id')}, {_ch_sfx('person')}, linked_at + {shift}, 1 "
            f"FROM sqlite('{f}', 'identities') ARRAY JOIN range({copies}) AS k")
        client.command("INSERT INTO person_overrides (old_person, person) SELECT distinct_id, person "
                       "FROM identities_data WHERE distinct_id != person")
        client.command("DROP TABLE stage_events")
        t0 = time.perf_counter()
        client.command("OPTIMIZE TABLE events_data FINAL")
        log(f"chdb: OPTIMIZE FINAL in {time.perf_counter() - t0:.1f} s")
    finally:
        raw.close()


def grow_chdb(src_db: str, engine: Engine, copies: int = 10) -> None:
    """The events, users and identities of chDB database `src_db` repeated `copies` times more."""
    raw, client = _client(engine)
    try:
        shift = f"k * {SHIFT_BIG_MS}"
        cols = (*EVENT_COLS, "context")
        t0 = time.perf_counter()
        for k in range(copies):  # one copy per statement: bounded memory, parts of ~10M rows
            client.command(
                f"INSERT INTO events_data ({','.join(cols)}) SELECT id * {copies} + {k}, "
                f"{_ch_sfx('message_id', str(k), '^')}, type, event, {_ch_sfx('user_id', str(k), '^')}, "
                f"{_ch_sfx('anonymous_id', str(k), '^')}, {_ch_sfx('person', str(k), '^')}, ts + {k * SHIFT_BIG_MS}, "
                f"received_at + {k * SHIFT_BIG_MS}, properties, city, region, country_code, browser, os, device, "
                f"referring_domain, context FROM {src_db}.events_data",
                settings={"max_partitions_per_insert_block": 0})
            log(f"chdb big: copy {k} at {time.perf_counter() - t0:.0f} s")
        email = "if(k = 0 OR email IS NULL, email, concat(toString(k), '^', email))"
        client.command(
            "INSERT INTO users_data (id, traits, email, first_seen, last_seen, event_count, version, deleted) "
            f"SELECT {_ch_sfx('id', sep='^')}, if(k = 0 OR email IS NULL, traits, replaceOne(traits, "
            f"concat('\"email\":\"', email, '\"'), concat('\"email\":\"', {email}, '\"'))), {email}, "
            f"first_seen + {shift}, last_seen + {shift}, event_count, 1, 0 FROM {src_db}.users_data FINAL "
            f"ARRAY JOIN range({copies}) AS k WHERE deleted = 0")
        client.command(
            "INSERT INTO identities_data (distinct_id, person, linked_at, version) "
            f"SELECT {_ch_sfx('distinct_id', sep='^')}, {_ch_sfx('person', sep='^')}, linked_at + {shift}, 1 "
            f"FROM {src_db}.identities_data FINAL ARRAY JOIN range({copies}) AS k")
        client.command("INSERT INTO person_overrides (old_person, person) SELECT distinct_id, person "
                       "FROM identities_data WHERE distinct_id != person")
        # No OPTIMIZE FINAL: at 100M it ran > 11 min on this machine; the parts stay as inserted
        # (10 copies x 4 months), as a database that is still merging would have them.
    finally:
        raw.close()


def fingerprint(engine: Engine) -> tuple[int, ...]:
    """(events, sum of ids, sum of times of day, distinct persons, first and last time, users,
    identities): equal copies."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT count(*), sum(id), sum(ts % 86400000), count(DISTINCT person), min(ts), "
                                "max(ts) FROM events")).one()
        users = conn.execute(text("SELECT count(*) FROM users")).scalar()
        ids = conn.execute(text("SELECT count(*) FROM identities")).scalar()
    return (*(int(v) for v in row), int(users or 0), int(ids or 0))


# --------------------------------------------------------------------------------------------
# Questions: the exact specs of bench_query.py and bench_funnel_users.py

#: bench_query.py's questions used here (the issue's list, then the two filtered ones)
SEGMENTATION = ("top-12 events per day, 30 days", "unique people per day, 90 days",
                "one event per day by a JSON property (top 12 + Other)", "live poll (100 newest after an id)",
                "live poll, nothing new", "filtered: one event per day where a JSON property = value",
                "filtered: top-12 events per day where $country_code = value")
#: the issue's list (the goals apply to these); the rest are shown for information
GOAL_QUESTIONS = ("top-12", "unique people", "JSON property (top 12", "funnel", "users:", "profile",
                  "live poll (100")


def questions(sqlite_engine: Engine) -> list[dict[str, Any]]:
    """[{name, spec, now}] with the other benchmarks' specs, computed on the SQLite copy."""
    bq = _module("bench_query")
    bf = _module("bench_funnel_users")
    with sqlite_engine.connect() as conn:
        max_id = int(conn.execute(text("SELECT max(id) FROM events")).scalar() or 0)
    out = [{"name": q["name"], "spec": q["spec"], "now": bq.NOW} for q in bq.questions(max_id)
           if q["name"] in SEGMENTATION]
    out += [{"name": q["name"], "spec": q["spec"], "now": q["now"]}
            for q in bf.questions(sqlite_engine, "sqlite", big=True)]
    order = {name: i for i, name in enumerate(GOAL_QUESTIONS)}

    def rank(q: dict[str, Any]) -> int:
        if not is_goal(q["name"]):
            return len(order)
        return next((i for key, i in order.items() if key in q["name"]), len(order))

    return sorted(out, key=rank)


def with_max_id(qs: list[dict[str, Any]], engine: Engine) -> list[dict[str, Any]]:
    """The questions with the live polls' ids taken from this database (100 rows new, none new)."""
    with engine.connect() as conn:
        max_id = int(conn.execute(text("SELECT max(id) FROM events")).scalar() or 0)
        after = int(conn.execute(text("SELECT min(id) FROM (SELECT id FROM events ORDER BY id DESC LIMIT 100) x"))
                    .scalar() or 0) - 1
    out = []
    for q in qs:
        if q["spec"]["kind"] == "live":
            spec = {**q["spec"], "after_id": max_id if "nothing new" in q["name"] else after}
            q = {**q, "spec": spec}
        out.append(q)
    return out


def is_goal(name: str) -> bool:
    return not name.startswith("filtered") and "nothing new" not in name and any(k in name for k in GOAL_QUESTIONS)


def _normal(value: Any) -> Any:
    """An answer with floats rounded (sums of floats differ in the last bits between engines)."""
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items() if k not in ("sql", "elapsed_ms", "timing")}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


def interleaved(fns: dict[str, Callable[[], Any]], repeat: int) -> tuple[dict[str, float], dict[str, Any]]:
    """Median seconds of each function after one warm-up, runs interleaved (rotating order) so
    load from other processes hits both databases alike; and each one's answer."""
    answers = {name: fn() for name, fn in fns.items()}
    times: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for i in range(repeat):
        for name in names[i % len(names):] + names[: i % len(names)]:
            t0 = time.perf_counter()
            fns[name]()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}, answers


def _runner(engine: Engine, q: dict[str, Any]) -> Callable[[], Any]:
    return lambda: run_query(engine, q["spec"], now=q["now"])


#: --ab-funnel: the funnels also run in their joined form (before funnel_arrays), interleaved
AB_FUNNEL = False


def _joined_runner(engine: Engine, q: dict[str, Any]) -> Callable[[], Any]:
    """The funnel with ClickHouse's per-person arrays switched off (the shared joined SQL)."""
    from app.core.backends.clickhouse import ClickHouseBackend

    def run() -> Any:
        ClickHouseBackend.funnel_person_arrays = False
        try:
            return run_query(engine, q["spec"], now=q["now"])
        finally:
            ClickHouseBackend.funnel_person_arrays = True

    return run


def _ab(fns: dict[str, Callable[[], Any]], engine: Engine, q: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    if AB_FUNNEL and q["spec"]["kind"] == "funnel":
        return {**fns, "chdb_joined": _joined_runner(engine, q)}
    return fns


def _joined(row: dict[str, Any], medians: dict[str, float], answers: dict[str, Any]) -> None:
    if "chdb_joined" in medians:
        row["chdb_joined"] = medians["chdb_joined"]
        row["joined_same"] = _normal(answers["chdb_joined"]) == _normal(answers["chdb"])


def bench_side_by_side(sqlite_engine: Engine, ch_engine: Engine, qs: list[dict[str, Any]],
                       repeat: int, only: str | None) -> list[dict[str, Any]]:
    rows = []
    for q in qs:
        if only and only not in q["name"]:
            continue
        fns = _ab({"sqlite": _runner(sqlite_engine, q), "chdb": _runner(ch_engine, q)}, ch_engine, q)
        medians, answers = interleaved(fns, repeat)
        same = _normal(answers["sqlite"]) == _normal(answers["chdb"])
        row = {"question": q["name"], "sqlite": medians["sqlite"], "chdb": medians["chdb"],
               "ratio": medians["sqlite"] / medians["chdb"], "same": same, "goal": is_goal(q["name"])}
        _joined(row, medians, answers)
        log(f"  {q['name']}: sqlite {fmt_time(row['sqlite'])}, chdb {fmt_time(row['chdb'])}, "
            f"x{row['ratio']:.1f}, same answer: {same}")
        rows.append(row)
    return rows


def bench_alone(engine: Engine, qs: list[dict[str, Any]], repeat: int, only: str | None) -> list[dict[str, Any]]:
    rows = []
    for q in qs:
        if only and only not in q["name"]:
            continue
        medians, answers = interleaved(_ab({"chdb": _runner(engine, q)}, engine, q), repeat)
        log(f"  {q['name']}: chdb {fmt_time(medians['chdb'])}" + (
            f" (joined form {fmt_time(medians['chdb_joined'])})" if "chdb_joined" in medians else ""))
        row = {"question": q["name"], "chdb": medians["chdb"], "goal": is_goal(q["name"])}
        _joined(row, medians, answers)
        rows.append(row)
    return rows


def _cpu_seconds() -> float:
    """CPU time of this process, all threads: chDB runs ClickHouse in-process, so this is what a
    statement cost, less sensitive than wall time to other programs on a loaded machine."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def funnel_stages(engine: Engine, repeat: int) -> list[dict[str, Any]]:
    """The 4-step funnel's one-pass statement (app/query/runners/funnel_arrays.py) cut after each
    stage, each cut counted so nothing is shipped to Python: where its time goes. Interleaved;
    medians of wall and CPU seconds."""
    import re

    from app.query.explain import explain_query

    bf = _module("bench_funnel_users")
    with engine.connect() as conn:
        end_ms = int(conn.execute(text("SELECT max(ts) FROM events")).scalar() or 0)
    now = dt.datetime.fromtimestamp(end_ms / 1000, tz=dt.UTC)
    first = now.date() - dt.timedelta(days=89)
    spec = {"kind": "funnel", "steps": bf.STEPS, "window": {"days": 7}, "timezone": "UTC",
            "range": {"from": first.isoformat(), "to": now.date().isoformat()}}
    full = explain_query(engine, spec, now=now)[0].rstrip().rstrip(";")
    scan = re.search(r"FROM \((SELECT `events`\.`stored_person`.*?)\) AS `funnel_rows`", full, re.S)
    arrays = re.search(r"\((SELECT ifNull\(joinGetOrNull.*?)\) AS `funnel_arrays`", full, re.S)
    if scan is None or arrays is None:
        raise SystemExit("the funnel's SQL no longer has the stages this profile cuts at")
    rows = scan.group(1)
    with_id = rows.replace("AS `sp`,", "AS `sp`, `events`.`id` AS `id`,", 1)
    with engine.connect() as conn:
        persons = int(conn.exec_driver_sql(f"SELECT uniqExact(sp) FROM ({rows})").scalar() or 1)
    stages = {
        "read the step events (1 row each: stored person, ts * 2^bits + mask)": f"SELECT count(), sum(v), sum(length(sp)) FROM ({rows})",
        "+ GROUP BY stored person (String), no arrays": f"SELECT count() FROM (SELECT sp FROM ({rows}) GROUP BY sp)",
        "+ groupArray per stored person": f"SELECT count(), sum(length(a)) FROM (SELECT sp, groupArray(v) a "
                                          f"FROM ({rows}) GROUP BY sp)",
        "+ override lookup, GROUP BY person, arraySort": f"SELECT count(), sum(length(evs)) FROM ({arrays.group(1)})",
        "+ entry/steps per person, the steps' counts (the whole statement)": full,
        # Beside the cuts, for the person key's choice (docs/benchmarks/clickhouse.md, 2026-12-06):
        # a 128-bit hash of the string as the key does not pay; an integer column (here the
        # event id in as many buckets as there are stored persons) shows what a stored integer
        # person key would.
        "(aside) GROUP BY xxh3_128(stored person), any(person)": f"SELECT count() FROM (SELECT any(sp) "
                                                                 f"FROM ({rows}) GROUP BY xxh3_128(sp))",
        "(aside) read an Int64 (the id) instead of the stored person": f"SELECT count(), sum(v), sum(id) FROM "
                                                                      f"({with_id})",
        f"(aside) GROUP BY an Int64 of the persons' cardinality (id % {persons}), no arrays": (
            f"SELECT count() FROM (SELECT id % {persons} AS k FROM ({with_id}) GROUP BY k)"),
    }
    walls: dict[str, list[float]] = {name: [] for name in stages}
    cpus: dict[str, list[float]] = {name: [] for name in stages}
    names = list(stages)
    with engine.connect() as conn:
        for sql in stages.values():
            conn.exec_driver_sql(sql).fetchall()
        for i in range(repeat):
            for name in names[i % len(names):] + names[: i % len(names)]:
                t0, c0 = time.perf_counter(), _cpu_seconds()
                conn.exec_driver_sql(stages[name]).fetchall()
                walls[name].append(time.perf_counter() - t0)
                cpus[name].append(_cpu_seconds() - c0)
    out: list[dict[str, Any]] = [{"stage": name, "wall": statistics.median(walls[name]),
                                  "cpu": statistics.median(cpus[name])}
           for name in names]
    for row in out:
        log(f"  {row['stage']}: wall {fmt_time(row['wall'])}, CPU {fmt_time(row['cpu'])}")
    return out


def bench_preping(engines: dict[str, tuple[Engine, Engine]], qs_by_db: dict[str, list[dict[str, Any]]],
                  repeat: int, only: str | None) -> list[dict[str, Any]]:
    """Each question through `run_query` with the pool's pre-ping (`SELECT 1` before every
    checkout) on and off: two engines on the same database, runs interleaved. `engines`: database
    label -> (engine with the ping, engine without). A first row times a bare checkout."""
    rows = []
    for label, (ping, plain) in engines.items():
        def checkout(engine: Engine) -> Callable[[], Any]:
            def run() -> None:
                for _ in range(20):
                    with engine.connect():
                        pass
            return run

        medians, _answers = interleaved({"ping": checkout(ping), "none": checkout(plain)}, repeat)
        rows.append({"db": label, "question": "a connection checked out and returned (alone)",
                     "ping": medians["ping"] / 20, "none": medians["none"] / 20, "same": True})
        for q in qs_by_db[label]:
            if only and only not in q["name"]:
                continue
            medians, answers = interleaved({"ping": _runner(ping, q), "none": _runner(plain, q)}, repeat)
            same = _normal(answers["ping"]) == _normal(answers["none"])
            rows.append({"db": label, "question": q["name"], "ping": medians["ping"], "none": medians["none"],
                         "same": same})
            log(f"  {label} {q['name']}: pre-ping {fmt_time(medians['ping'])}, none {fmt_time(medians['none'])}")
    return rows


#: funnel-variants: settings tried on the funnel's statement (a SETTINGS clause each)
FUNNEL_SETTINGS = ("max_threads = 3", "max_threads = 4", "aggregate_functions_null_for_empty = 0",
                   "max_block_size = 262144", "max_block_size = 16384", "compile_aggregate_expressions = 0",
                   "compile_expressions = 1", "optimize_use_projections = 0", "use_query_condition_cache = 0")


def funnel_variant_statements(full: str) -> dict[str, str]:
    """The 4-step funnel's statement (`full`, as run_query sends it) and rewrites of it: the
    entry's aggregate as before, the stored-person regroup's forms (and, marked "bound", what
    leaving it out would save: the same answer only where no stored person is merged, as in
    the benchmark's data), the redundant step filter left out, and each of FUNNEL_SETTINGS."""
    import re

    out = {"as it is": full}
    entry = "minIfOrNull(`funnel_rows`.`v`, bitAnd(`funnel_rows`.`v`, 1) != 0)"
    if entry in full:
        out["entry as min(CASE ... ELSE NULL) (before 9bcf418)"] = full.replace(
            entry, "min(CASE WHEN (bitAnd(`funnel_rows`.`v`, 1) != 0) THEN `funnel_rows`.`v` ELSE NULL END)")
    ors = re.search(r" AND \(`events`\.`event` = '[^']*'( OR `events`\.`event` = '[^']*')*\)\) AS `funnel_rows`", full)
    if ors:
        out["the steps' OR filter left out (event IN says it)"] = full.replace(ors.group(0), ") AS `funnel_rows`")
    look = "ifNull(joinGetOrNull('person_overrides', 'person', `funnel_stored`.`sp`), `funnel_stored`.`sp`)"
    regroup = re.search(r"SELECT " + re.escape(look) + r" AS `person`, arraySort\(arrayFlatten\(groupArray\("
                        r"`funnel_stored`\.`a`\)\)\) AS `evs`, min\(`funnel_stored`\.`e`\) AS `e0`\nFROM (.*)\n"
                        r"GROUP BY " + re.escape(look) + r"\) AS `funnel_arrays`", full, re.S)
    if regroup:
        stored = regroup.group(1)
        single = full.replace(regroup.group(0), "SELECT `funnel_stored`.`sp` AS `person`, arraySort(`funnel_stored`.`a`) "
                              "AS `evs`, `funnel_stored`.`e` AS `e0`\nFROM " + stored + ") AS `funnel_arrays`")
        out["(bound) no regroup"] = single
        out["(bound) the lookup, no regroup"] = full.replace(
            regroup.group(0), f"SELECT {look} AS `person`, arraySort(`funnel_stored`.`a`) AS `evs`, "
            "`funnel_stored`.`e` AS `e0`\nFROM " + stored + ") AS `funnel_arrays`")
        sp = "`events`.`stored_person`"
        out["the lookup per event, one GROUP BY"] = single.replace(
            f"SELECT {sp} AS `sp`", f"SELECT ifNull(joinGetOrNull('person_overrides', 'person', {sp}), {sp}) AS `sp`", 1)
        out["the lookup per event behind IN (old persons), one GROUP BY"] = single.replace(
            f"SELECT {sp} AS `sp`", f"SELECT if({sp} IN (SELECT old_person FROM person_overrides), "
            f"ifNull(joinGetOrNull('person_overrides', 'person', {sp}), {sp}), {sp}) AS `sp`", 1)
        out["regroup with groupArrayArray"] = full.replace(
            regroup.group(0), regroup.group(0).replace("arraySort(arrayFlatten(groupArray(`funnel_stored`.`a`)))",
                                                       "arraySort(groupArrayArray(`funnel_stored`.`a`))"))
        if stored.startswith("(") and stored.endswith(") AS `funnel_stored`") and full.startswith("WITH `funnel_people` AS ("):
            inner = stored[1:-len(") AS `funnel_stored`")]
            merged = ("(sp IN (SELECT person FROM person_overrides) OR "
                      "joinGetOrNull('person_overrides', 'person', sp) IS NOT NULL)")
            union = (f"SELECT sp AS person, arraySort(a) AS evs, e AS e0 FROM funnel_stored WHERE NOT {merged} UNION ALL "
                     "SELECT ifNull(joinGetOrNull('person_overrides', 'person', sp), sp) AS person, "
                     f"arraySort(arrayFlatten(groupArray(a))) AS evs, min(e) AS e0 FROM funnel_stored WHERE {merged} "
                     "GROUP BY person")
            body = full.replace(regroup.group(0), f"SELECT person, evs, e0 FROM ({union})) AS `funnel_arrays`")
            out["regroup only merged persons (materialized CTE)"] = (
                f"WITH `funnel_stored` AS MATERIALIZED ({inner}), {body[len('WITH '):]}"
                "\nSETTINGS enable_materialized_cte = 1")
    for setting in FUNNEL_SETTINGS:
        out[f"SETTINGS {setting}"] = f"{full}\nSETTINGS {setting}"
    return out


def funnel_variants(engine: Engine, repeat: int) -> list[dict[str, Any]]:
    """funnel_variant_statements interleaved in one process (rotating order): wall and the
    process's CPU, medians, each against the statement as it is; whether each answers the same."""
    from app.query.explain import explain_query

    bf = _module("bench_funnel_users")
    with engine.connect() as conn:
        end_ms = int(conn.execute(text("SELECT max(ts) FROM events")).scalar() or 0)
    now = dt.datetime.fromtimestamp(end_ms / 1000, tz=dt.UTC)
    first = now.date() - dt.timedelta(days=89)
    spec = {"kind": "funnel", "steps": bf.STEPS, "window": {"days": 7}, "timezone": "UTC",
            "range": {"from": first.isoformat(), "to": now.date().isoformat()}}
    statements = funnel_variant_statements(explain_query(engine, spec, now=now)[0].rstrip().rstrip(";"))
    walls: dict[str, list[float]] = {name: [] for name in statements}
    cpus: dict[str, list[float]] = {name: [] for name in statements}
    answers: dict[str, Any] = {}
    with engine.connect() as conn:
        for name, sql in statements.items():
            answers[name] = [tuple(row) for row in conn.exec_driver_sql(sql).fetchall()]
        names = list(statements)
        for i in range(repeat):
            for name in names[i % len(names):] + names[: i % len(names)]:
                t0, c0 = time.perf_counter(), _cpu_seconds()
                conn.exec_driver_sql(statements[name]).fetchall()
                walls[name].append(time.perf_counter() - t0)
                cpus[name].append(_cpu_seconds() - c0)
    base_wall, base_cpu = statistics.median(walls["as it is"]), statistics.median(cpus["as it is"])
    out = []
    for name in statements:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        out.append({"variant": name, "wall": wall, "cpu": cpu, "wall_ratio": wall / base_wall,
                    "cpu_ratio": cpu / base_cpu, "same": answers[name] == answers["as it is"]})
        log(f"  {name}: wall {fmt_time(wall)} (x{wall / base_wall:.3f}), CPU {fmt_time(cpu)} "
            f"(x{cpu / base_cpu:.3f}), same: {out[-1]['same']}")
    return out


def fmt_time(s: float) -> str:
    return f"{s * 1000:.2f} ms" if s < 0.01 else (f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s")


# --------------------------------------------------------------------------------------------
# Ingestion: `tracklens import` of a JSON Lines file, `tracklens demo`, each in its own process


def make_jsonl(path: Path, n: int, seed: int) -> None:
    """n demo messages (app.demo.generator, 90 days ending 2026-11-01) as JSON Lines."""
    import orjson

    from app.demo.generator import generate_messages

    end_ms = int(dt.datetime(2026, 11, 1, tzinfo=dt.UTC).timestamp() * 1000)
    tmp = path.with_suffix(".partial")
    with tmp.open("wb") as out:
        for msg in generate_messages(seed, n, end_ms - 90 * 86_400_000, end_ms):
            out.write(orjson.dumps(msg) + b"\n")
    tmp.rename(path)


def _cli(args: list[str]) -> tuple[float, str]:
    import subprocess

    t0 = time.perf_counter()
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "tracklens"), *args], capture_output=True, text=True,
                          check=True)
    return time.perf_counter() - t0, (done.stdout + done.stderr).strip().splitlines()[-1]


def _count(url: str) -> int:
    import subprocess

    code = ("import sys; from sqlalchemy import text; from app.core.database import open_database; "
            "e = open_database(sys.argv[1]); c = e.connect(); "
            "print(c.execute(text('SELECT count(*) FROM events')).scalar())")
    out = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, check=True, cwd=ROOT)
    return int(out.stdout.strip().splitlines()[-1])


def bench_ingest(work: Path, n_import: int, n_demo: int, repeat: int, dbs: list[str]) -> list[dict[str, Any]]:
    """events/s of `tracklens import` (whole process: start, open, read, enrich, write) and of
    `tracklens demo`, into a fresh chDB folder (and SQLite file) each run."""
    jsonl = work / f"demo-{n_import}.jsonl"
    if not jsonl.exists():
        t0 = time.perf_counter()
        make_jsonl(jsonl, n_import, seed=11)
        log(f"wrote {jsonl} in {time.perf_counter() - t0:.0f} s")
    rows = []
    for what, n in (("import", n_import), ("import --no-enrich", n_import), ("demo", n_demo)):
        for db in dbs:
            runs = []
            for i in range(repeat):
                target = work / f"ingest-{db}-{i}"
                shutil.rmtree(target, ignore_errors=True)
                target.unlink(missing_ok=True) if target.is_file() else None
                url = chdb_url(target, "default") if db == "chdb" else f"sqlite:///{target}"
                if what == "demo":
                    args = ["demo", "--db", url, "--events", str(n), "--seed", "3", "--end", "2026-11-01T00:00:00Z",
                            "--quiet"]
                else:
                    args = ["import", "--db", url, "--quiet", *what.split()[1:], str(jsonl)]
                sec, last = _cli(args)
                stored = _count(url)
                log(f"  {what} into {db}: {stored:,} events in {sec:.1f} s = {stored / sec:,.0f} events/s ({last})")
                runs.append((sec, stored))
                shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)
            sec = statistics.median(r[0] for r in runs)
            stored = runs[0][1]
            rows.append({"what": what, "db": db, "events": stored, "seconds": sec, "rate": stored / sec})
    return rows


#: The storing process's pieces profiled by `--parts store-profile` (ClickHouseBackend methods).
STORE_PIECES = ("stored_message_ids", "identity_rows", "person_rows", "identities_of_persons",
                "overrides_of_persons", "append_rows")


def store_profile(work: Path, source: Path) -> dict[str, Any]:
    """Where the storing process's time goes in a `tracklens import` into a new chDB folder: the
    importer in this process (worker processes prepare, as the command does), each backend piece
    timed by thread CPU and wall around its calls, the whole store (app.ingest.appendstore.store)
    and the storing thread and process CPU per stored event."""
    import functools

    from app.core.backends.clickhouse import ClickHouseBackend
    from app.ingest import appendstore
    from app.ingest.importer import ImportSummary, import_files
    from app.ingest.workers import auto_workers
    from app.ingest.writer import EventWriter

    folder = work / "store-profile"
    shutil.rmtree(folder, ignore_errors=True)
    cpu: dict[str, float] = {}
    wall: dict[str, float] = {}

    def timed(owner: Any, name: str) -> None:
        inner = getattr(owner, name)

        @functools.wraps(inner)
        def wrapper(*a: Any, **k: Any) -> Any:
            key = f"{name} {a[2]}" if name == "append_rows" else name
            t_cpu, t_wall = time.thread_time(), time.perf_counter()
            try:
                return inner(*a, **k)
            finally:
                cpu[key] = cpu.get(key, 0.0) + time.thread_time() - t_cpu
                wall[key] = wall.get(key, 0.0) + time.perf_counter() - t_wall

        setattr(owner, name, wrapper)

    for name in STORE_PIECES:
        timed(ClickHouseBackend, name)
    timed(appendstore, "store")
    engine = open_database(chdb_url(folder, "default"))
    try:
        summary = ImportSummary()
        load = os.getloadavg()[0]
        t_wall, t_thread, t_proc = time.perf_counter(), time.thread_time(), time.process_time()
        import_files(EventWriter(engine), [source], summary=summary, workers=auto_workers(source.stat().st_size))
        seconds = time.perf_counter() - t_wall
        thread_cpu, process_cpu = time.thread_time() - t_thread, time.process_time() - t_proc
    finally:
        engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    n = summary.stored
    pieces = [{"piece": k, "cpu_us": cpu[k] / n * 1e6, "wall": wall[k]} for k in sorted(cpu, key=lambda k: -cpu[k])]
    log(f"  stored {n:,} in {seconds:.1f} s = {n / seconds:,.0f} events/s; storing thread "
        f"{thread_cpu / n * 1e6:.1f} us/event, process {process_cpu / n * 1e6:.1f} us/event (load {load:.1f})")
    return {"source": str(source), "events": n, "seconds": seconds, "thread_us": thread_cpu / n * 1e6,
            "process_us": process_cpu / n * 1e6, "load": load, "pieces": pieces}


def prepare_profile(source: Path, lines_read: int, repeat: int) -> dict[str, Any]:
    """The import worker's side in this process, as `tracklens import` runs it: chunks of the
    database's batch size (ClickHouse's 20,000) of JSON lines parsed, validated and enriched
    (app.ingest.importer._prepare_lines), made rows and pickled (what the process pool sends), then
    unpickled and made records again (the storing process's side); CPU per line of each, the
    worker's garbage collector set as in a worker (start-up frozen, its thresholds), enrichment's
    caches warm (one pass first). Medians of `repeat` passes."""
    import gc
    import gzip
    import pickle

    from app.core.backends.clickhouse import ClickHouseBackend
    from app.ingest import workers
    from app.ingest.enrich import Enricher
    from app.ingest.importer import _prepare_lines

    opener: Any = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rb") as f:
        lines = [line for _, line in zip(range(lines_read), f, strict=False)]
    chunk = ClickHouseBackend.bulk_batch_rows
    chunks = [(lines[i:i + chunk], i + 1) for i in range(0, len(lines), chunk)]
    enricher = Enricher()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*getattr(workers, "WORKER_GC_THRESHOLD", gc.get_threshold()))
    prepare, handover, sizes = [], [], []
    for i in range(repeat + 1):
        t_prepare = t_handover = 0.0
        size = 0
        for part, first in chunks:
            t0 = time.process_time()
            data = pickle.dumps([(workers.to_rows(records), result, tag) for records, result, tag
                                 in _prepare_lines(enricher, part, first, chunk, source.name)],
                                protocol=pickle.HIGHEST_PROTOCOL)
            t1 = time.process_time()
            [(workers.from_rows(rows), result, tag) for rows, result, tag in pickle.loads(data)]
            t_prepare += t1 - t0
            t_handover += time.process_time() - t1
            size += len(data)
        if i:  # the first pass warms enrichment's caches
            prepare.append(t_prepare / len(lines) * 1e6)
            handover.append(t_handover / len(lines) * 1e6)
            sizes.append(size / len(lines))
    result = {"lines": len(lines), "prepare_us": statistics.median(prepare), "handover_us": statistics.median(handover),
              "pickled_bytes": statistics.median(sizes), "load": os.getloadavg()[0]}
    log(f"  {len(lines):,} lines: worker {result['prepare_us']:.2f} us/line (parse, validate, enrich, rows, pickle; "
        f"runs {', '.join(f'{x:.2f}' for x in prepare)}), storing side {result['handover_us']:.2f} us/line "
        f"(unpickle, records), {result['pickled_bytes']:.0f} bytes/line pickled (load {result['load']:.1f})")
    return result


# --------------------------------------------------------------------------------------------
# Report


def machine_facts() -> str:
    import chdb  # type: ignore[import-untyped]

    load = os.getloadavg()
    mem = ""
    with open("/proc/meminfo", encoding="ascii") as fh:
        info = dict(line.split(":", 1) for line in fh)
    mem = f"{int(info['MemTotal'].split()[0]) // 1024 ** 2} GB RAM"
    return (f"{platform.platform()}, {os.cpu_count()} CPUs, {mem}, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, chDB {chdb.__version__} (ClickHouse {chdb.engine_version}); "
            f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")


def write_markdown(path: Path, results: dict[str, Any], args: argparse.Namespace, notes: str) -> None:
    lines = [
        "# ClickHouse benchmark",
        "",
        f"Generated by `tests/benchmarks/bench_clickhouse.py` on {dt.date.today().isoformat()} "
        f"({results['machine']}). Medians of {args.repeat} runs after one warm-up; SQLite and chDB runs "
        "interleaved. Times are `run_query` end to end (parse, compile, execute, build the JSON).",
        "",
    ]
    if results.get("loads"):
        lines += ["Load average (1 min) at the start and end of each part, on this 2-core machine shared with other "
                  "work: " + "; ".join(f"{part} {' → '.join(f'{v:.1f}' for v in vals)}"
                                       for part, vals in results["loads"].items()) + ".", ""]
    if results.get("side"):
        n10 = results["events10"]
        lines += [
            f"## 10M events: chDB beside SQLite ({n10:,} events, {results['persons10']:,} persons, same rows)",
            "",
            "Goal (issue 12): each of the issue's questions ≤ 0.3 s on chDB and ≥ 4x faster than SQLite.",
            "",
            "| question | SQLite | chDB | SQLite / chDB | same answer | ≤ 0.3 s | ≥ 4x | chDB before |",
            "|---|---:|---:|---:|:---:|:---:|:---:|---:|",
        ]
        before = {r["question"]: r["chdb"] for r in results.get("before", [])}
        before.update({r["question"]: r["chdb_joined"] for r in results["side"] if "chdb_joined" in r})
        for r in results["side"]:
            ok = (("yes" if r["chdb"] <= 0.3 else "**no**"), ("yes" if r["ratio"] >= 4 else "**no**"))
            if not r["goal"]:
                ok = ("(not in the goal list)", "")
            was = fmt_time(before[r["question"]]) if r["question"] in before else ""
            lines.append(f"| {r['question']} | {fmt_time(r['sqlite'])} | {fmt_time(r['chdb'])} | "
                         f"{r['ratio']:.1f}x | {'yes' if r['same'] else '**no**'} | {ok[0]} | {ok[1]} | {was} |")
        lines.append("")
    if results.get("big"):
        lines += [
            f"## 100M events on chDB ({results['events100']:,} events, {results['persons100']:,} persons)",
            "",
            "Goal: every panel question ≤ 3 s on this 2-core machine.",
            "",
            "| question | chDB 10M | chDB 100M | ≤ 3 s | chDB 100M before |",
            "|---|---:|---:|:---:|---:|",
        ]
        at10 = {r["question"]: r["chdb"] for r in results.get("side", [])}
        for r in results["big"]:
            ten = fmt_time(at10[r["question"]]) if r["question"] in at10 else ""
            was = fmt_time(r["chdb_joined"]) if "chdb_joined" in r else ""
            lines.append(f"| {r['question']} | {ten} | {fmt_time(r['chdb'])} | "
                         f"{'yes' if r['chdb'] <= 3 else '**no**'} | {was} |")
        lines.append("")
    if results.get("ingest"):
        lines += [
            "## Ingestion",
            "",
            f"Goal: `tracklens import` into ClickHouse ≥ 50,000 events/s. Each run is the whole command in its "
            f"own process (start, open, read, validate, enrich, write) into a new database; median of "
            f"{args.ingest_repeat}.",
            "",
            "| command | database | events | seconds | events/s |",
            "|---|---|---:|---:|---:|",
        ]
        for r in results["ingest"]:
            lines.append(f"| `tracklens {r['what']}` | {r['db']} | {r['events']:,} | {r['seconds']:.1f} | "
                         f"{r['rate']:,.0f} |")
        lines.append("")
    if results.get("store_profile"):
        prof = results["store_profile"]
        lines += [
            f"## Where an import's storing process spends its time ({prof['events']:,} events of "
            f"{Path(prof['source']).name}, load {prof['load']:.1f})",
            "",
            f"{prof['events'] / prof['seconds']:,.0f} events/s; CPU per stored event: storing thread "
            f"{prof['thread_us']:.1f} µs, storing process {prof['process_us']:.1f} µs (its chDB threads included; "
            "the worker processes that parse, validate and enrich are not).",
            "",
            "| piece | CPU per event (storing thread) | wall |",
            "|---|---:|---:|",
        ]
        lines += [f"| `{r['piece']}` | {r['cpu_us']:.1f} µs | {r['wall']:.2f} s |" for r in prof["pieces"]]
        lines.append("")
    if results.get("prepare_profile"):
        prep = results["prepare_profile"]
        lines += [
            f"## The import worker's side, in-process ({prep['lines']:,} lines, load {prep['load']:.1f})",
            "",
            f"Parse, validate, enrich, rows and pickle: {prep['prepare_us']:.2f} µs per line; unpickling and "
            f"making records again (the storing process): {prep['handover_us']:.2f} µs; "
            f"{prep['pickled_bytes']:.0f} bytes per line pickled.",
            "",
        ]
    if results.get("funnel_variants"):
        lines += [
            f"## The funnel's statement, rewritten (chDB, {results.get('stages_on', 'ch/m10')})",
            "",
            "| variant | wall | CPU | wall / as it is | CPU / as it is | same answer |",
            "|---|---:|---:|---:|---:|:---:|",
        ]
        lines += [f"| {r['variant']} | {fmt_time(r['wall'])} | {fmt_time(r['cpu'])} | {r['wall_ratio']:.3f} | "
                  f"{r['cpu_ratio']:.3f} | {'yes' if r['same'] else '**no**'} |" for r in results["funnel_variants"]]
        lines.append("")
    if results.get("preping"):
        lines += [
            "## The pool's pre-ping (`SELECT 1` before every checkout), on and off",
            "",
            "| database | question | pre-ping | none | saved | same answer |",
            "|---|---|---:|---:|---:|:---:|",
        ]
        lines += [f"| {r['db']} | {r['question']} | {fmt_time(r['ping'])} | {fmt_time(r['none'])} | "
                  f"{fmt_time(r['ping'] - r['none'])} | {'yes' if r['same'] else '**no**'} |"
                  for r in results["preping"]]
        lines.append("")
    if results.get("funnel_stages"):
        lines += [
            f"## The funnel, stage by stage (chDB, {results.get('stages_on', 'ch/m10')})",
            "",
            "The 4-step funnel's statement cut after each stage (cumulative); CPU is the process's (chDB runs "
            "in-process, 2 threads).",
            "",
            "| up to | wall | CPU |",
            "|---|---:|---:|",
        ]
        lines += [f"| {r['stage']} | {fmt_time(r['wall'])} | {fmt_time(r['cpu'])} |" for r in results["funnel_stages"]]
        lines.append("")
    if notes:
        lines += [notes.rstrip(), ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


#: --as-is: open the existing databases without creating or migrating anything (create=False)
OPEN_AS_IS = False


def open_bench(url: str) -> Engine:
    """A benchmark database; with --as-is exactly as it is (a migration of a newer working tree
    would otherwise rewrite 10M-100M events, or add a projection that takes minutes to build)."""
    return open_database(url, create=not OPEN_AS_IS)


def open_chdb(folder: Path, database: str) -> Engine:
    """A chDB database of the benchmark, with its hourly rollups (computed from the events when
    the database was built before ClickHouse had them)."""
    from app.core.backends.clickhouse import ensure_rollups

    engine = open_bench(chdb_url(folder, database))
    t0 = time.perf_counter()
    with engine.begin() as conn:
        if ensure_rollups(conn):
            log(f"chdb {database}: rollups computed from the events in {time.perf_counter() - t0:.1f} s")
    return engine


def run_part(part: str, args: argparse.Namespace) -> dict[str, Any]:
    """One part, in this process (chDB opens one folder per process)."""
    global AB_FUNNEL, OPEN_AS_IS
    AB_FUNNEL, OPEN_AS_IS = args.ab_funnel, args.as_is
    results: dict[str, Any] = {"loads": {part: [os.getloadavg()[0]]}}
    if args.rollups:  # read ClickHouse's hourly rollups (off by default until its tests allow it)
        from app.core.backends.clickhouse import ClickHouseBackend

        ClickHouseBackend.hourly_rollups = True
    lite = args.work / "demo-10m.sqlite"
    if part in ("queries", "big"):
        if not lite.exists():
            t0 = time.perf_counter()
            build_sqlite(args.source, lite)
            log(f"built {lite} in {time.perf_counter() - t0:.0f} s")
        sqlite_engine = open_bench(f"sqlite:///{lite}")
        qs = questions(sqlite_engine)
    if part == "queries":
        ch10 = open_chdb(args.work / "ch", "m10")
        if fingerprint(ch10)[0] == 0:
            t0 = time.perf_counter()
            build_chdb(args.source, ch10)
            log(f"built chDB 10M in {time.perf_counter() - t0:.0f} s")
        fp_lite, fp_ch = fingerprint(sqlite_engine), fingerprint(ch10)
        log(f"fingerprints: sqlite {fp_lite}, chdb {fp_ch}")
        if fp_lite != fp_ch:
            raise SystemExit("the SQLite and chDB copies differ")
        results.update(events10=fp_ch[0], persons10=fp_ch[3])
        log("10M side by side")
        results["side"] = bench_side_by_side(sqlite_engine, ch10, qs, args.repeat, args.only)
        ch10.dispose()
    if part == "big":
        folder = args.work / "ch100"
        ch100 = open_chdb(folder, "m100")
        if fingerprint(ch100)[0] == 0:  # the 10M built again in this folder, then grown 10x
            t0 = time.perf_counter()
            ch10 = open_database(chdb_url(folder, "m10"))
            build_chdb(args.source, ch10)
            grow_chdb("m10", ch100)
            with ch100.begin() as conn:
                conn.exec_driver_sql("DROP DATABASE m10")
            log(f"built chDB 100M in {time.perf_counter() - t0:.0f} s")
        fp = fingerprint(ch100)
        log(f"chDB 100M: {fp}")
        results.update(events100=fp[0], persons100=fp[3])
        log("100M on chDB")
        results["big"] = bench_alone(ch100, with_max_id(qs, ch100), args.repeat, args.only)
        ch100.dispose()
    if part in ("queries", "big"):
        sqlite_engine.dispose()
    if part == "preping":
        # chDB 10M and the 1M SQLite file, each question with the pool's pre-ping on and off
        lite1 = open_bench(f"sqlite:///{args.source}")
        lite1_ping = open_database(f"sqlite:///{args.source}", create=not OPEN_AS_IS, pool_pre_ping=True)
        ch10 = open_chdb(args.work / "ch", "m10")
        ch10_ping = open_database(chdb_url(args.work / "ch", "m10"), create=False, pool_pre_ping=True)
        sqlite10 = open_bench(f"sqlite:///{lite}")
        qs10 = with_max_id(questions(sqlite10), ch10)
        sqlite10.dispose()
        qs1 = with_max_id(questions(lite1), lite1)
        results["preping"] = bench_preping({"chDB 10M": (ch10_ping, ch10), "SQLite 1M": (lite1_ping, lite1)},
                                           {"chDB 10M": qs10, "SQLite 1M": qs1}, args.repeat, args.only)
        for engine in (lite1, lite1_ping, ch10, ch10_ping):
            engine.dispose()
    if part in ("funnel-variants", "funnel-stages"):
        folder, database = args.stages_on.split("/")
        ch = open_chdb(args.work / folder, database)
        if part == "funnel-variants":
            log(f"the funnel's statement on {folder}/{database}, rewritten")
            results["funnel_variants"] = funnel_variants(ch, args.repeat)
        else:
            log(f"the funnel on {folder}/{database}, stage by stage")
            results["funnel_stages"] = funnel_stages(ch, args.repeat)
        results["stages_on"] = args.stages_on
        ch.dispose()
    if part == "store-profile":
        log(f"the storing process of an import of {args.profile_file}")
        results["store_profile"] = store_profile(args.work, args.profile_file)
    if part == "prepare-profile":
        log(f"the import worker's side of {args.profile_file}")
        results["prepare_profile"] = prepare_profile(args.profile_file, args.profile_lines, args.repeat)
    if part == "ingest":
        log("ingestion")
        results["ingest"] = bench_ingest(args.work, args.import_events, args.demo_events, args.ingest_repeat,
                                         ["chdb", "sqlite"])
    results["loads"][part].append(os.getloadavg()[0])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default="queries,big,ingest", help="queries (10M side by side), big (100M), "
                        "ingest, funnel-stages (the 10M funnel's statement stage by stage, wall and CPU), store-profile "
                        "(an import's storing process piece by piece), prepare-profile (the import worker's "
                        "preparing and the hand-over, in-process, CPU per line), preping (each question with the pool's "
                        "pre-ping on and off: chDB 10M, the 1M SQLite file), funnel-variants (the funnel's "
                        "statement and rewrites of it, interleaved)")
    parser.add_argument("--work", type=Path, default=WORK, help="where the databases are built and kept")
    parser.add_argument("--source", type=Path, default=SOURCE, help="the 1M demo SQLite database (seed 7)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--ingest-repeat", type=int, default=3)
    parser.add_argument("--import-events", type=int, default=300_000)
    parser.add_argument("--demo-events", type=int, default=200_000)
    parser.add_argument("--only", default=None, help="run only the questions whose name contains this")
    parser.add_argument("--out", type=Path, default=WORK / "clickhouse.md",
                        help="the markdown written (docs/benchmarks/clickhouse.md holds dated sections written by hand: copy from here, do not write over it)")
    parser.add_argument("--json", type=Path, default=None, help="also write the measurements here")
    parser.add_argument("--notes", type=Path, default=None, help="markdown appended under the tables")
    parser.add_argument("--rollups", action="store_true", help="let queries read chDB's hourly rollups "
                        "(ClickHouseBackend.hourly_rollups, off in the code for now)")
    parser.add_argument("--before", type=Path, default=None, help="an earlier run's --json: its chDB column")
    parser.add_argument("--report-only", action="store_true", help="write the markdown from --json, run nothing")
    parser.add_argument("--ab-funnel", action="store_true", help="also run the funnels in their joined form "
                        "(ClickHouse's per-person arrays off), interleaved: the 'before' columns")
    parser.add_argument("--as-is", action="store_true", help="open the existing databases without creating "
                        "or migrating anything")
    parser.add_argument("--stages-on", default="ch/m10", help="funnel-stages: FOLDER/DATABASE under --work "
                        "(ch100/m100: the 100M database)")
    parser.add_argument("--profile-file", type=Path,
                        default=Path("/tmp/tracklens-bench/export-100000-1.jsonl.gz"),
                        help="store-profile, prepare-profile: the export file imported")
    parser.add_argument("--profile-lines", type=int, default=100_000, help="prepare-profile: lines read")
    parser.add_argument("--part-json", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    parts = args.parts.split(",")
    if args.part_json:  # a child: one part
        args.part_json.write_text(json.dumps(run_part(parts[0], args), default=str), encoding="utf-8")
        return
    import subprocess

    results: dict[str, Any] = {}
    if args.report_only:
        parts = []
        results = json.loads(args.json.read_text(encoding="utf-8"))
    for part in parts:  # each in its own process: chDB opens one folder per process
        out = args.work / f"part-{part}.json"
        argv = [a for a in sys.argv[1:]]
        subprocess.run([sys.executable, __file__, *argv, "--parts", part, "--part-json", str(out)], check=True)
        done = json.loads(out.read_text(encoding="utf-8"))
        loads = {**results.get("loads", {}), **done.pop("loads", {})}
        results.update(done, loads=loads)
    results.setdefault("machine", machine_facts())
    if args.json and not args.report_only:
        args.json.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    if args.before:  # an earlier run's --json, shown beside this one
        results["before"] = json.loads(args.before.read_text(encoding="utf-8")).get("side", [])
    notes = args.notes.read_text(encoding="utf-8") if args.notes else ""
    write_markdown(args.out, results, args, notes)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
