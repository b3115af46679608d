"""Numbers at the edges of what a database reads exactly, stored through the writer and queried
on every database against the oracle: integers beyond 64 bits (2**70, 2**64 - 1), floats from
1e16 up (1e23, 1e300) and -0.0. A user expects them to compare as numbers: 2**70 > 100 and
-0.0 == 0. ClickHouse's JSON parser read an integer beyond 64 bits as a string (2**70 > 100
matched nothing, the string filter "1180591620717411303424" matched it); PostgreSQL compared
a stored float as its decimal digits (eq 1e23 and gte 1e300 matched nothing, 2**64 - 1 was
below the float 2**64)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine

from app.ingest.writer import EventWriter
from app.query import run_query
from app.query.reference.common import load
from app.query.reference.segmentation import segmentation as segmentation_oracle
from app.query.reference.users import load_people
from app.query.reference.users import users as users_oracle

NOW = dt.datetime(2026, 11, 4, 12, 0, tzinfo=dt.UTC)
DAY = {"from": "2026-11-01", "to": "2026-11-01"}
BIG = "1180591620717411303424"  # 2**70's digits, stored once as the number and once as a string

#: One person per value, with one "A" event carrying it as the property x and the value as the trait x.
VALUES: list[Any] = [2**70, -(2**64), 2**64 - 1, 2**63, -(2**63) - 1, 1e23, 1e300, 1e16, 10**16, -0.0, 0, 0.0, 100,
                     -100, 2.5, 9007199254740994.0, BIG, "100"]
#: Filter values around them (a filter takes integers within 64 bits only).
BOUNDS: list[int | float] = [100, 0, -0.0, 1e23, 1e300, 1.1805916207174113e21, -1.8446744073709552e19,
                             1.8446744073709552e19, 9.223372036854776e18, 2**63 - 1, -(2**63), 1e16, 10**16,
                             2**53 + 1, 2**53 + 3]


def write(engine: Engine) -> None:
    messages: list[dict[str, Any]] = []
    for i, v in enumerate(VALUES):
        messages.append({"type": "identify", "userId": f"u{i:02}", "messageId": f"i{i}",
                         "timestamp": "2026-11-01T11:00:00Z", "traits": {"x": v}})
        messages.append({"type": "track", "event": "A", "userId": f"u{i:02}", "messageId": f"a{i}",
                         "timestamp": "2026-11-01T12:00:00Z", "properties": {"x": v}})
    result = EventWriter(engine, enrich=False).write(messages)
    assert result.stored == len(messages), result.rejected


def totals(engine: Engine, where: list[dict[str, Any]], **extra: Any) -> dict[str, int]:
    """{group: events} of the events matching `where`, broken down by x; the oracle's answer."""
    spec: dict[str, Any] = {"kind": "segmentation", "events": ["A"], "timezone": "UTC", "range": DAY,
                            "breakdown": "x", "limit": 50, "where": where, **extra}
    got = run_query(engine, spec, now=NOW)
    assert got == segmentation_oracle(load(engine), spec, NOW), spec
    return {s["group"]: s["total"] for s in got["series"]}


def test_numbers_beyond_64_bits_and_large_floats_compare_as_numbers(engine: Engine) -> None:
    write(engine)
    for target in ("property", "trait"):
        for op in ("eq", "neq", "gt", "gte", "lt", "lte"):
            for value in BOUNDS:
                totals(engine, [{target: "x", "op": op, "value": value}])
        totals(engine, [{target: "x", "op": "between", "value": [1e16, 1.1805916207174113e21]}])
        # What a user sees: 2**70 and 2**64 - 1 are numbers above 100, the string is not.
        above = totals(engine, [{target: "x", "op": "gt", "value": 100}])
        assert above[BIG] == 1
        assert "18446744073709551615" in above
        assert "100" not in above and "2.5" not in above
        assert totals(engine, [{target: "x", "op": "eq", "value": BIG}]) == {BIG: 1}
        assert sum(totals(engine, [{target: "x", "op": "eq", "value": 1e23}]).values()) == 1
        assert sum(totals(engine, [{target: "x", "op": "gte", "value": 1e300}]).values()) == 1
        assert sum(totals(engine, [{target: "x", "op": "lt", "value": -1.8446744073709552e19}]).values()) == 0
        assert sum(totals(engine, [{target: "x", "op": "eq", "value": -1.8446744073709552e19}]).values()) == 1
        # -0.0, 0 and 0.0 are one number (PostgreSQL shows -0.0 as 0.0: JSONB keeps no sign of 0)
        assert sum(totals(engine, [{target: "x", "op": "eq", "value": 0}]).values()) == 3
        assert sum(totals(engine, [{target: "x", "op": "lt", "value": 0}]).values()) == 3


def test_measures_users_sort_and_values_of_edge_numbers_are_the_oracles(engine: Engine) -> None:
    write(engine)
    data, people = load(engine), load_people(engine)
    for measure in ({"sum": "x"}, {"avg": "x"}, {"median": "x"}):
        spec: dict[str, Any] = {"kind": "segmentation", "events": ["A"], "timezone": "UTC", "range": DAY,
                                "measure": measure}
        assert run_query(engine, spec, now=NOW) == segmentation_oracle(data, spec, NOW), measure
    for desc in (False, True):
        query: dict[str, Any] = {"kind": "users", "sort": {"by": {"trait": "x"}, "desc": desc}, "limit": 100}
        got = run_query(engine, query, now=NOW)
        assert [u["id"] for u in got["users"]] == [u["id"] for u in users_oracle(data, people, query, NOW)["users"]]
        # numbers first, by value (the string BIG sorts among the strings)
        first, last = ("u01", "u06") if not desc else ("u06", "u01")  # -(2**64) and 1e300
        numbers = [u["id"] for u in got["users"]][:len([v for v in VALUES if not isinstance(v, str)])]
        assert numbers[0] == first and numbers[-1] == last
    for source in ({"property": "x"}, {"trait": "x"}):
        values = run_query(engine, {"kind": "discovery", "what": "values", **source, "limit": 50}, now=NOW)
        # integers beyond 64 bits are no filter value (not listed); the string is one
        assert {(v["value"], v["count"]) for v in values["values"] if v["type"] == "string"} == {(BIG, 1), ("100", 1)}
        assert not [v for v in values["values"] if isinstance(v["value"], int) and abs(v["value"]) >= 2**63]
