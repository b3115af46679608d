"""Never lose an acknowledged event: database outages, SIGKILL and SIGTERM of the collector process."""

from __future__ import annotations

import itertools
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from app.core.database import open_database
from app.core.schema import events
from tests.collector.conftest import stored_ids
from tests.collector.harness import WRITE_KEY, collector_in_thread, start_process, stop_process
from tests.collector.messages import track
from tests.support.postgres import PostgresServer, postgres_server
from tests.support.processes import skip_if_one_process_per_database


def _all_ids(db_url: str) -> set[str]:
    engine = open_database(db_url)
    try:
        with engine.connect() as conn:
            return {row[0] for row in conn.execute(select(events.c.message_id))}
    finally:
        engine.dispose()


#: uvicorn re-raises the stop signal after its graceful shutdown, so a clean stop may end "by SIGTERM".
_CLEAN_EXIT = (0, -signal.SIGTERM)


class Load:
    """Clients posting batches of fresh messages until stopped; remembers what got a 2xx."""

    def __init__(self, url: str, clients: int = 4, batch: int = 50) -> None:
        self.url = url
        self.batch = batch
        self.acked: set[str] = set()
        self.acked_at: list[float] = []
        self.failures = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ids = itertools.count()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(clients)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def _run(self, n: int) -> None:
        with httpx.Client(auth=(WRITE_KEY, ""), timeout=10) as http:
            while not self._stop.is_set():
                with self._lock:
                    ids = [f"load-{n}-{next(self._ids)}" for _ in range(self.batch)]
                batch = [{"type": "track", "event": "Loaded", "anonymousId": f"anon-{n}", "messageId": i}
                         for i in ids]
                try:
                    response = http.post(self.url + "/v1/batch", json={"batch": batch})
                except httpx.HTTPError:
                    with self._lock:
                        self.failures += 1
                    time.sleep(0.02)
                    continue
                with self._lock:
                    if 200 <= response.status_code < 300:
                        self.acked.update(ids)
                        self.acked_at.append(time.monotonic())
                    else:
                        self.failures += 1

    def acked_count(self) -> int:
        with self._lock:
            return len(self.acked)

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.acked_count() < count:
            assert time.monotonic() < deadline, f"only {self.acked_count()} messages acknowledged"
            time.sleep(0.02)


@pytest.mark.slow
def test_sigkill_during_load_loses_no_acknowledged_message(db_url: str, tmp_path: Path) -> None:
    skip_if_one_process_per_database(db_url)  # the collector runs as a second process
    log = tmp_path / "collector.log"
    running = start_process(db_url, log)
    port = int(running.url.rsplit(":", 1)[1])
    with Load(running.url) as load:
        load.wait_for(2_000)
        running.signal(signal.SIGKILL)
        assert running.wait(10) == -signal.SIGKILL
        before_restart = load.acked_count()
        restarted = start_process(db_url, log, port=port)
        load.wait_for(before_restart + 1_000)
    assert stop_process(restarted) in _CLEAN_EXIT, restarted.log()
    stored = _all_ids(db_url)
    missing = load.acked - stored
    assert not missing, f"{len(missing)} acknowledged messages lost, e.g. {sorted(missing)[:3]}"
    assert load.failures > 0  # the kill really hit clients mid-run


@pytest.mark.slow
def test_sigterm_finishes_in_flight_requests_and_exits_cleanly(sqlite_url: str, tmp_path: Path) -> None:
    log = tmp_path / "collector.log"
    running = start_process(sqlite_url, log)
    with Load(running.url, clients=6) as load:
        load.wait_for(1_000)
        running.signal(signal.SIGTERM)
        code = running.wait(60)
    assert code in _CLEAN_EXIT, running.log()
    text = running.log()
    assert "Traceback" not in text
    # The lifespan shutdown (which commits whatever is still queued) ran to its end.
    assert "Application shutdown complete" in text
    assert "Finished server process" in text
    stored = _all_ids(sqlite_url)
    assert load.acked <= stored


@pytest.fixture
def own_pg() -> Iterator[PostgresServer]:
    """A private PostgreSQL server this test may stop and start (the shared one must stay up)."""
    try:
        with postgres_server() as server:
            yield server
    except RuntimeError as exc:
        pytest.skip(str(exc))


@pytest.mark.slow
@pytest.mark.postgres
def test_database_down_is_503_and_the_collector_reconnects_by_itself(own_pg: PostgresServer) -> None:
    url = own_pg.create_database()
    with collector_in_thread(url) as running, httpx.Client(base_url=running.url, auth=(WRITE_KEY, "")) as http:
        before = track()
        assert http.post("/v1/track", json=before).status_code == 200
        own_pg.stop()
        during = track()
        refused = http.post("/v1/track", json=during)
        assert refused.status_code == 503
        assert refused.json()["code"] == "database_unavailable"
        assert int(refused.headers["Retry-After"]) > 0
        assert http.get("/health").status_code == 503
        own_pg._run(str(own_pg.bin_dir / "pg_ctl"), "-D", str(own_pg.datadir), "-o",
                    f"-p {own_pg.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={own_pg.base}",
                    "-l", str(own_pg.base / "server.log"), "-w", "-t", "60", "start")
        # The client's retry of the refused request now succeeds, on a fresh connection.
        assert http.post("/v1/track", json=during).status_code == 200
        assert http.get("/health").status_code == 200
        assert sorted(stored_ids(running.engine)) == sorted([before["messageId"], during["messageId"]])
