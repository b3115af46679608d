"""ClickHouse's own layout (app/core/backends/clickhouse.py): identity merges applied at query
time, idempotent writes across restarts, ids and the Live View cursor, and every CLI command
on a chDB folder."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from app.cli.main import cli
from app.core.database import open_database
from app.ingest.writer import EventWriter
from app.query import run_query
from tests.conftest import chdb_url

RANGE = {"from": "2026-11-01", "to": "2026-11-30"}


def _track(i: int, event: str, day: int = 2, **ids: str) -> dict[str, Any]:
    return {"type": "track", "event": event, "messageId": f"m{i}", "properties": {"n": i},
            "timestamp": f"2026-11-{day:02d}T10:{i % 60:02d}:00Z", **ids}


def _people(engine: Any, event: str) -> int:
    spec = {"kind": "segmentation", "events": [event], "measure": "unique", "unit": "month", "range": RANGE}
    return int(run_query(engine, spec)["series"][0]["total"])


def test_an_identity_merge_shows_in_the_next_query_without_rewriting_events(chdb_folder: Path) -> None:
    engine = open_database(chdb_url(chdb_folder))
    try:
        writer = EventWriter(engine, enrich=False)
        writer.write([_track(1, "Viewed", anonymousId="anon-1"), _track(2, "Viewed", userId="ann"),
                      _track(3, "Viewed", anonymousId="anon-2")])
        assert _people(engine, "Viewed") == 3
        assert _people(engine, "$all_events") == 3  # from the hourly person rollup
        funnel = {"kind": "funnel", "steps": [{"event": "Viewed"}, {"event": "Bought"}], "range": RANGE}
        writer.write([{"type": "identify", "userId": "ann", "anonymousId": "anon-1", "messageId": "m4",
                       "timestamp": "2026-11-02T11:00:00Z", "traits": {"name": "Ann"}},
                      _track(5, "Bought", day=3, userId="ann")])
        # The next query sees anon-1's earlier event as Ann's: 2 persons, and Ann converts.
        assert _people(engine, "Viewed") == 2
        assert _people(engine, "$all_events") == 2  # the rollup maps persons at query time too
        steps = run_query(engine, funnel)["steps"]
        assert [s["count"] for s in steps] == [2, 1]
        profile = run_query(engine, {"kind": "profile", "user": "anon-1"})
        assert profile["id"] == "ann" and profile["traits"] == {"name": "Ann"}
        assert {e["event"] for e in profile["timeline"]} >= {"Viewed", "Bought"}
        assert [i["id"] for i in profile["identities"]] == ["anon-1", "ann"]
        with engine.connect() as conn:
            # ... while the stored rows keep the person they were written with.
            stored = conn.execute(text("SELECT person FROM events_data WHERE message_id = 'm1'")).scalar()
            assert stored == "anon-1"
            assert conn.execute(text("SELECT count() FROM users")).scalar() == 2  # ann, anon-2
    finally:
        engine.dispose()


def test_a_batch_is_stored_once_also_after_a_restart(chdb_folder: Path) -> None:
    url = chdb_url(chdb_folder)
    batch = [_track(i, "Viewed", anonymousId=f"a{i % 3}") for i in range(50)]
    engine = open_database(url)
    first = EventWriter(engine, enrich=False).write(batch)
    again = EventWriter(engine, enrich=False).write([*batch[:20], _track(99, "Viewed", userId="new")])
    engine.dispose()
    assert (first.stored, again.stored, again.duplicates) == (50, 1, 20)
    reopened = open_database(url)
    try:
        after = EventWriter(reopened, enrich=False).write(batch)
        assert (after.stored, after.duplicates) == (0, 50)
        with reopened.connect() as conn:
            assert conn.execute(text("SELECT count() FROM events")).scalar() == 51
            assert conn.execute(text("SELECT sum(event_count) FROM users")).scalar() == 51
    finally:
        reopened.dispose()


def test_ids_grow_with_insertion_and_live_polls_miss_and_repeat_nothing(chdb_folder: Path) -> None:
    """Four writer threads; a poller reading `after_id = newest - lookback` and dropping ids it
    has, as the Live View does, sees every event exactly once."""
    from app.core.backends import backend_for

    engine = open_database(chdb_url(chdb_folder))
    lookback = backend_for(engine).live_lookback_ids
    try:
        writers = [EventWriter(engine, enrich=False) for _ in range(4)]
        seen: dict[int, str] = {}
        newest = 0
        done = threading.Event()

        def write(k: int) -> None:
            for b in range(10):
                writers[k].write([_track(1000 * k + 10 * b + i, "Tick", anonymousId=f"w{k}") for i in range(10)])

        def poll() -> None:
            nonlocal newest
            result = run_query(engine, {"kind": "live", "after_id": max(0, newest - lookback), "limit": 5000})
            for item in result["events"]:
                if item["id"] in seen:
                    assert seen[item["id"]] == item["properties"]["n"].__str__(), "an id changed rows"
                    continue
                seen[item["id"]] = str(item["properties"]["n"])
            newest = max(newest, result["max_id"])

        threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            poll()
        for t in threads:
            t.join()
        done.set()
        poll()
        assert sorted(int(n) for n in seen.values()) == sorted(1000 * k + j for k in range(4) for j in range(100))
    finally:
        engine.dispose()


def test_every_command_works_on_a_chdb_folder(chdb_folder: Path, tmp_path: Path) -> None:
    url = chdb_url(chdb_folder)
    runner = CliRunner()
    demo = runner.invoke(cli, ["demo", "--db", url, "--events", "3000", "--quiet"])
    assert demo.exit_code == 0, demo.output
    export = tmp_path / "export.jsonl"
    export.write_text("\n".join(json.dumps(_track(i, "Imported", userId=f"u{i % 4}")) for i in range(40))
                      + "\n{not json\n", encoding="utf-8")
    for _ in range(2):  # the second import stores nothing twice
        imported = runner.invoke(cli, ["import", "--db", url, "--no-enrich", "--quiet", str(export)])
        assert imported.exit_code == 0, imported.output
    simulated = runner.invoke(cli, ["simulate", "--db", url, "--rate", "50", "--duration", "1"])
    assert simulated.exit_code == 0, simulated.output
    spec = json.dumps({"kind": "segmentation", "events": ["Imported"], "unit": "month", "range": RANGE})
    answer = runner.invoke(cli, ["query", "--db", url, "--spec", "-"], input=spec)
    assert answer.exit_code == 0, answer.output
    assert json.loads(answer.output)["series"][0]["total"] == 40
    table = runner.invoke(cli, ["query", "--db", url, "--spec", "-", "--format", "table"],
                          input=json.dumps({"kind": "live", "limit": 5}))
    assert table.exit_code == 0 and "Traceback" not in table.output, table.output


def _state(engine: Any) -> dict[str, Any]:
    with engine.connect() as conn:
        return {
            "users": sorted(tuple(r) for r in conn.execute(text(
                "SELECT id, traits, first_seen, last_seen, event_count FROM users"))),
            "identities": sorted(tuple(r) for r in conn.execute(text("SELECT distinct_id, person FROM identities"))),
            "events": sorted(tuple(r) for r in conn.execute(text("SELECT message_id, person FROM events"))),
        }


def test_a_batch_that_failed_midway_is_stored_exactly_once_when_retried(chdb_folder: Path,
                                                                        monkeypatch: Any) -> None:
    """No transactions: the writer fails after 1, 2 or 3 of its 4 inserts (overrides, persons,
    identities, events), the batch is retried, and the database equals one clean write: no
    event twice, no count added twice, the merge applied to the person rows."""
    from app.core.backends import backend_for
    from app.core.database import DatabaseError

    history = [_track(1, "Viewed", anonymousId="anon-1"), _track(2, "Viewed", anonymousId="anon-1"),
               _track(3, "Viewed", userId="ann")]
    batch = [{"type": "identify", "userId": "ann", "anonymousId": "anon-1", "messageId": "m4",
              "timestamp": "2026-11-02T11:00:00Z", "traits": {"plan": "pro"}},
             _track(5, "Bought", day=3, userId="ann"), _track(6, "Viewed", anonymousId="anon-2")]
    clean = open_database(chdb_url(chdb_folder))
    EventWriter(clean, enrich=False).write(history)
    EventWriter(clean, enrich=False).write(batch)
    expected = _state(clean)
    clean.dispose()
    assert ("anon-1", "ann") in expected["identities"] and [u[0] for u in expected["users"]] == ["ann", "anon-2"]

    backend = type(backend_for("clickhousedb"))
    real = backend.append_rows
    for fail_at in (1, 2, 3):
        engine = open_database(chdb_url(chdb_folder))
        try:
            EventWriter(engine, enrich=False).write(history)
            calls = {"n": 0}

            def flaky(self: Any, *args: Any, _at: int = fail_at, _calls: dict[str, int] = calls,
                      **kwargs: Any) -> None:
                _calls["n"] += 1
                if _calls["n"] > _at:
                    raise ConnectionError("the server went away")
                real(self, *args, **kwargs)

            monkeypatch.setattr(backend, "append_rows", flaky)
            with pytest.raises((DatabaseError, ConnectionError)):
                EventWriter(engine, enrich=False).write(batch)
            monkeypatch.setattr(backend, "append_rows", real)
            retried = EventWriter(engine, enrich=False).write(batch)
            assert retried.stored == 3, fail_at
            assert _state(engine) == expected, fail_at
        finally:
            engine.dispose()


def test_a_profile_reads_the_by_person_projection_also_of_a_database_made_before_it(chdb_folder: Path) -> None:
    """A person's rows lie in every granule the bloom filter passes, each with its wide JSON;
    the by-person projection holds them in a few. The profile's statements must be able to use
    it (the session's aggregate_functions_null_for_empty would forbid it), and a database made
    before it existed gets it when opened."""
    from app.core.backends import backend_for
    from app.query.runners.profile import _statements

    url = chdb_url(chdb_folder)
    engine = open_database(url)
    try:
        EventWriter(engine, enrich=False).write([_track(i, "Viewed", anonymousId=f"a{i % 4}") for i in range(40)])
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE events_data DROP PROJECTION by_person"))
            # Enough rows for several granules, each person's rows in all of them.
            conn.execute(text("INSERT INTO events_data (id, message_id, type, event, person, ts, received_at, "
                              "properties, context, city) SELECT 1000 + number, concat('x', toString(number)), 'track', "
                              "concat('E', toString(number % 7)), concat('p', toString(number % 500)), "
                              "1793491749000 + number, 1793491749000 + number, '{}', '{}', 'Lyon' FROM numbers(60000)"))
    finally:
        engine.dispose()
    engine = open_database(url)  # the upgrade adds it and materializes the old parts
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count() FROM system.projections WHERE database = currentDatabase() "
                                     "AND table = 'events_data' AND name = 'by_person'")).scalar() == 1
            conn.execute(text("ALTER TABLE events_data MATERIALIZE PROJECTION by_person SETTINGS mutations_sync = 2"))
            for name in ("timeline", "last_known"):
                statement = _statements(backend_for(conn), False, False)[name]
                compiled = statement.compile(conn)
                sql, params = str(compiled), {**compiled.params, "uid": "p1", "lim": 51}
                # Fails ("projection ... is rejected") unless this statement can use the projection.
                forced = sql + ", force_optimize_projection_name = 'by_person'"
                assert (conn.exec_driver_sql(forced, params).fetchall()
                        == conn.exec_driver_sql(sql, params).fetchall() != [])
        profile = run_query(engine, {"kind": "profile", "user": "a1"})
        assert len(profile["timeline"]) == 10 and profile["events"] == 10
    finally:
        engine.dispose()
