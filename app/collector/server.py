"""Running the collector on uvicorn, wired to an event database."""

from __future__ import annotations

import errno
import logging
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import uvicorn
from sqlalchemy import Engine, text
from starlette.applications import Starlette

from app.collector.app import CollectorSettings, RunTotals, create_app
from app.collector.auth import WriteKeys
from app.collector.committer import CommitQueue, InTransaction, OnCommitted
from app.collector.limits import BODY_IDLE_SECONDS, BODY_TOTAL_SECONDS
from app.collector.protocol import HeaderDeadlineProtocol
from app.core.database import DatabaseError, describe_error
from app.core.heap import settle_for_serving

log = logging.getLogger("tracklens.collector")

#: Seconds uvicorn lets in-flight requests finish after SIGTERM/SIGINT before closing them.
GRACEFUL_SECONDS = 30


@dataclass
class CollectorOptions:
    write_keys: list[str] = field(default_factory=list)
    no_auth: bool = False
    trust_proxy: bool = False
    body_idle_timeout: float = BODY_IDLE_SECONDS
    body_total_timeout: float = BODY_TOTAL_SECONDS
    #: told what each commit stored (`collect --destinations`: Forwarder.committed)
    on_committed: OnCommitted | None = None
    #: adds its statements to each commit (`collect --destinations`: Forwarder.in_transaction)
    in_transaction: InTransaction | None = None
    #: run at shutdown after the last commit (Forwarder.stop)
    on_stopped: Callable[[], None] | None = None
    #: counted as requests are answered; read by on_stopped for `collect`'s last line
    totals: RunTotals = field(default_factory=RunTotals)
    #: run at startup, once uvicorn handles SIGINT/SIGTERM (hold_stop_signals' release)
    on_started: Callable[[], None] | None = None


def build_app(engine: Engine, options: CollectorOptions) -> Starlette:
    """The application writing into `engine` through the ingestion core (validation, merge, enrichment)."""
    from app.ingest.writer import EventWriter

    writer = EventWriter(engine, enrich=True)

    def ping() -> None:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:
            raise DatabaseError(describe_error(exc)) from exc

    committer = CommitQueue(writer, on_unavailable=engine.dispose, on_committed=options.on_committed,
                            in_transaction=options.in_transaction)
    settings = CollectorSettings(keys=WriteKeys(options.write_keys, required=not options.no_auth),
                                 trust_proxy=options.trust_proxy, body_idle_timeout=options.body_idle_timeout,
                                 body_total_timeout=options.body_total_timeout, on_stopped=options.on_stopped,
                                 totals=options.totals, on_started=options.on_started)
    return create_app(committer, settings, ping=ping)


def _show_collector_log(level: str) -> None:
    """Send the collector's own messages (rejections, outages) where uvicorn's go: stderr."""
    logger = logging.getLogger("tracklens")
    logger.setLevel(level.upper())
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-9s %(message)s"))
        logger.addHandler(handler)


def listen(host: str, port: int) -> socket.socket:
    """The collector's listening socket, bound before anything is announced: a port in use is
    one clear error (OSError with a reason), not a success banner followed by uvicorn's log."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise OSError(f"cannot listen on {host}: {exc.strerror}") from None
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise OSError(f"port {port} on {host} is already in use (another collector?); "
                          "stop it or choose another --port") from None
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def hold_stop_signals() -> Callable[[], None]:
    """Hold SIGINT and SIGTERM until the application's startup, where uvicorn handles them, and
    return what releases them (then delivered to uvicorn: the collector drains and stops).

    A Ctrl+C between the banner and uvicorn's handlers was lost now and then (1 to 5 of 10 tries
    right after the banner): raised as KeyboardInterrupt inside a callback of
    settle_for_serving's garbage collection, it was "ignored" and the collector served on."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        return lambda: None  # Windows; a collector run from another thread (tests) gets no signals
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})

    def release() -> None:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)

    return release


def serve(app: Starlette, host: str, port: int, *, access_log: bool = False, log_level: str = "info",
          sock: socket.socket | None = None) -> None:
    """Serve until SIGTERM/SIGINT; uvicorn then stops accepting, finishes requests, and the
    application's shutdown commits whatever is still queued. `sock`: an already bound socket
    (listen())."""
    _show_collector_log(log_level)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        # X-Forwarded-For is honoured only with --trust-proxy, by the collector itself.
        proxy_headers=False,
        server_header=False,
        access_log=access_log,
        log_level=log_level,
        lifespan="on",
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        # h11 with a deadline for the request line and headers (uvicorn has none: slowloris)
        http=HeaderDeadlineProtocol,
    )
    # From here the process is the collector until it stops (app.core.heap).
    settle_for_serving()
    uvicorn.Server(config).run(sockets=[sock] if sock is not None else None)
