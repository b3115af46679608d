"""A database the collector reaches but that refuses its writes (a role that may only read, a
full disk): every request was answered 503 "retry later" — nothing is lost, the clients keep
their events — while GET /health said "ok", so no monitor or load balancer could tell."""

from __future__ import annotations

import httpx
import pytest

from app.core.database import open_database
from tests.cli.roles import select_only_url
from tests.collector.harness import WRITE_KEY, collector_in_thread
from tests.collector.messages import track
from tests.support.postgres import PostgresServer


@pytest.mark.postgres
def test_health_says_the_database_refuses_the_writes(pg_server: PostgresServer) -> None:
    url = pg_server.create_database()
    open_database(url).dispose()  # the schema, made by its owner
    with collector_in_thread(select_only_url(url)) as running, httpx.Client(base_url=running.url) as http:
        assert http.get("/health").status_code == 200  # nothing refused yet
        refused = http.post("/v1/track", json=track(), auth=(WRITE_KEY, ""))
        assert refused.status_code == 503 and int(refused.headers["Retry-After"]) > 0

        stranger = http.get("/health")
        assert stranger.status_code == 503
        assert stranger.json()["message"] == "the database refuses the events"
        insider = http.get("/health", auth=(WRITE_KEY, ""))
        assert insider.status_code == 503 and "permission denied" in insider.json()["message"]


def test_a_refused_commit_shows_for_a_while_then_until_a_commit_succeeds() -> None:
    """Shown for FAILURE_SHOWN_FOR seconds only: a load balancer that stops sending requests to
    a collector whose /health fails would otherwise never let a commit show it recovered."""
    from app.collector.committer import CommitQueue

    queue = CommitQueue(writer=object())  # type: ignore[arg-type]
    assert queue.recent_failure() is None
    queue.last_failure = ("permission denied for table events", 100.0)
    assert queue.recent_failure(within=1e12) == "permission denied for table events"
    assert queue.recent_failure(within=0.001) is None
