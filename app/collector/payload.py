"""From a decoded request body to the list of Segment messages the ingestion core receives.

Only transport concerns live here (which call the path names, what the batch envelope adds
to each message, the client's address); validating messages is the ingestion core's job.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from app.collector.errors import CollectorError
from app.collector.limits import MAX_BATCH_MESSAGES
from app.ingest.messages import unusable_batch_field

#: Path segment after /v1/ -> the call type it carries; None marks a batch.
#: The one-letter forms are the short paths analytics.js posts to.
PATH_TYPES: dict[str, str | None] = {
    "batch": None,
    "import": None,
    "b": None,
    "track": "track",
    "t": "track",
    "identify": "identify",
    "i": "identify",
    "page": "page",
    "p": "page",
    "screen": "screen",
    "s": "screen",
    "group": "group",
    "g": "group",
    "alias": "alias",
    "a": "alias",
}

#: Envelope fields of a batch body that apply to each of its messages.
_SHARED_OBJECTS = ("context", "integrations")


@dataclass
class Prepared:
    """Messages ready for the writer, and where each came from in the request."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    #: positions[i] is the index in the request of messages[i]
    positions: list[int] = field(default_factory=list)
    #: entries refused before reaching the writer (not JSON objects): {"index", "messageId", "reason"}
    rejected: list[dict[str, Any]] = field(default_factory=list)
    #: how many messages the request carried
    count: int = 0
    #: envelope fields not applied to the messages, which were kept: {"field", "reason"}
    ignored: list[dict[str, str]] = field(default_factory=list)


def client_address(peer: str | None, forwarded_for: str | None, *, trust_proxy: bool) -> str | None:
    """The address to record as context.ip.

    Behind a trusted proxy it is the last X-Forwarded-For entry: the one the proxy itself
    appended. Earlier entries come from the client and can be forged.
    """
    if trust_proxy and forwarded_for:
        last = forwarded_for.split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(last))
        except ValueError:
            pass
    return peer


def _merged(shared: Any, own: Any) -> Any:
    """`own` laid over `shared`: the message's own values win, its explicit nulls do not erase."""
    if not isinstance(shared, dict):
        return own if own is not None else shared
    if not isinstance(own, dict):
        return dict(shared) if own is None else own
    result = dict(shared)
    for key, value in own.items():
        if value is None and key in shared:
            continue
        result[key] = _merged(shared[key], value) if key in shared else value
    return result


def _finish(message: dict[str, Any], ip: str | None) -> dict[str, Any]:
    message.pop("writeKey", None)
    if ip is not None:
        context = message.get("context")
        if context is None:
            message["context"] = {"ip": ip}
        elif isinstance(context, dict) and not context.get("ip"):
            message["context"] = {**context, "ip": ip}
    return message


def prepare(call_type: str | None, body: dict[str, Any], *, ip: str | None) -> Prepared:
    """Split a request body into messages, applying what the transport implies.

    `call_type` comes from the path (None for batches); a single call's type is the path's,
    whatever the body says, as on Segment's API.
    """
    prepared = Prepared()
    if call_type is not None:
        message = dict(body)
        message["type"] = call_type
        prepared.messages.append(_finish(message, ip))
        prepared.positions.append(0)
        prepared.count = 1
        return prepared

    batch = body.get("batch")
    if not isinstance(batch, list):
        raise CollectorError(400, "invalid_batch", 'a batch body needs a "batch" array of messages')
    if len(batch) > MAX_BATCH_MESSAGES:
        raise CollectorError(413, "batch_too_large",
                             f"a batch holds at most {MAX_BATCH_MESSAGES} messages, this one has {len(batch)}")
    prepared.count = len(batch)
    shared = {name: body[name] for name in _SHARED_OBJECTS if isinstance(body.get(name), dict)}
    # One that is not an object was dropped without a word: the client never learnt that its
    # messages were stored without their batch's context (its library, locale, address).
    prepared.ignored = [{"field": name, "reason": reason} for name in _SHARED_OBJECTS
                        if (reason := unusable_batch_field(name, body.get(name), len(batch))) is not None]
    sent_at = body.get("sentAt")
    for index, item in enumerate(batch):
        if not isinstance(item, dict):
            prepared.rejected.append(
                {"index": index, "messageId": None, "reason": "the message is not a JSON object"})
            continue
        message = dict(item)
        for name, value in shared.items():
            message[name] = _merged(value, message.get(name))
        if sent_at is not None and message.get("sentAt") is None:
            message["sentAt"] = sent_at
        prepared.messages.append(_finish(message, ip))
        prepared.positions.append(index)
    return prepared
