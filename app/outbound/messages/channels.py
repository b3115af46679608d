"""Delivery channels: SMTP (your own server or a provider's) and webhooks.

Each `deliver` either returns (accepted), or raises TemporaryFailure (certainly not delivered:
retry later), PermanentFailure (refused: recorded with the server's reply) or
UncertainDelivery (the connection broke after the message was handed over). A wrong setting
(bad URL, authentication refused, no TLS before a password) is a CampaignError: the run stops.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from app.outbound.deadline import (
    EXCHANGE_SECONDS,
    BoundedContext,
    BoundedSocket,
    Deadline,
    DeadlineClient,
    create_connection,
    local_name,
)
from app.outbound.messages.errors import CampaignError
from app.outbound.retry import PermanentFailure, TemporaryFailure, UncertainDelivery

#: Keychain service under which `user@host` SMTP passwords are stored.
KEYRING_SERVICE = "tracklens-smtp"
ENV_URL = "TRACKLENS_SMTP_URL"
ENV_PASSWORD = "TRACKLENS_SMTP_PASSWORD"
#: Extra CA bundle for a server with a private certificate authority.
ENV_CAFILE = "TRACKLENS_SMTP_CAFILE"
TIMEOUT = 30.0
#: Most of a webhook's error answer read (what is kept of it is far shorter).
MAX_ANSWER_BYTES = 64 * 1024


@dataclass(frozen=True)
class SmtpSettings:
    scheme: str  # smtp (STARTTLS when offered, required before a password) | smtps (implicit TLS)
    host: str
    port: int
    user: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpSettings:
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError as exc:
            raise CampaignError(f"invalid SMTP URL {_redact(url)!r}: {exc}") from None
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise CampaignError(f"invalid SMTP URL {_redact(url)!r}: expected smtp://[user@]host[:587] or "
                                "smtps://[user@]host[:465]")
        if parts.password is not None:
            raise CampaignError("the SMTP URL must not contain a password: put it in the keychain "
                                f"(service {KEYRING_SERVICE!r}) or in {ENV_PASSWORD}")
        if parts.path not in ("", "/") or parts.query:
            raise CampaignError(f"invalid SMTP URL {_redact(url)!r}: no path or query expected")
        user = unquote(parts.username) if parts.username else None
        default = 465 if parts.scheme == "smtps" else (587 if user else 25)
        return cls(parts.scheme, parts.hostname, port or default, user)

    def describe(self) -> str:
        return f"{self.scheme}://{self.user + '@' if self.user else ''}{self.host}:{self.port}"

    def password(self) -> str | None:
        if self.user is None:
            return None
        env = os.environ.get(ENV_PASSWORD)
        if env:
            return env
        try:
            import keyring

            stored = keyring.get_password(KEYRING_SERVICE, f"{self.user}@{self.host}")
        except Exception:  # no keychain backend on this machine: the env variable is the way
            stored = None
        if not stored:
            raise CampaignError(f"no password for {self.user}@{self.host}: set {ENV_PASSWORD} or store it in "
                                f"the keychain (service {KEYRING_SERVICE!r}, user '{self.user}@{self.host}')")
        return stored


def _redact(url: str) -> str:
    if "@" in url and ":" in url.split("@", 1)[0].split("//", 1)[-1]:
        scheme, _, rest = url.partition("//")
        user = rest.split("@", 1)[0].split(":", 1)[0]
        return f"{scheme}//{user}:***@{rest.split('@', 1)[1]}"
    return url


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}".strip()


def _classify(code: int, message: bytes | str, what: str) -> Exception:
    reason = f"{what}: {_reply(code, message)}"
    return TemporaryFailure(reason) if 400 <= code < 500 else PermanentFailure(reason)


#: The longest wait for this machine's name (EHLO's), within the exchange's deadline: past it the
#: connection's own address is given, and the send goes on.
LOCAL_NAME_SECONDS = 5.0
#: What smtplib is told at first (anything but None, which made it look the name up itself).
_NAMED_LATER = "[127.0.0.1]"


class _ResolvingSMTP(smtplib.SMTP):
    """smtplib.SMTP whose connection resolves the server's name within the deadline
    (deadline.create_connection): smtplib's own socket.create_connection resolved it with no
    timeout, and a resolver that hung held 'tracklens send' for as long as it hung. smtplib keeps
    the name it was given, for STARTTLS's and SMTPS's certificate check (server_hostname)."""

    def __init__(self, deadline: Deadline, *args: Any, **kwargs: Any) -> None:
        self.deadline = deadline
        super().__init__(*args, **{**kwargs, "local_hostname": _NAMED_LATER})
        self.name_this_machine()

    def name_this_machine(self) -> None:
        """The name EHLO gives, once connected: this machine's fully qualified name when the
        resolver says it within LOCAL_NAME_SECONDS (and the deadline), else the address literal
        of this end of the connection (RFC 5321 4.1.3). smtplib looked the name up itself, with no
        timeout (socket.getfqdn), outside the deadline: a hung resolver hung the send."""
        wait = min(self.timeout, LOCAL_NAME_SECONDS) if isinstance(self.timeout, int | float) else LOCAL_NAME_SECONDS
        try:
            name = local_name(self.deadline, wait)
        except TimeoutError:  # the deadline has passed: EHLO will say so
            name = None
        if name is None and self.sock is not None:
            address = str(self.sock.getsockname()[0]).split("%")[0]  # (an IPv6 scope is this machine's)
            name = f"[IPv6:{address}]" if ":" in address else f"[{address}]"
        self.local_hostname = name or _NAMED_LATER

    def _get_socket(self, host: str, port: int, timeout: float) -> Any:
        return create_connection((host, port), self.deadline, timeout)  # (no source address is set)


class _BoundedSMTP(_ResolvingSMTP):
    """smtplib.SMTP on a BoundedSocket (app.outbound.deadline): each exchange ends at its deadline.
    (SMTP_SSL's sockets are bounded by the BoundedContext that wraps them.)"""

    def _get_socket(self, host: str, port: int, timeout: float) -> Any:
        return BoundedSocket(super()._get_socket(host, port, timeout), self.deadline, timeout)


class _BoundedSMTP_SSL(smtplib.SMTP_SSL, _ResolvingSMTP):
    """smtplib.SMTP_SSL connecting as _ResolvingSMTP does (its _get_socket wraps the socket
    _ResolvingSMTP._get_socket connected, with the host name as the TLS server name)."""

    def __init__(self, deadline: Deadline, **kwargs: Any) -> None:
        self.deadline = deadline
        smtplib.SMTP_SSL.__init__(self, local_hostname=_NAMED_LATER, **kwargs)
        self.name_this_machine()


class SmtpTransport:
    """One SMTP connection, opened on first use and reopened after it breaks. Opening it, each
    delivery and closing it end within `deadline` seconds (a server that drips its replies a byte
    at a time, each within the timeout, held 'tracklens send' for as long as it dripped)."""

    def __init__(self, settings: SmtpSettings, *, timeout: float = TIMEOUT, deadline: float | None = None) -> None:
        self.settings = settings
        self.timeout = timeout
        self.deadline = deadline if deadline is not None else max(EXCHANGE_SECONDS, timeout)
        self._deadline = Deadline()
        self._smtp: smtplib.SMTP | None = None
        self._password = settings.password()  # fail before anything is sent

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=os.environ.get(ENV_CAFILE) or None)
        return BoundedContext(context, self._deadline, self.timeout)  # type: ignore[return-value]

    def open(self) -> None:
        if self._smtp is not None:
            return
        with self._deadline.running(self.deadline):
            self._open()

    def _open(self) -> None:
        s = self.settings
        smtp: smtplib.SMTP | None = None
        try:
            try:
                if s.scheme == "smtps":
                    smtp = _BoundedSMTP_SSL(self._deadline, host=s.host, port=s.port, timeout=self.timeout,
                                            context=self._context())
                    secure = True
                else:
                    smtp = _BoundedSMTP(self._deadline, host=s.host, port=s.port, timeout=self.timeout)
                    secure = False
                smtp.ehlo()
                if not secure and smtp.has_extn("starttls"):
                    smtp.starttls(context=self._context())
                    smtp.ehlo()
                    secure = True
            except smtplib.SMTPResponseException as exc:
                raise _classify(exc.smtp_code, exc.smtp_error, f"SMTP server {s.host}:{s.port}") from None
            except ssl.SSLError as exc:
                raise CampaignError(f"TLS with {s.host}:{s.port} failed: {exc.reason or exc}") from None
            except (OSError, smtplib.SMTPException) as exc:
                raise TemporaryFailure(f"cannot reach the SMTP server {s.host}:{s.port} ({exc})",
                                       channel_down=True) from None
            if s.user is not None:
                if not secure:
                    raise CampaignError(f"{s.host}:{s.port} does not offer STARTTLS: refusing to send the password "
                                        "unencrypted (use smtps:// or a server with TLS)")
                try:
                    smtp.login(s.user, self._password or "")
                except smtplib.SMTPAuthenticationError as exc:
                    raise CampaignError(f"the SMTP server refused the login of {s.user}: "
                                        f"{_reply(exc.smtp_code, exc.smtp_error)}") from None
                except smtplib.SMTPException as exc:
                    raise CampaignError(f"SMTP login of {s.user} failed: {exc}") from None
        except BaseException:
            # Any failure once connected (EHLO, STARTTLS refused or its handshake, the login)
            # closes the socket here: the error raised keeps this frame, and so the connection,
            # alive for as long as someone holds it, and each retry opened another.
            if smtp is not None:
                smtp.close()
            raise
        self._smtp = smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                with self._deadline.running(self.deadline):
                    self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def deliver(self, message: EmailMessage, sender: str, recipient: str) -> None:
        self.open()
        with self._deadline.running(self.deadline):
            self._deliver(message, sender, recipient)

    def _deliver(self, message: EmailMessage, sender: str, recipient: str) -> None:
        smtp = self._smtp
        assert smtp is not None
        # smtplib writes commands in ASCII and raised UnicodeEncodeError on any other address
        # (nothing is sent for it: an address beyond ASCII needs SMTPUTF8, which is not used).
        if not sender.isascii():
            raise CampaignError(f"the sender address {sender} is not ASCII: SMTP servers take it only with "
                                "SMTPUTF8, which Tracklens does not use")
        if not recipient.isascii():
            raise PermanentFailure(f"recipient {recipient}: an address beyond ASCII needs SMTPUTF8, "
                                   "which Tracklens does not use")
        try:
            code, reply = smtp.mail(sender)
            if code != 250:
                self._reset()
                raise _classify(code, reply, "sender refused")
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                self._reset()
                raise _classify(code, reply, f"recipient {recipient} refused")
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self._drop()
            raise TemporaryFailure(f"connection lost before the message was sent ({exc})") from None
        try:
            code, reply = smtp.data(message.as_bytes())
        except smtplib.SMTPDataError as exc:  # DATA itself refused: nothing was handed over
            self._reset()
            raise _classify(exc.smtp_code, exc.smtp_error, "message refused") from None
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self._drop()
            raise UncertainDelivery(f"connection lost while the message was being sent ({exc})") from None
        if code != 250:
            self._reset()
            raise _classify(code, reply, "message refused")

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()


class WebhookTransport:
    """POSTs JSON; the `Idempotency-Key` header lets a receiver drop an operator's resend."""

    def __init__(self, *, timeout: float = TIMEOUT, deadline: float | None = None) -> None:
        # identity: an error answer is read raw and bounded (_answer_head), never inflated.
        # DeadlineClient: the whole exchange ends within a deadline (60 s), not only each read,
        # which a receiver dripping its answer (headers included) a byte at a time started again.
        self.client = DeadlineClient(timeout=timeout, deadline=deadline, follow_redirects=False,
                                     headers={"User-Agent": "Tracklens messages", "Accept-Encoding": "identity"})

    def open(self) -> None:
        return None

    def close(self) -> None:
        self.client.close()

    def deliver(self, url: str, headers: dict[str, str], body: Any, key: str) -> None:
        # Streamed: the answer's body is not read on success, and at most MAX_ANSWER_BYTES of it
        # otherwise (a receiver answering 256 MB was read whole into memory, per person).
        sent_headers = {"Idempotency-Key": key, **{name: _header_value(name, value) for name, value in headers.items()}}
        try:
            with self.client.stream("POST", url, json=body, headers=sent_headers) as response:
                if response.is_success:
                    return
                answer = _answer_head(response)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise TemporaryFailure(f"cannot reach {_origin(url)} ({exc})", channel_down=True) from None
        except httpx.InvalidURL as exc:
            raise PermanentFailure(f"invalid URL {url!r}: {exc}") from None
        except httpx.HTTPError as exc:
            raise UncertainDelivery(f"{_origin(url)}: the request broke off ({type(exc).__name__}: {exc})") from None
        reason = f"HTTP {response.status_code} from {_origin(url)}: {' '.join(answer.split())[:300]}"
        if response.status_code in (408, 425, 429) or response.status_code >= 500:
            raise TemporaryFailure(reason)
        raise PermanentFailure(reason)


def _header_value(name: str, value: str) -> str | bytes:
    """A rendered header value as HTTP carries it: text beyond ASCII (a trait like José, which
    httpx refused with UnicodeEncodeError) as its UTF-8 bytes. A control character, which no
    header may hold, fails this person's message (PermanentFailure), not the run."""
    if any((c < " " and c != "\t") or c == "\x7f" for c in value):
        raise PermanentFailure(f"header {name}: holds a control character, which HTTP headers cannot carry")
    return value if value.isascii() else value.encode("utf-8")


def _answer_head(response: httpx.Response) -> str:
    """The start of an error answer's body (its first 300 characters are kept), read raw for at most
    MAX_ANSWER_BYTES and TIMEOUT seconds: neither a huge answer nor a dripping one holds the send."""
    deadline = time.monotonic() + TIMEOUT
    data = bytearray()
    for chunk in response.iter_raw():
        data += chunk
        if len(data) >= MAX_ANSWER_BYTES or time.monotonic() > deadline:
            break
    return bytes(data[:MAX_ANSWER_BYTES]).decode(response.charset_encoding or "utf-8", errors="replace")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
