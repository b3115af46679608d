"""Reading request bodies: size limits, gzip, JSON.

The limit is applied to the decompressed bytes while they are being produced, so a small
gzip bomb costs at most the limit in memory and the time to inflate it, never its full size.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from app.collector.errors import CollectorError
from app.collector.limits import BODY_IDLE_SECONDS, BODY_TOTAL_SECONDS, MAX_REQUEST_BYTES
from app.ingest.jsonread import loads

#: Media types clients use for Segment payloads; analytics.js sends text/plain to avoid a preflight
#: on some paths, server libraries send application/json.
ACCEPTED_MEDIA_TYPES = frozenset({"", "application/json", "text/plain", "application/x-json", "text/json"})

#: A gzip stream can be slightly larger than its content (headers, stored blocks), never by much.
_COMPRESSED_SLACK = 64 * 1024


def _too_large(limit: int) -> CollectorError:
    return CollectorError(413, "request_too_large", f"request body exceeds {limit // 1024} KB")


def check_media_type(content_type: str | None) -> None:
    """Refuse bodies that cannot be a Segment payload (forms, multipart uploads)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in ACCEPTED_MEDIA_TYPES or media.endswith("+json"):
        return
    raise CollectorError(415, "unsupported_media_type",
                         f"send JSON as application/json or text/plain, not {media}")


class GzipReader:
    """Inflates gzip input incrementally and fails as soon as the output passes `limit` bytes."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._out = bytearray()

    def feed(self, data: bytes) -> None:
        while data:
            if self._inflater.eof:
                # Concatenated gzip members are one valid stream (RFC 1952 §2.2).
                self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            room = self._limit - len(self._out) + 1
            try:
                self._out += self._inflater.decompress(data, room)
            except zlib.error as exc:
                raise CollectorError(400, "invalid_gzip", f"the gzip body is corrupt ({exc})") from exc
            if len(self._out) > self._limit:
                raise _too_large(self._limit)
            data = self._inflater.unused_data if self._inflater.eof else self._inflater.unconsumed_tail

    def finish(self) -> bytes:
        if not self._inflater.eof:
            raise CollectorError(400, "invalid_gzip", "the gzip body is truncated")
        return bytes(self._out)


async def read_limited(
    chunks: AsyncIterator[bytes],
    *,
    content_encoding: str | None,
    content_length: str | None,
    limit: int = MAX_REQUEST_BYTES,
    idle_timeout: float = BODY_IDLE_SECONDS,
    total_timeout: float = BODY_TOTAL_SECONDS,
    cut_short: Callable[[], bool] = lambda: False,
) -> bytes:
    """The request body, decompressed, at most `limit` bytes; CollectorError otherwise.

    A body must keep flowing (no pause over `idle_timeout`) and arrive within `total_timeout`:
    a client that announces more than it sends would otherwise hold its connection forever.
    A body that ends before its Content-Length, or whose sender stopped before its end
    (`cut_short()`, a chunked body), is refused whole: a prefix may well parse as JSON.
    """
    encoding = (content_encoding or "").strip().lower()
    if encoding in ("", "identity"):
        gzip_reader = None
        wire_limit = limit
    elif encoding in ("gzip", "x-gzip"):
        gzip_reader = GzipReader(limit)
        wire_limit = limit + _COMPRESSED_SLACK
    else:
        raise CollectorError(415, "unsupported_encoding",
                             f"Content-Encoding {encoding!r} is not supported (use gzip or none)")
    declared = None
    if content_length:
        try:
            declared = int(content_length)
        except ValueError as exc:
            raise CollectorError(400, "invalid_request", "Content-Length is not a number") from exc
        if declared > wire_limit:
            raise _too_large(limit)
    received = 0
    plain = bytearray()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + total_timeout
    iterator = aiter(chunks)
    while True:
        wait = min(idle_timeout, deadline - loop.time())
        try:
            chunk = await asyncio.wait_for(anext(iterator), timeout=max(wait, 0.001))
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise CollectorError(408, "request_timeout",
                                 "the request body arrived too slowly; send it again") from None
        if not chunk:
            continue
        received += len(chunk)
        if received > wire_limit:
            raise _too_large(limit)
        if gzip_reader is None:
            plain += chunk
        else:
            gzip_reader.feed(chunk)
    if declared is not None and received < declared:
        raise CollectorError(400, "incomplete_body", f"the body ended after {received:,} of {declared:,} bytes")
    if cut_short():
        raise CollectorError(400, "incomplete_body", "the body ended before its last chunk")
    if gzip_reader is not None:
        return gzip_reader.finish()
    return bytes(plain)


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object; 400 with a reason for anything else. A leading UTF-8 byte
    order mark (a file Notepad saved, sent with curl) is ignored, as RFC 8259 allows and as
    `tracklens import` does."""
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    if not raw.strip():
        raise CollectorError(400, "invalid_json", "the request body is empty")
    try:
        value = loads(raw)
    except ValueError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CollectorError(400, "invalid_json", f"the body is not valid JSON: {reason}") from exc
    if not isinstance(value, dict):
        raise CollectorError(400, "invalid_json", "the body must be a JSON object")
    return value
