"""Funnels, the shared part: the query model and the SQL every funnel view builds on (how many
persons went through a sequence of steps, in order, within a window.

Semantics (Mixpanel's uniques funnel; docs/query.md "Funnel"):
- a person enters at their FIRST step-1 event inside the range (earliest `ts`, ties by event
  id); later step-1 events never restart the window; each person counts once;
- step k+1 is the person's earliest qualifying event STRICTLY LATER (in ms) than the event
  matched for step k, and no later than entry + window (inclusive); it may fall after the
  range end. Events with the same millisecond as the previous step's event do not count:
  one deterministic rule on every database, whatever the arrival order.

SQL shape: `funnel_step0` takes each person's first step-1 event in the range; `funnel_stepK`
finds, for each person who reached step K-1, the MIN(ts) of their step-K events after it and
inside the window, read from the (event, person, ts) index — on SQLite as a correlated
subquery, one seek per person (10M events: 9 s -> 0.8 s), on PostgreSQL as a join of the
persons to the step's events, grouped (hash/merge joins: 0.2 s per step where 288k seeks took
1.2 s; dialect.funnel_steps_by_join; docs/benchmarks/funnel_users.md). `funnel_people` is one
row per entered person (t0..tN, NULL where not reached) with the group (breakdown rank). The views
(steps in funnel.py, trends and time-to-convert in their own modules) aggregate `funnel_people`
in the database; each imports this module and none imports another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FromClause,
    Integer,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.engine import Connection, Dialect

from app.core.backends import backend_for
from app.core.materialized import ACTIVE as MATERIALIZED
from app.core.schema import ENRICHED_COLUMNS, event_hours, events, users
from app.query.filters import FilterContext, compile_filters, needs_users
from app.query.model import (
    DEFAULT_RANGE,
    UNITS,
    Breakdown,
    EventSpec,
    Filter,
    KeyedQuery,
    QueryError,
    Range,
    SpecReader,
    check_event_name,
    check_name,
    check_timezone,
    filters_to_list,
    parse_filters,
    parse_range,
    query_model,
)
from app.query.timerange import HOUR_MS, Period, resolve_range, today
from app.query.zones import zone_info

if TYPE_CHECKING:
    from app.query.runner import QueryRunner

#: Window units and their length in ms.
WINDOW_UNITS: dict[str, int] = {"minutes": 60_000, "hours": 3_600_000, "days": 86_400_000,
                                "weeks": 7 * 86_400_000}
MAX_STEPS = 20
MAX_EXCLUSIONS = 10
#: An exclusion's events are hash-joined (read once) rather than probed per entered person when
#: its event's rows in the funnel's span are at most this share of the entry event's rows in the
#: range (from `event_hours`). See `FunnelSQL.choose_exclusion_forms`.
HASHED_EXCLUSION_SHARE = 0.5
#: Tests and measurements: "hash" or "probe" for every exclusion, None to choose by the counts.
FORCE_EXCLUSION_FORM: str | None = None
VIEWS = ("steps", "trends", "time_to_convert")
#: `ordered`: other events may come between steps; `strict`: the next step must be the very next
#: event of any of the funnel's steps; `any`: steps in any order within the window from the
#: first event of any step (docs/query.md "Funnel").
ORDERS = ("ordered", "strict", "any")
#: Decimal places of conversion rates, and of seconds (ms resolution).
RATE_DECIMALS = 6
SECONDS_DECIMALS = 3


def rate(part: int, whole: int) -> float:
    """A conversion rate, rounded the same way for every database and the oracle."""
    return round(part / whole, RATE_DECIMALS) if whole else 0.0


def seconds(ms_value: Any) -> float | None:
    """Milliseconds (an int, or a .5 median) as seconds rounded to the millisecond."""
    if ms_value is None:
        return None
    out = round(float(ms_value) / 1000, SECONDS_DECIMALS)
    return 0.0 if out == 0 else out


# --------------------------------------------------------------------------------------------
# Model


@dataclass(frozen=True)
class Window:
    """The conversion window, counted from the entry event: `{"days": 7}` (minutes/hours/days/weeks)."""

    amount: int = 7
    unit: str = "days"

    @classmethod
    def from_json(cls, data: Any, path: str = "window") -> Window:
        if data is None:
            return cls()
        r = SpecReader(data, path)
        r.expect(*WINDOW_UNITS)
        keys = [k for k in WINDOW_UNITS if k in r.data]
        if len(keys) != 1:
            raise QueryError(f"{path} must have exactly one of {', '.join(WINDOW_UNITS)}, e.g. {{'days': 7}}")
        amount = r.integer(keys[0], minimum=1, maximum=100_000, required=True)  # {"days": null} too
        r.done()
        window = cls(amount, keys[0])
        if window.ms > 366 * 86_400_000:
            raise QueryError(f"{path} may be at most 366 days")
        return window

    @property
    def ms(self) -> int:
        return self.amount * WINDOW_UNITS[self.unit]

    def to_json(self) -> dict[str, int]:
        return {self.unit: self.amount}


#: One step: an event name and filters on that event (ANDed with the funnel's `where`).
FunnelStep = EventSpec


@dataclass(frozen=True)
class Exclusion:
    """An event that removes a person from the whole funnel when done between two steps."""

    event: str
    from_step: int  # 1-based: strictly after the event matched for this step...
    to_step: int  # ...and strictly before the one matched for this step (or the window's end)
    where: tuple[Filter, ...] = ()

    @classmethod
    def from_json(cls, data: Any, path: str, steps: int) -> Exclusion:
        r = SpecReader(data, path)
        r.expect("event", "from_step", "to_step", "where")
        event = check_event_name(r.raw("event"), r.sub("event"))
        first = r.integer("from_step", 1, minimum=1, maximum=MAX_STEPS)
        last = r.integer("to_step", steps, minimum=1, maximum=MAX_STEPS)
        where = parse_filters(r.raw("where"), r.sub("where"))  # read before the steps are checked:
        r.done()  # a refused query's unknown keys are named in it too (model._sweep_unknown_keys)
        if not first < last <= steps:
            raise QueryError(f"{path}: from_step ({first}) must be before to_step ({last}), "
                             f"and to_step at most the number of steps ({steps})")
        return cls(event, first, last, where)

    def to_json(self) -> dict[str, Any]:
        return {"event": self.event, "where": filters_to_list(self.where),
                "from_step": self.from_step, "to_step": self.to_step}


@query_model("funnel")
@dataclass(frozen=True)
class FunnelQuery(KeyedQuery):
    """A funnel; `view` picks the result: per-step counts, conversion over time, or time to convert.

    Options: `order` (strict: no other step event in between), `exclusions` (events that remove
    a person), `hold` (a property every step must share with the entry event). Per-step
    options would be new keys of a step object.
    """

    steps: tuple[FunnelStep, ...] = ()
    window: Window = field(default_factory=Window)
    range: Range = DEFAULT_RANGE
    timezone: str | None = None
    where: tuple[Filter, ...] = ()
    breakdown: Breakdown | None = None
    limit: int = 10
    view: str = "steps"
    unit: str = "day"  # trends: the bucket of the entry time
    bins: int = 20  # time_to_convert: histogram bins
    order: str = "ordered"
    exclusions: tuple[Exclusion, ...] = ()
    hold: str | None = None  # a property name (or enriched field) held constant from the entry

    #: The keys of a funnel object (besides its kind).
    KEYS = ("steps", "window", "range", "timezone", "where", "breakdown", "limit", "view", "unit", "bins",
            "order", "exclusions", "hold")

    @classmethod
    def _read(cls, r: SpecReader) -> FunnelQuery:
        raw_steps = r.items("steps")
        if not raw_steps:
            raise QueryError(f"{r.sub('steps')} must list at least one step")
        if len(raw_steps) > MAX_STEPS:
            raise QueryError(f"{r.sub('steps')} may have at most {MAX_STEPS} steps")
        q = cls(
            steps=tuple(FunnelStep.from_json(s, f"{r.sub('steps')}[{i}]") for i, s in enumerate(raw_steps)),
            window=Window.from_json(r.raw("window"), r.sub("window")),
            range=parse_range(r.raw("range"), r.sub("range"), default=DEFAULT_RANGE),
            timezone=check_timezone(r.raw("timezone"), r.sub("timezone")),
            where=parse_filters(r.raw("where"), r.sub("where")),
            breakdown=Breakdown.from_json(r.raw("breakdown"), r.sub("breakdown")),
            limit=r.integer("limit", 10, minimum=1, maximum=1000),
            view=r.string("view", "steps", choices=VIEWS),
            unit=r.string("unit", "day", choices=UNITS),
            bins=r.integer("bins", 20, minimum=1, maximum=1000),
            order=r.string("order", "ordered", choices=ORDERS),
            exclusions=cls._exclusions(r, len(raw_steps)),
            hold=check_name(r.raw("hold"), r.sub("hold")) if r.raw("hold") is not None else None,
        )
        if q.order == "any" and q.exclusions:
            raise QueryError(f"{r.sub('exclusions')} need an ordered or strict funnel (steps have no "
                             "order to be between in an 'any' funnel)")
        return q

    @staticmethod
    def _exclusions(r: SpecReader, steps: int) -> tuple[Exclusion, ...]:
        raw = r.items("exclusions")
        if len(raw) > MAX_EXCLUSIONS:
            raise QueryError(f"{r.sub('exclusions')} may have at most {MAX_EXCLUSIONS} exclusions")
        return tuple(Exclusion.from_json(x, f"{r.sub('exclusions')}[{i}]", steps) for i, x in enumerate(raw))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "funnel",
            "steps": [s.to_json() for s in self.steps],
            "window": self.window.to_json(),
            "range": self.range.to_dict(),
            "where": filters_to_list(self.where),
            "limit": self.limit,
            "view": self.view,
            "unit": self.unit,
            "bins": self.bins,
        }
        if self.timezone is not None:
            out["timezone"] = self.timezone
        if self.breakdown is not None:
            out["breakdown"] = self.breakdown.to_json()
        if self.order != "ordered":
            out["order"] = self.order
        if self.exclusions:
            out["exclusions"] = [x.to_json() for x in self.exclusions]
        if self.hold is not None:
            out["hold"] = self.hold
        return out


# --------------------------------------------------------------------------------------------
# SQL


class FunnelSQL:
    """The funnel's shared statements for one dialect, period and set of top breakdown values."""

    def __init__(self, q: FunnelQuery, dialect: Dialect, now: dt.datetime, *, prefix: str = "") -> None:
        self.prefix = prefix  # CTE names must be unique when a funnel is nested in another statement
        self.q = q
        self.dialect = dialect
        self.backend = backend_for(dialect)
        self.zone = zone_info(q.timezone)
        self.period: Period = resolve_range(q.range, self.zone, now)
        self.window_ms = q.window.ms
        step_filters = [f for s in q.steps for f in s.where]
        self.trait_breakdown = q.breakdown is not None and q.breakdown.target == "trait"
        uses_users = needs_users(q.where) or needs_users(step_filters)
        self.ctx = FilterContext(dialect, events, users if uses_users else None, events.c.person,
                                 today(self.zone, now))
        self.source: FromClause = (events.outerjoin(users, users.c.id == events.c.person)
                                   if uses_users else events)
        self.where = compile_filters(q.where, self.ctx)
        self.step_where = [compile_filters(s.where, self.ctx) for s in q.steps]
        self.uses_users = uses_users
        self.today = today(self.zone, now)
        #: property -> its column, where the database materialized it (app.core.materialized)
        self.materialized = MATERIALIZED.get()
        #: Indexes of the exclusions whose events are read once and hash-joined (see
        #: `choose_exclusion_forms`); the others are probed once per entered person.
        self.hashed_exclusions: frozenset[int] = frozenset()

    def _property_text(self, table: Any, name: str) -> ColumnElement[Any]:
        """Property `name` of `table`'s event as display text: its own column where the
        database materialized it (the same text, computed by the database at insert)."""
        col = self.materialized.get(name)
        if col is not None:
            return self.backend.materialized_text(table, col, name)
        return self.backend.json_display(table.c.properties, name)

    @property
    def n(self) -> int:
        return len(self.q.steps)

    def choose_exclusion_forms(self, runner: QueryRunner, conn: Connection) -> None:
        """Pick each exclusion's form before the statements are built, where exclusions are
        joins (PostgreSQL; ClickHouse flags them in its arrays, SQLite seeks per person).

        A probe of `(event, person, ts)` per entered person costs about the same whatever the
        exclusion event; reading the exclusion event's rows in the span once and hash-joining
        costs in proportion to those rows. So: hash when the event's rows in [range start,
        range end + window) are at most HASHED_EXCLUSION_SHARE x the entry event's rows in the
        range (one statement summing `event_hours`; filters are ignored, so both are upper
        bounds). Measured at 10M on PostgreSQL (docs/benchmarks/funnel_users.md): a rare
        event (Signed Out, 0.015x the entries) hashed 1.92x -> 1.39x the plain funnel; the
        entry event's own count (1.0x) about equal either way; a common one (Page Viewed, 2.7x)
        probed 3.08 s against 4.53 s hashed."""
        if not self.q.exclusions or not self.backend.funnel_steps_by_join or self.backend.funnel_person_arrays:
            return
        if FORCE_EXCLUSION_FORM is not None:
            self.hashed_exclusions = (frozenset(range(len(self.q.exclusions)))
                                      if FORCE_EXCLUSION_FORM == "hash" else frozenset())
            return
        if not self.backend.hourly_rollups:
            return
        h = event_hours
        start, end = self.period.start_ms, self.period.end_ms

        def rows(event: str, until: int) -> Any:  # hours overlapping [start, until)
            return (select(func.coalesce(func.sum(h.c.n), 0))
                    .where(h.c.event == literal(event), h.c.hour > literal(start - HOUR_MS, BigInteger),
                           h.c.hour < literal(until, BigInteger)).scalar_subquery())

        counts = runner.execute(conn, select(rows(self.q.steps[0].event, end),
                                             *(rows(x.event, end + self.window_ms) for x in self.q.exclusions))).one()
        entries, *excluding = (int(n or 0) for n in counts)
        self.hashed_exclusions = frozenset(i for i, n in enumerate(excluding) if n <= HASHED_EXCLUSION_SHARE * entries)

    def _step_match(self, k: int) -> ColumnElement[bool]:
        conds: list[ColumnElement[bool]] = [events.c.event == literal(self.q.steps[k].event)]
        if k == 0:
            conds.append(self._entry_ts() < literal(self.period.end_ms, BigInteger))
        extra = self.step_where[k]
        if extra is not None:
            conds.append(extra)
        return and_(*conds)

    def _entry_ts(self) -> ColumnElement[Any]:
        """`ts` for the entry step's range. SQLite: not usable to range-scan, so it walks the
        slim (event, person, ts) index in person order and groups without sorting, where it
        would rather range-scan the wide segmentation index and sort (10M events, 90 days:
        0.54 s instead of 1.28 s; 7 days: 0.20 s instead of 0.22 s)."""
        return self.backend.not_for_lookup(events.c.ts)

    def _hold_value(self, table: Any) -> ColumnElement[Any]:
        """The held property of `table`'s event, as breakdown values are compared (text)."""
        name = self.q.hold
        assert name is not None
        if name in ENRICHED_COLUMNS:
            return table.c[ENRICHED_COLUMNS[name]]
        return self._property_text(table, name)

    @property
    def _lazy_hold(self) -> bool:
        """A held property without a property breakdown, steps in order, where correlated
        subqueries run (SQLite, PostgreSQL): the entry event's value is read only for the
        persons with a step-2 event in their window (the only ones it can decide for), by an
        index seek and one row each, where reading it for every entered person cost more than
        the rest of the funnel (90 days, 1M events on SQLite: 31k entered, 6k with a step-2
        event, 347 ms CPU -> 229 ms, plain 160 ms; 10M on PostgreSQL: 16.7 s -> 4.0 s, plain
        4.5 s)."""
        return (self.q.hold is not None and self.q.order != "any" and self.n > 1
                and self.backend.correlated_subqueries
                and (self.q.breakdown is None or self.trait_breakdown)
                # Materialized, PostgreSQL ranks every entry event from the index instead (10M:
                # 1.41x the plain funnel's CPU against 1.67x with the lookups).
                and not (self.backend.funnel_steps_by_join and self.q.hold in self.materialized))

    def _entry_value(self, firsts: Any) -> ColumnElement[Any]:
        """The held value of the first entry event (lowest id at the first time) of each person
        of `firsts` (person, t0), as a correlated subquery."""
        ev = events.alias(f"{self.prefix}funnel_entry")
        us = users.alias(f"{self.prefix}funnel_entry_u") if self.uses_users else None
        ctx = FilterContext(self.dialect, ev, us, ev.c.person, self.today)
        own = compile_filters(self.q.steps[0].where, ctx)
        conds = [ev.c.person == firsts.c.person, ev.c.ts == firsts.c.t0, ev.c.event == literal(self.q.steps[0].event),
                 *([own] if own is not None else [])]
        shared = compile_filters(self.q.where, ctx)
        if shared is not None:
            conds.append(shared)
        source: Any = ev if us is None else ev.outerjoin(us, us.c.id == ev.c.person)
        # One index seek and that row (PostgreSQL, 10M: 57k persons, 1.75 s as min(id) and
        # then the row by id under load).
        return (select(self._hold_value(ev)).select_from(source).where(*conds).order_by(ev.c.id).limit(1)
                .correlate(firsts).scalar_subquery())

    def _has_step2_event(self, firsts: Any) -> Any:
        """EXISTS a step-2 event of `firsts`' person in their window (held value aside)."""
        _, candidates, join, filters = self._step_events(1, firsts, held=False)
        return select(literal(1, Integer)).select_from(candidates).where(*join, *filters) \
            .correlate(firsts).exists()

    @property
    def _first_by_id(self) -> bool:
        """Whether step 0 must pick each person's first entry event itself (not just its time):
        its breakdown value or held property decide."""
        return (self.q.breakdown is not None and not self.trait_breakdown) or self.q.hold is not None

    def _event_group(self, table: Any = events) -> ColumnElement[Any]:
        b = self.q.breakdown
        assert b is not None and b.target == "property"
        if b.name in ENRICHED_COLUMNS:
            return table.c[ENRICHED_COLUMNS[b.name]]
        return self._property_text(table, b.name)

    def entry_events(self) -> Any:
        """The step-1 events in the range (person, ts[, id, g]), m0 always 1."""
        cols: list[ColumnElement[Any]] = [events.c.person.label("person"), events.c.ts.label("ts"),
                                          literal(1, Integer).label("m0")]
        if self._first_by_id:
            cols.append(events.c.id.label("id"))
        if self.q.breakdown is not None and not self.trait_breakdown:
            cols.append(self._event_group().label("g"))
        if self.q.hold is not None:
            cols.append(self._hold_value(events).label("h"))
        start = self._entry_ts() >= literal(self.period.start_ms, BigInteger)
        shared = [self.where] if self.where is not None else []
        if self.q.order != "any":
            return (select(*cols).select_from(self.source).where(self._step_match(0), start, *shared)
                    .subquery(f"{self.prefix}funnel_entry_events"))
        # 'any': every step's events open the funnel; one SELECT per distinct step, so each reads
        # its event's index (an OR of events made SQLite scan every event of every person).
        parts: list[Any] = []
        seen: set[tuple[str, str]] = set()
        for step, own in zip(self.q.steps, self.step_where, strict=True):
            key = (step.event, repr(filters_to_list(step.where)))
            if key in seen:
                continue
            seen.add(key)
            conds = [events.c.event == literal(step.event),
                     self._entry_ts() < literal(self.period.end_ms, BigInteger), start, *shared]
            parts.append(select(*cols).select_from(self.source).where(*conds, *([own] if own is not None else [])))
        union: Any = parts[0] if len(parts) == 1 else union_all(*parts)
        return union.subquery(f"{self.prefix}funnel_entry_events")

    def _step_events(self, k: int, prev: Any, held: bool = True
                     ) -> tuple[Any, Any, list[ColumnElement[bool]], list[ColumnElement[bool]]]:
        """(events alias, FROM clause, join conditions, filter conditions) of `prev`'s persons'
        step-k events after their step k-1 and within the window (`held`: and carrying the
        entry's held property)."""
        ev = events.alias(f"{self.prefix}funnel_e{k}" if held else f"{self.prefix}funnel_c{k}")
        us = users.alias(f"{self.prefix}funnel_u{k}" if held else f"{self.prefix}funnel_cu{k}") \
            if self.uses_users else None
        ctx = FilterContext(self.dialect, ev, us, ev.c.person, self.today)
        join: list[ColumnElement[bool]] = [
            ev.c.event == literal(self.q.steps[k].event),
            ev.c.person == prev.c.person,
            ev.c.ts > prev.c[f"t{k - 1}"],
            ev.c.ts <= prev.c.t0 + literal(self.window_ms, BigInteger),
        ]
        if self.q.hold is not None and held:
            join.append(self._hold_value(ev) == prev.c.h)
        filters = [f for f in (compile_filters(self.q.where, ctx), compile_filters(self.q.steps[k].where, ctx))
                   if f is not None]
        source: Any = ev if us is None else ev.outerjoin(us, us.c.id == ev.c.person)
        return ev, source, join, filters

    def next_step_time(self, k: int, prev: Any) -> ColumnElement[Any]:
        """SQLite: the ts of `prev`'s person's first step-k event after step k-1 and within the
        window, as a correlated MIN — one seek in (event, person, ts) per person where the step
        has no filters of its own."""
        ev, source, join, filters = self._step_events(k, prev)
        return (select(func.min(ev.c.ts)).select_from(source).where(*join, *filters)
                .correlate(prev).scalar_subquery())

    def _strict_next(self, k: int, prev: Any) -> tuple[Any, Any, list[ColumnElement[bool]], list[Any]]:
        """What both strict-order forms share: step k's events alias (and its users alias, if
        filters read traits), the conditions of "an event of any funnel step" with the shared
        filters, and what makes such an event a qualifying step-k one for `prev`'s person."""
        ev = events.alias(f"{self.prefix}funnel_s{k}")
        us = users.alias(f"{self.prefix}funnel_su{k}") if self.uses_users else None
        ctx = FilterContext(self.dialect, ev, us, ev.c.person, self.today)
        steps = []
        for step in self.q.steps:
            own = compile_filters(step.where, ctx)
            steps.append(ev.c.event == literal(step.event) if own is None
                         else and_(ev.c.event == literal(step.event), own))
        conds: list[ColumnElement[bool]] = [or_(*steps)]
        shared = compile_filters(self.q.where, ctx)
        if shared is not None:
            conds.append(shared)
        qualifies = [steps[k], ev.c.ts <= prev.c.t0 + literal(self.window_ms, BigInteger)]
        if self.q.hold is not None:
            qualifies.append(self._hold_value(ev) == prev.c.h)
        return ev, us, conds, qualifies

    def strict_step_time(self, k: int, prev: Any) -> ColumnElement[Any]:
        """Strict order: the person's very next event of any of the funnel's steps after step
        k-1 (earliest ts, then id), and its ts if it is a step-k event within the window."""
        ev, us, conds, qualifies = self._strict_next(k, prev)
        conds = [ev.c.person == prev.c.person, ev.c.ts > prev.c[f"t{k - 1}"], *conds]
        source: Any = ev if us is None else ev.outerjoin(us, us.c.id == ev.c.person)
        return (select(case((and_(*qualifies), ev.c.ts))).select_from(source).where(*conds)
                .order_by(ev.c.ts, ev.c.id).limit(1).correlate(prev).scalar_subquery())

    def strict_step_join(self, k: int, prev: Any) -> Select[Any]:
        """Strict order where joins are the better plan (and correlated LIMIT 1 subqueries cannot
        run: ClickHouse): `prev`'s persons joined to their events of any funnel step after step
        k-1, the earliest (ts, id) per person kept, and the persons for whom it is a qualifying
        step-k event, with its time."""
        ev, us, conds, qualifies = self._strict_next(k, prev)
        carried = [prev.c[f"t{j}"] for j in range(k)] + ([prev.c.h] if self.q.hold is not None else [])
        joined: Any = prev.join(ev, and_(ev.c.person == prev.c.person, ev.c.ts > prev.c[f"t{k - 1}"]))
        if us is not None:
            joined = joined.outerjoin(us, us.c.id == ev.c.person)
        rn = func.row_number().over(partition_by=prev.c.person, order_by=[ev.c.ts, ev.c.id])
        ranked = (select(prev.c.person, *carried, case((and_(*qualifies), ev.c.ts)).label("tq"), rn.label("rn"))
                  .select_from(joined).where(*conds).subquery(f"{self.prefix}funnel_next{k}"))
        return (select(ranked.c.person, *(ranked.c[c.name] for c in carried), ranked.c.tq.label(f"t{k}"))
                .where(ranked.c.rn == literal(1, Integer), ranked.c.tq.is_not(None)))

    def step_join(self, k: int, prev: Any) -> Select[Any]:
        """PostgreSQL: the persons of `prev` who reached step k, with its first time: `prev`
        joined to the step-k events and grouped (hash or merge joins over (event, person, ts))."""
        ev, source, join, filters = self._step_events(k, prev)
        carried = [prev.c[f"t{j}"] for j in range(k)]
        if self.q.hold is not None:
            carried.append(prev.c.h)
        return (select(prev.c.person, *carried, func.min(ev.c.ts).label(f"t{k}"))
                .select_from(prev.join(source, and_(*join))).where(*filters)
                .group_by(prev.c.person, *carried))

    def entries(self, se: Any) -> Any:
        """Step 0: each person's first step-1 event in the range (and its group value `g`)."""
        first = se.c.m0 == literal(1, Integer)
        if not self._first_by_id or (self._lazy_hold and self.backend.funnel_steps_by_join):
            return (select(se.c.person, func.min(se.c.ts).label("t0"))
                    .where(first).group_by(se.c.person))
        if not self.backend.funnel_steps_by_join:
            return self._entries_by_lookup(se)
        rn = func.row_number().over(partition_by=se.c.person, order_by=[se.c.ts, se.c.id])
        kept = [se.c[name] for name in ("g", "h") if name in se.c]
        ranked = (select(se.c.person, se.c.ts, *kept, rn.label("rn"))
                  .where(first).subquery("first_entry"))
        return select(ranked.c.person, ranked.c.ts.label("t0"), *(ranked.c[c.name] for c in kept)) \
            .where(ranked.c.rn == literal(1, Integer))

    def _entries_by_lookup(self, se: Any) -> Any:
        """Step 0 with the first entry event's own values (breakdown `g`, held `h`), SQLite's way:
        each person's first time from the index alone, then that event found by one seek in
        (person, ts) per person (the lowest id at that millisecond), instead of reading every
        entry event's row to rank them (a held property over 90 days at 1M events: 1.4 s)."""
        firsts = (select(se.c.person, func.min(se.c.ts).label("t0"))
                  .where(se.c.m0 == literal(1, Integer)).group_by(se.c.person)
                  .subquery(f"{self.prefix}funnel_first_ts"))
        if self._lazy_hold:
            return select(firsts.c.person, firsts.c.t0,
                          case((self._has_step2_event(firsts), self._entry_value(firsts))).label("h"))
        ev = events.alias(f"{self.prefix}funnel_entry")
        us = users.alias(f"{self.prefix}funnel_entry_u") if self.uses_users else None
        ctx = FilterContext(self.dialect, ev, us, ev.c.person, self.today)
        opens = range(self.n) if self.q.order == "any" else range(1)
        kinds = []
        for k in opens:
            own = compile_filters(self.q.steps[k].where, ctx)
            kinds.append(and_(ev.c.event == literal(self.q.steps[k].event), *([own] if own is not None else [])))
        conds = [ev.c.person == firsts.c.person, ev.c.ts == firsts.c.t0, or_(*kinds)]
        shared = compile_filters(self.q.where, ctx)
        if shared is not None:
            conds.append(shared)
        source: Any = ev if us is None else ev.outerjoin(us, us.c.id == ev.c.person)
        first_id = (select(func.min(ev.c.id)).select_from(source).where(*conds)
                    .correlate(firsts).scalar_subquery())
        row = events.alias(f"{self.prefix}funnel_entry_row")
        cols: list[ColumnElement[Any]] = [firsts.c.person, firsts.c.t0]
        if self.q.breakdown is not None and not self.trait_breakdown:
            cols.append(self._event_group(row).label("g"))
        if self.q.hold is not None:
            cols.append(self._hold_value(row).label("h"))
        return select(*cols).select_from(firsts.join(row, row.c.id == first_id))

    def _entry_group_source(self, source: Any, entered: Any) -> tuple[Any, ColumnElement[Any]]:
        """(`source` joined as needed, group value column) of the persons in `entered` (a level
        with `person` and, for a property breakdown, its entry value `g`)."""
        b = self.q.breakdown
        assert b is not None
        if self.trait_breakdown:
            joined = source.outerjoin(users, users.c.id == entered.c.person)
            return joined, self.backend.json_display(users.c.traits, b.name)
        return source, entered.c.g

    def top_groups_statement(self, name: str = "funnel_step0") -> Select[Any]:
        """The `limit` breakdown values most persons entered with (ties: code-point order, null last)."""
        f0 = self.entries(self.entry_events()).subquery(name)
        source, g = self._entry_group_source(f0, f0)
        n = func.count().label("n")
        return (select(g.label("g"), n).select_from(source).group_by(g)
                .order_by(n.desc(), self.backend.binary_order(g).asc().nulls_last())
                .limit(self.q.limit))

    def people(self, tops: Sequence[str | None] | None = None) -> Any:
        """The CTE of entered persons: person, grp (0 without breakdown; 1..N top values in rank
        order; N+1 Other), t0..t{n-1} (NULL where not reached)."""
        f0 = self.entries(self.entry_events()).cte(f"{self.prefix}funnel_step0")
        if self._lazy_hold and not self.backend.funnel_steps_by_join:
            # Once per person: inlined, SQLite would read the entry's value again for every
            # candidate event the later steps compare it with.
            f0 = self.backend.materialized_cte(f0)
        source: Any
        if self.q.order == "any":
            source, times = self._any_order_times(f0)
            base = f0
        elif self.backend.funnel_steps_by_join and (self.q.order == "ordered" or not self.backend.correlated_subqueries):
            join_step = self.step_join if self.q.order == "ordered" else self.strict_step_join
            levels = [f0]
            if self._lazy_hold:
                # The persons with a step-2 event, with their entry's held value; the others
                # cannot reach step 2 and stay in f0 only.
                # MATERIALIZED: inlined, PostgreSQL evaluated the value's subquery again for
                # every candidate event of step 2 (10M: 77k lookups instead of 57k, 9 s).
                levels = [self.backend.materialized_cte(
                    select(f0.c.person, f0.c.t0, self._entry_value(f0).label("h"))
                    .where(self._has_step2_event(f0)).cte(f"{self.prefix}funnel_held"))]
            for k in range(1, self.n):
                levels.append(join_step(k, levels[-1]).cte(f"{self.prefix}funnel_step{k}"))
            source = f0
            for level in levels[1:]:
                source = source.outerjoin(level, level.c.person == f0.c.person)
            times = [f0.c.t0] + [level.c[f"t{k}"] for k, level in enumerate(levels) if k > 0]
            base = f0
        else:
            level = f0
            if self._lazy_hold and self.backend.funnel_steps_by_join:
                # PostgreSQL's strict order: f0 came without the held value (entries()).
                held = case((self._has_step2_event(f0), self._entry_value(f0)))
                level = self.backend.materialized_cte(
                    select(f0.c.person, f0.c.t0, held.label("h")).cte(f"{self.prefix}funnel_held"))
            for k in range(1, self.n):
                # One row per entered person at every level; the subquery only runs for persons
                # who reached the previous step. MATERIALIZED: it runs once per person, however
                # often the level is read (SQLite would otherwise inline it into every use).
                prev = level
                reached = prev.c[f"t{k - 1}"].is_not(None)
                found = (self.strict_step_time(k, prev) if self.q.order == "strict"
                         else self.next_step_time(k, prev))
                tk = case((reached, found))
                level = self.backend.materialized_cte(
                    select(*prev.c, tk.label(f"t{k}")).cte(f"{self.prefix}funnel_step{k}"))
            times = [level.c[f"t{k}"] for k in range(self.n)]
            source = base = level
        grp: ColumnElement[Any] = literal(0, Integer)
        if self.q.breakdown is not None:
            source, g = self._entry_group_source(source, base)
            grp = rank_case(g, tops or [])
        value = [g.label("g")] if self.q.breakdown is not None else []
        columns = [base.c.person.label("person"), grp.label("grp"), *value,
                   *[t.label(f"t{k}") for k, t in enumerate(times)]]
        if self.q.exclusions and self.backend.funnel_steps_by_join:
            # Where joins are the better plan (and without correlated subqueries: ClickHouse): the
            # excluded persons are found by joining every entered person's times to the
            # exclusion events, and left out. PostgreSQL at 10M (310k entered persons, an
            # exclusion from step 1): a NOT EXISTS per person took the funnel from 1.9 to 3.5 s.
            every = select(*columns).select_from(source).cte(f"{self.prefix}funnel_entered")
            out = [every.c.person.not_in(self._excluded(x, i, every)) for i, x in enumerate(self.q.exclusions)]
            return select(*every.c).where(*out).cte(f"{self.prefix}funnel_people")
        kept = [self._not_excluded(x, i, base.c.person, times) for i, x in enumerate(self.q.exclusions)]
        return select(*columns).select_from(source).where(*kept).cte(f"{self.prefix}funnel_people")

    def _any_order_times(self, f0: Any) -> tuple[Any, list[ColumnElement[Any]]]:
        """'any' order: each step's first event in [entry, entry + window] (with the held value),
        ranked per person; t_k is the (k+1)-th of those times, so t_k is set for persons who did
        at least k+1 of the steps, and the differences are the times between reaching them."""
        def step_events(k: int) -> tuple[Any, Any, list[ColumnElement[bool]]]:
            ev = events.alias(f"{self.prefix}funnel_a{k}")
            us = users.alias(f"{self.prefix}funnel_au{k}") if self.uses_users else None
            ctx = FilterContext(self.dialect, ev, us, ev.c.person, self.today)
            conds: list[ColumnElement[bool]] = [
                ev.c.event == literal(self.q.steps[k].event), ev.c.person == f0.c.person, ev.c.ts >= f0.c.t0,
                ev.c.ts <= f0.c.t0 + literal(self.window_ms, BigInteger)]
            conds += [f for f in (compile_filters(self.q.where, ctx), compile_filters(self.q.steps[k].where, ctx))
                      if f is not None]
            if self.q.hold is not None:
                conds.append(self._hold_value(ev) == f0.c.h)
            return ev, (ev if us is None else ev.outerjoin(us, us.c.id == ev.c.person)), conds

        firsts: list[Any] = []
        if self.backend.funnel_steps_by_join:
            # Each step's events joined to the entered persons and grouped (hash/merge joins).
            for k in range(self.n):
                ev, events_of, conds = step_events(k)
                firsts.append(select(f0.c.person.label("person"), func.min(ev.c.ts).label("f"))
                              .select_from(f0.join(events_of, ev.c.person == f0.c.person))
                              .where(*conds).group_by(f0.c.person))
        else:
            # One seek per person and step in (event, person, ts), as the ordered funnel does;
            # the persons' first times side by side, then one row per step done.
            wide_cols = []
            for k in range(self.n):
                ev, events_of, conds = step_events(k)
                wide_cols.append(select(func.min(ev.c.ts)).select_from(events_of).where(*conds)
                                 .correlate(f0).scalar_subquery().label(f"f{k}"))
            wide = self.backend.materialized_cte(
                select(f0.c.person, *wide_cols).cte(f"{self.prefix}funnel_firsts"))
            firsts = [select(wide.c.person.label("person"), wide.c[f"f{k}"].label("f"))
                      .where(wide.c[f"f{k}"].is_not(None)) for k in range(self.n)]
        done_rows: Any = firsts[0] if len(firsts) == 1 else union_all(*firsts)
        done = done_rows.subquery(f"{self.prefix}funnel_done")
        rank = func.row_number().over(partition_by=done.c.person, order_by=done.c.f).label("rn")
        ranked = select(done.c.person, done.c.f, rank).subquery(f"{self.prefix}funnel_ranked")
        pivot = (select(ranked.c.person,
                        *(func.max(case((ranked.c.rn == literal(k + 1, Integer), ranked.c.f))).label(f"t{k}")
                          for k in range(1, self.n)))
                 .group_by(ranked.c.person).cte(f"{self.prefix}funnel_reached"))
        return (f0.outerjoin(pivot, pivot.c.person == f0.c.person),
                [f0.c.t0, *(pivot.c[f"t{k}"] for k in range(1, self.n))])

    def _exclusion_conds(self, x: Exclusion, i: int, person: ColumnElement[Any],
                         times: Sequence[ColumnElement[Any]]) -> tuple[Any, Any, list[ColumnElement[bool]]]:
        """(events alias, users alias or None, conditions) of an exclusion event of `person`
        strictly after step `from_step`'s event and strictly before step `to_step`'s (no later
        than entry + window when that step was not reached)."""
        ev = events.alias(f"{self.prefix}funnel_x{i}")
        us = users.alias(f"{self.prefix}funnel_xu{i}") if needs_users(x.where) else None
        ctx = FilterContext(self.dialect, ev, us, ev.c.person, self.today)
        after, before = times[x.from_step - 1], times[x.to_step - 1]
        window_end = times[0] + literal(self.window_ms, BigInteger)
        conds: list[ColumnElement[bool]] = [
            ev.c.event == literal(x.event), ev.c.person == person, ev.c.ts > after,
            or_(and_(before.is_not(None), ev.c.ts < before), and_(before.is_(None), ev.c.ts <= window_end)),
        ]
        own = compile_filters(x.where, ctx)
        if own is not None:
            conds.append(own)
        return ev, us, conds

    def _excluded(self, x: Exclusion, i: int, every: Any) -> Select[Any]:
        """The persons of `every` (person, t0..) with an exclusion event (see _exclusion_conds)."""
        times = [every.c[f"t{k}"] for k in range(self.n)]
        if i in self.hashed_exclusions:
            return self._excluded_by_hash(x, i, every, times)
        ev, us, conds = self._exclusion_conds(x, i, every.c.person, times)
        joined: Any = every.join(ev, ev.c.person == every.c.person)
        if us is not None:
            joined = joined.outerjoin(us, us.c.id == ev.c.person)
        return select(every.c.person).select_from(joined).where(*conds).distinct()

    def _excluded_by_hash(self, x: Exclusion, i: int, every: Any,
                          times: Sequence[ColumnElement[Any]]) -> Select[Any]:
        """`_excluded` for a rare exclusion event: its events that can lie in some entered
        person's span ([range start, range end + window)) read once, with its own filters, into
        a MATERIALIZED CTE the entered persons are hash-joined to. The planner, misled about
        the entered persons' count, otherwise probes `(event, person, ts)` once per entered
        person (docs/benchmarks/funnel_users.md, "Exclusion form")."""
        ev = events.alias(f"{self.prefix}funnel_xs{i}")
        us = users.alias(f"{self.prefix}funnel_xu{i}") if needs_users(x.where) else None
        ctx = FilterContext(self.dialect, ev, us, ev.c.person, self.today)
        own = compile_filters(x.where, ctx)
        source: Any = ev if us is None else ev.outerjoin(us, us.c.id == ev.c.person)
        span = [ev.c.event == literal(x.event), ev.c.ts >= literal(self.period.start_ms, BigInteger),
                ev.c.ts < literal(self.period.end_ms + self.window_ms, BigInteger)]
        found = self.backend.materialized_cte(
            select(ev.c.person, ev.c.ts).select_from(source).where(*span, *([own] if own is not None else []))
            .cte(f"{self.prefix}funnel_xe{i}"))
        after, before = times[x.from_step - 1], times[x.to_step - 1]
        window_end = times[0] + literal(self.window_ms, BigInteger)
        conds = [found.c.ts > after,
                 or_(and_(before.is_not(None), found.c.ts < before),
                     and_(before.is_(None), found.c.ts <= window_end))]
        return (select(every.c.person).select_from(every.join(found, found.c.person == every.c.person))
                .where(*conds).distinct())

    def _not_excluded(self, x: Exclusion, i: int, person: ColumnElement[Any],
                      times: Sequence[ColumnElement[Any]]) -> ColumnElement[bool]:
        """No exclusion event (see _exclusion_conds) of the person, as a correlated NOT EXISTS."""
        ev, us, conds = self._exclusion_conds(x, i, person, times)
        after = times[x.from_step - 1]
        source: Any = ev if us is None else ev.outerjoin(us, us.c.id == ev.c.person)
        return or_(after.is_(None), ~exists(select(literal(1, Integer)).select_from(source).where(*conds)))

    def steps_statement(self, tops: Sequence[str | None] | None = None) -> Select[Any]:
        """Per group: entered count, and per later step its count, the sum and the median of the
        ms since the previous step (the sum, not the average, so both databases agree exactly)."""
        fp = self.people(tops)
        d = [(fp.c[f"t{k}"] - fp.c[f"t{k - 1}"]).label(f"d{k}") for k in range(1, self.n)]
        diffs: Any = select(fp.c.grp, fp.c.t0, *d)
        if self.q.breakdown is not None:
            # grp -1: every person, for the overall steps (medians do not add up across groups).
            diffs = diffs.union_all(select(literal(-1, Integer).label("grp"), fp.c.t0, *d))
        diffs = diffs.subquery("funnel_diffs")

        def extras(src: Any) -> list[ColumnElement[Any]]:
            out: list[ColumnElement[Any]] = [func.count().label("c0")]
            for k in range(1, self.n):
                out += [func.count(src.c[f"d{k}"]).label(f"c{k}"), func.sum(src.c[f"d{k}"]).label(f"s{k}")]
            return out

        return self.backend.aggregate_with_medians(
            diffs, ["grp"], [f"d{k}" for k in range(1, self.n)], extras)

    def persons_condition(self, person: ColumnElement[Any], step: int, status: str,
                          group: tuple[str | None, ...] = (), other: bool = False) -> ColumnElement[bool]:
        """`person` reached step `step` (1-based), or reached it and not the next one; with a
        breakdown, only in the group `group[0]` (its value) or, with `other`, outside the top
        `limit` values, as the result's Other."""
        fp = self.people()
        sel = select(fp.c.person).where(fp.c[f"t{step - 1}"].is_not(None))
        if status == "dropped":
            sel = sel.where(fp.c[f"t{step}"].is_(None))
        if group:
            sel = sel.where(fp.c.g.is_(None) if group[0] is None else fp.c.g == literal(group[0]))
        if other:
            tops = self.top_groups_statement(f"{self.prefix}funnel_tops_entry").subquery(f"{self.prefix}funnel_tops")
            if self.backend.correlated_subqueries:
                same = or_(tops.c.g == fp.c.g, and_(tops.c.g.is_(None), fp.c.g.is_(None)))
                sel = sel.where(~exists(select(literal(1, Integer)).select_from(tops).where(same)))
            else:
                # Uncorrelated: a value not among the non-null tops, or null where null is no top.
                valued = select(tops.c.g).where(tops.c.g.is_not(None))
                null_top = exists(select(literal(1, Integer)).select_from(tops).where(tops.c.g.is_(None)))
                sel = sel.where(or_(fp.c.g.is_(None), fp.c.g.not_in(valued)),
                                or_(fp.c.g.is_not(None), ~null_top))
        return person.in_(sel.correlate(None))


def group_label(rank: int, tops: Sequence[str | None]) -> dict[str, Any]:
    """A breakdown group of a result by its rank: {"group": value or "Other", "other": bool}."""
    other = rank > len(tops)
    return {"group": "Other" if other else tops[rank - 1], "other": other}


def rank_case(g: ColumnElement[Any], tops: Sequence[str | None]) -> ColumnElement[Any]:
    """1..N for the top values in rank order (NULL may be one of them), N+1 for Other."""
    other = literal(len(tops) + 1, Integer)
    whens = []
    for i, value in enumerate(tops, start=1):
        cond = g.is_(None) if value is None else g == literal(value)
        whens.append((cond, literal(i, Integer)))
    return case(*whens, else_=other) if whens else other


# --------------------------------------------------------------------------------------------
# Runner


def step_results(q: FunnelQuery, counts: Sequence[int], sums: Sequence[int | None],
                 medians: Sequence[Any]) -> list[dict[str, Any]]:
    """The documented per-step dicts, from integer counts and ms sums/medians (k >= 1 only)."""
    out = []
    for k, step in enumerate(q.steps):
        count = counts[k]
        first = counts[0]
        prev = counts[k - 1] if k else count
        item: dict[str, Any] = {
            "step": k + 1,
            "event": step.event,
            "count": count,
            "conversion_from_previous": rate(count, prev) if k else (1.0 if count else 0.0),
            "conversion_from_first": rate(count, first) if k else (1.0 if count else 0.0),
            "median_seconds_from_previous": None,
            "avg_seconds_from_previous": None,
        }
        if k and count:
            item["median_seconds_from_previous"] = seconds(medians[k])
            item["avg_seconds_from_previous"] = seconds((sums[k] or 0) / count)
        out.append(item)
    return out


def funnel_header(sql: FunnelSQL) -> dict[str, Any]:
    return {
        "view": sql.q.view,
        "timezone": sql.zone.key,
        "range": {"from": sql.period.first_day.isoformat(), "to": sql.period.last_day.isoformat()},
        "window_seconds": sql.window_ms // 1000,
    }
