"""The Starlette application: Segment's HTTP API in front of the commit queue."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.collector.auth import WriteKeys, key_from_authorization
from app.collector.body import check_media_type, parse_json_object, read_limited
from app.collector.committer import CommitQueue, Outcome
from app.collector.errors import CollectorError, DatabaseUnavailable
from app.collector.limits import BODY_IDLE_SECONDS, BODY_TOTAL_SECONDS
from app.collector.payload import PATH_TYPES, Prepared, client_address, prepare
from app.collector.protocol import BODY_CUT_SHORT

log = logging.getLogger("tracklens.collector")

#: Headers analytics.js sends cross-origin; the preflight must allow them or browsers drop events.
CORS_HEADERS = ["Authorization", "Content-Type", "X-Retry-Count"]

#: Seconds a client should wait before retrying while the database is unavailable.
RETRY_AFTER_SECONDS = 2


@dataclass
class RunTotals:
    """Messages acknowledged as stored and messages rejected since the collector started, as
    the answers said (re-sent duplicates are acknowledged, so they count as stored)."""

    stored: int = 0
    rejected: int = 0


@dataclass
class CollectorSettings:
    keys: WriteKeys
    trust_proxy: bool = False
    #: see app.collector.body.read_limited
    body_idle_timeout: float = BODY_IDLE_SECONDS
    body_total_timeout: float = BODY_TOTAL_SECONDS
    #: run at shutdown after the last commit (`collect --destinations`: stop the forwarder, which
    #: releases its destinations; uvicorn re-raises SIGTERM afterwards, so nothing runs later)
    on_stopped: Callable[[], None] | None = None
    #: what the clients were told this run (`collect`'s last line)
    totals: RunTotals = field(default_factory=RunTotals)
    #: run at startup, once uvicorn handles SIGINT/SIGTERM (`collect`: hold_stop_signals' release)
    on_started: Callable[[], None] | None = None


class SafeJSONResponse(JSONResponse):
    """JSON in ASCII: answers echo what clients sent (message ids, reasons), and any string,
    lone surrogates included, must still encode, or a committed batch would be answered 500."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else {}
    if status in (408, 411, 413) or code == "incomplete_body":
        # The body was not read to its end (or has no known end): close, or the server would go
        # on reading the rest of it (at the client's pace) to keep the connection alive.
        headers["Connection"] = "close"
    return SafeJSONResponse({"code": code, "message": message, **extra}, status_code=status, headers=headers)


def _body_has_key(keys: WriteKeys, body: dict[str, Any], is_batch: bool) -> bool:
    """analytics.js and some older libraries put the key in the body; batches may carry it per message."""
    if keys.allows(body.get("writeKey")):
        return True
    batch = body.get("batch") if is_batch else None
    return bool(batch) and isinstance(batch, list) and all(
        isinstance(m, dict) and keys.allows(m.get("writeKey")) for m in batch)


def _rejections(prepared: Prepared, outcome: Outcome) -> list[dict[str, Any]]:
    rejected = list(prepared.rejected)
    for index, reason in outcome.rejected:
        position = prepared.positions[index]
        message_id = prepared.messages[index].get("messageId")
        rejected.append({"index": position, "messageId": message_id if isinstance(message_id, str) else None,
                         "reason": reason})
    rejected.sort(key=lambda r: r["index"])
    return rejected


def create_app(committer: CommitQueue, settings: CollectorSettings,
               ping: Callable[[], None] | None = None) -> Starlette:
    """The collector application; `ping` checks the database for GET /health."""

    async def ingest(request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in PATH_TYPES:
            raise CollectorError(404, "not_found", f"unknown endpoint /v1/{kind}")
        call_type = PATH_TYPES[kind]
        received_at = datetime.now(UTC)
        keys = settings.keys
        authorized = keys.allows(key_from_authorization(request.headers.get("authorization")))
        check_media_type(request.headers.get("content-type"))
        if "content-length" not in request.headers and "transfer-encoding" not in request.headers:
            # HTTP/1.1 reads such a request as having no body (what follows would be taken for
            # the next request), HTTP/1.0 clients expect the body to end at their close.
            raise CollectorError(411, "length_required",
                                 "send the body with a Content-Length header (or Transfer-Encoding: chunked)")
        raw = await read_limited(request.stream(),
                                 content_encoding=request.headers.get("content-encoding"),
                                 content_length=request.headers.get("content-length"),
                                 idle_timeout=settings.body_idle_timeout,
                                 total_timeout=settings.body_total_timeout,
                                 cut_short=lambda: bool(request.scope.get(BODY_CUT_SHORT)))
        body = parse_json_object(raw)
        if not authorized and not _body_has_key(keys, body, call_type is None):
            raise CollectorError(401, "unauthorized", "missing or unknown write key")
        peer = request.client.host if request.client else None
        ip = client_address(peer, request.headers.get("x-forwarded-for"), trust_proxy=settings.trust_proxy)
        prepared = prepare(call_type, body, ip=ip)
        outcome = await committer.submit(prepared.messages, received_at) if prepared.messages else Outcome(0)
        rejected = _rejections(prepared, outcome)
        settings.totals.stored += outcome.accepted
        settings.totals.rejected += len(rejected)
        # Said only when there is something: clients (and tests) read the answer's exact shape.
        ignored = {"ignored": prepared.ignored} if prepared.ignored else {}
        if call_type is not None and rejected:
            return _error(400, "invalid_message", rejected[0]["reason"], rejected=rejected)
        if prepared.count and len(rejected) == prepared.count:
            return _error(400, "invalid_messages",
                          f"all {prepared.count} messages were rejected; first: {rejected[0]['reason']}",
                          rejected=rejected, **ignored)
        if rejected:
            log.info("stored %d of %d messages; rejected: %s", outcome.accepted, prepared.count,
                     "; ".join(f"#{r['index']}: {r['reason']}" for r in rejected[:5]))
        if prepared.ignored:
            log.info("stored %d of %d messages; %s", outcome.accepted, prepared.count,
                     "; ".join(i["reason"] for i in prepared.ignored))
        return SafeJSONResponse({"success": True, "accepted": outcome.accepted, "rejected": rejected, **ignored})

    async def health(request: Request) -> Response:
        """Status for anyone (load balancers); counters and the database's error only with a key,
        since the error names the database's host and port."""
        insider = settings.keys.required and settings.keys.allows(
            key_from_authorization(request.headers.get("authorization")))
        state: dict[str, Any] = {"status": "ok"}
        if insider:
            state.update(queued=committer.queued_messages, committed=committer.committed_messages,
                         transactions=committer.transactions, traits_left_out=committer.traits_left_out)
        if ping is not None:
            try:
                await run_in_threadpool(ping)
            except Exception as exc:
                detail = (str(exc).splitlines() or ["error"])[0] if insider else "the database is unreachable"
                return _error(503, "database_unavailable", detail)
        failure = committer.recent_failure()
        if failure is not None:  # reachable, but the last commit was refused and none made since
            detail = (failure.splitlines() or ["error"])[0] if insider else "the database refuses the events"
            return _error(503, "database_unavailable", detail)
        return SafeJSONResponse(state)

    async def on_collector_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CollectorError)
        return _error(exc.status, exc.code, exc.message)

    async def on_unavailable(_request: Request, exc: Exception) -> Response:
        return _error(503, "database_unavailable", f"the events were not stored, retry later: {exc}")

    async def on_http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _error(exc.status_code, code, str(exc.detail))

    async def on_disconnect(_request: Request, _exc: Exception) -> Response:
        # Nobody is listening any more; nothing was read, so nothing was stored.
        return _error(400, "client_disconnected", "the client went away before sending the whole body")

    async def on_crash(_request: Request, exc: Exception) -> Response:
        log.exception("internal error", exc_info=exc)
        return _error(500, "internal_error", "the collector failed on this request; nothing was stored")

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        committer.start()
        if settings.on_started is not None:
            settings.on_started()
        try:
            yield
        finally:
            # uvicorn has finished in-flight requests by now; commit what is still queued.
            await run_in_threadpool(committer.close)
            if settings.on_stopped is not None:
                await run_in_threadpool(settings.on_stopped)

    return Starlette(
        routes=[
            Route("/v1/{kind}", ingest, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ],
        middleware=[
            Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["POST", "GET", "OPTIONS"],
                       allow_headers=CORS_HEADERS, max_age=86400),
        ],
        exception_handlers={
            CollectorError: on_collector_error,
            DatabaseUnavailable: on_unavailable,
            ClientDisconnect: on_disconnect,
            HTTPException: on_http_error,
            Exception: on_crash,
        },
        lifespan=lifespan,
    )
