"""Users: the persons matching trait, behavioural ("did"), cohort and funnel filters, sorted and
paged with an opaque keyset cursor (page 10,000 costs what page 1 does: an index range, no
OFFSET).

Behavioural filters `{"did": {"event", "where", "min", "max", "range"}}` compile to
`person IN (SELECT person FROM events ... GROUP BY person HAVING count BETWEEN ...)`, or
`NOT IN (... HAVING count > max)` when zero occurrences qualify ("did not" is `max: 0`); or,
chosen per clause when a users query runs (`per_person_clauses`), as seeks per person
(`EXISTS (... LIMIT 1 OFFSET n-1)`), when the event's rows in the range outnumber the persons.
They take the person from the FilterContext, so the same filter also works in segmentation
and funnel `where` (the event's person).

The selection (`users_condition`) is shared by the cohort compiler, static cohort snapshots
(INSERT ... SELECT), funnel person lists and the CSV export.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Engine,
    FromClause,
    Integer,
    Select,
    String,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.engine import Dialect

from app.core.backends import backend_for
from app.core.rollups import HOUR_MS
from app.core.schema import event_hours, events, identities, users
from app.core.suggest import hint
from app.query import limits
from app.query.filters import FilterContext, compile_filter, compile_filters, register_filter_compiler
from app.query.isotime import iso_utc
from app.query.model import (
    Filter,
    KeyedQuery,
    QueryError,
    Range,
    SpecReader,
    _short,
    check_event_name,
    check_int,
    check_name,
    check_timezone,
    filters_to_list,
    parse_filters,
    parse_range,
    query_model,
    register_filter,
)
from app.query.runner import QueryRunner, register_runner
from app.query.timerange import Period, resolve_range, today
from app.query.zones import zone_info

SORT_KEYS = ("last_seen", "first_seen", "events", "id")
MATCHES = ("all", "any")
MAX_LIMIT = 10_000
#: did.min/max: counts are compared as 32-bit integers on PostgreSQL.
MAX_COUNT = 2**31 - 1


# --------------------------------------------------------------------------------------------
# Context: what person-level filters need beyond query A's FilterContext


@dataclass(frozen=True)
class PersonContext(FilterContext):
    """A FilterContext that also knows the query's zone and "now" (relative ranges inside
    behavioural, cohort and funnel filters resolve against them)."""

    zone: ZoneInfo | None = None
    now: dt.datetime | None = None
    #: ids of the did-clauses to compile as a seek per person (`per_person_clauses`)
    per_person: frozenset[int] = frozenset()


def context_now(ctx: FilterContext) -> dt.datetime:
    now = getattr(ctx, "now", None)
    if now is not None:
        return now  # type: ignore[no-any-return]
    # Another runner's context: noon UTC of its "today" has that same date in every zone
    # within ±12 h, so relative ranges resolve to the outer query's days.
    return dt.datetime.combine(ctx.today, dt.time(12), tzinfo=dt.UTC)


def context_zone(ctx: FilterContext, name: str | None) -> ZoneInfo:
    if name is not None:
        return zone_info(name)
    zone = getattr(ctx, "zone", None)
    return zone if zone is not None else zone_info(None)


# --------------------------------------------------------------------------------------------
# Behavioural filter


@dataclass(frozen=True)
class DidFilter(Filter):
    """Did `event` (matching `where`) between `min` and `max` times (inclusive) in `range`.

    `min` defaults to 1 without `max` ("did at least once") and to 0 with it ("at most N times"
    includes never); `max: null` means no upper bound; `max: 0` means "did not".
    `range` absent = all time. `timezone` absent = the enclosing query's zone.
    """

    event: str
    where: tuple[Filter, ...] = ()
    min: int = 1
    max: int | None = None
    range: Range | None = None
    timezone: str | None = None

    person_level = True

    @classmethod
    def from_json(cls, data: Any, path: str) -> DidFilter:
        r = SpecReader(data, path)
        r.expect("event", "where", "min", "max", "range", "timezone")
        event = check_event_name(r.raw("event"), r.sub("event"))
        where = parse_filters(r.raw("where"), r.sub("where"), allow=("property",))
        maximum = r.integer("max", minimum=0, maximum=MAX_COUNT)
        minimum = r.integer("min", 1 if maximum is None else 0, minimum=0, maximum=MAX_COUNT)
        if maximum is not None and maximum < minimum:
            raise QueryError(f"{path}: max ({maximum}) is below min ({minimum})")
        rng = parse_range(r.raw("range"), r.sub("range")) if r.has("range") else None
        tz = check_timezone(r.raw("timezone"), r.sub("timezone"))
        r.done()
        return cls(event, where, minimum, maximum, rng, tz)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"event": self.event, "where": filters_to_list(self.where), "min": self.min,
                               "max": self.max}
        if self.range is not None:
            out["range"] = self.range.to_dict()
        if self.timezone is not None:
            out["timezone"] = self.timezone
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"did": self.to_json()}


def _parse_did_filter(r: SpecReader) -> Filter:
    f = DidFilter.from_json(r.raw("did"), r.sub("did"))
    r.done()
    return f


#: One alias object for every did-clause: building an alias (and its column collection) per
#: filter cost milliseconds of Python per query.
_DID_EVENTS = events.alias("did_events")


def _did_period(f: DidFilter, ctx: FilterContext) -> Period | None:
    return None if f.range is None else resolve_range(f.range, context_zone(ctx, f.timezone), context_now(ctx))


def compile_did(f: DidFilter, ctx: FilterContext) -> ColumnElement[bool]:
    if ctx.person is None:
        raise QueryError("behavioural (did) filters need a person to apply to")
    ev = _DID_EVENTS
    inner = FilterContext(ctx.dialect, ev, None, ev.c.person, ctx.today)
    conds: list[ColumnElement[bool]] = [ev.c.event == literal(f.event, String)]
    period = _did_period(f, ctx)
    if period is not None:
        conds += [ev.c.ts >= literal(period.start_ms, BigInteger), ev.c.ts < literal(period.end_ms, BigInteger)]
    extra = compile_filters(f.where, inner)
    if extra is not None:
        conds.append(extra)
    if id(f) in getattr(ctx, "per_person", ()):
        return _did_per_person(f, ctx.person, conds)
    n = func.count()
    base = select(ev.c.person).where(*conds).group_by(ev.c.person).correlate(None)
    if f.min >= 1:
        having = [n >= literal(f.min, Integer)]
        if f.max is not None:
            having.append(n <= literal(f.max, Integer))
        return ctx.person.in_(ctx.backend.materialized(base.having(and_(*having))))
    if f.max is None:
        return true()
    return ctx.person.not_in(ctx.backend.materialized(base.having(n > literal(f.max, Integer))))


def _did_per_person(f: DidFilter, person: ColumnElement[Any], conds: list[ColumnElement[bool]]
                    ) -> ColumnElement[bool]:
    """The clause as seeks in `(event, person, ts)` for this person: "at least n" is EXISTS of
    the n-th matching row (`LIMIT 1 OFFSET n-1`), which stops after n rows however many the
    person has; "at most m" is NOT EXISTS of the (m+1)-th."""
    ev = _DID_EVENTS
    [event_cond, *rest] = conds

    def has(n: int) -> ColumnElement[bool]:
        return (select(literal(1, Integer)).select_from(ev).where(event_cond, ev.c.person == person, *rest)
                .correlate_except(ev).limit(literal(1, Integer)).offset(literal(n - 1, BigInteger)).exists())

    parts = []
    if f.min >= 1:
        parts.append(has(f.min))
    if f.max is not None:
        parts.append(~has(f.max + 1))
    if not parts:
        return true()
    return parts[0] if len(parts) == 1 else and_(*parts)


register_filter("did", _parse_did_filter, ())
register_filter_compiler(DidFilter, compile_did)


# --------------------------------------------------------------------------------------------
# Model


@dataclass(frozen=True)
class Sort:
    """`{"by": "last_seen" | "first_seen" | "events" | "id" | {"trait": T}, "desc": bool}`."""

    by: str = "last_seen"
    trait: str | None = None
    desc: bool = True

    @classmethod
    def from_json(cls, data: Any, path: str = "sort") -> Sort:
        if data is None:
            return cls()
        r = SpecReader(data, path)
        r.expect("by", "desc")
        by = r.raw("by", "last_seen")
        desc = r.boolean("desc", True)
        r.done()
        if isinstance(by, str):
            if by not in SORT_KEYS:
                raise QueryError(f"{path}.by must be one of {', '.join(SORT_KEYS)} or {{'trait': name}}; "
                                 f"got {_short(by)!r}{hint(by, SORT_KEYS)}")
            return cls(by, None, desc)
        t = SpecReader(by, f"{path}.by")
        t.expect("trait")
        name = check_name(t.raw("trait"), t.sub("trait"))
        t.done()
        return cls("trait", name, desc)

    def to_json(self) -> dict[str, Any]:
        return {"by": {"trait": self.trait} if self.by == "trait" else self.by, "desc": self.desc}


@query_model("users")
@dataclass(frozen=True)
class UsersQuery(KeyedQuery):
    """Persons matching filters, one page at a time."""

    where: tuple[Filter, ...] = ()
    did: tuple[DidFilter, ...] = ()
    match: str = "all"
    search: str | None = None
    timezone: str | None = None
    columns: tuple[str, ...] | None = None
    sort: Sort = field(default_factory=Sort)
    limit: int = 100
    after: str | None = None
    count: bool = True

    #: The keys of a users object (besides its kind).
    KEYS = ("where", "did", "match", "search", "timezone", "columns", "sort", "limit", "after", "count")

    @classmethod
    def _read(cls, r: SpecReader) -> UsersQuery:
        search = r.string("search")
        if search is not None:
            search = search.strip() or None
        cols = None
        if r.has("columns"):
            cols = tuple(check_name(c, f"{r.sub('columns')}[{i}]") for i, c in enumerate(r.items("columns")))
        q = cls(
            where=parse_filters(r.raw("where"), r.sub("where"), allow=("trait",)),
            did=_did_clauses(r),
            match=r.string("match", "all", choices=MATCHES),
            search=search,
            timezone=check_timezone(r.raw("timezone"), r.sub("timezone")),
            columns=cols,
            sort=Sort.from_json(r.raw("sort"), r.sub("sort")),
            limit=r.integer("limit", 100, minimum=1, maximum=MAX_LIMIT),
            after=r.string("after"),
            count=r.boolean("count", True),
        )
        if q.after is not None:
            decode_cursor(q.after, q.sort)  # fail early on a bad cursor
        return q

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "users",
            "where": filters_to_list(self.where),
            "did": [d.to_json() for d in self.did],
            "match": self.match,
            "sort": self.sort.to_json(),
            "limit": self.limit,
            "count": self.count,
        }
        for key in ("search", "timezone", "after"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.columns is not None:
            out["columns"] = list(self.columns)
        return out


def _did_clauses(r: SpecReader) -> tuple[DidFilter, ...]:
    items = r.items("did")
    limits.check_count(len(items), limits.MAX_PERSON_CLAUSES, r.sub("did"))
    return tuple(DidFilter.from_json(d, f"{r.sub('did')}[{i}]") for i, d in enumerate(items))


# --------------------------------------------------------------------------------------------
# Selection


def users_condition(q: UsersQuery, dialect: Dialect, now: dt.datetime, table: FromClause = users,
                    per_person: frozenset[int] = frozenset()) -> ColumnElement[bool]:
    """Every filter of a users query (not the cursor) as one condition on `table` (users or an
    alias of it, when the selection is nested in a statement that has its own `users`);
    `per_person`: ids of its did-clauses to compile as seeks per person (`per_person_clauses`)."""
    zone = zone_info(q.timezone)
    ctx = PersonContext(dialect, None, table, table.c.id, today(zone, now), zone=zone, now=now,
                        per_person=per_person)
    parts = [compile_filter(f, ctx) for f in (*q.where, *q.did)]
    cond: ColumnElement[bool] = true()
    if parts:
        cond = parts[0] if len(parts) == 1 else (and_(*parts) if q.match == "all" else or_(*parts))
    if q.search is not None:
        cond = and_(cond, search_condition(dialect, table, q.search))
    return cond


def search_condition(dialect: Dialect, table: FromClause, text: str) -> ColumnElement[bool]:
    """Any of the person's ids equals `text` (identities: anonymous ids find the merged person),
    or the e-mail starts with it (case-sensitive; ix_users_email serves both dialects)."""
    ids = select(identities.c.person).where(identities.c.distinct_id == literal(text, String)).correlate(None)
    return or_(table.c.id == literal(text, String), table.c.id.in_(ids),
               backend_for(dialect).text_prefix(table.c.email, text))


def selection(q: UsersQuery, dialect: Dialect, now: dt.datetime, table: FromClause = users) -> Select[Any]:
    """SELECT id FROM users WHERE <filters> (no order, no page): for IN (...) and INSERT ... SELECT."""
    return select(table.c.id).where(users_condition(q, dialect, now, table)).correlate(None)


# --------------------------------------------------------------------------------------------
# Grouped IN or a seek per person, per did-clause

#: A did-clause runs as seeks per person when the rows of its event in its range (from
#: `event_hours`) exceed this many times the persons it is evaluated for. See `per_person_clauses`.
PER_PERSON_RATIO = 1.0
#: The share of the persons assumed left by other conditions ANDed with the did-clauses (trait,
#: cohort, funnel filters, search): gender + age > 35 left 8.6 % of the 10M demo's persons.
NARROWED_SHARE = 0.125
#: Tests and measurements: "grouped" or "per_person" for every did-clause, None to choose.
FORCE_DID_FORM: str | None = None
#: engine -> (monotonic time, persons): the users count, refreshed after USERS_COUNT_TTL s
_users_counts: weakref.WeakKeyDictionary[Engine, tuple[float, int]] = weakref.WeakKeyDictionary()
USERS_COUNT_TTL = 600.0


def _top_did_clauses(q: UsersQuery) -> list[DidFilter]:
    return [f for f in (*q.where, *q.did) if isinstance(f, DidFilter)]


def per_person_clauses(q: UsersQuery, runner: QueryRunner, conn: Connection) -> frozenset[int]:
    """Ids of the query's top-level did-clauses to compile as seeks per person.

    The grouped form (`person IN (SELECT person ... GROUP BY person HAVING ...)`) reads every
    row of the event in the range; the per-person form one seek in `(event, person, ts)` per
    person the query evaluates, reading at most min (or max + 1) rows of theirs. So: per person
    when the event's rows in the range (one sum over `event_hours`) exceed PER_PERSON_RATIO x
    the persons evaluated: the users count (cached per engine), times NARROWED_SHARE when other
    conditions are ANDed with the clauses. Only where correlated subqueries run (ClickHouse
    keeps the grouped form) and the hourly rollups exist.

    Measured at 10M events on SQLite (docs/benchmarks/matrix.md, "after"): per person wins from
    about 1x the persons without other filters and from about 0.25x with two trait filters,
    and loses 10-20x on a rare event (Order Completed, 0.04x)."""
    clauses = _top_did_clauses(q)
    backend = runner.backend
    if not clauses or not backend.correlated_subqueries or not backend.hourly_rollups:
        return frozenset()
    if FORCE_DID_FORM is not None:
        return frozenset(id(f) for f in clauses) if FORCE_DID_FORM == "per_person" else frozenset()
    zone = zone_info(q.timezone)
    ctx = PersonContext(runner.dialect, None, users, users.c.id, today(zone, runner.now), zone=zone, now=runner.now)
    h = event_hours
    sums = []
    for f in clauses:
        conds = [h.c.event == literal(f.event, String)]
        period = _did_period(f, ctx)
        if period is not None:  # hours overlapping [start, end)
            conds += [h.c.hour > literal(period.start_ms - HOUR_MS, BigInteger),
                      h.c.hour < literal(period.end_ms, BigInteger)]
        sums.append(select(func.coalesce(func.sum(h.c.n), 0)).where(*conds).scalar_subquery())
    rows = runner.execute(conn, select(*sums)).one()
    persons = _users_count(conn)
    narrowed = q.search is not None or (q.match == "all" and any(not isinstance(f, DidFilter) for f in q.where))
    evaluated = persons * (NARROWED_SHARE if narrowed else 1.0)
    return frozenset(id(f) for f, n in zip(clauses, rows, strict=True) if int(n or 0) > PER_PERSON_RATIO * evaluated)


def _users_count(conn: Connection) -> int:
    """The persons (`count(*)` of users: 30-60 ms at 370k on SQLite), kept per engine for
    USERS_COUNT_TTL s. A statistic like the planner's: not recorded as one of the query's
    statements, so `explain` lists the same statements on every run."""
    cached = _users_counts.get(conn.engine)
    if cached is not None and time.monotonic() - cached[0] < USERS_COUNT_TTL:
        return cached[1]
    persons = int(conn.execute(select(func.count()).select_from(users)).scalar_one())
    _users_counts[conn.engine] = (time.monotonic(), persons)
    return persons


# --------------------------------------------------------------------------------------------
# Sorting and the keyset cursor


def _trait_keys(dialect: Dialect, table: FromClause, name: str) -> tuple[Any, Any, Any]:
    """(rank, number, text) of a trait: numbers first (rank 0, by value), then strings and
    booleans (rank 1, code-point order of their text), then missing/null/objects (rank 2)."""
    doc = table.c.traits
    is_number = backend_for(dialect).json_is(doc, name, "number")
    is_text = or_(backend_for(dialect).json_is(doc, name, "string"), backend_for(dialect).json_is(doc, name, "boolean"))
    rank = case((is_number, literal(0, Integer)), (is_text, literal(1, Integer)), else_=literal(2, Integer))
    number = backend_for(dialect).json_number(doc, name)
    text = case((is_text, backend_for(dialect).json_display(doc, name)))
    return rank, number, text


def sort_columns(q: UsersQuery, dialect: Dialect, table: FromClause = users) -> list[tuple[str, Any]]:
    """The named sort expressions, most significant first, ending with the id."""
    if q.sort.by == "trait":
        assert q.sort.trait is not None
        rank, number, text = _trait_keys(dialect, table, q.sort.trait)
        return [("rank", rank), ("num", number), ("txt", text), ("id", table.c.id)]
    column = {"last_seen": "last_seen", "first_seen": "first_seen", "events": "event_count"}.get(q.sort.by)
    out = [("key", table.c[column])] if column else []
    return [*out, ("id", table.c.id)]


def _ordered(dialect: Dialect, name: str, expr: Any) -> Any:
    return backend_for(dialect).binary_order(expr) if name in ("txt", "id") else expr


def order_by(q: UsersQuery, dialect: Dialect, cols: Sequence[tuple[str, Any]]) -> list[Any]:
    out = []
    for name, expr in cols:
        e = _ordered(dialect, name, expr)
        out.append(e.asc() if name == "rank" or not q.sort.desc else e.desc())
    return out


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: Sort) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise QueryError("after: not a cursor from a previous page (it may belong to another sort)") from None
    expected = 3 if sort.by == "trait" else (1 if sort.by == "id" else 2)
    if not isinstance(values, list) or len(values) != expected or not isinstance(values[-1], str):
        raise QueryError("after: not a cursor of this sort order")
    if sort.by == "trait":
        if values[0] not in (0, 1, 2):
            raise QueryError("after: not a cursor of this sort order")
    elif sort.by != "id":
        check_int(values[0], "after")
    return values


def cursor_values(q: UsersQuery, row: Mapping[str, Any]) -> list[Any]:
    if q.sort.by == "trait":
        rank = int(row["_rank"])
        value = row["_num"] if rank == 0 else (row["_txt"] if rank == 1 else None)
        return [rank, value, row["id"]]
    if q.sort.by == "id":
        return [row["id"]]
    return [int(row["_key"]), row["id"]]


def after_condition(q: UsersQuery, dialect: Dialect, cols: Sequence[tuple[str, Any]], values: list[Any]
                    ) -> ColumnElement[bool]:
    """Rows strictly after the cursor in the sort order (keyset pagination)."""
    exprs = dict(cols)

    def beyond(name: str, value: Any) -> ColumnElement[bool]:
        e = _ordered(dialect, name, exprs[name])
        v = literal(value, String) if name in ("txt", "id") else literal(value)
        if name in ("txt", "id"):
            v = backend_for(dialect).binary_order(v)
        return e < v if q.sort.desc else e > v  # type: ignore[no-any-return]

    def equal(name: str, value: Any) -> ColumnElement[bool]:
        return exprs[name] == (literal(value, String) if name in ("txt", "id") else literal(value))  # type: ignore[no-any-return]

    if q.sort.by == "trait":
        rank, value, last_id = values
        later_rank = exprs["rank"] > literal(rank, Integer)
        if rank == 2:
            within = beyond("id", last_id)
        else:
            name = "num" if rank == 0 else "txt"
            within = or_(beyond(name, value), and_(equal(name, value), beyond("id", last_id)))
        return or_(later_rank, and_(exprs["rank"] == literal(rank, Integer), within))
    if q.sort.by == "id":
        return beyond("id", values[0])
    key, last_id = values
    return or_(beyond("key", key), and_(equal("key", key), beyond("id", last_id)))


def page_statement(q: UsersQuery, dialect: Dialect, now: dt.datetime,
                   condition: ColumnElement[bool] | None = None) -> Select[Any]:
    """One page of persons (limit + 1 rows: the extra one says whether there is a next page)."""
    cols = sort_columns(q, dialect)
    conds = [condition if condition is not None else users_condition(q, dialect, now)]
    if q.after is not None:
        conds.append(after_condition(q, dialect, cols, decode_cursor(q.after, q.sort)))
    extra = [expr.label(f"_{name}") for name, expr in cols if name != "id"]
    return (select(users.c.id, users.c.traits, users.c.first_seen, users.c.last_seen, users.c.event_count, *extra)
            .where(*conds).order_by(*order_by(q, dialect, cols)).limit(q.limit + 1))


def count_statement(q: UsersQuery, dialect: Dialect, now: dt.datetime,
                    condition: ColumnElement[bool] | None = None) -> Select[Any]:
    cond = condition if condition is not None else users_condition(q, dialect, now)
    return select(func.count().label("n")).select_from(users).where(cond)


def user_dict(row: Mapping[str, Any], columns: Sequence[str] | None) -> dict[str, Any]:
    traits = row["traits"]
    if isinstance(traits, str):
        traits = json.loads(traits)
    traits = dict(traits or {})
    if columns is not None:
        traits = {k: traits[k] for k in columns if k in traits}
    return {"id": row["id"], "traits": traits, "first_seen": iso_utc(row["first_seen"]),
            "last_seen": iso_utc(row["last_seen"]), "events": int(row["event_count"] or 0)}


@register_runner
class UsersRunner(QueryRunner):
    query_class = UsersQuery
    query: UsersQuery

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.condition = users_condition(self.query, self.dialect, self.now)

    def to_query(self) -> Select[Any]:
        return page_statement(self.query, self.dialect, self.now, self.condition)

    def statements(self) -> list[Any]:
        out: list[Any] = [self.to_query()]
        if self.query.count:
            out.append(count_statement(self.query, self.dialect, self.now, self.condition))
        return out

    def calculate(self, conn: Connection) -> dict[str, Any]:
        q = self.query
        per_person = per_person_clauses(q, self, conn)
        if per_person:
            self.condition = users_condition(q, self.dialect, self.now, per_person=per_person)
        rows: list[Any] = list(self.execute(conn, self.to_query()).mappings())
        more = len(rows) > q.limit
        rows = rows[: q.limit]
        total = None
        if q.count:
            total = int(self.execute(conn, count_statement(q, self.dialect, self.now, self.condition)).scalar_one())
        return {
            "total": total,
            "users": [user_dict(r, q.columns) for r in rows],
            "next": encode_cursor(cursor_values(q, rows[-1])) if more and rows else None,
        }
