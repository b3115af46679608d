"""The forwarder's own HTTP connection (app/outbound/destinations/direct.py): kept alive, sent
again once when the server dropped it while idle, timeouts temporary, and httpx whenever a
proxy from the environment applies."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from app.outbound.destinations import store
from app.outbound.destinations.config import parse_destinations
from app.outbound.destinations.direct import DirectClient
from app.outbound.destinations.formats import Request
from app.outbound.destinations.forwarder import DestinationWorker, post, post_direct
from app.outbound.retry import Backoff
from tests.outbound.destinations_support import store_messages, track
from tests.support.receivers import HugeAnswerServer


class OneShotServer:
    """HTTP/1.1 that answers 200 with a Content-Length (so the client keeps the connection) and
    then closes the connection anyway: every reuse meets a connection the server dropped."""

    def __init__(self, *, answer: bool = True) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.answer = answer
        self.connections = 0
        self.bodies: list[bytes] = []
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                while len(body) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    body += chunk
                if not self.answer:
                    threading.Event().wait(2)
                    continue
                self.bodies.append(body)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")

    def close(self) -> None:
        self._stop = True
        self.sock.close()


@pytest.fixture
def one_shot() -> Iterator[OneShotServer]:
    server = OneShotServer()
    yield server
    server.close()


def test_a_connection_dropped_while_idle_is_sent_again_at_once(engine: Engine, one_shot: OneShotServer) -> None:
    store_messages(engine, [track(i) for i in range(6)])
    (dest,) = parse_destinations([{"name": "hook", "type": "webhook", "batch": 2,
                                   "url": f"http://127.0.0.1:{one_shot.port}/h"}])
    worker = DestinationWorker(engine, dest, backoff=Backoff(base=30, cap=30, attempts=0))
    assert worker.direct is not None
    try:
        summary = worker.catch_up()
    finally:
        worker.close()
    assert summary.sent == 6 and summary.batches == 3
    # each batch once, each on a new connection, and no failure seen (no backoff wait either)
    assert len(one_shot.bodies) == 3 and one_shot.connections == 3
    sent = b"".join(one_shot.bodies)
    assert [sent.index(f'"m-{i:05d}"'.encode()) for i in range(6)] == sorted(
        sent.index(f'"m-{i:05d}"'.encode()) for i in range(6))
    cur = store.cursor(engine, "hook")
    assert cur is not None and cur.delivered == 6 and cur.failing_since is None and cur.last_error is None


def test_a_receiver_that_never_answers_is_a_temporary_timeout() -> None:
    server = OneShotServer(answer=False)
    try:
        client = DirectClient(timeout=0.3)
        answer = post_direct(client, Request(f"http://127.0.0.1:{server.port}/h", {}, None, None, b"{}"))
        client.close()
    finally:
        server.close()
    assert answer.outcome == "temporary" and answer.status is None and "timed out" in answer.text


def test_refused_connection_is_temporary() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    answer = post_direct(DirectClient(timeout=1), Request(f"http://127.0.0.1:{port}/h", {}, None, None, b"{}"))
    assert answer.outcome == "temporary" and "cannot reach" in answer.text


@pytest.mark.parametrize("variable, url, direct", [
    (None, "http://hooks.example/x", True),
    ("HTTP_PROXY", "http://hooks.example/x", False),
    ("https_proxy", "https://hooks.example/x", False),
    ("ALL_PROXY", "https://hooks.example/x", False),
    ("HTTPS_PROXY", "http://hooks.example/x", True),  # (a proxy for the other scheme)
])
def test_httpx_sends_whenever_a_proxy_from_the_environment_applies(
        monkeypatch: pytest.MonkeyPatch, engine: Engine, variable: str | None, url: str, direct: bool) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    if variable is not None:
        monkeypatch.setenv(variable, "http://127.0.0.1:3128")
    (dest,) = parse_destinations([{"name": "hook", "type": "webhook", "url": url}])
    worker: Any = DestinationWorker(engine, dest)
    try:
        assert (worker.direct is not None) is direct
    finally:
        worker.client.close()


@pytest.mark.parametrize("path", ["direct", "httpx"])
def test_an_enormous_answer_is_not_read_whole(path: str) -> None:
    """A destination answering an error with a quarter gigabyte: the first line is kept for the
    dead letter, the connection is dropped after 64 KiB instead of reading it all into memory."""
    server = HugeAnswerServer(first_line=b"first line of the problem\n")
    request = Request(f"http://127.0.0.1:{server.port}/h", {}, None, None, b"{}")
    try:
        if path == "direct":
            client = DirectClient(timeout=5)
            answer = post_direct(client, request)
            client.close()
        else:
            with httpx.Client(timeout=5) as http:
                answer = post(http, request)
        assert server.done.wait(20)
    finally:
        server.close()
    assert answer.outcome == "permanent" and answer.status == 400
    assert answer.text.startswith("first line of the problem")
    assert server.sent < HugeAnswerServer.SIZE // 4  # the client stopped reading long before the end


def test_an_unreachable_destination_is_named_by_its_server_not_its_secrets() -> None:
    """'cannot reach URL' showed the whole URL — in `tracklens forward`'s lines, the stored last
    error and the Destinations panel — and its password or hook token with it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://hook:s3cret-pw@127.0.0.1:{port}/services/T0/B0/tok3n?key=k3y"
    with httpx.Client(timeout=1) as http:
        answers = [post_direct(DirectClient(timeout=1), Request(url, {}, None, None, b"{}")),
                   post(http, Request(url, {}, None, None, b"{}"))]
    for answer in answers:
        assert answer.outcome == "temporary" and f"cannot reach http://127.0.0.1:{port}: " in answer.text
        assert not any(secret in answer.text for secret in ("s3cret", "tok3n", "k3y", "hook:"))
