"""Funnels in one pass per person, for databases with array functions (ClickHouse,
Backend.funnel_person_arrays).

The shared SQL (app.query.runners.funnel_base) finds each step by joining the persons who
reached the previous one to the step's events; ClickHouse inlines each CTE at every use, so a
4-step funnel read step 0 four times (10M events: 0.95 s). Here the step events of the range
(and of the window after it) are read once, grouped by person into one sorted array of
(ts, id, flags..., group value, held value), and each person's entry and step times are
computed from that array with ClickHouse's array functions, under exactly the semantics
funnel_base documents:

- entry: the first event (ts, then id) that opens the funnel inside the range;
- ordered: step k is the first step-k event strictly later than step k-1's and no later than
  entry + window (with the held value of the entry, if any);
- strict: the very next event of any step after step k-1's (ts, then id), if it is a step-k
  event inside the window (with the held value);
- any: each step's first event in [entry, entry + window]; t_k is the (k+1)-th of those times;
- exclusions: an exclusion event strictly after step from_step's event and strictly before step
  to_step's (no later than entry + window when not reached) removes the person.

The result is the same `funnel_people` CTE (person, grp, g, t0..), so every view (steps,
trends, time to convert, persons) reads it unchanged. ClickHouse's own windowFunnel() is not
used: it reports the best chain from any step-1 event (the window restarts), not the chain
from the first entry, and no step times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    and_,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.engine import Dialect

from app.core.backends import backend_for
from app.core.schema import events, users
from app.query.filters import FilterContext, compile_filters, needs_users
from app.query.runners.funnel_base import FunnelQuery, FunnelSQL, rank_case


class PersonArrays(Protocol):
    """What a backend with `funnel_person_arrays` offers besides its array functions."""

    def stored_person(self, events: Any) -> Any: ...

    def person_of_stored(self, stored: Any) -> Any: ...


def funnel_sql(q: FunnelQuery, dialect: Dialect, now: dt.datetime, *, prefix: str = "") -> FunnelSQL:
    """The funnel's statements in the form this database answers fastest."""
    if backend_for(dialect).funnel_person_arrays:
        return ArrayFunnelSQL(q, dialect, now, prefix=prefix)
    return FunnelSQL(q, dialect, now, prefix=prefix)


class ArrayFunnelSQL(FunnelSQL):
    """FunnelSQL whose `funnel_people` is computed per person from one array of their events.

    Each event is its time and a bit mask of what it may be (`e`: opens the funnel inside the
    range; `s<k>`: a step-k event; `x<i>`: exclusion i's event). Where neither the event's id
    nor its values are needed (no property breakdown, no held property, not strict), the array
    holds plain integers ts * 2^bits + mask, sorted by time: grouping and sorting those costs
    half of tuples (10M events at load ~6: 1.5 s -> 0.78 s for the arrays). Else (ts, id, mask, g, h)."""

    def _flags(self) -> list[str]:
        return ["e", *(f"s{k}" for k in range(self.n)), *(f"x{i}" for i in range(len(self.q.exclusions)))]

    @property
    def _packed(self) -> bool:
        # ts < 2^42 (year 2109) and 21 bits: below 2^63
        return not self._first_by_id and self.q.order != "strict" and len(self._flags()) <= 21

    @property
    def _sparse(self) -> bool:
        """Packed and ordered: the entry is the earliest event flagged `e`, and no later step reads
        an event flagged only `e`/`s0`, so each person's array keeps just the events with another
        flag and the entry comes from a min() beside it (10M events: 1.87M array elements ->
        the steps 2..n and exclusions only; CPU -6 to -14 % in interleaved runs)."""
        return self._packed and self.q.order == "ordered"

    def _fields(self) -> list[str]:
        """Names of the array's tuple fields, in sort order: (ts, id) first."""
        q = self.q
        out = ["ts"]
        if self._first_by_id or q.order == "strict":
            out.append("id")  # ties at one ms: the entry's values, strict order's next event
        out.append("mask")
        if q.breakdown is not None and not self.trait_breakdown:
            out.append("g")
        if q.hold is not None:
            out.append("h")
        return out

    def _scan(self) -> Any:
        """The events any step or exclusion may use, one row each with its flags: entries in
        the range, every other event up to the range end + window."""
        q = self.q
        uses_users = self.uses_users or any(needs_users(x.where) for x in q.exclusions)
        ctx = FilterContext(self.dialect, events, users if uses_users else None, events.c.person, self.today)
        source: Any = events.outerjoin(users, users.c.id == events.c.person) if uses_users else events
        shared = compile_filters(q.where, ctx)
        steps: list[ColumnElement[bool]] = []
        for step in q.steps:
            own = compile_filters(step.where, ctx)
            steps.append(and_(events.c.event == literal(step.event),
                              *([own] if own is not None else []), *([shared] if shared is not None else [])))
        excluded: list[ColumnElement[bool]] = []
        for x in q.exclusions:
            own = compile_filters(x.where, ctx)
            excluded.append(and_(events.c.event == literal(x.event), *([own] if own is not None else [])))
        ts = events.c.ts
        in_range = and_(ts >= literal(self.period.start_ms, BigInteger), ts < literal(self.period.end_ms, BigInteger))
        opens = steps if q.order == "any" else steps[:1]
        conds = [and_(or_(*opens), in_range) if len(opens) > 1 else and_(opens[0], in_range), *steps, *excluded]
        mask: ColumnElement[Any] = literal(0, BigInteger)
        for bit, cond in enumerate(conds):
            mask = mask + case((cond, literal(1 << bit, BigInteger)), else_=literal(0, BigInteger))
        cols: list[ColumnElement[Any]]
        if self._packed:
            cols = [(ts * literal(1 << len(conds), BigInteger) + mask).label("v")]
        else:
            cols = []
            for name in self._fields():
                if name == "mask":
                    cols.append(mask.label("mask"))
                elif name == "g":
                    cols.append(self._event_group().label("g"))
                elif name == "h":
                    cols.append(self._hold_value(events).label("h"))
                else:
                    cols.append(events.c[name].label(name))
        names = sorted({s.event for s in q.steps} | {x.event for x in q.exclusions})
        last = self.period.end_ms - 1 + self.window_ms
        stored = cast(PersonArrays, self.backend).stored_person(events)
        return (select(stored.label("sp"), *cols).select_from(source)
                .where(events.c.event.in_(names), ts >= literal(self.period.start_ms, BigInteger),
                       ts <= literal(last, BigInteger), or_(*steps, *excluded))
                .subquery(f"{self.prefix}funnel_rows"))

    def _times(self) -> list[list[tuple[str, str]]]:
        """(alias, ClickHouse expression) of each person's entry index, values and step times, in
        layers: each may use the aliases before it in its layer and the columns of the layers
        before. One layer per step, as ClickHouse substitutes aliases into the expressions that
        use them: chained in one SELECT, t_k would hold t_{k-1} twice, and 20 steps 2^20 copies
        ("Query tree is too big")."""
        q = self.q
        w = int(self.window_ms)
        p = self.prefix
        bits = {name: 1 << i for i, name in enumerate(self._flags())}
        at = {name: i + 1 for i, name in enumerate(self._fields())}
        if self._packed:
            scale = 1 << len(bits)
            mask = "x"

            def ts(x: str) -> str:
                return f"intDiv({x}, {scale})"
        else:
            mask = f"x.{at['mask']}"

            def ts(x: str) -> str:
                return f"{x}.1"

        def f(name: str) -> str:
            return f"bitAnd({mask}, {bits[name]}) != 0"

        def at_index(index: str) -> str:
            """The ts of the element at `index` (1-based; 0: none, NULL)."""
            return f"if({index} = 0, NULL, {ts(f'arrayElement({p}evs, {index})')})"

        t = ts("x")
        inside = f"{t} <= t0 + {w}"
        out: list[tuple[str, str] | None]
        if self._sparse:  # the entry from the min() beside the array (people)
            out = [(f"{p}i0", f"if({p}e0 IS NULL, 0, 1)"), ("t0", ts(f"assumeNotNull({p}e0)"))]
        else:
            out = [(f"{p}i0", f"arrayFirstIndex(x -> {f('e')}, {p}evs)"), ("t0", ts(f"arrayElement({p}evs, {p}i0)"))]
        if "g" in at:
            out.append(("g", f"arrayElement({p}evs, {p}i0).{at['g']}"))
        held = ""
        if "h" in at:
            out.append((f"{p}h", f"arrayElement({p}evs, {p}i0).{at['h']}"))
            held = f" AND ifNull(x.{at['h']} = {p}h, 0)"
        if q.order == "ordered":
            for k in range(1, self.n):
                prev = f"t{k - 1}"
                cond = f"{f(f's{k}')} AND {t} > assumeNotNull({prev}) AND {inside}{held}"
                out.append((f"{p}j{k}", f"if({prev} IS NULL, 0, arrayFirstIndex(x -> {cond}, {p}evs))"))
                out += [(f"t{k}", at_index(f"{p}j{k}")), None]
        elif q.order == "strict":
            any_step = "(" + " OR ".join(f(f"s{k}") for k in range(self.n)) + ")"
            for k in range(1, self.n):
                prev = f"t{k - 1}"
                nxt = f"{p}j{k}"
                out.append((nxt, f"if({prev} IS NULL, 0, arrayFirstIndex(x -> {any_step} AND "
                                 f"{t} > assumeNotNull({prev}), {p}evs))"))
                ok = f"arrayExists(x -> {f(f's{k}')} AND {inside}{held}, [arrayElement({p}evs, {nxt})])"
                out += [(f"t{k}", f"if({nxt} = 0 OR NOT {ok}, NULL, {ts(f'arrayElement({p}evs, {nxt})')})"), None]
        else:  # any
            for k in range(self.n):
                cond = f"{f(f's{k}')} AND {t} >= t0 AND {inside}{held}"
                out.append((f"{p}j{k}", f"arrayFirstIndex(x -> {cond}, {p}evs)"))
                out += [(f"{p}f{k}", at_index(f"{p}j{k}")), None]
            found = ", ".join(f"{p}f{k}" for k in range(self.n))
            out += [(f"{p}fs", f"arraySort(arrayFilter(v -> v IS NOT NULL, [{found}]))"), None]
            for k in range(1, self.n):
                out.append((f"t{k}", f"if(length({p}fs) > {k}, arrayElement({p}fs, {k + 1}), NULL)"))
        for i, x in enumerate(q.exclusions):
            after, before = f"t{x.from_step - 1}", f"t{x.to_step - 1}"
            cond = (f"{f(f'x{i}')} AND {t} > assumeNotNull({after}) AND "
                    f"if({before} IS NULL, {inside}, {t} < assumeNotNull({before}))")
            out.append((f"{p}out{i}", f"{after} IS NOT NULL AND arrayExists(x -> {cond}, {p}evs)"))
        layers: list[list[tuple[str, str]]] = [[]]
        for item in out:
            if item is None:
                layers.append([])
            else:
                layers[-1].append(item)
        return [layer for layer in layers if layer]

    def people(self, tops: Sequence[str | None] | None = None) -> Any:
        """`funnel_people` (person, grp, [g,] t0..t{n-1}) from one array of each person's events."""
        p = self.prefix
        rows = self._scan()
        item = rows.c.v if self._packed else func.tuple(*(rows.c[name] for name in self._fields()))
        # Grouped by the stored person first, then each stored person's array once under the
        # person it is now: one override lookup per stored person, not per event (10M events,
        # 1.9M step events, 317k persons: 1.2 s -> 0.84 s at load ~6).
        kept: list[ColumnElement[Any]] = [func.groupArray(item).label("a")]
        if self._sparse:
            flags = self._flags()
            others = sum(1 << i for i, name in enumerate(flags) if name not in ("e", "s0"))
            zero = literal(0, BigInteger)
            # minIfOrNull, not min(CASE ... ELSE NULL): no Nullable column per event (10M events: the
            # statement's CPU x0.95-1.00 in interleaved runs, docs/benchmarks/clickhouse.md), and NULL
            # for a person without an entry whatever aggregate_functions_null_for_empty says.
            kept = [func.groupArrayIf(item, func.bitAnd(item, literal(others, BigInteger)) != zero).label("a"),
                    func.minIfOrNull(item, func.bitAnd(item, literal(1, BigInteger)) != zero,
                                     type_=BigInteger).label("e")]
        stored = select(rows.c.sp, *kept).group_by(rows.c.sp).subquery(f"{p}funnel_stored")
        person = cast(PersonArrays, self.backend).person_of_stored(stored.c.sp)
        evs = func.arraySort(func.arrayFlatten(func.groupArray(stored.c.a)))
        entry = [func.min(stored.c.e).label(f"{p}e0")] if self._sparse else []
        grouped = (select(person.label("person"), evs.label(f"{p}evs"), *entry).group_by(person)
                   .subquery(f"{p}funnel_arrays"))
        per_person: Any = grouped
        for i, layer in enumerate(self._times()):
            per_person = (select(*per_person.c, *(literal_column(expr).label(alias) for alias, expr in layer))
                          .subquery(f"{p}funnel_times{i}"))
        source: Any = per_person
        keep: list[ColumnElement[bool]] = [per_person.c[f"{p}i0"] > literal(0, Integer)]
        keep += [per_person.c[f"{p}out{i}"] == literal(0, Integer) for i in range(len(self.q.exclusions))]
        grp: ColumnElement[Any] = literal(0, Integer)
        value: list[ColumnElement[Any]] = []
        if self.q.breakdown is not None:
            if self.trait_breakdown:
                source = per_person.outerjoin(users, users.c.id == per_person.c.person)
                g: ColumnElement[Any] = self.backend.json_display(users.c.traits, self.q.breakdown.name)
            else:
                g = per_person.c.g
            grp = rank_case(g, tops or [])
            value = [g.label("g")]
        times = [per_person.c[f"t{k}"].label(f"t{k}") for k in range(self.n)]
        return (select(per_person.c.person.label("person"), grp.label("grp"), *value, *times)
                .select_from(source).where(*keep).cte(f"{p}funnel_people"))
