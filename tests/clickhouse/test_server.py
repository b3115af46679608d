"""A real ClickHouse server: with TRACKLENS_CLICKHOUSE_URL set (e.g.
clickhousedb://default@localhost:8123/), every database-backed test of the suite also runs on it
(the `clickhouse-server` parameter of `db_url` in tests/conftest.py), each in a database of its
own: the whole oracle suite, every query kind, the writer, the collector. Without it, this test
skips with that reason and the suite runs on embedded chDB only."""

from __future__ import annotations

import os

import pytest

from app.core.backends import backend_for
from app.core.database import open_database
from tests.conftest import clickhouse_server_url


@pytest.mark.skipif(not os.environ.get("TRACKLENS_CLICKHOUSE_URL", "").strip(),
                    reason="TRACKLENS_CLICKHOUSE_URL is not set: the suite ran on embedded chDB (chdb:///...) only")
def test_the_server_takes_a_tracklens_database() -> None:
    engine = open_database(clickhouse_server_url())
    try:
        assert backend_for(engine).label == "ClickHouse"
        assert engine.dialect.server_version_info and engine.dialect.server_version_info >= (25, 7)
    finally:
        engine.dispose()
