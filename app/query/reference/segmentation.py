"""The oracle for segmentation queries (see docs/query.md for the semantics)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from app.query.model import SegmentationQuery, parse_query
from app.query.reference.common import Dataset, Event, code_points, display, lookup, matches, number
from app.query.runners.segmentation import ALL_EVENTS, TOP_EVENTS, round_number
from app.query.timerange import Bucketing, previous_period, resolve_range, today
from app.query.zones import zone_info

Key = tuple[str, str | None, bool]


def segmentation(data: Dataset, spec: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    q = parse_query(spec)
    assert isinstance(q, SegmentationQuery)
    zone = zone_info(q.timezone)
    period = resolve_range(q.range, zone, now)
    buckets = Bucketing.build(period, q.unit)
    day = today(zone, now)

    def rows_in(b: Bucketing) -> list[Event]:
        return [r for r in data.events
                if r.event is not None and b.period.start_ms <= r.ts < b.period.end_ms
                and all(matches(f, r, data, day) for f in q.where)]

    current_rows = rows_in(buckets)
    if q.events:
        names = list(q.events)
    else:
        counts = Counter(r.event for r in current_rows if r.event is not None)
        names = sorted(counts, key=lambda e: (-counts[e], code_points(e)))[:TOP_EVENTS]

    def labels(r: Event) -> list[str]:
        """The series names a row counts for: its event, and $all_events when asked."""
        out = [r.event] if r.event in names and r.event != ALL_EVENTS else []
        return out + ([ALL_EVENTS] if ALL_EVENTS in names else [])

    def group_of(r: Event) -> str | None:
        assert q.breakdown is not None
        value, _ = lookup(r, data, q.breakdown.target, q.breakdown.name)
        return display(value)

    tops: dict[str, list[str | None]] = {}
    if q.breakdown is not None:
        per_event: dict[str, Counter[str | None]] = defaultdict(Counter)
        for r in current_rows:
            for label in labels(r):
                per_event[label][group_of(r)] += 1
        for event, counter in per_event.items():
            ranked = sorted(counter, key=lambda g: (-counter[g], g is None, code_points(g or "")))
            tops[event] = ranked[: q.limit]

    def key_of(r: Event, label: str) -> Key:
        if q.breakdown is None:
            return (label, None, False)
        g = group_of(r)
        return (label, g, False) if g in tops.get(label, []) else (label, None, True)

    def series(b: Bucketing, rows: list[Event], order: list[Key] | None) -> list[dict[str, Any]]:
        width = len(buckets)
        per: dict[Key, list[list[Event]]] = {}
        for r in rows:
            pos = b.position_of_ms(r.ts)
            assert pos is not None
            if pos >= width:
                continue
            for label in labels(r):
                per.setdefault(key_of(r, label), [[] for _ in range(width)])[pos].append(r)
        kind = q.measure.kind
        zero: Any = 0 if kind in ("total", "unique") else 0.0

        def measure(group: list[Event], present: bool) -> Any:
            if kind == "total":
                return len(group)
            if kind == "unique":
                return len({r.person for r in group})
            assert q.measure.property is not None
            nums = [n for r in group if (n := number(lookup(r, data, "property", q.measure.property)[0])) is not None]
            if kind == "sum":
                return round_number(sum(nums)) if present else zero
            if not nums:
                return 0.0
            if kind == "avg":
                return round_number(sum(nums) / len(nums))
            return round_number(statistics.median(nums))

        keys: list[Key] = []
        for event in names:
            if q.breakdown is None:
                keys.append((event, None, False))
                continue
            keys += [(event, g, False) for g in tops.get(event, []) if (event, g, False) in per]
            if (event, None, True) in per:
                keys.append((event, None, True))
        if order is not None:
            keys = list(order) + [k for k in keys if k not in order]
        out = []
        for key in keys:
            cells = per.get(key)
            values = [measure(c, True) if c else zero for c in cells] if cells else [zero] * width
            everything = [r for c in cells for r in c] if cells else []
            out.append({"event": key[0], "group": "Other" if key[2] else key[1], "other": key[2],
                        "previous": order is not None, "values": values,
                        "total": measure(everything, True) if everything else zero})
        return out

    current = series(buckets, current_rows, None) if names else []
    result: dict[str, Any] = {
        "buckets": buckets.labels, "series": current, "unit": q.unit, "timezone": zone.key,
        "range": {"from": period.first_day.isoformat(), "to": period.last_day.isoformat()},
    }
    if q.compare_previous:
        prev = Bucketing.build(previous_period(period, q.unit), q.unit)
        order = [(s["event"], s["group"] if not s["other"] else None, s["other"]) for s in current]
        result["series"] = current + (series(prev, rows_in(prev), order) if names else [])
        result["previous"] = {"buckets": prev.labels, "from": prev.period.first_day.isoformat(),
                              "to": prev.period.last_day.isoformat()}
    return result
