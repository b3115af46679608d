"""Fuzzing the query side with hostile specs (issue 18): every generated spec either answers or
is refused as a bad query (QueryError, "too large: ..." among them), on SQLite, PostgreSQL and chDB,
through the entry point `tracklens query` uses (parse_query + run_query, in process, and the
CLI command itself).

The specs are valid-looking queries of every kind whose fields are, at random, sensible values
or hostile JSON: wrong types, integers past 64 bits, NaN and infinities, dates in year 0 or
9999, deep and wide structures, and arbitrary Unicode (lone surrogates, NUL, RTL marks,
emoji) in event names, property and trait names and filter values. Sizes stay small so memory
stays bounded; the results must stay small too.

Budget: a few dozen examples per test by default (the module runs in well under a minute);
set TRACKLENS_FUZZ_EXAMPLES=5000 for a long run. Any spec that ever failed is kept below as an
explicit example (REGRESSIONS, or an @example).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from app.cli.main import cli
from app.core.database import open_database
from app.query import QueryError, run_query
from app.query.model import OPS
from tests.query.support import event_row, insert_rows, ms, user_row

EXAMPLES = int(os.environ.get("TRACKLENS_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 100,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])
NOW = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)
#: A result bigger than this would mean a bound let a huge answer through.
MAX_RESULT_BYTES = 5_000_000

# ------------------------------------------------------------------------------ strategies

HOSTILE_INTS = st.sampled_from([0, -1, 1, 2**31, 2**31 - 1, 2**53 + 1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1,
                                10**30, -(10**30)])
HOSTILE_FLOATS = st.sampled_from([float("nan"), float("inf"), float("-inf"), 1e308, -1e308, 5e-324, 0.5, -0.0])
HOSTILE_TEXT = st.sampled_from(["", " ", "\x00", "a\x00b", "\ud800", "x\udfff", "\u202eevil", "\u200f", "😀👍🏽",
                                '"', "\\", "'; DROP TABLE events; --", "%", "_", "9999-12-31", "0000-01-01",
                                "-001-01-01", "2026-13-45", "$city", "$all_events", "Signed Up", "plan", "pro",
                                "x" * 300, "ﬀ", "İ", "ß"])
#: Any code point, lone surrogates and NUL included.
ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=12)
#: Text a database can hold: letters, digits, punctuation, RTL marks, emoji.
FAIR_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


def rarely(usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any], one_in: int = 5) -> st.SearchStrategy[Any]:
    """`odd` about once in `one_in` draws, else `usual`: most examples must get past the parser
    to reach the database. (Hypothesis favours small integers, so the odd one is the largest.)"""
    return st.integers(0, one_in - 1).flatmap(lambda n: odd if n == one_in - 1 else usual)


TEXT = rarely(FAIR_TEXT, st.one_of(HOSTILE_TEXT, ANY_TEXT))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), HOSTILE_INTS, st.floats(), HOSTILE_FLOATS, TEXT,
                    st.sampled_from(["pro", "free", "Berlin", "5", "2026-10-20"]))
JSON = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(TEXT, inner, max_size=4)), max_leaves=12)


def _deep(depth: int) -> Any:
    node: Any = {"property": "plan", "op": "set"}
    for _ in range(depth):
        node = {"any": [node]}
    return node


DEEP = st.integers(min_value=10, max_value=60).map(_deep)
HOSTILE = rarely(JSON, st.one_of(DEEP, st.lists(SCALARS, min_size=50, max_size=120)))


def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a sensible value, sometimes hostile JSON."""
    return rarely(valid, HOSTILE, 6)


NAMES = rarely(st.sampled_from(["plan", "price", "$city", "$browser", "age", "n", "flag", "nested"]), TEXT, 3)
EVENTS = rarely(st.sampled_from(["Signed Up", "Order Completed", "$all_events", "Never"]), TEXT, 3)
DATES = rarely(st.dates(min_value=dt.date(2026, 9, 1), max_value=dt.date(2026, 11, 30)).map(dt.date.isoformat),
               st.one_of(st.dates().map(dt.date.isoformat), HOSTILE_TEXT), 3)
RANGE = st.one_of(
    st.fixed_dictionaries({"from": DATES, "to": DATES}),
    st.fixed_dictionaries({"last": maybe(st.integers(min_value=-5, max_value=200_000)),
                           "unit": maybe(st.sampled_from(["day", "week", "month"]))}),
    st.fixed_dictionaries({"from": st.just("2026-10-01"), "to": st.just("2026-11-02")}),
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=6), st.tuples(SCALARS, SCALARS).map(list))


def _did(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries({"event": EVENTS}, optional={
        "min": maybe(st.integers(0, 5)), "max": maybe(st.integers(0, 5)), "range": maybe(RANGE),
        "where": st.lists(children, max_size=2)})


def _filters(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.fixed_dictionaries({"any": st.lists(children, max_size=4)}),
        st.fixed_dictionaries({"did": _did(children)}),
        st.fixed_dictionaries({"cohort": maybe(st.integers(1, 3))}, optional={"op": maybe(st.just("not_in"))}),
        st.fixed_dictionaries({"funnel": st.fixed_dictionaries({"steps": st.lists(EVENTS, min_size=1, max_size=3)},
                                                               optional={"range": RANGE}),
                               "step": maybe(st.integers(1, 3))}, optional={"status": maybe(st.just("dropped"))}),
    )


VALUE_FILTER = st.fixed_dictionaries({"property": NAMES, "op": maybe(st.sampled_from(OPS))},
                                     optional={"value": VALUES, "ignore_case": maybe(st.booleans())})
TRAIT_FILTER = st.fixed_dictionaries({"trait": NAMES, "op": maybe(st.sampled_from(OPS))},
                                     optional={"value": VALUES, "ignore_case": maybe(st.booleans())})
FILTER = st.recursive(st.one_of(VALUE_FILTER, TRAIT_FILTER, JSON), _filters, max_leaves=6)
WHERE = maybe(st.lists(FILTER, max_size=4))
TZ = maybe(st.sampled_from(["UTC", "Europe/Berlin", "Asia/Kolkata", "Pacific/Chatham", "Mars/Olympus", ""]))
FUNNEL = {"steps": maybe(st.lists(st.one_of(EVENTS, st.fixed_dictionaries({"event": EVENTS}, optional={"where": WHERE})),
                                  min_size=1, max_size=4)),
          "range": maybe(RANGE), "timezone": TZ, "where": WHERE,
          "window": maybe(st.dictionaries(st.sampled_from(["minutes", "hours", "days", "weeks"]),
                                          st.integers(-2, 10**6), min_size=1, max_size=2)),
          "breakdown": maybe(NAMES), "view": maybe(st.sampled_from(["steps", "trends", "time_to_convert"])),
          "unit": maybe(st.sampled_from(["hour", "day", "week", "month"])), "bins": maybe(st.integers(-1, 2000)),
          "limit": maybe(st.integers(-1, 2000))}
USERS = {"where": WHERE, "did": maybe(st.lists(_did(VALUE_FILTER), max_size=3)),
         "match": maybe(st.sampled_from(["all", "any"])), "search": maybe(TEXT), "timezone": TZ,
         "columns": maybe(st.lists(NAMES, max_size=3)), "limit": maybe(st.integers(-1, 20_000)),
         "sort": maybe(st.fixed_dictionaries({"by": maybe(st.one_of(st.sampled_from(["last_seen", "first_seen", "events",
                                                                                       "id"]),
                                                                     st.fixed_dictionaries({"trait": NAMES}))),
                                              "desc": maybe(st.booleans())})),
         "after": maybe(TEXT), "count": maybe(st.booleans())}
KIND_FIELDS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "segmentation": {"events": maybe(st.lists(EVENTS, max_size=5)), "range": maybe(RANGE), "timezone": TZ,
                     "measure": maybe(st.one_of(st.sampled_from(["total", "unique"]),
                                                st.dictionaries(st.sampled_from(["sum", "avg", "median"]), NAMES,
                                                                min_size=1, max_size=1))),
                     "unit": maybe(st.sampled_from(["hour", "day", "week", "month"])), "where": WHERE,
                     "breakdown": maybe(st.one_of(NAMES, st.fixed_dictionaries({"trait": NAMES}))),
                     "limit": maybe(st.integers(-1, 2000)), "compare_previous": maybe(st.booleans())},
    "funnel": FUNNEL,
    "funnel_persons": {"funnel": maybe(st.fixed_dictionaries({"steps": st.lists(EVENTS, min_size=1, max_size=3)},
                                                             optional={k: v for k, v in FUNNEL.items()
                                                                       if k != "steps"})),
                       "step": maybe(st.integers(-1, 5)), "status": maybe(st.sampled_from(["reached", "dropped"])),
                       **USERS},
    "users": USERS,
    "profile": {"user": maybe(st.one_of(st.sampled_from(["p1", "p2", "far"]), TEXT)),
                "timeline": maybe(st.fixed_dictionaries({}, optional={
                    "limit": maybe(st.integers(-1, 2000)), "before_id": maybe(st.integers(-1, 10)),
                    "events": maybe(st.lists(EVENTS, max_size=3))}))},
    "live": {"after_id": maybe(st.integers(-1, 10)), "limit": maybe(st.integers(-1, 20_000)),
             "events": maybe(st.lists(EVENTS, max_size=3)), "where": WHERE},
    "discovery": {"what": maybe(st.sampled_from(["events", "properties", "traits", "values"])), "range": maybe(RANGE),
                  "timezone": TZ, "event": maybe(EVENTS), "property": maybe(NAMES), "trait": maybe(NAMES),
                  "sample": maybe(st.integers(-1, 2_000_000)), "limit": maybe(st.integers(-1, 20_000))},
}


#: Keys a kind needs (drawn every time, their values may still be hostile).
REQUIRED = {"funnel": ["steps"], "funnel_persons": ["funnel", "step"], "profile": ["user"], "discovery": ["what"]}


@st.composite
def specs(draw: st.DrawFn) -> Any:
    """A query of a random kind with a random subset of its keys (and sometimes an unknown one)."""
    kind = draw(rarely(st.sampled_from(sorted(KIND_FIELDS)), HOSTILE, 20))
    fields = KIND_FIELDS.get(kind, {}) if isinstance(kind, str) else {}
    spec: dict[str, Any] = {"kind": kind}
    keys = list(REQUIRED.get(kind, [])) if isinstance(kind, str) else []
    keys += draw(st.lists(st.sampled_from(sorted(fields)), unique=True, max_size=len(fields))) if fields else []
    for key in keys:
        spec[key] = draw(fields[key])
    if draw(st.integers(0, 19)) == 19:
        spec[draw(TEXT)] = draw(JSON)
    if draw(st.integers(0, 29)) == 29:
        return draw(JSON)  # not even an object, sometimes
    return spec


# ------------------------------------------------------------------------------ database


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres),
                                        pytest.param("clickhouse", marks=pytest.mark.clickhouse)])
def fuzz_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    """A small database shared by every example of a test (SQLite file, PostgreSQL or chDB)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'events.sqlite'}"
    elif request.param == "clickhouse":
        from tests.conftest import chdb_url

        url = chdb_url(request.getfixturevalue("chdb_folder"))
    else:
        url = request.getfixturevalue("pg_server").create_database()
    engine = open_database(url)
    base = ms("2026-10-20 10:00")
    insert_rows(engine, [
        event_row("Signed Up", "p1", base, {"plan": "pro", "price": 5, "n": "5", "flag": True}, city="Berlin"),
        event_row("Order Completed", "p1", base + 60_000, {"price": 12.5, "plan": "pro"}, browser="Firefox"),
        event_row("Signed Up", "p2", base + 3_600_000, {"plan": "free", "nested": {"a": [1, 2]}}),
        event_row(None, "p2", base + 3_700_000),
        event_row("Order Completed", "far", 317_305_209_600_000, {"price": 1e300}),  # year 12025
        event_row("Signed Up", "far", -313_770_758_400_000, {"plan": "\u202e😀"}),  # year -7973
    ], [
        user_row("p1", {"plan": "pro", "age": 40, "email": "p1@example.com"}, base, base + 60_000, 2),
        user_row("p2", {"plan": "free", "age": "n/a"}, base + 3_600_000, base + 3_700_000, 1),
        user_row("far", {"age": 2**62}, -313_770_758_400_000, 317_305_209_600_000, 2),
    ])
    yield url, engine
    engine.dispose()


def _check_run(engine: Engine, spec: Any) -> None:
    try:
        result = run_query(engine, spec, now=NOW, timeout=30)
    except QueryError as exc:
        message = str(exc)
        assert message and "\n" not in message and "Traceback" not in message
        return
    assert isinstance(result, dict)
    assert len(json.dumps(result, default=str)) < MAX_RESULT_BYTES


# Specs that once failed (kept as regressions) and the attack run's shapes.
REGRESSIONS: list[Any] = [
    {"kind": "live", "after_id": 10**30},
    {"kind": "users", "did": [{"event": "A", "min": 10**30}]},
    {"kind": "segmentation", "where": [{"property": "n", "op": "eq", "value": 10**30}]},
    {"kind": "segmentation", "range": {"from": "9999-12-31", "to": "9999-12-31"}},
    {"kind": "segmentation", "unit": "month", "range": {"last": 100_000, "unit": "month"}},
    {"kind": "segmentation", "range": {"from": "1900-01-01", "to": "1900-01-02"}, "compare_previous": True},
    {"kind": "live", "where": [_deep(300)]},
    {"kind": "profile", "user": "\ud800"},
    {"kind": "live", "where": [{"property": "p", "op": "eq", "value": "a\x00b"}]},
    {"kind": "profile", "user": "far"},
    {"kind": "users", "sort": {"by": {"trait": "age"}}},
]


@pytest.mark.parametrize("spec", REGRESSIONS, ids=range(len(REGRESSIONS)))
def test_regressions(fuzz_db: tuple[str, Engine], spec: Any) -> None:
    _check_run(fuzz_db[1], spec)


@FUZZ
@given(spec=specs())
@example(spec={"kind": "users", "where": [{"any": [{"trait": "age", "op": "gt", "value": 2**63}]}]})
def test_hostile_specs_answer_or_are_bad_queries(fuzz_db: tuple[str, Engine], spec: Any) -> None:
    _check_run(fuzz_db[1], spec)


@settings(FUZZ, max_examples=max(10, EXAMPLES // 4))
@given(spec=specs())
def test_hostile_specs_through_the_cli(fuzz_db: tuple[str, Engine], spec: Any) -> None:
    url, _engine = fuzz_db
    text = json.dumps(spec)  # lone surrogates travel as \\ud800 escapes, as in a file
    out = CliRunner().invoke(cli, ["query", "--db", url, "--spec", "-", "--format", "json"], input=text)
    assert out.exception is None or isinstance(out.exception, SystemExit), repr(out.exception)
    if out.exit_code != 0:
        lines = out.stderr.splitlines()
        assert out.exit_code == 1 and len(lines) == 1, out.stderr
        # (a profile of nobody is an answer, and a failure for scripts: query_cmd says so)
        nobody = isinstance(spec, dict) and spec.get("kind") == "profile" and lines[0].startswith(
            "Error: no person has the id ")
        assert lines[0].startswith("Error: bad query: ") or nobody, out.stderr
    else:
        assert len(out.stdout) < MAX_RESULT_BYTES
