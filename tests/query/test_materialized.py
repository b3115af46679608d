"""Materialized properties (`tracklens materialize`): a funnel's held property and property
breakdowns read the property's own column, with exactly the answers of reading `properties`
(and of the oracle), for events stored before and after the column was added, on every
database."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import strategies as st
from sqlalchemy import Engine, inspect
from sqlalchemy import event as sa_event

from app.cli.main import cli
from app.core.backends import backend_for
from app.core.database import open_database
from app.core.materialized import MaterializeError, column_name, drop, materialize, materialized
from app.core.schema import events, meta, users
from app.query import run_query
from app.query.explain import explain_query
from app.query.reference.common import load
from app.query.reference.funnel import funnel as oracle
from tests.query.support import clear_rows, event_row, examples, insert_rows, ms, user_row

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 11, 4, 12, 0, tzinfo=dt.UTC)
BASE: dict[str, Any] = {"kind": "funnel", "steps": ["View", "Cart", "Buy"], "timezone": "UTC",
                        "range": {"from": "2026-11-01", "to": "2026-11-03"}, "window": {"days": 1}}
SPECS: list[dict[str, Any]] = [
    {**BASE, "hold": "cur"},
    {**BASE, "hold": "cur", "order": "strict"},
    {**BASE, "breakdown": {"property": "cur"}},
    {**BASE, "hold": "cur", "breakdown": {"property": "cur"}},
    {**BASE, "hold": "cur", "view": "trends", "unit": "day"},
]
#: Values whose display texts tie or differ: "1" and 1 are both "1"; 1.5 keeps its text; true is
#: "true"; null, objects and a missing key have none.
MISSING = object()
VALUES: list[Any] = ["EUR", "USD", 1, "1", 1.5, True, "true", None, {"a": 1}, [1], "ü €"]


def rows(first: int, people: int) -> list[dict[str, Any]]:
    out = []
    for i in range(first, first + people):
        p = f"p{i}"
        entry, later = VALUES[i % len(VALUES)], VALUES[(i * 7 + 3) % len(VALUES)]
        t = ms(f"2026-11-0{1 + i % 3} 08:{i % 60:02d}")
        props = [{"cur": entry}, {"cur": entry if i % 3 else later}, {"cur": entry if i % 4 else later}]
        if i % 5 == 0:
            props[1] = {}
        for k, (event, own) in enumerate(zip(BASE["steps"], props, strict=True)):
            out.append(event_row(event, p, t + k * 60_000, own))
        out.append(event_row("Buy", p, t + 5 * 60_000, {"cur": later}))
    return out


PERSONS: dict[str, Any] = {"kind": "funnel_persons", "funnel": {k: v for k, v in SPECS[0].items() if k != "kind"},
                           "step": 2, "status": "reached", "sort": {"by": "id", "desc": False}}


def answers(engine: Engine) -> list[Any]:
    return [run_query(engine, spec, now=NOW) for spec in [*SPECS, PERSONS]]


def test_held_and_broken_down_funnels_read_the_column_with_the_same_answers(engine: Engine) -> None:
    first = rows(0, 40)
    insert_rows(engine, first, [user_row(f"p{i}") for i in range(70)])
    before = answers(engine)
    if not backend_for(engine).materializes_properties:
        with pytest.raises(MaterializeError, match="not available on ClickHouse yet"):
            materialize(engine, "cur")
        assert answers(engine) == before
        return

    column = materialize(engine, "cur")
    assert column == column_name("cur")
    with engine.connect() as conn:
        assert materialized(conn) == {"cur": column}
    assert answers(engine) == before
    for spec in [*SPECS, PERSONS]:
        assert any(column in sql for sql in explain_query(engine, spec, now=NOW)), spec

    insert_rows(engine, rows(40, 30), [])  # stored after: the database computes their column too
    after = answers(engine)
    for spec, got in zip(SPECS, after, strict=False):
        if spec.get("view") != "trends":
            assert got == oracle(load(engine), spec, NOW), spec
    with pytest.raises(MaterializeError, match="materialized already"):
        materialize(engine, "cur")

    drop(engine, "cur")
    with engine.connect() as conn:
        assert materialized(conn) == {}
    assert answers(engine) == after
    assert not any(column in sql for sql in explain_query(engine, SPECS[0], now=NOW))


def test_only_funnels_look_the_columns_up(sqlite_url: str) -> None:
    """The materialized columns are read (one SELECT of tracklens_meta) for a held or
    broken-down funnel and its persons drill, not for segmentation's or retention's breakdowns,
    which do not use them."""
    engine = open_database(sqlite_url)
    insert_rows(engine, rows(0, 5), [user_row(f"p{i}") for i in range(5)])
    materialize(engine, "cur")
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    sa_event.listen(engine, "before_cursor_execute", record)
    breakdown = {"property": "cur"}
    looked: dict[str, bool] = {}
    for name, spec in {"funnel": {**BASE, "breakdown": breakdown}, "persons": PERSONS,
                       "segmentation": {"kind": "segmentation", "events": ["View"], "breakdown": breakdown,
                                        "range": BASE["range"], "timezone": "UTC"},
                       "retention": {"kind": "retention", "start": {"event": "View"}, "return": {"event": "Buy"},
                                     "breakdown": breakdown, "range": BASE["range"], "timezone": "UTC"}}.items():
        sent.clear()
        run_query(engine, spec, now=NOW)
        looked[name] = any("tracklens_meta" in sql for sql in sent)
    sa_event.remove(engine, "before_cursor_execute", record)
    assert looked == {"funnel": True, "persons": True, "segmentation": False, "retention": False}


@pytest.mark.parametrize("name, message", [("$browser", "is a column already"), ("a\"b", "not a property name"),
                                           ("", "not a property name"),
                                           ("caf\udce9", "is not valid Unicode")])
def test_what_cannot_be_materialized_is_one_line(sqlite_url: str, name: str, message: str) -> None:
    """'caf\udce9': a name with a byte that is not UTF-8 (b'caf\xe9' on the command line) was a
    UnicodeEncodeError traceback, to add and to --drop alike."""
    open_database(sqlite_url).dispose()
    result = CliRunner().invoke(cli, ["materialize", "--db", sqlite_url, name])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert message in result.output and "Traceback" not in result.output
    dropped = CliRunner().invoke(cli, ["materialize", "--db", sqlite_url, "--drop", name])
    assert dropped.exit_code == 1 and isinstance(dropped.exception, SystemExit), dropped.exception
    assert dropped.output.startswith("Error: ") and len(dropped.output.strip().splitlines()) == 1


def test_the_command_adds_lists_and_drops(sqlite_url: str) -> None:
    open_database(sqlite_url).dispose()
    runner = CliRunner()
    added = runner.invoke(cli, ["materialize", "--db", sqlite_url, "product_id"])
    assert added.exit_code == 0, added.output
    assert f"materialized 'product_id' as events.{column_name('product_id')}" in added.output
    listed = runner.invoke(cli, ["materialize", "--db", sqlite_url, "--list"])
    assert listed.output.strip() == f"product_id\tevents.{column_name('product_id')}"
    again = runner.invoke(cli, ["materialize", "--db", sqlite_url, "product_id"])
    assert again.exit_code == 1 and "materialized already" in again.output
    dropped = runner.invoke(cli, ["materialize", "--db", sqlite_url, "--drop", "product_id"])
    assert dropped.exit_code == 0 and "dropped" in dropped.output
    assert runner.invoke(cli, ["materialize", "--db", sqlite_url, "--list"]).output.strip() == \
        "no materialized properties"
    missing = runner.invoke(cli, ["materialize", "--db", sqlite_url, "--drop", "product_id"])
    assert missing.exit_code == 1 and "is not materialized" in missing.output
    both = runner.invoke(cli, ["materialize", "--db", sqlite_url, "--list", "product_id"])
    assert both.exit_code == 2 and "give a PROPERTY or --list, not both" in both.output
    neither = runner.invoke(cli, ["materialize", "--db", sqlite_url])
    assert neither.exit_code == 2 and "give a PROPERTY, or --list" in neither.output


def test_sqlite_reads_a_held_property_from_an_index_carrying_it_with_several_materialized(sqlite_url: str) -> None:
    """With `cur` and then `plan` materialized, a funnel holding `cur` must find each
    candidate's value in the index it seeks: with an index per column, SQLite's planner took
    `plan`'s (the same key) and read every candidate row (10M: 2.5x the plain funnel, the same as
    without materializing). Dropping one keeps the other's column indexed."""
    engine = open_database(sqlite_url)
    insert_rows(engine, rows(0, 20), [user_row(f"p{i}") for i in range(20)])
    before = run_query(engine, SPECS[0], now=NOW)
    materialize(engine, "cur")
    materialize(engine, "plan")

    def indexed_columns_of_the_step_seeks() -> set[str]:
        sql = explain_query(engine, SPECS[0], now=NOW)[-1].rstrip(";")
        raw = engine.raw_connection()
        try:
            plan = [row[3] for row in raw.cursor().execute("EXPLAIN QUERY PLAN " + sql)]
            used = {line.split(" INDEX ")[1].split(" ")[0] for line in plan
                    if line.startswith("SEARCH funnel_e") and " INDEX " in line}
            assert used, plan
            return {str(col[2]) for name in used for col in raw.cursor().execute(f"PRAGMA index_info({name})")}
        finally:
            raw.close()

    assert column_name("cur") in indexed_columns_of_the_step_seeks()
    assert run_query(engine, SPECS[0], now=NOW) == before
    drop(engine, "plan")
    assert column_name("cur") in indexed_columns_of_the_step_seeks()
    assert run_query(engine, SPECS[0], now=NOW) == before


@pytest.mark.postgres
def test_postgresql_keeps_index_only_scans_after_the_rewrite(pg_server: Any) -> None:
    """Adding the stored column rewrites the table, which then has no visibility map: every
    index-only scan (the plain funnel's too) read the rows again until a VACUUM, which
    autovacuum does not start for a table that was only rewritten (10M: plain funnel 0.8 -> 3.2 s)."""
    engine = open_database(pg_server.create_database())
    try:
        insert_rows(engine, rows(0, 30), [user_row(f"p{i}") for i in range(30)])
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM events")
        materialize(engine, "cur")
        with engine.connect() as conn:
            visible = conn.exec_driver_sql("SELECT relallvisible FROM pg_class WHERE relname = 'events'").scalar()
        assert visible and visible > 0
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_materialize_that_fails_midway_leaves_nothing_behind(pg_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The column, its index and its record are one transaction: a failure after the column was
    added (here its record does not fit tracklens_meta's key) left a column nobody knew of, and
    every later `tracklens materialize` of the property failed on it."""
    engine = open_database(pg_server.create_database())
    try:
        insert_rows(engine, rows(0, 5), [user_row(f"p{i}") for i in range(5)])
        monkeypatch.setattr("app.core.materialized.column_name", lambda _prop: "mp_" + "a" * 60)
        with pytest.raises(Exception, match="too long"):
            materialize(engine, "cur")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM information_schema.columns "
                                        "WHERE table_name = 'events' AND left(column_name, 3) = 'mp_'").scalar() == 0
            assert materialized(conn) == {}
        monkeypatch.undo()
        assert materialize(engine, "cur") == column_name("cur")
    finally:
        engine.dispose()


def test_a_materialize_interrupted_after_the_column_leaves_nothing_behind(engine: Engine,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """On every database that materializes: the column, its index and its record are one
    transaction also on SQLite, where Python's sqlite3 ran the ALTER TABLE and the CREATE INDEX
    outside the transaction (it begins one only before an INSERT, UPDATE or DELETE): an
    interruption before the record was written left a column and an index nobody knew of, and
    `tracklens materialize` of the property failed on them for good ('duplicate column name')."""
    if not backend_for(engine).materializes_properties:
        pytest.skip("ClickHouse does not materialize properties")
    insert_rows(engine, rows(0, 5), [user_row(f"p{i}") for i in range(5)])
    backend = type(backend_for(engine))
    add = backend.add_materialized_column

    def add_then_die(self: Any, conn: Any, column: str, key: str) -> None:
        add(self, conn, column, key)
        raise KeyboardInterrupt  # Ctrl+C (or a crash) right after the column and its index

    monkeypatch.setattr(backend, "add_materialized_column", add_then_die)
    with pytest.raises(KeyboardInterrupt):
        materialize(engine, "cur")
    monkeypatch.undo()
    with engine.connect() as conn:
        assert not [c for c in inspect(conn).get_columns("events") if c["name"].startswith("mp_")]
        assert not [i for i in inspect(conn).get_indexes("events") if "mp_" in str(i["name"])]
        assert materialized(conn) == {}
    assert materialize(engine, "cur") == column_name("cur")


def test_long_values_are_stored_and_answered_as_without_the_column(engine: Engine) -> None:
    """A value longer than an index entry holds (here 3,000 characters no compression shrinks,
    and 300 four-byte characters): PostgreSQL refused to materialize a property once one was
    stored ('index row size exceeds maximum'), and once materialized refused every batch holding
    one, so the collector and the importer could not store those events at all. Stored before
    and after materializing, sent through the writer, they count and break down as before."""
    from app.ingest.writer import EventWriter

    if not backend_for(engine).materializes_properties:
        pytest.skip("ClickHouse does not materialize properties")
    noise = "".join(chr(33 + (i * 7919) % 90) + chr(0x4E00 + (i * 104729) % 20000) for i in range(1500))
    values = [noise, noise[:2999] + "!", "🦊" * 300, "x" * 120, "x" * 121, "short"]
    counter = iter(range(1_000_000))

    def send(person: str, value: str, steps: list[str], minute: int = 0) -> list[dict[str, Any]]:
        return [{"type": "track", "event": step, "userId": person, "messageId": f"m{next(counter)}",
                 "timestamp": f"2026-11-02T10:0{minute + k}:00Z", "properties": {"cur": value}}
                for k, step in enumerate(steps)]

    writer = EventWriter(engine, enrich=False)

    def store(first: int) -> None:
        for i, value in enumerate(values):
            # The last step with a cut twin of the value: held, only the whole text may match.
            twin = value if i % 2 else value[:121] + "?"
            result = writer.write([*send(f"p{first + i}", value, ["View", "Cart"]),
                                   *send(f"p{first + i}", twin, ["Buy"], 2)])
            assert result.stored == 3 and not result.rejected

    store(0)
    specs = [SPECS[0], SPECS[2], SPECS[3]]
    before = [run_query(engine, spec, now=NOW) for spec in specs]
    assert before[0]["steps"][2]["count"] == 3  # the whole twins only
    materialize(engine, "cur")
    assert [run_query(engine, spec, now=NOW) for spec in specs] == before
    store(100)
    for spec in specs:
        assert run_query(engine, spec, now=NOW) == oracle(load(engine), spec, NOW), spec


#: JSON values of every kind and edge: numbers and their look-alike strings, integers past 64
#: bits, extreme and negative-zero floats, booleans, null, nested ones, control characters (no
#: NUL: PostgreSQL's jsonb refuses it), non-ASCII, and texts past the column's whole length.
WIDE_VALUES = st.one_of(
    st.sampled_from(["10", "10.0", 10, 10.0, -0.0, 0, "0", 1e300, -1e-300, 2**64 + 1, -(2**70), 2**63 - 1,
                     True, False, "true", None, {}, [], {"a": [1]}, [None], "", " ", "x" * 120, "é" * 121,
                     "🦊", "a\tb\n\x1f"]),
    st.sampled_from(["x" * 121, "x" * 125, "x" * 130]),  # past what PostgreSQL's column keeps whole
    st.integers(), st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=130),
)


@pytest.mark.slow
def test_generated_values_answer_the_same_with_and_without_the_column(engine: Engine,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Any mix of JSON types in one property across events: held funnels, breakdowns and the
    persons drill read from the column answer exactly as from `properties`. (Not compared with
    the oracle: PostgreSQL writes a number as jsonb keeps it, 4.4e-249 in full digits, with the
    column or without.)"""
    if not backend_for(engine).materializes_properties:
        pytest.skip("ClickHouse does not materialize properties")
    from hypothesis import HealthCheck, given, settings

    materialize(engine, "cur")
    steps = ["View", "Cart", "Buy"]

    @settings(max_examples=examples(engine, 25), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                     HealthCheck.function_scoped_fixture])
    @given(st.lists(st.tuples(st.sampled_from(steps), st.integers(0, 3), st.integers(0, 40),
                              st.one_of(st.just(MISSING), WIDE_VALUES)), max_size=30))
    def check(drawn: list[tuple[str, int, int, Any]]) -> None:
        clear_rows(engine, events, users)
        insert_rows(engine, [event_row(step, f"p{p}", ms("2026-11-02 08:00") + minute * 60_000,
                                       {} if value is MISSING else {"cur": value})
                             for step, p, minute, value in drawn], [user_row(f"p{i}") for i in range(4)])
        specs = [*SPECS, *({**PERSONS, "funnel": {**PERSONS["funnel"], **extra}, "step": step}
                           for extra in ({}, {"hold": None, "breakdown": {"property": "cur"}})
                           for step in (1, 3))]
        specs = [{k: v for k, v in s.items() if v is not None} if "funnel" not in s else
                 {**s, "funnel": {k: v for k, v in s["funnel"].items() if v is not None}} for s in specs]
        with_column = [run_query(engine, spec, now=NOW) for spec in specs]
        with monkeypatch.context() as m:
            m.setattr("app.query.runner.in_use", lambda _conn: {})
            assert [run_query(engine, spec, now=NOW) for spec in specs] == with_column

    check()


def test_a_record_without_its_column_or_a_column_without_its_record_is_repaired(engine: Engine, db_url: str) -> None:
    """A database where `tracklens_meta` names a column `events` lacks (changed by hand,
    restored, or by an earlier build), or holds a column with no record (an earlier build's
    interrupted materialize left those): every held or broken-down funnel failed ('no such
    column'), `--drop` failed on SQLite and a new `materialize` said 'materialized already' or
    'duplicate column name', for good. Queries now read the property from `properties`, and
    `materialize` and `--drop` put either state right."""
    if not backend_for(engine).materializes_properties:
        pytest.skip("ClickHouse does not materialize properties")
    insert_rows(engine, rows(0, 20), [user_row(f"p{i}") for i in range(20)])
    before = answers(engine)
    column = materialize(engine, "cur")
    runner = CliRunner()

    def command(*args: str) -> str:
        result = runner.invoke(cli, ["materialize", "--db", db_url, *args])
        assert result.exit_code == 0, result.output
        return result.output

    def lose_the_column() -> None:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP INDEX IF EXISTS ix_events_materialized")
            conn.exec_driver_sql(f"ALTER TABLE events DROP COLUMN {column}")

    lose_the_column()
    assert answers(engine) == before
    assert "dropped 'cur'" in command("--drop", "cur")
    assert command("--list").strip() == "no materialized properties"
    command("cur")
    lose_the_column()
    assert "materialized 'cur'" in command("cur")
    assert answers(engine) == before

    with engine.begin() as conn:  # the column stays, its record goes
        conn.execute(meta.delete().where(meta.c.key == f"mp:{column}"))
    assert "materialized 'cur'" in command("cur")
    assert answers(engine) == before
    with engine.connect() as conn:
        assert materialized(conn) == {"cur": column}
    with engine.begin() as conn:
        conn.execute(meta.delete().where(meta.c.key == f"mp:{column}"))
    assert "dropped 'cur'" in command("--drop", "cur")
    with engine.connect() as conn:
        assert not [c for c in inspect(conn).get_columns("events") if c["name"].startswith("mp_")]
    assert answers(engine) == before


@pytest.mark.postgres
def test_a_killed_materialize_does_not_keep_postgresql_rewriting(pg_server: Any) -> None:
    """`tracklens materialize` killed (SIGKILL, a closed terminal) during PostgreSQL's rewrite:
    the server went on rewriting `events`, which it holds locked, until the rewrite was done
    (~2.5 min at 10M events) and only then rolled back; every query and writer waited. It now
    stops within about a second. The rewrite is made endless here (a column expression that
    sleeps a minute per row), so a query waiting for it times out after 20 s."""
    url = pg_server.create_database()
    engine = open_database(url)
    try:
        insert_rows(engine, rows(0, 5), [user_row(f"p{i}") for i in range(5)])
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE FUNCTION slow_text(t text) RETURNS text IMMUTABLE LANGUAGE plpgsql "
                                 "AS $$ BEGIN PERFORM pg_sleep(60); RETURN t; END $$")
        script = ("import sys; from app.core.backends.postgresql import PostgreSQLBackend as B; "
                  "from app.core.database import open_database; from app.core.materialized import materialize; "
                  "ddl = B.display_ddl; B.display_ddl = lambda self, conn, key: f'slow_text({ddl(self, conn, key)})'; "
                  "materialize(open_database(sys.argv[1]), 'cur')")
        child = subprocess.Popen([sys.executable, "-c", script, url], cwd=ROOT)
        try:
            with engine.connect() as conn:
                for _ in range(600):  # until the rewrite runs (at most a minute)
                    if conn.exec_driver_sql("SELECT count(*) FROM pg_stat_activity "
                                            "WHERE starts_with(query, 'ALTER TABLE events ADD COLUMN')").scalar():
                        break
                    conn.rollback()
                    time.sleep(0.1)
                else:
                    pytest.fail("the rewrite did not start")
        finally:
            child.kill()
            child.wait()
        with engine.connect() as conn:
            conn.exec_driver_sql("SET statement_timeout = '20s'")
            assert conn.exec_driver_sql("SELECT count(*) FROM events").scalar() == 5 * 4
            assert materialized(conn) == {}
        assert materialize(engine, "cur") == column_name("cur")
    finally:
        engine.dispose()
