"""`tracklens query` given what a new or hostile user types (CLI defect hunt)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli.main import cli
from tests.support.postgres import PostgresServer

REPO = Path(__file__).resolve().parents[2]


def test_a_timeout_past_24_days_is_refused_and_24_days_works(engine: Engine, db_url: str) -> None:
    """`--timeout inf` (or 1e308) printed an OverflowError traceback from the timer thread, on
    PostgreSQL it was the traceback alone; `--timeout 3000000` was PostgreSQL's 'invalid value
    for parameter statement_timeout' (it holds at most 2^31 - 1 ms)."""
    spec = '{"kind": "users", "limit": 1}'
    for value in ("inf", "1e308", "3000000"):
        result = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", spec, "--timeout", value])
        assert result.exit_code == 2, (value, result.output)
        assert "Invalid value for '--timeout'" in result.stderr and "0<=x<=2073600" in result.stderr
        assert "Traceback" not in result.output
    longest = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", spec, "--timeout", "2073600"])
    assert longest.exit_code == 0 and '"total": 0' in longest.stdout, longest.output


def test_a_query_on_standard_input_may_start_with_a_bom(engine: Engine, db_url: str) -> None:
    """The same query file that `--spec FILE` reads (UTF-8 with a BOM, as Notepad saves it) was
    'the query is not valid JSON (... Unexpected UTF-8 BOM (decode using utf-8-sig))' when
    piped to `--spec -`."""
    result = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", "-", "--format", "csv"],
                                input="\ufeff" + '{"kind": "users", "limit": 1}')
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "id,first_seen,last_seen,events"


def test_reading_a_folder_that_is_no_chdb_database_leaves_it_alone(tmp_path: Path) -> None:
    """`query` or `materialize --list` on `chdb:///a/folder/of/other/files` said 'no Tracklens
    database' but had started chDB there first, which left its tmp/ folder among the files."""
    folder = tmp_path / "my documents"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    url = f"chdb://{folder}"
    for args in (["query", "--db", url, "--spec", '{"kind": "users"}'], ["materialize", "--db", url, "--list"]):
        done = subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 1, done.stderr
        assert done.stderr.strip() == f"Error: no Tracklens database at {folder} (the folder holds no chDB database)"
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_a_misspelt_key_or_value_of_a_query_file_says_what_it_most_likely_means(tmp_path: Path) -> None:
    """`tracklens query --spec` on a query (or a saved report holding one) with "evnets" or
    "unit": "dya" said `unknown key 'evnets'` or `got 'dya'` and left the right word to the docs."""
    report = tmp_path / "weekly.tracklens.json"
    report.write_text('{"name": "Weekly", "panel": "segmentation", "query": '
                      '{"kind": "segmentation", "evnets": ["Signed Up"], "unit": "dya"}}', encoding="utf-8")
    result = CliRunner().invoke(cli, ["query", "--db", str(tmp_path / "none.sqlite"), "--spec", str(report)])
    assert result.exit_code == 1
    assert result.stderr.strip() == ("Error: bad query: unknown key 'evnets' (did you mean 'events'?); also unit must "
                                     "be one of hour, day, week, month; got 'dya' (did you mean 'day'?)")
    typed = CliRunner().invoke(cli, ["query", "--db", str(tmp_path / "none.sqlite"), "--spec",
                                     '{"kind": "funnel", "steps": ["A", "B"], "window": {"dyas": 3}}'])
    assert typed.stderr.startswith("Error: bad query: unknown key 'dyas' (did you mean 'days'?) in window")
    assert not (tmp_path / "none.sqlite").exists()


@pytest.mark.postgres
def test_an_empty_postgresql_database_is_named_as_typed(pg_server: PostgresServer) -> None:
    """`query --db postgresql://.../db` on a database with no tables said 'no Tracklens database
    at postgresql+psycopg://...': the driver normalize_url puts in, a word the user never typed."""
    typed = pg_server.create_database().replace("postgresql+psycopg://", "postgresql://")
    result = CliRunner().invoke(cli, ["query", "--db", typed, "--spec", '{"kind": "users"}'])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == f"Error: no Tracklens database at {typed} (the database is empty)"
