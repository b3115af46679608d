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


@pytest.mark.parametrize("template, message", [
    ("{% for i in range(3000) %}{% for j in range(3000) %}{% endfor %}{% endfor %}", "does too much work"),
    ("{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(22) }}",
     "does too much work"),
    ("{% for i in range(20000) %}{{ traits.name }} {{ i }} {{ 'x' * 60 }}{% endfor %}",
     "renders more than 1,000,000 characters"),
    ("{{ 'x' * 5000000 }}", "repeating a value would be over 1,000,000 characters"),
    ("{% set ns = namespace(a='x') %}{% for i in range(23) %}{% set ns.a = ns.a ~ ns.a %}{% endfor %}",
     "joining text with ~ would be over"),
    ("{{ '{:>5000000}'.format(traits.name) }}", "format would be over"),
    ("{{ range(100)|join('-' * 50000) }}", "join would be over"),
    # each product twice the size of the last: 40 rounds ran for ever (3 took 0.4 s, 6 took 13 s)
    ("{% set ns = namespace(a=9 ** 250000) %}{% for i in range(40) if i < 3 %}{% set ns.a = ns.a * ns.a %}"
     "{% endfor %}", "a product of over 1,000,000 bits is too large a number"),
    # a number past Python's 4,300 printable digits: was a per-person "template value missing"
    # skip, exit 0, with the error text itself failing to print the number
    ("{% set x = 3 ** 60000 %}{{ x ** 20 }}", "a 95,098-bit number to the power 20 is too large a number"),
    ("{% set x = 3 ** 60000 %}{{ x }}", "a number of more than 4,300 digits"),
])
def test_a_campaign_whose_template_would_hang_or_fill_the_memory_is_one_line(
        db: str, tmp_path: Path, template: str, message: str) -> None:
    """A campaign file from someone else: rendering it for a person used to run for as long and
    build as much as its template asked (two nested loops of the sandbox's 100,000: for ever)."""
    from app.ingest.writer import EventWriter

    engine = open_database(db)
    EventWriter(engine).write([{"type": "identify", "userId": "u1", "traits": {"name": "Ann"}}])
    engine.dispose()
    path = tmp_path / "hostile.campaign.json"
    path.write_text(json.dumps({"kind": "campaign", "name": "hostile", "channel": {
        "type": "webhook", "url": "http://x.example", "body": {"text": template}}}), encoding="utf-8")
    result = CliRunner().invoke(cli, ["send", "--db", db, "--dry-run", str(path)])
    assert isinstance(result.exception, SystemExit) and result.exit_code != 0, result.output[:300]
    assert "channel.body.text: " in result.output and message in result.output, result.output[:300]
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_a_campaign_template_doing_ordinary_work_still_renders(db: str, tmp_path: Path) -> None:
    from app.ingest.writer import EventWriter

    engine = open_database(db)
    EventWriter(engine).write([{"type": "identify", "userId": "u1", "traits": {"name": "Ann", "tags": ["a", "b"]}}])
    engine.dispose()
    template = ("{% for i in range(2000) %}{{ traits.name|center(5) }}{% endfor %}|{{ traits.tags|join(', ') }}|"
                "{{ '%5.1f'|format(2.25) }}|{{ '{:>4}'.format(7) }}|{{ 'ab' * 2 }}|{{ 2 ** 10 }}|"
                "{{ traits.name ~ '!' }}|{{ {'a': 1}|tojson }}")
    path = tmp_path / "ordinary.campaign.json"
    path.write_text(json.dumps({"kind": "campaign", "name": "ordinary", "channel": {
        "type": "webhook", "url": "http://x.example", "body": {"text": template}}}), encoding="utf-8")
    result = CliRunner().invoke(cli, ["send", "--db", db, "--dry-run", str(path)])
    assert result.exit_code == 0, result.output[:300]
    assert " Ann " * 2000 + '|a, b|  2.2|   7|abab|1024|Ann!|{\\"a\\": 1}' in result.output, result.output[-300:]


CAMPAIGN = '{"kind": "campaign", "name": "x", "holdout": HOLDOUT, "channel": {"type": "webhook", "url": "http://x.example", "body": {}}}'
DESTINATIONS = '[{"name": "ops", "type": "webhook", "url": "http://x.example", "timeout": TIMEOUT}]'


@pytest.mark.parametrize("content, message", [
    (CAMPAIGN.replace("HOLDOUT", "1" * 5000).encode(), "not readable JSON: Exceeds the limit (4300 digits)"),
    (b" " * 5_000_000, "over 4,000,000 bytes, too large for a campaign"),
    (CAMPAIGN.replace("HOLDOUT", "0").replace("http", "h\xe9").encode("latin-1"), "not UTF-8 text"),
])
def test_a_campaign_file_that_cannot_be_read_is_one_line(db: str, tmp_path: Path, content: bytes,
                                                        message: str) -> None:
    """A 5,000-digit number ended 'tracklens send' (and the Messages panel's Open) with a traceback;
    a file of gigabytes (or /dev/zero) was read whole into memory."""
    path = tmp_path / "odd.campaign.json"
    path.write_bytes(content)
    result = CliRunner().invoke(cli, ["send", "--db", db, "--dry-run", str(path)])
    assert isinstance(result.exception, SystemExit) and result.exit_code != 0, result.output[-300:]
    assert f"odd.campaign.json: {message}" in result.output, result.output[-300:]
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("content, message", [
    (DESTINATIONS.replace("TIMEOUT", "1" * 5000).encode(), "is not readable JSON: Exceeds the limit (4300 digits)"),
    (b" " * 5_000_000, "is over 1,000,000 bytes, too large for a destinations file"),
    (DESTINATIONS.replace("TIMEOUT", "5").replace("ops", "caf\xe9").encode("latin-1"), "is not UTF-8 text"),
])
def test_a_destinations_file_that_cannot_be_read_is_one_line(db: str, tmp_path: Path, content: bytes,
                                                            message: str) -> None:
    """A file in another encoding raised UnicodeDecodeError out of forward and collect; a file of
    gigabytes was read whole."""
    path = tmp_path / "odd.json"
    path.write_bytes(content)
    result = CliRunner().invoke(cli, ["forward", "--db", db, "--destinations", str(path), "--status"])
    assert result.exit_code != 0 and (result.exception is None or isinstance(result.exception, SystemExit))
    assert message in result.output, result.output[-300:]
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_campaign_and_destinations_files_saved_by_notepad_are_read(db: str, tmp_path: Path) -> None:
    """UTF-8 with a byte order mark (Notepad, PowerShell 5) was 'not valid JSON'."""
    campaign = tmp_path / "bom.campaign.json"
    campaign.write_text(CAMPAIGN.replace("HOLDOUT", "0"), encoding="utf-8-sig")
    result = CliRunner().invoke(cli, ["send", "--db", db, "--dry-run", str(campaign)])
    assert result.exit_code == 0 and result.output.startswith("x: audience 0"), result.output
    destinations = tmp_path / "bom.json"
    destinations.write_text(DESTINATIONS.replace("TIMEOUT", "5"), encoding="utf-8-sig")
    result = CliRunner().invoke(cli, ["forward", "--db", db, "--destinations", str(destinations), "--status"])
    assert result.exit_code == 0 and "ops" in result.output, result.output


@pytest.mark.parametrize("headers, message", [
    ({"Authorization": "Bearer tok\r\nX-Injected: 1"}, "destinations[0].headers.Authorization holds a control "
                                                      "character"),
    ({"X-Team": "Café"}, "destinations[0].headers.X-Team must be ASCII text"),
    ({"X Team": "a"}, "destinations[0].headers: 'X Team' is not a header name"),
])
def test_a_destination_header_http_cannot_carry_is_refused_in_one_line(db: str, tmp_path: Path,
                                                                        headers: dict[str, str], message: str) -> None:
    """Such a header was taken, and the first POST raised (ValueError, UnicodeEncodeError) in the
    forwarder: 'tracklens forward' ended with a traceback and 'collect --destinations' retried that
    batch for ever, delivering nothing of that destination again."""
    from app.ingest.writer import EventWriter

    engine = open_database(db)
    EventWriter(engine).write([{"type": "track", "event": "E", "userId": "u1"}])
    engine.dispose()
    path = tmp_path / "destinations.json"
    path.write_text(json.dumps([{"name": "hook", "type": "webhook", "url": "http://127.0.0.1:9/h",
                                 "headers": headers}]), encoding="utf-8")
    for args in (["forward", "--db", db, "--destinations", str(path), "--status"],
                 ["forward", "--db", db, "--destinations", str(path)]):
        result = CliRunner().invoke(cli, args)
        assert isinstance(result.exception, SystemExit) and result.exit_code != 0, result.output[-300:]
        assert message in result.output, result.output[-300:]
        assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_a_campaign_template_whose_steps_each_take_long_is_stopped_by_its_time(
        db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Steps count Python work, and a join of 100,000 values is one step of ~9 ms: a loop of
    them within RENDER_STEPS (150,000 rounds) rendered for 22 minutes per person. A rendering
    also ends at RENDER_SECONDS (here lowered from 10 s to 0.5 s; the loop below is 300 joins,
    seconds of work on any machine)."""
    from app.ingest.writer import EventWriter
    from app.outbound.messages import templates

    monkeypatch.setattr(templates, "RENDER_SECONDS", 0.5)
    engine = open_database(db)
    EventWriter(engine).write([{"type": "identify", "userId": "u1", "traits": {"name": "Ann"}}])
    engine.dispose()
    template = "{% set l = range(100000)|list %}{% for i in range(300) %}{% if l|join %}{% endif %}{% endfor %}"
    path = tmp_path / "slow.campaign.json"
    path.write_text(json.dumps({"kind": "campaign", "name": "slow", "channel": {
        "type": "webhook", "url": "http://x.example", "body": {"text": template}}}), encoding="utf-8")
    result = CliRunner().invoke(cli, ["send", "--db", db, "--dry-run", str(path)])
    assert isinstance(result.exception, SystemExit) and result.exit_code != 0, result.output[:300]
    assert "channel.body.text: the template does too much work (over 2,000,000 steps or 0.5 s" in result.output, \
        result.output[:300]
