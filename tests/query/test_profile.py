"""Profiles on SQLite and PostgreSQL, written through the real ingestion path, against the oracle."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from app.ingest.writer import EventWriter
from app.query import run_query
from app.query.reference.profile import profile as oracle


def check(engine: Engine, spec: dict[str, Any]) -> dict[str, Any]:
    got = run_query(engine, spec)
    assert got == oracle(engine, spec)
    return got


def history(engine: Engine) -> None:
    def msg(n: int, kind: str, **fields: Any) -> dict[str, Any]:
        return {"type": kind, "messageId": f"m{n}", "timestamp": f"2026-11-02T10:{n:02d}:00Z", **fields}

    EventWriter(engine, enrich=False).write([
        msg(1, "page", anonymousId="anon-1", name="Home", context={"ip": "1.2.3.4"}),
        msg(2, "track", anonymousId="anon-1", event="Signup Started", properties={"plan": "pro"}),
        msg(3, "identify", anonymousId="anon-1", userId="u1", traits={"email": "u1@example.com", "age": 40}),
        msg(4, "track", userId="u1", event="Order Completed", properties={"total": 12.5}),
        msg(5, "group", userId="u1", groupId="acme", traits={"name": "Acme"}),
        msg(6, "alias", userId="u1", previousId="old-id"),
        msg(7, "track", userId="someone-else", event="Order Completed"),
    ])


def test_anonymous_then_identified_person_has_one_history(engine: Engine) -> None:
    history(engine)
    got = check(engine, {"kind": "profile", "user": "anon-1"})
    assert got["found"] and got["id"] == "u1"
    assert {i["id"] for i in got["identities"]} == {"u1", "anon-1", "old-id"}
    assert got["traits"] == {"email": "u1@example.com", "age": 40}
    assert got["events"] == 3  # page + 2 tracks: identify/group/alias are not analysis events
    kinds = [(e["type"], e["event"]) for e in got["timeline"]]
    assert kinds == [("alias", None), ("group", None), ("track", "Order Completed"), ("identify", None),
                     ("track", "Signup Started"), ("page", "Page Viewed")]
    assert got["timeline"][2]["properties"] == {"total": 12.5}
    assert got["timeline"][-1]["context"]["ip"] == "1.2.3.4"
    assert got["first_seen"] == "2026-11-02T10:01:00.000Z" and got["last_seen"] == "2026-11-02T10:06:00.000Z"
    assert check(engine, {"kind": "profile", "user": "old-id"})["id"] == "u1"


def test_timeline_pages_and_filters_by_event_name(engine: Engine) -> None:
    history(engine)
    first = check(engine, {"kind": "profile", "user": "u1", "timeline": {"limit": 4}})
    assert len(first["timeline"]) == 4 and first["next_before_id"] == first["timeline"][-1]["id"]
    rest = check(engine, {"kind": "profile", "user": "u1",
                          "timeline": {"limit": 4, "before_id": first["next_before_id"]}})
    assert [e["type"] for e in rest["timeline"]] == ["track", "page"] and rest["next_before_id"] is None
    only = check(engine, {"kind": "profile", "user": "u1", "timeline": {"events": ["Order Completed", "Nope"]}})
    assert [e["event"] for e in only["timeline"]] == ["Order Completed"]


def test_unknown_person_is_a_not_found_result(engine: Engine) -> None:
    history(engine)
    got = check(engine, {"kind": "profile", "user": "nobody"})
    assert got["found"] is False and "nobody" in got["message"]
