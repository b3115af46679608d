"""Messages and Destinations need transactions (their delivery ledger): on ClickHouse the
commands and panels say so in one line, and send or store nothing."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from app.cli.main import cli
from app.core.database import open_database
from tests.conftest import chdb_url
from tests.outbound.conftest import campaign_dict
from tests.outbound.destinations_support import write_destinations


def test_send_and_forward_refuse_clickhouse_in_one_line(chdb_folder: Path, tmp_path: Path) -> None:
    url = chdb_url(chdb_folder)
    open_database(url).dispose()
    campaign = tmp_path / "welcome.campaign.json"
    campaign.write_text(json.dumps(campaign_dict()), encoding="utf-8")
    destinations = write_destinations(tmp_path / "destinations.json",
                                      [{"name": "hook", "type": "webhook", "url": "http://127.0.0.1:9/"}])
    for args in (["send", "--db", url, str(campaign), "--dry-run"],
                 ["forward", "--db", url, "--destinations", str(destinations), "--status"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code != 0, (args, result.output)
        assert "needs transactions" in result.output and "SQLite or PostgreSQL" in result.output, result.output
        assert "Traceback" not in result.output
