"""What an attack run found (issue 18): anything a public write key can send, answered 2xx/4xx,
with exactly the valid messages stored and every other one named with its reason."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.collector.app import CollectorSettings, create_app
from app.collector.auth import WriteKeys
from app.collector.committer import CommitQueue
from app.collector.payload import PATH_TYPES
from app.core.schema import events
from app.query import run_query
from tests.collector.conftest import stored, stored_ids
from tests.collector.harness import (
    WRITE_KEY,
    ThreadCollector,
    collector_in_thread,
    start_process,
    stop_process,
)
from tests.collector.messages import track


def _post_raw(collector: ThreadCollector, body: str | bytes) -> httpx.Response:
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    return httpx.post(collector.url + "/v1/batch", content=data, auth=(WRITE_KEY, ""),
                      headers={"Content-Type": "application/json"}, timeout=30)


def _batch(*raw_messages: str) -> str:
    return '{"batch": [' + ", ".join(raw_messages) + "]}"


def _transactions(collector: ThreadCollector) -> int:
    health = httpx.get(collector.url + "/health", auth=(WRITE_KEY, "")).json()
    return int(health["transactions"])


def test_a_lone_surrogate_in_a_message_id_rejects_that_message_and_the_answer_says_so(
    collector: ThreadCollector,
) -> None:
    good = track()
    response = _post_raw(collector, _batch(
        json.dumps(good),
        '{"type": "track", "event": "E", "anonymousId": "a", "messageId": "x\\ud800"}',
        '{"type": "track", "event": "E", "anonymousId": "a\\udfff", "messageId": "bad-anon"}'))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == 1
    assert [r["index"] for r in body["rejected"]] == [1, 2]
    assert all("unpaired surrogate" in r["reason"] for r in body["rejected"])
    assert body["rejected"][0]["messageId"] == "x\ud800"
    assert stored_ids(collector.engine) == [good["messageId"]]
    # Refused before the database: one transaction, no bisecting retries on the commit thread.
    assert _transactions(collector) == 1


@pytest.mark.parametrize(
    "times",
    [
        {"originalTimestamp": "9999-12-31T00:00:00Z", "sentAt": "0001-01-01T00:00:00Z"},
        {"originalTimestamp": "0001-01-01T00:00:00Z", "sentAt": "9999-12-31T00:00:00Z"},
        {"timestamp": "9999-12-31T23:59:59-14:00"},
        {"timestamp": "1999-12-31T23:59:59Z"},
        {"timestamp": 253402300799999},
    ],
    ids=["future-skew", "past-skew", "year-10000-utc", "before-2000", "epoch-ms-9999"],
)
def test_times_outside_the_window_are_rejected_with_a_reason(
    sqlite_collector: ThreadCollector, times: dict[str, Any],
) -> None:
    good = track()
    bad = track(**times)
    response = _post_raw(sqlite_collector, json.dumps({"batch": [good, bad]}))
    assert response.status_code == 200, response.text
    [rejection] = response.json()["rejected"]
    assert rejection["index"] == 1
    assert "outside the accepted window" in rejection["reason"]
    assert stored_ids(sqlite_collector.engine) == [good["messageId"]]
    # The people list still works for everyone afterwards.
    assert run_query(sqlite_collector.engine, {"kind": "users", "timezone": "UTC"})["total"] == 1


def test_a_time_a_little_ahead_of_the_clock_is_kept(sqlite_collector: ThreadCollector) -> None:
    soon = (datetime.now(UTC) + timedelta(hours=20)).isoformat()
    message = track(timestamp=soon)
    assert _post_raw(sqlite_collector, json.dumps({"batch": [message]})).json()["accepted"] == 1


def test_a_body_saved_with_a_byte_order_mark_is_read(sqlite_collector: ThreadCollector) -> None:
    # `curl --data-binary @batch.json` of a file Notepad saved as UTF-8 starts with a BOM; the
    # collector answered 400 'not valid JSON ... line 1 column 1' though `tracklens import` of
    # the same file stores it (RFC 8259 lets a parser ignore the mark).
    message = track(messageId="bom-1")
    answer = _post_raw(sqlite_collector, b"\xef\xbb\xbf" + json.dumps({"batch": [message]}).encode())
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 1
    assert "bom-1" in stored_ids(sqlite_collector.engine)


def test_nan_and_infinity_cost_nothing_and_are_stored_as_null(collector: ThreadCollector) -> None:
    """segment-analytics-python sends float('nan') as the bare word NaN."""
    good = track()
    response = _post_raw(collector, _batch(
        json.dumps(good),
        '{"type": "track", "event": "E", "anonymousId": "a", "messageId": "nan",'
        ' "properties": {"x": NaN, "y": Infinity, "z": -Infinity, "k": 1}}'))
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True, "accepted": 2, "rejected": []}
    rows = {r["message_id"]: r for r in stored(collector.engine)}
    assert rows["nan"]["properties"] == {"x": None, "y": None, "z": None, "k": 1}


def test_traits_with_nan_beside_a_big_integer_are_stored_as_null_and_the_people_views_read_them(
    collector: ThreadCollector,
) -> None:
    """A 2**70 trait sends the traits through the standard library's writer, which wrote NaN and
    Infinity as such: PostgreSQL refused the message, SQLite and ClickHouse stored it, and then the
    users list and the profile (not JSON) and, on SQLite, any trait breakdown (malformed JSON) failed."""
    response = _post_raw(collector, _batch(
        '{"type": "identify", "userId": "u-odd", "messageId": "odd",'
        ' "traits": {"big": 1180591620717411303424, "x": NaN, "y": -Infinity, "l": [Infinity, 1]}}',
        json.dumps(track(event="Seen", userId="u-odd"))))
    assert response.json() == {"success": True, "accepted": 2, "rejected": []}, response.text
    traits = {"big": 2**70, "x": None, "y": None, "l": [None, 1]}
    profile = run_query(collector.engine, {"kind": "profile", "user": "u-odd"})
    assert profile["traits"] == traits
    json.dumps(profile, allow_nan=False)
    [user] = run_query(collector.engine, {"kind": "users", "limit": 10})["users"]
    assert user["traits"] == traits
    by_trait = run_query(collector.engine, {"kind": "segmentation", "events": ["Seen"],
                                            "range": {"last": 7, "unit": "day"}, "breakdown": {"trait": "big"}})
    assert [(s["group"], sum(s["values"])) for s in by_trait["series"]] == [(str(2**70), 1)]


def test_a_5000_digit_integer_costs_only_its_message(collector: ThreadCollector) -> None:
    good = track()
    response = _post_raw(collector, _batch(
        json.dumps(good),
        '{"type": "track", "event": "E", "anonymousId": "a", "messageId": "huge", "properties": {"n": '
        + "9" * 5000 + "}}",
        '{"type": "track", "event": "E", "anonymousId": "a", "messageId": "big", "properties": {"n": '
        + "9" * 40 + "}}"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == 2
    [rejection] = body["rejected"]
    assert (rejection["index"], rejection["messageId"]) == (1, "huge")
    assert "4,300 digits" in rejection["reason"]
    rows = {r["message_id"]: r for r in stored(collector.engine)}
    assert rows["big"]["properties"] == {"n": int("9" * 40)}


def test_deep_nesting_costs_its_message_and_a_deeper_body_is_a_clear_400(
    sqlite_collector: ThreadCollector,
) -> None:
    good = track()
    deep = '{"type": "track", "event": "E", "anonymousId": "a", "messageId": "deep", "properties": {"x": ' \
        + "[" * 400 + "]" * 400 + "}}"
    response = _post_raw(sqlite_collector, _batch(json.dumps(good), deep))
    assert response.status_code == 200, response.text
    [rejection] = response.json()["rejected"]
    assert rejection["messageId"] == "deep" and "nested more than" in rejection["reason"]

    deeper = _batch(json.dumps(track()), '{"x": ' + "[" * 5000 + "]" * 5000 + "}")
    response = _post_raw(sqlite_collector, deeper)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"
    assert "nested too deeply" in response.json()["message"]
    assert stored_ids(sqlite_collector.engine) == [good["messageId"]]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"event": "Signed\x00Up"}, "event name contains a control character"),
        ({"event": "Signed\x1bUp"}, "event name contains a control character"),
        ({"anonymousId": "a\x00"}, "anonymousId contains a control character"),
        ({"userId": "u\x07", "anonymousId": None}, "userId contains a control character"),
        ({"messageId": "m\x00"}, "messageId contains a control character"),
    ],
    ids=["nul-event", "escape-event", "nul-anonymous", "bell-user", "nul-message-id"],
)
def test_control_characters_in_names_and_ids_are_rejected_alike_on_every_database(
    collector: ThreadCollector, fields: dict[str, Any], reason: str,
) -> None:
    good = track()
    response = _post_raw(collector, json.dumps({"batch": [good, track(**fields)]}))
    assert response.status_code == 200, response.text
    [rejection] = response.json()["rejected"]
    assert reason in rejection["reason"]
    assert stored_ids(collector.engine) == [good["messageId"]]
    assert _transactions(collector) == 1


def test_event_names_with_quotes_backslashes_and_unicode_are_stored_and_queryable(
    collector: ThreadCollector,
) -> None:
    names = ['Say "hi"', "back\\slash", "it's", "Zahlung ✓ 👨‍👩‍👧", "\u202eevil", "tab stop"]
    response = _post_raw(collector, json.dumps({"batch": [track(name) for name in names]}))
    assert response.json()["accepted"] == len(names), response.text
    with collector.engine.connect() as conn:
        assert sorted(conn.scalars(select(events.c.event))) == sorted(names)
    for name in names:
        result = run_query(collector.engine, {"kind": "segmentation", "events": [name], "unit": "day",
                                              "range": {"last": 2, "unit": "day"}, "timezone": "UTC"})
        [series] = result["series"]
        assert series["event"] == name and sum(series["values"]) == 1, name


def test_non_ascii_bytes_in_the_authorization_header_are_a_401(sqlite_collector: ThreadCollector) -> None:
    for header in (b"Basic \xe9\xe9\xe9", b"\xff\xfe", "Basic ñ".encode("latin-1")):
        response = httpx.post(sqlite_collector.url + "/v1/track", content=json.dumps(track()).encode(),
                              headers={"Authorization": header, "Content-Type": "application/json"})
        assert response.status_code == 401, (header, response.text)
    assert stored_ids(sqlite_collector.engine) == []


def test_a_lone_surrogate_as_the_write_key_in_the_body_is_a_401(sqlite_collector: ThreadCollector) -> None:
    """analytics.js sends the key in the body, where it is any JSON string: "\\ud800" was a 500."""
    message = json.dumps(track())[1:-1]
    bodies = {
        "/v1/track": '{"writeKey": "\\ud800", ' + message + "}",
        "/v1/batch": '{"writeKey": "k\\udfff", "batch": [{' + message + "}]}",
        "/v1/b": '{"batch": [{"writeKey": "\\udc80", ' + message + "}]}",
    }
    for path, body in bodies.items():
        response = httpx.post(sqlite_collector.url + path, content=body.encode(),
                              headers={"Content-Type": "text/plain"})
        assert response.status_code == 401, (path, response.text)
        assert response.json()["code"] == "unauthorized"
    assert stored_ids(sqlite_collector.engine) == []


class _Writer:
    def write(self, messages: Any, received_at: Any = None, *, arrived_now: bool = True) -> Any:
        raise AssertionError("nothing is written in this test")


def _down() -> None:
    raise RuntimeError("connection to server at 10.1.2.3, port 5432 failed: Connection refused")


def _get_health(app: Any, **kwargs: Any) -> httpx.Response:
    async def get() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://c") as http:
            return await http.get("/health", **kwargs)

    return asyncio.run(get())


def test_health_tells_strangers_only_the_status() -> None:
    app = create_app(CommitQueue(_Writer()), CollectorSettings(keys=WriteKeys([WRITE_KEY])), ping=_down)
    stranger = _get_health(app)
    assert stranger.status_code == 503
    assert "10.1.2.3" not in stranger.text and "5432" not in stranger.text
    assert stranger.json()["message"] == "the database is unreachable"
    insider = _get_health(app, auth=(WRITE_KEY, ""))
    assert insider.status_code == 503 and "10.1.2.3" in insider.json()["message"]

    app = create_app(CommitQueue(_Writer()), CollectorSettings(keys=WriteKeys([WRITE_KEY])))
    assert _get_health(app).json() == {"status": "ok"}
    assert set(_get_health(app, auth=(WRITE_KEY, "")).json()) == {"status", "queued", "committed", "transactions",
                                                                      "traits_left_out"}


def test_a_body_shorter_than_its_content_length_does_not_hold_the_connection(sqlite_url: str) -> None:
    with collector_in_thread(sqlite_url, body_idle_timeout=0.5, body_total_timeout=5) as running:
        port = int(running.url.rsplit(":", 1)[1])
        stalled = []
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(b"POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Authorization: Basic dGVzdC13cml0ZS1rZXk6\r\nContent-Length: 1000\r\n\r\n{\"batch\"")
            stalled.append(sock)
        started = time.monotonic()
        for sock in stalled:
            answer = b""
            while chunk := sock.recv(4096):  # the server answers, then closes the connection
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
            assert b"request_timeout" in answer
            sock.close()
        assert time.monotonic() - started < 8
        # A drip that never pauses long is still cut off at the total deadline.
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        answer = b""
        try:
            for _ in range(40):
                sock.sendall(b" ")
                time.sleep(0.2)
        except OSError:
            pass  # closed by the server after its answer
        try:
            while chunk := sock.recv(4096):
                answer += chunk
        except ConnectionResetError:
            pass  # the answer was read before the reset
        sock.close()
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        # And the collector still serves others.
        ok = httpx.post(running.url + "/v1/track", json=track(), auth=(WRITE_KEY, ""))
        assert ok.status_code == 200


def _closed_within(sock: socket.socket, seconds: float) -> bytes | None:
    """What the server sent before closing `sock`, or None if it was still open after `seconds`."""
    sock.settimeout(seconds)
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return received


def test_connections_whose_headers_never_finish_are_closed(sqlite_url: str) -> None:
    """A slowloris: connections that send nothing, or headers a byte at a time, were held open for
    as long as the sender liked (uvicorn bounds only the wait between requests), until every file
    descriptor was taken and no client could connect."""
    with collector_in_thread(sqlite_url, header_timeout=1.0) as running:
        port = int(running.url.rsplit(":", 1)[1])
        silent = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(10)]
        partial = []
        for _ in range(10):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(b"POST /v1/batch HTTP/1.1\r\nHost: x\r\n")
            partial.append(sock)
        drip = socket.create_connection(("127.0.0.1", port), timeout=10)
        drip.sendall(b"POST /v1/batch HTTP/1.1\r\n")
        # The same client keeps one connection alive for a whole request, then stalls on the next.
        with httpx.Client(base_url=running.url, auth=(WRITE_KEY, "")) as client:
            assert client.post("/v1/track", json=track()).status_code == 200
            started = time.monotonic()
            with contextlib.suppress(OSError):  # until the server has closed it
                while time.monotonic() - started < 10:  # a header line every 0.1 s: never a pause, never an end
                    drip.sendall(b"X-Slow: 1\r\n")
                    time.sleep(0.1)
            for sock in [*silent, *partial]:
                assert _closed_within(sock, 10) == b""
                sock.close()
            assert _closed_within(drip, 10) is not None
            drip.close()
            # A request that arrives whole is served as before, on the kept-alive connection too.
            assert client.post("/v1/track", json=track()).status_code == 200
        assert len(stored(running.engine)) == 2


def test_the_collect_command_closes_a_connection_that_sends_no_headers(tmp_path: Path) -> None:
    """`tracklens collect` itself runs the connections with the header deadline (15 s)."""
    running = start_process(f"sqlite:///{tmp_path / 'events.sqlite'}", tmp_path / "collector.log")
    try:
        port = int(running.url.rsplit(":", 1)[1])
        silent = socket.create_connection(("127.0.0.1", port), timeout=10)
        partial = socket.create_connection(("127.0.0.1", port), timeout=10)
        partial.sendall(b"POST /v1/batch HTTP/1.1\r\nHost: x\r\n")
        assert _closed_within(silent, 40) == b""
        assert _closed_within(partial, 10) == b""
        silent.close()
        partial.close()
        assert httpx.post(running.url + "/v1/track", json=track(), auth=(WRITE_KEY, "")).status_code == 200
    finally:
        stop_process(running)


def _half_closed(collector: ThreadCollector, request: bytes) -> tuple[int | None, dict[str, Any] | None]:
    """Send `request`, shut down the sending side (as `nc -N` does), and read the answer:
    (status, JSON body), or (None, None) when the connection closed without one."""
    port = int(collector.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        answer = _closed_within(sock, 10)
    assert answer is not None, "the connection was held open"
    if not answer:
        return None, None
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def _request(path: str, body: bytes, framing: str, version: str = "1.1") -> bytes:
    head = (f"POST {path} HTTP/{version}\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Authorization: Basic dGVzdC13cml0ZS1rZXk6\r\n{framing}\r\n")
    return head.encode() + body


def _body_for(kind: str, message_id: str) -> bytes:
    message = track(messageId=message_id, userId="u", previousId="p", groupId="g")
    return json.dumps(message if PATH_TYPES[kind] else {"batch": [message]}).encode()


def test_a_body_cut_short_by_a_half_close_is_answered_on_every_path_and_nothing_is_stored(
    sqlite_collector: ThreadCollector,
) -> None:
    """A client that shut down its sending side mid-body got the connection closed without an
    answer; one that shut it down after the whole body had its events stored, and still no
    answer (so it sends them again)."""
    for kind in PATH_TYPES:
        body = _body_for(kind, f"cut-{kind}")
        status, answer = _half_closed(sqlite_collector, _request(
            f"/v1/{kind}", body[:-10], f"Content-Length: {len(body)}\r\n"))
        assert (status, answer) == (400, {"code": "incomplete_body",
                                          "message": f"the body ended after {len(body) - 10} of {len(body)} bytes"})
        # A chunked body whose JSON is whole but whose last (empty) chunk never came.
        chunk = f"{len(body):x}\r\n".encode() + body + b"\r\n"
        status, answer = _half_closed(sqlite_collector, _request(
            f"/v1/{kind}", chunk, "Transfer-Encoding: chunked\r\n"))
        assert (status, answer) == (400, {"code": "incomplete_body", "message": "the body ended before its last chunk"})
    assert stored_ids(sqlite_collector.engine) == []
    # The whole body, then the half-close: stored, and the client is told so.
    for kind in ("batch", "t"):
        body = _body_for(kind, f"whole-{kind}")
        status, answer = _half_closed(sqlite_collector, _request(
            f"/v1/{kind}", body, f"Content-Length: {len(body)}\r\n"))
        assert (status, answer) == (200, {"success": True, "accepted": 1, "rejected": []})
    assert stored_ids(sqlite_collector.engine) == ["whole-batch", "whole-t"]


def test_a_post_without_a_length_is_a_411_on_every_path(sqlite_collector: ThreadCollector) -> None:
    """An HTTP/1.0 POST with neither Content-Length nor chunked encoding (its body ends where the
    client closes) was closed without an answer, or told its body was empty; HTTP/1.1 read its
    body as the next request."""
    expected = (411, {"code": "length_required",
                      "message": "send the body with a Content-Length header (or Transfer-Encoding: chunked)"})
    for kind in PATH_TYPES:
        body = _body_for(kind, f"nolength-{kind}")
        assert _half_closed(sqlite_collector, _request(f"/v1/{kind}", body, "", "1.0")) == expected
        assert _half_closed(sqlite_collector, _request(f"/v1/{kind}", body, "")) == expected
    port = int(sqlite_collector.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:  # no half-close
        sock.sendall(_request("/v1/batch", _body_for("batch", "nolength"), ""))
        answer = _closed_within(sock, 10)
    assert answer is not None and answer.startswith(b"HTTP/1.1 411 ")
    assert stored_ids(sqlite_collector.engine) == []


_MALFORMED = {
    "content-length-not-a-number": (
        b"Content-Length: abc\r\n",
        "the Content-Length header is not a number of bytes",
    ),
    "two-content-lengths": (
        b"Content-Length: 13\r\nContent-Length: 12\r\n",
        "the request has two different Content-Length headers",
    ),
    "transfer-encoding-gzip": (
        b"Transfer-Encoding: gzip, chunked\r\n",
        "Transfer-Encoding other than chunked is not supported (send gzip as Content-Encoding: gzip)",
    ),
    "bad-chunk-size": (
        b"Transfer-Encoding: chunked\r\n",
        "a chunk of the chunked body does not begin with its size in hexadecimal",
    ),
    "request-line": (None, "the request line is not 'METHOD /path HTTP/1.1'"),
}


@pytest.mark.parametrize("half_close", [False, True], ids=["open", "half-closed"])
@pytest.mark.parametrize("case", list(_MALFORMED))
def test_malformed_http_is_answered_in_the_collectors_json_and_the_connection_closed(
    sqlite_collector: ThreadCollector,
    case: str,
    half_close: bool,
) -> None:
    """Requests h11 cannot read were answered by uvicorn in plain text ('Invalid HTTP request
    received.'), not the {"code", "message"} every other refusal has and Segment clients log."""
    framing, reason = _MALFORMED[case]
    body = b"zz\r\n" if case == "bad-chunk-size" else b'{"batch": []}'
    request = b"HELLO THERE\r\n\r\n" if framing is None else _request("/v1/batch", body, framing.decode())
    port = int(sqlite_collector.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        answer = _closed_within(sock, 10)
    assert answer is not None, "the connection was held open"
    head, _, content = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n"), answer
    assert b"\r\nconnection: close" in head.lower() and b"content-type: application/json" in head.lower()
    assert json.loads(content) == {"code": "invalid_http", "message": reason}
    # The collector goes on serving.
    assert (
        httpx.post(sqlite_collector.url + "/v1/track", json=track(), auth=(WRITE_KEY, "")).status_code == 200
    )


def test_requests_pipelined_before_a_half_close_are_all_answered(sqlite_collector: ThreadCollector) -> None:
    """A client that sent two or three requests in a row and then shut down its sending side got
    the first answered and the others dropped: stored or not, it could not tell."""
    bodies = [_body_for("batch", f"piped-{n}") for n in range(3)]
    requests = [_request("/v1/batch", body, f"Content-Length: {len(body)}\r\n") for body in bodies]
    port = int(sqlite_collector.url.rsplit(":", 1)[1])
    for count in (2, 3):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"".join(requests[:count]))
            sock.shutdown(socket.SHUT_WR)
            answer = _closed_within(sock, 10)
        assert answer is not None, "the connection was held open"
        assert answer.count(b"HTTP/1.1 200 OK") == count, answer
        assert answer.count(b'{"success":true,"accepted":1,"rejected":[]}') == count
    # A request cut off in its headers behind them: the whole ones answered, then the connection closed.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(requests[0] + b"POST /v1/batch HTTP/1.1\r\nHost: x\r\n")
        sock.shutdown(socket.SHUT_WR)
        answer = _closed_within(sock, 3)
    assert answer is not None and answer.count(b"HTTP/1.1 200 OK") == 1, answer
    assert sorted(set(stored_ids(sqlite_collector.engine))) == ["piped-0", "piped-1", "piped-2"]
