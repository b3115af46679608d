"""Schema 6: the partial index of a person's analysis events that retention's probes read, on
the databases whose backend keeps it (PostgreSQL), created new and by migrating a schema-5
database, with retention answering the same before and after."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, inspect, select, text, update

from app.core.backends import backend_for_url
from app.core.database import open_database
from app.core.schema import SCHEMA_VERSION, meta
from app.ingest.writer import EventWriter
from app.query import run_query

INDEX = "ix_events_person_ts_analysis"
NOW = dt.datetime(2026, 9, 5, 12, 0, tzinfo=dt.UTC)
SPEC = {"kind": "retention", "start": {"event": "Signed Up", "where": []}, "return": {"event": "$any", "where": []},
        "mode": "first_time", "unit": "day", "periods": 3, "bracket": "on",
        "range": {"from": "2026-09-01", "to": "2026-09-03"}, "timezone": "UTC", "where": [], "breakdown": None}


@pytest.fixture(autouse=True)
def _only_where_schemas_migrate(db_url: str) -> None:
    if backend_for_url(db_url).appends_only:
        pytest.skip("ClickHouse lays out its own schema and has no older one to migrate")


def _indexes(engine: Engine) -> dict[str, str]:
    """Index name -> its definition (PostgreSQL) or '' (SQLite)."""
    with engine.connect() as conn:
        names = {ix["name"] for ix in inspect(conn).get_indexes("events")}
        if engine.dialect.name != "postgresql":
            return {str(n): "" for n in names}
        return {r[0]: r[1] for r in conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'events'"))}


def _write(engine: Engine, messages: list[dict[str, object]]) -> None:
    EventWriter(engine).write(messages)


def _t(day: int, hour: int) -> str:
    return f"2026-09-0{day}T{hour:02d}:00:00Z"


def test_a_schema_5_database_gets_the_index_where_the_backend_keeps_it_and_answers_the_same(db_url: str) -> None:
    engine = open_database(db_url)
    keeps = backend_for_url(db_url).analysis_person_index
    created = _indexes(engine)
    assert (INDEX in created) == keeps
    if keeps:  # partial: identify/group/alias rows (event NULL) are left out
        assert "WHERE (event IS NOT NULL)" in created[INDEX]
    _write(engine, [
        {"type": "track", "messageId": "s1", "userId": "u1", "event": "Signed Up", "timestamp": _t(1, 9)},
        {"type": "identify", "messageId": "i1", "userId": "u1", "timestamp": _t(2, 10)},  # not a return
        {"type": "track", "messageId": "r1", "userId": "u1", "event": "Page", "timestamp": _t(3, 8)},
        {"type": "track", "messageId": "s2", "userId": "u2", "event": "Signed Up", "timestamp": _t(1, 12)},
        {"type": "track", "messageId": "r2", "userId": "u2", "event": "Page", "timestamp": _t(2, 11)},
    ])
    before = run_query(engine, SPEC, now=NOW)
    # u2 came back on day 1 (period 0), u1 on day 2 (period 1: the identify is no return)
    assert (before["cohorts"][0]["size"], before["cohorts"][0]["counts"]) == (2, [1, 1, 0])
    with engine.begin() as conn:  # what a schema-5 database looks like
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {INDEX}")
        conn.execute(update(meta).where(meta.c.key == "schema_version").values(value="5"))
    engine.dispose()

    said: list[int] = []
    engine = open_database(db_url, before_upgrade=said.append)
    assert said == [5]
    with engine.connect() as conn:
        assert conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar_one() \
            == str(SCHEMA_VERSION)
    migrated = _indexes(engine)
    assert (INDEX in migrated) == keeps
    if keeps:
        assert migrated[INDEX] == created[INDEX]
    assert run_query(engine, SPEC, now=NOW) == before
    # The index is kept up to date by later writes: u2's return on day 3 counts.
    _write(engine, [{"type": "track", "messageId": "r3", "userId": "u2", "event": "Page", "timestamp": _t(3, 13)}])
    after = run_query(engine, SPEC, now=NOW)
    assert after["cohorts"][0]["counts"] == [1, 1, 1]
    engine.dispose()
