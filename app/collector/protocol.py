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
plain-text 400, and closes the connection: what follows such a request cannot be framed. The
collector's log says the same in one line, with the client's address (uvicorn's own line,
"Invalid HTTP request received.", said neither).

All this overrides uvicorn's H11Protocol internals, which uvicorn does not promise to keep: the
module refuses to load (UnsupportedServer, naming SUPPORTED) under a uvicorn or h11 that lacks
one of them, rather than serve with half of it silently gone.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol, RequestResponseCycle

from app.collector.limits import HEADER_SECONDS, MAX_REQUEST_BYTES

log = logging.getLogger("tracklens.collector")

#: The releases tests/collector passes with (pyproject.toml holds the same bounds). h11 before
#: 0.16 accepts malformed chunked bodies (request smuggling, CVE-2025-43859).
SUPPORTED = ("uvicorn>=0.30.4,<0.56", "h11>=0.16,<0.17")


class UnsupportedServer(ImportError):
    """The installed uvicorn or h11 lacks an internal this module overrides or relies on."""


def _names(function: Callable[..., Any] | None) -> tuple[str, ...]:
    """The attribute and global names a function's code uses (what it reads, sets and calls)."""
    code = getattr(function, "__code__", None)
    return tuple(code.co_names) if code is not None else ()


def missing_internals(protocol: type = H11Protocol, cycle: type = RequestResponseCycle) -> list[str]:
    """What this module relies on in uvicorn's H11Protocol and RequestResponseCycle, and in h11,
    that the given classes (by default the installed ones) lack."""
    wanted = {
        "H11Protocol.__init__": ("conn", "logger", "loop", "cycle", "transport"),
        "H11Protocol.connection_made": ("transport", "client"),
        "H11Protocol.data_received": ("receive_data", "handle_events"),
        # MUST_CLOSE: it stops after a request that ends with the connection (HTTP/1.0 without a
        # length) instead of reading on into an error while the request is answered (0.30.4).
        "H11Protocol.handle_events": ("next_event", "RemoteProtocolError", "send_400_response", "logger",
                                      "MUST_CLOSE"),
        "H11Protocol.eof_received": (),
        "H11Protocol.send_400_response": (),
        "H11Protocol.connection_lost": (),
        "RequestResponseCycle.__init__": ("scope", "keep_alive", "more_body", "message_event",
                                          "response_complete"),
    }
    missing = []
    for where, names in wanted.items():
        owner, method = where.split(".")
        function = getattr(protocol if owner == "H11Protocol" else cycle, method, None)
        if not callable(function):
            missing.append(where)
            continue
        used = _names(function)
        missing += [f"{where} using {name}" for name in names if name not in used]
    if not isinstance(getattr(h11.Connection, "trailing_data", None), property):
        missing.append("h11.Connection.trailing_data")
    if "error_status_hint" not in _names(h11.ProtocolError.__init__):
        missing.append("h11.ProtocolError.error_status_hint")
    return missing


def _check_internals() -> None:
    if missing := missing_internals():
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise UnsupportedServer(
            f"the collector needs {' and '.join(SUPPORTED)}; the installed uvicorn {uvicorn.__version__} "
            f"(h11 {h11.__version__}) lacks {', '.join(missing[:3])}{more}: pip install "
            + " ".join(f"'{requirement}'" for requirement in SUPPORTED))


_check_internals()

#: Set in a request's ASGI scope when its client ended its input before the end of the body.
BODY_CUT_SHORT = "tracklens.body_cut_short"

_NOT_CHUNKED = "Transfer-Encoding other than chunked is not supported (send gzip as Content-Encoding: gzip)"

#: h11's words for a request it cannot read, and what the client is told instead.
_HTTP_ERRORS = {
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


#: uvicorn's warning for any request h11 cannot read; send_400_response logs one with the reason.
_UVICORN_INVALID_HTTP = "Invalid HTTP request received."


def _refused_value(exc: BaseException) -> bytes | None:
    """The header value h11 refused, from the innermost h11 frame holding one (h11 does not put it
    in its error), or None."""
    value = None
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if str(frame.f_globals.get("__name__", "")).startswith("h11") and isinstance(
                frame.f_locals.get("value"), bytes):
            value = frame.f_locals["value"]
        tb = tb.tb_next
    return value


def _bad_content_length(exc: BaseException, in_head: bool) -> tuple[int, str, str]:
    """h11 refuses a Content-Length that is not digits and one of more than 20 digits alike."""
    value = _refused_value(exc) if in_head else None
    if value is None:
        return 400, "invalid_http", "the Content-Length header is not a number of at most 20 digits"
    if not value.isdigit():
        return 400, "invalid_http", "the Content-Length header is not a number of bytes"
    significant = value.lstrip(b"0")
    if len(significant) > 20 or int(significant or b"0") > MAX_REQUEST_BYTES:
        # What a body announced as over the limit gets from app.collector.body.read_limited.
        return 413, "request_too_large", (f"request body exceeds {MAX_REQUEST_BYTES // 1024} KB (its "
                                          f"Content-Length is a number of {len(value):,} digits)")
    return 400, "invalid_http", f"the Content-Length header has {len(value):,} digits (at most 20 are read)"


def describe_http_error(exc: BaseException | None, in_head: bool = True) -> tuple[int, str, str]:
    """The status (4xx, never 5xx: clients resend a 5xx forever), code and reason for h11's error.
    `in_head`: h11 refused the request line or headers (not a chunked body or its trailer)."""
    if not isinstance(exc, h11.ProtocolError):
        return 400, "invalid_http", "the request is not valid HTTP/1.1"
    text = str(exc)  # h11 may append the bytes it refused: "illegal request line: bytearray(...)"
    if text == "bad Content-Length":
        return _bad_content_length(exc, in_head)
    status = exc.error_status_hint if 400 <= exc.error_status_hint < 500 else 400
    for words, reason in _HTTP_ERRORS.items():
        if text.startswith(words):
            return status, "invalid_http", reason
    shown = "".join(c if c.isprintable() else " " for c in text[:200])  # one log line, bounded
    return status, "invalid_http", f"the request is not valid HTTP/1.1: {shown}"


class _WithoutReasonlessWarning(logging.LoggerAdapter[logging.Logger]):
    """uvicorn's logger for a connection, less its "Invalid HTTP request received.", which says
    neither why nor who: send_400_response logs that line with both."""

    @property
    def level(self) -> int:  # uvicorn reads its logger's level (TRACE checks)
        return self.logger.level

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        if msg != _UVICORN_INVALID_HTTP:
            super().log(level, msg, *args, **kwargs)


def _address(client: tuple[str, int] | None) -> str:
    if client is None:
        return "an unknown address"
    host, port = client[0], client[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class HeaderDeadlineProtocol(H11Protocol):
    """H11Protocol closing a connection whose request headers take longer than `header_timeout`."""

    header_timeout: float = HEADER_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.logger = _WithoutReasonlessWarning(self.logger, {})  # type: ignore[assignment]
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
        """A request h11 cannot read, answered in the collector's JSON shape (uvicorn: plain text),
        and logged with its reason and client.

        Called by uvicorn while handling h11's RemoteProtocolError, hence sys.exc_info()."""
        status, code, reason = describe_http_error(sys.exc_info()[1], in_head=self.conn.our_state is h11.IDLE)
        if self.conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE) or self.transport.is_closing():
            log.warning("closed the connection of %s, whose answer had begun: %s", _address(self.client), reason)
            self.transport.close()  # nothing more can be said
            return
        log.warning("answered %s with %d %s: %s", _address(self.client), status, code, reason)
        body = json.dumps(
            {"code": code, "message": reason}, ensure_ascii=True, separators=(",", ":")
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
