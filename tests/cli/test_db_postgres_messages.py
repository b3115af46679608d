"""A PostgreSQL URL that cannot connect, as a new user meets it (new-user walkthrough): a server
that wants a password, a wrong one, no server on that port, no such database or user. Each is
one line saying what to do, and never the password typed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from app.cli.main import cli
from tests.conftest import IN_CI
from tests.support.ports import free_port
from tests.support.postgres import PostgresServer, postgres_server

pytestmark = pytest.mark.postgres

PASSWORD = "s3cr3t-Pw"
WHERE_IT_GOES = "(postgresql://user:password@host/db)"


@pytest.fixture(scope="module")
def password_server() -> Iterator[PostgresServer]:
    """A server of its own that asks TCP clients for a password (scram-sha-256), with a user
    'ann' and her empty database 'events'; the session's shared server trusts everyone."""
    import psycopg

    try:
        with postgres_server() as server:
            with psycopg.connect(f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres",
                                 autocommit=True) as conn:
                conn.execute(f"CREATE ROLE ann LOGIN PASSWORD '{PASSWORD}'")
                conn.execute("CREATE DATABASE events OWNER ann")
            (server.datadir / "pg_hba.conf").write_text(
                "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n", encoding="utf-8")
            conn = psycopg.connect(f"host={server.base} port={server.port} user=postgres dbname=postgres",
                                   autocommit=True)
            with conn:
                conn.execute("SELECT pg_reload_conf()")
            yield server
    except RuntimeError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL must run under CI=true: {exc}")
        pytest.skip(str(exc))


@pytest.fixture(autouse=True)
def _no_stored_password(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only what the test gives: no PGPASSWORD or ~/.pgpass of the machine's."""
    for name in ("PGPASSWORD", "PGUSER", "PGHOST", "PGPORT", "PGDATABASE", "PGSERVICE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no.pgpass"))


def _export(tmp_path: Path) -> str:
    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps({"type": "track", "event": "Signed Up", "userId": "u1", "messageId": "m1",
                                "timestamp": "2026-11-01T10:00:00Z"}) + "\n", encoding="utf-8")
    return str(path)


def _fails(args: list[str]) -> str:
    """The one line `tracklens ARGS` ends with (status 1, no traceback)."""
    result: Any = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, (result.output, result.exception)
    assert "Traceback" not in result.output and PASSWORD not in result.output, result.output
    [line] = result.stderr.strip().splitlines()
    return str(line)


def test_a_url_without_the_password_the_server_asks_for_says_where_it_goes(
        password_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Said only "connection failed: connection to server at "127.0.0.1", port N failed:
    fe_sendauth: no password supplied"."""
    url = f"postgresql://ann@127.0.0.1:{password_server.port}/events"
    said = ("the PostgreSQL server asks for a password and none was given: put it in the URL "
            f"{WHERE_IT_GOES} or in the PGPASSWORD variable or ~/.pgpass")
    assert _fails(["import", "--quiet", "--db", url, _export(tmp_path)]) == f"Error: cannot open {url}: {said}"
    assert _fails(["query", "--db", url, "--spec", '{"kind": "users"}']) == f"Error: {said}"
    # As it says: the same URL with PGPASSWORD set connects.
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    done = CliRunner().invoke(cli, ["import", "--quiet", "--db", url, _export(tmp_path)])
    assert done.exit_code == 0 and "1 stored" in done.output, done.output


@pytest.mark.parametrize("user", ["ann", "nobody"])
def test_a_wrong_password_names_the_user_and_where_to_fix_it(password_server: PostgresServer, tmp_path: Path,
                                                             user: str) -> None:
    """Said "wrong user name or password for the PostgreSQL server", not for which user nor
    where the password is read from. The server says the same for a user it does not have."""
    url = f"postgresql://{user}:not-{PASSWORD}@127.0.0.1:{password_server.port}/events"
    line = _fails(["import", "--quiet", "--db", url, _export(tmp_path)])
    assert line == (f"Error: cannot open postgresql://{user}:***@127.0.0.1:{password_server.port}/events: wrong user "
                    f"name or password for the PostgreSQL server (user {user!r}): check the password in the URL "
                    f"{WHERE_IT_GOES}, in PGPASSWORD or in ~/.pgpass")


def test_no_server_on_that_port_asks_whether_it_runs(tmp_path: Path) -> None:
    """libpq's question 'Is the server running on that host and accepting TCP/IP connections?'
    is its second line, and only the first was kept."""
    port = free_port()
    url = f"postgresql://ann:{PASSWORD}@127.0.0.1:{port}/events"
    line = _fails(["query", "--db", url, "--spec", '{"kind": "users"}'])
    assert line == (f'Error: cannot reach the database server (connection to server at "127.0.0.1", port {port} '
                    "failed: Connection refused); is the server running on that host and accepting TCP/IP "
                    "connections?")


def test_a_database_or_user_the_server_does_not_have_is_named(pg_server: PostgresServer, tmp_path: Path) -> None:
    """Said 'the database does not exist (connection failed: connection to server at ..., port N
    failed: FATAL:  database "shop" does not exist)', and did not say Tracklens will not create
    it; an unknown user (on a server that trusts) was libpq's words alone."""
    url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{pg_server.port}/shop"
    line = _fails(["import", "--quiet", "--db", url, _export(tmp_path)])
    assert line == (f"Error: cannot open postgresql://postgres:***@127.0.0.1:{pg_server.port}/shop: the PostgreSQL "
                    "server has no database 'shop': create it (createdb shop, or CREATE DATABASE as a user allowed "
                    "to) or correct the database name at the end of the URL; Tracklens creates its tables, not the "
                    "database")
    url = f"postgresql://nobody@127.0.0.1:{pg_server.port}/postgres"
    assert _fails(["query", "--db", url, "--spec", '{"kind": "users"}']) == (
        "Error: the PostgreSQL server has no user 'nobody': check the user name in the URL")
