"""Destinations against real local HTTP receivers, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from typing import Any

import pytest
from sqlalchemy import Engine, select

from app.core.schema import event_context, events
from app.outbound.destinations import store
from app.outbound.destinations.config import DestinationError, parse_destinations
from app.outbound.destinations.formats import insert_id
from app.outbound.destinations.forwarder import (
    IDLE,
    SENT,
    DestinationWorker,
    Forwarder,
    parse_retry_after,
)
from app.outbound.retry import Backoff
from tests.outbound.destinations_support import Receiver, mixed_messages, store_messages, track

FAST = Backoff(base=0.01, cap=0.05, attempts=0)


@pytest.fixture
def rx() -> Any:
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def webhook(url: str, **over: Any) -> dict[str, Any]:
    return {"name": "hook", "type": "webhook", "url": url, **over}


def worker(engine: Engine, spec: dict[str, Any], **kw: Any) -> DestinationWorker:
    (dest,) = parse_destinations([spec])
    return DestinationWorker(engine, dest, backoff=kw.pop("backoff", FAST), **kw)


def stored_rows(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        rows = conn.execute(select(events.c.message_id, events.c.id, events.c.properties, event_context.c.context)
                            .select_from(events.outerjoin(event_context, event_context.c.id == events.c.id))
                            .order_by(events.c.id)).all()
    return {r.message_id: r for r in rows}


def test_webhook_delivers_every_matching_message_as_stored_in_order(engine: Engine, rx: Receiver) -> None:
    sent = mixed_messages(60)
    store_messages(engine, sent)
    w = worker(engine, webhook(rx.url, headers={"Authorization": "Bearer s3cret"}, events=["Order Completed"],
                               where=[{"property": "price", "op": "gt", "value": 100}], batch=3))
    summary = w.catch_up()
    w.close()
    expected = [m for m in sent if m.get("event") == "Order Completed" and m["properties"]["price"] > 100]
    assert expected and summary.sent == len(expected)
    got = rx.delivered()
    assert [m["messageId"] for m in got] == [m["messageId"] for m in expected]
    rows = stored_rows(engine)
    for original, msg in zip(expected, got, strict=True):
        assert msg["type"] == "track" and msg["event"] == original["event"]
        assert msg["userId"] == original["userId"] and msg["anonymousId"] == original["anonymousId"]
        assert msg["properties"] == original["properties"] == rows[msg["messageId"]].properties
        assert msg["context"] == original["context"]
        assert msg["timestamp"] == original["timestamp"]
    assert all(h.headers["Authorization"] == "Bearer s3cret" for h in rx.hits)
    assert all(len(h.messages()) <= 3 for h in rx.hits)
    cur = store.cursor(engine, "hook")
    assert cur is not None and cur.delivered == len(expected) and cur.position == max(r.id for r in rows.values())
    # Nothing new: nothing sent again.
    before = len(rx.hits)
    again = worker(engine, webhook(rx.url, events=["Order Completed"]))
    assert again.step() == IDLE and len(rx.hits) == before
    again.close()


def test_segment_destination_forwards_every_type_with_basic_auth(engine: Engine, rx: Receiver) -> None:
    sent = mixed_messages(24)
    store_messages(engine, sent)
    w = worker(engine, {"name": "rudder", "type": "segment", "url": rx.url, "write_key": "wk-1", "batch": 10})
    w.catch_up()
    w.close()
    assert {h.path for h in rx.hits} == {"/v1/batch"}
    assert {h.basic_user() for h in rx.hits} == {"wk-1"}
    got = rx.delivered()
    assert [m["messageId"] for m in got] == [m["messageId"] for m in sent]
    rows = stored_rows(engine)
    by_id = {m["messageId"]: m for m in sent}
    for msg in got:
        original = by_id[msg["messageId"]]
        assert msg["type"] == original["type"]
        if original["type"] == "identify":
            assert msg["traits"] == original["traits"]
        elif original["type"] == "group":
            assert (msg["groupId"], msg["traits"]) == (original["groupId"], original["traits"])
        elif original["type"] == "alias":
            assert msg["previousId"] == original["previousId"]
        elif original["type"] == "page":
            assert msg["name"] == "Home" and msg["properties"] == rows[msg["messageId"]].properties
            assert msg["properties"]["title"] == "Shop"  # filled in from context.page at ingestion
        assert msg["context"] == (rows[msg["messageId"]].context or {})


def test_segment_requests_stay_under_500_kb_by_default(engine: Engine, rx: Receiver) -> None:
    """Segment (and a Tracklens collector) refuse a batch over 500 KB: the default batch of 500
    messages of ~3 KB each goes out in smaller requests instead of becoming a dead letter."""
    sent = [track(i, note="x" * 3000, n=i) for i in range(400)]
    store_messages(engine, sent)
    w = worker(engine, {"name": "rudder", "type": "segment", "url": rx.url, "write_key": "wk-1"})
    assert w.dest.batch == 500
    summary = w.catch_up()
    w.close()
    assert summary.sent == 400 and summary.dead == 0 and not store.dead_letters(engine, "rudder")
    assert [m["messageId"] for m in rx.delivered()] == [m["messageId"] for m in sent]
    assert len(rx.hits) > 2
    assert all(len(json.dumps(h.body, separators=(",", ":"))) <= 500_000 for h in rx.hits)
    cur = store.cursor(engine, "rudder")
    assert cur is not None and cur.delivered == 400


def test_segment_and_mixpanel_batches_grow_with_the_backlog_up_to_the_documented_limits(engine: Engine,
                                                                                        rx: Receiver) -> None:
    """Without a `batch` in the file, a destination that is behind sends fewer, larger requests:
    Segment up to 2,500 messages and under 500 KB (by the bytes per message it has seen),
    Mixpanel up to its 2,000 events; a given `batch` stays the most sent, as a webhook's always."""
    sent = [track(i, note="x" * 200, n=i) for i in range(5200)]
    store_messages(engine, sent)
    specs: list[dict[str, Any]] = [
        {"name": "seg", "type": "segment", "url": rx.url + "/seg", "write_key": "k"},
        {"name": "mp", "type": "mixpanel", "url": rx.url + "/mp", "api_secret": "s"},
        {"name": "seg-fixed", "type": "segment", "url": rx.url + "/fixed", "write_key": "k", "batch": 300},
        {"name": "hook", "type": "webhook", "url": rx.url + "/hook"}]
    for spec in specs:
        w = worker(engine, spec)
        summary = w.catch_up()
        w.close()
        assert summary.sent == 5200 and summary.dead == 0, spec["name"]
    sizes = {prefix: [len(h.messages()) for h in rx.ok_hits() if h.path.startswith(prefix)]
             for prefix in ("/seg/", "/mp/", "/fixed/", "/hook")}
    seg = [h for h in rx.ok_hits() if h.path.startswith("/seg/")]
    # ~485 bytes a message here: 500 first, then as many as fill 90 % of 500 KB
    assert sizes["/seg/"][0] == 500 and min(sizes["/seg/"][1:-1]) > 850
    assert all(len(json.dumps(h.body, separators=(",", ":"))) <= 500_000 for h in seg)
    assert all(n <= 2500 for n in sizes["/seg/"])
    assert sizes["/mp/"] == [1000, 2000, 2000, 200]
    assert max(sizes["/fixed/"]) == 300 and max(sizes["/hook"]) == 500
    for prefix in ("/seg/", "/fixed/", "/hook"):
        got = [m["messageId"] for h in rx.ok_hits() if h.path.startswith(prefix) for m in h.messages()]
        assert got == [m["messageId"] for m in sent], prefix


def test_500_then_200_is_delivered_once_after_a_retry(engine: Engine, rx: Receiver) -> None:
    store_messages(engine, [track(i, price=i) for i in range(5)])
    rx.script = [(500, {}), (503, {})]
    w = worker(engine, webhook(rx.url, batch=10))
    assert w.step() == SENT
    w.close()
    assert [h.status for h in rx.hits] == [500, 503, 200]
    assert [m["messageId"] for m in rx.delivered()] == [f"m-{i:05d}" for i in range(5)]
    cur = store.cursor(engine, "hook")
    assert cur is not None and cur.failing_since is None and "503" in (cur.last_error or "")


def test_429_retry_after_is_honoured(engine: Engine, rx: Receiver) -> None:
    store_messages(engine, [track(1, price=1)])
    rx.script = [(429, {"Retry-After": "1"})]
    w = worker(engine, webhook(rx.url))  # the backoff alone would wait at most 0.05 s
    assert w.step() == SENT
    w.close()
    first, second = rx.hits
    assert first.status == 429 and second.status == 200
    assert second.at - first.at >= 0.95


@pytest.mark.parametrize("retry_after", ["0", "Wed, 21 Oct 2015 07:28:00 GMT"])
def test_a_retry_after_of_nothing_is_not_a_busy_loop(engine: Engine, rx: Receiver, retry_after: str) -> None:
    """A receiver answering 503 with Retry-After: 0 (or a date gone by) was asked again at once,
    for as long as it answered so: a loop of POSTs and failure commits as fast as both sides
    went, a core of the collector's machine and, on SQLite, the writer's page cache each
    time. The retry waits MIN_RETRY_AFTER (1 s) at least."""
    store_messages(engine, [track(1, price=1)])
    rx.script = [(503, {"Retry-After": retry_after})]
    w = worker(engine, webhook(rx.url))  # the backoff alone would wait at most 0.05 s
    assert w.step() == SENT
    w.close()
    first, second = rx.hits
    assert first.status == 503 and second.status == 200
    assert second.at - first.at >= 0.95


def test_a_retry_after_that_is_not_a_number_is_ignored(engine: Engine, rx: Receiver) -> None:
    """A receiver answering 503 with 'Retry-After: ²' (a byte a hostile or broken receiver can
    send: str.isdigit() says yes, float() says no) stopped the worker with ValueError. The
    header is ignored like any other it cannot read: the backoff's wait, then delivered."""
    store_messages(engine, [track(1, price=1)])
    rx.script = [(503, {"Retry-After": "\u00b2"})]
    w = worker(engine, webhook(rx.url))
    assert w.step() == SENT
    w.close()
    assert [h.status for h in rx.hits] == [503, 200]
    assert [m["messageId"] for m in rx.delivered()] == ["m-00001"]
    assert parse_retry_after("\u00b2") is None and parse_retry_after("\u0663") is None  # (Arabic-Indic 3)


def test_a_url_with_letters_beyond_ascii_is_sent_to(engine: Engine, rx: Receiver) -> None:
    """A destination URL with a letter beyond ASCII in its path ('/hooks/café', or a control
    pasted with it) stopped the worker with UnicodeEncodeError from the standard library's
    connection. It is sent as httpx writes it: percent-encoded."""
    store_messages(engine, [track(1, price=1)])
    w = worker(engine, webhook(rx.url + "/hooks/caf\u00e9\u202e"))
    assert w.step() == SENT
    w.close()
    assert [h.path for h in rx.hits] == ["/hooks/caf%C3%A9%E2%80%AE"]
    assert [m["messageId"] for m in rx.delivered()] == ["m-00001"]


def test_retry_after_forms() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    now = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC).timestamp()
    assert parse_retry_after("Sat, 05 Dec 2026 12:00:30 GMT", now=now) == 30.0


def test_400_parks_a_dead_letter_and_the_rest_goes_on_then_retry_dead(engine: Engine, rx: Receiver) -> None:
    store_messages(engine, [track(i, price=i) for i in range(6)])
    rx.script = [(200, {}), (400, {})]
    w = worker(engine, webhook(rx.url, batch=2))
    summary = w.catch_up()
    assert summary.dead == 1 and summary.sent == 4
    assert [m["messageId"] for m in rx.delivered()] == ["m-00000", "m-00001", "m-00004", "m-00005"]
    (letter,) = store.dead_letters(engine, "hook")
    assert letter.status == 400 and "refused: bad field" in (letter.answer or "")
    assert [m["messageId"] for m in letter.messages] == ["m-00002", "m-00003"]
    (status,) = store.status(engine, [w.dest])
    assert status.dead_letters == 1 and status.pending == 0 and "dead letter" in (status.last_error or "")
    again = w.retry_dead()
    w.close()
    assert again.sent == 2 and not store.dead_letters(engine, "hook")
    assert [m["messageId"] for m in rx.ok_hits()[-1].messages()] == ["m-00002", "m-00003"]


def test_receiver_down_lag_grows_then_catches_up_nothing_lost(engine: Engine, rx: Receiver) -> None:
    store_messages(engine, [track(i, price=i) for i in range(10)])
    (dest,) = parse_destinations([webhook(rx.url, batch=4)])
    forwarder = Forwarder(engine, [dest], poll=0.05, backoff=Backoff(base=0.05, cap=0.2))
    forwarder.start()
    try:
        deadline = time.monotonic() + 20
        while len(rx.delivered()) < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(rx.delivered()) == 10
        port = rx.port
        rx.stop()
        store_messages(engine, [track(i, price=i) for i in range(10, 30)])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            (st,) = store.status(engine, [dest])
            if st.failing_since is not None and st.lag_seconds is not None:
                break
            time.sleep(0.05)
        assert st.pending == 20 and st.failing_since is not None and "cannot reach" in (st.last_error or "")
        time.sleep(0.3)
        store_messages(engine, [track(i, price=i) for i in range(30, 35)])
        (later,) = store.status(engine, [dest])
        assert later.pending == 25 and (later.lag_seconds or 0) >= (st.lag_seconds or 0)
        rx.port = port
        rx.start()
        deadline = time.monotonic() + 20
        while len(rx.delivered()) < 35 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        forwarder.stop()
    assert [m["messageId"] for m in rx.delivered()] == [f"m-{i:05d}" for i in range(35)]
    (final,) = store.status(engine, [dest])
    assert final.pending == 0 and final.failing_since is None and final.delivered == 35


def test_a_slow_destination_does_not_hold_up_another(engine: Engine, rx: Receiver) -> None:
    slow = Receiver(delay=1.0).start()
    try:
        store_messages(engine, [track(i, price=i) for i in range(6)])
        dests = parse_destinations([webhook(slow.url, name="slow", batch=1), webhook(rx.url, name="fast", batch=1)])
        forwarder = Forwarder(engine, dests, poll=0.05)
        t0 = time.monotonic()
        forwarder.start()
        try:
            while len(rx.delivered()) < 6 and time.monotonic() - t0 < 10:
                time.sleep(0.02)
            fast_done = time.monotonic() - t0
        finally:
            forwarder.stop(timeout=5)
        assert len(rx.delivered()) == 6 and fast_done < 3
        assert len(slow.hits) < 6
    finally:
        slow.stop()


def test_mixpanel_payload_fields(engine: Engine, rx: Receiver) -> None:
    messages = mixed_messages(12)
    messages.append({**track(99, price=5), "messageId": "a-message-id-that-is-far-too-long-for-mixpanel:1"})
    store_messages(engine, messages)
    w = worker(engine, {"name": "mp", "type": "mixpanel", "url": rx.url, "api_secret": "sec",
                        "project_token": "tok", "batch": 50})
    w.catch_up()
    w.close()
    (hit,) = rx.hits
    assert hit.path == "/import?strict=1" and hit.basic_user() == "sec"
    assert isinstance(hit.body, list)
    analysis = [m for m in messages if m["type"] in ("track", "page")]
    assert [e["event"] for e in hit.body] == [m.get("event", "Page Viewed") for m in analysis]
    rows = stored_rows(engine)
    for original, item in zip(analysis, hit.body, strict=True):
        props = item["properties"]
        with engine.connect() as conn:
            ts = conn.execute(select(events.c.ts).where(events.c.message_id == original["messageId"])).scalar()
        assert props["time"] == ts and isinstance(props["time"], int)
        assert props["distinct_id"] == original.get("userId") or original.get("anonymousId")
        assert props["$insert_id"] == insert_id(original["messageId"])
        assert len(props["$insert_id"]) <= 36 and props["$insert_id"].replace("-", "").isalnum()
        assert props["token"] == "tok"
        for key, value in rows[original["messageId"]].properties.items():
            assert props[key] == value
    assert insert_id("m-00001") == "m-00001"


def test_replay_a_range_leaves_the_cursor(engine: Engine, rx: Receiver) -> None:
    store_messages(engine, [track(i, price=i) for i in range(40)])  # days 1..20 of November
    w = worker(engine, webhook(rx.url, batch=7))
    w.catch_up()
    position = store.cursor(engine, "hook").position  # type: ignore[union-attr]
    rx.hits.clear()
    start = int(dt.datetime(2026, 11, 3, tzinfo=dt.UTC).timestamp() * 1000)
    end = int(dt.datetime(2026, 11, 5, tzinfo=dt.UTC).timestamp() * 1000)
    summary = w.replay(start, end)
    w.close()
    got = [m["timestamp"][:10] for m in rx.delivered()]
    assert summary.sent == len(got) == 4 and set(got) == {"2026-11-03", "2026-11-04"}
    assert store.cursor(engine, "hook").position == position  # type: ignore[union-attr]


def test_paused_destination_is_skipped(engine: Engine, rx: Receiver) -> None:
    store_messages(engine, [track(1, price=1)])
    store.set_paused(engine, "hook", True)
    w = worker(engine, webhook(rx.url))
    assert w.catch_up().outcome == "paused" and not rx.hits
    store.set_paused(engine, "hook", False)
    assert w.catch_up().sent == 1
    w.close()


def test_two_forwarders_never_deliver_one_destination_at_once(engine: Engine, rx: Receiver) -> None:
    store_messages(engine, [track(1, price=1)])
    a = worker(engine, webhook(rx.url))
    b = worker(engine, webhook(rx.url))
    assert store.claim(engine, "hook", a.owner)
    assert b.step() == "busy"
    a.close()
    assert b.step() == SENT
    b.close()
    assert len(rx.delivered()) == 1


def test_filters_on_traits_use_the_query_model(engine: Engine, rx: Receiver) -> None:
    store_messages(engine, [
        {"type": "identify", "userId": "gold", "traits": {"tier": "gold"}, "messageId": "i1"},
        {"type": "identify", "userId": "tin", "traits": {"tier": "tin"}, "messageId": "i2"},
        {"type": "track", "userId": "gold", "event": "Paid", "messageId": "t1"},
        {"type": "track", "userId": "tin", "event": "Paid", "messageId": "t2"},
        {"type": "track", "userId": "gold", "event": "Paid", "messageId": "t3"},
    ])
    w = worker(engine, webhook(rx.url, where=[{"trait": "tier", "op": "eq", "value": "gold'; --"}]))
    w.catch_up()
    assert rx.delivered() == []
    w2 = worker(engine, webhook(rx.url, name="gold", events=["Paid"],
                                where=[{"trait": "tier", "op": "eq", "value": "gold"}]))
    w2.catch_up()
    w.close()
    w2.close()
    assert [m["messageId"] for m in rx.delivered()] == ["t1", "t3"]


def test_a_secret_from_the_os_keychain_reaches_the_destination(monkeypatch: pytest.MonkeyPatch, engine: Engine,
                                                               rx: Receiver) -> None:
    """A file without the write key: the keychain's (service tracklens-destinations, user
    'name:field') is sent; the environment's wins over it."""
    import keyring
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.saved: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.saved.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.saved[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.saved.pop((service, username), None)

    monkeypatch.delenv("TRACKLENS_DEST_RUDDER_WRITE_KEY", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        keyring.set_password("tracklens-destinations", "rudder:write_key", "from-keychain")
        store_messages(engine, [track(i, price=i) for i in range(3)])
        w = worker(engine, {"name": "rudder", "type": "segment", "url": rx.url})
        assert w.catch_up().sent == 3
        w.close()
        assert [h.basic_user() for h in rx.hits] == ["from-keychain"]
        monkeypatch.setenv("TRACKLENS_DEST_RUDDER_WRITE_KEY", "from-env")
        (dest,) = parse_destinations([{"name": "rudder", "type": "segment", "url": rx.url}])
        assert dest.write_key == "from-env"
    finally:
        keyring.set_keyring(previous)


def test_config_errors_and_secrets_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DestinationError, match="write_key"):
        parse_destinations([{"name": "r", "type": "segment", "url": "https://r.example"}])
    monkeypatch.setenv("TRACKLENS_DEST_R_WRITE_KEY", "from-env")
    (dest,) = parse_destinations([{"name": "r", "type": "segment", "url": "https://r.example/"}])
    assert dest.write_key == "from-env" and dest.url == "https://r.example"
    for bad, match in [
        ({"name": "x", "type": "ftp", "url": "https://x"}, "type"),
        ({"name": "x", "type": "webhook", "url": "ftp://x"}, "url"),
        ({"name": "x y", "type": "webhook", "url": "https://x"}, "name"),
        ({"name": "x", "type": "webhook", "url": "https://x", "where": [{"property": "p", "op": "zz"}]}, "op"),
        ({"name": "x", "type": "webhook", "url": "https://x", "batch": 0}, "batch"),
        ({"name": "x", "type": "webhook", "url": "https://x", "write_key": "k"}, "not a field"),
        ({"name": "x", "type": "webhook", "url": "https://x", "colour": "red"}, "unknown key"),
    ]:
        with pytest.raises(DestinationError, match=match):
            parse_destinations([bad])
    with pytest.raises(DestinationError, match="two destinations"):
        parse_destinations([{"name": "x", "type": "webhook", "url": "https://x"}] * 2)


def test_forwarder_stop_interrupts_a_retry_wait(engine: Engine, rx: Receiver) -> None:
    store_messages(engine, [track(1, price=1)])
    rx.script = [(503, {"Retry-After": "600"})]
    (dest,) = parse_destinations([webhook(rx.url)])
    forwarder = Forwarder(engine, [dest], poll=0.05)
    forwarder.start()
    deadline = time.monotonic() + 10
    while not rx.hits and time.monotonic() < deadline:
        time.sleep(0.02)
    t0 = time.monotonic()
    forwarder.stop(timeout=5)
    assert time.monotonic() - t0 < 2
    assert not any(t.is_alive() for t in threading.enumerate() if t.name == "tracklens-forward-hook")
    assert store.cursor(engine, "hook").position == 0  # type: ignore[union-attr]


