"""Times already stored out of the calendar's range never break a reader (issue 18).

Another tool (or an older writer) may have stored `events.ts` in year 12025 or -7973, or a
moment past 9999-12-31 UTC; `users.first_seen`/`last_seen` follow them. Python's datetime
stops at year 9999, and the default users query and the profile used to fail with
"ValueError: year ... is out of range". Every kind, and the CLI's table and CSV output, must
answer and print such a time in ISO 8601's expanded form.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli.main import cli
from app.query import run_query
from app.query.isotime import civil_from_days, iso_utc
from tests.query.support import event_row, insert_rows, ms, user_row

YEAR_12025 = 317_305_209_600_000  # 12025-01-01T00:00:00Z
YEAR_MINUS_7973 = -313_770_758_400_000  # -7973-01-01T00:00:00Z
YEAR_10000 = 253_402_300_800_000  # 10000-01-01T00:00:00Z: one millisecond past datetime.max
NOW = ms("2026-11-02 12:00")
RANGE = {"from": "2026-11-01", "to": "2026-11-02"}


def test_expanded_years() -> None:
    assert iso_utc(YEAR_12025) == "+012025-01-01T00:00:00.000Z"
    assert iso_utc(YEAR_MINUS_7973) == "-007973-01-01T00:00:00.000Z"
    assert iso_utc(YEAR_10000) == "+010000-01-01T00:00:00.000Z"
    assert iso_utc(YEAR_10000 - 1) == "9999-12-31T23:59:59.999Z"
    assert iso_utc(0) == "1970-01-01T00:00:00.000Z"
    assert iso_utc(None) is None
    assert iso_utc(2**63 - 1).startswith("+292278994-")
    assert civil_from_days(-719_528) == (0, 1, 1)  # year 0 = 1 BC


def seed(engine: Engine) -> None:
    insert_rows(engine, [
        event_row("Signed Up", "future", YEAR_12025, {"plan": "pro"}, city="Berlin"),
        event_row("Signed Up", "past", YEAR_MINUS_7973, {"plan": "pro"}),
        event_row("Signed Up", "edge", YEAR_10000),
        event_row("Signed Up", "normal", NOW - 3_600_000, {"plan": "free"}),
        event_row("Order Completed", "normal", NOW - 1000),
        event_row("Order Completed", "future", YEAR_12025 + 5),
    ], [
        user_row("future", {"plan": "pro"}, first_seen=YEAR_12025, last_seen=YEAR_12025 + 5, event_count=2),
        user_row("past", {}, first_seen=YEAR_MINUS_7973, last_seen=YEAR_MINUS_7973, event_count=1),
        user_row("edge", {}, first_seen=YEAR_10000, last_seen=YEAR_10000, event_count=1),
        user_row("normal", {}, first_seen=NOW - 3_600_000, last_seen=NOW - 1000, event_count=2),
    ])


def _now() -> Any:
    import datetime as dt

    return dt.datetime.fromtimestamp(NOW / 1000, tz=dt.UTC)


def test_every_reader_answers(engine: Engine) -> None:
    seed(engine)
    people = run_query(engine, {"kind": "users"}, now=_now())
    seen = {p["id"]: (p["first_seen"], p["last_seen"]) for p in people["users"]}
    assert seen["future"] == ("+012025-01-01T00:00:00.000Z", "+012025-01-01T00:00:00.005Z")
    assert seen["past"] == ("-007973-01-01T00:00:00.000Z",) * 2
    assert seen["edge"] == ("+010000-01-01T00:00:00.000Z",) * 2
    for sort in ("first_seen", "last_seen", "events", "id"):
        page = run_query(engine, {"kind": "users", "sort": {"by": sort}, "limit": 2}, now=_now())
        rest = run_query(engine, {"kind": "users", "sort": {"by": sort}, "limit": 2, "after": page["next"]}, now=_now())
        assert len(page["users"]) + len(rest["users"]) == 4

    profile = run_query(engine, {"kind": "profile", "user": "future"}, now=_now())
    assert profile["first_seen"] == "+012025-01-01T00:00:00.000Z"
    assert [e["time"] for e in profile["timeline"]] == ["+012025-01-01T00:00:00.005Z", "+012025-01-01T00:00:00.000Z"]
    assert profile["timeline"][1]["ts"] == YEAR_12025
    past = run_query(engine, {"kind": "profile", "user": "past"}, now=_now())
    assert past["timeline"][0]["time"] == "-007973-01-01T00:00:00.000Z"

    live = run_query(engine, {"kind": "live"}, now=_now())
    times = {e["person"]: e["time"] for e in live["events"] if e["event"] == "Signed Up"}
    assert times == {"future": "+012025-01-01T00:00:00.000Z", "past": "-007973-01-01T00:00:00.000Z",
                     "edge": "+010000-01-01T00:00:00.000Z", "normal": "2026-11-02T11:00:00.000Z"}

    funnel = {"steps": ["Signed Up", "Order Completed"], "range": RANGE, "timezone": "UTC"}
    reached = run_query(engine, {"kind": "funnel_persons", "funnel": funnel, "step": 1}, now=_now())
    assert [p["id"] for p in reached["users"]] == ["normal"]
    for view in ("steps", "trends", "time_to_convert"):
        assert run_query(engine, {"kind": "funnel", **funnel, "view": view}, now=_now())["view"] == view
    all_time = {"kind": "funnel", "steps": ["Signed Up", "Order Completed"], "timezone": "UTC",
                "range": {"from": "1900-01-01", "to": "9998-12-31"}}
    assert run_query(engine, all_time, now=_now())["steps"][0]["count"] == 1  # only "normal" is in range

    seg = run_query(engine, {"kind": "segmentation", "range": RANGE, "timezone": "UTC"}, now=_now())
    assert {s["event"]: s["total"] for s in seg["series"]} == {"Signed Up": 1, "Order Completed": 1}
    months = run_query(engine, {"kind": "segmentation", "unit": "month", "timezone": "UTC", "measure": "unique",
                                "range": {"from": "1900-01-01", "to": "2026-12-31"}, "breakdown": "plan"},
                       now=_now())
    assert sum(s["total"] for s in months["series"]) == 2
    events = run_query(engine, {"kind": "discovery", "what": "events"}, now=_now())
    assert {e["event"]: e["last_seen"] for e in events["events"]}["Order Completed"] == YEAR_12025 + 5
    assert run_query(engine, {"kind": "discovery", "what": "values", "property": "plan"}, now=_now())["values"]


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_cli_prints_stored_times(engine: Engine, db_url: str, fmt: str) -> None:
    seed(engine)
    for spec, expected in (({"kind": "users"}, "+012025-01-01T00:00:00.000Z"),
                           ({"kind": "live"}, "-007973-01-01T00:00:00.000Z"),
                           # table/csv of a profile list its identities (the first list of records)
                           ({"kind": "profile", "user": "edge"}, "+010000-01-01T00:00:00.000Z" if fmt == "json" else "edge")):
        out = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", "-", "--format", fmt], input=json.dumps(spec))
        assert out.exit_code == 0, out.output
        assert expected in out.stdout
        assert "Traceback" not in out.output
        if fmt == "csv":
            rows = list(csv.reader(io.StringIO(out.stdout)))
            assert len({len(r) for r in rows}) == 1
