"""The oracle for retention (docs/query.md "Retention"), birth by birth in plain Python."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from typing import Any

from app.query.model import Filter, parse_query
from app.query.reference.common import Dataset, Event, code_points, display, event_matches, lookup
from app.query.runners.retention import (
    ANY_EVENT,
    Cohorts,
    RetentionEvent,
    RetentionQuery,
    average_row,
    cohort_rows,
    retention_header,
)
from app.query.timerange import today
from app.query.zones import zone_info

Birth = tuple[str, Event, int]  # person, birth event, cohort index


def births(data: Dataset, q: RetentionQuery, now: dt.datetime, people: Any = None
           ) -> tuple[Cohorts, list[Birth], dict[str, list[Event]]]:
    """(cohorts, every birth in the range, person -> events by time)."""
    cohorts = Cohorts.of(q, now)
    day = today(zone_info(q.timezone), now)
    period = cohorts.period

    def match(f: Filter, r: Event) -> bool:
        return event_matches(f, r, data, day, people, q.timezone, now)

    def qualifies(r: Event, which: RetentionEvent) -> bool:
        named = r.event is not None if which.event == ANY_EVENT else r.event == which.event
        return named and all(match(f, r) for f in q.where) and all(match(f, r) for f in which.where)

    per_person: dict[str, list[Event]] = {}
    for r in sorted(data.events, key=lambda e: (e.ts, e.id)):
        per_person.setdefault(r.person, []).append(r)
    out: list[Birth] = []
    for person, rows in per_person.items():
        starts = [r for r in rows if qualifies(r, q.start)]
        if q.mode == "first_time":
            starts = starts[:1]
        seen: set[int] = set()
        for r in starts:
            if not period.start_ms <= r.ts < period.end_ms:
                continue
            i = cohorts.index_of_ms(r.ts)
            if i not in seen:
                seen.add(i)
                out.append((person, r, i))
    returns = {person: [r for r in rows if qualifies(r, q.returning)] for person, rows in per_person.items()}
    return cohorts, out, returns


def retained(q: RetentionQuery, cohorts: Cohorts, birth: Event, returns: list[Event], n: int) -> bool:
    lo = birth.ts + n * cohorts.period_ms
    hi = lo + cohorts.period_ms
    return any(r.ts > birth.ts and r.ts >= lo and (q.bracket == "on_or_after" or r.ts < hi) for r in returns)


def _table(q: RetentionQuery, cohorts: Cohorts, group: list[Birth], returns: dict[str, list[Event]]
           ) -> list[dict[str, Any]]:
    size = len(cohorts.buckets)
    sizes = [0] * size
    counts = [[0] * q.periods for _ in range(size)]
    for person, event, i in group:
        sizes[i] += 1
        for n in range(q.periods):
            counts[i][n] += retained(q, cohorts, event, returns[person], n)
    return cohort_rows(cohorts, sizes, counts)


def retention(data: Dataset, spec: Mapping[str, Any], now: dt.datetime, people: Any = None) -> dict[str, Any]:
    """The retention result; `people` (reference.users.load_people) for person-level filters."""
    q = parse_query(spec)
    assert isinstance(q, RetentionQuery)
    cohorts, found, returns = births(data, q, now, people)
    result = retention_header(q, cohorts)
    result["cohorts"] = _table(q, cohorts, found, returns)
    result["average"] = average_row(result["cohorts"], q.periods)
    result["breakdown"] = []
    b = q.breakdown
    if b is None:
        return result
    groups = [display(lookup(event, data, b.target, b.name)[0]) for _, event, _ in found]
    counter = Counter(groups)
    tops = sorted(counter, key=lambda g: (-counter[g], g is None, code_points(g or "")))[: q.limit]
    for g in tops:
        rows = _table(q, cohorts, [x for x, gx in zip(found, groups, strict=True) if gx == g], returns)
        result["breakdown"].append({"group": g, "other": False, "cohorts": rows,
                                    "average": average_row(rows, q.periods)})
    rest = [x for x, gx in zip(found, groups, strict=True) if gx not in tops]
    if rest:
        rows = _table(q, cohorts, rest, returns)
        result["breakdown"].append({"group": "Other", "other": True, "cohorts": rows,
                                    "average": average_row(rows, q.periods)})
    return result


def retention_people(data: Dataset, q: RetentionQuery, now: dt.datetime, cohort: int | None, n: int,
                     status: str, people: Any = None) -> set[str]:
    """Persons with a birth (in cohort index `cohort`, or any) retained, or not, in period n."""
    cohorts, found, returns = births(data, q, now, people)
    return {person for person, event, i in found
            if (cohort is None or i == cohort)
            and retained(q, cohorts, event, returns[person], n) == (status == "retained")}
