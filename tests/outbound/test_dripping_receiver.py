"""A receiver that drips its answer a byte at a time, each byte well within the read timeout,
no longer holds a destination's worker or 'tracklens send': the whole exchange has a deadline
(app/outbound/deadline.py), and passing it is a timeout like any other."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from app.outbound.deadline import DeadlineClient
from app.outbound.destinations.direct import DirectClient
from app.outbound.destinations.formats import Request
from app.outbound.destinations.forwarder import post, post_direct
from app.outbound.messages.channels import SmtpSettings, SmtpTransport, WebhookTransport
from app.outbound.retry import DeliveryError, TemporaryFailure, UncertainDelivery
from tests.outbound.conftest import SlowResolver

#: Seconds between two bytes of the answer: far below the read timeout the clients get (5 s).
DRIP = 0.05
READ_TIMEOUT = 5.0
DEADLINE = 0.5


class DrippingServer:
    """Reads a request, then answers one byte every DRIP seconds: a status line and a header
    that never end ("headers"), or a 200 whose megabyte of body never ends ("body")."""

    def __init__(self, phase: str) -> None:
        self.phase = phase
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"
        self.closed = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head = b"HTTP/1.1 200 OK\r\nX-Slow: " if self.phase == "headers" else \
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n"
            try:
                conn.sendall(head)
                for _ in range(int(60 / DRIP)):  # at most a minute, however the client behaves
                    time.sleep(DRIP)
                    conn.sendall(b"a")
            except OSError:  # the client hung up: what a deadline does
                self.closed.set()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(params=["headers", "body"])
def dripping(request: pytest.FixtureRequest) -> Iterator[DrippingServer]:
    server = DrippingServer(request.param)
    yield server
    server.close()


def _finishes(call: Callable[[], Any]) -> Any:
    """call()'s result or exception; fails if it is still running after 20 s (a dripping
    receiver holds a client without a deadline for as long as it drips: here a minute)."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(call())
        except Exception as exc:
            out.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(20)
    assert not thread.is_alive(), "the exchange with a dripping receiver did not end"
    return out[0]


def test_the_forwarders_own_connection_gives_up_at_its_deadline(dripping: DrippingServer) -> None:
    client = DirectClient(READ_TIMEOUT, deadline=DEADLINE)
    answer = _finishes(lambda: post_direct(client, Request(dripping.url, {}, [{"a": 1}])))
    client.close()
    # A temporary failure, retried with backoff, as a timeout is.
    assert (answer.outcome, answer.status) == ("temporary", None)
    assert answer.text.startswith("timed out")
    assert dripping.closed.wait(5)


def test_the_forwarders_httpx_client_gives_up_at_its_deadline(dripping: DrippingServer) -> None:
    client = DeadlineClient(timeout=READ_TIMEOUT, deadline=DEADLINE, follow_redirects=False)
    answer = _finishes(lambda: post(client, Request(dripping.url, {}, [{"a": 1}])))
    client.close()
    assert (answer.outcome, answer.status) == ("temporary", None)
    assert answer.text.startswith("timed out")


def test_a_dripping_proxy_from_the_environment_is_given_up_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """With HTTP_PROXY set the forwarder posts through httpx's proxy transport: bounded too."""
    server = DrippingServer("headers")
    monkeypatch.setenv("HTTP_PROXY", server.url.rsplit("/", 1)[0])
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    try:
        client = DeadlineClient(timeout=READ_TIMEOUT, deadline=DEADLINE, follow_redirects=False)
        answer = _finishes(lambda: post(client, Request("http://receiver.invalid/hook", {}, [{"a": 1}])))
        client.close()
    finally:
        server.close()
    assert (answer.outcome, answer.status) == ("temporary", None)
    assert answer.text.startswith("timed out")


def test_a_messages_webhook_gives_up_at_its_deadline() -> None:
    server = DrippingServer("headers")  # a 2xx's body is never read; an answer that never starts is
    try:
        transport = WebhookTransport(timeout=READ_TIMEOUT, deadline=DEADLINE)
        failure = _finishes(lambda: transport.deliver(server.url, {}, {"a": 1}, "key-1"))
        transport.close()
    finally:
        server.close()
    # As a read timeout after the message went out: it may have arrived, so it is not sent twice.
    assert isinstance(failure, UncertainDelivery)
    assert isinstance(failure, DeliveryError) and "ReadTimeout" in failure.reason


class DrippingSmtpServer:
    """Greets and answers EHLO at once, then drips the reply to `command` ('greeting': the
    greeting itself; 'MAIL': the answer to MAIL FROM) a byte at a time, never ending its line."""

    def __init__(self, command: str) -> None:
        self.command = command
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            try:
                if self.command == "greeting":
                    self._drip(conn, b"220 ")
                    return
                conn.sendall(b"220 drip.example ESMTP\r\n")
                file = conn.makefile("rb")
                while line := file.readline():
                    if line.upper().startswith((b"EHLO", b"HELO")):
                        conn.sendall(b"250 drip.example\r\n")
                    elif line.upper().startswith(b"MAIL"):
                        self._drip(conn, b"250 ")
                        return
                    else:
                        conn.sendall(b"250 ok\r\n")
            except OSError:
                return

    @staticmethod
    def _drip(conn: socket.socket, head: bytes) -> None:
        conn.sendall(head)
        for _ in range(int(60 / DRIP)):
            time.sleep(DRIP)
            conn.sendall(b"a")

    def close(self) -> None:
        self.sock.close()


def _email() -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.com", "b@example.com", "hi"
    message.set_content("hello")
    return message


def test_an_smtp_server_dripping_its_greeting_is_given_up_at_the_deadline() -> None:
    server = DrippingSmtpServer("greeting")
    try:
        transport = SmtpTransport(SmtpSettings.parse(f"smtp://127.0.0.1:{server.port}"), timeout=READ_TIMEOUT,
                                  deadline=DEADLINE)
        failure = _finishes(transport.open)
    finally:
        server.close()
    assert isinstance(failure, TemporaryFailure) and failure.channel_down


def test_an_smtp_server_dripping_a_reply_is_given_up_at_the_deadline() -> None:
    server = DrippingSmtpServer("MAIL")
    try:
        transport = SmtpTransport(SmtpSettings.parse(f"smtp://127.0.0.1:{server.port}"), timeout=READ_TIMEOUT,
                                  deadline=DEADLINE)
        failure = _finishes(lambda: transport.deliver(_email(), "a@example.com", "b@example.com"))
        transport.close()
    finally:
        server.close()
    # Before the message went out: certainly not delivered, retried later.
    assert isinstance(failure, TemporaryFailure), failure


def test_a_slow_but_steady_answer_within_the_deadline_is_read() -> None:
    """The deadline is for the whole exchange, and an ordinary answer is far inside it."""
    sock = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"

    def serve() -> None:
        conn, _ = sock.accept()
        with conn:
            while b"\r\n\r\n" not in conn.recv(65536):
                pass
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
                time.sleep(0.002)
                conn.sendall(bytes([byte]))

    threading.Thread(target=serve, daemon=True).start()
    client = DirectClient(READ_TIMEOUT, deadline=10.0)
    try:
        answer = post_direct(client, Request(url, {}, [{"a": 1}]))
    finally:
        client.close()
        sock.close()
    assert (answer.outcome, answer.status, answer.text) == ("ok", 200, "ok")


@pytest.mark.parametrize("kind", ["direct", "httpx"])
def test_a_host_whose_name_resolution_hangs_is_given_up_at_the_deadline(resolver: SlowResolver, kind: str) -> None:
    """Resolving the destination's host name happened before, and outside, the exchange's
    deadline: a resolver that hung held the destination's worker for as long as it hung. It is
    a timeout within the deadline now, retried like one."""
    request = Request("http://hang.example:9/hook", {}, [{"a": 1}])
    if kind == "direct":
        client: Any = DirectClient(READ_TIMEOUT, deadline=DEADLINE)
        answer = _finishes(lambda: post_direct(client, request))
    else:
        client = DeadlineClient(timeout=READ_TIMEOUT, deadline=DEADLINE, follow_redirects=False)
        answer = _finishes(lambda: post(client, request))
    client.close()
    assert resolver.asked
    assert (answer.outcome, answer.status) == ("temporary", None)
    assert answer.text.startswith("timed out"), answer.text


@pytest.mark.parametrize("kind", ["direct", "httpx"])
def test_a_host_name_that_resolves_is_posted_to_as_before(resolver: SlowResolver, kind: str) -> None:
    """A name (not an address) is resolved and connected to; the request still names the host."""
    from tests.outbound.destinations_support import Receiver

    receiver = Receiver().start()
    request = Request(f"http://fast.example:{receiver.port}/hook", {}, [{"a": 1}])
    try:
        if kind == "direct":
            client: Any = DirectClient(READ_TIMEOUT, deadline=10.0)
            answer = post_direct(client, request)
        else:
            client = DeadlineClient(timeout=READ_TIMEOUT, deadline=10.0, follow_redirects=False)
            answer = post(client, request)
        client.close()
    finally:
        receiver.stop()
    assert (answer.outcome, answer.status) == ("ok", 200), answer
    assert receiver.hits[0].headers["Host"] == f"fast.example:{receiver.port}"
    assert receiver.hits[0].body == [{"a": 1}]
