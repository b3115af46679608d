"""Segment's HTTP API as raw requests: paths, auth, bodies, merging, addresses, times, CORS."""

from __future__ import annotations

import base64
import gzip
import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.collector.conftest import stored, stored_ids
from tests.collector.harness import WRITE_KEY, ThreadCollector, collector_in_thread
from tests.collector.messages import message_id, of_type, page, track

SINGLE_PATHS = [
    ("track", "track"), ("t", "track"), ("identify", "identify"), ("i", "identify"),
    ("page", "page"), ("p", "page"), ("screen", "screen"), ("s", "screen"),
    ("group", "group"), ("g", "group"), ("alias", "alias"), ("a", "alias"),
]


@pytest.mark.parametrize(("path", "kind"), SINGLE_PATHS)
def test_single_call_paths_store_the_call_type_the_path_names(client: httpx.Client,
                                                               sqlite_collector: ThreadCollector,
                                                               path: str, kind: str) -> None:
    message = of_type(kind)
    response = client.post(f"/v1/{path}", json=message)
    assert response.status_code == 200, response.text
    assert response.json()["success"] is True
    rows = stored(sqlite_collector.engine)
    assert [(r["message_id"], r["type"]) for r in rows] == [(message["messageId"], kind)]


def test_the_path_decides_the_type_of_a_single_call(client: httpx.Client, sqlite_collector: ThreadCollector) -> None:
    response = client.post("/v1/p", json={**of_type("page"), "type": "track"})
    assert response.status_code == 200
    assert [r["type"] for r in stored(sqlite_collector.engine)] == ["page"]


@pytest.mark.parametrize("path", ["batch", "import", "b"])
def test_batch_paths_store_every_call_type(client: httpx.Client, sqlite_collector: ThreadCollector,
                                           path: str) -> None:
    batch = [{**of_type(kind), "type": kind} for kind in ("track", "identify", "page", "screen", "group", "alias")]
    response = client.post(f"/v1/{path}", json={"batch": batch})
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True, "accepted": 6, "rejected": []}
    rows = stored(sqlite_collector.engine)
    assert sorted(r["type"] for r in rows) == ["alias", "group", "identify", "page", "screen", "track"]


def test_health_answers_with_the_database_reachable(client: httpx.Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_unknown_paths_and_methods_answer_in_segments_error_shape(client: httpx.Client) -> None:
    missing = client.post("/v1/nope", json={})
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    wrong_method = client.get("/v1/batch")
    assert wrong_method.status_code == 405
    assert set(wrong_method.json()) == {"code", "message"}


# -- authentication -----------------------------------------------------------------------------


def test_basic_auth_with_the_write_key_as_user_name(sqlite_collector: ThreadCollector) -> None:
    token = base64.b64encode(f"{WRITE_KEY}:".encode()).decode()
    response = httpx.post(sqlite_collector.url + "/v1/track", json=track(),
                          headers={"Authorization": f"Basic {token}"})
    assert response.status_code == 200
    assert len(stored_ids(sqlite_collector.engine)) == 1


def test_write_key_in_the_body_as_analytics_js_sends_it(sqlite_collector: ThreadCollector) -> None:
    message = {**track(), "writeKey": WRITE_KEY}
    response = httpx.post(sqlite_collector.url + "/v1/t", content=json.dumps(message),
                          headers={"Content-Type": "text/plain"})
    assert response.status_code == 200
    batch = httpx.post(sqlite_collector.url + "/v1/batch", json={"batch": [track()], "writeKey": WRITE_KEY})
    assert batch.status_code == 200
    per_message = httpx.post(sqlite_collector.url + "/v1/b",
                             json={"batch": [{**track(), "writeKey": WRITE_KEY}, {**page(), "writeKey": WRITE_KEY}]})
    assert per_message.status_code == 200
    rows = stored(sqlite_collector.engine)
    assert len(rows) == 4
    assert all(WRITE_KEY not in json.dumps(r["context"]) + json.dumps(r["properties"]) for r in rows)


@pytest.mark.parametrize("how", ["no key", "wrong basic", "wrong body key", "garbled header", "bearer"])
def test_a_missing_or_wrong_key_is_refused_and_nothing_stored(sqlite_collector: ThreadCollector, how: str) -> None:
    body = {"batch": [track()]}
    headers: dict[str, str] = {}
    auth: tuple[str, str] | None = None
    if how == "wrong basic":
        auth = ("not-the-key", "")
    elif how == "wrong body key":
        body["writeKey"] = "not-the-key"
    elif how == "garbled header":
        headers["Authorization"] = "Basic %%%not-base64"
    elif how == "bearer":
        headers["Authorization"] = f"Bearer {WRITE_KEY}"
    response = httpx.post(sqlite_collector.url + "/v1/batch", json=body, headers=headers, auth=auth)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert stored_ids(sqlite_collector.engine) == []


def test_any_of_several_write_keys_is_accepted(sqlite_url: str) -> None:
    with collector_in_thread(sqlite_url, write_keys=["web-key", "server-key"]) as running:
        for key in ("web-key", "server-key"):
            assert httpx.post(running.url + "/v1/track", json=track(), auth=(key, "")).status_code == 200
        assert httpx.post(running.url + "/v1/track", json=track(), auth=("other", "")).status_code == 401
        assert len(stored_ids(running.engine)) == 2


def test_no_auth_mode_accepts_requests_without_a_key(sqlite_url: str) -> None:
    with collector_in_thread(sqlite_url, write_keys=[], no_auth=True) as running:
        assert httpx.post(running.url + "/v1/track", json=track()).status_code == 200
        assert len(stored_ids(running.engine)) == 1


# -- bodies ---------------------------------------------------------------------------------------


def test_gzip_and_text_plain_bodies(client: httpx.Client, sqlite_collector: ThreadCollector) -> None:
    zipped = gzip.compress(json.dumps({"batch": [track(), page()]}).encode())
    response = client.post("/v1/batch", content=zipped,
                           headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    plain = client.post("/v1/p", content=json.dumps(page()).encode(), headers={"Content-Type": "text/plain"})
    assert plain.status_code == 200
    assert len(stored_ids(sqlite_collector.engine)) == 3


def test_concatenated_gzip_members_are_one_body(client: httpx.Client, sqlite_collector: ThreadCollector) -> None:
    text = json.dumps({"batch": [track(), track()]}).encode()
    body = gzip.compress(text[:20]) + gzip.compress(text[20:])
    response = client.post("/v1/batch", content=body, headers={"Content-Encoding": "gzip"})
    assert response.status_code == 200, response.text
    assert len(stored_ids(sqlite_collector.engine)) == 2


@pytest.mark.parametrize(
    ("content", "headers", "status", "code"),
    [
        (b"{not json", {}, 400, "invalid_json"),
        (b"", {}, 400, "invalid_json"),
        (b"[1, 2]", {}, 400, "invalid_json"),
        (b"\xff\xfe{", {}, 400, "invalid_json"),
        (b'{"batch": {"type": "track"}}', {}, 400, "invalid_batch"),
        (b'{"sentAt": "2024-01-01T00:00:00Z"}', {}, 400, "invalid_batch"),
        (b"\x1f\x8b\x08\x00garbage", {"Content-Encoding": "gzip"}, 400, "invalid_gzip"),
        (gzip.compress(b'{"batch": []}')[:-12], {"Content-Encoding": "gzip"}, 400, "invalid_gzip"),
        (b'{"batch": []}', {"Content-Encoding": "br"}, 415, "unsupported_encoding"),
        (b'{"batch": []}', {"Content-Type": "multipart/form-data; boundary=x"}, 415, "unsupported_media_type"),
    ],
    ids=["malformed", "empty", "array", "not-utf8", "batch-not-list", "no-batch", "bad-gzip",
         "truncated-gzip", "brotli", "multipart"],
)
def test_malformed_requests_get_a_json_error_and_store_nothing(
    client: httpx.Client, sqlite_collector: ThreadCollector, content: bytes, headers: dict[str, str],
    status: int, code: str,
) -> None:
    response = client.post("/v1/batch", content=content, headers=headers)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    assert stored_ids(sqlite_collector.engine) == []


def test_explicit_nulls_are_tolerated(client: httpx.Client, sqlite_collector: ThreadCollector) -> None:
    # segment-analytics-python sends every optional field, null when unset.
    message = {"type": "track", "event": "Opened", "messageId": message_id(), "anonymousId": "anon-3",
               "userId": None, "properties": None, "context": None, "integrations": None,
               "timestamp": None, "sentAt": None}
    response = client.post("/v1/batch", json={"batch": [message], "context": None, "sentAt": None})
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 1
    [row] = stored(sqlite_collector.engine)
    assert (row["user_id"], row["person"], row["properties"]) == (None, "anon-3", {})


# -- partial batches ----------------------------------------------------------------------------


def test_a_partial_batch_stores_the_valid_messages_and_reports_the_others(
    collector: ThreadCollector,
) -> None:
    good = [track(), page(), track("Upgraded")]
    batch = [
        good[0],
        {"type": "track", "anonymousId": "a", "messageId": "no-event"},
        good[1],
        "not an object",
        {"type": "launch", "anonymousId": "a", "messageId": "bad-type"},
        {"type": "track", "event": "x", "messageId": "nobody"},
        good[2],
    ]
    response = httpx.post(collector.url + "/v1/batch", json={"batch": batch}, auth=(WRITE_KEY, ""))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == 3
    assert [r["index"] for r in body["rejected"]] == [1, 3, 4, 5]
    assert [r["messageId"] for r in body["rejected"]] == ["no-event", None, "bad-type", "nobody"]
    assert all(r["reason"] for r in body["rejected"])
    assert "event" in body["rejected"][0]["reason"]
    assert sorted(stored_ids(collector.engine)) == sorted(m["messageId"] for m in good)


def test_a_batch_with_only_invalid_messages_is_a_400(client: httpx.Client, sqlite_collector: ThreadCollector) -> None:
    response = client.post("/v1/batch", json={"batch": [{"type": "track", "anonymousId": "a"}, 7]})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_messages"
    assert [r["index"] for r in body["rejected"]] == [0, 1]
    assert stored_ids(sqlite_collector.engine) == []


def test_an_invalid_single_call_is_a_400_with_the_reason(client: httpx.Client) -> None:
    response = client.post("/v1/track", json={"anonymousId": "a", "messageId": "m1"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_message"
    assert "event" in response.json()["message"]


def test_resent_messages_are_stored_once(collector: ThreadCollector) -> None:
    batch = {"batch": [track(), track(), page()]}
    with httpx.Client(base_url=collector.url, auth=(WRITE_KEY, "")) as http:
        first = http.post("/v1/batch", json=batch)
        again = http.post("/v1/batch", json=batch, headers={"X-Retry-Count": "1"})
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["accepted"] == 3
    ids = stored_ids(collector.engine)
    assert sorted(ids) == sorted(m["messageId"] for m in batch["batch"])


# -- what the transport adds --------------------------------------------------------------------


def test_batch_context_and_integrations_merge_into_each_message(client: httpx.Client,
                                                                 sqlite_collector: ThreadCollector) -> None:
    own = track(context={"library": {"version": "9"}, "locale": "de-DE"}, integrations={"Mixpanel": False})
    plain = track()
    body = {
        "batch": [own, plain],
        "context": {"library": {"name": "analytics-go", "version": "3"}, "locale": "en-US", "timezone": "UTC"},
        "integrations": {"All": True},
    }
    assert client.post("/v1/batch", json=body).status_code == 200
    rows = {r["message_id"]: r for r in stored(sqlite_collector.engine)}
    own_ctx = rows[own["messageId"]]["context"]
    assert own_ctx["library"] == {"name": "analytics-go", "version": "9"}
    assert (own_ctx["locale"], own_ctx["timezone"]) == ("de-DE", "UTC")
    plain_ctx = rows[plain["messageId"]]["context"]
    assert plain_ctx["library"] == {"name": "analytics-go", "version": "3"}
    assert plain_ctx["locale"] == "en-US"


@pytest.mark.parametrize("path", ["batch", "import"])
def test_a_batch_context_that_is_no_object_is_said_ignored_and_its_messages_stored(
    client: httpx.Client, sqlite_collector: ThreadCollector, path: str,
) -> None:
    """`{"batch": [...], "context": "x"}`: the messages were stored and the context dropped without
    a word (the answer was the same as for a batch without one). Now the answer says so."""
    own, plain = track(context={"locale": "de-DE"}), track()
    response = client.post(f"/v1/{path}", json={"batch": [own, plain], "context": "x", "integrations": [1]})
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True, "accepted": 2, "rejected": [], "ignored": [
        {"field": "context", "reason": "the batch's context must be an object, got str: ignored "
                                       "(not applied to its 2 messages)"},
        {"field": "integrations", "reason": "the batch's integrations must be an object, got list: ignored "
                                            "(not applied to its 2 messages)"}]}
    rows = {r["message_id"]: r["context"] for r in stored(sqlite_collector.engine)}
    assert rows[own["messageId"]]["locale"] == "de-DE"
    assert set(rows) == {own["messageId"], plain["messageId"]}


def test_an_ignored_batch_context_is_said_when_every_message_is_rejected_too(client: httpx.Client) -> None:
    response = client.post("/v1/batch", json={"batch": [{"type": "track", "anonymousId": "a"}], "context": 5})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_messages"
    assert [i["field"] for i in response.json()["ignored"]] == ["context"]


def test_context_ip_comes_from_the_client_address_when_absent(client: httpx.Client,
                                                               sqlite_collector: ThreadCollector) -> None:
    given = track(context={"ip": "8.8.8.8"})
    missing = track()
    response = client.post("/v1/batch", json={"batch": [given, missing]},
                           headers={"X-Forwarded-For": "1.1.1.1"})
    assert response.status_code == 200
    rows = {r["message_id"]: r for r in stored(sqlite_collector.engine)}
    assert rows[given["messageId"]]["context"]["ip"] == "8.8.8.8"
    assert rows[given["messageId"]]["city"] == "Mountain View"
    # Without --trust-proxy a client cannot choose its address by sending X-Forwarded-For.
    assert rows[missing["messageId"]]["context"]["ip"] == "127.0.0.1"
    assert rows[missing["messageId"]]["city"] is None


def test_behind_a_trusted_proxy_the_address_the_proxy_appended_is_used(sqlite_url: str) -> None:
    with collector_in_thread(sqlite_url, trust_proxy=True) as running:
        message = track()
        response = httpx.post(running.url + "/v1/track", json=message, auth=(WRITE_KEY, ""),
                              headers={"X-Forwarded-For": "10.9.9.9, 8.8.8.8"})
        assert response.status_code == 200
        [row] = stored(running.engine)
        assert row["context"]["ip"] == "8.8.8.8"
        assert (row["city"], row["country_code"]) == ("Mountain View", "US")


def test_received_at_is_the_server_clock_and_device_clocks_are_corrected_by_sent_at(
    client: httpx.Client, sqlite_collector: ThreadCollector,
) -> None:
    # The device clock is a year behind: it called at +0 s and sent 5 s later (its time).
    device_call = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
    own_sent = track(originalTimestamp=device_call.isoformat(),
                     sentAt=(device_call + timedelta(seconds=5)).isoformat())
    envelope_sent = track(timestamp=device_call.isoformat())
    before = int(time.time() * 1000)
    response = client.post("/v1/batch", json={
        "batch": [own_sent, envelope_sent],
        "sentAt": (device_call + timedelta(seconds=30)).isoformat(),
        "receivedAt": "2001-01-01T00:00:00Z",
    })
    after = int(time.time() * 1000)
    assert response.status_code == 200
    rows = {r["message_id"]: r for r in stored(sqlite_collector.engine)}
    for row in rows.values():
        assert before - 5 <= row["received_at"] <= after + 5
    assert rows[own_sent["messageId"]]["ts"] == rows[own_sent["messageId"]]["received_at"] - 5_000
    # The message had no sentAt of its own: the batch's applies.
    assert rows[envelope_sent["messageId"]]["ts"] == rows[envelope_sent["messageId"]]["received_at"] - 30_000


# -- CORS -----------------------------------------------------------------------------------------


def test_cors_preflight_allows_what_analytics_js_sends(sqlite_collector: ThreadCollector) -> None:
    response = httpx.options(sqlite_collector.url + "/v1/t", headers={
        "Origin": "https://shop.example.com",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, x-retry-count",
    })
    assert response.status_code == 200
    allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "x-retry-count"} <= allowed
    assert "POST" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-allow-origin"] in ("*", "https://shop.example.com")


def test_cross_origin_posts_carry_the_allow_origin_header(sqlite_collector: ThreadCollector) -> None:
    response = httpx.post(sqlite_collector.url + "/v1/p", content=json.dumps({**page(), "writeKey": WRITE_KEY}),
                          headers={"Origin": "https://shop.example.com", "Content-Type": "text/plain"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in ("*", "https://shop.example.com")


def test_json_edge_cases_keep_exact_values_and_per_message_rejection(client: httpx.Client,
                                                                     sqlite_collector: ThreadCollector) -> None:
    big = track(properties={"order": 123456789012345678901234567890, "price": 0.1})
    # A lone surrogate escape is valid JSON syntax; only that message is refused, not the batch.
    broken = track(properties={"name": "SURROGATE"})
    body = json.dumps({"batch": [big, broken]}).replace('"SURROGATE"', '"\\ud800"')
    response = client.post("/v1/batch", content=body.encode())
    assert response.status_code == 200, response.text
    [rejected] = response.json()["rejected"]
    assert rejected["index"] == 1
    assert "Unicode" in rejected["reason"]
    rows = {r["message_id"]: r for r in stored(sqlite_collector.engine)}
    assert rows[big["messageId"]]["properties"] == {"order": 123456789012345678901234567890, "price": 0.1}
