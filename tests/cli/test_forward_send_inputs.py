"""`tracklens forward` and `tracklens send` given what a new or hostile user types (CLI defect hunt)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from app.cli.main import cli
from app.core.database import open_database
from tests.cli.roles import select_only_url
from tests.outbound.conftest import add_people, campaign_dict, person
from tests.outbound.destinations_support import Receiver, store_messages, track, write_destinations
from tests.support.postgres import PostgresServer


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


def test_a_dry_run_of_an_email_campaign_needs_no_smtp_server(sqlite_url: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/messages.md's first command, `tracklens send --db URL campaign.json --dry-run`, ended
    with 'an e-mail campaign needs an SMTP server' although a dry run sends nothing."""
    monkeypatch.delenv("TRACKLENS_SMTP_URL", raising=False)
    engine = open_database(sqlite_url)
    add_people(engine, {"k1": person(1), "k3": person(3)}, orders={"k1": 3, "k3": 3})
    engine.dispose()
    campaign = tmp_path / "welcome.campaign.json"
    campaign.write_text(json.dumps(campaign_dict()), encoding="utf-8")
    result = run("send", "--db", sqlite_url, str(campaign), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "send\tk1\tp1@example.com\t" in result.output and "send\tk3\tp3@example.com\t" in result.output
    assert "would send 2" in result.output
    # A real run still needs the server, and says so.
    result = run("send", "--db", sqlite_url, str(campaign))
    assert result.exit_code == 1 and "needs an SMTP server" in result.stderr


def test_a_rate_slower_than_one_message_a_day_is_refused_before_anything_is_sent(sqlite_url: str,
                                                                                 tmp_path: Path) -> None:
    """`send --rate 0.000000000000000001/s` sent the first message, then waiting for the second
    overflowed time.sleep: a traceback in the middle of the run. A destination's `rate` did the
    same to `tracklens forward`. Both are one-line errors now, before anything is sent."""
    engine = open_database(sqlite_url)
    add_people(engine, {"k1": person(1), "k3": person(3)}, orders={"k1": 3, "k3": 3})
    store_messages(engine, [track(i) for i in range(3)])
    engine.dispose()
    rx = Receiver().start()
    try:
        campaign = tmp_path / "hook.campaign.json"
        campaign.write_text(json.dumps(campaign_dict(channel={"type": "webhook", "url": rx.url,
                                                              "body": {"text": "{{ traits.name }}"}})),
                            encoding="utf-8")
        slow = "0.000000000000000001/s"
        sent = run("send", "--db", sqlite_url, str(campaign), "--rate", slow)
        destinations = write_destinations(tmp_path / "destinations.json",
                                          [{"name": "hook", "type": "webhook", "url": rx.url, "batch": 1,
                                            "rate": slow}])
        forwarded = run("forward", "--db", sqlite_url, "--destinations", str(destinations))
        # --rate is a usage error (status 2); the destinations file's rate, a failed run
        assert sent.exit_code == 2 and isinstance(sent.exception, SystemExit), sent.exception
        assert forwarded.exit_code == 1 and isinstance(forwarded.exception, SystemExit), forwarded.exception
        for result in (sent, forwarded):
            assert "rate must be at least one message a day" in result.stderr, result.output
        assert rx.hits == []
    finally:
        rx.stop()


def test_an_every_longer_than_a_month_is_refused_before_the_first_run(sqlite_url: str, tmp_path: Path) -> None:
    """`send --every 99999999999999999999999h` ran the campaign once and then died with
    OverflowError in time.sleep; an --every of 5,000 digits was a ValueError traceback."""
    engine = open_database(sqlite_url)
    add_people(engine, {"k1": person(1)}, orders={"k1": 3})
    engine.dispose()
    campaign = tmp_path / "welcome.campaign.json"
    campaign.write_text(json.dumps(campaign_dict()), encoding="utf-8")
    for every in ("99999999999999999999999h", "9" * 5000 + "s", "745h"):
        result = run("send", "--db", sqlite_url, str(campaign), "--dry-run", "--every", every)
        assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.exception
        assert "--every is at most 31 days (744h)" in result.stderr and "would send" not in result.output


def test_a_replay_whose_from_is_after_its_to_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    """`forward --from 2026-11-20 --to 2026-11-01` (the dates swapped) said 'replayed 0
    message(s)' with status 0: the user took the range for replayed."""
    engine = open_database(sqlite_url)
    store_messages(engine, [track(i) for i in range(20)])
    engine.dispose()
    rx = Receiver().start()
    try:
        destinations = write_destinations(tmp_path / "destinations.json",
                                          [{"name": "hook", "type": "webhook", "url": rx.url}])
        base = ["forward", "--db", sqlite_url, "--destinations", str(destinations)]
        swapped = run(*base, "--from", "2026-11-20", "--to", "2026-11-01")
        assert swapped.exit_code == 2 and "--from 2026-11-20 is not before --to 2026-11-01" in swapped.stderr
        assert rx.hits == []
        one_day = run(*base, "--from", "2026-11-01", "--to", "2026-11-01")  # --to's day is included
        assert one_day.exit_code == 0 and "hook: replayed 1 message(s)" in one_day.output, one_day.output
    finally:
        rx.stop()


@pytest.mark.postgres
def test_a_read_only_role_gets_one_line_from_forward_and_send(pg_server: PostgresServer, tmp_path: Path) -> None:
    """With a PostgreSQL role that may only read, forward, forward --pause and a real send
    ended in a ProgrammingError traceback ('permission denied for table ...'): they caught only
    errors raised while opening. Each is one line now, status 1."""
    url = pg_server.create_database()
    engine = open_database(url)
    add_people(engine, {"k1": person(1)}, orders={"k1": 3})
    store_messages(engine, [track(i) for i in range(3)])
    engine.dispose()
    reader = select_only_url(url)
    rx = Receiver().start()
    try:
        destinations = write_destinations(tmp_path / "destinations.json",
                                          [{"name": "hook", "type": "webhook", "url": rx.url}])
        campaign = tmp_path / "hook.campaign.json"
        campaign.write_text(json.dumps(campaign_dict(channel={"type": "webhook", "url": rx.url,
                                                              "body": {"text": "{{ traits.name }}"}})),
                            encoding="utf-8")
        status = run("forward", "--db", reader, "--destinations", str(destinations), "--status", "--json")
        assert status.exit_code == 0 and json.loads(status.stdout)[0]["pending"] == 7, status.output
        for args in (["forward", "--db", reader, "--destinations", str(destinations)],
                     ["forward", "--db", reader, "--destinations", str(destinations), "--name", "hook", "--pause"],
                     ["send", "--db", reader, str(campaign)]):
            result = run(*args)
            assert result.exit_code == 1 and isinstance(result.exception, SystemExit), (args, result.exception)
            assert result.stderr.startswith("Error: permission denied for table "), result.stderr
        assert rx.hits == []
    finally:
        rx.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new database where destinations run (they need transactions: not ClickHouse)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'events.sqlite'}"
    server: PostgresServer = request.getfixturevalue("pg_server")
    return server.create_database()


def test_forward_status_only_reads(ledger_url: str, tmp_path: Path) -> None:
    """`forward --status` inserted a cursor row for every destination that had none, so it
    failed (a traceback, then 'permission denied') for a role that may only read, and changed
    the database of a user who only looked. It reads only now: a destination without a cursor
    shows everything pending."""
    from app.core.schema import metadata

    db_url = ledger_url
    engine = open_database(db_url)
    store_messages(engine, [track(i) for i in range(5)])
    cursors = metadata.tables["destination_cursors"]
    engine.dispose()
    destinations = write_destinations(tmp_path / "destinations.json",
                                      [{"name": "hook", "type": "webhook", "url": "http://127.0.0.1:9/"}])
    result = run("forward", "--db", db_url, "--destinations", str(destinations), "--status", "--json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert (row["name"], row["pending"], row["delivered"]) == ("hook", 5, 0)
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(cursors.select()).all() == []
    finally:
        engine.dispose()


def test_a_dry_run_sends_no_test_message(sqlite_url: str, tmp_path: Path) -> None:
    """`send --test-to ADDRESS --as PERSON --dry-run` sent the test message: --dry-run ('send and
    record nothing') was ignored. The two options are a usage error together now."""
    engine = open_database(sqlite_url)
    add_people(engine, {"k1": person(1)}, orders={"k1": 3})
    engine.dispose()
    rx = Receiver().start()
    try:
        campaign = tmp_path / "hook.campaign.json"
        campaign.write_text(json.dumps(campaign_dict(channel={"type": "webhook", "url": rx.url,
                                                              "body": {"text": "{{ traits.name }}"}})),
                            encoding="utf-8")
        result = run("send", "--db", sqlite_url, str(campaign), "--test-to", "me@example.com", "--as", "k1",
                     "--dry-run")
        assert result.exit_code == 2 and "--test-to and --dry-run cannot be combined" in result.stderr
        assert rx.hits == []
    finally:
        rx.stop()


def test_json_without_status_is_refused_instead_of_forwarding(sqlite_url: str, tmp_path: Path) -> None:
    """`forward --json` (meaning --status --json) ignored --json and delivered every pending
    event to the destinations."""
    engine = open_database(sqlite_url)
    store_messages(engine, [track(i) for i in range(3)])
    engine.dispose()
    rx = Receiver().start()
    try:
        destinations = write_destinations(tmp_path / "destinations.json",
                                          [{"name": "hook", "type": "webhook", "url": rx.url}])
        result = run("forward", "--db", sqlite_url, "--destinations", str(destinations), "--json")
        assert result.exit_code == 2 and "--json goes with --status" in result.stderr, result.output
        assert rx.hits == []
    finally:
        rx.stop()


def test_a_destinations_file_without_destinations_says_so(sqlite_url: str, tmp_path: Path) -> None:
    """A destinations file of `[]` made `forward` print nothing and exit 0, as if it had
    forwarded; `forward --status` showed an empty table."""
    open_database(sqlite_url).dispose()
    empty = tmp_path / "destinations.json"
    empty.write_text("[]\n")
    for extra in ([], ["--status"]):
        result = run("forward", "--db", sqlite_url, "--destinations", str(empty), *extra)
        assert result.exit_code == 1, result.output
        assert f"{empty} lists no destinations: nothing to forward" in result.output


def test_an_empty_destinations_file_is_said_to_be_empty(sqlite_url: str, tmp_path: Path) -> None:
    """`forward --destinations F` on a file made but not yet written (0 bytes, or a line break)
    said 'F is not valid JSON (line 1: Expecting value)'; it now says the file is empty and
    what it should hold, and the example it gives is a file forward takes."""
    open_database(sqlite_url).dispose()
    empty = tmp_path / "destinations.json"
    for content in ("", "\n  \n"):
        empty.write_text(content)
        result = run("forward", "--db", sqlite_url, "--destinations", str(empty))
        assert result.exit_code == 1, result.output
        assert result.stderr.strip() == (f"Error: {empty} is empty: a destinations file is a JSON list of destinations, "
                                         'e.g. [{"name": "hook", "type": "webhook", "url": "https://example.com/hook"}]')
    empty.write_text('[{"name": "hook", "type": "webhook", "url": "https://example.com/hook"}]')
    status = run("forward", "--db", sqlite_url, "--destinations", str(empty), "--status")
    assert status.exit_code == 0 and "hook" in status.output, status.output
