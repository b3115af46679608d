"""Fuzzing the ingestion core and the importer with hostile messages and files (issue 18).

Invariants: validation never raises (every message is stored, a duplicate, or rejected with a
reason), what validation lets through the database always accepts (no DataError on PostgreSQL,
so no transaction is lost to a bad neighbour), and a good message is always stored whatever
surrounds it. A short budget runs in CI; TRACKLENS_FUZZ_EXAMPLES=5000 runs a long one.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from app.core.schema import events
from app.ingest.importer import import_files
from app.ingest.jsonread import loads
from app.ingest.writer import EventWriter
from tests.support.hostile import CORPUS, FUZZ_EXAMPLES, good_message, hostile_messages, messages

FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])


def _stored(engine: Engine, message_ids: list[str]) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(select(events.c.message_id).where(events.c.message_id.in_(message_ids))))


def _check_write(writer: EventWriter, batch: list[Any]) -> None:
    first, last = good_message("first"), good_message("last")
    result = writer.write([first, *batch, last])  # raises if the database refused anything
    assert result.received == len(batch) + 2
    assert all(r.reason and isinstance(r.reason, str) for r in result.rejected)
    assert 0 not in {r.index for r in result.rejected} and len(batch) + 1 not in {r.index for r in result.rejected}
    assert _stored(writer.engine, [first["messageId"], last["messageId"]]) == {
        first["messageId"], last["messageId"]}


@pytest.mark.parametrize("raw", CORPUS, ids=[f"corpus{i}" for i in range(len(CORPUS))])
def test_the_corpus_of_past_failures_costs_at_most_its_message(engine: Engine, raw: str) -> None:
    _check_write(EventWriter(engine), [loads(raw)])


@FUZZ
@given(batch=st.lists(hostile_messages, min_size=1, max_size=6))
def test_hostile_batches_never_break_the_writer(engine: Engine, batch: list[Any]) -> None:
    _check_write(EventWriter(engine), batch)


def _line(message: Any) -> bytes:
    # Lone surrogates leave as \\u escapes, NaN as the bare word: what a sloppy exporter writes.
    return json.dumps(message, ensure_ascii=True).encode("ascii")


_junk_lines = st.one_of(
    st.binary(max_size=60).filter(lambda b: b"\n" not in b and b"\r" not in b),
    st.sampled_from([b"{", b"[", b'{"batch": 5}', b'{"batch": [1, "x", null]}', b"\xef\xbb\xbf{}", b"null"]),
)


@FUZZ
@given(lines=st.lists(st.one_of(messages.map(_line), _junk_lines, st.sampled_from(CORPUS).map(str.encode)),
                      min_size=1, max_size=8))
def test_hostile_files_never_break_the_importer(tmp_path_factory: pytest.TempPathFactory, sqlite_url: str,
                                                lines: list[bytes]) -> None:
    from app.core.database import open_database

    first, last = good_message("first"), good_message("last")
    path = tmp_path_factory.mktemp("fuzz") / "hostile.jsonl"
    path.write_bytes(b"\n".join([_line(first), *lines, _line(last)]) + b"\n")
    engine = open_database(sqlite_url)
    try:
        summary = import_files(EventWriter(engine, enrich=False), [path])
        assert summary.stored >= 2
        assert all(p.reason for p in summary.problems)
        assert _stored(engine, [first["messageId"], last["messageId"]]) == {first["messageId"], last["messageId"]}
    finally:
        engine.dispose()
