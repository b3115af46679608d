"""`tracklens simulate` when its writes fail (CLI defect hunt)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli.main import cli
from app.core.database import open_database
from tests.cli.roles import select_only_url
from tests.support.postgres import PostgresServer


@pytest.mark.postgres
def test_a_simulation_whose_writes_fail_exits_1(pg_server: PostgresServer) -> None:
    """With a role that may only read, every write failed ('permission denied ... (retrying)')
    and `simulate --duration 1` still ended 'stored 0 events' with status 0."""
    url = pg_server.create_database()
    open_database(url).dispose()
    result = CliRunner().invoke(cli, ["simulate", "--db", select_only_url(url), "--duration", "1", "--rate", "100"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "simulate: stored 0 events" in result.stdout
    assert "Error: the last write failed: permission denied for table " in result.stderr, result.stderr


def test_a_duration_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    """`--duration nan` passed click's range check (every comparison with NaN is false), and the
    simulation stopped at once, 'stored 0 events', status 0."""
    result = CliRunner().invoke(cli, ["simulate", "--db", f"{tmp_path}/none.sqlite", "--duration", "nan"])
    assert result.exit_code == 2, result.output
    assert "nan is not a number of seconds" in result.output
