"""Profile: one person's traits, identities, summary and activity timeline.

`user` may be any id the person was seen with (an anonymous id finds the merged person
through `identities`). The timeline is every stored row of the person (identify, group and
alias included, with their type), newest first, paged by event id (`before_id`), optionally
restricted to analysis event names. Newest first means by `ts` (then id); `before_id` is the last
id of the previous page. Each page is one backwards range on the (person, ts) index, so a
person with 50,000 events opens as fast as one with 5. An unknown id is a result with
`"found": false`, not an error.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    func,
    or_,
    select,
)

from app.core.backends import Backend
from app.core.schema import ENRICHED_COLUMNS, event_context, events, identities, users
from app.query.isotime import as_ms, iso_utc
from app.query.model import Query, QueryError, SpecReader, _names, query_model
from app.query.runner import QueryRunner, register_runner

#: The "last known" fields shown on a profile: the newest event that has each.
LAST_KNOWN = ("$city", "$country_code", "$region", "$browser", "$os", "$device")


@dataclass(frozen=True)
class Timeline:
    limit: int = 50
    before_id: int | None = None
    events: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Any, path: str = "timeline") -> Timeline:
        if data is None:
            return cls()
        r = SpecReader(data, path)
        r.expect("limit", "before_id", "events")
        t = cls(limit=r.integer("limit", 50, minimum=1, maximum=1000),
                before_id=r.integer("before_id", minimum=1),
                events=_names(r.items("events"), r.sub("events")))
        r.done()
        return t

    def to_json(self) -> dict[str, Any]:
        return {"limit": self.limit, "before_id": self.before_id, "events": list(self.events)}


@query_model("profile")
@dataclass(frozen=True)
class ProfileQuery(Query):
    user: str
    timeline: Timeline = field(default_factory=Timeline)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProfileQuery:
        r = SpecReader(data, "")
        r.expect("kind", "user", "timeline")
        r.string("kind")
        user = r.string("user", required=True)
        if not user.strip():
            raise QueryError("user must be a non-empty id")
        q = cls(user, Timeline.from_json(r.raw("timeline")))
        r.done()
        return q

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "profile", "user": self.user, "timeline": self.timeline.to_json()}


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


_BEFORE = events.alias("before")


@functools.lru_cache(maxsize=8)
def _statements(backend: Backend, with_before: bool, with_events: bool) -> dict[str, Any]:
    """The profile's statements, built once with bound parameters (uid, before_id, names,
    lim) and reused: building Core statements per open cost more than running them."""
    uid = bindparam("uid", type_=String)
    # The person an identity points to, else the id itself: one primary-key lookup (an OR of
    # the two made PostgreSQL scan `users`).
    via = select(identities.c.person).where(identities.c.distinct_id == uid).limit(1).scalar_subquery()
    person = select(users).where(users.c.id == func.coalesce(via, uid))
    ids = (select(identities.c.distinct_id, identities.c.linked_at).where(identities.c.person == uid)
           .order_by(identities.c.linked_at, identities.c.distinct_id))
    last = backend.latest_values(events, backend.person_equals(events, uid),
                                 [events.c[ENRICHED_COLUMNS[name]] for name in LAST_KNOWN])
    conds = [backend.person_equals(events, uid)]
    if with_before:
        before_id = bindparam("before_id", type_=BigInteger)
        bts = select(_BEFORE.c.ts).where(_BEFORE.c.id == before_id).scalar_subquery()
        conds.append(or_(events.c.ts < bts, and_(events.c.ts == bts, events.c.id < before_id)))
    if with_events:
        conds.append(events.c.event.in_(bindparam("names", expanding=True)))
    source, context = backend.with_context(events, event_context)
    timeline = (select(events.c.id, events.c.type, events.c.event, events.c.ts, events.c.user_id,
                       events.c.anonymous_id, events.c.properties, context.label("context"),
                       *[events.c[c] for c in ENRICHED_COLUMNS.values()])
                .select_from(source)
                .where(*conds).order_by(events.c.ts.desc(), events.c.id.desc())
                .limit(bindparam("lim", type_=Integer)))
    return {"person": person, "identities": ids, "last_known": backend.reading_one_person(last),
            "timeline": backend.reading_one_person(timeline)}


@register_runner
class ProfileRunner(QueryRunner):
    query_class = ProfileQuery
    query: ProfileQuery

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        t = self.query.timeline
        self.sql = _statements(self.backend, t.before_id is not None, bool(t.events))

    def params(self, person: str) -> dict[str, Any]:
        t = self.query.timeline
        out: dict[str, Any] = {"uid": person, "lim": t.limit + 1}
        if t.before_id is not None:
            out["before_id"] = t.before_id
        if t.events:
            out["names"] = list(t.events)
        return out

    def to_query(self) -> Select[Any]:
        return self.sql["person"]  # type: ignore[no-any-return]

    def statements(self) -> list[Any]:
        return [self.sql[k] for k in ("person", "identities", "last_known", "timeline")]

    def run(self, conn: Connection, name: str, person: str) -> Any:
        return self.execute(conn, self.sql[name], self.params(person))  # recorded for --explain

    def calculate(self, conn: Connection) -> dict[str, Any]:
        q = self.query
        row = self.run(conn, "person", q.user).mappings().first()
        if row is None:
            return {"found": False, "user": q.user, "message": f"no person has the id {q.user!r}"}
        person = row["id"]
        ids = [{"id": r.distinct_id, "linked_at": iso_utc(r.linked_at)}
               for r in self.run(conn, "identities", person)]
        if not any(i["id"] == person for i in ids):
            ids.insert(0, {"id": person, "linked_at": None})
        known: dict[str, Any] = dict.fromkeys(LAST_KNOWN)
        for r in self.run(conn, "last_known", person):
            known[LAST_KNOWN[int(r.k)]] = r.v
        rows: list[Any] = [dict(m) for m in self.run(conn, "timeline", person).mappings()]
        more = len(rows) > q.timeline.limit
        rows = rows[: q.timeline.limit]
        timeline = []
        for r in rows:
            timeline.append({
                "id": int(r["id"]),
                "type": r["type"],
                "event": r["event"],
                "time": iso_utc(r["ts"]),
                "ts": as_ms(r["ts"]),
                "user_id": r["user_id"],
                "anonymous_id": r["anonymous_id"],
                "properties": _json(r["properties"]) or {},
                "context": _json(r["context"]) or {},
                **{name: r[col] for name, col in ENRICHED_COLUMNS.items()},
            })
        return {
            "found": True,
            "user": q.user,
            "id": person,
            "traits": _json(row["traits"]) or {},
            "identities": ids,
            "first_seen": iso_utc(row["first_seen"]),
            "last_seen": iso_utc(row["last_seen"]),
            "events": int(row["event_count"] or 0),
            "last_known": known,
            "timeline": timeline,
            "next_before_id": timeline[-1]["id"] if more and timeline else None,
        }
