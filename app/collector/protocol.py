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
after it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from app.collector.limits import HEADER_SECONDS

#: Set in a request's ASGI scope when its client ended its input before the end of the body.
BODY_CUT_SHORT = "tracklens.body_cut_short"


class HeaderDeadlineProtocol(H11Protocol):
    """H11Protocol closing a connection whose request headers take longer than `header_timeout`."""

    header_timeout: float = HEADER_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

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
        close once answered."""
        cycle = self.cycle
        if cycle is None or cycle.response_complete or self.conn.their_state is h11.IDLE:
            return None
        cycle.keep_alive = False
        if self.conn.their_state is h11.SEND_BODY:
            cycle.scope[BODY_CUT_SHORT] = True  # type: ignore[literal-required]
            cycle.more_body = False
            cycle.message_event.set()
        return True

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
