"""Qt-free state objects behind the panels: a panel is a view of its state, and its query is
that state's JSON.

Why: panels used to read their query back from widgets, so whatever a widget could not show
(a filter's `ignore_case`, a funnel's `bins`, a users query's `count`) was lost when a saved
report was opened. Here the state is the truth: `load(spec)` takes a query as the engine
normalises it (`parse_query(spec).to_dict()`), widgets change only the fields the user edits,
and `to_query()` gives every other field back untouched, so query -> state -> query is the
identity (tests/query/test_panel_state.py proves it with generated queries).

The shape follows glue's viewer states (glue/core/state_objects.py): fields that call back
when they change (`add_callback`, `add_global_callback`), so the Qt side binds widgets to
fields instead of copying values by hand. The choice lists (measures, units, operators,
funnel orders, retention modes ...) come from the query model and carry only labels here.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

import app.query.cohorts  # noqa: F401  (registers the cohort filter the panels offer)
from app.query.errors import QueryError
from app.query.model import (
    MEASURES,
    NUMERIC_MEASURES,
    OPS,
    OPS_NO_VALUE,
    OPS_NUMBER,
    OPS_SCALAR_OR_LIST,
    UNITS,
    parse_query,
)
from app.query.runners.funnel_base import ORDERS, VIEWS, WINDOW_UNITS
from app.query.runners.retention import ANY_EVENT, BRACKETS, MODES, RETENTION_UNITS
from app.query.runners.users import MATCHES

# --------------------------------------------------------------------------------------------
# Vocabularies: keys from the query model, labels for people.


def _labelled(keys: Sequence[str], labels: Mapping[str, str]) -> list[tuple[str, str]]:
    """(key, label) for every key the model knows, in the model's order; a key the model gains
    without a label here still shows (as itself), so no choice silently disappears."""
    return [(key, labels.get(key, key)) for key in keys]


MEASURE_CHOICES = _labelled((*MEASURES, *NUMERIC_MEASURES), {
    "total": "Total events", "unique": "Unique users", "sum": "Sum of property",
    "avg": "Average of property", "median": "Median of property"})
UNIT_CHOICES = _labelled(UNITS, {"hour": "Hour", "day": "Day", "week": "Week", "month": "Month"})
FUNNEL_VIEW_CHOICES = _labelled(VIEWS, {"steps": "Steps", "trends": "Conversion over time",
                                        "time_to_convert": "Time to convert"})
FUNNEL_ORDER_CHOICES = _labelled(ORDERS, {"ordered": "In order", "strict": "Strict order", "any": "Any order"})
FUNNEL_ORDER_TIPS = {"ordered": "Steps in order; other events may come between them",
                     "strict": "Each step must be the very next event of any of the funnel's steps",
                     "any": "Steps in any order within the window from the first of them"}
WINDOW_UNIT_CHOICES = _labelled(tuple(WINDOW_UNITS), {})
RETENTION_MODE_CHOICES = _labelled(MODES, {"first_time": "First time (first start event ever)",
                                           "recurring": "Recurring (every bucket)"})
RETENTION_UNIT_CHOICES = _labelled(RETENTION_UNITS, {"day": "Day", "week": "Week", "month": "Month (30 days)"})
RETENTION_BRACKET_CHOICES = _labelled(BRACKETS, {"on": "On period n", "on_or_after": "On or after period n"})
MATCH_CHOICES = _labelled(MATCHES, {"all": "all of these (AND)", "any": "any of these (OR)"})

#: What each operator reads as; numbers read as symbols.
OPERATOR_LABELS: dict[str, str] = {
    "eq": "is", "neq": "is not", "contains": "contains", "not_contains": "does not contain",
    "starts_with": "starts with", "set": "is set", "not_set": "is not set", "true": "is true",
    "false": "is false", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "between": "between",
    "before": "before", "after": "after", "in_last_days": "in the last … days",
}
NUMBER_OPERATOR_LABELS = {"eq": "=", "neq": "≠"}
#: The operators a property of each discovered type offers, in menu order (all from model.OPS).
OPERATORS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "string": (*OPS_SCALAR_OR_LIST, "set", "not_set"),
    "number": ("eq", "neq", *OPS_NUMBER, "between", "set", "not_set"),
    "boolean": ("true", "false", "set", "not_set"),
    "date": ("after", "before", "in_last_days", "eq", "neq", "set", "not_set"),
}
#: Operators that compare text, where `ignore_case` means something.
CASE_OPS = frozenset(OPS_SCALAR_OR_LIST)
NO_VALUE_OPS = frozenset(OPS_NO_VALUE)
DATE_OPS = frozenset(("before", "after", "in_last_days"))
NUMBER_ONLY_OPS = frozenset((*OPS_NUMBER, "between"))
assert set(OPERATOR_LABELS) == set(OPS), "every model operator needs a label"
assert all(set(ops) <= set(OPS) for ops in OPERATORS_BY_TYPE.values())


def operator_label(op: str, kind: str = "string") -> str:
    if kind == "number" and op in NUMBER_OPERATOR_LABELS:
        return NUMBER_OPERATOR_LABELS[op]
    return OPERATOR_LABELS.get(op, op)


def operator_choices(kind: str) -> list[tuple[str, str]]:
    """(op, label) a property of this discovered type offers."""
    return [(op, operator_label(op, kind)) for op in OPERATORS_BY_TYPE.get(kind, OPERATORS_BY_TYPE["string"])]


def guess_type(spec: Mapping[str, Any]) -> str:
    """The property type a saved filter implies when discovery does not know its property."""
    op = spec.get("op")
    value = spec.get("value")
    if op in ("true", "false"):
        return "boolean"
    if op in DATE_OPS:
        return "date"
    if op in NUMBER_ONLY_OPS:
        return "number"
    sample = value[0] if isinstance(value, list) and value else value
    if isinstance(sample, bool):
        return "boolean"
    if isinstance(sample, int | float):
        return "number"
    return "string"


def value_editor(op: str, kind: str) -> str:
    """Which editor a condition's value needs: none, between, date, days, number or text."""
    if op in NO_VALUE_OPS:
        return "none"
    if op == "between":
        return "between"
    if op in ("before", "after"):
        return "date"
    if op == "in_last_days":
        return "days"
    if kind == "number" or op in OPS_NUMBER:
        return "number"
    return "text"


# --------------------------------------------------------------------------------------------
# Fields that call back


def identical(a: Any, b: Any) -> bool:
    """Equal JSON, types included: `1`, `1.0` and `true` are three different filter values."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(identical(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(identical(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class Field:
    """A state attribute; setting a different value calls the state's callbacks (glue's
    CallbackProperty). Values are JSON (dicts, lists, scalars) and are copied on the way in, so
    a widget holding a list never edits the state behind its back."""

    def __init__(self, default: Any = None) -> None:
        self.default = default
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: State | None, owner: type) -> Any:
        if instance is None:
            return self
        return copy.deepcopy(instance._values.get(self.name, self.default))

    def __set__(self, instance: State, value: Any) -> None:
        value = copy.deepcopy(value)
        if self.name in instance._values and identical(instance._values[self.name], value):
            return
        instance._values[self.name] = value
        instance._changed(self.name)


class State:
    """Fields plus callbacks: `add_callback(name, fn)` (fn(value)), `add_global_callback(fn)`
    (fn(names) after any change), and `delay_callbacks()` to change several fields at once."""

    fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **values: Any) -> None:
        self._values: dict[str, Any] = {}
        self._callbacks: dict[str, list[Callable[[Any], None]]] = {}
        self._global: list[Callable[[set[str]], None]] = []
        self._delayed: set[str] | None = None
        for name in self.fields:
            self._values[name] = copy.deepcopy(getattr(type(self), name).default)
        for name, value in values.items():
            setattr(self, name, value)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.fields = tuple(name for klass in reversed(cls.__mro__) for name, v in vars(klass).items()
                           if isinstance(v, Field))

    def add_callback(self, name: str, callback: Callable[[Any], None]) -> None:
        if name not in self.fields:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}")
        self._callbacks.setdefault(name, []).append(callback)

    def add_global_callback(self, callback: Callable[[set[str]], None]) -> None:
        self._global.append(callback)

    @contextmanager
    def delay_callbacks(self) -> Iterator[None]:
        """Change several fields; each callback runs once at the end, after all of them."""
        if self._delayed is not None:
            yield
            return
        self._delayed = set()
        try:
            yield
        finally:
            names, self._delayed = self._delayed, None
            if names:
                self._notify(names)

    def _changed(self, name: str) -> None:
        if self._delayed is not None:
            self._delayed.add(name)
        else:
            self._notify({name})

    def _notify(self, names: set[str]) -> None:
        for name in self.fields:
            if name in names:
                for callback in list(self._callbacks.get(name, ())):
                    callback(getattr(self, name))
        for callback in list(self._global):
            callback(names)

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.fields}


# --------------------------------------------------------------------------------------------
# One filter condition


class ConditionState(State):
    """One `{"property"|"trait": name, "op", "value", "ignore_case"}` condition, as a filter row
    edits it. A value the row's editor cannot show (the number 5 of a string property, a list)
    stays as loaded until the user types another one."""

    target = Field("property")
    name = Field("")
    op = Field("eq")
    value = Field(None)
    ignore_case = Field(False)

    @classmethod
    def from_json(cls, spec: Mapping[str, Any]) -> ConditionState:
        target = "trait" if "trait" in spec else "property"
        return cls(target=target, name=str(spec.get(target) or ""), op=str(spec.get("op") or "eq"),
                   value=spec.get("value"), ignore_case=bool(spec.get("ignore_case", False)))

    def set_op(self, op: str, kind: str = "string") -> None:
        """Choose an operator; a value of the wrong shape for it is dropped (the row is then
        incomplete until a value is entered)."""
        if op == self.op:
            return
        before = value_editor(self.op, kind)
        with self.delay_callbacks():
            self.op = op
            if value_editor(op, kind) != before or op in NO_VALUE_OPS:
                self.value = None

    def to_json(self) -> dict[str, Any] | None:
        """The filter, or None while it is incomplete (no name, or no value where one is needed)."""
        if not self.name:
            return None
        out: dict[str, Any] = {self.target: self.name, "op": self.op}
        if self.op not in NO_VALUE_OPS:
            if self.value is None or self.value == []:
                return None
            out["value"] = copy.deepcopy(self.value)
        if self.ignore_case:
            out["ignore_case"] = True
        return out


# --------------------------------------------------------------------------------------------
# Panel states


class QueryState(State):
    """A panel's query. Subclasses list their fields in the order of the model's `to_dict`;
    `OPTIONAL` names the keys `to_dict` leaves out at their default."""

    kind: ClassVar[str] = ""
    #: key -> the default at which `to_query` leaves it out (as the model's to_dict does).
    OPTIONAL: ClassVar[dict[str, Any]] = {}
    #: field name -> JSON key, where they differ (`return` is a Python keyword).
    KEYS: ClassVar[dict[str, str]] = {}

    def key(self, name: str) -> str:
        return self.KEYS.get(name, name)

    def load(self, spec: Mapping[str, Any]) -> None:
        """Take a query (normalised by the model; a spec the model refuses is taken key by key
        as it is, so a half-made saved query still shows). Callbacks run once, at the end."""
        try:
            data = parse_query({**spec, "kind": self.kind}).to_dict()
        except QueryError:
            data = dict(spec)
        defaults = type(self)()
        with self.delay_callbacks():
            for name in self.fields:
                key = self.key(name)
                setattr(self, name, data[key] if data.get(key) is not None else getattr(defaults, name))

    def to_query(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        for name in self.fields:
            key, value = self.key(name), getattr(self, name)
            if key in self.OPTIONAL and value == self.OPTIONAL[key]:
                continue
            out[key] = value
        return out


class SegmentationState(QueryState):
    kind = "segmentation"
    OPTIONAL: ClassVar[dict[str, Any]] = {"timezone": None, "breakdown": None}

    events = Field([])
    measure = Field("total")
    unit = Field("day")
    range = Field({"last": 30, "unit": "day"})
    where = Field([])
    limit = Field(12)
    compare_previous = Field(False)
    timezone = Field(None)
    breakdown = Field(None)

    @property
    def measure_kind(self) -> str:
        m = self.measure
        return next(iter(m)) if isinstance(m, dict) and m else str(m)

    @property
    def measure_property(self) -> str:
        m = self.measure
        return str(next(iter(m.values()))) if isinstance(m, dict) and m else ""

    def set_measure(self, kind: str, prop: str) -> None:
        """A numeric measure needs its property; without one the query counts events."""
        prop = prop.strip()
        if kind in NUMERIC_MEASURES:
            self.measure = {kind: prop} if prop else "total"
        else:
            self.measure = kind


class FunnelState(QueryState):
    kind = "funnel"
    OPTIONAL: ClassVar[dict[str, Any]] = {"timezone": None, "breakdown": None, "order": "ordered", "exclusions": [], "hold": None}

    steps = Field([])
    window = Field({"days": 7})
    range = Field({"last": 30, "unit": "day"})
    where = Field([])
    limit = Field(10)
    view = Field("steps")
    unit = Field("day")
    bins = Field(20)
    timezone = Field(None)
    breakdown = Field(None)
    order = Field("ordered")
    exclusions = Field([])
    hold = Field(None)

    def to_query(self) -> dict[str, Any]:
        """Exclusions are kept while the order is "any" (which cannot have them), so switching
        back restores them; the query leaves them out meanwhile."""
        out = super().to_query()
        if self.order == "any":
            out.pop("exclusions", None)
        return out

    @property
    def window_unit(self) -> str:
        return next(iter(self.window), "days")

    @property
    def window_amount(self) -> int:
        return int(next(iter(self.window.values()), 7))


class RetentionState(QueryState):
    kind = "retention"
    OPTIONAL: ClassVar[dict[str, Any]] = {"timezone": None, "breakdown": None}
    KEYS: ClassVar[dict[str, str]] = {"returning": "return"}

    start = Field({"event": "", "where": []})
    returning = Field({"event": ANY_EVENT, "where": []})
    mode = Field("first_time")
    unit = Field("day")
    periods = Field(8)
    bracket = Field("on")
    range = Field({"last": 30, "unit": "day"})
    where = Field([])
    limit = Field(10)
    timezone = Field(None)
    breakdown = Field(None)

    def load(self, spec: Mapping[str, Any]) -> None:
        """A spec the model refuses is taken as it is: its events may still be names (which the
        model allows) or junk, while the panel reads `start` and `return` as objects."""
        data = dict(spec)
        for key in ("start", "return"):
            value = data.get(key)
            if isinstance(value, str):
                data[key] = {"event": value, "where": []}
            elif value is not None and not isinstance(value, dict):
                del data[key]
        super().load(data)


class UsersState(QueryState):
    kind = "users"
    OPTIONAL: ClassVar[dict[str, Any]] = {"search": None, "timezone": None, "after": None, "columns": None}

    where = Field([])
    did = Field([])
    match = Field("all")
    sort = Field({"by": "last_seen", "desc": True})
    limit = Field(100)
    count = Field(True)
    search = Field(None)
    timezone = Field(None)
    after = Field(None)
    columns = Field(None)

    @property
    def filters(self) -> list[dict[str, Any]]:
        """`where` and `did` as one list of builder rows (did clauses as `{"did": ...}`)."""
        return [*self.where, *({"did": d} for d in self.did)]

    def set_filters(self, rows: Sequence[Mapping[str, Any]]) -> None:
        where: list[dict[str, Any]] = []
        did: list[dict[str, Any]] = []
        for row in rows:
            if set(row) == {"did"}:
                did.append(dict(row["did"]))
            else:
                where.append(dict(row))
        with self.delay_callbacks():
            self.where = where
            self.did = did


class LiveState(QueryState):
    """What the Live View filters by; `after_id` and `limit` belong to each poll, not here."""

    kind = "live"

    events = Field([])
    where = Field([])

    def load(self, spec: Mapping[str, Any]) -> None:
        super().load({k: v for k, v in spec.items() if k not in ("after_id", "limit")})


PANEL_STATES: dict[str, type[QueryState]] = {cls.kind: cls for cls in
                                             (SegmentationState, FunnelState, RetentionState, UsersState, LiveState)}
