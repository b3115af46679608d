"""HTTP-level failures, carried as exceptions up to one handler that renders Segment's error shape."""

from __future__ import annotations


class CollectorError(Exception):
    """A request the collector refuses; rendered as JSON `{"code", "message"}` with `status`.

    Segment's clients read `code` and `message` from error bodies and log them, so users see the
    reason in their own application's log.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class DatabaseUnavailable(Exception):
    """The database could not take the messages; nothing was committed, the client should retry."""
