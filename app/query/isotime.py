"""ISO-8601 UTC text of stored epoch-millisecond times, for every value a database may hold.

Ingestion keeps times within sane years, but a database may hold rows written by older
versions or other tools: year 12025, year -7973, or a UTC moment past 9999-12-31. Python's
datetime stops at years 1-9999 (`fromtimestamp` raises), so the readers format times with
integer calendar arithmetic instead: years 0-9999 print as usual, others in ISO 8601's
expanded form with a sign and six digits (`+012025-01-01T00:00:00.000Z`, as JavaScript's
Date does), so every reader shows the stored moment and none raises.
"""

from __future__ import annotations

import math
from typing import Any

DAY_MS = 86_400_000


def civil_from_days(days: int) -> tuple[int, int, int]:
    """(year, month, day) of a day number since 1970-01-01 in the proleptic Gregorian calendar
    (astronomical years: 0 is 1 BC). Howard Hinnant's algorithm, exact for any integer."""
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


def iso_utc_ms(ms: int) -> str:
    """Epoch ms as ISO-8601 UTC with milliseconds, e.g. 2026-11-01T12:00:00.000Z."""
    days, rest = divmod(ms, DAY_MS)
    year, month, day = civil_from_days(days)
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    text = f"{year:04d}" if 0 <= year <= 9999 else f"{'+' if year > 0 else '-'}{abs(year):06d}"
    return f"{text}-{month:02d}-{day:02d}T{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}Z"


def iso_utc(value: Any) -> str | None:
    """A stored time as ISO-8601 UTC; None stays None. Never raises: a value that is not a
    number at all (another tool's text in an integer column) is shown as it is."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = int(value)
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        value = int(value)
    return iso_utc_ms(value)


def as_ms(value: Any) -> int | None:
    """A stored time as an int for JSON results (`ts` fields); None when it is not a number."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) else None
