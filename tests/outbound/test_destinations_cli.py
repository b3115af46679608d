"""`tracklens forward` and `tracklens collect --destinations` as users run them, on SQLite and PostgreSQL:
SIGKILL mid-batch then restart loses nothing; one Tracklens collector forwards to another."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from app.cli.main import cli
from app.core.schema import event_context, events, identities, users
from app.outbound.destinations import store
from tests.collector.harness import WRITE_KEY, collector_in_thread, start_process, stop_process
from tests.outbound.destinations_support import (
    Receiver,
    mixed_messages,
    store_messages,
    track,
    write_destinations,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rx() -> Any:
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_forward_catch_up_status_replay_pause_and_dead_letters(db_url: str, engine: Engine, rx: Receiver,
                                                               tmp_path: Path) -> None:
    store_messages(engine, [track(i, price=i) for i in range(12)])
    file = write_destinations(tmp_path / "destinations.json",
                              [{"name": "hook", "type": "webhook", "url": rx.url, "batch": 4}])
    status = run("forward", "--db", db_url, "--destinations", str(file), "--status", "--json")
    assert status.exit_code == 0, status.output
    (row,) = json.loads(status.output)
    assert (row["name"], row["pending"], row["delivered"]) == ("hook", 12, 0) and row["lag_seconds"] is not None

    rx.script = [(200, {}), (422, {})]
    result = run("forward", "--db", db_url, "--destinations", str(file))
    assert result.exit_code == 1 and "hook: delivered 8 message(s) in 3 batch(es), 1 dead letter(s)" in result.output
    table = run("forward", "--db", db_url, "--destinations", str(file), "--status")
    assert "hook" in table.output and "dead letter: HTTP 422" in table.output
    assert "last 24 h" in table.output.splitlines()[0]
    (row,) = json.loads(run("forward", "--db", db_url, "--destinations", str(file), "--status", "--json").output)
    assert row["delivered"] == 8 and sum(row["recent"]) == 8 and len(row["recent"]) == store.SPARK_BUCKETS
    retried = run("forward", "--db", db_url, "--destinations", str(file), "--retry-dead")
    assert retried.exit_code == 0 and "re-sent 4 message(s)" in retried.output
    assert sorted(m["messageId"] for m in rx.delivered()) == [f"m-{i:05d}" for i in range(12)]

    rx.hits.clear()
    replay = run("forward", "--db", db_url, "--destinations", str(file), "--name", "hook",
                 "--from", "2026-11-02", "--to", "2026-11-03")
    assert replay.exit_code == 0, replay.output
    assert "replayed 2 message(s)" in replay.output
    assert sorted(m["timestamp"][:10] for m in rx.delivered()) == ["2026-11-02", "2026-11-03"]

    assert run("forward", "--db", db_url, "--destinations", str(file), "--name", "hook", "--pause").exit_code == 0
    store_messages(engine, [track(100, price=1)])
    rx.hits.clear()
    paused = run("forward", "--db", db_url, "--destinations", str(file))
    assert "paused" in paused.output and not rx.hits
    run("forward", "--db", db_url, "--destinations", str(file), "--name", "hook", "--resume")
    assert "delivered 1 message(s)" in run("forward", "--db", db_url, "--destinations", str(file)).output

    store_messages(engine, [track(101, price=1)])
    skipped = run("forward", "--db", db_url, "--destinations", str(file), "--name", "hook", "--skip-stored")
    assert skipped.exit_code == 0 and "starts after event" in skipped.output
    rx.hits.clear()
    assert "delivered 0 message(s)" in run("forward", "--db", db_url, "--destinations", str(file)).output
    assert not rx.hits

    bad = run("forward", "--db", db_url, "--destinations", str(file), "--name", "nope")
    assert bad.exit_code != 0 and "no destination named 'nope'" in bad.output
    both = run("forward", "--db", db_url, "--destinations", str(file), "--status", "--retry-dead")
    assert both.exit_code != 0 and "cannot be combined" in both.output


def test_status_after_retry_dead_shows_what_the_retry_did(db_url: str, engine: Engine, rx: Receiver,
                                                          tmp_path: Path) -> None:
    """--status (and the Destinations panel, which reads the same) kept the refusal's last error
    after --retry-dead had re-sent every dead letter, and counted none of the re-sent messages
    as delivered; a re-send refused again kept the first refusal as the last error, and one that
    kept failing said 'still failing' with that old refusal."""
    store_messages(engine, [track(i, price=i) for i in range(8)])
    file = write_destinations(tmp_path / "destinations.json",
                              [{"name": "hook", "type": "webhook", "url": rx.url, "batch": 4}])
    args = ("forward", "--db", db_url, "--destinations", str(file))

    def status() -> dict[str, Any]:
        (row,) = json.loads(run(*args, "--status", "--json").output)
        return dict(row)

    rx.script = [(200, {}), (422, {})]
    assert run(*args).exit_code == 1
    before = status()
    assert (before["dead_letters"], before["delivered"]) == (1, 4)
    assert before["last_error"].startswith("dead letter: HTTP 422")

    rx.script = [(400, {})]
    assert run(*args, "--retry-dead").exit_code == 1
    again = status()
    assert again["dead_letters"] == 1 and again["last_error"].startswith("dead letter: HTTP 400"), again
    assert store.dead_letters(engine, "hook")[0].status == 400

    rx.script = [(503, {})]
    failing = run(*args, "--retry-dead", "--attempts", "1")
    assert failing.exit_code == 1 and "stopped: still failing (HTTP 503" in failing.output, failing.output

    retried = run(*args, "--retry-dead")
    assert retried.exit_code == 0 and "re-sent 4 message(s)" in retried.output
    after = status()
    assert after["dead_letters"] == 0 and after["last_error"] is None, after
    assert after["delivered"] == 8 and sum(after["recent"]) == 8
    assert after["last_success_at"] > before["last_success_at"]
    (line,) = run(*args, "--status").output.splitlines()[1:]
    assert "dead letter" not in line and "HTTP 4" not in line and line.split()[-2:] == ["0", "-"], line


def test_failing_destination_gives_up_after_attempts_and_resumes_next_run(db_url: str, engine: Engine,
                                                                           tmp_path: Path) -> None:
    store_messages(engine, [track(i, price=i) for i in range(3)])
    down = Receiver().start()
    port = down.port
    down.stop()  # nothing listens there now
    file = write_destinations(tmp_path / "d.json", [{"name": "hook", "type": "webhook",
                                                      "url": f"http://127.0.0.1:{port}"}])
    result = run("forward", "--db", db_url, "--destinations", str(file), "--attempts", "1")
    assert result.exit_code == 1 and "still failing" in result.output
    assert store.cursor(engine, "hook").position == 0  # type: ignore[union-attr]


def _tracklens(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "app", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def test_sigkill_mid_batch_then_restart_loses_nothing(db_url: str, engine: Engine, tmp_path: Path) -> None:
    n, batch = 60, 5
    store_messages(engine, [track(i, price=i) for i in range(n)])
    slow = Receiver(delay=0.15).start()
    try:
        file = write_destinations(tmp_path / "d.json",
                                  [{"name": "hook", "type": "webhook", "url": slow.url, "batch": batch}])
        first = _tracklens("forward", "--db", db_url, "--destinations", str(file), "--follow")
        deadline = time.monotonic() + 60
        while slow.arrived < 4 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.005)
        assert slow.arrived >= 4, first.stdout.read() if first.stdout else ""
        first.kill()  # SIGKILL while the receiver holds the 4th batch (answer delayed by 0.15 s)
        assert first.wait(30) == -9
        killed_at = len(slow.hits)
        assert killed_at < n // batch
        second = _tracklens("forward", "--db", db_url, "--destinations", str(file))
        out, _ = second.communicate(timeout=120)
        assert second.returncode == 0, out
        time.sleep(0.3)  # the receiver's handler of the killed request may still be finishing
    finally:
        slow.stop()
    delivered = [m["messageId"] for m in slow.delivered()]
    expected = [f"m-{i:05d}" for i in range(n)]
    assert set(delivered) == set(expected)
    first_seen = list(dict.fromkeys(delivered))
    assert first_seen == expected  # in order
    dupes = sorted(mid for mid, count in Counter(delivered).items() if count > 1)
    # At least once: the batch in flight at the kill arrived twice (its messageIds let a receiver
    # drop the copies), and nothing else did.
    assert 0 < len(dupes) <= batch
    ids = [expected.index(d) for d in dupes]
    assert ids == list(range(ids[0], ids[0] + len(ids)))
    cur = store.cursor(engine, "hook")
    with engine.connect() as conn:
        last_id = conn.execute(select(events.c.id).order_by(events.c.id.desc()).limit(1)).scalar()
    # The cursor counts acknowledged messages only: the killed run's batch was not acknowledged.
    assert cur is not None and cur.delivered == n and cur.position == last_id


def _target_url(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'target.sqlite'}"
    return str(request.getfixturevalue("pg_server").create_database())


def _stored(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(select(events.c.message_id, events.c.type, events.c.event, events.c.user_id,
                                   events.c.anonymous_id, events.c.ts, events.c.properties, event_context.c.context)
                            .select_from(events.outerjoin(event_context, event_context.c.id == events.c.id))
                            .order_by(events.c.id)).all()
    return [tuple(r) for r in rows]


def test_a_collector_forwards_to_another_tracklens_collector(db_url: str, request: pytest.FixtureRequest,
                                                            tmp_path: Path) -> None:
    """Source: `tracklens collect --destinations` as a process; target: a collector as its `segment`
    destination. The target stores exactly the forwarded events."""
    target_url = _target_url(db_url, request, tmp_path)
    with collector_in_thread(target_url) as target:
        file = write_destinations(tmp_path / "d.json", [
            {"name": "other", "type": "segment", "url": target.url, "write_key": WRITE_KEY, "batch": 7,
             "events": ["Order Completed", "Signed Up"]}])
        source = start_process(db_url, tmp_path / "source.log",
                               extra=("--write-key", "src-key", "--destinations", str(file)))
        try:
            batch = [track(i, event="Order Completed" if i % 3 else "Ignored", price=i) for i in range(30)]
            for chunk in (batch[:10], batch[10:]):
                answer = httpx.post(source.url + "/v1/batch", json={"batch": chunk}, auth=("src-key", ""), timeout=30)
                assert answer.status_code == 200, answer.text
            wanted = [m for m in batch if m["event"] == "Order Completed"]
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(_stored(target.engine)) < len(wanted):
                time.sleep(0.1)
        finally:
            stop_process(source)
        from app.core.database import open_database

        source_engine = open_database(db_url)
        try:
            src_rows = [r for r in _stored(source_engine) if r[2] == "Order Completed"]
        finally:
            source_engine.dispose()
        got = _stored(target.engine)
        assert [r[0] for r in got] == [m["messageId"] for m in wanted]
        assert got == src_rows  # ids, type, event, user, anonymous id, ts, properties, context


def test_a_dead_destination_never_slows_the_collector(db_url: str, engine: Engine, tmp_path: Path) -> None:
    """The destination takes the connection and never answers (timeout 30 s): the collector
    still answers every batch at once and stores it, while its forwarder waits."""
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    dead.listen(8)
    dead.settimeout(30)
    file = write_destinations(tmp_path / "d.json", [{"name": "stuck", "type": "webhook", "timeout": 30,
                                                     "url": f"http://127.0.0.1:{dead.getsockname()[1]}/h"}])
    source = start_process(db_url, tmp_path / "source.log",
                           extra=("--write-key", WRITE_KEY, "--destinations", str(file)))
    held: list[socket.socket] = []
    seconds: list[float] = []
    try:
        for k in range(8):
            started = time.monotonic()
            answer = httpx.post(source.url + "/v1/batch", json={"batch": [track(k * 10 + i, price=i) for i in range(10)]},
                                auth=(WRITE_KEY, ""), timeout=60)
            assert answer.status_code == 200, answer.text
            if held:  # the forwarder is waiting for the dead destination's answer
                seconds.append(time.monotonic() - started)
            else:
                held.append(dead.accept()[0])  # the forwarder's request for the first batch arrived
    finally:
        for held_conn in held:  # then refused: the forwarder waits to retry, which the stop interrupts
            held_conn.close()
        dead.close()
        stop_process(source)
    assert len(seconds) == 7 and max(seconds) < 10, seconds
    with engine.connect() as db:
        assert len(db.execute(select(events.c.id)).all()) == 80
    cur = store.cursor(engine, "stuck")
    assert cur is not None and cur.delivered == 0


def _people(engine: Engine) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        ids = conn.execute(select(identities.c.distinct_id, identities.c.person).order_by(identities.c.distinct_id)).all()
        people = conn.execute(select(users.c.id, users.c.traits, users.c.email).order_by(users.c.id)).all()
    return [tuple(r) for r in ids], [tuple(r) for r in people]


def test_identities_merge_on_the_receiving_collector(db_url: str, engine: Engine, request: pytest.FixtureRequest,
                                                     tmp_path: Path) -> None:
    """Every message type goes to a `segment` destination (identify, group and alias included):
    a Tracklens collector receiving them stores the same events and merges the same identities."""
    target_url = _target_url(db_url, request, tmp_path)
    sent = mixed_messages(36)
    with collector_in_thread(target_url) as target:
        file = write_destinations(tmp_path / "d.json", [
            {"name": "other", "type": "segment", "url": target.url, "write_key": WRITE_KEY}])
        source = start_process(db_url, tmp_path / "source.log",
                               extra=("--write-key", "src-key", "--destinations", str(file)))
        try:
            answer = httpx.post(source.url + "/v1/batch", json={"batch": sent}, auth=("src-key", ""), timeout=30)
            assert answer.status_code == 200, answer.text
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(_stored(target.engine)) < len(_stored(engine)):
                time.sleep(0.1)
        finally:
            stop_process(source)
        got, want = _stored(target.engine), _stored(engine)
        assert {r[1] for r in want} >= {"track", "page", "identify"} and len(want) >= 30
        assert got == want
        assert _people(target.engine) == _people(engine)
