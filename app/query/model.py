"""The JSON query model: plain dicts in, typed frozen dataclasses inside, `to_dict()` back out.

Every panel, saved report and the CLI speak the same JSON, so parsing is strict: an unknown
kind, key, operator or value is a QueryError naming the offending path (`where[2].op`), never
a silent default or a traceback. Kinds other runners own (funnel, users, profile) register
their dataclass with `@query_model` in their own module; `parse_query` loads that module on
first use (see app.query.runner.RUNNER_MODULES).
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self, TypeVar

from app.core.names import MAX_NAME_LENGTH, name_problem
from app.core.schema import ENRICHED_COLUMNS
from app.core.suggest import did_you_mean, hint
from app.query import limits
from app.query.errors import QueryError, QueryTooLarge, UnknownKeys
from app.query.zones import zone_info

# --------------------------------------------------------------------------------------------
# Reading a spec dict with clear errors


class SpecReader:
    """Typed access to one JSON object of a query, reporting errors by path.

    `done()` rejects keys nobody asked for, so a typo such as `"mesure"` is an error
    rather than a silently ignored option.
    """

    def __init__(self, data: Any, path: str) -> None:
        readers = _SWEEP.get()
        if not isinstance(data, Mapping):
            if readers is not None:
                readers.append(_NotAnObject(data, path))
            raise QueryError(f"{path or 'query'} must be a JSON object, got {describe_value(data)}")
        self.data: Mapping[str, Any] = data
        self.path = path
        self._seen: set[str] = set()
        #: the keys read, the key read last, and whether done() was reached: the sweep for
        #: unknown keys (read_strictly) reads them
        self.read: set[str] = set()
        self.current: str | None = None
        self.finished = False
        if readers is not None:
            readers.append(self)

    def expect(self, *keys: str) -> None:
        """The keys this object may have: any other is refused now, before any value is read,
        so a typo such as `"valeu"` is named as such (not as a missing value) and is found
        whatever else is wrong with the object."""
        self._seen.update(keys)
        self._check(set(self.data) - set(keys), keys)

    def sub(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _read(self, key: str) -> None:
        self._seen.add(key)
        self.read.add(key)
        self.current = key

    def has(self, key: str) -> bool:
        self._read(key)
        return key in self.data and self.data[key] is not None

    def raw(self, key: str, default: Any = None) -> Any:
        self._read(key)
        value = self.data.get(key, default)
        return default if value is None else value

    def string(self, key: str, default: str | None = None, *, choices: Sequence[str] | None = None,
            required: bool = False) -> Any:
        value = self.raw(key)
        if value is None:
            if required:
                raise QueryError(f"{self.sub(key)} is required")
            return default
        if not isinstance(value, str):
            raise QueryError(f"{self.sub(key)} must be a string, got {describe_value(value)}")
        if choices is not None and value not in choices:
            raise QueryError(f"{self.sub(key)} must be one of {', '.join(choices)}; got {_short(value)!r}"
                             f"{hint(value, choices)}")
        return value

    def integer(self, key: str, default: int | None = None, *, minimum: int | None = None,
            maximum: int | None = None, required: bool = False) -> Any:
        value = self.raw(key)
        if value is None:
            if required:
                raise QueryError(f"{self.sub(key)} is required")
            return default
        return check_int(value, self.sub(key), minimum=minimum, maximum=maximum)

    def boolean(self, key: str, default: bool = False) -> bool:
        value = self.raw(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise QueryError(f"{self.sub(key)} must be true or false, got {describe_value(value)}")
        return value

    def items(self, key: str) -> list[Any]:
        value = self.raw(key)
        if value is None:
            return []
        if not isinstance(value, list | tuple):
            raise QueryError(f"{self.sub(key)} must be a list, got {describe_value(value)}")
        return list(value)

    def done(self) -> None:
        self.finished = True
        self._check(set(self.data) - self._seen, self._seen)

    def _check(self, unknown: set[str], known: Iterable[str]) -> None:
        if unknown:
            keys = tuple(sorted(unknown))
            known = sorted(known)
            suggestions = {key: meant for key in keys if (meant := did_you_mean(key, known)) is not None}
            raise UnknownKeys(unknown_keys_message(keys, self.path), keys=keys, data=self.data,
                              suggestions=suggestions, hinted=unknown_keys_message(keys, self.path, suggestions))


def unknown_keys_message(keys: Sequence[str], path: str, suggestions: Mapping[str, str] | None = None) -> str:
    """`unknown keys 'evnets', 'x' in where[0]`; with `suggestions`, each key followed by the
    key it most likely means: `'evnets' (did you mean 'events'?)`."""
    where = f" in {path}" if path else ""
    suggestions = suggestions or {}
    named = ", ".join(repr(_short(k)) + (f" (did you mean {suggestions[k]!r}?)" if k in suggestions else "")
                      for k in keys)
    return f"unknown key{'s' if len(keys) > 1 else ''} {named}{where}"


class _NotAnObject:
    """What the sweep keeps of a value read as an object that is not one (`"where": [1]`)."""

    def __init__(self, data: Any, path: str) -> None:
        self.data, self.path = data, path
        self.read: set[str] = set()
        self.current: str | None = None
        self.finished = False


#: While parse_query sweeps a refused query for unknown keys: every SpecReader made.
_SWEEP: ContextVar[list[SpecReader | _NotAnObject] | None] = ContextVar("spec_sweep", default=None)
#: Set by the sweep once its copy got past check_spec_shape: the copy only shrinks (or takes a
#: short value in), so its later rounds skip that walk of the whole query.
_SHAPE_CHECKED: ContextVar[bool] = ContextVar("spec_shape_checked", default=False)


def check_int(value: Any, path: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer (JSON numbers like 7.0 are accepted), within bounds; without explicit bounds,
    within the databases' 64-bit integers (a bound parameter of 10**30 fails in the driver)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise QueryError(f"{path} must be an integer, got {describe_value(value)}")
    if isinstance(value, float):
        if not value.is_integer():
            raise QueryError(f"{path} must be an integer, got {value!r}")
        value = int(value)
    minimum = limits.MIN_INT if minimum is None else minimum
    maximum = limits.MAX_INT if maximum is None else maximum
    if minimum is not None and value < minimum:
        raise QueryError(f"{path} must be at least {minimum}, got {_integer_shown(value)}")
    if maximum is not None and value > maximum:
        raise QueryError(f"{path} must be at most {maximum}, got {_integer_shown(value)}")
    return int(value)


def _integer_shown(value: int) -> str:
    """An integer for an error message: `"limit": 1e300` was written out in its 301 digits."""
    text = str(value)
    digits = len(text.lstrip("-"))
    return text if digits <= 24 else f"a number of {digits:,} digits"


def describe_value(value: Any) -> str:
    """A JSON value as a refusal names what it got instead of the type it wants ('a boolean',
    'the number 3', "the string 'x'", cut when long): a query's or a destinations file's."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int) and not limits.MIN_INT <= value <= limits.MAX_INT:
        return "a number beyond 64-bit integers"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {_short(value)!r}"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def _short(text: str, width: int = 80) -> str:
    """A string cut for an error message (a 10,000-character value would make it unreadable)."""
    return text if len(text) <= width else text[:width] + "..."


def check_name(value: Any, path: str) -> str:
    """A property/trait name: a non-empty string a JSON path can quote (app.core.names)."""
    if not isinstance(value, str) or not value:
        raise QueryError(f"{path} must be a non-empty string, got {describe_value(value)}")
    problem = name_problem(value)
    if problem is not None:
        raise QueryError(f"{path} {problem}" + (f": {value!r}" if len(value) <= MAX_NAME_LENGTH else ""))
    return value


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_event_name(value: Any, path: str) -> str:
    """An event name: any non-empty text without control characters (ingestion refuses those).

    Unlike property names, event names are only ever compared as bound values, never put into
    a JSON path, so quotes and backslashes are fine: names like 'Say "hi"' must be queryable.
    """
    if not isinstance(value, str) or not value:
        raise QueryError(f"{path} must be a non-empty string, got {describe_value(value)}")
    if len(value) > 255:
        raise QueryError(f"{path} is longer than 255 characters")
    if _CONTROL.search(value):
        raise QueryError(f"{path} may not contain control characters: {value!a}")
    return value


# --------------------------------------------------------------------------------------------
# Time range


RANGE_UNITS = ("day", "week", "month")


@dataclass(frozen=True)
class Range:
    """Inclusive local dates (`from`/`to`) or a relative window (`last` N `unit`s up to today).

    Relative ranges are resolved against "now" when the query runs (app.query.timerange).
    """

    start: dt.date | None = None
    end: dt.date | None = None
    last: int | None = None
    unit: str = "day"

    @classmethod
    def from_dict(cls, data: Any, path: str = "range") -> Range:
        r = SpecReader(data, path)
        r.expect("last", "unit", "from", "to")
        if r.has("last"):
            if "from" in r.data or "to" in r.data:
                raise QueryError(f"{path} takes 'last' (and 'unit') or 'from' and 'to', not both")
            last = r.integer("last", minimum=1, maximum=100_000)
            unit = r.string("unit", "day", choices=RANGE_UNITS)
            r.done()
            return cls(last=last, unit=unit)
        if "unit" in r.data:
            raise QueryError(f"{path}.unit goes with 'last' (a relative range), not with 'from' and 'to'")
        start = _parse_date(r.raw("from"), r.sub("from"))
        end = _parse_date(r.raw("to"), r.sub("to"))
        r.done()
        if end < start:
            raise QueryError(f"{path}: 'to' ({end}) is before 'from' ({start})")
        return cls(start=start, end=end)

    def to_dict(self) -> dict[str, Any]:
        if self.last is not None:
            return {"last": self.last, "unit": self.unit}
        assert self.start is not None and self.end is not None
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def _parse_date(value: Any, path: str) -> dt.date:
    if value is None:
        raise QueryError(f"{path} is required (a date like 2026-09-01), or use {{'last': N, 'unit': 'day'}}")
    if not isinstance(value, str):
        raise QueryError(f"{path} must be a date string like 2026-09-01, got {describe_value(value)}")
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise QueryError(f"{path} is not a date (YYYY-MM-DD): {_short(value)!r}") from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise QueryError(f"{path} must be between {FIRST_DATE} and {LAST_DATE}, got {value}")
    return day


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
#: Dates a spec may name: bucket arithmetic and the previous period stay inside Python's
#: datetime range (years 1-9999) with room to spare.
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(9998, 12, 31)


def parse_range(data: Any, path: str = "range", default: Range | None = None) -> Range:
    if data is None:
        if default is None:
            raise QueryError(f"{path} is required")
        return default
    return Range.from_dict(data, path)


DEFAULT_RANGE = Range(last=30, unit="day")


def check_timezone(value: Any, path: str = "timezone") -> str | None:
    """An IANA zone name, or None for the machine's zone."""
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise QueryError(f"{path} must be an IANA time zone name like 'Europe/Berlin', got {describe_value(value)}")
    zone_info(value, path)
    return value


# --------------------------------------------------------------------------------------------
# Filters


#: Every filter operator and what value it takes.
OPS_SCALAR_OR_LIST = ("eq", "neq", "contains", "not_contains", "starts_with")
OPS_NO_VALUE = ("set", "not_set", "true", "false")
OPS_NUMBER = ("gt", "gte", "lt", "lte")
OPS = (*OPS_SCALAR_OR_LIST, *OPS_NO_VALUE, *OPS_NUMBER, "between", "before", "after", "in_last_days")

Scalar = str | int | float | bool


class Filter:
    """Base of every filter node; each kind compiles in app.query.filters."""

    #: A subquery over events per use (did, funnel): counted against MAX_PERSON_CLAUSES.
    person_level: ClassVar[bool] = False

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class ValueFilter(Filter):
    """One condition on an event property (`target="property"`) or a person trait (`"trait"`)."""

    target: str  # "property" | "trait"
    name: str
    op: str
    value: Any = None  # normalised: scalar, tuple of scalars, (lo, hi), date ISO string, int days
    ignore_case: bool = False

    @property
    def is_enriched(self) -> bool:
        return self.target == "property" and self.name in ENRICHED_COLUMNS

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {self.target: self.name, "op": self.op}
        if self.op not in OPS_NO_VALUE:
            out["value"] = list(self.value) if isinstance(self.value, tuple) else self.value
        if self.ignore_case:
            out["ignore_case"] = True
        return out


@dataclass(frozen=True)
class AnyFilter(Filter):
    """`{"any": [...]}`: true when at least one member is true."""

    filters: tuple[Filter, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"any": [f.to_dict() for f in self.filters]}


#: Extension point: key that identifies a filter object -> parser. Query kinds owned by other
#: modules add e.g. "cohort" here (`register_filter("cohort", parse_cohort_filter)`), and a
#: compiler for the resulting class in app.query.filters.
FILTER_PARSERS: dict[str, Callable[[SpecReader], Filter]] = {}
#: The keys each registered filter object may have (its identifying key among them).
FILTER_KEYS: dict[str, tuple[str, ...]] = {}
#: The keys of a property or trait condition, besides "property"/"trait".
CONDITION_KEYS = ("op", "value", "ignore_case")


def register_filter(key: str, parser: Callable[[SpecReader], Filter], keys: Sequence[str] = ()) -> None:
    """Teach `parse_filter` a new filter object, recognised by its `key`. `keys` are the other
    keys it may have: any other is refused (UnknownKeys) before the parser runs."""
    FILTER_PARSERS[key] = parser
    FILTER_KEYS[key] = (key, *keys)


def parse_filters(data: Any, path: str = "where", *, allow: Sequence[str] = ("property", "trait")) -> tuple[Filter, ...]:
    """A list of filters ANDed together. `allow` limits the value-filter targets (users: traits)."""
    if data is None:
        return ()
    if not isinstance(data, list | tuple):
        raise QueryError(f"{path} must be a list of filters, got {describe_value(data)}")
    limits.check_count(len(data), limits.MAX_FILTERS, path)
    return tuple(parse_filter(item, f"{path}[{i}]", allow=allow) for i, item in enumerate(data))


def parse_filter(data: Any, path: str, *, allow: Sequence[str] = ("property", "trait")) -> Filter:
    r = SpecReader(data, path)
    if "any" in r.data:
        r.expect("any")
        members = r.items("any")
        if not members:  # before done(): the sweep for unknown keys then sets this group aside
            raise QueryError(f"{path}.any must list at least one filter")
        r.done()
        limits.check_count(len(members), limits.MAX_ANY_MEMBERS, f"{path}.any")
        return AnyFilter(tuple(parse_filter(m, f"{path}.any[{i}]", allow=allow) for i, m in enumerate(members)))
    for key, parser in FILTER_PARSERS.items():
        if key in r.data:
            r.expect(*FILTER_KEYS[key])
            return parser(r)
    targets = [t for t in ("property", "trait") if t in r.data]
    if len(targets) != 1:
        known = ["property", "trait", "any", *FILTER_PARSERS]
        if not targets:  # {"propery": ...}: a typo, or a filter of a newer Tracklens (none of
            r.expect(*CONDITION_KEYS, *known)  # `known` is in it: they name what it may mean)
        raise QueryError(f"{path} must have exactly one of {', '.join(repr(k) for k in known)}")
    target = targets[0]
    r.expect(target, *CONDITION_KEYS)
    if target not in allow:
        raise QueryError(f"{path}: {target} filters are not allowed here (only {', '.join(allow)})")
    name = check_name(r.raw(target), r.sub(target))
    op = r.string("op", required=True, choices=OPS)
    ignore_case = r.boolean("ignore_case")
    value = _parse_value(op, r.raw("value"), r.sub("value"), "value" in r.data)
    r.done()
    return ValueFilter(target=target, name=name, op=op, value=value, ignore_case=ignore_case)


def _scalar(value: Any, path: str) -> Scalar:
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise QueryError(f"{path} must be a finite number")
        if isinstance(value, int) and not limits.MIN_INT <= value <= limits.MAX_INT:
            raise QueryError(f"{path} must be a number within 64-bit integers (or a float), got {describe_value(value)}")
        return value
    raise QueryError(f"{path} must be a string, number or boolean, got {describe_value(value)}")


def _number(value: Any, path: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise QueryError(f"{path} must be a number, got {describe_value(value)}")
    return _scalar(value, path)  # type: ignore[return-value]


def _parse_value(op: str, value: Any, path: str, present: bool) -> Any:
    if op in OPS_NO_VALUE:
        if value is not None:
            raise QueryError(f"{path}: operator {op!r} takes no value")
        return None
    if value is None:
        raise QueryError(f"{path} is required for operator {op!r}" + (" (null is not a value; use set/not_set)" if present else ""))
    if op in OPS_SCALAR_OR_LIST:
        if isinstance(value, list | tuple):
            if not value:
                raise QueryError(f"{path} must not be an empty list")
            limits.check_count(len(value), limits.MAX_LIST_VALUES, path)
            items = tuple(_scalar(v, f"{path}[{i}]") for i, v in enumerate(value))
            if op in ("contains", "not_contains", "starts_with"):
                for i, v in enumerate(items):
                    if not isinstance(v, str):
                        raise QueryError(f"{path}[{i}] must be a string for operator {op!r}")
            # Each of these values is a comparison of its own, ORed: SQLite nests an OR chain
            # one level per term (at most 1,000 levels).
            terms = len(items) if op not in ("eq", "neq") else sum(not isinstance(v, str) for v in items)
            if terms > limits.MAX_LIST_TERMS:
                what = "values" if op not in ("eq", "neq") else "numbers and booleans"
                raise QueryTooLarge(f"{path} has {terms:,} {what} (at most {limits.MAX_LIST_TERMS} for {op!r})")
            return items
        scalar = _scalar(value, path)
        if op in ("contains", "not_contains", "starts_with") and not isinstance(scalar, str):
            raise QueryError(f"{path} must be a string for operator {op!r}")
        return scalar
    if op in OPS_NUMBER:
        return _number(value, path)
    if op == "between":
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise QueryError(f"{path} must be a list [low, high] for operator 'between'")
        lo, hi = _number(value[0], f"{path}[0]"), _number(value[1], f"{path}[1]")
        if hi < lo:
            raise QueryError(f"{path}: high ({hi}) is below low ({lo})")
        return (lo, hi)
    if op in ("before", "after"):
        return _parse_date(value, path).isoformat()
    if op == "in_last_days":
        return check_int(value, path, minimum=1, maximum=100_000)
    raise QueryError(f"{path}: unknown operator {op!r}")  # pragma: no cover - OPS is closed


def filters_to_list(filters: Sequence[Filter]) -> list[dict[str, Any]]:
    return [f.to_dict() for f in filters]


@dataclass(frozen=True)
class EventSpec:
    """An event name with filters on that event: a funnel step, a retention start or return
    event. Written as the name alone or as `{"event": name, "where": [...]}`."""

    event: str
    where: tuple[Filter, ...] = ()

    @classmethod
    def from_json(cls, data: Any, path: str) -> EventSpec:
        if isinstance(data, str):
            return cls(check_event_name(data, path))
        r = SpecReader(data, path)
        r.expect("event", "where")
        spec = cls(check_event_name(r.raw("event"), r.sub("event")), parse_filters(r.raw("where"), r.sub("where")))
        r.done()
        return spec

    def to_json(self) -> dict[str, Any]:
        return {"event": self.event, "where": filters_to_list(self.where)}


# --------------------------------------------------------------------------------------------
# Breakdown


@dataclass(frozen=True)
class Breakdown:
    """Split by an event property (`"plan"`, `"$city"`) or a person trait (`{"trait": "plan"}`)."""

    target: str  # "property" | "trait"
    name: str

    @classmethod
    def from_json(cls, data: Any, path: str = "breakdown") -> Breakdown | None:
        if data is None:
            return None
        if isinstance(data, str):
            return cls("property", check_name(data, path))
        r = SpecReader(data, path)
        r.expect("property", "trait")
        targets = [t for t in ("property", "trait") if t in r.data]
        if len(targets) != 1:
            raise QueryError(f"{path} must be a property name or an object with 'property' or 'trait'")
        name = check_name(r.raw(targets[0]), r.sub(targets[0]))
        r.done()
        return cls(targets[0], name)

    def to_json(self) -> Any:
        return self.name if self.target == "property" else {"trait": self.name}


# --------------------------------------------------------------------------------------------
# Queries


class Query:
    """Base of every query kind: a frozen dataclass with `kind`, `from_dict` and `to_dict`."""

    kind: ClassVar[str]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Query:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError


class KeyedQuery(Query):
    """A kind whose object has the keys KEYS (besides its kind), read by `_read`: the whole query
    (`from_dict`) or nested in another object (`from_json`: a funnel in a funnel's persons, a users
    query in a cohort or a campaign's audience), where its `kind` may be omitted."""

    KEYS: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def _read(cls, r: SpecReader) -> Self:
        raise NotImplementedError

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        r = SpecReader(data, "")
        r.expect("kind", *cls.KEYS)
        r.string("kind")
        q = cls._read(r)
        r.done()
        return q

    @classmethod
    def from_json(cls, data: Any, path: str) -> Self:
        r = SpecReader(data, path)
        r.expect("kind", *cls.KEYS)
        if r.string("kind", cls.kind) != cls.kind:
            raise QueryError(f"{r.sub('kind')} must be '{cls.kind}'")
        q = cls._read(r)
        r.done()
        return q


#: kind -> query class; filled by `@query_model`.
QUERY_MODELS: dict[str, type[Query]] = {}

Q = TypeVar("Q", bound=type[Query])


def query_model(kind: str) -> Callable[[Q], Q]:
    """Class decorator registering a query dataclass for `kind`."""

    def register(cls: Q) -> Q:
        cls.kind = kind
        QUERY_MODELS[kind] = cls
        return cls

    return register


def parse_query(spec: Any) -> Query:
    """Validate a query dict and return its typed form (QueryError on anything wrong).

    Unknown keys are named wherever they are, whatever else is wrong: a refused query is swept
    for them (`_sweep_unknown_keys`), and UnknownKeys names every one, with the first other
    problem in `also`. A reader that showed the query anyway (a saved report opens a half-made
    query for its panel to name the problem) would otherwise drop them silently."""
    if isinstance(spec, Query):
        return spec
    return read_strictly(_parse_query, spec)


T = TypeVar("T")


def read_strictly(parse: Callable[[Any], T], spec: Any,
                  refused: tuple[type[Exception], ...] = (QueryError,)) -> T:
    """`parse(spec)`, which reads its objects with SpecReader; when it raises one of `refused`,
    UnknownKeys naming every unknown key of `spec`, whatever else is wrong (the first other
    problem in `also`), or the error itself when `spec` has none. Campaign files use it too."""
    try:
        return parse(spec)
    except QueryTooLarge:
        raise
    except refused:
        if _SWEEP.get() is not None:
            raise  # a sweep in progress (a nested parse_query)
        try:
            found, other = _sweep_unknown_keys(spec, parse, refused)
        except RecursionError:  # nested past the parser's bounds, which refused it first
            found, other = [], None
        if not found:
            raise
        message = "; ".join(unknown_keys_message(keys, path) for path, keys, _ in found)
        hinted = "; ".join(unknown_keys_message(keys, path, meant) for path, keys, meant in found)
        keys = tuple(key for _, group, _ in found for key in group)
        suggestions = {key: value for _, _, meant in found for key, value in meant.items()}
        raise UnknownKeys(message, keys=keys, also=other, suggestions=suggestions, hinted=hinted) from None


#: Parses of a query's copy the sweep may spend, counted in JSON objects read (SpecReaders):
#: about half a second of parsing (docs/benchmarks/spec_sweep.md).
SWEEP_WORK = 200_000
#: Values the sweep puts where a value was required and missing (or refused), in this order,
#: so that the parser reads on past it: the rest of that object may hold unknown keys.
#: None of them has a key, so filling one in never makes up an unknown key.
_FILLERS: tuple[Callable[[], Any], ...] = (lambda: "x", lambda: 1, lambda: True, lambda: "2000-01-01",
                                           lambda: ["x"], list, dict)


def _sweep_unknown_keys(spec: Any, parse: Callable[[Any], Any], refused: tuple[type[Exception], ...]
                        ) -> tuple[list[tuple[str, tuple[str, ...], dict[str, str]]], str | None]:
    """Every unknown key of a refused query (or campaign: any `parse` reading with SpecReader),
    as (path, keys, suggestions) in the order the parser meets them, and the first problem that
    is not an unknown key (None when there is none).

    The parser stops at its first problem, so keys after it are never looked at. Parse a copy
    again and again, each time taking out the unknown keys found, or setting aside what was
    refused (`_set_aside`), until the parser accepts what is left, nothing is left to set aside,
    or SWEEP_WORK is spent. Setting parts aside adds no key, and a value filled in goes under a
    key the parser itself asked for, so whatever it finds is in the query as written; every
    object states its keys before reading a value (`SpecReader.expect`)."""
    paths: dict[int, str] = {}
    parents: dict[int, tuple[Any, Any]] = {}
    copy = _copy_json(spec, "", paths, parents)
    found: list[tuple[str, tuple[str, ...], dict[str, str]]] = []
    other: str | None = None
    fills: dict[tuple[int, Any], int] = {}
    kept: list[Any] = []  # what was taken out or put in, kept alive: objects are known by id
    work = 0
    shape_token = None  # set once the copy got past check_spec_shape
    try:
        while work < SWEEP_WORK:
            readers: list[SpecReader | _NotAnObject] = []
            token = _SWEEP.set(readers)
            try:
                parse(copy)
            except UnknownKeys as exc:
                if not isinstance(exc.data, dict) or id(exc.data) not in paths:
                    found.append((_path_of(exc), exc.keys, exc.suggestions))
                    break  # not an object of the copy: nothing to take the keys out of
                found.append((paths[id(exc.data)], exc.keys, exc.suggestions))
                for key in exc.keys:
                    del exc.data[key]
                continue
            except refused as exc:
                if other is None:
                    other = str(exc)
            except Exception:  # a value filled in that a parser trips on: keep what was found
                break
            else:
                break
            finally:
                _SWEEP.reset(token)
                work += len(readers) + 1
                if readers and shape_token is None:  # readers come after the shape check
                    shape_token = _SHAPE_CHECKED.set(True)
            open_readers = [r for r in readers if not r.finished]
            if open_readers:  # refused right after an object it holds was read whole (from_step past
                inner = open_readers[-1]  # the steps): that object is set aside, not its siblings
                later = readers[readers.index(inner) + 1:]
                child = next((c for c in reversed(later) if c.finished and _holds(inner, c.data)), None)
                if child is not None and _take_out(child, parents, copy, kept):
                    continue
            if not _set_aside(open_readers, parents, copy, fills, kept):
                break
    finally:
        if shape_token is not None:
            _SHAPE_CHECKED.reset(shape_token)
    return found, other


def _holds(reader: SpecReader | _NotAnObject, data: Any) -> bool:
    """Whether the value `reader` read last is `data` or a list holding it."""
    if not isinstance(reader.data, dict) or reader.current not in reader.data:
        return False
    value = reader.data[reader.current]
    return value is data or (isinstance(value, list) and any(item is data for item in value))


def _path_of(exc: UnknownKeys) -> str:
    """The path an UnknownKeys message names (`... in where[1]`), '' for the query itself."""
    head = unknown_keys_message(exc.keys, "")
    return exc.message[len(head) + len(" in "):] if len(exc.message) > len(head) else ""


def _parse_query(spec: Any) -> Query:
    if not isinstance(spec, Mapping):
        raise QueryError(f"a query must be a JSON object, got {describe_value(spec)}")
    if not _SHAPE_CHECKED.get():
        limits.check_spec_shape(spec)
    kind = spec.get("kind")
    if not isinstance(kind, str):
        raise QueryError("the query needs a 'kind' (one of " + ", ".join(KINDS) + ")")
    if kind not in QUERY_MODELS:
        _load_kind(kind)
    query = QUERY_MODELS[kind].from_dict(spec)
    limits.check_query_totals(query, Filter, ValueFilter)
    return query


def _copy_json(value: Any, path: str, paths: dict[int, str], parents: dict[int, tuple[Any, Any]]) -> Any:
    """A copy of a query's objects and lists, with each one's path (`where[1].value`) and the
    container holding it, by id. Scalars are shared."""
    if isinstance(value, Mapping):
        out: Any = {}
        for key, item in value.items():
            out[key] = _copy_json(item, f"{path}.{key}" if path else str(key), paths, parents)
            if isinstance(out[key], dict | list):
                parents[id(out[key])] = (out, key)
    elif isinstance(value, list | tuple):
        out = []
        for i, item in enumerate(value):
            out.append(_copy_json(item, f"{path}[{i}]", paths, parents))
            if isinstance(out[-1], dict | list):
                parents[id(out[-1])] = (out, i)
    else:
        return value
    paths[id(out)] = path
    return out


def _set_aside(open_readers: Sequence[SpecReader | _NotAnObject], parents: dict[int, tuple[Any, Any]],
               copy: Any, fills: dict[tuple[int, Any], int], kept: list[Any]) -> bool:
    """Change the copy past what the parser refused, in the innermost unfinished object: the
    value it read last is taken out; where a value is then missing, _FILLERS are put in one
    after the other (`fills` counts them), so the parser reads on through the object's other
    parts; when none is taken, the object itself is taken out of its list or object. What is
    taken out or put in stays in `kept`. False when nothing is left to change."""
    for reader in reversed(open_readers):
        data = reader.data
        if isinstance(data, dict) and not _unread_parts(reader) and _take_out(reader, parents, copy, kept):
            return True  # nothing left in it to read on to: its own keys were checked first
        if isinstance(data, dict) and reader.current is not None:
            slot = (id(data), reader.current)
            tried = fills.get(slot)
            if tried is None:
                kept.append(data)  # alive, so that its id names no other object
                if reader.current in data:
                    kept.append(data.pop(reader.current))
                    fills[slot] = 0
                    return True
                tried = 0
            if tried < len(_FILLERS):
                value = data[reader.current] = _FILLERS[tried]()
                kept.append(value)
                if isinstance(value, dict | list):
                    parents[id(value)] = (data, reader.current)
                fills[slot] = tried + 1
                return True
            data.pop(reader.current, None)
        if _take_out(reader, parents, copy, kept):
            return True
    return False


def _unread_parts(reader: SpecReader | _NotAnObject) -> bool:
    """Whether the object holds objects or lists the parser has not read yet (besides the value
    refused): only those may hold unknown keys it has not seen."""
    return any(isinstance(value, dict | list) for key, value in reader.data.items()
               if key not in reader.read and key != reader.current)


def _take_out(reader: SpecReader | _NotAnObject, parents: dict[int, tuple[Any, Any]], copy: Any,
              kept: list[Any]) -> bool:
    """Take the object `reader` read out of its list or object in the copy, if it is there."""
    data = reader.data
    parent = parents.get(id(data)) if isinstance(data, dict | list) else _locate(copy, reader.path, data)
    if parent is None:
        return False
    container, key = parent
    if isinstance(container, list):
        index = next((i for i, item in enumerate(container) if item is data), None)
        if index is None:
            return False
        del container[index]
    elif container.get(key) is data:
        del container[key]
    else:
        return False
    kept.append(data)
    return True


def _locate(copy: Any, path: str, value: Any) -> tuple[Any, Any] | None:
    """The container and key of the scalar `value` at `path` (`where[2]`) in the copy, if it is
    there (scalars have no identity to find them by)."""
    container: Any = None
    key: Any = None
    node = copy
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        container, key = node, (int(index) if index else name)
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return None
    if container is None or node is not value:
        return None
    return container, key


#: Every query kind the engine knows, and the module that holds its model and runner.
KINDS = ("segmentation", "funnel", "users", "profile", "live", "discovery", "funnel_persons",
         "campaign_results", "retention", "retention_persons")


def _load_kind(kind: str) -> None:
    if kind not in KINDS:
        raise QueryError(f"unknown query kind {_short(kind)!r}{hint(kind, KINDS)}; expected one of {', '.join(KINDS)}")
    try:
        importlib.import_module(f"app.query.runners.{kind}")
    except ModuleNotFoundError as exc:
        if exc.name == f"app.query.runners.{kind}":
            raise QueryError(f"query kind {kind!r} is not available in this build") from None
        raise
    if kind not in QUERY_MODELS:
        raise QueryError(f"query kind {kind!r} is not available in this build")


MEASURES = ("total", "unique")
NUMERIC_MEASURES = ("sum", "avg", "median")
UNITS = ("hour", "day", "week", "month")


@dataclass(frozen=True)
class Measure:
    """`"total"`, `"unique"`, or a numeric aggregate of a property: `{"sum"|"avg"|"median": P}`."""

    kind: str
    property: str | None = None

    @classmethod
    def from_json(cls, data: Any, path: str = "measure") -> Measure:
        if data is None:
            return cls("total")
        if isinstance(data, str):
            if data not in MEASURES:
                raise QueryError(f"{path} must be 'total', 'unique' or {{'sum'|'avg'|'median': property}}; "
                                 f"got {_short(data)!r}{hint(data, MEASURES)}")
            return cls(data)
        r = SpecReader(data, path)
        r.expect(*NUMERIC_MEASURES)
        keys = [k for k in NUMERIC_MEASURES if k in r.data]
        if len(keys) != 1:
            raise QueryError(f"{path} must be 'total', 'unique' or an object with one of sum, avg, median")
        name = check_name(r.raw(keys[0]), r.sub(keys[0]))
        r.done()
        return cls(keys[0], name)

    def to_json(self) -> Any:
        return self.kind if self.property is None else {self.kind: self.property}


def _names(values: list[Any], path: str) -> tuple[str, ...]:
    limits.check_count(len(values), limits.MAX_EVENTS, path)
    out: list[str] = []
    for i, v in enumerate(values):
        name = check_event_name(v, f"{path}[{i}]")
        if name not in out:
            out.append(name)
    return tuple(out)


@query_model("segmentation")
@dataclass(frozen=True)
class SegmentationQuery(Query):
    """Counts (or sums/averages/medians) of events per time bucket, optionally broken down."""

    events: tuple[str, ...] = ()
    measure: Measure = field(default_factory=lambda: Measure("total"))
    unit: str = "day"
    range: Range = DEFAULT_RANGE
    timezone: str | None = None
    where: tuple[Filter, ...] = ()
    breakdown: Breakdown | None = None
    limit: int = 12
    compare_previous: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SegmentationQuery:
        r = SpecReader(data, "")
        r.expect("kind", "events", "measure", "unit", "range", "timezone", "where", "breakdown", "limit",
                 "compare_previous")
        r.string("kind")
        q = cls(
            events=_names(r.items("events"), "events"),
            measure=Measure.from_json(r.raw("measure")),
            unit=r.string("unit", "day", choices=UNITS),
            range=parse_range(r.raw("range"), default=DEFAULT_RANGE),
            timezone=check_timezone(r.raw("timezone")),
            where=parse_filters(r.raw("where")),
            breakdown=Breakdown.from_json(r.raw("breakdown")),
            limit=r.integer("limit", 12, minimum=1, maximum=1000),
            compare_previous=r.boolean("compare_previous"),
        )
        r.done()
        return q

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "events": list(self.events),
            "measure": self.measure.to_json(),
            "unit": self.unit,
            "range": self.range.to_dict(),
            "where": filters_to_list(self.where),
            "limit": self.limit,
            "compare_previous": self.compare_previous,
        }
        if self.timezone is not None:
            out["timezone"] = self.timezone
        if self.breakdown is not None:
            out["breakdown"] = self.breakdown.to_json()
        return out


@query_model("live")
@dataclass(frozen=True)
class LiveQuery(Query):
    """The newest events after a known id (the Live View's poll)."""

    after_id: int = 0
    limit: int = 100
    events: tuple[str, ...] = ()
    where: tuple[Filter, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LiveQuery:
        r = SpecReader(data, "")
        r.expect("kind", "after_id", "limit", "events", "where")
        r.string("kind")
        q = cls(
            after_id=r.integer("after_id", 0, minimum=0),
            limit=r.integer("limit", 100, minimum=1, maximum=10_000),
            events=_names(r.items("events"), "events"),
            where=parse_filters(r.raw("where")),
        )
        r.done()
        return q

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "after_id": self.after_id, "limit": self.limit,
                "events": list(self.events), "where": filters_to_list(self.where)}


DISCOVERY_WHATS = ("events", "properties", "traits", "values")


@query_model("discovery")
@dataclass(frozen=True)
class DiscoveryQuery(Query):
    """What the pickers offer: event names, property/trait keys, a property's common values."""

    what: str = "events"
    range: Range | None = None  # events/values: None = all time
    timezone: str | None = None
    event: str | None = None  # properties/values: restrict to one event
    property: str | None = None  # values: an event property ...
    trait: str | None = None  # ... or a trait
    sample: int = 10_000  # properties/traits: how many recent rows to inspect
    limit: int = 100

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DiscoveryQuery:
        r = SpecReader(data, "")
        r.expect("kind", "what", "range", "timezone", "event", "property", "trait", "sample", "limit")
        r.string("kind")
        what = r.string("what", required=True, choices=DISCOVERY_WHATS)
        rng = Range.from_dict(r.raw("range")) if r.has("range") else None
        event = check_event_name(r.raw("event"), "event") if r.has("event") else None
        prop = check_name(r.raw("property"), "property") if r.has("property") else None
        trait = check_name(r.raw("trait"), "trait") if r.has("trait") else None
        q = cls(
            what=what,
            range=rng,
            timezone=check_timezone(r.raw("timezone")),
            event=event,
            property=prop,
            trait=trait,
            sample=r.integer("sample", 10_000, minimum=1, maximum=1_000_000),
            limit=r.integer("limit", 100, minimum=1, maximum=10_000),
        )
        r.done()
        if what == "values" and (prop is None) == (trait is None):
            raise QueryError("discovery of values needs exactly one of 'property' or 'trait'")
        if what != "values" and (prop is not None or trait is not None):
            raise QueryError(f"'property'/'trait' only apply to discovery of values, not {what!r}")
        if what in ("events", "traits") and event is not None:
            raise QueryError(f"'event' does not apply to discovery of {what!r}")
        if trait is not None and event is not None:
            raise QueryError("'event' does not apply to the values of a trait")
        if what in ("properties", "traits") and rng is not None:
            raise QueryError(f"discovery of {what!r} samples recent rows and takes no 'range'")
        return q

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "what": self.what, "limit": self.limit, "sample": self.sample}
        for key in ("event", "property", "trait", "timezone"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.range is not None:
            out["range"] = self.range.to_dict()
        return out
