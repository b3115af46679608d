"""Campaign results: who was messaged or held out, and whether the message worked.

`{"kind": "campaign_results", "campaign": NAME, "goal": {"event": E, "within": {"days": 7}}}`
(`goal` defaults to the campaign's as saved by `tracklens send` or the app). From the
delivery ledger (`outbound_ledger`, stream "campaign:NAME"): the counts by outcome; for the
message group (delivered) and the holdout group, how many did the goal event within the
window after their message (or holdout decision) -- an EXISTS per person, counted by the
database -- the difference of the two conversion rates and the relative lift, each with a
95 % confidence interval (normal approximation for the difference, log risk ratio for the
lift); and the same per day of sending (UTC).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Integer,
    String,
    and_,
    case,
    exists,
    func,
    inspect,
    literal,
    or_,
    select,
)

from app.core.schema import campaigns, events, outbound_ledger
from app.query.model import Query, QueryError, SpecReader, check_event_name, query_model
from app.query.runner import QueryRunner, register_runner

DAY_MS = 86_400_000
MAX_WITHIN_DAYS = 365
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Goal:
    event: str
    within_ms: int

    def to_dict(self) -> dict[str, Any]:
        hours = self.within_ms // 3_600_000
        return {"event": self.event, "within": {"days": hours // 24} if hours % 24 == 0 else {"hours": hours}}


def parse_goal(data: Any, path: str) -> Goal:
    r = SpecReader(data, path)
    r.expect("event", "within")
    event = check_event_name(r.raw("event"), r.sub("event"))
    w = SpecReader(r.raw("within", {"days": 7}), r.sub("within"))
    w.expect("days", "hours")
    days = w.integer("days", 0, minimum=0, maximum=MAX_WITHIN_DAYS)
    hours = w.integer("hours", 0, minimum=0, maximum=MAX_WITHIN_DAYS * 24)
    w.done()
    r.done()
    if days == 0 and hours == 0:
        raise QueryError(f"{path}.within must be at least one hour")
    return Goal(event, (days * 24 + hours) * 3_600_000)


@query_model("campaign_results")
@dataclass(frozen=True)
class CampaignResultsQuery(Query):
    campaign: str = ""
    goal: Goal | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CampaignResultsQuery:
        r = SpecReader(data, "")
        r.expect("kind", "campaign", "goal")
        r.string("kind")
        name = r.string("campaign", required=True)
        if not name.strip():
            raise QueryError("campaign must name a campaign")
        goal = parse_goal(r.raw("goal"), "goal") if r.has("goal") else None
        r.done()
        return cls(name, goal)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "campaign_results", "campaign": self.campaign}
        if self.goal is not None:
            out["goal"] = self.goal.to_dict()
        return out


def rate_interval(x_m: int, n_m: int, x_h: int, n_h: int) -> dict[str, Any]:
    """Difference of conversion rates (message - holdout) and relative lift, with 95 % CIs."""
    out: dict[str, Any] = {"difference": None, "lift": None, "significant": None}
    if n_m == 0 or n_h == 0:
        return out
    p_m, p_h = x_m / n_m, x_h / n_h
    diff = p_m - p_h
    se = math.sqrt(p_m * (1 - p_m) / n_m + p_h * (1 - p_h) / n_h)
    out["difference"] = {"value": diff, "low": diff - Z95 * se, "high": diff + Z95 * se}
    out["significant"] = bool(se > 0 and (diff - Z95 * se > 0 or diff + Z95 * se < 0))
    if x_m > 0 and x_h > 0:
        ratio = p_m / p_h
        se_log = math.sqrt(1 / x_m - 1 / n_m + 1 / x_h - 1 / n_h)
        out["lift"] = {"value": ratio - 1, "low": math.exp(math.log(ratio) - Z95 * se_log) - 1,
                       "high": math.exp(math.log(ratio) + Z95 * se_log) - 1}
    return out


@register_runner
class CampaignResultsRunner(QueryRunner):
    query_class = CampaignResultsQuery
    query: CampaignResultsQuery

    @property
    def stream(self) -> str:
        return f"campaign:{self.query.campaign}"

    def counts_statement(self) -> Any:
        L = outbound_ledger
        return (select(L.c.grp, L.c.state, func.count().label("n")).where(L.c.stream == literal(self.stream, String))
                .group_by(L.c.grp, L.c.state))

    def conversion_statement(self, goal: Goal, now_ms: int) -> Any:
        L = outbound_ledger
        e = events.alias("goal_events")
        within = literal(goal.within_ms, BigInteger)
        converted = exists().where(e.c.person == L.c.item, e.c.event == literal(goal.event, String),
                                   e.c.ts > L.c.done_at, e.c.ts <= L.c.done_at + within)
        day = (L.c.done_at - L.c.done_at % literal(DAY_MS, BigInteger)).label("day")
        one, zero = literal(1, Integer), literal(0, Integer)
        decided = or_(and_(L.c.grp == "message", L.c.state == "sent"), and_(L.c.grp == "holdout", L.c.state == "held"))
        return (select(L.c.grp, day, func.count().label("n"),
                       func.sum(case((converted, one), else_=zero)).label("converted"),
                       func.sum(case((L.c.done_at + within <= literal(now_ms, BigInteger), one), else_=zero))
                       .label("complete"))
                .where(L.c.stream == literal(self.stream, String), decided)
                .group_by(L.c.grp, day).order_by(day, L.c.grp))

    def to_query(self) -> Any:
        return self.conversion_statement(self.query.goal or Goal("Order Completed", 7 * DAY_MS), 0)

    def statements(self) -> list[Any]:
        return [self.counts_statement(), self.to_query()]

    def _goal(self, conn: Connection) -> Goal | None:
        if self.query.goal is not None:
            return self.query.goal
        row = conn.execute(select(campaigns.c.definition).where(campaigns.c.name == self.query.campaign)).first()
        if row is None:
            return None
        definition = json.loads(row[0]) if isinstance(row[0], str) else row[0]
        goal = (definition or {}).get("goal")
        return parse_goal(goal, "goal") if goal else None

    def calculate(self, conn: Connection) -> dict[str, Any]:
        q = self.query
        if not inspect(conn).has_table(outbound_ledger.name):
            raise QueryError(f"campaign {q.campaign!r} has not been sent from this database")
        counts: dict[tuple[str, str], int] = {(r.grp, r.state): int(r.n)
                                              for r in self.execute(conn, self.counts_statement())}
        if not counts:
            raise QueryError(f"campaign {q.campaign!r} has not been sent from this database (no ledger entries)")
        by_state: dict[str, int] = {}
        for (_grp, state), n in counts.items():
            by_state[state] = by_state.get(state, 0) + n
        goal = self._goal(conn)
        out: dict[str, Any] = {
            "campaign": q.campaign,
            "goal": goal.to_dict() if goal else None,
            "audience": sum(counts.values()),
            "sent": by_state.get("sent", 0),
            "held_out": by_state.get("held", 0),
            "failed": by_state.get("failed", 0),
            "pending": by_state.get("retry", 0) + by_state.get("sending", 0),
            "unconfirmed": by_state.get("unknown", 0),
            "groups": None, "difference": None, "lift": None, "significant": None, "over_time": [],
        }
        if goal is None:
            return out
        now_ms = int(self.now.timestamp() * 1000)
        totals: dict[str, dict[str, Any]] = {g: {"people": 0, "converted": 0, "window_complete": 0}
                                             for g in ("message", "holdout")}
        days: dict[int, dict[str, Any]] = {}
        for r in self.execute(conn, self.conversion_statement(goal, now_ms)):
            t = totals[r.grp]
            t["people"] += int(r.n)
            t["converted"] += int(r.converted or 0)
            t["window_complete"] += int(r.complete or 0)
            bucket = days.setdefault(int(r.day), {g: {"people": 0, "converted": 0} for g in ("message", "holdout")})
            bucket[r.grp] = {"people": int(r.n), "converted": int(r.converted or 0)}
        for t in totals.values():
            t["rate"] = t["converted"] / t["people"] if t["people"] else None
        out["groups"] = totals
        out.update(rate_interval(totals["message"]["converted"], totals["message"]["people"],
                                 totals["holdout"]["converted"], totals["holdout"]["people"]))
        for day in sorted(days):
            entry = days[day]
            row: dict[str, Any] = {"day": dt.datetime.fromtimestamp(day / 1000, dt.UTC).date().isoformat()}
            for g in ("message", "holdout"):
                people, conv = entry[g]["people"], entry[g]["converted"]
                row[f"{g}_people"] = people
                row[f"{g}_converted"] = conv
                row[f"{g}_rate"] = conv / people if people else None
            out["over_time"].append(row)
        return out
