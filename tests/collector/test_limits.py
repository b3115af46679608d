"""Segment's documented limits: 32 KB per message, 500 KB per request (after gzip), 2,500 messages."""

from __future__ import annotations

import gzip
import json
import tracemalloc
import zlib

import httpx
import pytest

from app.collector.body import GzipReader
from app.collector.errors import CollectorError
from app.collector.limits import MAX_BATCH_MESSAGES, MAX_REQUEST_BYTES
from tests.collector.conftest import stored_ids
from tests.collector.harness import ThreadCollector
from tests.collector.messages import track


def _gzip_bomb(megabytes: int) -> bytes:
    """`megabytes` MB of a JSON-looking prefix and spaces, gzipped to a few hundred KB at most."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [packer.compress(b'{"batch": [')]
    block = b" " * (1 << 20)
    parts.extend(packer.compress(block) for _ in range(megabytes))
    parts.append(packer.compress(b"]}"))
    parts.append(packer.flush())
    return b"".join(parts)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return _gzip_bomb(100)


def test_a_message_over_32_kb_is_rejected_and_its_batch_neighbours_stored(
    client: httpx.Client, sqlite_collector: ThreadCollector,
) -> None:
    small = track()
    big = track(properties={"blob": "x" * (33 * 1024)})
    response = client.post("/v1/batch", json={"batch": [small, big]})
    assert response.status_code == 200
    [rejection] = response.json()["rejected"]
    assert rejection["index"] == 1
    assert rejection["messageId"] == big["messageId"]
    assert "32 KB" in rejection["reason"]
    assert stored_ids(sqlite_collector.engine) == [small["messageId"]]


def test_a_single_call_over_32_kb_is_refused(client: httpx.Client, sqlite_collector: ThreadCollector) -> None:
    response = client.post("/v1/track", json=track(properties={"blob": "x" * (33 * 1024)}))
    assert response.status_code == 400
    assert "32 KB" in response.json()["message"]
    assert stored_ids(sqlite_collector.engine) == []


def test_a_message_just_under_32_kb_is_stored(client: httpx.Client, sqlite_collector: ThreadCollector) -> None:
    response = client.post("/v1/track", json=track(properties={"blob": "x" * (31 * 1024)}))
    assert response.status_code == 200
    assert len(stored_ids(sqlite_collector.engine)) == 1


def test_a_request_over_500_kb_is_413(client: httpx.Client, sqlite_collector: ThreadCollector) -> None:
    batch = [track(properties={"blob": "x" * (20 * 1024)}) for _ in range(26)]
    body = json.dumps({"batch": batch}).encode()
    assert len(body) > MAX_REQUEST_BYTES
    response = client.post("/v1/batch", content=body)
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert stored_ids(sqlite_collector.engine) == []


def test_a_request_just_under_500_kb_is_accepted(client: httpx.Client, sqlite_collector: ThreadCollector) -> None:
    batch = [track(properties={"blob": "x" * (20 * 1024)}) for _ in range(24)]
    body = json.dumps({"batch": batch}).encode()
    assert len(body) < MAX_REQUEST_BYTES
    assert client.post("/v1/batch", content=body).status_code == 200
    assert len(stored_ids(sqlite_collector.engine)) == 24


def test_the_500_kb_limit_counts_decompressed_bytes(client: httpx.Client, sqlite_collector: ThreadCollector) -> None:
    # Highly compressible: ~600 KB of JSON gzips to a few KB, and must still be refused.
    batch = [track(properties={"blob": "a" * (20 * 1024)}) for _ in range(30)]
    body = gzip.compress(json.dumps({"batch": batch}).encode())
    assert len(body) < 50_000
    response = client.post("/v1/batch", content=body, headers={"Content-Encoding": "gzip"})
    assert response.status_code == 413
    assert stored_ids(sqlite_collector.engine) == []


def test_a_gzip_bomb_is_cut_off_without_inflating_it(client: httpx.Client, bomb: bytes) -> None:
    # 100 MB inflated; the collector must stop at 500 KB, not allocate the lot.
    assert len(bomb) < MAX_REQUEST_BYTES
    tracemalloc.start()
    try:
        response = client.post("/v1/batch", content=bomb, headers={"Content-Encoding": "gzip"})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert peak < 20 * 1024 * 1024


def test_the_gzip_reader_stops_inflating_at_the_limit(bomb: bytes) -> None:
    reader = GzipReader(limit=1000)
    with pytest.raises(CollectorError) as caught:
        for start in range(0, len(bomb), 4096):
            reader.feed(bomb[start:start + 4096])
    assert caught.value.status == 413
    # It gave up on the first chunk, which alone inflates to far more than the limit.
    assert start == 0


def test_2500_messages_pass_and_2501_are_refused(client: httpx.Client, sqlite_collector: ThreadCollector) -> None:
    full = [{"type": "track", "event": "e", "anonymousId": "a", "messageId": f"full-{i}"}
            for i in range(MAX_BATCH_MESSAGES)]
    response = client.post("/v1/batch", json={"batch": full})
    assert response.status_code == 200
    assert response.json()["accepted"] == MAX_BATCH_MESSAGES
    over = [{"type": "track", "event": "e", "anonymousId": "a", "messageId": f"over-{i}"}
            for i in range(MAX_BATCH_MESSAGES + 1)]
    refused = client.post("/v1/batch", json={"batch": over})
    assert refused.status_code == 413
    assert refused.json()["code"] == "batch_too_large"
    assert len(stored_ids(sqlite_collector.engine)) == MAX_BATCH_MESSAGES
