"""`tracklens send` as a process: SIGKILL in the middle of a real run, two senders at once,
one-line errors. Against a real SMTP server (aiosmtpd) on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from app.core.schema import outbound_ledger
from tests.outbound.conftest import SmtpServer, add_people, campaign_dict, person

ROOT = Path(__file__).resolve().parents[2]


def tracklens(*args: str, wait: bool = True) -> Any:
    cmd = [sys.executable, "-m", "app", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if not wait:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


def big_audience(engine: Engine, n: int) -> dict[str, str]:
    """n people who all qualify (female, 3 orders); person id -> address."""
    people = {f"k{i:03d}": person(i, gender="female") for i in range(n)}
    add_people(engine, people, orders=dict.fromkeys(people, 3))
    return {pid: traits["email"] for pid, traits in people.items()}


def write_campaign(tmp_path: Path, **over: Any) -> str:
    path = tmp_path / "win-back.campaign.json"
    path.write_text(json.dumps(campaign_dict(**over)), encoding="utf-8")
    return str(path)


def ledger_states(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(outbound_ledger.c.item, outbound_ledger.c.state)).all())  # type: ignore[arg-type]


def slow_data(smtp: SmtpServer, seconds: float) -> None:
    """The server keeps the message, then takes `seconds` to answer 250 (a kill lands mid-send)."""
    original = smtp.handler.handle_DATA

    async def slow(server: Any, session: Any, envelope: Any) -> str:
        reply = await original(server, session, envelope)
        await asyncio.sleep(seconds)
        return reply

    smtp.handler.handle_DATA = slow  # type: ignore[method-assign]


def wait_received(smtp: SmtpServer, n: int, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(smtp.handler.received) < n:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the sender made no progress"
        time.sleep(0.005)


@pytest.mark.slow
def test_sigkill_mid_run_then_rerun_every_person_exactly_once(engine: Engine, db_url: str, smtp: SmtpServer,
                                                              tmp_path: Path) -> None:
    addresses = big_audience(engine, 60)
    campaign = write_campaign(tmp_path, holdout=0.1)
    slow_data(smtp, 0.03)
    # Two real runs killed with SIGKILL: one right after the server took a message (before its
    # answer reached the sender), one at an arbitrary moment of the rate-limited loop.
    for kill_after, pause in ((8, 0.0), (25, 0.137)):
        proc = tracklens("send", "--db", db_url, campaign, "--smtp", smtp.url, "--rate", "40/s", wait=False)
        wait_received(smtp, kill_after, proc)
        time.sleep(pause)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
    assert len(smtp.handler.received) < 60
    final = tracklens("send", "--db", db_url, campaign, "--smtp", smtp.url)
    assert final.returncode == 0, final.stderr
    got = smtp.handler.by_rcpt()
    states = ledger_states(engine)
    assert set(states) == set(addresses)  # everyone decided
    unknown = {p for p, s in states.items() if s == "unknown"}
    held = {p for p, s in states.items() if s == "held"}
    assert len(unknown) <= 2  # at most the one in flight per kill
    assert f"unconfirmed {len(unknown)}" in final.stdout if unknown else "unconfirmed" not in final.stdout
    for pid, address in addresses.items():
        n = len(got.get(address, []))
        if pid in held:
            assert n == 0
        elif pid in unknown:
            assert n <= 1  # reported, never resent on its own
        else:
            assert n == 1, (pid, states[pid], n)
    assert all(len(v) == 1 for v in got.values())
    # Another run changes nothing.
    again = tracklens("send", "--db", db_url, campaign, "--smtp", smtp.url)
    assert "sent 0," in again.stdout and sum(len(v) for v in smtp.handler.by_rcpt().values()) == \
        sum(len(v) for v in got.values())


@pytest.mark.slow
def test_two_senders_at_once_send_each_person_once(engine: Engine, db_url: str, smtp: SmtpServer,
                                                   tmp_path: Path) -> None:
    addresses = big_audience(engine, 80)
    campaign = write_campaign(tmp_path)
    procs = [tracklens("send", "--db", db_url, campaign, "--smtp", smtp.url, wait=False) for _ in range(2)]
    outputs = [p.communicate(timeout=180) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    got = smtp.handler.by_rcpt()
    assert set(got) == set(addresses.values())
    assert all(len(v) == 1 for v in got.values())
    sent = [int(out.split("sent ")[1].split(",")[0]) for out, _ in outputs]
    assert sum(sent) == 80


def test_summary_line_and_dry_run(engine: Engine, db_url: str, smtp: SmtpServer, tmp_path: Path) -> None:
    add_people(engine, {"a1": person(1), "a2": person(3, email=None), "a3": person(5, unsubscribed=True)},
               orders={"a1": 3, "a2": 3, "a3": 3})
    campaign = write_campaign(tmp_path)
    dry = tracklens("send", "--db", db_url, campaign, "--smtp", smtp.url, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "send\ta1\tp1@example.com\tPerson 1, your beans are waiting" in dry.stdout
    assert smtp.handler.received == []
    run = tracklens("send", "--db", db_url, campaign, "--smtp", smtp.url)
    assert run.stdout.strip() == ("Win back big spenders: audience 3, sent 1, held out 0, skipped 2 (no address 1, "
                                  "unsubscribed 1), failed 0, already done 0")
    assert len(smtp.handler.received) == 1


@pytest.mark.parametrize("change, smtp_url, message", [
    ({"channel": {"type": "email", "from": "a@b.example", "subject": "{% if %}", "text": "x"}}, None,
     "Error: win-back.campaign.json: channel.subject: template error on line 1"),
    ({"channel": {"type": "email", "from": "a@b.example", "subject": "{{ traits.nmae }}", "text": "x"}}, None,
     "Error: unknown trait 'nmae': no person has it"),
    ({}, "smtp//localhost", "Error: invalid SMTP URL 'smtp//localhost'"),
])
def test_errors_are_one_line_and_nothing_is_sent(engine: Engine, db_url: str, smtp: SmtpServer, tmp_path: Path,
                                                 change: dict[str, Any], smtp_url: str | None, message: str) -> None:
    add_people(engine, {"a1": person(1)}, orders={"a1": 3})
    campaign = write_campaign(tmp_path, **change)
    result = tracklens("send", "--db", db_url, campaign, "--smtp", smtp_url or smtp.url)
    assert result.returncode == 1
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert smtp.handler.received == []
    assert ledger_states(engine) == {}


def test_every_sends_to_new_audience_members_on_the_next_round_until_stopped(
        engine: Engine, db_url: str, smtp: SmtpServer, tmp_path: Path) -> None:
    """`--every 1s`: a person who joins the audience between rounds gets the message on the next
    round, nobody gets it twice, and SIGTERM (a service manager) stops it with status 130."""
    first = big_audience(engine, 3)
    campaign = write_campaign(tmp_path)
    proc = tracklens("send", "--db", db_url, campaign, "--smtp", smtp.url, "--every", "1s", wait=False)
    try:
        wait_received(smtp, 3, proc)
        late = {"late1": person(101, gender="female")}
        add_people(engine, late, orders={"late1": 3})
        wait_received(smtp, 4, proc)
        time.sleep(2.5)  # two more rounds: nothing new to send
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    got = smtp.handler.by_rcpt()
    assert sorted(got) == sorted([*first.values(), late["late1"]["email"]])
    assert all(len(messages) == 1 for messages in got.values())
    rounds = [line for line in out.splitlines() if " sent " in f" {line}"]
    assert len(rounds) >= 3 and "stopped" in err
