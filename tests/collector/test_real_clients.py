"""The official Segment and RudderStack Python clients, unmodified, deliver a session through the collector."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rudderstack.analytics.client import Client as RudderClient
from segment.analytics.client import Client as SegmentClient
from sqlalchemy import select

from app.core.schema import users
from tests.collector.conftest import stored
from tests.collector.harness import WRITE_KEY, ThreadCollector

CHROME_MAC = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
              "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36")
BROWSER_CONTEXT = {"ip": "8.8.8.8", "userAgent": CHROME_MAC,
                   "page": {"referrer": "https://news.ycombinator.com/item?id=1"}}
FUNNEL = ["Signed Up", "Created Project", "Invited Teammate"]


def _segment(url: str, errors: list[Any], *, gzip: bool) -> SegmentClient:
    return SegmentClient(write_key=WRITE_KEY, host=url, gzip=gzip, upload_interval=0.05,
                         on_error=lambda exc, batch: errors.append(exc), max_retries=2)


def _rudder(url: str, errors: list[Any], *, gzip: bool) -> RudderClient:
    return RudderClient(write_key=WRITE_KEY, host=url, gzip=gzip, upload_interval=0.05,
                        on_error=lambda exc, batch: errors.append(exc), max_retries=2)


CLIENTS: dict[str, Callable[..., Any]] = {"segment": _segment, "rudderstack": _rudder}


def _session(client: Any, start: datetime) -> dict[str, datetime]:
    """Anonymous browsing, sign-up with identify, then the funnel; returns messageId -> device time."""
    sent: dict[str, datetime] = {}

    def record(result: tuple[bool, dict[str, Any]], when: datetime) -> None:
        ok, message = result
        assert ok
        sent[message["messageId"]] = when

    anon, user = "anon-5f3a", "user-42"
    for minute, name in enumerate(["Home", "Pricing"]):
        when = start + timedelta(minutes=minute)
        record(client.page(anonymous_id=anon, name=name, properties={"path": f"/{name.lower()}"},
                           context=dict(BROWSER_CONTEXT), timestamp=when), when)
    when = start + timedelta(minutes=5)
    record(client.identify(user_id=user, anonymous_id=anon, context=dict(BROWSER_CONTEXT), timestamp=when,
                           traits={"email": "ada@example.com", "plan": "pro", "name": "Ada"}), when)
    for step, event in enumerate(FUNNEL):
        when = start + timedelta(minutes=6 + step)
        record(client.track(user_id=user, event=event, properties={"step": step + 1},
                            context=dict(BROWSER_CONTEXT), timestamp=when), when)
    return sent


@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("name", sorted(CLIENTS))
def test_a_scripted_session_lands_once_merged_enriched_and_on_time(
    collector: ThreadCollector, name: str, gzip: bool,
) -> None:
    errors: list[Any] = []
    client = CLIENTS[name](collector.url, errors, gzip=gzip)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    sent = _session(client, start)
    client.flush()
    client.join()
    assert errors == []

    rows = stored(collector.engine)
    assert sorted(r["message_id"] for r in rows) == sorted(sent)
    by_id = {r["message_id"]: r for r in rows}
    # Identity merged: the anonymous page views now belong to the user.
    assert {r["person"] for r in rows} == {"user-42"}
    assert [r["event"] for r in rows if r["type"] == "track"] == FUNNEL
    assert [r["properties"]["name"] for r in rows if r["type"] == "page"] == ["Home", "Pricing"]
    for message_id, when in sent.items():
        row = by_id[message_id]
        # Device time corrected by sentAt; the client's clock is ours, so it lands on `when`.
        assert abs(row["ts"] - int(when.timestamp() * 1000)) < 2_000, (message_id, row["ts"], when)
        assert abs(row["received_at"] - int(datetime.now(UTC).timestamp() * 1000)) < 120_000
        assert (row["city"], row["country_code"]) == ("Mountain View", "US")
        assert (row["browser"], row["os"]) == ("Chrome", "Mac OS X")
        assert row["referring_domain"] == "news.ycombinator.com"
        assert row["context"]["library"]["name"] == "analytics-python"
    with collector.engine.connect() as conn:
        person = conn.execute(select(users).where(users.c.id == "user-42")).one()._mapping
    assert person["email"] == "ada@example.com"
    assert person["traits"]["plan"] == "pro"
    assert person["event_count"] == len(FUNNEL) + 2


def test_a_client_retrying_the_same_batch_stores_it_once(collector: ThreadCollector) -> None:
    errors: list[Any] = []
    start = datetime.now(UTC) - timedelta(minutes=30)
    first = _segment(collector.url, errors, gzip=False)
    sent = _session(first, start)
    first.flush()
    first.join()
    # A second client process re-sending the same messages (as after a lost response).
    again = _rudder(collector.url, errors, gzip=True)
    for row in stored(collector.engine):
        again.track(user_id="user-42", event="Replayed", message_id=row["message_id"], timestamp=start)
    again.flush()
    again.join()
    assert errors == []
    assert sorted(r["message_id"] for r in stored(collector.engine)) == sorted(sent)


def test_the_live_view_poll_shows_what_the_segment_client_sent(collector: ThreadCollector) -> None:
    """The issue's "done when": events sent by the official client appear in the Live View's query."""
    from app.query import run_query

    errors: list[Any] = []
    client = _segment(collector.url, errors, gzip=False)
    client.page(anonymous_id="anon-live", name="Home", context=dict(BROWSER_CONTEXT))
    client.flush()
    first = run_query(collector.engine, {"kind": "live", "after_id": 0})
    assert [(e["event"], e["$city"], e["$browser"]) for e in first["events"]] == [
        ("Page Viewed", "Mountain View", "Chrome")]
    client.track(anonymous_id="anon-live", event="Signed Up", context=dict(BROWSER_CONTEXT))
    client.flush()
    client.join()
    assert errors == []
    newer = run_query(collector.engine, {"kind": "live", "after_id": first["max_id"]})
    assert [e["event"] for e in newer["events"]] == ["Signed Up"]
