"""Where Messages and Destinations can run: their delivery ledger and cursors need transactions.

Exactly-once delivery rests on claiming a ledger row and recording its outcome atomically
(docs/messages.md, docs/destinations.md). ClickHouse has no transactions, so both stay on a
SQLite or PostgreSQL database; the commands and panels say so in one line instead of failing
midway.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import Engine

from app.core.backends import backend_for


def unsupported_reason(engine: Engine, feature: str) -> str | None:
    """None when `feature` ("Messages", "Destinations") works on this database, else why not."""
    backend = backend_for(engine)
    if not backend.appends_only:
        return None
    return (f"{feature} keep a delivery ledger that needs transactions, which {backend.label} does not "
            "have: run them on a SQLite or PostgreSQL database (the events can stay in ClickHouse)")


#: An HTTP header name (RFC 9110's token): what a destination's or a campaign's `headers` may use.
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def server_of(url: str) -> str:
    """The server a destination's URL names (scheme, host, port), without the user, password,
    path or query: error lines and the stored last error showed the whole URL, and those parts
    often hold the secret (a password, a token in a hook's path or query)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "the destination's server"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")
