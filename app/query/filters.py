"""Compile the model's filters to SQLAlchemy boolean expressions over `events` and `users`.

Semantics (the reference oracle in app.query.reference.common implements the same):
- A property/trait value is typed by its JSON type. A string filter value matches JSON strings
  only, a number matches JSON numbers (numerically and exactly: 5 == 5.0, 10 > 9,
  9007199254740993 != 9007199254740992.0, as Python compares; a stored float or integer
  beyond 64 bits as its double: 2**70 > 100, 2**70 + 1 == 2.0**70), a boolean matches
  JSON booleans. `"5"` (string) and 5 (number) are different values.
- Negative operators (`neq`, `not_contains`, `not_set`) match rows where the value is missing,
  null or of another type: they are exactly NOT of their positive operator.
- `ignore_case` folds A-Z only, identically on every database.
- Enriched fields (`$city`, ...) are text columns: string operators and set/not_set apply.
- Trait filters need the person's `users` row; runners outer-join it (`needs_users`), so a
  person without a row has no traits.
Every value and every JSON key is a bound parameter.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    FromClause,
    String,
    and_,
    false,
    func,
    literal,
    not_,
    null,
    or_,
)
from sqlalchemy.engine import Dialect

from app.core.backends import Backend, backend_for
from app.core.schema import ENRICHED_COLUMNS
from app.query.model import AnyFilter, Filter, QueryError, ValueFilter

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold_ascii(text: str) -> str:
    """Python twin of dialect.fold_case: lower-case A-Z only."""
    return text.translate(_ASCII_LOWER)


@dataclass(frozen=True)
class FilterContext:
    """What a filter may refer to in the statement being built.

    `events`: the events table (or an alias) for property filters; `users`: the users table
    (or alias) present in the FROM clause for trait filters; `person`: the person column the
    rows belong to (cohort filters and similar person-level extensions use it); `today`: the
    query zone's current date, for `in_last_days`.
    """

    dialect: Dialect
    events: FromClause | None
    users: FromClause | None
    person: ColumnElement[Any] | None
    today: dt.date

    @property
    def backend(self) -> Backend:
        return backend_for(self.dialect)


#: Extension point: filter class -> compiler. Other modules register theirs, e.g. cohorts:
#: `register_filter_compiler(CohortFilter, compile_cohort)`.
FILTER_COMPILERS: dict[type[Filter], Callable[[Any, FilterContext], ColumnElement[bool]]] = {}


def register_filter_compiler(cls: type[Filter], compiler: Callable[[Any, FilterContext], ColumnElement[bool]]) -> None:
    FILTER_COMPILERS[cls] = compiler


def needs_users(filters: Iterable[Filter]) -> bool:
    """True when any filter (at any depth) is a trait filter, so `users` must be joined."""
    for f in filters:
        if isinstance(f, ValueFilter) and f.target == "trait":
            return True
        if isinstance(f, AnyFilter) and needs_users(f.filters):
            return True
    return False


def compile_filters(filters: Sequence[Filter], ctx: FilterContext) -> ColumnElement[bool] | None:
    """All filters ANDed; None when there are none."""
    if not filters:
        return None
    parts = [compile_filter(f, ctx) for f in filters]
    return parts[0] if len(parts) == 1 else and_(*parts)


def compile_filter(f: Filter, ctx: FilterContext) -> ColumnElement[bool]:
    if isinstance(f, AnyFilter):
        return or_(*(compile_filter(m, ctx) for m in f.filters))
    if isinstance(f, ValueFilter):
        return _compile_value(f, ctx)
    compiler = FILTER_COMPILERS.get(type(f))
    if compiler is None:
        raise QueryError(f"filter {f.to_dict()!r} is not supported by this query")
    return compiler(f, ctx)


# --------------------------------------------------------------------------------------------


class _Field:
    """Typed views of one value: a JSON key of a document, or a plain text column."""

    def is_string(self) -> ColumnElement[bool]:
        raise NotImplementedError

    def equality_guard(self, values: Sequence[str]) -> ColumnElement[bool] | None:
        """The type test `text() = v` needs to be exact for these values, or None."""
        return self.is_string()

    def text(self) -> ColumnElement[Any]:
        raise NotImplementedError

    def number(self) -> ColumnElement[Any]:
        raise NotImplementedError

    def compare(self, op: Callable[[Any, Any], Any], value: int | float) -> ColumnElement[bool]:
        """op(number, value), exact for integers and floats alike (Backend.json_number_compare)."""
        return op(self.number(), literal(value))  # type: ignore[no-any-return]

    def is_true(self) -> ColumnElement[bool]:
        raise NotImplementedError

    def is_false(self) -> ColumnElement[bool]:
        raise NotImplementedError

    def present(self) -> ColumnElement[bool]:
        raise NotImplementedError


class _JsonField(_Field):
    def __init__(self, backend: Backend, doc: ColumnElement[Any], key: str) -> None:
        self.backend, self.doc, self.key = backend, doc, key

    def is_string(self) -> ColumnElement[bool]:
        return self.backend.json_is(self.doc, self.key, "string")

    def equality_guard(self, values: Sequence[str]) -> ColumnElement[bool] | None:
        """None when no value is the text form of a non-string JSON value.

        The text of a key (`->>`, json_extract) is the string itself for JSON strings, and for
        numbers, booleans, objects and arrays their JSON text, which parses as JSON. A value
        that does not parse ("Beans") can only equal a string, so the per-row type test is
        left out (SQLite: one JSON lookup per row instead of two, ~40% of a filtered scan)."""
        if all(_json_text_of_string_only(v) for v in values):
            return None
        return self.is_string()

    def text(self) -> ColumnElement[Any]:
        return self.backend.json_text(self.doc, self.key)

    def number(self) -> ColumnElement[Any]:
        return self.backend.json_number(self.doc, self.key)

    def compare(self, op: Callable[[Any, Any], Any], value: int | float) -> ColumnElement[bool]:
        # Below 2**53 a double holds every integer, so the read as a double (json_number) is
        # exact for any value there, and cheapest; from 2**53 up it rounded (9007199254740993
        # matched 9007199254740992 on PostgreSQL, nothing on ClickHouse).
        if abs(value) < 2**53:
            return super().compare(op, value)
        return self.backend.json_number_compare(self.doc, self.key, op, value)  # type: ignore[no-any-return]

    def is_true(self) -> ColumnElement[bool]:
        return self.backend.json_is(self.doc, self.key, "true")

    def is_false(self) -> ColumnElement[bool]:
        return self.backend.json_is(self.doc, self.key, "false")

    def present(self) -> ColumnElement[bool]:
        return self.backend.json_present(self.doc, self.key)


def _json_text_of_string_only(value: str) -> bool:
    try:
        json.loads(value)
    except ValueError:
        return True
    return False


class _TextColumn(_Field):
    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column

    def is_string(self) -> ColumnElement[bool]:
        return self.column.is_not(None)

    def equality_guard(self, values: Sequence[str]) -> ColumnElement[bool] | None:
        return None  # a NULL column equals nothing

    def text(self) -> ColumnElement[Any]:
        return self.column

    def number(self) -> ColumnElement[Any]:
        return null()

    def is_true(self) -> ColumnElement[bool]:
        return false()

    def is_false(self) -> ColumnElement[bool]:
        return false()

    def present(self) -> ColumnElement[bool]:
        return self.column.is_not(None)


def property_field(ctx: FilterContext, name: str) -> _Field:
    if ctx.events is None:
        raise QueryError(f"event property filters ({name!r}) do not apply here; use a trait filter")
    if name in ENRICHED_COLUMNS:
        return _TextColumn(ctx.events.c[ENRICHED_COLUMNS[name]])
    return _JsonField(ctx.backend, ctx.events.c.properties, name)


def trait_field(ctx: FilterContext, name: str) -> _Field:
    if ctx.users is None:
        raise QueryError(f"trait filters ({name!r}) do not apply here")
    return _JsonField(ctx.backend, ctx.users.c.traits, name)


def _not(expr: ColumnElement[bool]) -> ColumnElement[bool]:
    """NOT that treats an unknown (NULL) positive result as false, so negation matches it."""
    return not_(func.coalesce(expr, false(), type_=Boolean))


def _any(parts: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return parts[0] if len(parts) == 1 else or_(*parts)


def _compile_value(f: ValueFilter, ctx: FilterContext) -> ColumnElement[bool]:
    field = property_field(ctx, f.name) if f.target == "property" else trait_field(ctx, f.name)
    op, value = f.op, f.value

    def folded_text() -> ColumnElement[Any]:
        return ctx.backend.fold_case(field.text()) if f.ignore_case else field.text()

    def needle(v: str) -> ColumnElement[Any]:
        return literal(fold_ascii(v) if f.ignore_case else v, String)

    def eq(values: tuple[Any, ...]) -> ColumnElement[bool]:
        strings = [v for v in values if isinstance(v, str)]
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        bools = [v for v in values if isinstance(v, bool)]
        parts: list[ColumnElement[bool]] = []
        if strings:
            folded = [fold_ascii(s) if f.ignore_case else s for s in strings]
            target = folded_text()
            cmp = target == literal(folded[0], String) if len(folded) == 1 else target.in_(folded)
            # Case-folded text may equal a non-string's text ("TRUE" -> "true"): always guarded.
            guard = field.is_string() if f.ignore_case else field.equality_guard(strings)
            parts.append(cmp if guard is None else and_(guard, cmp))
        for n in numbers:
            parts.append(field.compare(operator.eq, n))
        if True in bools:
            parts.append(field.is_true())
        if False in bools:
            parts.append(field.is_false())
        return _any(parts)

    def as_tuple(v: Any) -> tuple[Any, ...]:
        return v if isinstance(v, tuple) else (v,)

    def text_test(kind: str, values: tuple[str, ...]) -> ColumnElement[bool]:
        test = ctx.backend.text_contains if kind == "contains" else ctx.backend.text_starts_with
        return and_(field.is_string(), _any([test(folded_text(), needle(v)) for v in values]))

    if op == "eq":
        return eq(as_tuple(value))
    if op == "neq":
        return _not(eq(as_tuple(value)))
    if op in ("contains", "starts_with"):
        return text_test(op, as_tuple(value))
    if op == "not_contains":
        return _not(text_test("contains", as_tuple(value)))
    if op == "set":
        return field.present()
    if op == "not_set":
        return not_(field.present())
    if op == "true":
        return field.is_true()
    if op == "false":
        return field.is_false()
    if op in ("gt", "gte", "lt", "lte"):
        return field.compare({"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}[op], value)
    if op == "between":
        lo, hi = value
        if max(abs(lo), abs(hi)) < 2**53:  # one read of the number, as always
            return field.number().between(literal(lo), literal(hi))
        return and_(field.compare(operator.ge, lo), field.compare(operator.le, hi))
    if op in ("before", "after", "in_last_days"):
        text = field.text()
        day = ctx.backend.binary_order(func.substr(text, 1, 10))
        if op == "before":
            cond = day < literal(value, String)
        elif op == "after":
            cond = day > literal(value, String)
        else:
            first = (ctx.today - dt.timedelta(days=int(value) - 1)).isoformat()
            cond = and_(day >= literal(first, String), day <= literal(ctx.today.isoformat(), String))
        return and_(field.is_string(), ctx.backend.looks_like_date(text), cond)
    raise QueryError(f"unknown operator {op!r}")  # pragma: no cover - the model validates ops


__all__ = [
    "FILTER_COMPILERS",
    "FilterContext",
    "compile_filter",
    "compile_filters",
    "fold_ascii",
    "needs_users",
    "property_field",
    "register_filter_compiler",
    "trait_field",
]
