"""`tracklens query` from a shell: JSON, table and CSV output, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli.main import cli
from tests.query.support import event_row, insert_rows, ms

SPEC = {"kind": "segmentation", "events": ["A", "B"], "timezone": "UTC",
        "range": {"from": "2026-11-01", "to": "2026-11-02"}}


def seed(engine: Engine) -> None:
    insert_rows(engine, [event_row("A", "p1", ms("2026-11-01 10:00")), event_row("A", "p2", ms("2026-11-02 10:00")),
                         event_row("B", "p1", ms("2026-11-02 11:00"), city="Berlin")])


def test_json_from_stdin(engine: Engine, db_url: str) -> None:
    seed(engine)
    result = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", "-"], input=json.dumps(SPEC))
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["buckets"] == ["2026-11-01T00:00:00+00:00", "2026-11-02T00:00:00+00:00"]
    assert [(s["event"], s["values"]) for s in out["series"]] == [("A", [1, 1]), ("B", [0, 1])]


def test_table_and_csv_from_a_file(engine: Engine, db_url: str, tmp_path: Path) -> None:
    seed(engine)
    spec_file = tmp_path / "q.json"
    spec_file.write_text(json.dumps(SPEC), encoding="utf-8")
    table = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", str(spec_file), "--format", "table"])
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0].split() == ["bucket", "A", "B"]
    assert lines[2].split() == ["2026-11-01T00:00:00+00:00", "1", "0"]
    assert lines[-1].split() == ["total", "2", "1"]
    as_csv = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", str(spec_file), "--format", "csv"])
    assert as_csv.output.splitlines() == ["bucket,A,B", "2026-11-01T00:00:00+00:00,1,0",
                                          "2026-11-02T00:00:00+00:00,1,1", "total,2,1"]
    live = tmp_path / "live.json"
    live.write_text('{"kind": "live"}', encoding="utf-8")
    rows = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", str(live), "--format", "csv"])
    assert rows.output.splitlines()[0] == "id,time,type,event,person,$city,$country_code,$browser,$os,$referring_domain"
    ident, rest = rows.output.splitlines()[1].split(",", 1)  # the id: 3 (ClickHouse: time based)
    assert ident.isdigit() and rest.startswith("2026-11-02T11:00:00.000Z,track,B,p1,Berlin,")
    values = tmp_path / "values.json"
    values.write_text('{"kind": "discovery", "what": "events"}', encoding="utf-8")
    picked = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", str(values), "--format", "csv"])
    assert picked.output.splitlines()[:2] == ["event,count,last_seen", f"A,2,{ms('2026-11-02 10:00')}"]


def test_errors_are_one_line(sqlite_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(cli, ["query", "--db", sqlite_url, "--spec", "-"], input='{"kind": "segmentation", "unit": "year"}')
    assert bad.exit_code != 0
    assert bad.output.strip() == "Error: bad query: unit must be one of hour, day, week, month; got 'year'"
    not_json = runner.invoke(cli, ["query", "--db", sqlite_url, "--spec", "-"], input="{kind:")
    assert not_json.exit_code != 0 and "not valid JSON (line 1, column 2" in not_json.output
    # An empty file (saved before anything was typed) is said to be empty, not 'not valid JSON'.
    (tmp_path / "empty.json").write_text("\n")
    empty = runner.invoke(cli, ["query", "--db", sqlite_url, "--spec", str(tmp_path / "empty.json")])
    assert empty.exit_code != 0 and empty.output.startswith(f"Error: the query file {tmp_path / 'empty.json'} is empty")
    missing = runner.invoke(cli, ["query", "--db", sqlite_url, "--spec", str(tmp_path / "nope.json")])
    assert missing.exit_code != 0 and f"cannot read the query file {tmp_path / 'nope.json'}: " in missing.output
    inline = runner.invoke(cli, ["query", "--db", sqlite_url, "--spec", '{"kind": "segmentation", "unit": "year"}'])
    assert inline.output.strip() == "Error: bad query: unit must be one of hour, day, week, month; got 'year'"
    # --timeout nan stopped the query at once: "took longer than nan s".
    nan = runner.invoke(cli, ["query", "--db", sqlite_url, "--spec", '{"kind": "live"}', "--timeout", "nan"])
    assert nan.exit_code == 2 and "nan is not a number of seconds" in nan.stderr
    # A list typed as the query is told it is not one (it was taken for a file name).
    listed = runner.invoke(cli, ["query", "--db", sqlite_url, "--spec", '[{"kind": "live"}]'])
    assert listed.output.strip() == "Error: bad query: a query must be a JSON object, got a list"
    nowhere = runner.invoke(cli, ["query", "--db", str(tmp_path / "no" / "such.sqlite"), "--spec", "-"],
                            input='{"kind": "live"}')
    assert nowhere.exit_code != 0 and "folder does not exist" in nowhere.output
    assert "Traceback" not in bad.output + not_json.output + missing.output + nowhere.output


def test_people_as_a_table_with_a_column_per_trait(engine: Engine, db_url: str) -> None:
    from tests.query.support import user_row

    insert_rows(engine, [], [user_row("p1", {"plan": "pro", "age": 40}, first_seen=1, last_seen=2, event_count=3),
                             user_row("p2", {"plan": "free"}, first_seen=1, last_seen=5, event_count=1)])
    out = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", "-", "--format", "table"],
                             input='{"kind": "users", "sort": {"by": "last_seen", "desc": true}}')
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0].split() == ["id", "first_seen", "last_seen", "events", "plan", "age"]
    assert lines[2].split()[0] == "p2" and lines[2].split()[-1] == "free"
    assert lines[3].split()[0] == "p1" and lines[3].split()[-2:] == ["pro", "40"]


def test_people_query_without_matches_still_prints_the_header(engine: Engine, db_url: str) -> None:
    seed(engine)  # events but no person with plan=gold, so both queries match nobody
    users = json.dumps({"kind": "users", "where": [{"trait": "plan", "op": "eq", "value": "gold"}],
                        "columns": ["plan"]})
    funnel = json.dumps({"kind": "funnel_persons", "step": 1, "columns": ["plan"],
                         "funnel": {"steps": [{"event": "Never"}, {"event": "A"}], "timezone": "UTC",
                                    "range": {"from": "2026-11-01", "to": "2026-11-02"}}})
    for spec in (users, funnel):
        table = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", "-", "--format", "table"], input=spec)
        assert table.exit_code == 0, table.output
        assert table.stdout.splitlines()[0].split() == ["id", "first_seen", "last_seen", "events", "plan"]
        assert len(table.stdout.splitlines()) == 2  # header and rule, no rows
        assert table.stderr.strip() == "(no matching people)"
        as_csv = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", "-", "--format", "csv"], input=spec)
        assert as_csv.exit_code == 0, as_csv.output
        assert as_csv.stdout.splitlines() == ["id,first_seen,last_seen,events,plan"]
        assert as_csv.stderr.strip() == "(no matching people)"


def _csv(db_url: str, spec: dict) -> list[list[str]]:  # type: ignore[type-arg]
    import csv
    import io

    result = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", "-", "--format", "csv"],
                                input=json.dumps(spec))
    assert result.exit_code == 0, result.output
    return list(csv.reader(io.StringIO(result.stdout)))


def test_every_funnel_view_prints_its_rows(engine: Engine, db_url: str) -> None:
    """Issue 16: the trends and time-to-convert views printed an empty line."""
    insert_rows(engine, [event_row("A", "p1", ms("2026-11-01 10:00"), {"plan": "pro"}),
                         event_row("B", "p1", ms("2026-11-01 10:30")),
                         event_row("A", "p2", ms("2026-11-02 10:00"), {"plan": "free"})])
    funnel = {"kind": "funnel", "steps": ["A", "B"], "timezone": "UTC",
              "range": {"from": "2026-11-01", "to": "2026-11-02"}}
    steps = _csv(db_url, funnel)
    assert steps[0][:3] == ["step", "event", "count"] and [r[2] for r in steps[1:]] == ["2", "1"]
    trends = _csv(db_url, {**funnel, "view": "trends"})
    assert trends[1:] == [["2026-11-01T00:00:00+00:00", "1", "1", "1.0"], ["2026-11-02T00:00:00+00:00", "1", "0", "0.0"],
                          ["total", "2", "1", "0.5"]]
    ttc = _csv(db_url, {**funnel, "view": "time_to_convert", "bins": 1, "breakdown": "plan"})
    assert ttc[0] == ["group", "converted", "median_seconds", "avg_seconds", "from_seconds", "to_seconds", "count"]
    assert ttc[1] == ["all", "1", "1800.0", "1800.0", "1800.0", "1800.001", "1"]
    assert ttc[2][0] == "pro"


def test_a_profile_prints_the_person_and_a_missing_one_fails(engine: Engine, db_url: str) -> None:
    from tests.query.support import user_row

    insert_rows(engine, [event_row("A", "ann", ms("2026-11-01 10:00"))], [user_row("ann", {"plan": "pro"})])
    rows = _csv(db_url, {"kind": "profile", "user": "ann"})
    assert rows[0] == ["field", "value"]
    assert ["id", "ann"] in rows and ["trait plan", "pro"] in rows
    assert any(r[1].startswith("A ") for r in rows)
    missing = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", "-", "--format", "table"],
                                 input=json.dumps({"kind": "profile", "user": "nobody"}))
    assert missing.exit_code == 1 and "no person has the id 'nobody'" in missing.output


def test_a_saved_report_file_runs_as_it_is(engine: Engine, db_url: str, tmp_path: Path) -> None:
    """Issue 16: a report saved with Ctrl+S answered 'the query needs a kind'."""
    from app.core.reports import Report

    seed(engine)
    path = tmp_path / "weekly.tracklens.json"
    path.write_text(json.dumps(Report(name="weekly", panel="segmentation", query=SPEC).to_json()), encoding="utf-8")
    result = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", str(path)])
    assert result.exit_code == 0, result.output
    assert [(s["event"], s["values"]) for s in json.loads(result.output)["series"]] == [("A", [1, 1]), ("B", [0, 1])]


def test_an_older_database_opened_without_migrating_still_answers_unique_counts(sqlite_url: str) -> None:
    """`tracklens query` does not migrate: a schema-4 file (no event_person_hours) and a
    schema-1 file (no rollups) count unique persons from the events instead of failing."""
    from sqlalchemy import text

    from app.core.database import open_database

    engine = open_database(sqlite_url)
    seed(engine)
    spec = {**SPEC, "measure": "unique"}
    current = CliRunner().invoke(cli, ["query", "--db", sqlite_url, "--spec", json.dumps(spec)])
    assert current.exit_code == 0, current.output
    for version, drop in ((4, ["event_person_hours"]),
                          (1, ["event_person_hours", "event_hours", "person_hours"])):
        with engine.begin() as conn:
            for table in drop:
                conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
            conn.execute(text("UPDATE tracklens_meta SET value = :v WHERE key = 'schema_version'"), {"v": str(version)})
        for measure in ("unique", "total"):
            older = CliRunner().invoke(cli, ["query", "--db", sqlite_url, "--spec", json.dumps({**SPEC, "measure": measure})])
            assert older.exit_code == 0, (version, older.output)
            if measure == "unique":
                assert json.loads(older.output)["series"] == json.loads(current.output)["series"], version
    engine.dispose()


def test_a_query_file_saved_by_notepad_runs(sqlite_url: str, tmp_path: Path) -> None:
    """Notepad starts UTF-8 with a byte order mark: 'the query is not valid JSON (Unexpected UTF-8 BOM)'."""
    from app.core.database import open_database

    open_database(sqlite_url).dispose()
    path = tmp_path / "query.json"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"kind": "live"}')
    result = CliRunner().invoke(cli, ["query", "--db", sqlite_url, "--spec", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["events"] == []
