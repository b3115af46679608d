"""Date ranges, time zones and time buckets, as UTC epoch milliseconds.

Events store `ts` as integer ms since the epoch (UTC). A bucket is a local calendar unit
(hour, day, week starting Monday, month) of the query's IANA zone. We compute every bucket
boundary here in Python with zoneinfo (so daylight-saving days have 23 or 25 hours and no day
is duplicated or missing) and hand the database a bucket *key* that is plain integer
arithmetic on `ts`: `(ts + offset) / 86400000` is the local day number, where `offset` is the
zone's UTC offset, a CASE over the few offset changes inside the range. Integer arithmetic is
identical on every dialect and measurably faster than date functions (docs/benchmarks).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, ColumnElement, case, literal

from app.query.limits import MAX_BUCKETS
from app.query.model import QueryError, QueryTooLarge, Range

UTC = dt.UTC
HOUR_MS = 3_600_000
DAY_MS = 86_400_000


def local_midnight_ms(day: dt.date, zone: ZoneInfo) -> int:
    """The first instant of a local date, in epoch ms.

    zoneinfo maps a wall time inside a spring-forward gap with fold=0 to the pre-transition
    offset, which lands exactly on the transition: the day's real first instant.
    """
    return to_ms(dt.datetime(day.year, day.month, day.day, tzinfo=zone))


def to_ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000) if moment.microsecond % 1000 else int(moment.timestamp()) * 1000


def from_ms(ms: int, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(zone)


def offset_ms(ms: int, zone: ZoneInfo) -> int:
    """The zone's UTC offset at an instant, in ms."""
    off = dt.datetime.fromtimestamp(ms // 1000, tz=UTC).astimezone(zone).utcoffset()
    assert off is not None
    return int(off.total_seconds()) * 1000


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (negative: earlier), clamped to the month's length."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, _month_length(year, month)))


def _month_length(year: int, month: int) -> int:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - dt.timedelta(days=1)).day


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class Period:
    """Local dates [first_day, last_day] of one zone, and the instants [start_ms, end_ms)."""

    zone: ZoneInfo
    first_day: dt.date
    last_day: dt.date
    start_ms: int
    end_ms: int

    @property
    def zone_name(self) -> str:
        return self.zone.key

    @classmethod
    def of_days(cls, first: dt.date, last: dt.date, zone: ZoneInfo) -> Period:
        return cls(zone, first, last, local_midnight_ms(first, zone),
                   local_midnight_ms(last + dt.timedelta(days=1), zone))

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def today(zone: ZoneInfo, now: dt.datetime | None = None) -> dt.date:
    moment = now if now is not None else dt.datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date()


def resolve_range(rng: Range, zone: ZoneInfo, now: dt.datetime | None = None) -> Period:
    """Turn a Range into concrete local dates and instants.

    `last N day` = today and the N-1 days before it; `last N week` = from the Monday N-1 weeks
    before this week's Monday to today; `last N month` = from the 1st of the month N-1 months
    back to today. Today is the zone's current date.
    """
    if rng.last is None:
        assert rng.start is not None and rng.end is not None
        return Period.of_days(rng.start, rng.end, zone)
    end = today(zone, now)
    try:
        if rng.unit == "day":
            start = end - dt.timedelta(days=rng.last - 1)
        elif rng.unit == "week":
            start = monday(end) - dt.timedelta(weeks=rng.last - 1)
        else:
            start = add_months(end.replace(day=1), -(rng.last - 1))
    except (ValueError, OverflowError):  # before year 1
        start = dt.date.min
    if start.year < 1971:
        raise QueryError("range: starts before 1971")
    return Period.of_days(start, end, zone)


def previous_period(period: Period, unit: str) -> Period:
    """The period just before, of equal length in the bucket unit (compare_previous).

    Days and hours shift by the range's number of days; weeks by whole weeks and months by
    whole months, so the previous series has the same bucket structure as the current one.
    """
    if unit in ("day", "hour"):
        shift = dt.timedelta(days=period.days)
        return Period.of_days(period.first_day - shift, period.last_day - shift, period.zone)
    if unit == "week":
        weeks = (monday(period.last_day) - monday(period.first_day)).days // 7 + 1
        shift = dt.timedelta(weeks=weeks)
        return Period.of_days(period.first_day - shift, period.last_day - shift, period.zone)
    first, last = period.first_day, period.last_day
    months = (last.year * 12 + last.month) - (first.year * 12 + first.month) + 1
    prev_first = add_months(first, -months)
    month_end = last.day == _month_length(last.year, last.month)
    prev_last = add_months(last, -months)
    if month_end:
        prev_last = prev_last.replace(day=_month_length(prev_last.year, prev_last.month))
    return Period.of_days(prev_first, prev_last, period.zone)


def offset_segments(period: Period) -> list[tuple[int, int]]:
    """[(from_ms, offset_ms), ...]: the zone's UTC offset from each instant on, over the period.

    Offsets are sampled at every local midnight (and the end); where two samples differ we
    binary-search the exact second of the change.
    """
    zone = period.zone
    points = [period.start_ms]
    day = period.first_day
    while day <= period.last_day:
        day += dt.timedelta(days=1)
        points.append(local_midnight_ms(day, zone))
    segments = [(period.start_ms, offset_ms(period.start_ms, zone))]
    for lo, hi in itertools.pairwise(points):
        before = segments[-1][1]
        after = offset_ms(hi - 1000, zone)
        if after == before:
            continue
        # offset(lo_s) == before, offset(hi_s) == after. Past the first point the change may be
        # at `lo` itself (a change at a local midnight: the previous pair saw the old offset
        # up to lo - 1 s), so the search starts a second earlier.
        lo_s, hi_s = (lo if lo == period.start_ms else lo - 1000) // 1000, (hi - 1000) // 1000
        while hi_s - lo_s > 1:
            mid = (lo_s + hi_s) // 2
            if offset_ms(mid * 1000, zone) == before:
                lo_s = mid
            else:
                hi_s = mid
        segments.append((hi_s * 1000, after))
    return segments


def _offset_expr(ts: ColumnElement[int], segments: Sequence[tuple[int, int]]) -> ColumnElement[int]:
    if len(segments) == 1:
        return literal(segments[0][1], BigInteger)
    whens = [(ts < literal(start, BigInteger), literal(off, BigInteger))
             for (_, off), (start, _) in itertools.pairwise(segments)]
    return case(*whens, else_=literal(segments[-1][1], BigInteger))


@dataclass(frozen=True)
class Bucketing:
    """The buckets of a period in one unit: start instants, labels, and the SQL key for `ts`.

    The first week/month bucket may start before the period (its label is still the natural
    Monday / 1st); rows outside [period.start_ms, period.end_ms) are filtered out by the caller.
    """

    unit: str
    period: Period
    starts: tuple[int, ...]
    keys: tuple[int, ...]
    segments: tuple[tuple[int, int], ...]

    @classmethod
    def build(cls, period: Period, unit: str) -> Bucketing:
        zone = period.zone
        segments = tuple(offset_segments(period))
        starts: list[int] = []
        if unit == "hour":
            ms = period.start_ms
            while ms < period.end_ms:
                starts.append(ms)
                ms += HOUR_MS
                if len(starts) > MAX_BUCKETS:
                    break
        else:
            if unit == "day":
                day = period.first_day
            elif unit == "week":
                day = monday(period.first_day)
            elif unit == "month":
                day = period.first_day.replace(day=1)
            else:
                raise QueryError(f"unit must be hour, day, week or month; got {unit!r}")
            while day <= period.last_day:
                starts.append(local_midnight_ms(day, zone))
                if unit == "day":
                    day += dt.timedelta(days=1)
                elif unit == "week":
                    day += dt.timedelta(weeks=1)
                else:
                    day = add_months(day, 1)
                if len(starts) > MAX_BUCKETS:
                    break
        if len(starts) > MAX_BUCKETS:
            raise QueryTooLarge(f"the range has more than {MAX_BUCKETS:,} {unit} buckets; use a larger unit "
                                "or a shorter range")
        offsets = _offsets_at(starts, segments, zone)
        if unit == "month":
            keys = tuple(range(len(starts)))
        elif unit == "hour":
            keys = tuple((s + off % HOUR_MS) // HOUR_MS for s, off in zip(starts, offsets, strict=True))
        elif unit == "day":
            keys = tuple((s + off) // DAY_MS for s, off in zip(starts, offsets, strict=True))
        else:
            keys = tuple(((s + off) // DAY_MS + 3) // 7 for s, off in zip(starts, offsets, strict=True))
        return cls(unit, period, tuple(starts), keys, segments)

    @property
    def labels(self) -> list[str]:
        """Each bucket's start in ISO-8601 local time with the zone's offset at that instant (e.g.
        2026-09-01T00:00:00+02:00), from the period's offset segments: converting each start
        through zoneinfo took 0.25 ms of a 2 ms query (168 hourly buckets)."""
        offsets = _offsets_at(self.starts, self.segments, self.period.zone)
        suffixes: dict[int, str] = {}
        out = []
        for s, off in zip(self.starts, offsets, strict=True):
            suffix = suffixes.get(off)
            if suffix is None:
                fixed = dt.timezone(dt.timedelta(milliseconds=off))
                suffix = suffixes[off] = _NAIVE_EPOCH.replace(tzinfo=fixed).isoformat()[19:]
            out.append((_NAIVE_EPOCH + dt.timedelta(seconds=s // 1000 + off // 1000)).isoformat() + suffix)
        return out

    def __len__(self) -> int:
        return len(self.starts)

    def key_expr(self, ts: ColumnElement[int]) -> ColumnElement[int]:
        """An integer expression of `ts` equal to `keys[i]` for rows in bucket i."""
        if self.unit == "month":
            if len(self.starts) == 1:
                return literal(0, BigInteger)
            whens = [(ts < literal(s, BigInteger), literal(i, BigInteger)) for i, s in enumerate(self.starts[1:])]
            return case(*whens, else_=literal(len(self.starts) - 1, BigInteger))
        if self.unit == "hour":
            # Real hours (a fall-back day has 25), aligned to local hour marks for :30 zones.
            segments = [(start, off % HOUR_MS) for start, off in self.segments]
            merged = [segments[0]] + [s for p, s in itertools.pairwise(segments) if s[1] != p[1]]
            return (ts + _offset_expr(ts, merged)) // HOUR_MS
        local_day = (ts + _offset_expr(ts, self.segments)) // DAY_MS
        if self.unit == "day":
            return local_day
        # Epoch day 0 was a Thursday: +3 makes week numbers change on Mondays.
        return (local_day + 3) // 7

    def position_of_key(self) -> dict[int, int]:
        return {k: i for i, k in enumerate(self.keys)}

    def position_of_ms(self, ms: int) -> int | None:
        """The bucket index of an instant (Python, by boundaries; the oracle uses it)."""
        if ms < self.period.start_ms or ms >= self.period.end_ms:
            return None
        return bisect.bisect_right(self.starts, ms) - 1


_NAIVE_EPOCH = dt.datetime(1970, 1, 1)


def _offsets_at(starts: Sequence[int], segments: Sequence[tuple[int, int]], zone: ZoneInfo) -> list[int]:
    """The zone's UTC offset at each of the ascending instants `starts`, read from the period's
    offset segments (exact to the second); an instant before the period (a week's or month's
    first bucket) asks zoneinfo."""
    out: list[int] = []
    i = 0
    for s in starts:
        if s < segments[0][0]:
            out.append(offset_ms(s, zone))
            continue
        while i + 1 < len(segments) and segments[i + 1][0] <= s:
            i += 1
        out.append(segments[i][1])
    return out


def incomplete_bucket(buckets: Sequence[str], unit: str, zone_name: str, last_day: dt.date | str | None = None,
                      now: dt.datetime | None = None) -> int | None:
    """The index of the bucket still in progress at `now` (its numbers will still grow), or None.

    `buckets` are a result's ISO labels (local starts with their offset), `zone_name` the
    query's zone and `last_day` the range's last local date: a bucket ends at the next one's
    start, the last one at its natural end (next hour, midnight, Monday, 1st) or the end of
    the range, whichever comes first. A range that ended in the past has no such bucket.
    """
    if not buckets:
        return None
    zone = ZoneInfo(zone_name)
    moment = now if now is not None else dt.datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    now_ms = to_ms(moment)
    starts = [to_ms(dt.datetime.fromisoformat(label)) for label in buckets]
    if now_ms < starts[0]:
        return None
    index = bisect.bisect_right(starts, now_ms) - 1
    if index < len(starts) - 1:
        return index
    first = from_ms(starts[-1], zone).date()
    if unit == "hour":
        end = starts[-1] + HOUR_MS
    elif unit == "week":
        end = local_midnight_ms(monday(first) + dt.timedelta(weeks=1), zone)
    elif unit == "month":
        end = local_midnight_ms(add_months(first.replace(day=1), 1), zone)
    else:
        end = local_midnight_ms(first + dt.timedelta(days=1), zone)
    if last_day is not None:
        last = dt.date.fromisoformat(last_day) if isinstance(last_day, str) else last_day
        end = min(end, local_midnight_ms(last + dt.timedelta(days=1), zone))
    return index if now_ms < end else None
