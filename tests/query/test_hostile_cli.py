"""`tracklens query --spec -` with hostile specs: huge integers, impossible dates, deep
nesting, wrong types anywhere. Each must end with one line `Error: bad query: ...` on stderr
and status 1, never a traceback or a raw driver error (issue 18)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli.main import cli

BIG = 10**30


def _deep(levels: int) -> str:
    return '{"kind": "live", "where": ' + "[" * levels + "]" * levels + "}"


def _deep_any(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"property": "p", "op": "set"}
    for _ in range(levels):
        node = {"any": [node]}
    return {"kind": "live", "where": [node]}


HOSTILE: list[tuple[str, Any, str]] = [
    ("10^30 in an eq value", {"kind": "segmentation", "where": [{"property": "n", "op": "eq", "value": BIG}]},
     "where[0].value must be a number within 64-bit integers"),
    ("10^30 in a gt value", {"kind": "live", "where": [{"trait": "n", "op": "gt", "value": -BIG}]},
     "where[0].value must be a number within 64-bit integers"),
    ("10^30 in a between list", {"kind": "live", "where": [{"property": "n", "op": "between", "value": [0, BIG]}]},
     "where[0].value[1] must be a number within 64-bit integers"),
    ("10^30 after_id", {"kind": "live", "after_id": BIG}, "after_id must be at most 9223372036854775807"),
    ("10^30 before_id", {"kind": "profile", "user": "u", "timeline": {"before_id": BIG}},
     "timeline.before_id must be at most"),
    ("10^30 did.min", {"kind": "users", "did": [{"event": "A", "min": BIG}]}, "did[0].min must be at most 2147483647"),
    ("10^30 did.max in where", {"kind": "users", "where": [{"did": {"event": "A", "max": BIG}}]},
     "where[0].did.max must be at most"),
    ("10^30 limit", {"kind": "users", "limit": BIG}, "limit must be at most 10000"),
    ("10^30 cohort id", {"kind": "users", "where": [{"cohort": BIG}]}, "where[0].cohort must be at most"),
    ("year 9999", {"kind": "segmentation", "range": {"from": "9999-12-31", "to": "9999-12-31"}},
     "range.from must be between 1900-01-01 and 9998-12-31"),
    ("year 0", {"kind": "funnel", "steps": ["A"], "range": {"from": "0000-01-01", "to": "2020-01-01"}},
     "range.from is not a date"),
    ("negative year", {"kind": "users", "did": [{"event": "A", "range": {"from": "-001-01-01", "to": "2020-01-01"}}]},
     "did[0].range.from is not a date"),
    ("year 9999 in a before filter", {"kind": "live", "where": [{"property": "d", "op": "before", "value": "9999-01-01"}]},
     "where[0].value must be between"),
    ("100,000 months back", {"kind": "segmentation", "unit": "month", "range": {"last": 100_000, "unit": "month"}},
     "range: starts before 1971"),
    ("nested 300 levels (JSON lists)", _deep(300), "too large: the query is nested more than 32 levels deep"),
    ("nested 300 levels (any groups)", _deep_any(150), "too large: the query is nested more than 32 levels deep"),
    ("nested 100,000 levels", _deep(100_000), "too large: the query is nested more than 32 levels deep"),
    ("events is a number", {"kind": "segmentation", "events": 5}, "events must be a list"),
    ("limit is a string", {"kind": "live", "limit": "10"}, "limit must be an integer"),
    ("range is a list", {"kind": "segmentation", "range": [1, 2]}, "range must be a JSON object"),
    ("measure is a list", {"kind": "segmentation", "measure": ["sum"]}, "measure must be a JSON object"),
    ("where is an object", {"kind": "live", "where": {"property": "p"}}, "where must be a list of filters"),
    ("filter is a string", {"kind": "live", "where": ["p"]}, "where[0] must be a JSON object"),
    ("op is a number", {"kind": "live", "where": [{"property": "p", "op": 1}]}, "where[0].op must be a string"),
    ("value is an object", {"kind": "live", "where": [{"property": "p", "op": "eq", "value": {}}]},
     "where[0].value must be a string, number or boolean"),
    ("timeline is a number", {"kind": "profile", "user": "u", "timeline": 3}, "timeline must be a JSON object"),
    ("sort is a string", {"kind": "users", "sort": "id"}, "sort must be a JSON object"),
    ("steps hold numbers", {"kind": "funnel", "steps": [1, 2]}, "steps[0] must be a JSON object"),
    ("kind is a list", {"kind": ["live"]}, "the query needs a 'kind'"),
    ("query is a list", [{"kind": "live"}], "a query must be a JSON object"),
    ("NaN", '{"kind": "live", "where": [{"property": "p", "op": "gt", "value": NaN}]}', "must be a finite number"),
    ("1e400", '{"kind": "live", "where": [{"property": "p", "op": "lt", "value": 1e400}]}', "must be a finite number"),
    ("NUL in a value", {"kind": "live", "where": [{"property": "p", "op": "eq", "value": "a\x00b"}]},
     "contains a NUL character"),
    ("lone surrogate", '{"kind": "profile", "user": "\\ud800"}', "lone surrogate"),
    ("a 1 MB spec", json.dumps({"kind": "live", "pad": "x" * 1_000_001}), "too large: the query has more than 1,000,000 bytes"),
]


@pytest.mark.parametrize(("spec", "message"), [pytest.param(s, m, id=i) for i, s, m in HOSTILE])
def test_hostile_spec_is_one_line_bad_query(engine: Engine, db_url: str, spec: Any, message: str) -> None:
    text = spec if isinstance(spec, str) else json.dumps(spec)
    out = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", "-"], input=text)
    assert out.exit_code == 1, out.output
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("Error: bad query: "), lines[0]
    assert message in lines[0]
    assert out.exception is None or isinstance(out.exception, SystemExit)


def test_an_integer_of_5000_digits_is_not_a_traceback(sqlite_url: str) -> None:
    out = CliRunner().invoke(cli, ["query", "--db", sqlite_url, "--spec", "-"],
                             input='{"kind": "live", "after_id": ' + "9" * 5000 + "}")
    assert out.exit_code == 1
    assert out.stderr.startswith("Error: the query is not valid JSON") and len(out.stderr.splitlines()) == 1


@pytest.mark.parametrize("number", ["1e300", "-1e300", "9" * 4000])
def test_a_huge_number_is_not_written_out_in_the_message(sqlite_url: str, number: str) -> None:
    """`"limit": 1e300` answered 'limit must be at most 10000, got 1000000000000000052504760255204420...'
    in all its 301 digits (4,000 for an integer of 4,000)."""
    out = CliRunner().invoke(cli, ["query", "--db", sqlite_url, "--spec", "-"],
                             input='{"kind": "users", "limit": ' + number + "}")
    assert out.exit_code == 1
    digits = len(number.lstrip("-")) if "e" not in number else 301
    bound = "at least 1" if number.startswith("-") else "at most 10000"
    assert out.stderr == f"Error: bad query: limit must be {bound}, got a number of {digits:,} digits\n"
