"""SMTP over TLS for real (issue 13): STARTTLS on a server that offers it (and requires it before
a login), and implicit TLS (smtps://), each with a password, against aiosmtpd with a
certificate made for the test and trusted through TRACKLENS_SMTP_CAFILE."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from sqlalchemy import Engine

from app.outbound.messages import Campaign, CampaignError
from app.outbound.messages.channels import SmtpSettings, SmtpTransport
from app.outbound.messages.sender import SendOptions, send_campaign
from app.outbound.retry import TemporaryFailure
from tests.outbound.conftest import (
    Handler,
    add_people,
    campaign_dict,
    free_port,
    person,
    self_signed_certificate,
)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: (certificate file, key file)."""
    return self_signed_certificate(tmp_path_factory.mktemp("tls"), "127.0.0.1")


class Logins:
    """An aiosmtpd authenticator accepting one user; remembers who logged in over which link."""

    def __init__(self, implicit_tls: bool = False) -> None:
        self.implicit_tls = implicit_tls  # the listening socket itself is TLS
        self.seen: list[tuple[str, bool]] = []

    def __call__(self, _server: Any, session: Any, _envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and auth_data.login == b"me" and auth_data.password == b"hunter2":
            self.seen.append((mechanism, self.implicit_tls or session.ssl is not None))
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@pytest.fixture
def tls_server(certificate: tuple[Path, Path], request: pytest.FixtureRequest) -> Iterator[tuple[str, Handler, Logins]]:
    """STARTTLS (required before AUTH) or implicit TLS, by the test's parameter."""
    cert_file, key_file = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    implicit = request.param == "smtps"
    handler, logins, port = Handler(), Logins(implicit), free_port()
    options: dict[str, Any] = {"authenticator": logins, "auth_required": True}
    if implicit:
        # The socket speaks TLS from the first byte (aiosmtpd then does not see a STARTTLS
        # upgrade, so it is told AUTH is fine without one).
        controller = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=context,
                                auth_require_tls=False, **options)
    else:
        controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                                **options)
    controller.start()
    yield f"{request.param}://me@127.0.0.1:{port}", handler, logins
    controller.stop()


# aiosmtpd warns that AUTH without STARTTLS is unsafe: for smtps the whole socket is TLS already.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("tls_server", ["smtp", "smtps"], indirect=True)
def test_a_password_goes_only_over_tls_and_the_mail_arrives(engine: Engine, tls_server: tuple[str, Handler, Logins],
                                                            certificate: tuple[Path, Path],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    url, handler, logins = tls_server
    monkeypatch.setenv("TRACKLENS_SMTP_PASSWORD", "hunter2")
    monkeypatch.setenv("TRACKLENS_SMTP_CAFILE", str(certificate[0]))
    add_people(engine, {"ann": person(1, gender="female")}, orders={"ann": 3})
    summary = send_campaign(engine, Campaign.from_dict(campaign_dict()), smtp_url=url,
                            options=SendOptions(sleep=lambda s: None))
    assert summary.sent == 1, summary.line()
    assert [r.rcpt for r in handler.received] == ["p1@example.com"]
    assert logins.seen and all(over_tls for _mechanism, over_tls in logins.seen)


@pytest.mark.parametrize("tls_server", ["smtp"], indirect=True)
def test_an_untrusted_certificate_is_a_clear_error_and_nothing_is_sent(
        engine: Engine, tls_server: tuple[str, Handler, Logins], monkeypatch: pytest.MonkeyPatch) -> None:
    url, handler, _logins = tls_server
    monkeypatch.setenv("TRACKLENS_SMTP_PASSWORD", "hunter2")
    monkeypatch.delenv("TRACKLENS_SMTP_CAFILE", raising=False)
    add_people(engine, {"ann": person(1, gender="female")}, orders={"ann": 3})
    with pytest.raises(CampaignError, match=r"TLS with 127\.0\.0\.1"):
        send_campaign(engine, Campaign.from_dict(campaign_dict()), smtp_url=url, options=SendOptions(sleep=lambda s: None))
    assert handler.received == []


class Connections:
    """What an SMTP server saw: connections made, and those still open."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.made = 0
        self.open = 0

    def change(self, by: int) -> None:
        with self.lock:
            self.made += max(by, 0)
            self.open += by


def _wait_until(condition: Any) -> None:
    pause = threading.Event()
    for _ in range(100):
        if condition():
            return
        pause.wait(0.05)


def _refusing_starttls(connections: Connections) -> type[SMTP]:
    class RefusingStartTLS(SMTP):
        """Offers STARTTLS (it has a certificate) and refuses it when asked, as a server whose
        TLS is misconfigured or overloaded does (454, RFC 3207)."""

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            connections.change(+1)

        def connection_lost(self, error: Exception | None) -> None:
            super().connection_lost(error)
            connections.change(-1)

        async def smtp_STARTTLS(self, arg: str) -> None:
            await self.push("454 4.7.0 TLS not available due to temporary reason")

    return RefusingStartTLS


@pytest.mark.parametrize("user", ["", "me@"])
def test_a_server_refusing_starttls_is_left_with_no_connection_open(
        certificate: tuple[Path, Path], user: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server offering STARTTLS and refusing it: each try's connection stayed open (the error
    kept it), one more per retry, until the campaign's errors were forgotten."""
    connections = Connections()
    server_class = _refusing_starttls(connections)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)

    class RefusingController(Controller):
        def factory(self) -> SMTP:
            return server_class(self.handler, **self.SMTP_kwargs)

    port = free_port()
    controller = RefusingController(Handler(), hostname="127.0.0.1", port=port, tls_context=context)
    controller.start()  # (which connects once, to see the server answer)
    try:
        _wait_until(lambda: connections.open == 0)
        made_before = connections.made
        monkeypatch.setenv("TRACKLENS_SMTP_PASSWORD", "hunter2")
        monkeypatch.setenv("TRACKLENS_SMTP_CAFILE", str(certificate[0]))
        transport = SmtpTransport(SmtpSettings.parse(f"smtp://{user}127.0.0.1:{port}"))
        with pytest.raises(TemporaryFailure, match="454") as refused:
            transport.open()
        assert connections.made == made_before + 1
        _wait_until(lambda: connections.open == 0)  # the server sees a close on its loop's next turn
        assert connections.open == 0, f"{connections.open} connection left open by {refused.value}"
    finally:
        controller.stop()
