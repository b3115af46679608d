"""Breakdown labels of numbers Python writes with an exponent (4.4e-249, -2.5e-07, 1e-05), of
integers beyond 64 bits and of the floats around them: the same text on every database, the
oracle's (json.dumps of the value). PostgreSQL's JSONB printed 4.4e-249 as 250 zeros and 44,
ClickHouse printed 1e-05 as 0.00001 and 1e+300 as 1e300, and SQLite showed the writer's orjson
text (-2.5e-7, 0.00001): one number, three labels, and a filter value picked from one database's
breakdown was another group on the next."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Engine

from app.core.backends import backend_for
from app.core.materialized import materialize
from app.ingest.writer import EventWriter
from app.query import run_query
from app.query.reference.common import load
from app.query.reference.funnel import funnel as funnel_oracle
from app.query.reference.segmentation import segmentation as segmentation_oracle
from tests.query.support import event_row, insert_rows, ms

NOW = dt.datetime(2026, 11, 4, 12, 0, tzinfo=dt.UTC)
DAY = {"from": "2026-11-01", "to": "2026-11-01"}

#: Each value's label on every database. (PostgreSQL's JSONB keeps a number's value, not how it
#: was written: a float from 1e16 up reads back as an integer, -0.0 as 0, so those are left out.)
VALUES: list[float | int] = [4.4e-249, -2.5e-7, 1e-5, 1.5e-10, 5e-324, -1.2345678901234567e-100, 0.0001, 0.1, 12.5,
                             1.5e15, -1000000000000000.1, 123456789.0, 2**70, -(2**64), 9007199254740993]
LABELS = sorted(json.dumps(v) for v in VALUES)


def write(engine: Engine) -> None:
    """One A then one B event per person, each with its value, through the writer (orjson's text)."""
    messages = [{"type": "track", "event": name, "userId": f"u{i}", "messageId": f"{name}{i}",
                 "timestamp": f"2026-11-01T12:0{n}:00Z", "properties": {"x": v}}
                for i, v in enumerate(VALUES) for n, name in enumerate(("A", "B"))]
    result = EventWriter(engine, enrich=False).write(messages)
    assert result.stored == len(messages), result.rejected


def test_breakdown_labels_of_numbers_are_the_oracles_on_every_database(engine: Engine) -> None:
    write(engine)
    spec: dict[str, Any] = {"kind": "segmentation", "events": ["A"], "timezone": "UTC", "range": DAY,
                            "breakdown": "x", "limit": 50}
    got = run_query(engine, spec, now=NOW)
    assert got == segmentation_oracle(load(engine), spec, NOW)
    assert sorted(s["group"] for s in got["series"]) == LABELS
    assert all(s["total"] == 1 for s in got["series"])

    funnel: dict[str, Any] = {"kind": "funnel", "timezone": "UTC", "range": DAY, "steps": ["A", "B"],
                              "breakdown": "x", "limit": 50}
    got = run_query(engine, funnel, now=NOW)
    assert got == funnel_oracle(load(engine), funnel, NOW)
    assert sorted(g["group"] for g in got["breakdown"]) == LABELS
    assert all([s["count"] for s in g["steps"]] == [1, 1] for g in got["breakdown"])
    if backend_for(engine).materializes_properties:  # the funnel then reads the column's labels
        materialize(engine, "x")
        assert run_query(engine, funnel, now=NOW) == got


def test_a_label_picked_is_one_group_and_filters_its_events(engine: Engine) -> None:
    """The value a picker lists filters exactly its events, and the same number written two ways
    (the writer's orjson and Python's json) is one group."""
    write(engine)
    insert_rows(engine, [event_row("A", "p", ms("2026-11-01 13:00"), {"x": v}) for v in VALUES])
    spec: dict[str, Any] = {"kind": "segmentation", "events": ["A"], "timezone": "UTC", "range": DAY,
                            "breakdown": "x", "limit": 50}
    assert sorted((s["group"], s["total"]) for s in run_query(engine, spec, now=NOW)["series"]) == [
        (label, 2) for label in LABELS]
    values = run_query(engine, {"kind": "discovery", "what": "values", "property": "x", "limit": 50}, now=NOW)
    # Integers beyond 64 bits are not offered as numbers: a filter refuses them (QueryError), so
    # picking one was an error. (ClickHouse's JSON functions type them as strings: offered as
    # the string, which its string filter matches.)
    beyond = {json.dumps(v) for v in VALUES if isinstance(v, int) and not -(2**63) <= v < 2**63}
    numbers = [v for v in values["values"] if v["type"] == "number"]
    assert sorted((json.dumps(v["value"]), v["count"]) for v in numbers) == [
        (label, 3) for label in LABELS if label not in beyond]
    assert all(v["type"] == "string" and v["value"] in beyond for v in values["values"] if v["type"] != "number")
    for picked in values["values"]:
        value = picked["value"]
        where = [{"property": "x", "op": "eq", "value": value}]
        got = run_query(engine, {**spec, "where": where}, now=NOW)
        label = value if isinstance(value, str) else json.dumps(value)
        assert [(s["group"], s["total"]) for s in got["series"]] == [(label, 2)]


def test_floats_from_1e16_up_and_negative_zero(engine: Engine) -> None:
    """Python's text on SQLite and ClickHouse (ClickHouse printed 10000000000000000 and 1e300);
    PostgreSQL's JSONB reads these floats back as integers and -0.0 as 0, as its oracle sees them."""
    values = [1e16, -1.5e16, 1.2345678901234568e20, 1e21, 1e300, -1.7976931348623157e308, -0.0]
    messages = [{"type": "track", "event": "A", "userId": f"u{i}", "messageId": f"m{i}",
                 "timestamp": "2026-11-01T12:00:00Z", "properties": {"x": v}} for i, v in enumerate(values)]
    assert EventWriter(engine, enrich=False).write(messages).stored == len(values)
    spec: dict[str, Any] = {"kind": "segmentation", "events": ["A"], "timezone": "UTC", "range": DAY,
                            "breakdown": "x", "limit": 50}
    got = run_query(engine, spec, now=NOW)
    assert got == segmentation_oracle(load(engine), spec, NOW)
    if backend_for(engine).label != "PostgreSQL":
        assert sorted(s["group"] for s in got["series"]) == sorted(json.dumps(v) for v in values)


def test_integers_from_2_53_up_are_compared_exactly(engine: Engine) -> None:
    """An id-like integer filters its own value only: 9007199254740993 is neither 9007199254740992
    nor 9007199254740992.0 (equal as doubles). ClickHouse matched nothing for it (its float read
    rounded the stored value), PostgreSQL also matched the neighbours, and the oracle compared as
    floats; now every database and the oracle compare as Python compares an int and a float."""
    stored: list[float | int] = [9007199254740993, 9007199254740992, 9007199254740992.0, 2**63 - 1, 2**63 - 2,
                                 4611686018427387905, -(2**63), -(2**63) + 1, 12]
    insert_rows(engine, [event_row("A", f"p{i}", ms("2026-11-01 13:00"), {"x": v}) for i, v in enumerate(stored)])
    spec: dict[str, Any] = {"kind": "segmentation", "events": ["A"], "timezone": "UTC", "range": DAY,
                            "breakdown": "x", "limit": 50}

    def groups(op: str, value: Any) -> list[str]:
        query = {**spec, "where": [{"property": "x", "op": op, "value": value}]}
        got = run_query(engine, query, now=NOW)
        assert got == segmentation_oracle(load(engine), query, NOW), (op, value)
        return sorted(s["group"] for s in got["series"])

    assert groups("eq", 9007199254740993) == ["9007199254740993"]
    assert groups("eq", 9007199254740992.0) == ["9007199254740992", "9007199254740992.0"]
    assert groups("eq", [2**63 - 1, -(2**63)]) == ["-9223372036854775808", "9223372036854775807"]
    assert "9007199254740993" not in groups("neq", 9007199254740993)
    assert groups("lt", 4611686018427387905) == sorted(
        ["9007199254740993", "9007199254740992", "9007199254740992.0", "-9223372036854775808", "-9223372036854775807",
         "12"])
    assert groups("between", [9007199254740993, 2**63 - 2]) == ["4611686018427387905", "9007199254740993",
                                                                 "9223372036854775806"]
    for op in ("eq", "neq", "gt", "gte", "lt", "lte"):
        for value in (9007199254740993, 9007199254740992, 9007199254740992.0, 2**63 - 1, -(2**63), 2**63 - 2,
                      9.223372036854776e18, 1.1805916207174113e21):
            groups(op, value)
