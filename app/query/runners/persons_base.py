"""The persons of something (a funnel step, a retention cell) as a users result.

Such a kind is a users query whose first filter is a person-level filter of that something, so
its list pages, sorts, searches and exports exactly like the User explorer and takes every users
option. Subclasses name the filter class (its `read(SpecReader)` takes the kind's own keys).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from sqlalchemy import Connection, Select

from app.query.filters import FilterContext, register_filter_compiler
from app.query.model import Filter, Query, SpecReader, register_filter
from app.query.runner import QueryRunner
from app.query.runners.users import UsersQuery, UsersRunner


def register_person_filter(cls: Any, compiler: Callable[[Any, FilterContext], Any]) -> None:
    """Let the kind's filter stand in any `where` too, keyed by the first of its KEYS: read by
    `cls.read`, refused with any key it has not read, compiled by `compiler`."""
    def parse(r: SpecReader) -> Filter:
        f: Filter = cls.read(r)
        r.done()
        return f

    register_filter(cls.KEYS[0], parse, cls.KEYS[1:])
    register_filter_compiler(cls, compiler)


def cte_prefix(stem: str, occurrence: Iterator[int]) -> str:
    """Distinct CTE names (`stem1_`, `stem2_`, ...) for every nested statement of a filter: the
    same one may be used twice in a statement. SQL snapshot tests reset `occurrence`."""
    return f"{stem}{next(occurrence)}_"


@dataclass(frozen=True)
class PersonsQuery(Query):
    """A users query led by the kind's person-level filter."""

    users: UsersQuery
    #: the person-level filter the kind's own keys describe
    filter_class: ClassVar[Any]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PersonsQuery:
        r = SpecReader(data, "")
        r.expect("kind", *cls.filter_class.KEYS, *UsersQuery.KEYS)
        r.string("kind")
        f = cls.filter_class.read(r)
        users = UsersQuery._read(r)
        r.done()
        return cls(replace(users, where=(f, *users.where)))

    def to_dict(self) -> dict[str, Any]:
        spec = self.users.to_dict()
        first, *rest = self.users.where
        spec.update(first.to_dict())
        spec["where"] = [w.to_dict() for w in rest]
        spec["kind"] = self.kind
        return spec


class PersonsRunner(QueryRunner):
    """Runs a PersonsQuery as the users query it is."""

    query: PersonsQuery

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.users = UsersRunner(self.query.users, self.dialect, now=self.now, cancel=self.cancel)

    def to_query(self) -> Select[Any]:
        return self.users.to_query()

    def statements(self) -> list[Any]:
        return self.users.statements()

    def calculate(self, conn: Connection) -> dict[str, Any]:
        self.users.record = self.record  # what it runs is what `--explain` shows
        return self.users.calculate(conn)
