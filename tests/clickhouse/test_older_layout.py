"""A chDB folder of an older layout, read by `tracklens query` (which never migrates): the
`events` view there has no `stored_person` column (added with the one-pass funnels and the
profile's person lookup), and every question must still be answered, the same as after the
upgrade."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import text

from app.cli.main import cli
from app.core.database import open_database
from app.ingest.writer import EventWriter
from tests.conftest import chdb_url

RANGE = {"from": "2026-11-01", "to": "2026-11-30"}

#: The `events` view as databases made before `stored_person` have it.
_OLD_VIEW = ("CREATE OR REPLACE VIEW events AS SELECT id, message_id, type, event, user_id, anonymous_id, "
             "ifNull(joinGetOrNull({overrides}, 'person', person), person) AS person, ts, received_at, "
             "properties, city, region, country_code, browser, os, device, referring_domain, context "
             "FROM events_data")


def _track(i: int, event: str, day: int, minute: int, **ids: str) -> dict[str, Any]:
    return {"type": "track", "event": event, "messageId": f"m{i}", "properties": {"plan": "pro" if i % 2 else "free"},
            "timestamp": f"2026-11-{day:02d}T10:{minute:02d}:00Z", **ids}


def _messages() -> list[dict[str, Any]]:
    """Three people; anon-1 (later Ann) enters anonymously and converts signed in."""
    return [
        _track(1, "Viewed", 2, 0, anonymousId="anon-1"),
        _track(2, "Viewed", 2, 1, userId="bob"),
        _track(3, "Added", 2, 5, userId="bob"),
        _track(4, "Viewed", 3, 0, anonymousId="anon-2"),
        {"type": "identify", "userId": "ann", "anonymousId": "anon-1", "messageId": "m5",
         "timestamp": "2026-11-02T10:02:00Z", "traits": {"name": "Ann"}},
        _track(6, "Added", 2, 10, userId="ann"),
        _track(7, "Bought", 2, 20, userId="ann"),
    ]


def _ask(runner: CliRunner, url: str, spec: dict[str, Any]) -> dict[str, Any]:
    answer = runner.invoke(cli, ["query", "--db", url, "--spec", "-"], input=json.dumps(spec))
    assert answer.exit_code == 0, answer.output
    return dict(json.loads(answer.output))


def test_query_answers_funnels_and_profiles_on_a_folder_made_before_stored_person(chdb_folder: Path) -> None:
    url = chdb_url(chdb_folder)
    engine = open_database(url)
    try:
        EventWriter(engine, enrich=False).write(_messages())
        with engine.connect() as conn:
            db = conn.execute(text("SELECT currentDatabase()")).scalar()
            conn.execute(text(_OLD_VIEW.format(overrides=f"'{db}.person_overrides'")))
            assert not conn.execute(text("SELECT count() FROM system.columns WHERE database = currentDatabase() "
                                         "AND table = 'events' AND name = 'stored_person'")).scalar()
    finally:
        engine.dispose()
    runner = CliRunner()
    specs: dict[str, dict[str, Any]] = {
        "steps": {"kind": "funnel", "steps": [{"event": "Viewed"}, {"event": "Added"}, {"event": "Bought"}],
                  "range": RANGE},
        "breakdown": {"kind": "funnel", "steps": [{"event": "Viewed"}, {"event": "Added"}], "range": RANGE,
                      "breakdown": "plan"},
        "persons": {"kind": "funnel_persons", "step": 2, "status": "reached", "sort": {"by": "id"},
                    "funnel": {"steps": [{"event": "Viewed"}, {"event": "Added"}], "range": RANGE}},
        "profile": {"kind": "profile", "user": "anon-1"},
    }
    before = {name: _ask(runner, url, spec) for name, spec in specs.items()}
    # The older layout answers as the people are: Ann (anon-1) and Bob add, only Ann buys.
    assert [s["count"] for s in before["steps"]["steps"]] == [3, 2, 1]
    assert before["profile"]["id"] == "ann"
    assert sorted(e["event"] for e in before["profile"]["timeline"] if e["event"]) == ["Added", "Bought", "Viewed"]
    with engine.connect() as conn:  # nothing was written: the view is still the old one
        assert not conn.execute(text("SELECT count() FROM system.columns WHERE database = currentDatabase() "
                                     "AND table = 'events' AND name = 'stored_person'")).scalar()
    engine.dispose()
    open_database(url).dispose()  # a writing command upgrades the view
    after = {name: _ask(runner, url, spec) for name, spec in specs.items()}
    assert after == before
