"""The oracle for funnels (docs/query.md "Funnel"), person by person in plain Python."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Mapping
from typing import Any

from app.query.model import Filter, parse_query
from app.query.reference.common import Dataset, Event, code_points, display, event_matches, lookup
from app.query.runners.funnel_base import FunnelQuery, rate, seconds, step_results
from app.query.runners.funnel_time_to_convert import bin_bounds, bin_count
from app.query.timerange import Bucketing, resolve_range, today
from app.query.zones import zone_info

Path = list[int | None]  # the ts matched for each step, None where not reached


def funnel_paths(data: Dataset, q: FunnelQuery, now: dt.datetime, people: Any = None
                 ) -> dict[str, tuple[Event, Path]]:
    """person -> (entry event, matched times per step) for every person who entered."""
    zone = zone_info(q.timezone)
    period = resolve_range(q.range, zone, now)
    day = today(zone, now)
    window = q.window.ms

    def match(f: Filter, r: Event) -> bool:
        return event_matches(f, r, data, day, people, q.timezone, now)

    def qualifies(r: Event, k: int) -> bool:
        step = q.steps[k]
        return (r.event == step.event and all(match(f, r) for f in q.where)
                and all(match(f, r) for f in step.where))

    def held(r: Event) -> str | None:
        return display(lookup(r, data, "property", q.hold)[0]) if q.hold is not None else None

    def excluded(rows: list[Event], entry: Event, path: Path) -> bool:
        for x in q.exclusions:
            after, before = path[x.from_step - 1], path[x.to_step - 1]
            if after is None:
                continue
            for r in rows:
                inside = r.ts < before if before is not None else r.ts <= entry.ts + window
                if r.event == x.event and r.ts > after and inside and all(match(f, r) for f in x.where):
                    return True
        return False

    per_person: dict[str, list[Event]] = {}
    for r in sorted(data.events, key=lambda e: (e.ts, e.id)):
        per_person.setdefault(r.person, []).append(r)
    out: dict[str, tuple[Event, Path]] = {}
    for person, rows in per_person.items():
        opens = range(len(q.steps)) if q.order == "any" else range(1)
        entry = next((r for r in rows if period.start_ms <= r.ts < period.end_ms
                      and any(qualifies(r, j) for j in opens)), None)
        if entry is None:
            continue
        hold = held(entry)
        if q.order == "any":
            # each step's first event in [entry, entry + window]; the k-th of those times is t_k
            firsts = sorted(min(found) for j in range(len(q.steps)) if (found := [
                r.ts for r in rows if entry.ts <= r.ts <= entry.ts + window and qualifies(r, j)
                and (q.hold is None or (hold is not None and held(r) == hold))]))
            out[person] = (entry, [entry.ts, *(firsts[k] if k < len(firsts) else None
                                               for k in range(1, len(q.steps)))])
            continue
        tracked = [r for r in rows if any(qualifies(r, j) for j in range(len(q.steps)))]
        path: Path = [entry.ts]
        for k in range(1, len(q.steps)):
            prev = path[-1]
            hit = None
            if prev is not None and q.order == "strict":
                # the very next step event (by ts, then id) must be this step's, within the window
                nxt = next((r for r in tracked if r.ts > prev), None)
                if nxt is not None and nxt.ts <= entry.ts + window and qualifies(nxt, k) \
                        and (q.hold is None or (hold is not None and held(nxt) == hold)):
                    hit = nxt.ts
            elif prev is not None:
                hit = next((r.ts for r in rows if prev < r.ts <= entry.ts + window and qualifies(r, k)
                            and (q.hold is None or (hold is not None and held(r) == hold))), None)
            path.append(hit)
        if not excluded(rows, entry, path):
            out[person] = (entry, path)
    return out


def _steps(q: FunnelQuery, paths: list[Path]) -> list[dict[str, Any]]:
    n = len(q.steps)
    counts = [sum(1 for p in paths if p[k] is not None) for k in range(n)]
    sums: list[int | None] = [None]
    medians: list[Any] = [None]
    for k in range(1, n):
        diffs = [p[k] - p[k - 1] for p in paths if p[k] is not None]  # type: ignore[operator]
        sums.append(sum(diffs) if diffs else None)
        medians.append(statistics.median(diffs) if diffs else None)
    return step_results(q, counts, sums, medians)


def funnel(data: Dataset, spec: Mapping[str, Any], now: dt.datetime, people: Any = None) -> dict[str, Any]:
    """The funnel result; `people` (reference.users.load_people) is needed for cohort, did and
    funnel filters in `where`."""
    q = parse_query(spec)
    assert isinstance(q, FunnelQuery)
    zone = zone_info(q.timezone)
    period = resolve_range(q.range, zone, now)
    found = funnel_paths(data, q, now, people)
    result: dict[str, Any] = {
        "view": q.view, "timezone": zone.key,
        "range": {"from": period.first_day.isoformat(), "to": period.last_day.isoformat()},
        "window_seconds": q.window.ms // 1000,
    }
    paths = [p for _, p in found.values()]
    n = len(q.steps)
    b = q.breakdown
    groups: dict[str, str | None] = {}
    tops: list[str | None] = []
    if b is not None:
        groups = {person: display(lookup(entry, data, b.target, b.name)[0]) for person, (entry, _) in found.items()}
        counter = Counter(groups.values())
        tops = sorted(counter, key=lambda g: (-counter[g], g is None, code_points(g or "")))[: q.limit]

    def by_group() -> list[tuple[dict[str, Any], list[Path]]]:
        """(label, paths) per top group in rank order, then Other when anyone is left."""
        if b is None:
            return []
        out = [({"group": g, "other": False}, [found[p][1] for p in found if groups[p] == g]) for g in tops]
        rest = [found[p][1] for p in found if groups[p] not in tops]
        if rest:
            out.append(({"group": "Other", "other": True}, rest))
        return out

    if q.view == "trends":
        buckets = Bucketing.build(period, q.unit)

        def series(group_paths: list[Path]) -> dict[str, Any]:
            entered = [0] * len(buckets)
            converted = [0] * len(buckets)
            for p in group_paths:
                pos = buckets.position_of_ms(p[0])  # type: ignore[arg-type]
                assert pos is not None
                entered[pos] += 1
                converted[pos] += p[-1] is not None
            return {"entered": entered, "converted": converted,
                    "rates": [rate(c, e) for c, e in zip(converted, entered, strict=True)],
                    "total": {"entered": sum(entered), "converted": sum(converted),
                              "rate": rate(sum(converted), sum(entered))}}

        result.update({"unit": q.unit, "buckets": buckets.labels, **series(paths),
                       "breakdown": [{**label, **series(ps)} for label, ps in by_group()]})
        return result
    if q.view == "time_to_convert":
        times = [p[-1] - p[0] for p in paths if p[-1] is not None]  # type: ignore[operator]
        if not times:
            result.update({"converted": 0, "median_seconds": None, "avg_seconds": None, "bins": [],
                           "breakdown": []})
            return result
        lo, hi = min(times), max(times)
        bounds = bin_bounds(lo, hi, bin_count(q.bins, lo, hi))

        def figures(ts: list[int]) -> dict[str, Any]:
            return {"converted": len(ts), "median_seconds": seconds(statistics.median(ts)),
                    "avg_seconds": seconds(sum(ts) / len(ts)),
                    "bins": [{"from_seconds": seconds(a), "to_seconds": seconds(b),
                              "count": sum(1 for t in ts if a <= t < b)} for a, b in bounds]}

        converters = [(label, [p[-1] - p[0] for p in ps if p[-1] is not None])  # type: ignore[operator]
                      for label, ps in by_group()]
        result.update({**figures(times),
                       "breakdown": [{**label, **figures(ts)} for label, ts in converters if ts]})
        return result
    result["steps"] = _steps(q, paths)
    result["breakdown"] = [{**label, "steps": _steps(q, ps)} for label, ps in by_group()]
    assert n == len(result["steps"])
    return result


def funnel_people(data: Dataset, q: FunnelQuery, now: dt.datetime, step: int, status: str,
                  people: Any = None, group: tuple[str | None, ...] = (), other: bool = False) -> set[str]:
    """Persons who reached `step` (1-based), or reached it and not the next one (only in the
    breakdown group `group[0]`, or outside the top values with `other`)."""
    out = set()
    found = funnel_paths(data, q, now, people)
    if group or other:
        b = q.breakdown
        assert b is not None
        groups = {person: display(lookup(entry, data, b.target, b.name)[0]) for person, (entry, _) in found.items()}
        counter = Counter(groups.values())
        tops = sorted(counter, key=lambda g: (-counter[g], g is None, code_points(g or "")))[: q.limit]
        found = {p: v for p, v in found.items()
                 if (groups[p] == group[0] if group else groups[p] not in tops)}
    for person, (_, path) in found.items():
        if path[step - 1] is None:
            continue
        if status == "dropped" and step < len(path) and path[step] is not None:
            continue
        if status == "dropped" and step == len(path):
            continue
        out.add(person)
    return out
