"""Small Segment messages for collector tests."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

_counter = itertools.count()


def message_id() -> str:
    return f"m-{next(_counter):06d}-{uuid.uuid4().hex[:8]}"


def track(event: str = "Signed Up", anonymous_id: str = "anon-1", **fields: Any) -> dict[str, Any]:
    return {"type": "track", "event": event, "anonymousId": anonymous_id, "messageId": message_id(), **fields}


def page(name: str = "Home", anonymous_id: str = "anon-1", **fields: Any) -> dict[str, Any]:
    return {"type": "page", "name": name, "anonymousId": anonymous_id, "messageId": message_id(), **fields}


def of_type(kind: str) -> dict[str, Any]:
    """A valid message of each call type (without `type`, which a single-call path implies)."""
    base: dict[str, Any] = {"messageId": message_id(), "anonymousId": "anon-7", "userId": "user-7"}
    extra: dict[str, dict[str, Any]] = {
        "track": {"event": "Clicked"},
        "identify": {"traits": {"email": "ada@example.com"}},
        "page": {"name": "Pricing"},
        "screen": {"name": "Settings"},
        "group": {"groupId": "acme"},
        "alias": {"previousId": "anon-7"},
    }
    return {**base, **extra[kind]}
