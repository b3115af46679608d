"""The oracle for profiles (docs/query.md "Profile"), from the raw tables in plain Python."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, select

from app.core.schema import ENRICHED_COLUMNS, event_context, events, identities, users
from app.query.model import parse_query
from app.query.runners.profile import LAST_KNOWN, ProfileQuery
from app.query.runners.users import iso_utc


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def profile(engine: Engine, spec: Mapping[str, Any]) -> dict[str, Any]:
    q = parse_query(spec)
    assert isinstance(q, ProfileQuery)
    with engine.connect() as conn:
        people = {r.id: dict(r._mapping) for r in conn.execute(select(users))}
        ids = [dict(r._mapping) for r in conn.execute(select(identities))]
        contexts = dict(conn.execute(select(event_context.c.id, event_context.c.context)).all())
        rows = [{**r._mapping, "context": contexts.get(r.id)} for r in conn.execute(select(events))]
    person = next((i["person"] for i in ids if i["distinct_id"] == q.user), q.user)
    if person is None or person not in people:
        return {"found": False, "user": q.user, "message": f"no person has the id {q.user!r}"}
    row = people[person]
    mine = sorted((r for r in rows if r["person"] == person), key=lambda r: (r["ts"], r["id"]), reverse=True)
    known: dict[str, Any] = {}
    for name in LAST_KNOWN:
        known[name] = next((r[ENRICHED_COLUMNS[name]] for r in mine if r[ENRICHED_COLUMNS[name]] is not None), None)
    idents = sorted((i for i in ids if i["person"] == person), key=lambda i: (i["linked_at"], i["distinct_id"]))
    out_ids: list[dict[str, Any]] = [{"id": i["distinct_id"], "linked_at": iso_utc(i["linked_at"])} for i in idents]
    if not any(i["id"] == person for i in out_ids):
        out_ids.insert(0, {"id": person, "linked_at": None})
    t = q.timeline
    listed = [r for r in mine if not t.events or r["event"] in t.events]
    if t.before_id is not None:
        anchor = next((r for r in rows if r["id"] == t.before_id), None)
        listed = [] if anchor is None else [r for r in listed if (r["ts"], r["id"]) < (anchor["ts"], anchor["id"])]
    page = listed[: t.limit]
    timeline = [{
        "id": r["id"], "type": r["type"], "event": r["event"], "time": iso_utc(r["ts"]), "ts": r["ts"],
        "user_id": r["user_id"], "anonymous_id": r["anonymous_id"], "properties": _json(r["properties"]) or {},
        "context": _json(r["context"]) or {}, **{name: r[col] for name, col in ENRICHED_COLUMNS.items()},
    } for r in page]
    return {
        "found": True, "user": q.user, "id": person, "traits": _json(row["traits"]) or {},
        "identities": out_ids, "first_seen": iso_utc(row["first_seen"]), "last_seen": iso_utc(row["last_seen"]),
        "events": int(row["event_count"]), "last_known": known, "timeline": timeline,
        "next_before_id": page[-1]["id"] if len(listed) > t.limit else None,
    }
