"""A real SMTP server (aiosmtpd), a real HTTP receiver, and a small population of people."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from app.ingest.writer import EventWriter
from tests.support.ports import free_port
from tests.support.postgres import PostgresServer


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """Messages and Destinations run on SQLite and PostgreSQL (their ledger needs transactions;
    on ClickHouse they refuse in one line: tests/outbound/test_clickhouse_refusal.py)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'events.sqlite'}"
    server: PostgresServer = request.getfixturevalue("pg_server")
    return server.create_database()


@dataclass
class Received:
    rcpt: str
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        part = self.message.get_body(("plain",))
        return part.get_content() if part is not None else ""  # type: ignore[union-attr]

    def html(self) -> str:
        part = self.message.get_body(("html",))
        return part.get_content() if part is not None else ""  # type: ignore[union-attr]


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    #: address -> SMTP reply to RCPT TO (e.g. "550 5.1.1 no such mailbox")
    refuse: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received.append(Received(rcpt, msg))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def by_rcpt(self) -> dict[str, list[Received]]:
        out: dict[str, list[Received]] = {}
        with self.lock:
            for r in self.received:
                out.setdefault(r.rcpt, []).append(r)
        return out


class SmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.handler = Handler()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@dataclass
class HttpReceiver:
    port: int
    requests: list[dict[str, Any]] = field(default_factory=list)
    #: status codes to answer before 200s (e.g. [500] makes the first request fail)
    statuses: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    state = HttpReceiver(0)

    class Handle(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with state.lock:
                status = state.statuses.pop(0) if state.statuses else 200
                if status == 200:
                    state.requests.append({"path": self.path, "headers": dict(self.headers),
                                           "body": json.loads(body)})
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true}' if status == 200 else b'{"error": "try later"}')

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handle)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def self_signed_certificate(folder: Path, subject: str) -> tuple[Path, Path]:
    """A self-signed certificate (its own authority) for `subject` alone, an address (127.0.0.1)
    or a host name (fast.example), written to `folder`: (certificate file, key file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    try:
        alternative: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(subject))
    except ValueError:
        alternative = x509.DNSName(subject)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([alternative]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class SlowResolver:
    """socket.getaddrinfo where 'hang.example' never answers (until the test ends) and
    'fast.example' is 127.0.0.1: a resolver that hangs, and one that answers."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.release = threading.Event()
        self.asked: list[str] = []

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        flags = args[3] if len(args) > 3 else kwargs.get("flags", 0)
        if host in ("hang.example", "fast.example") and flags & socket.AI_NUMERICHOST:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")  # (no resolver asked)
        if host == "hang.example":
            self.asked.append(host)
            self.release.wait(60)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return self.real("127.0.0.1" if host == "fast.example" else host, port, *args, **kwargs)


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowResolver]:
    """socket.getaddrinfo as SlowResolver: 'hang.example' hangs (until the test ends),
    'fast.example' is 127.0.0.1."""
    slow = SlowResolver(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", slow)
    yield slow
    slow.release.set()


def person(i: int, **traits: Any) -> dict[str, Any]:
    base = {"name": f"Person {i}", "email": f"p{i}@example.com", "gender": "female" if i % 2 else "male",
            "age": 30 + i % 20}
    base.update(traits)
    return {k: v for k, v in base.items() if v is not None}


def add_people(engine: Engine, people: dict[str, dict[str, Any]], *, orders: dict[str, int] | None = None) -> None:
    """identify each person with their traits; `orders`: Order Completed events per person."""
    now = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    messages: list[dict[str, Any]] = []
    for pid, traits in people.items():
        messages.append({"type": "identify", "userId": pid, "traits": traits, "messageId": f"id-{pid}-{len(traits)}-"
                         f"{hash(json.dumps(traits, sort_keys=True)) & 0xffff}", "timestamp": now.isoformat()})
        for n in range((orders or {}).get(pid, 0)):
            messages.append({"type": "track", "userId": pid, "event": "Order Completed",
                             "properties": {"revenue": 10 + n}, "messageId": f"order-{pid}-{n}",
                             "timestamp": (now - dt.timedelta(days=n)).isoformat()})
    result = EventWriter(engine, enrich=False).write(messages)
    assert not result.rejected, result.rejected


def campaign_dict(**over: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "kind": "campaign", "name": "Win back big spenders",
        "audience": {"where": [{"trait": "gender", "op": "eq", "value": "female"}],
                     "did": [{"event": "Order Completed", "min": 3, "range": {"last": 30, "unit": "day"}}]},
        "channel": {"type": "email", "to_trait": "email", "from": "Brewline <hello@brewline.example>",
                    "subject": "{{ traits.name }}, your beans are waiting",
                    "text": "Hi {{ traits.name }}, you are {{ traits.age }}.",
                    "html": "<p>Hi {{ traits.name }}</p>"},
        "holdout": 0.0,
        "goal": {"event": "Order Completed", "within": {"days": 7}},
    }
    spec.update(over)
    return spec
