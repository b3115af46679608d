"""What the commands print for a person to read never carries the database's control characters
raw: property values, traits and servers' replies may hold them (only ids and event names refuse
them), and on a terminal an escape sequence clears the screen, retitles the window or hides text
(hostile-input defect hunt)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from app.cli.main import cli
from app.cli.terminal import visible
from app.core.database import open_database
from app.ingest.writer import EventWriter
from tests.outbound.conftest import add_people, campaign_dict, person

TITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J\x1b[H"


def test_visible_writes_control_characters_out() -> None:
    assert visible(f"{TITLE}Pro") == "\\x1b]0;pwned\\x07Pro"
    assert visible("a\tb\nc\u009bd") == "a\\x09b\\x0ac\\x9bd"
    assert visible("a\tb", keep_tabs=True) == "a\tb"
    assert visible("Café ☕ <b>") == "Café ☕ <b>"


def test_query_tables_write_control_characters_out_and_csv_keeps_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'e.sqlite'}"
    engine = open_database(url)
    EventWriter(engine, enrich=False).write([
        {"type": "track", "event": "Click", "userId": "u1", "messageId": "e1", "timestamp": "2026-12-01T10:00:00Z",
         "properties": {"plan": f"{TITLE}Pro"}},
        {"type": "identify", "userId": "u1", "messageId": "e2", "timestamp": "2026-12-01T10:00:00Z",
         "traits": {"name": f"{CLEAR}Ann"}},
    ])
    engine.dispose()
    seg = json.dumps({"kind": "segmentation", "events": ["Click"], "breakdown": {"property": "plan"},
                      "range": {"from": "2026-11-30", "to": "2026-12-02"}, "unit": "day", "timezone": "UTC"})
    table = CliRunner().invoke(cli, ["query", "--db", url, "--spec", seg, "--format", "table"])
    assert table.exit_code == 0, table.output
    assert "\x1b" not in table.stdout and "\x07" not in table.stdout
    assert "Click / \\x1b]0;pwned\\x07Pro" in table.stdout
    users = json.dumps({"kind": "users", "columns": ["name"]})
    table = CliRunner().invoke(cli, ["query", "--db", url, "--spec", users, "--format", "table"])
    assert "\\x1b[2J\\x1b[HAnn" in table.stdout and "\x1b" not in table.stdout
    csv = CliRunner().invoke(cli, ["query", "--db", url, "--spec", users, "--format", "csv"])
    assert f"{CLEAR}Ann" in csv.stdout  # data, exact


def test_send_dry_run_writes_an_address_control_characters_out(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    engine = open_database(url)
    add_people(engine, {"k1": person(1, gender="female", email=f"{TITLE}k1@example.com")}, orders={"k1": 3})
    engine.dispose()
    campaign = tmp_path / "c.campaign.json"
    campaign.write_text(json.dumps(campaign_dict()), encoding="utf-8")
    done = CliRunner().invoke(cli, ["send", "--db", url, str(campaign), "--dry-run", "--smtp", "smtp://127.0.0.1:1"])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[0] == "send\tk1\t\\x1b]0;pwned\\x07k1@example.com\tPerson 1, your beans are waiting"
