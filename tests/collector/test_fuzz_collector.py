"""Fuzzing the collector over HTTP (issue 18): hostile batches, single calls and raw bytes.

Invariants: never a 5xx; the answer is JSON that says exactly which messages were refused;
acknowledged = stored (every message not refused is in the database); a good message is never
lost because of a bad neighbour. Runs on SQLite, PostgreSQL and chDB; short budget in CI,
TRACKLENS_FUZZ_EXAMPLES=5000 for a long run.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.core.schema import events
from tests.collector.harness import WRITE_KEY, ThreadCollector, collector_in_thread
from tests.support.hostile import CORPUS, FUZZ_EXAMPLES, good_message, hostile_messages, json_values, messages

FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres),
                                        pytest.param("clickhouse", marks=pytest.mark.clickhouse)])
def fuzz_collector(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                   ) -> Iterator[tuple[ThreadCollector, httpx.Client]]:
    """One collector per database for the whole module: examples use fresh message ids."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'events.sqlite'}"
    elif request.param == "clickhouse":
        from tests.conftest import chdb_url

        url = chdb_url(request.getfixturevalue("chdb_folder"))
    else:
        url = request.getfixturevalue("pg_server").create_database()
    with collector_in_thread(url) as running, httpx.Client(base_url=running.url, auth=(WRITE_KEY, ""),
                                                           timeout=60) as http:
        yield running, http


def _stored(running: ThreadCollector, ids: list[str]) -> set[str]:
    with running.engine.connect() as conn:
        return set(conn.scalars(select(events.c.message_id).where(events.c.message_id.in_(ids))))


def _encode(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=True).encode("ascii")


def _check_batch(fuzz_collector: tuple[ThreadCollector, httpx.Client], raw_messages: list[bytes],
                 gzipped: bool = False) -> None:
    running, http = fuzz_collector
    first, last = good_message("first"), good_message("last")
    parts = [_encode(first), *raw_messages, _encode(last)]
    body = b'{"batch": [' + b", ".join(parts) + b"]}"
    headers = {"Content-Type": "application/json"}
    if gzipped:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    response = http.post("/v1/batch", content=body, headers=headers)
    assert response.status_code < 500, response.text
    answer = response.json()
    if len(body) > 500 * 1024 and response.status_code == 413:
        return
    assert response.status_code == 200, answer
    rejected = {r["index"]: r for r in answer["rejected"]}
    assert all(r["reason"] for r in rejected.values())
    assert answer["accepted"] + len(rejected) == len(parts)
    assert 0 not in rejected and len(parts) - 1 not in rejected
    # Acknowledged = stored: each accepted message with a usable id is in the database.
    ids = [json.loads(p).get("messageId") for p in [parts[0], parts[-1]]]
    for index, raw in enumerate(parts[1:-1], start=1):
        if index in rejected:
            continue
        try:
            message = json.loads(raw)
        except ValueError:
            continue  # e.g. a 5,000-digit integer: refused above anyway
        message_id = message.get("messageId") if isinstance(message, dict) else None
        if isinstance(message_id, str) and message_id.strip() and message_id.isprintable():
            ids.append(message_id.strip())
    assert _stored(running, ids) == set(ids)


@pytest.mark.parametrize("raw", CORPUS, ids=[f"corpus{i}" for i in range(len(CORPUS))])
def test_the_corpus_of_past_failures_costs_at_most_its_message(
    fuzz_collector: tuple[ThreadCollector, httpx.Client], raw: str,
) -> None:
    _check_batch(fuzz_collector, [raw.encode("ascii")])


@FUZZ
@given(batch=st.lists(st.one_of(messages.map(_encode), json_values.map(_encode),
                                st.sampled_from(CORPUS).map(str.encode)), min_size=1, max_size=6),
       gzipped=st.booleans())
def test_hostile_batches_never_get_a_5xx_and_good_messages_survive(
    fuzz_collector: tuple[ThreadCollector, httpx.Client], batch: list[bytes], gzipped: bool,
) -> None:
    _check_batch(fuzz_collector, batch, gzipped)


@FUZZ
@given(path=st.sampled_from(["track", "t", "identify", "page", "screen", "group", "alias", "batch", "import"]),
       message=hostile_messages.filter(lambda m: not isinstance(m, dict) or all(
           type(v).__name__ != "OversizedNumber" for v in m.values())))
def test_hostile_single_calls_never_get_a_5xx(fuzz_collector: tuple[ThreadCollector, httpx.Client], path: str,
                                              message: Any) -> None:
    _running, http = fuzz_collector
    try:
        body = _encode(message)
    except TypeError:  # an OversizedNumber nested deeper: not sendable as JSON text
        return
    response = http.post(f"/v1/{path}", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code < 500, response.text
    answer = response.json()
    assert answer.get("success") is True or (answer["code"] and answer["message"])


@FUZZ
@given(body=st.binary(max_size=300), content_type=st.sampled_from(["application/json", "text/plain", "", "x/y"]),
       encoding=st.sampled_from(["", "gzip", "br"]),
       authorization=st.one_of(st.just(None), st.binary(max_size=30),
                               st.binary(max_size=20).map(lambda b: b"Basic " + b)))
def test_raw_bytes_and_headers_never_get_a_5xx(fuzz_collector: tuple[ThreadCollector, httpx.Client],
                                               body: bytes, content_type: str, encoding: str,
                                               authorization: bytes | None) -> None:
    running, _http = fuzz_collector
    headers: dict[str, str | bytes] = {"Content-Type": content_type, "Content-Encoding": encoding}
    if authorization is not None:
        headers["Authorization"] = authorization.strip().replace(b"\r", b"").replace(b"\n", b"")
    try:
        response = httpx.post(running.url + "/v1/batch", content=body,
                              headers={k: v for k, v in headers.items() if v}, timeout=60)
    except httpx.LocalProtocolError:
        return  # httpx itself refuses to send such a header
    assert response.status_code < 500, response.text
    assert response.json()["code" if response.status_code >= 400 else "success"]
