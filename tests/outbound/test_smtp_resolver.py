"""'tracklens send' to an SMTP server given by name: the name is resolved within the exchange's
deadline (app/outbound/deadline.py), as destinations resolve theirs. smtplib resolved it itself,
with no timeout: a resolver that hung held the send for as long as it hung. A name that resolves
is still the TLS server name (STARTTLS and smtps:// verify the certificate against it)."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select

from app.core.schema import events, outbound_ledger
from app.outbound.messages import Campaign
from app.outbound.messages import sender as sender_module
from app.outbound.messages.channels import SmtpSettings, SmtpTransport
from app.outbound.messages.sender import SendOptions, send_campaign
from app.outbound.retry import Backoff
from tests.outbound.conftest import (
    Handler,
    SlowResolver,
    SmtpServer,
    add_people,
    campaign_dict,
    free_port,
    person,
    self_signed_certificate,
)
from tests.outbound.test_smtp_tls import Logins

#: The transport's timeout and deadline here (30 s and 60 s in 'tracklens send').
TIMEOUT = 0.5


@pytest.fixture
def quick_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    """send_campaign's SMTP transport with a short timeout and deadline."""

    class Quick(SmtpTransport):
        def __init__(self, settings: SmtpSettings) -> None:
            super().__init__(settings, timeout=TIMEOUT, deadline=TIMEOUT)

    monkeypatch.setattr(sender_module, "SmtpTransport", Quick)


def _finishes(call: Callable[[], Any]) -> Any:
    """call()'s result; fails if it is still running after 20 s (the resolver hangs a minute)."""
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(call()), daemon=True)
    thread.start()
    thread.join(20)
    assert not thread.is_alive(), "the send is still waiting for the resolver"
    return out[0]


def _ann(engine: Engine) -> None:
    add_people(engine, {"ann": person(1, gender="female")}, orders={"ann": 3})


def test_a_hung_resolver_leaves_the_person_unsent_and_retryable(engine: Engine, resolver: SlowResolver,
                                                                quick_transport: None) -> None:
    _ann(engine)
    campaign = Campaign.from_dict(campaign_dict())
    options = SendOptions(backoff=Backoff(base=0.01, cap=0.05, attempts=3), sleep=lambda s: None)
    summary = _finishes(lambda: send_campaign(engine, campaign, smtp_url=f"smtp://hang.example:{free_port()}",
                                              options=options))
    assert resolver.asked
    assert (summary.sent, summary.deferred, summary.failed, summary.unconfirmed) == (0, 1, 0, 0), summary.line()
    assert summary.stopped and "cannot reach the SMTP server hang.example" in summary.stopped
    assert "resolving hang.example took longer" in summary.stopped
    with engine.connect() as conn:
        ledger = conn.execute(select(outbound_ledger.c.item, outbound_ledger.c.state)).all()
        sent = conn.execute(select(events.c.person).where(events.c.event == "Message Sent")).all()
    assert [tuple(row) for row in ledger] == [("ann", "retry")]  # neither sent nor 'unconfirmed'
    assert sent == []


@pytest.fixture(scope="module")
def named_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for the name fast.example alone (no address)."""
    return self_signed_certificate(tmp_path_factory.mktemp("named-tls"), "fast.example")


def test_a_name_that_resolves_is_sent_to(engine: Engine, resolver: SlowResolver) -> None:
    server = SmtpServer()
    server.start()
    try:
        _ann(engine)
        summary = send_campaign(engine, Campaign.from_dict(campaign_dict()),
                                smtp_url=f"smtp://fast.example:{server.port}",
                                options=SendOptions(sleep=lambda s: None))
    finally:
        server.stop()
    assert summary.sent == 1, summary.line()
    assert [r.rcpt for r in server.handler.received] == ["p1@example.com"]


# aiosmtpd warns that AUTH without STARTTLS is unsafe: for smtps the whole socket is TLS already.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("scheme", ["smtp", "smtps"])
def test_tls_checks_the_certificate_against_the_host_name(engine: Engine, resolver: SlowResolver, scheme: str,
                                                          named_certificate: tuple[Path, Path],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The certificate names fast.example, not 127.0.0.1 (where the name leads): it is accepted
    only if TLS is told the name, as before."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*named_certificate)
    handler, logins, port = Handler(), Logins(scheme == "smtps"), free_port()
    options: dict[str, Any] = {"authenticator": logins, "auth_required": True}
    if scheme == "smtps":
        controller = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=context,
                                auth_require_tls=False, **options)
    else:
        controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=context,
                                require_starttls=True, **options)
    controller.start()
    monkeypatch.setenv("TRACKLENS_SMTP_PASSWORD", "hunter2")
    monkeypatch.setenv("TRACKLENS_SMTP_CAFILE", str(named_certificate[0]))
    try:
        _ann(engine)
        summary = send_campaign(engine, Campaign.from_dict(campaign_dict()),
                                smtp_url=f"{scheme}://me@fast.example:{port}", options=SendOptions(sleep=lambda s: None))
    finally:
        controller.stop()
    assert summary.sent == 1, summary.line()
    assert [r.rcpt for r in handler.received] == ["p1@example.com"]
    assert logins.seen and all(over_tls for _mechanism, over_tls in logins.seen)


class _EhloNames(Handler):
    """The name each client gave in EHLO, with each message."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.names.append(session.host_name)
        return await super().handle_DATA(server, session, envelope)


def _send_naming_this_machine(engine: Engine, monkeypatch: pytest.MonkeyPatch,
                              getfqdn: Callable[..., str]) -> tuple[Any, list[str]]:
    """Send to ann over a server at an address (nothing else to resolve), socket.getfqdn being
    `getfqdn`: the summary and the EHLO names the server saw."""

    class Patient(SmtpTransport):  # each wait 0.5 s, the exchange 10 s: time to go on after a wait
        def __init__(self, settings: SmtpSettings) -> None:
            super().__init__(settings, timeout=TIMEOUT, deadline=10)

    monkeypatch.setattr(sender_module, "SmtpTransport", Patient)
    monkeypatch.setattr(socket, "getfqdn", getfqdn)
    handler, port = _EhloNames(), free_port()
    # (named: aiosmtpd would ask socket.getfqdn for its own name)
    controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="mx.example")
    controller.start()
    try:
        _ann(engine)
        summary = _finishes(lambda: send_campaign(engine, Campaign.from_dict(campaign_dict()),
                                                  smtp_url=f"smtp://127.0.0.1:{port}",
                                                  options=SendOptions(sleep=lambda s: None)))
    finally:
        controller.stop()
    assert [r.rcpt for r in handler.received] == ["p1@example.com"]
    return summary, handler.names


def test_a_hung_lookup_of_this_machines_name_does_not_hold_the_send(engine: Engine,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """smtplib looked up the name EHLO gives (socket.getfqdn: gethostbyaddr, no timeout) outside
    the deadline: a resolver that hung held the send even to a server given by its address. The
    name is waited for within the deadline; past it EHLO gives this end's address, and the
    message goes."""
    release, asked = threading.Event(), []

    def hanging(name: str = "") -> str:
        asked.append(name)
        release.wait(60)
        return "late.example"

    try:
        summary, names = _send_naming_this_machine(engine, monkeypatch, hanging)
    finally:
        release.set()
    assert asked and summary.sent == 1, summary.line()
    assert names == ["[127.0.0.1]"]


def test_this_machines_name_is_given_in_ehlo_when_it_resolves(engine: Engine,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    summary, names = _send_naming_this_machine(engine, monkeypatch, lambda name="": "sender.example")
    assert summary.sent == 1, summary.line()
    assert names == ["sender.example"]
