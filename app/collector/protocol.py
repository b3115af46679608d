"""The collector's HTTP/1.1 connections: uvicorn's h11 protocol with a deadline for headers.

uvicorn bounds the wait between requests on a kept-alive connection (5 s) and the collector
bounds a body (app.collector.body.read_limited), but nothing bounds the request line and
headers: a connection that sends nothing, or a few header bytes now and then, was held for as
long as the client liked. Anyone who can reach the port could so take every file descriptor
(a slowloris) and no client could connect any more. Here a request's line and headers must
arrive within HEADER_SECONDS of its first byte (of the connection, for the first request), or
the connection is closed.

It also answers a client that shuts down its sending side (a half-close: `nc -N`, a proxy
ending its upload) while its request is in flight. uvicorn closed the whole connection at that
end of input: a request whose body had fully arrived was still stored but its answer was lost,
and one whose body was cut short got no answer at all. The connection now stays open for the
answer (a cut body ends early and is refused: app.collector.body.read_limited) and is closed
after it. Requests the client sent before its half-close (pipelined behind the one in flight) are
answered in turn, and the connection closed after the last.

And it answers a request that is not valid HTTP/1.1 (a Content-Length that is not a number, two
different ones, a Transfer-Encoding other than chunked, a broken request line) in the collector's
own JSON shape, `{"code": "invalid_http", "message": <what is wrong>}`, instead of uvicorn's
plain-text 400, and closes the connection: what follows such a request cannot be framed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from http import HTTPStatus
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from app.collector.limits import HEADER_SECONDS

#: Set in a request's ASGI scope when its client ended its input before the end of the body.
BODY_CUT_SHORT = "tracklens.body_cut_short"

_NOT_CHUNKED = "Transfer-Encoding other than chunked is not supported (send gzip as Content-Encoding: gzip)"

#: h11's words for a request it cannot read, and what the client is told instead.
_HTTP_ERRORS = {
    "bad Content-Length": "the Content-Length header is not a number of bytes",
    "conflicting Content-Length headers": "the request has two different Content-Length headers",
    "Only Transfer-Encoding: chunked is supported": _NOT_CHUNKED,
    "multiple Transfer-Encoding headers": _NOT_CHUNKED,
    "illegal request line": "the request line is not 'METHOD /path HTTP/1.1'",
    "no request line received": "the request line is not 'METHOD /path HTTP/1.1'",
    "Missing mandatory Host: header": "an HTTP/1.1 request needs a Host header",
    "Found multiple Host: headers": "the request has more than one Host header",
    "Receive buffer too long": "the request line and headers are too long",
    "illegal chunk header": "a chunk of the chunked body does not begin with its size in hexadecimal",
}


def describe_http_error(exc: BaseException | None) -> tuple[int, str]:
    """The status (4xx, never 5xx: clients resend a 5xx forever) and reason for h11's error."""
    if not isinstance(exc, h11.ProtocolError):
        return 400, "the request is not valid HTTP/1.1"
    text = str(exc)  # h11 may append the bytes it refused: "illegal request line: bytearray(...)"
    status = exc.error_status_hint if 400 <= exc.error_status_hint < 500 else 400
    for words, reason in _HTTP_ERRORS.items():
        if text.startswith(words):
            return status, reason
    return status, f"the request is not valid HTTP/1.1: {text[:200]}"


class HeaderDeadlineProtocol(H11Protocol):
    """H11Protocol closing a connection whose request headers take longer than `header_timeout`."""

    header_timeout: float = HEADER_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._input_ended = False  # the client shut down its sending side

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:
            self._await_headers()  # part of a request line or headers: the clock runs
        else:
            self._stop_clock()  # a whole request line and headers arrived

    def eof_received(self) -> bool | None:  # type: ignore[override]
        """The client will send nothing more. Between requests, close as uvicorn does; during
        one, keep our side open for its answer (True), end its body where it stopped, and
        close once answered, or once the requests pipelined behind it are answered."""
        self._input_ended = True
        cycle = self.cycle
        if cycle is None or cycle.response_complete or self.conn.their_state is h11.IDLE:
            return None
        if self.conn.their_state is h11.SEND_BODY:
            cycle.scope[BODY_CUT_SHORT] = True  # type: ignore[literal-required]
            cycle.more_body = False
            cycle.message_event.set()
        if not self._pipelined():
            cycle.keep_alive = False
        return True

    def handle_events(self) -> None:
        super().handle_events()
        if not self._input_ended or self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            if not self._pipelined():
                cycle.keep_alive = False  # the last request the client sent: close once answered
        elif self.conn.their_state is h11.IDLE:
            self.transport.close()  # all answered; what is left is part of a request that will never end

    def _pipelined(self) -> bool:
        """Whether bytes of a further request wait behind the one in flight."""
        return self.conn.their_state is h11.DONE and bool(self.conn.trailing_data[0])

    def send_400_response(self, msg: str) -> None:
        """A request h11 cannot read, answered in the collector's JSON shape (uvicorn: plain text).

        Called by uvicorn while handling h11's RemoteProtocolError, hence sys.exc_info()."""
        status, reason = describe_http_error(sys.exc_info()[1])
        if self.conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE) or self.transport.is_closing():
            self.transport.close()  # an answer has already begun: nothing more can be said
            return
        body = json.dumps(
            {"code": "invalid_http", "message": reason}, ensure_ascii=True, separators=(",", ":")
        ).encode("ascii")
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        try:
            for event in (
                h11.Response(status_code=status, headers=headers, reason=HTTPStatus(status).phrase.encode()),
                h11.Data(data=body),
                h11.EndOfMessage(),
            ):
                if data := self.conn.send(event):
                    self.transport.write(data)
        except h11.LocalProtocolError:
            pass
        self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_clock()
        super().connection_lost(exc)

    def _await_headers(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _stop_clock(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def with_header_timeout(seconds: float) -> type[HeaderDeadlineProtocol]:
    """The protocol class with another deadline (tests)."""
    return type("HeaderDeadlineProtocol", (HeaderDeadlineProtocol,), {"header_timeout": seconds})
