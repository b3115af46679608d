"""Local TCP ports for the servers tests start (collectors, PostgreSQL, receivers)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listened on a moment ago (the OS picks it), for a server
    that must be told its port before it starts: another process may still take it meanwhile."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
