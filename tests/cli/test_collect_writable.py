"""`tracklens collect` on a database it can read but not write: it started, said it listened,
and then answered 503 to every batch, so the clients retried forever and nobody was told."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import make_url

from app.core.database import open_database
from tests.cli.roles import select_only_url
from tests.collector.conftest import stored
from tests.collector.harness import REPO, start_process, stop_process
from tests.support.permissions import without_root_powers
from tests.support.ports import free_port
from tests.support.postgres import PostgresServer


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _start(db: str, port: int, prefix: Sequence[str] = ()) -> tuple[str, int, str]:
    """`tracklens collect`'s first line on stderr (its banner once it serves; then it is stopped),
    its exit status and the rest of stderr."""
    process = subprocess.Popen([*prefix, sys.executable, "-m", "app", "collect", "--db", db, "--no-auth",
                                "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=REPO)
    assert process.stderr is not None
    try:
        first = process.stderr.readline()
        if first.startswith("Tracklens collector:"):
            process.send_signal(signal.SIGTERM)
        status = process.wait(60)
        rest = process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        process.stderr.close()
    return first.strip(), status, rest


def test_a_read_only_sqlite_file_is_refused_before_listening(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    open_database(str(path)).dispose()
    path.chmod(0o444)
    port = free_port()
    first, status, rest = _start(str(path), port, without_root_powers())
    # As `import`, `demo` and `materialize` say it (tests/cli/test_db_read_only.py); it said "cannot
    # write to PATH: the file is read-only" in words of its own, without what to do.
    assert first == (f"Error: {path} is read-only: its permissions do not let you write to it; make it writable, "
                     "or work on a copy you can write to"), first + rest
    assert (status, rest) == (1, "")
    assert _port_is_free(port)


def test_the_check_stores_nothing_in_a_writable_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    running = start_process(url, tmp_path / "collector.log")
    stop_process(running)
    engine = open_database(url)
    try:
        assert stored(engine) == []
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_role_that_may_only_read_is_refused_before_listening(pg_server: PostgresServer) -> None:
    url = pg_server.create_database()
    open_database(url).dispose()  # the schema, made by its owner
    reader = select_only_url(url)
    port = free_port()
    first, status, rest = _start(reader, port)
    role, database = make_url(reader).username, make_url(reader).database
    assert re.fullmatch(rf"Error: cannot write to postgresql://{role}@127\.0\.0\.1:\d+/{database}: "
                        "permission denied for table events", first), first + rest
    assert (status, rest) == (1, "")
    assert _port_is_free(port)
