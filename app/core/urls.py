"""Reading database URLs without tracebacks (below the backends, which rewrite URLs too)."""

from __future__ import annotations

from sqlalchemy import make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError


def parse_url(url: str) -> URL | None:
    """SQLAlchemy's parts of `url`; None when it is not a URL (SQLAlchemy raises ArgumentError,
    or a bare ValueError for a port that is not a number)."""
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        return None
