"""`tracklens forward` and `tracklens send` given what a new or hostile user types (CLI defect hunt)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from app.cli.main import cli
from tests.outbound.conftest import campaign_dict
from tests.outbound.destinations_support import write_destinations


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def tables_of(db_url: str) -> list[str]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return inspect(conn).get_table_names()
    finally:
        engine.dispose()


def test_forward_and_send_on_a_mistyped_database_create_nothing(db_url: str, tmp_path: Path) -> None:
    """A typo in --db (a file that does not exist, an empty PostgreSQL database) made a new,
    empty Tracklens database there: `forward --status` showed a destination with nothing
    pending, `forward` said 'delivered 0 message(s)' with status 0, and `send --dry-run` left
    the new file behind. Each now says there is no Tracklens database and creates nothing."""
    destinations = write_destinations(tmp_path / "destinations.json",
                                      [{"name": "hook", "type": "webhook", "url": "http://127.0.0.1:9/"}])
    campaign = tmp_path / "welcome.campaign.json"
    campaign.write_text(json.dumps(campaign_dict()), encoding="utf-8")
    for args in (["forward", "--db", db_url, "--destinations", str(destinations), "--status"],
                 ["forward", "--db", db_url, "--destinations", str(destinations)],
                 ["send", "--db", db_url, str(campaign), "--dry-run", "--smtp", "smtp://127.0.0.1:9"]):
        result = run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert "no Tracklens database at" in result.stderr and "Traceback" not in result.output, result.output
    if db_url.startswith("sqlite:///"):
        assert not (tmp_path / "events.sqlite").exists()
    elif db_url.startswith("postgresql"):
        assert tables_of(db_url) == []
