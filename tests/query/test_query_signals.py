"""SIGTERM on `tracklens query` cancels the running statement in the database, as Ctrl-C does,
and exits with status 143: a killed command leaves nothing running in the server (issue 18).

The slow statement comes from the test-only "test_slow" kind (tests/query/test_cancel.py:
`pg_sleep(60)` on PostgreSQL, a long recursive CTE on SQLite), loaded into a real
`tracklens query` process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from tests.support.processes import skip_if_one_process_per_database

ROOT = Path(__file__).parents[2]
SCRIPT = "import tests.query.test_cancel; from app.cli.main import cli; cli(prog_name='tracklens')"
SLOW = "SELECT pg_sleep(60)"


def _start(db_url: str, folder: Path) -> subprocess.Popen[str]:
    spec = folder / "slow.json"
    spec.write_text('{"kind": "test_slow"}', encoding="utf-8")
    return subprocess.Popen([sys.executable, "-c", SCRIPT, "query", "--db", db_url, "--spec", str(spec)], cwd=ROOT,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT),
                                 "TRACKLENS_TEST_SLOW_STARTED": str(folder / "started")})


def _running(admin: Engine, database: str) -> list[tuple[str, str]]:
    with admin.connect() as conn:
        rows = conn.execute(text("SELECT state, query FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()"),
                            {"db": database}).all()
    return [(r[0], r[1]) for r in rows]


def _wait(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_sigterm_cancels_the_running_statement(engine: Engine, db_url: str, tmp_path: Path) -> None:
    skip_if_one_process_per_database(db_url)
    postgres = engine.dialect.name == "postgresql"
    admin = create_engine(db_url.rsplit("/", 1)[0] + "/postgres") if postgres else None
    database = db_url.rsplit("/", 1)[1]
    proc = _start(db_url, tmp_path)
    try:
        if admin is not None:
            assert _wait(lambda: ("active", SLOW) in _running(admin, database), 30), proc.stderr
        else:
            # the recursive CTE runs far longer than this; wait until it started (a loaded
            # machine may need seconds to start Python and import the app)
            assert _wait(lambda: (tmp_path / "started").exists(), 60), proc.stderr
            time.sleep(0.3)
        assert proc.poll() is None, "the query ended before it was signalled"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 143
    assert err.strip().splitlines() == ["Error: terminated (SIGTERM): the query was cancelled"]
    if admin is not None:
        # nothing left: the statement was cancelled and its connection closed (the fixture's own
        # pooled connection may sit idle)
        assert _wait(lambda: all(q != SLOW for _, q in _running(admin, database)), 10), _running(admin, database)
        admin.dispose()


@pytest.mark.postgres
def test_sigint_still_cancels(pg_server: object, tmp_path: Path) -> None:
    """Ctrl-C keeps its behaviour: cancelled, status 1."""
    from app.core.database import open_database

    url = pg_server.create_database()  # type: ignore[attr-defined]
    open_database(url).dispose()
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres")
    database = url.rsplit("/", 1)[1]
    proc = _start(url, tmp_path)
    try:
        assert _wait(lambda: ("active", SLOW) in _running(admin, database), 30)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 1 and err.strip() == "Error: cancelled"
    assert _wait(lambda: all(q != SLOW for _, q in _running(admin, database)), 10), _running(admin, database)
    admin.dispose()
