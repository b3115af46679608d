"""One backend object per database, chosen once from the URL (issue 12): every difference lives
in app/core/backends, an unsupported database is one clear error, nothing else asks which
database it is."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli.main import cli
from app.core.backends import BACKENDS, Backend, UnsupportedDatabase, backend_for, backend_for_url
from app.core.database import DatabaseError, open_database

APP = Path(__file__).resolve().parents[1] / "app"


@pytest.mark.parametrize("url", ["mysql://me@db/events", "mssql+pyodbc://x/y", "oracle://a/b", "duckdb:///x.db"])
def test_an_unsupported_database_says_which_ones_are_supported(url: str) -> None:
    with pytest.raises(DatabaseError) as info:
        open_database(url)
    message = str(info.value)
    assert "does not work with" in message and "SQLite" in message and "PostgreSQL" in message
    assert "driver" not in message.lower()  # not "driver not installed: MySQLdb"
    result = CliRunner().invoke(cli, ["query", "--db", url, "--spec", "-"], input='{"kind": "segmentation"}')
    assert result.exit_code != 0
    assert "does not work with" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("url", ["postgresql://me@db:notaport/events", "clickhousedb://me@db:80a/x"])
def test_a_mistyped_url_is_one_line_not_a_traceback(url: str) -> None:
    """SQLAlchemy refuses a port that is not a number with a bare ValueError."""
    with pytest.raises(DatabaseError, match="not a database URL"):
        open_database(url)
    for args in (["query", "--db", url, "--spec", "-"], ["demo", "--db", url, "--events", "10"]):
        result = CliRunner().invoke(cli, args, input='{"kind": "segmentation"}')
        assert result.exit_code != 0
        assert "not a database URL" in result.output and "Traceback" not in result.output
        assert not isinstance(result.exception, ValueError)


def test_urls_choose_their_backend() -> None:
    assert backend_for_url("sqlite:///x.sqlite").label == "SQLite"
    assert backend_for_url("postgres://me@host/db").label == "PostgreSQL"
    assert backend_for_url("postgresql+psycopg://me@host/db").label == "PostgreSQL"
    assert backend_for_url("clickhousedb://me@host:8123/db").label == "ClickHouse"
    assert backend_for_url("clickhouse://me@host/db").label == "ClickHouse"
    assert backend_for_url("chdb:///srv/events").label == "ClickHouse"
    with pytest.raises(UnsupportedDatabase):
        backend_for_url("mysql://x/y")
    with pytest.raises(UnsupportedDatabase):
        backend_for("mysql")


def test_the_engine_knows_its_backend(engine: Engine) -> None:
    backend = backend_for(engine)
    assert backend is BACKENDS[engine.dialect.name]
    assert backend_for(engine.dialect) is backend
    with engine.connect() as conn:
        assert backend_for(conn) is backend


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_every_backend_answers_everything_the_base_leaves_open(name: str) -> None:
    backend = type(BACKENDS[name])
    open_ = [attr for attr, value in vars(Backend).items()
             if inspect.isfunction(value) and "raise NotImplementedError" in inspect.getsource(value)]
    assert open_, "the base class declares what each backend must answer"
    missing = [attr for attr in open_ if getattr(backend, attr) is getattr(Backend, attr)]
    assert missing == []
    assert backend.label and backend.schemes


#: What asking "which database is this?" looks like in code.
_ASKS = re.compile(r"dialect\.name|get_backend_name\(|[\"'](sqlite|postgresql|clickhouse|clickhousedb|chdb)[\"']")


def test_nothing_outside_the_backends_asks_which_database_it_is() -> None:
    offenders = []
    for path in APP.rglob("*.py"):
        if "backends" in path.relative_to(APP).parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if _ASKS.search(line.split("#", 1)[0]):
                offenders.append(f"{path.relative_to(APP.parent)}:{number}: {line.strip()}")
    assert offenders == []
