"""What a prepared batch costs on its way from a worker process to the storing one.

Two things that the worker's CPU per event and its memory depend on, and that must never change
what is stored (docs/benchmarks/clickhouse.md, "The import's worker: each message validated as
it is read"):
- the importer validates each message as soon as it is read, so a chunk of lines being
  prepared holds its records, not also every parsed message;
- the records of one batch share one string for equal JSON texts, event names and ids, which
  pickle writes once: a session's events cross from the worker in fewer bytes.
Hypothesis compares both with the straightforward way (every message parsed first, each
normalised alone) on well-formed, nearly well-formed and hostile messages.
"""

from __future__ import annotations

import gc
import pickle
import tracemalloc
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from unittest import mock

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.ingest import writer
from app.ingest.importer import Problem, _prepare_items, _prepare_lines
from app.ingest.messages import InvalidMessage, normalize
from app.ingest.workers import to_rows
from app.ingest.writer import prepare_messages
from tests.support.hostile import FUZZ_EXAMPLES, hostile_messages, json_values

SETTINGS = settings(max_examples=max(FUZZ_EXAMPLES * 4, 100), deadline=None, derandomize=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
#: 2026-11-01T00:00:00Z, when the file "arrived"; times below are before it.
NOW = 1_793_491_200_000

_clean = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp", "Cf")),
                 min_size=1, max_size=30)
_context = st.fixed_dictionaries({
    "ip": st.sampled_from(["169.138.55.34", "10.0.0.1", "2001:db8::1"]),
    "userAgent": st.sampled_from([
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"]),
    "library": st.just({"name": "analytics.js", "version": "next-1.70.0"}),
}, optional={
    "page": st.fixed_dictionaries({}, optional={
        "path": st.sampled_from(["/", "/blog/x"]), "referrer": st.sampled_from(["", "https://www.reddit.com/r/Coffee/"]),
        "title": _clean, "url": st.just("https://brewline.example/"), "search": st.just("")}),
    "traits": st.dictionaries(_clean, json_values, max_size=3),
})
_times = st.one_of(st.integers(1_700_000_000_000, NOW), st.sampled_from(
    ["2026-10-01T10:00:00Z", "2026-10-01T12:00:00.250+02:00", "2026-10-31 23:59:59"]))
_well_formed = st.fixed_dictionaries({
    "type": st.sampled_from(["track", "track", "page", "screen", "identify", "group", "alias"]),
    "messageId": _clean,
    "anonymousId": st.sampled_from(["anon-1", "anon-2", "752692cb-bbaa-4e51-a6ad-5f6f8752dd1a"]),
    "timestamp": _times,
    "context": _context,
    "event": st.sampled_from(["Product Clicked", "Order Completed", "Sign Up"]),
    "previousId": st.sampled_from(["anon-1", "old"]),
    "groupId": st.sampled_from(["g-1", "g-2"]),
}, optional={
    "userId": st.sampled_from(["user-1", "user-2"]),
    "name": _clean,
    "category": _clean,
    "receivedAt": _times,
    "originalTimestamp": _times,
    "sentAt": _times,
    "properties": st.dictionaries(_clean, json_values, max_size=4),
    "traits": st.dictionaries(_clean, json_values, max_size=3),
})
#: A well-formed message with one field replaced by something hostile (or dropped).
_fields = ["type", "messageId", "anonymousId", "userId", "event", "timestamp", "receivedAt", "sentAt",
           "context", "properties", "traits", "name", "previousId", "groupId"]
_nearly = st.builds(
    lambda message, key, value, drop: ({k: v for k, v in message.items() if k != key} if drop
                                       else {**message, key: value}),
    _well_formed, st.sampled_from(_fields), hostile_messages, st.booleans())
#: A session: messages sharing their context and ids, as an export holds them.
_session = st.lists(_well_formed, min_size=1, max_size=6).map(
    lambda ms: [{**m, "context": ms[0]["context"], "anonymousId": ms[0]["anonymousId"]} for m in ms])
any_messages = st.lists(st.one_of(_well_formed, _nearly, hostile_messages, _session), min_size=1,
                        max_size=12).map(lambda parts: [m for p in parts for m in (p if isinstance(p, list) else [p])])


def _alone(message: Any) -> Any:
    """normalize's answer for one message on its own: its record, or its reason and id."""
    try:
        return normalize(message, NOW, arrived_now=False)
    except InvalidMessage as exc:
        return ("rejected", exc.reason, exc.message_id)


@SETTINGS
@given(batch=any_messages)
def test_records_sharing_texts_are_the_records_of_each_message_alone(batch: list[Any]) -> None:
    texts: dict[str, str] = {}
    shared = []
    for message in batch:
        try:
            shared.append(normalize(message, NOW, arrived_now=False, texts=texts))
        except InvalidMessage as exc:
            shared.append(("rejected", exc.reason, exc.message_id))
    assert shared == [_alone(m) for m in batch]


def _items(batch: list[Any], unreadable_at: set[int]) -> list[tuple[int, Any]]:
    return [(line, ValueError(f"invalid JSON on {line}") if line in unreadable_at else message)
            for line, message in enumerate(batch, start=1)]


def _all_read_first(items: list[tuple[int, Any]], chunk: int, name: str) -> list[Any]:
    """The batches as they were made before: every message of a chunk read, then all prepared."""
    batches, messages, numbers, unreadable = [], [], [], []

    def prepared() -> Any:
        records, result = prepare_messages(messages, None, arrived_now=False)
        problems = unreadable + [Problem(name, numbers[r.index], r.reason) for r in result.rejected]
        return records, result, sorted(problems, key=lambda p: p.line)
    for line, message in items:
        if isinstance(message, Exception):
            unreadable.append(Problem(name, line, str(message)))
            continue
        messages.append(message)
        numbers.append(line)
        if len(messages) >= chunk:
            batches.append(prepared())
            messages, numbers, unreadable = [], [], []
    if messages or unreadable:
        batches.append(prepared())
    return batches


def _comparable(batches: list[Any]) -> list[Any]:
    return [(records, (result.stored, result.duplicates, result.rejected), problems)
            for records, result, problems in batches]


class _Clock(datetime):
    """The moment a batch is prepared (a message's time when it has none), the same for both ways."""

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return datetime.fromtimestamp(NOW / 1000, tz)


@SETTINGS
@given(batch=any_messages, chunk=st.integers(1, 5), unreadable=st.sets(st.integers(1, 12), max_size=3),
       read_error=st.booleans())
def test_validating_each_message_as_it_is_read_makes_the_same_batches(
        batch: list[Any], chunk: int, unreadable: set[int], read_error: bool) -> None:
    items = _items(batch, unreadable)
    with mock.patch.object(writer, "datetime", _Clock):
        expected = _comparable(_all_read_first(items, chunk, "f"))

    def reading() -> Iterator[tuple[int, Any]]:
        yield from items
        if read_error:
            raise OSError("the file was cut")
    got = []
    with mock.patch.object(writer, "datetime", _Clock):
        if read_error:
            with pytest.raises(OSError, match="cut"):
                for prepared in _prepare_items(None, reading(), chunk, "f"):
                    got.append(prepared)
        else:
            got = list(_prepare_items(None, reading(), chunk, "f"))
    assert _comparable(got) == expected


def _demo_lines(n: int) -> list[bytes]:
    """n events of a few web sessions, as a demo export holds them (a ~450-byte context each)."""
    lines = []
    for i in range(n):
        session = i // 20
        lines.append(orjson.dumps({
            "type": "track", "messageId": f"m-{i}", "anonymousId": f"anon-{session}",
            "event": ("Product Viewed", "Product Clicked", "Cart Viewed")[i % 3],
            "timestamp": 1_785_719_000_796 + i * 1000, "properties": {"product_id": f"p-{i % 7}", "price": 45.0},
            "context": {"ip": f"169.138.55.{session % 250}", "locale": "en-SG", "timezone": "Asia/Singapore",
                        "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
                                     "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
                        "library": {"name": "analytics.js", "version": "next-1.70.0"},
                        "page": {"path": "/blog/dialing-in-espresso", "referrer": "https://www.reddit.com/r/Coffee/",
                                 "title": "Dialing in espresso – Brewline blog",
                                 "url": "https://brewline.example/blog/dialing-in-espresso"}}}) + b"\n")
    return lines


def test_a_chunk_of_lines_being_prepared_holds_its_records_not_every_parsed_message() -> None:
    lines = _demo_lines(2000)
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        batches = _prepare_lines(None, lines, 1, len(lines), "export.jsonl")
        kept, peak = (size - start for size in tracemalloc.get_traced_memory())
    finally:
        tracemalloc.stop()
    assert sum(len(records) for records, _result, _problems in batches) == 2000
    # Parsing the whole chunk first held every message's dicts beside the records: a peak of ~3x
    # what the batch keeps (a worker's memory, and its time allocating and freeing them).
    assert peak < 1.5 * kept, (peak, kept)


def test_a_sessions_events_cross_from_a_worker_sharing_their_texts() -> None:
    lines = _demo_lines(1000)
    [(records, result, problems)] = _prepare_lines(None, lines, 1, len(lines), "export.jsonl")
    assert (len(records), result.rejected, problems) == (1000, [], [])
    handed_over = len(pickle.dumps(to_rows(records), protocol=pickle.HIGHEST_PROTOCOL)) / len(records)
    one_by_one = sum(len(pickle.dumps(to_rows([r]), protocol=pickle.HIGHEST_PROTOCOL)) for r in records) / len(records)
    # Each event's ~450-byte context and its session's ids were written once per event (~580 bytes).
    assert handed_over < 0.4 * one_by_one, (handed_over, one_by_one)
    assert [orjson.loads(r.context_json)["ip"] for r in records[::20]] == [
        f"169.138.55.{s}" for s in range(50)]
