"""Retention on SQLite and PostgreSQL against hand-computed answers and the oracle."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from app.query import QueryError, QueryTooLarge, parse_query, run_query
from app.query.reference.common import load
from app.query.reference.retention import retention as oracle
from app.query.reference.users import load_people
from app.query.reference.users import users as users_oracle
from tests.query.support import event_row, insert_rows, ms, user_row

NOW = dt.datetime(2026, 9, 5, 12, 0, tzinfo=dt.UTC)
DAY = 86_400_000
BASE: dict[str, Any] = {"kind": "retention", "start": {"event": "Signed Up", "where": []},
                        "return": {"event": "$any", "where": []}, "mode": "first_time", "unit": "day",
                        "periods": 4, "bracket": "on", "range": {"from": "2026-09-01", "to": "2026-09-05"},
                        "timezone": "UTC", "where": [], "breakdown": None}


def check(engine: Engine, spec: dict[str, Any], now: dt.datetime = NOW) -> dict[str, Any]:
    got = run_query(engine, spec, now=now)
    assert got == oracle(load(engine), spec, now, load_people(engine))
    return got


def table(result: dict[str, Any]) -> list[tuple[int, list[int | None]]]:
    return [(c["size"], c["counts"]) for c in result["cohorts"]]


def persons(engine: Engine, spec: dict[str, Any], cohort: str | None, period: int, status: str,
            now: dt.datetime = NOW) -> list[str]:
    query = {"kind": "retention_persons", "retention": spec, "born": cohort, "period": period, "status": status,
             "sort": {"by": "id", "desc": False}}
    got = run_query(engine, query, now=now)
    assert got == users_oracle(load(engine), load_people(engine), query, now) | {"next": None}
    return [u["id"] for u in got["users"]]


def test_births_at_bucket_edges_periods_and_the_birth_event_itself(engine: Engine) -> None:
    birth_a = ms("2026-09-01 00:00")  # the first instant of the day
    birth_b = ms("2026-09-01 23:59:59.999")  # its last millisecond
    insert_rows(engine, [
        event_row("Signed Up", "a", birth_a),
        event_row("Page", "a", birth_a),  # same ms as the birth: not strictly after it
        event_row("Page", "a", birth_a + DAY - 1),  # period 0's last ms
        event_row("Page", "a", birth_a + 2 * DAY),  # exactly birth + 2U: period 2, not 1
        event_row("Signed Up", "b", birth_b),
        event_row("Page", "b", birth_b + DAY),  # exactly birth + U: period 1
        # c signs up twice: the second Signed Up (a $any return) is not a birth
        event_row("Signed Up", "c", ms("2026-09-02 10:00")), event_row("Signed Up", "c", ms("2026-09-02 11:00")),
        # d's first Signed Up is before the range: not in the analysis
        event_row("Signed Up", "d", ms("2026-08-20 10:00")), event_row("Signed Up", "d", ms("2026-09-03 10:00")),
        event_row("Page", "d", ms("2026-09-03 11:00")),
        # an identify call is no event
        event_row(None, "a", birth_a + 3 * DAY + 5),
    ], [user_row(p) for p in "abcd"])
    got = check(engine, BASE)
    # NOW = 09-05 12:00: cohort 09-01 has periods 0..3 started; 09-05 only period 0.
    assert table(got) == [(2, [1, 1, 1, 0]), (1, [1, 0, 0, 0]), (0, [0, 0, 0, None]), (0, [0, 0, None, None]),
                          (0, [0, None, None, None])]
    assert got["cohorts"][0]["start"] == "2026-09-01T00:00:00+00:00"
    assert got["cohorts"][0]["rates"] == [0.5, 0.5, 0.5, 0.0]
    assert got["cohorts"][3]["rates"] == [0.0, 0.0, None, None]
    # weighted over cohorts that have the period: (1+1)/3, (1+0)/3, 1/3 (cohorts 0-2), 0/3
    assert got["average"] == [0.666667, 0.333333, 0.333333, 0.0]
    assert got["period_seconds"] == 86_400 and got["breakdown"] == []
    # start = return event: c's second Signed Up an hour later is a return in period 0
    same = check(engine, {**BASE, "return": {"event": "Signed Up"}})
    assert table(same)[:2] == [(2, [0, 0, 0, 0]), (1, [1, 0, 0, 0])]
    assert persons(engine, BASE, "2026-09-01", 1, "retained") == ["b"]
    assert persons(engine, BASE, "2026-09-01", 1, "lost") == ["a"]
    assert persons(engine, BASE, None, 0, "retained") == ["a", "c"]
    assert persons(engine, BASE, "2026-09-02", 0, "lost") == []


def test_on_or_after_counts_a_return_in_any_later_period(engine: Engine) -> None:
    birth = ms("2026-09-01 12:00")
    insert_rows(engine, [event_row("Signed Up", "a", birth), event_row("Page", "a", birth + 2 * DAY + 1),
                         event_row("Signed Up", "b", birth), event_row("Page", "b", birth + 30 * DAY)],
                [user_row("a"), user_row("b")])
    spec = {**BASE, "periods": 4, "bracket": "on_or_after"}
    assert table(check(engine, spec))[0] == (2, [2, 2, 2, 1])
    assert table(check(engine, {**spec, "bracket": "on"}))[0] == (2, [0, 0, 1, 0])
    assert persons(engine, spec, "2026-09-01", 3, "retained") == ["b"]


def test_recurring_mode_one_birth_per_bucket(engine: Engine) -> None:
    insert_rows(engine, [
        event_row("Login", "a", ms("2026-09-01 08:00")), event_row("Login", "a", ms("2026-09-01 20:00")),
        event_row("Login", "a", ms("2026-09-02 09:00")), event_row("Login", "a", ms("2026-09-04 07:00")),
        event_row("Login", "b", ms("2026-08-31 23:00")), event_row("Login", "b", ms("2026-09-02 10:00")),
    ], [user_row("a"), user_row("b")])
    spec = {**BASE, "start": "Login", "return": "Login", "mode": "recurring", "periods": 3}
    got = check(engine, spec)
    # a born 09-01 08:00 (period 0: 20:00; 1: 09-02 09:00; 2: 09-04 07:00, +71 h), 09-02 09:00 (09-04
    # 07:00 is +46 h: period 1), 09-04 07:00; b born 09-02 10:00 (the 08-31 login is outside the range)
    assert table(got) == [(1, [1, 1, 1]), (2, [0, 1, 0]), (0, [0, 0, 0]), (1, [0, 0, None]), (0, [0, None, None])]
    first = check(engine, {**spec, "mode": "first_time"})
    assert table(first)[:2] == [(1, [1, 1, 1]), (0, [0, 0, 0])]  # b was born on 08-31
    assert persons(engine, spec, "2026-09-02", 1, "retained") == ["a"]


def test_daylight_saving_days_and_weeks(engine: Engine) -> None:
    zone = "Europe/Berlin"
    # 2026-10-25 has 25 hours in Berlin; periods stay rolling 24 h windows from the birth.
    insert_rows(engine, [
        event_row("Signed Up", "a", ms("2026-10-25 00:30", zone)),
        event_row("Page", "a", ms("2026-10-25 23:30", zone)),  # 24 h later (the extra hour): period 1
        event_row("Signed Up", "b", ms("2026-10-25 23:59", zone)),  # same local day, 24.5 h after a's birth
        event_row("Page", "b", ms("2026-10-26 23:58", zone)),  # 23 h 59 min later: period 0
        event_row("Signed Up", "c", ms("2026-10-26 00:00", zone)),  # next local day's first instant
        event_row("Page", "c", ms("2026-10-24 23:00", zone)),  # before the birth: never a return
    ])
    now = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    spec = {**BASE, "timezone": zone, "range": {"from": "2026-10-24", "to": "2026-10-27"}, "periods": 3}
    got = check(engine, spec, now)
    assert [c["start"] for c in got["cohorts"]] == ["2026-10-24T00:00:00+02:00", "2026-10-25T00:00:00+02:00",
                                                    "2026-10-26T00:00:00+01:00", "2026-10-27T00:00:00+01:00"]
    assert table(got) == [(0, [0, 0, 0]), (2, [1, 1, 0]), (1, [0, 0, 0]), (0, [0, 0, 0])]
    weekly = check(engine, {**spec, "unit": "week", "range": {"from": "2026-10-21", "to": "2026-10-27"}}, now)
    assert [c["start"] for c in weekly["cohorts"]] == ["2026-10-19T00:00:00+02:00", "2026-10-26T00:00:00+01:00"]
    assert table(weekly) == [(2, [2, 0, 0]), (1, [0, 0, 0])]
    monthly = check(engine, {**spec, "unit": "month", "range": {"from": "2026-10-01", "to": "2026-10-31"}}, now)
    assert monthly["period_seconds"] == 30 * 86_400 and table(monthly) == [(3, [2, 0, 0])]
    # spring forward (2026-03-29, 23 h): a birth at 01:30 and a return at 01:29 next day (22 h 59 min
    # of real time later, since the day had no 02:00-03:00) is period 0; at 02:30 (24 h) period 1
    insert_rows(engine, [event_row("Signed Up", "d", ms("2026-03-29 01:30", zone)),
                         event_row("Page", "d", ms("2026-03-30 01:29", zone)),
                         event_row("Signed Up", "e", ms("2026-03-29 01:30", zone)),
                         event_row("Page", "e", ms("2026-03-30 02:30", zone))])
    spring = check(engine, {**spec, "range": {"from": "2026-03-29", "to": "2026-03-29"}}, now)
    assert spring["cohorts"][0]["start"] == "2026-03-29T00:00:00+01:00" and table(spring) == [(2, [1, 1, 0])]


def test_identity_merge_mid_period(engine: Engine) -> None:
    """An anonymous sign-up and visits, identified later: one person, whose returns under either id count."""
    from app.ingest.writer import EventWriter

    def msg(kind: str, stamp: str, **fields: Any) -> dict[str, Any]:
        return {"type": kind, "messageId": f"m-{kind}-{stamp}", "timestamp": stamp, **fields}

    EventWriter(engine, enrich=False).write([
        msg("track", "2026-09-01T10:00:00Z", event="Signed Up", anonymousId="anon-1"),
        msg("track", "2026-09-02T11:00:00Z", event="Page", userId="user-1"),  # before the merge is known
        msg("identify", "2026-09-02T12:00:00Z", userId="user-1", anonymousId="anon-1"),
        msg("track", "2026-09-03T09:00:00Z", event="Page", anonymousId="anon-1"),  # the anonymous id again
        msg("track", "2026-09-01T09:00:00Z", event="Signed Up", userId="user-2"),
        msg("track", "2026-09-01T09:30:00Z", event="Page", anonymousId="anon-2"),
        msg("alias", "2026-09-04T09:00:00Z", userId="user-2", previousId="anon-2"),
    ])
    got = check(engine, BASE)
    assert table(got)[0] == (2, [1, 1, 0, 0])
    assert persons(engine, BASE, "2026-09-01", 1, "retained") == ["user-1"]
    assert persons(engine, BASE, "2026-09-01", 0, "retained") == ["user-2"]


def test_filters_breakdown_and_other(engine: Engine) -> None:
    t = ms("2026-09-02 10:00")
    insert_rows(engine, [
        event_row("Signed Up", "a", t, {"plan": "pro"}), event_row("Buy", "a", t + 1, {"amount": 5}),
        event_row("Signed Up", "b", t, {"plan": "free"}), event_row("Buy", "b", t + 1, {"amount": 50}),
        event_row("Signed Up", "c", t, {"plan": "free"}), event_row("Page", "c", t + DAY),
        event_row("Signed Up", "d", t, {"plan": 5}),
        event_row("Signed Up", "e", t + 1, {"plan": "pro"}, city="Berlin"),
        event_row("Signed Up", "e", t + 2, {"plan": "free"}, city="Paris"),  # not the birth
    ], [user_row("a", {"tier": "gold"}), user_row("b", {"tier": "gold"}), user_row("c", {"tier": 1})])
    ret = {**BASE, "return": {"event": "Buy", "where": [{"property": "amount", "op": "gt", "value": 10}]}}
    assert table(check(engine, ret))[1] == (5, [1, 0, 0, 0])
    start = {**BASE, "start": {"event": "Signed Up", "where": [{"property": "plan", "op": "eq", "value": "free"}]}}
    # b, c and e: the start filter picks the start events, so e's first *free* sign-up is its birth
    assert table(check(engine, start))[1] == (3, [1, 1, 0, 0])
    traits = check(engine, {**BASE, "where": [{"trait": "tier", "op": "eq", "value": "gold"}]})
    assert table(traits)[1] == (2, [2, 0, 0, 0])
    by_plan = check(engine, {**BASE, "breakdown": "plan", "limit": 2})
    groups = [(g["group"], g["other"], g["cohorts"][1]["size"], g["cohorts"][1]["counts"])
              for g in by_plan["breakdown"]]
    # e is "pro" (its birth's value), retained by its own second sign-up
    assert groups == [("free", False, 2, [1, 1, 0, 0]), ("pro", False, 2, [2, 0, 0, 0]),
                      ("Other", True, 1, [0, 0, 0, 0])]
    assert by_plan["cohorts"] == check(engine, BASE)["cohorts"]
    by_city = check(engine, {**BASE, "breakdown": "$city"})
    assert [(g["group"], g["cohorts"][1]["size"]) for g in by_city["breakdown"]] == [(None, 4), ("Berlin", 1)]
    by_tier = check(engine, {**BASE, "breakdown": {"trait": "tier"}, "limit": 1})
    assert [(g["group"], g["cohorts"][1]["size"]) for g in by_tier["breakdown"]] == [("gold", 2), ("Other", 3)]  # a tie: null last


def test_empty_database_and_future_cohorts(engine: Engine) -> None:
    spec = {**BASE, "range": {"from": "2026-09-04", "to": "2026-09-08"}, "periods": 2}
    got = check(engine, spec)
    assert table(got) == [(0, [0, 0]), (0, [0, None]), (0, [None, None]), (0, [None, None]), (0, [None, None])]
    assert got["average"] == [0.0, 0.0]
    future = check(engine, {**spec, "range": {"from": "2026-10-01", "to": "2026-10-02"}})
    assert future["average"] == [None, None]
    rel = check(engine, {**spec, "range": {"last": 2, "unit": "week"}, "unit": "week"})
    assert [c["start"] for c in rel["cohorts"]] == ["2026-08-24T00:00:00+00:00", "2026-08-31T00:00:00+00:00"]


def test_retention_filter_in_users_and_other_kinds(engine: Engine) -> None:
    t = ms("2026-09-01 10:00")
    insert_rows(engine, [event_row("Signed Up", "a", t), event_row("Page", "a", t + DAY + 5),
                         event_row("Signed Up", "b", t)],
                [user_row("a", {"plan": "pro"}), user_row("b", {"plan": "pro"})])
    cell = {"retention": BASE, "born": "2026-09-01", "period": 1, "status": "lost"}
    users = {"kind": "users", "where": [cell, {"trait": "plan", "op": "eq", "value": "pro"}], "sort": {"by": "id", "desc": False}}
    assert [u["id"] for u in run_query(engine, users, now=NOW)["users"]] == ["b"]
    seg = run_query(engine, {"kind": "segmentation", "events": ["Signed Up"], "timezone": "UTC",
                             "range": BASE["range"], "where": [{**cell, "status": "retained"}]}, now=NOW)
    assert seg["series"][0]["total"] == 1
    parsed = parse_query({"kind": "retention_persons", **cell})
    assert parse_query(parsed.to_dict()) == parsed


def test_bad_specs_are_one_line_errors(engine: Engine) -> None:
    with pytest.raises(QueryError, match="start is required"):
        parse_query({"kind": "retention"})
    with pytest.raises(QueryError, match="periods must be at most 100"):
        parse_query({**BASE, "periods": 101})
    with pytest.raises(QueryError, match="mode must be one of"):
        parse_query({**BASE, "mode": "sometimes"})
    with pytest.raises(QueryError, match="unit must be one of"):
        parse_query({**BASE, "unit": "hour"})
    with pytest.raises(QueryError, match="period must be at most 3"):
        parse_query({"kind": "retention_persons", "retention": BASE, "period": 4})
    with pytest.raises(QueryError, match="2026-08-01 is not in a cohort of the range"):
        run_query(engine, {"kind": "retention_persons", "retention": BASE, "born": "2026-08-01", "period": 0},
                  now=NOW)
    with pytest.raises(QueryTooLarge, match=r"too large: .*cohorts x 100 periods"):
        run_query(engine, {**BASE, "range": {"from": "2000-01-01", "to": "2026-01-01"}, "periods": 100,
                           "breakdown": "plan", "limit": 1000}, now=NOW)
    q = parse_query(BASE)
    assert parse_query(q.to_dict()) == q
    assert parse_query({"kind": "retention", "start": "Signed Up"}).to_dict()["return"] == {"event": "$any",
                                                                                          "where": []}


def test_cli_runs_retention_as_json_table_and_csv(engine: Engine, db_url: str, tmp_path: Any) -> None:
    from app.cli.main import cli

    insert_rows(engine, [event_row("Signed Up", "a", ms("2026-09-01 10:00")),
                         event_row("Page", "a", ms("2026-09-01 11:00"))], [user_row("a")])
    spec = tmp_path / "r.json"
    spec.write_text(json.dumps({**BASE, "range": {"from": "2026-09-01", "to": "2026-09-01"}, "periods": 2}))
    out = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", str(spec), "--format", "csv"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0] == "cohort,size,period 0,period 1,count 0,count 1"
    assert lines[1] == "average,,1.0,0.0,,"
    assert lines[2] == "2026-09-01T00:00:00+00:00,1,1.0,0.0,1,0"
    people = tmp_path / "p.json"
    people.write_text(json.dumps({"kind": "retention_persons", "retention": json.loads(spec.read_text()),
                                  "born": "2026-09-01", "period": 0}))
    out = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", str(people), "--format", "csv"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[1].startswith("a,")
