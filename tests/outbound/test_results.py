"""campaign_results: conversion of the message group vs the holdout, lift and its 95 % CI,
computed by the database from the ledger and the events; through run_query and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from app.core.schema import outbound_ledger
from app.ingest.writer import EventWriter
from app.outbound.messages import Campaign
from app.outbound.messages.sender import SendOptions, send_campaign
from app.query import QueryError, run_query
from app.query.runners.campaign_results import rate_interval
from tests.outbound.conftest import HttpReceiver, add_people, campaign_dict, person

ROOT = Path(__file__).resolve().parents[2]
DAY = 86_400_000


def order(pid: str, ts_ms: int, tag: str) -> dict[str, Any]:
    return {"type": "track", "userId": pid, "event": "Order Completed", "messageId": f"goal-{pid}-{tag}",
            "timestamp": dt.datetime.fromtimestamp(ts_ms / 1000, dt.UTC).isoformat()}


def test_results_compare_message_and_holdout(engine: Engine, db_url: str, receiver: HttpReceiver) -> None:
    people = {f"r{i:03d}": person(i, gender="female") for i in range(300)}
    add_people(engine, people, orders=dict.fromkeys(people, 3))
    spec = campaign_dict(name="Results", holdout=0.4,
                         channel={"type": "webhook", "url": receiver.url, "body": {"to": "{{ id }}"}})
    summary = send_campaign(engine, Campaign.from_dict(spec), options=SendOptions())
    assert summary.sent + summary.held_out == 300
    # Move the campaign 10 days into the past, so goal events can lie on both sides of the window.
    sent_at = int(dt.datetime.now(dt.UTC).timestamp() * 1000) - 10 * DAY
    with engine.begin() as conn:
        conn.execute(update(outbound_ledger).values(done_at=sent_at))
        groups = dict(conn.execute(select(outbound_ledger.c.item, outbound_ledger.c.grp)).all())
    messages, expected = [], {"message": 0, "holdout": 0}
    for i, pid in enumerate(sorted(people)):
        g = groups[pid]
        converts = i % 5 < (3 if g == "message" else 1)  # 60 % vs 20 %
        if converts:
            messages.append(order(pid, sent_at + 3 * 3_600_000, "in"))
            expected[g] += 1
        elif i % 7 == 0:
            messages.append(order(pid, sent_at + 8 * DAY, "late"))  # after the 7-day window
        elif i % 11 == 0:
            messages.append(order(pid, sent_at - DAY, "before"))  # before the message
    EventWriter(engine, enrich=False).write(messages)
    # The add_people orders ("Order Completed" 0..2 days before the hour they were written)
    # are all before sent_at + 0: not conversions.
    result = run_query(engine, {"kind": "campaign_results", "campaign": "Results"})
    n_m = sum(1 for g in groups.values() if g == "message")
    n_h = 300 - n_m
    assert result["audience"] == 300 and result["sent"] == n_m and result["held_out"] == n_h
    assert result["failed"] == 0 and result["goal"] == {"event": "Order Completed", "within": {"days": 7}}
    assert result["groups"]["message"]["people"] == n_m
    assert result["groups"]["message"]["converted"] == expected["message"]
    assert result["groups"]["holdout"]["converted"] == expected["holdout"]
    assert result["groups"]["message"]["window_complete"] == n_m
    p_m, p_h = expected["message"] / n_m, expected["holdout"] / n_h
    diff = result["difference"]
    assert diff["value"] == pytest.approx(p_m - p_h)
    half = 1.96 * math.sqrt(p_m * (1 - p_m) / n_m + p_h * (1 - p_h) / n_h)
    assert diff["low"] == pytest.approx(p_m - p_h - half, abs=1e-3)
    assert result["lift"]["value"] == pytest.approx(p_m / p_h - 1)
    assert result["lift"]["low"] < result["lift"]["value"] < result["lift"]["high"]
    assert result["significant"] is True
    day = dt.datetime.fromtimestamp(sent_at / 1000, dt.UTC).date().isoformat()
    assert result["over_time"] == [{"day": day, "message_people": n_m, "message_converted": expected["message"],
                                    "message_rate": pytest.approx(p_m), "holdout_people": n_h,
                                    "holdout_converted": expected["holdout"], "holdout_rate": pytest.approx(p_h)}]
    # A one-day goal window counts the same conversions (3 h after); the CLI runs the kind too.
    spec_one_day = {"kind": "campaign_results", "campaign": "Results",
                    "goal": {"event": "Order Completed", "within": {"days": 1}}}
    cli = subprocess.run([sys.executable, "-m", "app", "query", "--db", db_url, "--spec", "-"],
                         input=json.dumps(spec_one_day), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    printed = json.loads(cli.stdout)
    assert printed["groups"]["message"]["converted"] == expected["message"]


def test_unknown_campaign_is_a_query_error(engine: Engine) -> None:
    with pytest.raises(QueryError, match="'Nope' has not been sent"):
        run_query(engine, {"kind": "campaign_results", "campaign": "Nope"})
    with pytest.raises(QueryError, match=r"goal\.within"):
        run_query(engine, {"kind": "campaign_results", "campaign": "Nope", "goal": {"event": "X", "within": {}}})


def test_interval_edges() -> None:
    assert rate_interval(0, 0, 1, 10)["difference"] is None
    no_lift = rate_interval(5, 10, 0, 10)
    assert no_lift["lift"] is None and no_lift["difference"]["value"] == 0.5
    same = rate_interval(10, 100, 10, 100)
    assert same["significant"] is False and same["difference"]["low"] < 0 < same["difference"]["high"]
