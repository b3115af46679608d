"""Ranges, zones and buckets: local calendar units, correct across daylight-saving changes."""

from __future__ import annotations

import datetime as dt

import pytest
import tzlocal

from app.query import QueryError, QueryTooLarge
from app.query.model import Range
from app.query.timerange import Bucketing, Period, offset_segments, previous_period, resolve_range
from app.query.zones import default_zone_name, zone_info

BERLIN = zone_info("Europe/Berlin")
NOW = dt.datetime(2026, 11, 4, 23, 30, tzinfo=dt.UTC)  # already Nov 5 in Berlin


def test_relative_ranges_end_today_in_the_query_zone() -> None:
    days = resolve_range(Range(last=7, unit="day"), BERLIN, NOW)
    assert (days.first_day, days.last_day) == (dt.date(2026, 10, 30), dt.date(2026, 11, 5))
    weeks = resolve_range(Range(last=2, unit="week"), BERLIN, NOW)
    assert (weeks.first_day, weeks.last_day) == (dt.date(2026, 10, 26), dt.date(2026, 11, 5))  # Mondays
    months = resolve_range(Range(last=3, unit="month"), BERLIN, NOW)
    assert (months.first_day, months.last_day) == (dt.date(2026, 9, 1), dt.date(2026, 11, 5))
    utc = resolve_range(Range(last=1, unit="day"), zone_info("UTC"), NOW)
    assert utc.first_day == dt.date(2026, 11, 4)


def test_offset_changes_are_found_to_the_second() -> None:
    period = Period.of_days(dt.date(2026, 3, 28), dt.date(2026, 11, 1), BERLIN)
    assert offset_segments(period) == [
        (period.start_ms, 3_600_000),
        (int(dt.datetime(2026, 3, 29, 1, tzinfo=dt.UTC).timestamp() * 1000), 7_200_000),
        (int(dt.datetime(2026, 10, 25, 1, tzinfo=dt.UTC).timestamp() * 1000), 3_600_000),
    ]


def test_day_buckets_never_duplicate_or_skip_a_day() -> None:
    for zone in ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Sao_Paulo", "Asia/Kolkata"):
        period = Period.of_days(dt.date(2026, 1, 1), dt.date(2026, 12, 31), zone_info(zone))
        days = Bucketing.build(period, "day")
        assert len(days) == 365
        assert [lbl[:10] for lbl in days.labels] == [(dt.date(2026, 1, 1) + dt.timedelta(d)).isoformat()
                                                   for d in range(365)]
        assert len(set(days.keys)) == 365 and days.keys == tuple(sorted(days.keys))


def test_hour_buckets_are_real_hours_and_keys_are_unique() -> None:
    fall = Bucketing.build(Period.of_days(dt.date(2026, 10, 25), dt.date(2026, 10, 25), BERLIN), "hour")
    spring = Bucketing.build(Period.of_days(dt.date(2026, 3, 29), dt.date(2026, 3, 29), BERLIN), "hour")
    assert (len(fall), len(spring)) == (25, 23)
    assert len(set(fall.keys)) == 25
    kolkata = Bucketing.build(Period.of_days(dt.date(2026, 5, 1), dt.date(2026, 5, 1), zone_info("Asia/Kolkata")),
                              "hour")
    assert kolkata.labels[1] == "2026-05-01T01:00:00+05:30"


def test_previous_periods_keep_the_bucket_structure() -> None:
    sept = Period.of_days(dt.date(2026, 9, 1), dt.date(2026, 9, 30), BERLIN)
    assert (previous_period(sept, "day").first_day, previous_period(sept, "day").last_day) == (
        dt.date(2026, 8, 2), dt.date(2026, 8, 31))
    assert (previous_period(sept, "month").first_day, previous_period(sept, "month").last_day) == (
        dt.date(2026, 8, 1), dt.date(2026, 8, 31))
    weeks = previous_period(sept, "week")
    assert len(Bucketing.build(weeks, "week")) == len(Bucketing.build(sept, "week")) == 5
    part = Period.of_days(dt.date(2026, 3, 15), dt.date(2026, 4, 10), BERLIN)
    prev = previous_period(part, "month")
    assert (prev.first_day, prev.last_day) == (dt.date(2026, 1, 15), dt.date(2026, 2, 10))


def test_default_zone_follows_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    default_zone_name.cache_clear()
    monkeypatch.setenv("TZ", "America/New_York")
    tzlocal.reload_localzone()  # tzlocal caches the zone too
    try:
        assert default_zone_name() == "America/New_York"
        assert zone_info(None).key == "America/New_York"
    finally:
        monkeypatch.undo()
        tzlocal.reload_localzone()
        default_zone_name.cache_clear()


def test_too_many_buckets_is_a_query_error() -> None:
    period = Period.of_days(dt.date(2020, 1, 1), dt.date(2026, 1, 1), BERLIN)
    with pytest.raises(QueryTooLarge, match=r"^too large: the range has more than 10,000 hour buckets"):
        Bucketing.build(period, "hour")
    assert issubclass(QueryTooLarge, QueryError)


# Zones with daylight saving (northern and southern), half-hour and 45-minute offsets, a
# 30-minute DST shift (Lord Howe), a skipped day (Apia, 2011-12-30) and a sub-minute offset
# (Monrovia until 1972).
_ODD_ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu",
              "America/St_Johns", "Pacific/Apia", "Africa/Monrovia", "Australia/Adelaide"]
_ODD_RANGES = [(dt.date(2026, 3, 20), dt.date(2026, 4, 12)), (dt.date(2026, 10, 20), dt.date(2026, 11, 8)),
               (dt.date(2011, 12, 26), dt.date(2012, 1, 3)), (dt.date(1971, 12, 25), dt.date(1972, 1, 20))]


@pytest.mark.parametrize("zone_name", _ODD_ZONES)
@pytest.mark.parametrize("unit", ["hour", "day", "week", "month"])
def test_bucket_keys_and_labels_are_each_starts_local_time(zone_name: str, unit: str) -> None:
    """Keys and labels come from the period's offset segments; each must equal what zoneinfo
    says about that bucket's first instant, across offset changes and odd offsets."""
    zone = zone_info(zone_name)
    for first, last in _ODD_RANGES:
        b = Bucketing.build(Period.of_days(first, last, zone), unit)
        local = [dt.datetime.fromtimestamp(s // 1000, tz=dt.UTC).astimezone(zone) for s in b.starts]
        assert b.labels == [moment.isoformat() for moment in local]
        if unit == "month":
            assert b.keys == tuple(range(len(b.starts)))
            continue
        for s, moment, key in zip(b.starts, local, b.keys, strict=True):
            offset = int(moment.utcoffset().total_seconds()) * 1000  # type: ignore[union-attr]
            days = (moment.date() - dt.date(1970, 1, 1)).days
            expected = {"hour": (s + offset % 3_600_000) // 3_600_000, "day": days, "week": (days + 3) // 7}[unit]
            assert key == expected, (zone_name, unit, moment)
