"""Shared fixtures: a fresh event database on SQLite and on a real PostgreSQL server.

`db_url` is parametrised over both dialects. PostgreSQL tests skip with a reason
where the server is not installed, except under CI=true, where they must run.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.core.database import open_database
from tests.support.postgres import PostgresServer, postgres_server

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real user's data folder, settings or keychain."""
    home = tmp_path_factory.mktemp("userdata")
    monkeypatch.setenv("TRACKLENS_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdgdata"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    try:
        with postgres_server() as server:
            yield server
    except RuntimeError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL must run under CI=true: {exc}")
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def chdb_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one chDB folder of the test run (chDB opens one folder per process); each test gets
    a database of its own in it."""
    try:
        import chdb  # noqa: F401
        import clickhouse_connect  # noqa: F401
    except ImportError as exc:
        if IN_CI:
            pytest.fail(f"chDB must run under CI=true: {exc}")
        pytest.skip(f"chDB is not installed (pip install 'tracklens[clickhouse]'): {exc}")
    return tmp_path_factory.mktemp("chdb")


_chdb_databases = itertools.count(1)


def chdb_url(folder: Path) -> str:
    """A URL of a new, empty database in the test run's chDB folder."""
    return f"chdb:///{str(folder).lstrip('/')}?database=t{next(_chdb_databases)}"


def clickhouse_server_url() -> str:
    """A new, empty database on the ClickHouse server of TRACKLENS_CLICKHOUSE_URL (skip without)."""
    base = os.environ.get("TRACKLENS_CLICKHOUSE_URL", "").strip()
    if not base:
        pytest.skip("TRACKLENS_CLICKHOUSE_URL is not set (e.g. clickhousedb://default@localhost:8123/): "
                    "the suite ran on embedded chDB instead")
    from sqlalchemy import make_url

    from app.core.database import create_db_engine

    name = f"tracklens_test_{os.getpid()}_{next(_chdb_databases)}"
    admin = create_db_engine(base)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE IF NOT EXISTS {name}")
    finally:
        admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


#: With TRACKLENS_CLICKHOUSE_URL, every database-backed test also runs on that ClickHouse server
#: (tests/clickhouse/test_server.py says so, or why not, in the summary).
_SERVER_PARAMS = ([pytest.param("clickhouse-server", marks=pytest.mark.clickhouse)]
                  if os.environ.get("TRACKLENS_CLICKHOUSE_URL", "").strip() else [])


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres),
                        pytest.param("clickhouse", marks=pytest.mark.clickhouse), *_SERVER_PARAMS])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of a new, empty database on each dialect: SQLite, PostgreSQL, embedded ClickHouse
    (chDB), and a ClickHouse server where TRACKLENS_CLICKHOUSE_URL names one."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'events.sqlite'}"
    if request.param == "clickhouse":
        return chdb_url(request.getfixturevalue("chdb_folder"))
    if request.param == "clickhouse-server":
        return clickhouse_server_url()
    server: PostgresServer = request.getfixturevalue("pg_server")
    return server.create_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A URL of a new, empty SQLite database (for tests that are about one dialect only)."""
    return f"sqlite:///{tmp_path / 'events.sqlite'}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An opened (schema-created) database on each dialect."""
    eng = open_database(db_url)
    yield eng
    eng.dispose()
