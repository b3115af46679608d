"""The collector's HTTP/1.1 connections: uvicorn's h11 protocol with a deadline for headers.

uvicorn bounds the wait between requests on a kept-alive connection (5 s) and the collector
bounds a body (app.collector.body.read_limited), but nothing bounds the request line and
headers: a connection that sends nothing, or a few header bytes now and then, was held for as
long as the client liked. Anyone who can reach the port could so take every file descriptor
(a slowloris) and no client could connect any more. Here a request's line and headers must
arrive within HEADER_SECONDS of its first byte (of the connection, for the first request), or
the connection is closed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from app.collector.limits import HEADER_SECONDS


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
