"""A small shop written through the real ingestion path, for the part-2 panel tests.

60 visitors browse anonymously, identify (so their anonymous history merges into their
user id), and go Product Viewed → Added To Cart → Checkout Started → Order Completed with
drop-off at each step; person i also completed `i % 6` extra orders in the last 30 days and
two more 45 days ago (outside the example cohort's window). Traits: gender, age, email, plan.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine

from app.ingest.writer import EventWriter

PERSONS = 60
CATEGORIES = ["beans", "grinders", "kettles"]
PLANS = ["free", "pro", "team"]


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def shop_messages(now: dt.datetime | None = None) -> list[dict[str, Any]]:
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    out: list[dict[str, Any]] = []

    def msg(kind: str, when: dt.datetime, **fields: Any) -> None:
        out.append({"type": kind, "messageId": f"shop-{len(out)}", "timestamp": iso(when), **fields})

    for i in range(PERSONS):
        anon, user = f"anon-{i:02d}", f"u{i:02d}"
        entry = (now - dt.timedelta(days=i % 20 + 2)).replace(hour=10, minute=0, second=0) + dt.timedelta(minutes=i)
        msg("page", entry - dt.timedelta(minutes=5), anonymousId=anon, name="Home",
            context={"ip": "81.2.69.160", "page": {"url": "https://shop.example/"}})
        msg("track", entry, anonymousId=anon, event="Product Viewed",
            properties={"category": CATEGORIES[i % 3], "price": 10 + i})
        traits = {"email": f"user{i:02d}@shop.example", "name": f"Person {i}",
                  "gender": "male" if i % 3 == 0 else "female", "age": 20 + i, "plan": PLANS[i % 3]}
        msg("identify", entry + dt.timedelta(minutes=2), anonymousId=anon, userId=user, traits=traits)
        if i % 4 != 0:
            msg("track", entry + dt.timedelta(minutes=10), userId=user, event="Added To Cart",
                properties={"category": CATEGORIES[i % 3]})
            if i % 3 != 1:
                msg("track", entry + dt.timedelta(minutes=20 + i % 7), userId=user, event="Checkout Started")
                if i % 5 != 2:
                    msg("track", entry + dt.timedelta(minutes=30 + i % 11), userId=user, event="Order Completed",
                        properties={"total": 20 + i})
        for k in range(i % 6):
            msg("track", now - dt.timedelta(days=k + 1, hours=3), userId=user, event="Order Completed",
                properties={"total": 5 + k})
        for k in range(2):
            msg("track", now - dt.timedelta(days=45 + k), userId=user, event="Order Completed",
                properties={"total": 7})
    return out


def write_shop(engine: Engine, now: dt.datetime | None = None) -> None:
    result = EventWriter(engine, enrich=False).write(shop_messages(now))
    assert not result.rejected, result.rejected[:3]


#: The issue's example: female users older than 35 who did Order Completed at least 3 times
#: in the last 30 days — as the JSON a person would write by hand.
EXAMPLE_COHORT = {
    "kind": "users",
    "where": [{"trait": "gender", "op": "eq", "value": "female"}, {"trait": "age", "op": "gt", "value": 35}],
    "did": [{"event": "Order Completed", "min": 3, "range": {"last": 30, "unit": "day"}}],
    "limit": 1000,
}
