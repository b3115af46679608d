"""Segmentation: a measure of events per time bucket, per event and optional breakdown group.

Statements, all aggregated by the database:
1. (breakdown only) the top `limit` group values per event, by occurrences in the range;
2. the measure per (event, group, bucket) — groups outside the top values fold into "Other"
   in SQL, so `unique` counts a person once in Other however many small values they touched;
3. (unique/median only) the measure over the whole range per (event, group): distinct persons
   and medians do not add up across buckets;
4. with `compare_previous`, 2 and 3 again over the previous period.
With no `events`, a first statement finds the top 12 events in the range; the others bind
that list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Connection,
    FromClause,
    Integer,
    Select,
    String,
    case,
    cast,
    column,
    false,
    func,
    literal,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy import values as values_list

from app.core.migrations import opened_at
from app.core.rollups import whole_hours
from app.core.schema import ENRICHED_COLUMNS, event_hours, event_person_hours, events, person_hours, users
from app.query.errors import QueryError
from app.query.filters import FilterContext, compile_filters, needs_users, property_field
from app.query.limits import check_cells
from app.query.model import SegmentationQuery
from app.query.runner import QueryRunner, register_runner
from app.query.timerange import Bucketing, Period, previous_period, resolve_range, today
from app.query.zones import zone_info

#: How many events a segmentation without `events` shows.
TOP_EVENTS = 12
#: The most (event, value, bucket) rows fetched to fold small breakdown values in Python.
RAW_ROWS = 20_000
#: The most bound parameters a list of bucket bounds may take (SQLite allows 32,766).
BOUND_BUCKETS = 30_000
#: Ranges longer than this count an event's distinct persons by walking the rollup in person
#: order (see _event_people_from_rollup): at 10M events 30 days were faster that way, 7 slower.
LONG_RANGE_MS = 14 * 86_400_000
#: The pseudo-event name for "any analysis event".
ALL_EVENTS = "$all_events"
#: Decimal places kept for sums, averages and medians (floating-point sums may differ in the
#: last bits between databases; rounding makes both answers identical).
DECIMALS = 6

GroupKey = tuple[str, str | None, bool]  # (event, group value, is Other)
Tops = Mapping[str, Sequence[str | None]]  # event -> its top breakdown values, in rank order


def round_number(value: Any) -> float:
    """The engine's rounding of non-count measures: 6 decimals, no negative zero."""
    if value is None:
        return 0.0
    out = round(float(value), DECIMALS)
    return 0.0 if out == 0 else out


@dataclass(frozen=True)
class _Parts:
    """The pieces every statement of one run shares."""

    source: FromClause
    filters: ColumnElement[bool] | None


@register_runner
class SegmentationRunner(QueryRunner):
    query_class = SegmentationQuery
    query: SegmentationQuery

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        q = self.query
        self.zone = zone_info(q.timezone)
        self.period = resolve_range(q.range, self.zone, self.now)
        self.bucketing = Bucketing.build(self.period, q.unit)
        series = (len(q.events) or TOP_EVENTS) * (q.limit + 1 if q.breakdown is not None else 1)
        check_cells(len(self.bucketing), series * (2 if q.compare_previous else 1))
        self.previous: Bucketing | None = None
        if q.compare_previous:
            self.previous = Bucketing.build(previous_period(self.period, q.unit), q.unit)
        uses_users = needs_users(q.where) or (q.breakdown is not None and q.breakdown.target == "trait")
        self.ctx = FilterContext(self.dialect, events, users if uses_users else None, events.c.person,
                                 today(self.zone, self.now))
        source: FromClause = events.outerjoin(users, users.c.id == events.c.person) if uses_users else events
        self.parts = _Parts(source, compile_filters(q.where, self.ctx))
        self.person_filters = self._person_filters()
        self.rollup = self._rollup()

    @property
    def _event_person_rollup(self) -> bool:
        """The backend keeps `event_person_hours` and this database has it (schema 5; an older
        one opened without migrating, as `tracklens query` does, has not)."""
        return self.backend.event_person_rollup and opened_at(self.dialect) >= 5

    @property
    def _event_people_eligible(self) -> bool:
        """Unique persons of named events (or the top 12), at most broken down by a trait: a
        person's trait is the same on each of their rows, so `event_person_hours` joined to
        `users` groups them exactly as their events would."""
        q = self.query
        return (q.measure.kind == "unique" and ALL_EVENTS not in q.events and self._event_person_rollup
                and (q.breakdown is None or q.breakdown.target == "trait"))

    def _person_filters(self) -> ColumnElement[bool] | None:
        """The filters as conditions on `event_person_hours` rows (joined to `users` for traits)
        when every one is about the person (traits, cohorts, did-clauses): unique persons of named
        events then come from the rollup too. None otherwise (an event property filter)."""
        q = self.query
        if not q.where or not q.events or not self._event_people_eligible:
            return None
        t = event_person_hours
        ctx = FilterContext(self.dialect, None, users if needs_users(q.where) else None, t.c.person,
                            today(self.zone, self.now))
        try:
            return compile_filters(q.where, ctx)
        except QueryError:  # an event property: only `events` has it
            return None

    def _rollup(self) -> str | None:
        """'events' (event_hours), 'people' (person_hours) or 'event_people' (event_person_hours)
        when the hourly rollups answer this query exactly: no filters or breakdown, a count of
        events, of all active persons or of named events' persons, and every bucket edge on a
        whole UTC hour (zones with whole-hour offsets)."""
        q = self.query
        if (q.where and self.person_filters is None) or (q.breakdown is not None and not self._event_people_eligible) \
                or not self.backend.hourly_rollups or opened_at(self.dialect) < 2:  # schema 1: no rollups
            return None
        for bucketing in [self.bucketing] + ([self.previous] if self.previous else []):
            p = bucketing.period
            if not whole_hours(p.start_ms, p.end_ms, *(ms for segment in bucketing.segments for ms in segment)):
                return None
        if q.where or q.breakdown is not None:
            return "event_people"  # person-level filters or a trait breakdown of named events' uniques
        if q.measure.kind == "total":
            return "events"
        if q.measure.kind == "unique" and list(q.events) == [ALL_EVENTS]:
            return "people"
        if q.measure.kind == "unique" and ALL_EVENTS not in q.events and self._event_person_rollup:
            return "event_people"  # named events, or the top 12 (picked from event_hours)
        return None

    # ---------------------------------------------------------------- SQL pieces

    def _in_range(self, period: Period) -> list[ColumnElement[bool]]:
        conds = [events.c.ts >= literal(period.start_ms, BigInteger), events.c.ts < literal(period.end_ms, BigInteger)]
        if self.parts.filters is not None:
            conds.append(self.parts.filters)
        return conds

    def top_events_statement(self) -> Select[Any]:
        """The 12 events with the most occurrences in the range (ties by name, code-point order)."""
        if self.rollup is not None:
            t = event_hours
            total = func.sum(t.c.n).label("n")
            return (select(t.c.event, total).where(*self._hours_in(t, self.period)).group_by(t.c.event)
                    .order_by(total.desc(), self.backend.binary_order(t.c.event)).limit(TOP_EVENTS))
        n = func.count().label("n")
        return (
            select(events.c.event, n)
            .select_from(self.parts.source)
            .where(events.c.event.is_not(None), *self._in_range(self.period))
            .group_by(events.c.event)
            .order_by(n.desc(), self.backend.binary_order(events.c.event))
            .limit(TOP_EVENTS)
        )

    def every_event_statement(self, bucketing: Bucketing) -> Select[Any]:
        """Occurrences per bucket of every event, for a top-12 count off the rollups (filters,
        or a zone with fractional offsets): one pass over the range, the 12 picked in Python,
        where the top-12 statement and then the buckets would read the filtered range twice.

        Grouped by bucket first: SQLite then walks (ts) in row order for a filter on a plain
        column instead of skip-scanning the (event, ts, ...) index, whose row lookups jump
        around the table (200k demo events, `$country_code` filter: 110 ms -> 42 ms). It keeps
        the covering index where that has every column."""
        keys = [bucketing.key_expr(events.c.ts).label("b"), events.c.event.label("ev")]
        return (select(*keys, func.count().label("v")).select_from(self.parts.source)
                .where(events.c.event.is_not(None), *self._in_range(bucketing.period))
                .group_by(*(literal_column(c.name) for c in keys)).limit(literal(RAW_ROWS + 1, Integer)))

    def _counts_every_event(self) -> bool:
        q = self.query
        return not q.events and self.rollup is None and q.breakdown is None and q.measure.kind == "total"

    def _group_expr(self) -> ColumnElement[Any]:
        b = self.query.breakdown
        assert b is not None
        if b.target == "property" and b.name in ENRICHED_COLUMNS:
            return events.c[ENRICHED_COLUMNS[b.name]]
        doc = events.c.properties if b.target == "property" else users.c.traits
        return self.backend.json_display(doc, b.name)

    def _number_expr(self) -> ColumnElement[Any]:
        m = self.query.measure
        assert m.property is not None
        return property_field(self.ctx, m.property).number()

    def _passes(self, names: Sequence[str], period: Period) -> list[tuple[ColumnElement[Any], list[Any]]]:
        """(event expression, WHERE conditions) per pass over `events`: the named events, and
        `$all_events` (every analysis event under one name, e.g. daily active people). With both,
        a row counts for its own event and for `$all_events`."""
        specific = [n for n in names if n != ALL_EVENTS]
        out: list[tuple[ColumnElement[Any], list[Any]]] = []
        if len(specific) == 1:
            # One name: a constant `ev`, which no sorter has to carry per row (0.4 s of 1.6 s
            # for a breakdown of 760k events on SQLite).
            name = literal(specific[0], String)
            out.append((name, [events.c.event == literal(specific[0]), *self._in_range(period)]))
        elif specific:
            out.append((events.c.event, [events.c.event.in_(specific), *self._in_range(period)]))
        if ALL_EVENTS in names:
            out.append((literal(ALL_EVENTS, String), [events.c.event.is_not(None), *self._in_range(period)]))
        if not out:  # no events to count: a statement that matches no row
            out.append((events.c.event, [false()]))
        return out

    def _keys(self, ev: ColumnElement[Any], bucketing: Bucketing, tops: Tops | None,
              with_bucket: bool) -> list[ColumnElement[Any]]:
        """The grouping columns of one pass: ev, then with a breakdown either the raw value `g`
        (tops None: folded into Other in Python) or `gi`, the value's rank among its event's top
        values (0: Other), then the bucket `b`."""
        cols: list[ColumnElement[Any]] = [ev.label("ev")]
        if self.query.breakdown is not None:
            g = self._group_expr()
            cols.append(g.label("g") if tops is None else _rank_index(ev, g, tops).label("gi"))
        if with_bucket:
            cols.append(bucketing.key_expr(events.c.ts).label("b"))
        return cols

    def top_groups_statement(self, names: Sequence[str]) -> Select[Any]:
        """Per event, the `limit` most frequent breakdown values (missing values rank too)."""
        if self.rollup == "event_people":
            return self._top_traits_from_rollup(names)
        passes = [select(ev.label("ev"), self._group_expr().label("g")).select_from(self.parts.source).where(*conds)
                  for ev, conds in self._passes(names, self.period)]
        base = (passes[0] if len(passes) == 1 else union_all(*passes)).subquery("base")
        return self._ranked_groups(base, func.count())

    def _ranked_groups(self, base: Any, n: Any) -> Select[Any]:
        """The `limit` top values `g` per `ev` of `base`, by the aggregate `n` (occurrences)."""
        rank = func.row_number().over(
            partition_by=base.c.ev,
            order_by=[n.desc(), self.backend.binary_order(base.c.g).asc().nulls_last()],
        )
        ranked = select(base.c.ev, base.c.g, rank.label("rn")).group_by(base.c.ev, base.c.g).subquery("ranked")
        return (
            select(ranked.c.ev, ranked.c.g)
            .where(ranked.c.rn <= literal(self.query.limit, Integer))
            .order_by(ranked.c.ev, ranked.c.rn)
        )

    def buckets_statement(self, names: Sequence[str], bucketing: Bucketing, tops: Tops | None = None
                          ) -> Select[Any]:
        """The measure per (ev, [grp, oth], b)."""
        if self.rollup is not None:
            return self._from_rollup(names, bucketing, tops, with_bucket=True)
        return self._aggregate(names, bucketing, tops, with_bucket=True)

    def totals_statement(self, names: Sequence[str], bucketing: Bucketing, tops: Tops | None = None
                         ) -> Select[Any]:
        """The measure over the whole range per (ev, [grp, oth]): unique and median only."""
        if self.rollup is not None:
            return self._from_rollup(names, bucketing, tops, with_bucket=False)
        return self._aggregate(names, bucketing, tops, with_bucket=False)

    @staticmethod
    def _hours_in(table: Any, period: Period) -> list[ColumnElement[bool]]:
        return [table.c.hour >= literal(period.start_ms, BigInteger), table.c.hour < literal(period.end_ms, BigInteger)]

    def _from_rollup(self, names: Sequence[str], bucketing: Bucketing, tops: Tops | None,
                     with_bucket: bool) -> Select[Any]:
        """The measure from the hourly rollups (see `_rollup`): an hour's first instant falls in
        the same bucket as every event of that hour, so keying hours is keying their events."""
        if self.rollup == "people":
            return self._people_from_rollup(bucketing, with_bucket)
        if self.rollup == "event_people" and self.query.breakdown is not None:
            return self._trait_groups_from_rollup(names, bucketing, tops, with_bucket)
        if self.rollup == "event_people":
            return self._event_people_from_rollup(names, bucketing, with_bucket)
        e = event_hours
        specific = [n for n in names if n != ALL_EVENTS]
        passes: list[tuple[ColumnElement[Any], list[ColumnElement[bool]]]] = []
        if specific:
            passes.append((e.c.event, [e.c.event.in_(specific)]))
        if ALL_EVENTS in names:
            passes.append((literal(ALL_EVENTS, String), []))
        if not passes:
            passes.append((e.c.event, [false()]))
        selects = []
        for ev, conds in passes:
            cols = [ev.label("ev")] + ([bucketing.key_expr(e.c.hour).label("b")] if with_bucket else [])
            selects.append(select(*cols, func.sum(e.c.n).label("v"))
                           .where(*conds, *self._hours_in(e, bucketing.period))
                           .group_by(*(literal_column(c.name) for c in cols)))
        return selects[0] if len(selects) == 1 else union_all(*selects)  # type: ignore[return-value]

    def _people_from_rollup(self, bucketing: Bucketing, with_bucket: bool) -> Select[Any]:
        """Distinct active persons per bucket and over the range, from `person_hours`.

        Per bucket: one correlated count over the bucket's own hours (a list of bucket bounds),
        so each bucket sorts only its own persons — 40% faster than one DISTINCT (bucket,
        person) over every hour of the range at 10M events. Over the range: GROUP BY person,
        which SQLite answers by walking (person, hour) for a range spanning most of the data.
        """
        t = person_hours
        ev: Any = literal(ALL_EVENTS, String).label("ev")
        p = bucketing.period
        if not self.backend.correlated_subqueries:
            # No per-bucket correlated counts (ClickHouse): count(DISTINCT) per bucket, one hash
            # set each (ClickHouse's uniqExact; at 10M events 2x faster than DISTINCT pairs).
            keys = [bucketing.key_expr(t.c.hour).label("b")] if with_bucket else []
            return (select(ev, *keys, func.count(t.c.person.distinct()).label("v"))
                    .where(*self._hours_in(t, p)).group_by(*keys))
        if not with_bucket:
            hour = self.backend.not_for_lookup(t.c.hour)
            persons = (select(t.c.person).where(hour >= literal(p.start_ms, BigInteger),
                                                hour < literal(p.end_ms, BigInteger))
                       .group_by(t.c.person).subquery("persons"))
            return select(ev, func.count().label("v")).select_from(persons)
        edges = [max(start, p.start_ms) for start in bucketing.starts] + [p.end_ms]
        if 3 * len(bucketing.keys) > BOUND_BUCKETS:  # too many bound parameters: one DISTINCT
            b = bucketing.key_expr(t.c.hour).label("b")
            pairs = select(b, t.c.person).where(*self._hours_in(t, p)).distinct().subquery("pairs")
            return select(ev, pairs.c.b, func.count().label("v")).group_by(pairs.c.b)
        rows = [(key, edges[i], edges[i + 1]) for i, key in enumerate(bucketing.keys)]
        bounds = values_list(column("b", BigInteger), column("s", BigInteger), column("e", BigInteger),
                        name="bucket_bounds").data(rows).cte("bucket_bounds")
        active = (select(t.c.person).where(t.c.hour >= bounds.c.s, t.c.hour < bounds.c.e)
                  .distinct().correlate(bounds).subquery("active"))
        count = select(func.count()).select_from(active).scalar_subquery()
        return select(ev, bounds.c.b, count.label("v"))

    def _event_people_from_rollup(self, names: Sequence[str], bucketing: Bucketing, with_bucket: bool
                                  ) -> Select[Any]:
        """Distinct persons of each named event per bucket and over the range, from
        `event_person_hours` (no `$all_events` here: `_rollup`).

        Per bucket: one correlated count per (event, bucket) over the bucket's own hours in
        primary-key order, so each sorts only its own persons (90 days of Page Viewed at 10M
        events on SQLite: 1.0 s, where one GROUP BY (person, day) over the range took 3.8 s).
        Over a range longer than LONG_RANGE_MS: GROUP BY (event, person), which walks (event,
        person, hour) in order without sorting (0.43 s instead of 1.45 s); a shorter one reads
        its hours by the primary key (7 days: 0.09 s instead of 0.25 s)."""
        t = event_person_hours
        p = bucketing.period
        specific = [n for n in names if n != ALL_EVENTS]
        if not specific:  # no events to count: a statement that matches no row
            return select(t.c.event.label("ev"), func.count().label("v")).where(false()).group_by(t.c.event)
        src, extra = self._event_people_source()
        if not with_bucket:
            # One count per event: the persons come grouped, and a count over them needs no sort.
            long_range = p.end_ms - p.start_ms > LONG_RANGE_MS
            hour = self.backend.not_for_lookup(t.c.hour) if long_range else t.c.hour
            counts = []
            for name in specific:
                persons = (select(t.c.person).select_from(src).where(
                    t.c.event == literal(name, String), hour >= literal(p.start_ms, BigInteger),
                    hour < literal(p.end_ms, BigInteger), *extra).group_by(t.c.person).subquery("persons"))
                counts.append(select(literal(name, String).label("ev"), func.count().label("v")).select_from(persons))
            return counts[0] if len(counts) == 1 else union_all(*counts)  # type: ignore[return-value]
        edges = [max(start, p.start_ms) for start in bucketing.starts] + [p.end_ms]
        if not self.backend.correlated_subqueries or 4 * len(specific) * len(bucketing.keys) > BOUND_BUCKETS:
            b = bucketing.key_expr(t.c.hour).label("b")
            pairs = (select(t.c.event.label("ev"), b, t.c.person).select_from(src)
                     .where(t.c.event.in_(specific), *self._hours_in(t, p), *extra).distinct().subquery("pairs"))
            return select(pairs.c.ev, pairs.c.b, func.count().label("v")).group_by(pairs.c.ev, pairs.c.b)
        rows = [(name, key, edges[i], edges[i + 1]) for name in specific for i, key in enumerate(bucketing.keys)]
        bounds = values_list(column("ev", String), column("b", BigInteger), column("s", BigInteger),
                             column("e", BigInteger), name="event_bucket_bounds").data(rows).cte("event_bucket_bounds")
        active = (select(t.c.person).select_from(src)
                  .where(t.c.event == bounds.c.ev, t.c.hour >= bounds.c.s, t.c.hour < bounds.c.e, *extra)
                  .distinct().correlate(bounds).subquery("active"))
        count = select(func.count()).select_from(active).scalar_subquery()
        return select(bounds.c.ev, bounds.c.b, count.label("v"))

    @property
    def _one_pass_uniques(self) -> bool:
        """Unique persons from `events` with an event-property filter and no breakdown: per
        bucket and over the range in one statement (`_uniques_statement`). 10M events, Page
        Viewed where category = Product, 30 days, interleaved: SQLite 20.8 -> 14.8 s, PostgreSQL
        9.5 -> 8.0 s at load 11-13. With a breakdown (a third statement ranks the values) it
        gained nothing (Product Viewed by category: 18.1 vs 18.3 s, 12.0 vs 12.0 s)."""
        q = self.query
        return (q.measure.kind == "unique" and self.rollup is None and self.parts.filters is not None
                and q.breakdown is None)

    def _uniques_statement(self, names: Sequence[str], bucketing: Bucketing, tops: Tops | None) -> Any:
        """Distinct persons per (ev, [gi,] bucket) and over the range (b NULL) from one
        materialized DISTINCT (ev, [gi,] bucket, person): the filtered rows are read and their
        JSON parsed once, where a statement per bucket counts and per range total read them
        twice — PostgreSQL reads every heap page of the range each time (properties are in no
        index)."""
        passes = self._passes(names, bucketing.period)
        rows = [select(*self._keys(ev, bucketing, tops, True), events.c.person.label("person"))
                .select_from(self.parts.source).where(*conds).distinct() for ev, conds in passes]
        pairs = self.backend.materialized_cte((rows[0] if len(rows) == 1 else union_all(*rows)).cte("pairs"))
        keys = [c for c in pairs.c if c.name not in ("b", "person")]
        # `whole` marks the range's rows (b is any of its buckets: a typed NULL is not portable)
        per_bucket = (select(*keys, pairs.c.b, literal(0, Integer).label("whole"), func.count().label("v"))
                      .group_by(*keys, pairs.c.b))
        over_range = (select(*keys, func.min(pairs.c.b).label("b"), literal(1, Integer).label("whole"),
                             func.count(pairs.c.person.distinct()).label("v")).group_by(*keys))
        return union_all(per_bucket, over_range)

    @property
    def _one_pass_medians(self) -> bool:
        """Medians per bucket and over the range from one statement (`_medians_statement`), on
        the backends where reading the rows twice costs more than materializing them once."""
        return self.query.measure.kind == "median" and self.rollup is None and self.backend.one_pass_medians

    def _medians_statement(self, names: Sequence[str], bucketing: Bucketing, tops: Tops | None) -> Any:
        """Medians per (ev, [gi,] bucket) (`whole` 0) and over the range (`whole` 1, b the first
        bucket) from one statement (Backend.medians_with_total): the rows and their JSON are read
        once."""
        passes = self._passes(names, bucketing.period)
        num = self._number_expr().label("num")
        rows = [select(*self._keys(ev, bucketing, tops, True), num).select_from(self.parts.source).where(*conds)
                for ev, conds in passes]
        source = rows[0] if len(rows) == 1 else union_all(*rows)
        keys = [c.name for c in source.selected_columns if c.name not in ("b", "num")]
        return self.backend.medians_with_total(source, keys, "b", "num")

    def _event_people_source(self) -> tuple[Any, list[ColumnElement[bool]]]:
        """`event_person_hours` and the person-level filters on its rows (traits through `users`)."""
        t = event_person_hours
        src: Any = t.outerjoin(users, users.c.id == t.c.person) if needs_users(self.query.where) else t
        return src, [self.person_filters] if self.person_filters is not None else []

    @staticmethod
    def _named_events(specific: Sequence[str]) -> tuple[Any, ColumnElement[bool], list[Any]]:
        """For `event_person_hours` rows of the `specific` events: the event as output (a literal
        for one event, which then needs no grouping), the condition, and the grouping it needs."""
        t = event_person_hours
        if len(specific) == 1:
            return literal(specific[0], String), t.c.event == literal(specific[0], String), []
        return t.c.event, t.c.event.in_(specific), [t.c.event]

    def _event_persons(self, specific: Sequence[str], period: Period, with_bucket: Bucketing | None,
                       weight: bool = False) -> Any:
        """The distinct (ev, [b,] person) of `event_person_hours` in `period` (with `weight`: and
        their events, n), as a subquery. Without buckets over a long range it walks (event,
        person, hour) in order, as `_event_people_from_rollup` does."""
        t = event_person_hours
        src, extra = self._event_people_source()
        long_range = with_bucket is None and period.end_ms - period.start_ms > LONG_RANGE_MS
        hour = self.backend.not_for_lookup(t.c.hour) if long_range else t.c.hour
        ev, is_named, by_event = self._named_events(specific)
        cols: list[Any] = [t.c.person.label("person")]
        if with_bucket is not None:
            cols.insert(0, with_bucket.key_expr(t.c.hour).label("b"))
        stmt = (select(ev.label("ev"), *cols, *([func.sum(t.c.n).label("n")] if weight else [])).select_from(src)
                .where(is_named, hour >= literal(period.start_ms, BigInteger),
                       hour < literal(period.end_ms, BigInteger), *extra))
        # the bucket grouped by its output name (see _aggregate)
        keys: list[Any] = by_event + ([literal_column("b")] if with_bucket else [])
        return stmt.group_by(*keys, t.c.person).subquery("persons")

    @property
    def _trait_uniques(self) -> bool:
        """Unique persons by a trait from `event_person_hours` (see `_trait_rows_statement`)."""
        return self.rollup == "event_people" and self.query.breakdown is not None

    def _trait_rows_statement(self, names: Sequence[str], bucketing: Bucketing) -> Any:
        """Unique persons by a trait in one statement, per raw trait value: over the range (b
        NULL, with the value's events n, which rank the top values) and per bucket. Each person
        has one value, so persons per value add up to the persons of a top value or of Other:
        folded in Python like the additive measures. Each person's trait is read once (a
        materialized (event, person, value) table joined to the distinct (event, bucket,
        person)), where a statement per top values, buckets and range read it per row (10M
        events, Page Viewed by plan over 30 days on SQLite: 1.7 s instead of 6.9 s)."""
        t = event_person_hours
        specific = [n for n in names if n != ALL_EVENTS]
        if not specific:
            return select(*_no_rows("ev", "g", "b", "v", "n")).where(false())
        src, extra = self._event_people_source()
        ev, is_named, by_event = self._named_events(specific)
        p = bucketing.period
        conds = [is_named, *self._hours_in(t, p), *extra]
        people = (select(ev.label("ev"), t.c.person.label("person"), func.sum(t.c.n).label("n")).select_from(src)
                  .where(*conds).group_by(*by_event, t.c.person).subquery("people"))
        src_g, g = self._trait_of(people)
        valued = self.backend.materialized_cte(
            select(people.c.ev, people.c.person, g.label("g"), people.c.n).select_from(src_g).cte("person_values"))
        pairs = (select(ev.label("ev"), bucketing.key_expr(t.c.hour).label("b"), t.c.person.label("person"))
                 .select_from(src).where(*conds).group_by(*by_event, literal_column("b"), t.c.person).subquery("pairs"))
        on = valued.c.person == pairs.c.person
        if len(specific) > 1:
            on = on & (valued.c.ev == pairs.c.ev)
        no_bucket = cast(null(), BigInteger)
        over_range = (select(valued.c.ev, valued.c.g, no_bucket.label("b"), func.count().label("v"),
                             func.sum(valued.c.n).label("n")).group_by(valued.c.ev, valued.c.g))
        per_bucket = (select(valued.c.ev, valued.c.g, pairs.c.b, func.count().label("v"), no_bucket.label("n"))
                      .select_from(pairs.join(valued, on)).group_by(valued.c.ev, valued.c.g, pairs.c.b))
        return union_all(over_range, per_bucket)

    def _trait_of(self, persons: Any) -> tuple[Any, ColumnElement[Any]]:
        """`persons` joined to their `users` row, and the breakdown trait's display value."""
        b = self.query.breakdown
        assert b is not None and b.target == "trait"
        return (persons.outerjoin(users, users.c.id == persons.c.person),
                self.backend.json_display(users.c.traits, b.name))

    def _top_traits_from_rollup(self, names: Sequence[str]) -> Select[Any]:
        """The top trait values per event by occurrences, from `event_person_hours`: each person's
        events summed first (in (event, person, hour) order), then their trait read once."""
        specific = [n for n in names if n != ALL_EVENTS]
        if not specific:
            return select(*_no_rows("ev", "g")).where(false())
        persons = self._event_persons(specific, self.period, None, weight=True)
        src, g = self._trait_of(persons)
        base = select(persons.c.ev, g.label("g"), persons.c.n).select_from(src).subquery("base")
        return self._ranked_groups(base, func.sum(base.c.n))

    def _trait_groups_from_rollup(self, names: Sequence[str], bucketing: Bucketing, tops: Tops | None,
                                  with_bucket: bool) -> Select[Any]:
        """Distinct persons per (event, trait value or its rank `gi`, [bucket]) from
        `event_person_hours`: the distinct (event, [bucket,] person) first, then each one's trait
        — a person has one value, so counting those rows per value counts distinct persons."""
        specific = [n for n in names if n != ALL_EVENTS]
        if not specific:
            return select(*_no_rows("ev", "g" if tops is None else "gi", "v")).where(false())
        persons = self._event_persons(specific, bucketing.period, bucketing if with_bucket else None)
        src, g = self._trait_of(persons)
        group = g.label("g") if tops is None else _rank_index(persons.c.ev, g, tops).label("gi")
        keys: list[Any] = [persons.c.ev, group] + ([persons.c.b] if with_bucket else [])
        return (select(*keys, func.count().label("v")).select_from(src)
                .group_by(*(literal_column(k.name) if k is group else k for k in keys)))

    def _aggregate(self, names: Sequence[str], bucketing: Bucketing, tops: Tops | None,
                   with_bucket: bool) -> Select[Any]:
        """The measure grouped by the pass keys, as flat SQL where possible.

        Measured at 1M events: on SQLite a flat GROUP BY beats the same through subqueries (up
        to 1.6x). Distinct persons are counted as SELECT DISTINCT (keys, person) then count(*),
        which was as fast as count(DISTINCT person) per bucket and 10x faster over a whole range
        of `$all_events` on SQLite. A UNION ALL subquery is used only when `$all_events` is mixed
        with named events; medians rank rows first.
        """
        kind = self.query.measure.kind
        passes = self._passes(names, bucketing.period)
        num = self._number_expr() if self.query.measure.property is not None else None
        if kind == "unique":
            if len(passes) == 1 and isinstance(passes[0][0], BindParameter):
                # `$all_events` alone: the constant name stays out of the DISTINCT, which lets
                # SQLite skip through the (person, ts) index for a whole range (10x faster).
                ev, conds = passes[0]
                inner = [c for c in self._keys(ev, bucketing, tops, with_bucket) if c.name != "ev"]
                pairs = (select(*inner, events.c.person.label("person")).select_from(self.parts.source)
                         .where(*conds).distinct().subquery("pairs"))
                keys = [pairs.c[c.name] for c in inner]
                columns: list[ColumnElement[Any]] = [ev.label("ev"), *keys, func.count().label("v")]
                stmt = select(*columns).select_from(pairs)
                return stmt.group_by(*keys) if keys else stmt
            rows = [select(*self._keys(ev, bucketing, tops, with_bucket), events.c.person.label("person"))
                    .select_from(self.parts.source).where(*conds).distinct() for ev, conds in passes]
            pairs = (rows[0] if len(rows) == 1 else union_all(*rows)).subquery("pairs")
            keys = [pairs.c[c.name] for c in pairs.c if c.name != "person"]
            return select(*keys, func.count().label("v")).group_by(*keys)
        if kind == "median" or len(passes) > 1:
            extra = [num.label("num")] if num is not None else []
            rows = [select(*self._keys(ev, bucketing, tops, with_bucket), *extra).select_from(self.parts.source)
                    .where(*conds) for ev, conds in passes]
            source = (rows[0] if len(rows) == 1 else union_all(*rows)).subquery("rows")
            keys = [c.name for c in source.c if c.name != "num"]
            if kind == "median":
                return self.backend.median_by(source, keys, "num")
            return select(*(source.c[k] for k in keys), *self._measure(source.c.get("num"))
                          ).group_by(*(source.c[k] for k in keys))
        ev, conds = passes[0]
        key_cols = self._keys(ev, bucketing, tops, with_bucket)
        if ((self.query.breakdown is not None and self.backend.evaluates_group_keys_twice)
                or (num is not None and self.backend.evaluates_aggregate_arguments_each)):
            # The breakdown value and the measure's number are JSON expressions: computed once
            # per row in a subquery (not once per use in GROUP BY, sum and count).
            extra = [num.label("num")] if num is not None else []
            varying = [c for c in key_cols if not isinstance(c.element, BindParameter)]
            inner = self.backend.unflattened(select(*varying, *extra).select_from(self.parts.source)
                                     .where(*conds)).subquery("keyed")
            keys = [inner.c[c.name] for c in varying]
            outer = [c if isinstance(c.element, BindParameter) else inner.c[c.name] for c in key_cols]
            return select(*outer, *self._measure(inner.c.get("num"))).group_by(*keys)
        # GROUP BY the output names: PostgreSQL would otherwise compare two copies of each
        # expression, whose bound parameters differ. ("ev" is no input column, so no ambiguity.)
        return (select(*key_cols, *self._measure(num)).select_from(self.parts.source)
                .where(*conds).group_by(*(literal_column(c.name) for c in key_cols)))

    def _measure(self, num: ColumnElement[Any] | None) -> list[ColumnElement[Any]]:
        """total: v = count; sum/avg: s, c (numbers) and n (rows, to rank breakdown values)."""
        if self.query.measure.kind == "total":
            return [func.count().label("v")]
        assert num is not None
        return [func.sum(num).label("s"), func.count(num).label("c"), func.count().label("n")]

    def to_query(self) -> Select[Any]:
        """The main statement: the measure per bucket of the requested events (no breakdown
        values resolved yet: every group is Other)."""
        return self.buckets_statement(self.query.events, self.bucketing)

    def statements(self, names: Sequence[str] = (), tops: Tops | None = None) -> list[Any]:
        """Every statement a run issues, given the resolved events and top breakdown values
        (for the SQL snapshot tests)."""
        out: list[Any] = []
        if self._counts_every_event():
            out.append(self.every_event_statement(self.bucketing))
            if self.previous:
                out.append(self.buckets_statement(names, self.previous, tops))
            return out
        if not self.query.events:
            out.append(self.top_events_statement())
        names = self.query.events or names
        if self._trait_uniques:  # one statement per range; the three below past RAW_ROWS rows
            out += [self._trait_rows_statement(names, b) for b in (self.bucketing, self.previous) if b is not None]
        if self.query.breakdown is not None:
            out.append(self.top_groups_statement(names))
        for bucketing in [self.bucketing] + ([self.previous] if self.previous else []):
            if self._one_pass_uniques:
                out.append(self._uniques_statement(names, bucketing, tops))
                continue
            if self._one_pass_medians:
                out.append(self._medians_statement(names, bucketing, tops))
                continue
            out.append(self.buckets_statement(names, bucketing, tops))
            if self.query.measure.kind in ("unique", "median"):
                out.append(self.totals_statement(names, bucketing, tops))
        return out

    # ---------------------------------------------------------------- computing the result

    def calculate(self, conn: Connection) -> dict[str, Any]:
        q = self.query
        names = list(q.events)
        every: list[Any] | None = None
        if self._counts_every_event():
            every = list(self.execute(conn, self.every_event_statement(self.bucketing)).mappings())
            if len(every) > RAW_ROWS:
                every = None
            else:
                names = _rank_events(every)
                keep = set(names)
                every = [row for row in every if row["ev"] in keep]
        if not q.events and every is None:
            names = [row[0] for row in self.execute(conn, self.top_events_statement())]
        result: dict[str, Any] = {
            "buckets": self.bucketing.labels,
            "series": [],
            "unit": q.unit,
            "timezone": self.zone.key,
            "range": {"from": self.period.first_day.isoformat(), "to": self.period.last_day.isoformat()},
        }
        if self.previous is not None:
            prev = self.previous.period
            result["previous"] = {"buckets": self.previous.labels, "from": prev.first_day.isoformat(),
                                  "to": prev.last_day.isoformat()}
        if not names:
            return result
        tops: dict[str, list[str | None]] | None = None
        raw = self._raw_rows(conn, names, self.bucketing) if q.breakdown is not None else None
        if raw is not None:
            tops = _rank_raw([r for r in raw if _over_range(r)] if self._trait_uniques else raw, q.limit)
        elif q.breakdown is not None:
            tops = {}
            for row in self.execute(conn, self.top_groups_statement(names)):
                tops.setdefault(row.ev, []).append(row.g)
        current = self._series(conn, names, self.bucketing, tops, None, raw if raw is not None else every)
        result["series"] = current
        if self.previous is not None:
            order = [(s["event"], None if s["other"] else s["group"], s["other"]) for s in current]
            prev_raw = self._raw_rows(conn, names, self.previous) if raw is not None else None
            result["series"] = current + self._series(conn, names, self.previous, tops, order, prev_raw)
        return result

    def _raw_rows(self, conn: Connection, names: Sequence[str], bucketing: Bucketing) -> list[Any] | None:
        """Additive measures (total, sum, avg) with a breakdown: the measure per raw value and
        bucket in one pass, to be folded into top values + Other in Python — as fast as the best
        hand-written SQL, where ranking in SQL costs a second pass. None when the measure is not
        additive or there are more than RAW_ROWS (value, bucket) rows (then SQL folds)."""
        if self.query.measure.kind not in ("total", "sum", "avg") and not self._trait_uniques:
            return None
        stmt: Any = self._trait_rows_statement(names, bucketing) if self._trait_uniques \
            else self.buckets_statement(names, bucketing, None)
        stmt = stmt.limit(literal(RAW_ROWS + 1, Integer))
        rows = list(self.execute(conn, stmt).mappings())
        return rows if len(rows) <= RAW_ROWS else None

    def _series(self, conn: Connection, names: Sequence[str], bucketing: Bucketing, tops: Tops | None,
                order: list[GroupKey] | None, raw: list[Any] | None) -> list[dict[str, Any]]:
        q = self.query
        kind = q.measure.kind
        position = bucketing.position_of_key()
        width = len(self.bucketing)  # previous series are aligned to the current buckets
        zero: Any = 0 if kind in ("total", "unique") else 0.0
        top_sets = {ev: set(vals) for ev, vals in (tops or {}).items()}

        def key_of(row: Any) -> GroupKey:
            if "gi" in row:
                gi = int(row["gi"])
                return (row["ev"], None, True) if gi == 0 else (row["ev"], (tops or {})[row["ev"]][gi - 1], False)
            if "g" in row:
                g = row["g"]
                return (row["ev"], g, False) if g in top_sets.get(row["ev"], ()) else (row["ev"], None, True)
            return (row["ev"], None, False)

        values: dict[GroupKey, list[Any]] = {}
        sums: dict[GroupKey, list[float]] = {}
        counts: dict[GroupKey, list[int]] = {}  # numbers per bucket (avg)
        one_pass = raw is None and (self._one_pass_uniques or self._one_pass_medians)
        if one_pass:
            both = self._medians_statement if kind == "median" else self._uniques_statement
            raw = list(self.execute(conn, both(names, bucketing, tops)).mappings())
        rows = raw if raw is not None else self.execute(conn, self.buckets_statement(names, bucketing, tops)).mappings()
        for row in rows:
            if one_pass and _over_range(row):
                continue
            key = key_of(row)
            pos = position.get(row["b"])
            if pos is None or pos >= width:
                continue
            vals = values.setdefault(key, [zero] * width)
            if kind in ("total", "unique"):
                vals[pos] += int(row["v"])  # several raw values fold into one Other cell
            elif kind == "median":
                vals[pos] = round_number(row["median"])
            else:
                sums.setdefault(key, [0.0] * width)[pos] += float(row["s"] or 0)
                counts.setdefault(key, [0] * width)[pos] += int(row["c"])
        for key in sums:
            ss, cs = sums[key], counts[key]
            values[key] = [round_number(ss[i]) if kind == "sum" else round_number(ss[i] / cs[i] if cs[i] else 0)
                           for i in range(width)]
        totals: dict[GroupKey, Any] = {}
        if kind == "unique" and raw is not None:  # b NULL: over the range (one per key when one_pass;
            # a trait breakdown's persons per raw value add up)
            for row in raw:
                if _over_range(row):
                    totals[key_of(row)] = totals.get(key_of(row), 0) + int(row["v"])
        elif kind == "median" and raw is not None:  # one pass: the range's rows
            totals = {key_of(row): round_number(row["median"]) for row in raw if _over_range(row)}
        elif kind in ("unique", "median"):
            for row in self.execute(conn, self.totals_statement(names, bucketing, tops)).mappings():
                totals[key_of(row)] = int(row["v"]) if kind == "unique" else round_number(row["median"])
        elif kind == "total":
            totals = {key: sum(vals) for key, vals in values.items()}
        else:
            for key in sums:
                s, c = sum(sums[key]), sum(counts[key])
                totals[key] = round_number(s) if kind == "sum" else round_number(s / c if c else 0)

        keys = self._order(names, values, tops)
        if order is not None:
            keys = list(order) + [k for k in keys if k not in order]
        out = []
        for key in keys:
            event, group, other = key
            out.append({
                "event": event,
                "group": "Other" if other else group,
                "other": other,
                "previous": order is not None,
                "values": values.get(key, [zero] * width),
                "total": totals.get(key, zero),
            })
        return out

    def _order(self, names: Sequence[str], values: Mapping[GroupKey, Any], tops: Tops | None) -> list[GroupKey]:
        """Series order: events as requested (or by occurrences, then name); groups in rank order,
        Other last. Without a breakdown, requested events with no rows still get a zero series."""
        q = self.query
        keys: list[GroupKey] = []
        for event in names:
            if q.breakdown is None:
                keys.append((event, None, False))
                continue
            for g in (tops or {}).get(event, []):
                if (event, g, False) in values:
                    keys.append((event, g, False))
            if (event, None, True) in values:
                keys.append((event, None, True))
        return keys


def _over_range(row: Any) -> bool:
    """A row of a whole range's measure among per-bucket rows (b NULL, or `whole`)."""
    return row["b"] is None or bool(row.get("whole", 0))


def _no_rows(*names: str) -> list[Any]:
    """Columns for a statement that matches no row (no events to count)."""
    return [literal(None, String).label(name) for name in names]


def _rank_events(rows: Sequence[Any]) -> list[str]:
    """The TOP_EVENTS events with the most occurrences, ties in code-point order — the same
    order as top_events_statement."""
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["ev"]] = totals.get(row["ev"], 0) + int(row["v"])
    return sorted(totals, key=lambda ev: (-totals[ev], ev))[:TOP_EVENTS]


def _rank_raw(rows: Sequence[Any], limit: int) -> dict[str, list[str | None]]:
    """Top `limit` values per event by occurrences (`n` where rows have it: a trait
    breakdown's rows count persons in `v`), ties in code-point order, missing last — the same
    order as top_groups_statement."""
    seen: dict[str, dict[str | None, int]] = {}
    for row in rows:
        per = seen.setdefault(row["ev"], {})
        per[row["g"]] = per.get(row["g"], 0) + int(row["n"] if "n" in row else row["v"])
    return {ev: sorted(per, key=lambda g: (-per[g], g is None, [ord(c) for c in g or ""]))[:limit]
            for ev, per in seen.items()}


def _rank_index(ev: ColumnElement[Any], g: ColumnElement[Any], tops: Tops) -> ColumnElement[Any]:
    """1-based rank of (ev, g) among its event's top values, 0 for Other.

    Simple CASEs (`CASE g WHEN v1 THEN 1 ...`) evaluate the JSON value once per row, where
    `g IN (...)` tests would extract it again for each test.
    """
    whens = []
    for name, values in tops.items():
        ranks = {v: i + 1 for i, v in enumerate(values) if v is not None}
        null_rank = next((i + 1 for i, v in enumerate(values) if v is None), 0)
        missing = case((g.is_(None), literal(null_rank, Integer)), else_=literal(0, Integer)) if null_rank \
            else literal(0, Integer)
        inner = case({literal(v, String): literal(r, Integer) for v, r in ranks.items()}, value=g, else_=missing) \
            if ranks else missing
        whens.append((literal(name, String), inner))
    if not whens:
        return literal(0, Integer)
    return case(dict(whens), value=ev, else_=literal(0, Integer))
