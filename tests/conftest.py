"""Shared fixtures: a fresh event database on SQLite and on a real PostgreSQL server.

`db_url` is parametrised over both dialects. PostgreSQL tests skip with a reason
where the server is not installed, except under CI=true, where they must run.
"""

from __future__ import annotations

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


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of a new, empty database on each dialect."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'events.sqlite'}"
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
