"""The stored Segment message, rebuilt from its `events` row and context, and each destination's request.

What is kept (docs/destinations.md lists it): type, messageId, userId, anonymousId, the stored
`timestamp` (already corrected for the device clock), receivedAt, context, and per type the event
and properties (track), name/category/properties (page, screen: the properties include what
ingestion filled in from context.page), traits (identify), groupId and traits (group), previousId
(alias). Not kept by ingestion, so not forwarded: sentAt, originalTimestamp, integrations,
version, channel, and any unknown top-level field.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.outbound.destinations.config import Destination
from app.query.isotime import iso_utc_ms

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Mixpanel accepts an $insert_id of up to 36 letters, digits and dashes.
_INSERT_ID = re.compile(r"^[A-Za-z0-9-]{1,36}$")


@dataclass(frozen=True)
class StoredEvent:
    """One events row with its context, as the forwarder reads it."""

    id: int
    message_id: str
    type: str
    event: str | None
    user_id: str | None
    anonymous_id: str | None
    ts: int
    received_at: int
    properties: dict[str, Any]
    context: dict[str, Any] | None
    enriched: dict[str, str | None]  # "$city" -> value, ...


@dataclass(frozen=True)
class Request:
    """One HTTP POST to a destination."""

    url: str
    headers: dict[str, str]
    body: Any
    auth: tuple[str, str] | None = None


def iso_ms(ms: int) -> str:
    """ISO-8601 UTC with milliseconds (what Segment libraries send); integer arithmetic, twice as
    fast as datetime and never out of range for whatever another tool stored."""
    return iso_utc_ms(ms)


def segment_message(e: StoredEvent) -> dict[str, Any]:
    """The Segment message as Tracklens stored it (see the module docstring for what is not kept)."""
    msg: dict[str, Any] = {"type": e.type, "messageId": e.message_id}
    if e.user_id is not None:
        msg["userId"] = e.user_id
    if e.anonymous_id is not None:
        msg["anonymousId"] = e.anonymous_id
    props = e.properties or {}
    if e.type == "track":
        msg["event"] = e.event
        msg["properties"] = props
    elif e.type in ("page", "screen"):
        if props.get("name") is not None:
            msg["name"] = props["name"]
        if e.type == "page" and props.get("category") is not None:
            msg["category"] = props["category"]
        msg["properties"] = props
    elif e.type == "identify":
        msg["traits"] = props
    elif e.type == "group":
        msg["groupId"] = props.get("groupId")
        msg["traits"] = props.get("traits") or {}
    elif e.type == "alias":
        msg["previousId"] = props.get("previousId")
    msg["timestamp"] = iso_ms(e.ts)
    msg["receivedAt"] = iso_ms(e.received_at)
    msg["context"] = e.context or {}
    return msg


def insert_id(message_id: str) -> str:
    """Mixpanel's $insert_id for a messageId: the id itself when Mixpanel accepts it, else a
    digest of it -- the same for every retry of the message, so Mixpanel drops the duplicates."""
    if _INSERT_ID.match(message_id):
        return message_id
    return hashlib.sha1(message_id.encode("utf-8")).hexdigest()[:32]


_MIXPANEL_ENRICHED = {"$city": "$city", "$region": "$region", "$country_code": "mp_country_code",
                      "$browser": "$browser", "$os": "$os", "$device": "$device",
                      "$referring_domain": "$referring_domain"}


def mixpanel_event(e: StoredEvent, token: str | None) -> dict[str, Any]:
    """One event in Mixpanel's import format (only analysis events: track, page, screen)."""
    props: dict[str, Any] = dict(e.properties or {})
    for ours, theirs in _MIXPANEL_ENRICHED.items():
        value = e.enriched.get(ours)
        if value is not None:
            props[theirs] = value
    props["time"] = e.ts  # epoch milliseconds, which /import accepts
    props["distinct_id"] = e.user_id if e.user_id is not None else e.anonymous_id
    props["$insert_id"] = insert_id(e.message_id)
    if e.user_id is not None:
        props["$user_id"] = e.user_id
    if e.anonymous_id is not None:
        props["$device_id"] = e.anonymous_id
    if token:
        props["token"] = token
    return {"event": e.event, "properties": props}


def request_for(dest: Destination, batch: Sequence[StoredEvent]) -> tuple[Request, list[dict[str, Any]]]:
    """The request delivering `batch` to `dest`, and the messages it carries (kept in dead letters)."""
    headers = {"Content-Type": "application/json", "User-Agent": "tracklens-forwarder"}
    if dest.type == "mixpanel":
        items = [mixpanel_event(e, dest.project_token) for e in batch]
        return Request(f"{dest.url}/import?strict=1", headers, items, (dest.api_secret or "", "")), items
    messages = [segment_message(e) for e in batch]
    if dest.type == "segment":
        return Request(f"{dest.url}/v1/batch", headers, {"batch": messages}, (dest.write_key or "", "")), messages
    headers.update(dest.headers)
    body: Any = messages[0] if dest.batch == 1 and len(messages) == 1 else {"batch": messages}
    return Request(dest.url, headers, body), messages


def resend_request(dest: Destination, items: list[dict[str, Any]]) -> Request:
    """The request re-sending a dead letter's stored items (already in the destination's format)."""
    headers = {"Content-Type": "application/json", "User-Agent": "tracklens-forwarder"}
    if dest.type == "mixpanel":
        return Request(f"{dest.url}/import?strict=1", headers, items, (dest.api_secret or "", ""))
    if dest.type == "segment":
        return Request(f"{dest.url}/v1/batch", headers, {"batch": items}, (dest.write_key or "", ""))
    headers.update(dest.headers)
    body: Any = items[0] if dest.batch == 1 and len(items) == 1 else {"batch": items}
    return Request(dest.url, headers, body)
