"""ClickHouse's one-pass funnels (app/query/runners/funnel_arrays.py) where their own mechanics
could go wrong: a person's events stored under two ids (merged at query time) and ordered across
them by (ts, id), and funnels with too many steps and exclusions for the packed integers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from app.core.database import open_database
from app.ingest.writer import EventWriter
from app.query import run_query
from app.query.reference.common import load
from app.query.reference.funnel import funnel as oracle
from tests.conftest import chdb_url
from tests.query.support import event_row, insert_rows, ms

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
RANGE = {"from": "2026-11-01", "to": "2026-11-10"}


def _msg(i: int, kind: str, ts: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "messageId": f"m{i}", "timestamp": ts, **fields}


def test_a_merged_persons_events_under_both_ids_make_one_path_in_time_and_id_order(chdb_folder: Path) -> None:
    """The entry and Cart were stored under the anonymous id, the rest under the user id; at the
    same ms the earlier-stored event comes first (strict order: the Other-step event between)."""
    engine = open_database(chdb_url(chdb_folder))
    try:
        EventWriter(engine, enrich=False).write([
            _msg(1, "track", "2026-11-02T10:00:00Z", event="View", anonymousId="anon-1"),
            _msg(2, "track", "2026-11-02T10:01:00Z", event="Cart", anonymousId="anon-1"),
            _msg(3, "identify", "2026-11-02T10:02:00Z", userId="user-1", anonymousId="anon-1"),
            _msg(4, "track", "2026-11-02T10:03:00Z", event="View", userId="user-1"),
            _msg(5, "track", "2026-11-02T10:03:00Z", event="Buy", userId="user-1"),
            # a second person who never merged, the same path in one id
            _msg(6, "track", "2026-11-03T10:00:00Z", event="View", userId="user-2"),
            _msg(7, "track", "2026-11-03T10:01:00Z", event="Cart", userId="user-2"),
            _msg(8, "track", "2026-11-03T10:03:00Z", event="Buy", userId="user-2"),
        ])
        base = {"kind": "funnel", "timezone": "UTC", "range": RANGE, "steps": ["View", "Cart", "Buy"]}
        data = load(engine)
        ordered = run_query(engine, base, now=NOW)
        assert [s["count"] for s in ordered["steps"]] == [2, 2, 2]
        assert ordered == oracle(data, base, NOW)
        strict = {**base, "order": "strict"}
        got = run_query(engine, strict, now=NOW)
        # user-1: after Cart the next step event is the View stored before Buy at 10:03
        assert [s["count"] for s in got["steps"]] == [2, 2, 1]
        assert got == oracle(data, strict, NOW)
        trends = {**base, "view": "trends"}
        assert run_query(engine, trends, now=NOW) == oracle(data, trends, NOW)
    finally:
        engine.dispose()


def test_twenty_steps_and_an_exclusion_beyond_the_packed_form(chdb_folder: Path) -> None:
    """20 steps + an exclusion need 22 flag bits: more than ts * 2^bits can hold in 64 bits."""
    engine = open_database(chdb_url(chdb_folder))
    try:
        t = ms("2026-11-02 10:00")
        names = [f"S{k}" for k in range(20)]
        rows = [event_row(name, "p1", t + k * 1000) for k, name in enumerate(names)]
        rows += [event_row(name, "p2", t + k * 1000) for k, name in enumerate(names[:12])]
        rows += [event_row("Refund", "p2", t + 4500), event_row(names[0], "p3", t)]
        rows += [event_row(name, "p4", t + k * 1000) for k, name in enumerate(names[:7])]
        insert_rows(engine, rows)
        data = load(engine)
        spec: dict[str, Any] = {"kind": "funnel", "timezone": "UTC", "range": RANGE, "steps": names}
        got = run_query(engine, spec, now=NOW)
        assert [s["count"] for s in got["steps"]][:13] == [4, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 1]
        assert got == oracle(data, spec, NOW)
        excluded = {**spec, "exclusions": [{"event": "Refund", "from_step": 4, "to_step": 6}]}
        got = run_query(engine, excluded, now=NOW)
        assert got["steps"][0]["count"] == 3  # p2 refunded between steps 5 and 6
        assert got == oracle(data, excluded, NOW)
    finally:
        engine.dispose()
