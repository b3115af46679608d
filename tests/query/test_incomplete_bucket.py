"""Which bucket of a result is still in progress (drawn dashed, "incomplete" in the hover box)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from app.query.timerange import Bucketing, Period, incomplete_bucket

BERLIN = ZoneInfo("Europe/Berlin")


def labels(first: dt.date, last: dt.date, unit: str) -> list[str]:
    return Bucketing.build(Period.of_days(first, last, BERLIN), unit).labels


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_the_bucket_holding_now_in_the_query_zone() -> None:
    days = labels(dt.date(2026, 3, 23), dt.date(2026, 3, 29), "day")
    # 23:30 UTC on the 28th is already the 29th in Berlin (the DST change happens that night).
    assert incomplete_bucket(days, "day", "Europe/Berlin", "2026-03-29", at("2026-03-28T23:30:00+00:00")) == 6
    assert incomplete_bucket(days, "day", "Europe/Berlin", "2026-03-29", at("2026-03-28T22:30:00+00:00")) == 5
    # The range is over: nothing is incomplete.
    assert incomplete_bucket(days, "day", "Europe/Berlin", "2026-03-29", at("2026-03-29T22:00:00+00:00")) is None
    assert incomplete_bucket(days, "day", "Europe/Berlin", "2026-03-29", at("2026-03-01T00:00:00+00:00")) is None


def test_weeks_months_and_hours_end_at_their_natural_end_or_the_range() -> None:
    weeks = labels(dt.date(2026, 3, 1), dt.date(2026, 3, 25), "week")
    # The last week starts Monday the 23rd; the range ends Wednesday the 25th.
    assert incomplete_bucket(weeks, "week", "Europe/Berlin", "2026-03-25", at("2026-03-25T12:00:00+01:00")) \
        == len(weeks) - 1
    assert incomplete_bucket(weeks, "week", "Europe/Berlin", "2026-03-25", at("2026-03-26T12:00:00+01:00")) is None
    assert incomplete_bucket(weeks, "week", "Europe/Berlin", None, at("2026-03-26T12:00:00+01:00")) == len(weeks) - 1
    months = labels(dt.date(2026, 1, 1), dt.date(2026, 2, 10), "month")
    assert incomplete_bucket(months, "month", "Europe/Berlin", "2026-02-10", at("2026-02-10T23:59:00+01:00")) == 1
    hours = labels(dt.date(2026, 5, 4), dt.date(2026, 5, 4), "hour")
    assert incomplete_bucket(hours, "hour", "Europe/Berlin", "2026-05-04", at("2026-05-04T13:20:00+02:00")) == 13
    assert incomplete_bucket([], "day", "UTC", None, at("2026-05-04T13:20:00+00:00")) is None
