"""Time zones by IANA name: the machine's own, and the lookup every query makes.

Its own module because both the query model (checking a spec's `timezone`) and the time
arithmetic (app.query.timerange, which builds on the model) need it.
"""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.query.errors import QueryError


@functools.lru_cache(maxsize=1)
def default_zone_name() -> str:
    """The machine's IANA zone (tzlocal honours $TZ), or UTC when it cannot be told.

    Looked up once per process: every query without a `timezone` asks for it."""
    try:
        import tzlocal

        name = tzlocal.get_localzone_name()
    except Exception:  # tzlocal raises on broken /etc/localtime; UTC is the safe answer
        name = None
    if not name:
        return "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def zone_info(name: str | None, path: str = "timezone") -> ZoneInfo:
    """The ZoneInfo for an IANA name (None: the machine's zone); QueryError if unknown."""
    name = name or default_zone_name()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise QueryError(f"{path}: unknown time zone {name!r} (use an IANA name like 'Europe/Berlin')") from None
