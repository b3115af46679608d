"""Destinations and campaign files as anyone may hand them over: what is not a destination or
a campaign is refused in one line by every command that reads it, never with a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli.main import cli
from app.core.database import open_database

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    open_database(url).dispose()
    return url


@pytest.mark.parametrize("text, message", [
    ("[1]", "destinations[0] must be a JSON object, got the number 1"),
    ('["ops-webhook"]', "destinations[0] must be a JSON object, got the string 'ops-webhook'"),
    (DEEP, "nested too deeply to be a destinations file"),
])
def test_a_destinations_file_that_is_not_one_is_refused_in_one_line(db: str, tmp_path: Path, text: str,
                                                                    message: str) -> None:
    path = tmp_path / "destinations.json"
    path.write_text(text, encoding="utf-8")
    for args in (["forward", "--db", db, "--destinations", str(path), "--status"],
                 ["forward", "--db", db, "--destinations", str(path)]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code != 0
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert message in result.output, result.output
        assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_a_campaign_nested_too_deeply_is_refused_in_one_line(db: str, tmp_path: Path) -> None:
    path = tmp_path / "deep.campaign.json"
    path.write_text('{"kind": "campaign", "name": "x", "channel": {"type": "webhook", "url": "http://x.example", '
                    f'"body": {DEEP}}}}}', encoding="utf-8")
    result = CliRunner().invoke(cli, ["send", "--db", db, "--dry-run", str(path)])
    assert isinstance(result.exception, SystemExit) and result.exit_code != 0
    assert "deep.campaign.json: nested too deeply to be a campaign" in result.output, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_a_campaign_body_nested_900_levels_is_still_a_campaign(db: str, tmp_path: Path) -> None:
    """The limit is where JSON reading fails, not lower: deep but readable bodies still work."""
    path = tmp_path / "nested.campaign.json"
    body = json.loads("[" * 900 + "]" * 900)
    path.write_text(json.dumps({"kind": "campaign", "name": "nested", "channel": {
        "type": "webhook", "url": "http://x.example", "body": body}}), encoding="utf-8")
    result = CliRunner().invoke(cli, ["send", "--db", db, "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("nested: audience 0")
