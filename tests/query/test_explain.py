"""Show the query's SQL (issue 14): the statements a query sends, with its values written in,
run by hand in the database's own shell give the rows the engine got."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import Engine

from app.query.explain import explain_query
from app.query.runner import run_query
from tests.query.support import event_row, insert_rows, ms, user_row

NOW = dt.datetime(2026, 11, 4, 12, 0, tzinfo=dt.UTC)

SPECS: dict[str, dict[str, Any]] = {
    "segmentation": {"kind": "segmentation", "range": {"last": 7, "unit": "day"}, "timezone": "UTC",
                     "where": [{"property": "name", "op": "eq", "value": ["O'Brien", 'Say "hi"', "back\\slash"]}],
                     "breakdown": {"property": "plan"}},
    "funnel": {"kind": "funnel", "steps": ["Signed Up", "Order Completed"], "timezone": "UTC",
               "range": {"last": 7, "unit": "day"}, "window": {"days": 3}},
    # A persons drill runs a users query inside: its statements were not recorded, so --explain
    # and "Show query and SQL" showed nothing for it.
    "funnel_persons": {"kind": "funnel_persons", "step": 1, "status": "reached",
                       "funnel": {"steps": ["Signed Up", "Order Completed"], "timezone": "UTC",
                                  "range": {"last": 7, "unit": "day"}, "window": {"days": 3}}},
    # The profile's statements were not recorded either: --explain printed an empty line. Live
    # View's lookup of the persons' label traits was missing from what it printed.
    "live": {"kind": "live", "limit": 10},
    # The profile's statements were not recorded either: --explain printed an empty line.
    "profile": {"kind": "profile", "user": "ann"},
    "users": {"kind": "users", "timezone": "UTC", "where": [{"trait": "city", "op": "contains", "value": "'s-Her"}],
              "did": [{"event": "Order Completed", "min": 1}]},
}


@pytest.fixture
def shop(engine: Engine) -> Engine:
    insert_rows(engine, [
        event_row("Signed Up", "ann", ms("2026-11-01 10:00"), {"name": "O'Brien", "plan": "pro"}),
        event_row("Order Completed", "ann", ms("2026-11-02 10:00"), {"name": 'Say "hi"', "plan": "pro"}),
        event_row("Signed Up", "bob", ms("2026-11-02 11:00"), {"name": "back\\slash", "plan": "free"}),
        event_row("Order Completed", "cat", ms("2026-11-03 09:00"), {"name": "nobody", "plan": "free"}),
    ], [user_row("ann", {"city": "'s-Hertogenbosch"}), user_row("bob", {"city": "Utrecht"}), user_row("cat")])
    return engine


def _plain(rows: Any) -> list[tuple[Any, ...]]:
    """Rows with JSON documents parsed (the engine's JSON columns come back parsed, a shell's as text)."""
    def cell(v: Any) -> Any:
        return json.loads(v) if isinstance(v, str) and v[:1] in ("{", "[") else v
    return [tuple(cell(v) for v in r) for r in rows]


def _by_hand(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    """Run shown SQL as a person pasting it into sqlite3 or psql would."""
    text = sql.split("\n-- parameters")[0].rstrip().rstrip(";")
    if engine.dialect.name == "postgresql":
        text = text.replace("%", "%%")  # psycopg's own placeholder syntax, not the SQL's
    with engine.connect() as conn:
        return _plain(conn.exec_driver_sql(text))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_shown_sql_runs_by_hand_and_gives_the_engines_rows(shop: Engine, name: str) -> None:
    statements = explain_query(shop, SPECS[name], now=NOW)
    assert statements and all(s.endswith(";") for s in statements)
    assert "%(" not in "".join(statements)  # no placeholders left: values are written in
    # What the engine ran, statement by statement, with its bound values.
    record: list[Any] = []
    run_query(shop, SPECS[name], now=NOW, record=record)
    assert len(record) == len(statements)
    answered = False
    with shop.connect() as conn:
        for sql, (statement, params) in zip(statements, record, strict=True):
            engine_rows = _plain(conn.execute(statement, params))
            assert _by_hand(shop, sql) == engine_rows, sql
            answered = answered or bool(engine_rows)
    assert answered, "the example data answers something"


def test_values_are_written_in_for_reading_but_never_in_what_the_engine_runs(shop: Engine) -> None:
    from sqlalchemy import event

    sent: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    shown = "\n".join(explain_query(shop, SPECS["segmentation"], now=NOW))
    assert "O''Brien" in shown  # quoted as SQL wants it
    event.listen(shop, "before_cursor_execute", keep)
    try:
        run_query(shop, SPECS["segmentation"], now=NOW)
    finally:
        event.remove(shop, "before_cursor_execute", keep)
    assert sent and not any("Brien" in s for s in sent)


def test_tracklens_query_explain_prints_the_sql(shop: Engine) -> None:
    from click.testing import CliRunner

    from app.cli.main import cli

    url = shop.url.render_as_string(hide_password=False)
    spec = json.dumps({**SPECS["users"], "timezone": "UTC"})
    result = CliRunner().invoke(cli, ["query", "--db", url, "--spec", "-", "--explain"], input=spec)
    assert result.exit_code == 0, result.output
    assert result.output.count(";") >= 2 and "'s-Her" in result.output and "Order Completed" in result.output
    bad = CliRunner().invoke(cli, ["query", "--db", url, "--spec", "-", "--explain"], input='{"kind": "users", "x": 1}')
    assert bad.exit_code != 0 and "bad query" in bad.output


def test_live_shows_its_lookup_of_the_persons_traits(shop: Engine) -> None:
    """Live View asks for its events, then for the label traits of their persons; --explain
    printed the first statement only."""
    statements = explain_query(shop, SPECS["live"], now=NOW)
    assert len(statements) == 2, statements
    assert "users" in statements[1].split("FROM", 1)[1] and "'ann'" in statements[1] and "'cat'" in statements[1]
