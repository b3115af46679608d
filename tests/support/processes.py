"""What tests that start a second process on the test's database need to know."""

from __future__ import annotations

import pytest

from app.core.backends import backend_for_url


def skip_if_one_process_per_database(db_url: str) -> None:
    """chDB opens a folder in one process at a time, and the test run holds the suite's folder:
    a test that runs the database in a second process cannot use it (a ClickHouse server can)."""
    if db_url.startswith("chdb:"):
        pytest.skip("embedded chDB opens a folder in one process at a time; this test needs a second "
                    "process on the database (it runs on a ClickHouse server with TRACKLENS_CLICKHOUSE_URL)")
    backend_for_url(db_url)  # any other URL: a database several processes share
