"""POSTs over one kept-alive connection of the standard library's `http.client`.

Why: a destination's forwarding thread shares the collector's CPU, and httpx spends ~0.5-1 ms
of Python per request building, hooking and parsing it (docs/benchmarks/forward.md), about as
much as building the 500 messages' body. `http.client` sends the same request for a fifth of
that. httpx stays for what this does not do: a proxy from the environment (HTTP_PROXY,
HTTPS_PROXY, ALL_PROXY) applies to the URL, or a scheme other than http/https; TLS uses
httpx's own context (the same certificates, SSL_CERT_FILE/SSL_CERT_DIR included).
Redirects are not followed, as with the httpx client it replaces (follow_redirects=False).
Each POST, the answer read to its end included, ends within a deadline (app.outbound.deadline):
the timeout alone starts again with every byte, so a receiver dripping its answer held the
destination's worker for days.
"""

from __future__ import annotations

import base64
import http.client
import socket
import ssl
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from app.outbound.deadline import EXCHANGE_SECONDS, BoundedSocket, Deadline, create_connection
from app.outbound.support import server_of

#: Bytes of an answer read at most: its text only goes into an error line or a dead letter, and
#: a destination answering with a gigabyte must not hold a gigabyte here. Past it the
#: connection is closed rather than drained.
MAX_REPLY_BYTES = 64 * 1024

#: Errors of a kept-alive connection the server closed while idle: the request is sent once
#: more on a new connection before it counts as a failure (at least once: each message
#: carries its messageId).
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


@dataclass(frozen=True)
class Reply:
    """What came back: the status, its reason phrase, the body's text (for the error line) and Retry-After."""

    status: int
    reason: str
    text: str
    retry_after: str | None


class Unreachable(Exception):
    """No answer: the connection failed or timed out (`timed_out`)."""

    def __init__(self, message: str, *, timed_out: bool) -> None:
        super().__init__(message)
        self.timed_out = timed_out


def proxied(url: str) -> bool:
    """Whether httpx (trust_env) would send `url` through a proxy from the environment."""
    scheme = urlsplit(url).scheme.lower()
    proxies = urllib.request.getproxies()
    return bool(proxies.get(scheme) or proxies.get("all"))


def usable(url: str) -> bool:
    """Whether DirectClient sends to `url` exactly as the httpx client would. A URL with other
    than ASCII in it (a name in its host, a letter in its path) is left to httpx, which writes
    it out (IDNA, percent-encoding) where http.client refused it with UnicodeEncodeError."""
    parts = urlsplit(url)
    return url.isascii() and parts.scheme in ("http", "https") and bool(parts.hostname) and not proxied(url)


class DirectClient:
    """One destination's connection; not thread-safe (one forwarding thread uses it)."""

    def __init__(self, timeout: float, *, deadline: float | None = None) -> None:
        self.timeout = timeout
        #: seconds one POST may take in all (EXCHANGE_SECONDS, and never less than the timeout)
        self.deadline = deadline if deadline is not None else max(EXCHANGE_SECONDS, timeout)
        self._deadline = Deadline()
        self._conn: http.client.HTTPConnection | None = None
        self._key: tuple[str, str, int] | None = None
        self._ssl: ssl.SSLContext | None = None
        self._targets: dict[str, tuple[tuple[str, str, int], str, str]] = {}

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _target(self, url: str) -> tuple[tuple[str, str, int], str, str]:
        """((scheme, host, port), path with query, Host header) of `url`, parsed once."""
        got = self._targets.get(url)
        if got is None:
            parts = urlsplit(url)
            scheme, host = parts.scheme, parts.hostname or ""
            port = parts.port or (443 if scheme == "https" else 80)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            host_header = parts.netloc.rpartition("@")[2]
            got = self._targets[url] = ((scheme, host, port), path, host_header)
        return got

    def _connect(self, key: tuple[str, str, int]) -> http.client.HTTPConnection:
        self.close()
        scheme, host, port = key
        conn: http.client.HTTPConnection
        if scheme == "https":
            if self._ssl is None:
                self._ssl = httpx.create_ssl_context()
            conn = http.client.HTTPSConnection(host, port, timeout=self.timeout, context=self._ssl)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        # The name resolved within the deadline too (socket.create_connection's is unbounded).
        conn._create_connection = self._create_connection  # type: ignore[attr-defined]
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.sock = BoundedSocket(conn.sock, self._deadline, self.timeout)  # type: ignore[assignment]
        self._conn, self._key = conn, key
        return conn

    def _create_connection(self, address: tuple[str, int], timeout: float | None = None,
                           source_address: tuple[str, int] | None = None) -> socket.socket:
        return create_connection(address, self._deadline, self.timeout, source_address)

    def post(self, url: str, content: bytes, headers: dict[str, str], auth: tuple[str, str] | None) -> Reply:
        """POST `content`; the reply, or Unreachable (timed out past the deadline too)."""
        self._deadline.start(self.deadline)
        try:
            return self._post(url, content, headers, auth)
        finally:
            self._deadline.clear()

    def _post(self, url: str, content: bytes, headers: dict[str, str], auth: tuple[str, str] | None) -> Reply:
        key, path, host_header = self._target(url)
        sent = {"Host": host_header, "Accept": "*/*", "Connection": "keep-alive", **headers,
                "Content-Length": str(len(content))}
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            sent["Authorization"] = f"Basic {token}"
        for attempt in (1, 2):
            reused = self._conn is not None and self._key == key
            try:
                conn = self._conn if reused and self._conn is not None else self._connect(key)
                conn.request("POST", path, body=content, headers=sent)
                response = conn.getresponse()
                body = response.read(MAX_REPLY_BYTES)
                unread = not response.isclosed()
            except TimeoutError as exc:
                self.close()
                raise Unreachable(f"timed out ({type(exc).__name__})", timed_out=True) from exc
            except _STALE as exc:
                self.close()
                if reused and attempt == 1:
                    continue
                raise Unreachable(f"cannot reach {server_of(url)}: {exc}", timed_out=False) from exc
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise Unreachable(f"cannot reach {server_of(url)}: {exc}", timed_out=False) from exc
            if response.will_close or unread:
                self.close()
            return Reply(response.status, response.reason, decode_reply(body, response.headers.get_content_charset()),
                         response.headers.get("Retry-After"))
        raise AssertionError("unreachable")  # (the loop returns or raises)


def decode_reply(body: bytes, charset: str | None) -> str:
    """The body as text, in its declared charset (UTF-8 when none or unknown), never failing."""
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")
