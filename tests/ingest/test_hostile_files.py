"""Import files made to hurt (issue 18): every unreadable line or element is a rejected line with a
reason, the rest of the file is stored, re-runs finish, and memory stays bounded."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli.main import cli
from app.ingest.importer import MAX_LINE_BYTES, import_files
from app.ingest.writer import EventWriter
from tests.ingest.conftest import event_rows

T = TypeVar("T")


def _message(i: int, **fields: Any) -> dict[str, Any]:
    return {"type": "track", "messageId": f"m{i}", "userId": f"user{i % 3}", "event": "Imported",
            "timestamp": "2024-07-01T10:00:00Z", **fields}


def _lines(n: int) -> list[str]:
    return [json.dumps(_message(i)) for i in range(n)]


def _deep(depth: int) -> str:
    return ('{"type": "track", "messageId": "deep", "userId": "u", "event": "E", "properties": {"x": '
            + "[" * depth + "]" * depth + "}}")


@pytest.mark.parametrize("depth", [300, 5_000, 200_000])
def test_a_deeply_nested_line_is_one_rejected_line_and_reruns_finish(tmp_path: Path, engine: Engine,
                                                                     depth: int) -> None:
    lines = _lines(20)
    lines.insert(7, _deep(depth))
    path = tmp_path / "deep.jsonl"
    path.write_text("\n".join(lines) + "\n")
    writer = EventWriter(engine, enrich=False)
    summary = import_files(writer, [path])
    assert (summary.stored, summary.rejected) == (20, 1)
    [problem] = summary.problems
    assert problem.line == 8
    assert "nested" in problem.reason
    again = import_files(writer, [path])
    assert (again.stored, again.duplicates, again.rejected) == (0, 20, 1)


@pytest.mark.parametrize("depth", [300, 5_000])
def test_a_deeply_nested_element_of_a_batch_document_is_skipped(tmp_path: Path, sqlite_url: str,
                                                                 depth: int) -> None:
    from app.core.database import open_database

    elements = _lines(10)
    elements.insert(4, _deep(depth))
    path = tmp_path / "deep.json"
    path.write_text('{"sentAt": "2024-07-01T10:00:00Z",\n "batch": [\n' + ",\n".join(elements) + "\n]}\n")
    engine = open_database(sqlite_url)
    summary = import_files(EventWriter(engine, enrich=False), [path])
    assert (summary.stored, summary.rejected) == (10, 1)
    assert "nested" in summary.problems[0].reason
    assert summary.problems[0].line == 7


def _with_peak(run: Callable[[], T]) -> tuple[T, int]:
    """run()'s result and the peak of Python's allocations while it ran (tracemalloc): what the
    memory-bound tests compare with MAX_LINE_BYTES."""
    tracemalloc.start()
    try:
        result = run()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_huge_line_is_rejected_without_being_held_in_memory(tmp_path: Path, sqlite_url: str) -> None:
    from app.core.database import open_database

    path = tmp_path / "huge.jsonl"
    with path.open("wb") as out:
        out.write(("\n".join(_lines(5)) + "\n").encode())
        out.write(b'{"type": "track", "event": "E", "userId": "u", "properties": {"blob": "')
        for _ in range(60):  # 60 MB on one line
            out.write(b"x" * (1 << 20))
        out.write(b'"}}\n')
        out.write(("\n".join(json.dumps(_message(i)) for i in range(5, 10)) + "\n").encode())
    engine = open_database(sqlite_url)
    summary, peak = _with_peak(lambda: import_files(EventWriter(engine, enrich=False), [path]))
    assert (summary.stored, summary.rejected) == (10, 1)
    assert summary.problems[0].line == 6
    assert "over the 1,048,576-byte limit" in summary.problems[0].reason
    assert peak < 12 * MAX_LINE_BYTES, f"peak {peak / 2**20:.0f} MiB"


def test_a_sparse_file_of_nothing_but_zero_bytes_is_refused_in_bounded_memory(tmp_path: Path,
                                                                             sqlite_url: str) -> None:
    path = tmp_path / "sparse.jsonl"
    with path.open("wb") as out:
        out.truncate(300 << 20)  # 300 MB of NUL bytes, no newline (takes no disk)
    result, peak = _with_peak(lambda: CliRunner().invoke(cli, ["import", "--db", sqlite_url, "--quiet", str(path)]))
    assert "Traceback" not in result.output
    assert "0 stored" in result.output and "1 rejected" in result.output
    assert peak < 12 * MAX_LINE_BYTES, f"peak {peak / 2**20:.0f} MiB"


def test_a_huge_element_of_a_document_is_skipped_and_the_rest_stored(tmp_path: Path, sqlite_url: str) -> None:
    from app.core.database import open_database

    path = tmp_path / "huge.json.gz"
    with gzip.open(path, "wb") as out:
        out.write(b"[\n" + ",\n".join(_lines(3)).encode() + b",\n")
        out.write(b'{"type": "track", "event": "E", "userId": "u", "properties": {"blob": "')
        for _ in range(20):
            out.write(b'ab\\"c{[' * (1 << 17))  # escaped quotes and brackets inside the string
        out.write(b'"}},\n')
        out.write(b"1" * (3 << 20) + b",\n")  # a 3 MB number
        out.write(",\n".join(json.dumps(_message(i)) for i in range(3, 6)).encode() + b"\n]\n")
    engine = open_database(sqlite_url)
    summary, peak = _with_peak(lambda: import_files(EventWriter(engine, enrich=False), [path]))
    assert (summary.stored, summary.rejected) == (6, 2), summary.problems
    assert [p.line for p in summary.problems] == [5, 6]
    assert all("byte limit" in p.reason for p in summary.problems)
    assert [r["message_id"] for r in event_rows(engine)] == [f"m{i}" for i in range(6)]
    assert peak < 16 * MAX_LINE_BYTES, f"peak {peak / 2**20:.0f} MiB"


def test_bad_values_cost_only_their_line(tmp_path: Path, engine: Engine) -> None:
    lines = [
        json.dumps(_message(0)),
        '{"type": "track", "messageId": "nan", "userId": "u", "event": "E", "timestamp": "2024-07-01T10:00:00Z",'
        ' "properties": {"x": NaN, "y": -Infinity}}',
        '{"type": "track", "messageId": "huge", "userId": "u", "event": "E", "properties": {"n": '
        + "7" * 5000 + "}}",
        json.dumps(_message(1, originalTimestamp="9999-12-31T00:00:00Z", sentAt="0001-01-01T00:00:00Z",
                            receivedAt="2024-07-01T10:00:00Z")),
        json.dumps(_message(2, event="Sign\u0000ed")),
        json.dumps(_message(3, userId="x\ud800")).replace("\\\\", "\\"),
        json.dumps(_message(4, timestamp="1970-01-01T00:00:00Z")),
        json.dumps(_message(5, receivedAt="9999-01-01T00:00:00Z")),
        json.dumps(_message(6)),
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    summary = import_files(EventWriter(engine, enrich=False), [path])
    reasons = {p.line: p.reason for p in summary.problems}
    assert summary.stored == 3, reasons
    assert "4,300 digits" in reasons[3]
    assert "outside the accepted window" in reasons[4]
    assert "control character" in reasons[5]
    assert "unpaired surrogate" in reasons[6]
    assert "outside the accepted window" in reasons[7]
    assert "receivedAt" in reasons[8]
    rows = {r["message_id"]: r for r in event_rows(engine)}
    assert set(rows) == {"m0", "nan", "m6"}
    assert rows["nan"]["properties"] == {"x": None, "y": None}


@pytest.mark.parametrize("layout", ["lines", "lines-crlf", "document", "gzip-lines"])
def test_a_byte_order_mark_does_not_cost_the_first_message(tmp_path: Path, sqlite_url: str, layout: str) -> None:
    """Notepad and PowerShell 5 start UTF-8 files with a byte order mark; the first line's message
    was rejected as invalid JSON (new-user defect hunt)."""
    from app.core.database import open_database

    lines = _lines(4)
    body = {"lines": "\n".join(lines) + "\n", "lines-crlf": "\r\n".join(lines) + "\r\n",
            "document": json.dumps({"batch": [json.loads(line) for line in lines]}, indent=2),
            "gzip-lines": "\n".join(lines) + "\n"}[layout]
    data = b"\xef\xbb\xbf" + body.encode()
    path = tmp_path / ("export.jsonl.gz" if layout == "gzip-lines" else "export.jsonl")
    path.write_bytes(gzip.compress(data) if layout == "gzip-lines" else data)
    engine = open_database(sqlite_url)
    try:
        summary = import_files(EventWriter(engine, enrich=False), [path])
        assert (summary.stored, summary.rejected) == (4, 0), summary.problems
        assert [r["message_id"] for r in event_rows(engine)] == ["m0", "m1", "m2", "m3"]
    finally:
        engine.dispose()


def test_a_pretty_printed_single_message_is_imported_or_rejected_never_dropped(tmp_path: Path,
                                                                               sqlite_url: str) -> None:
    """A file holding one message pretty-printed over several lines (a payload copied from a debugger)
    was read as a batch document without "batch": '0 messages, 0 rejected', the message gone."""
    from app.core.database import open_database

    one = tmp_path / "one.json"
    one.write_text(json.dumps(_message(1), indent=2))
    junk = tmp_path / "junk.json"
    junk.write_text(json.dumps({"hello": "world", "n": [1, 2]}, indent=2))
    big = tmp_path / "big.json"
    big.write_text("{\n" + ",\n".join(f'"k{i}": "{"v" * 1000}"' for i in range(3000)) + "\n}\n")
    engine = open_database(sqlite_url)
    try:
        writer = EventWriter(engine, enrich=False)
        summary = import_files(writer, [one])
        assert (summary.stored, summary.rejected) == (1, 0)
        assert [r["message_id"] for r in event_rows(engine)] == ["m1"]
        summary = import_files(writer, [junk])
        assert (summary.stored, summary.rejected) == (0, 1) and summary.problems[0].reason == "missing type"
        summary, peak = _with_peak(lambda: import_files(writer, [big]))
        assert (summary.stored, summary.rejected) == (0, 1)
        assert 'without "batch" over the 1,048,576-byte limit' in summary.problems[0].reason
        assert peak < 8 * MAX_LINE_BYTES, f"peak {peak / 2**20:.0f} MiB"
    finally:
        engine.dispose()


def test_batch_context_reaches_its_messages_in_every_layout_and_never_ends_the_import(tmp_path: Path,
                                                                                      sqlite_url: str) -> None:
    """(1) A batch line whose message had a context that was not an object raised TypeError merging the
    batch's context into it: a traceback, the rest of the file unread. (2) A pretty-printed batch
    document got the batch's context only when it came before "batch"; Segment writes it after, so
    its messages lost their context (and geolocation) where the same batch on one line kept it."""
    from app.core.database import open_database

    context = {"ip": "8.8.8.8", "library": {"name": "lib"}}
    messages = [_message(0), _message(1, context={"page": {"path": "/x"}}), _message(2, context=[1])]
    one_line = tmp_path / "batch.jsonl"
    one_line.write_text(json.dumps({"batch": messages, "context": context}) + "\n" + json.dumps(_message(3)) + "\n")
    pretty = tmp_path / "batch.json"
    pretty.write_text(json.dumps({"batch": [{**m, "messageId": f"p{i}"} for i, m in enumerate(messages)],
                                  "context": context, "sentAt": "2024-07-01T10:00:05Z"}, indent=2))
    engine = open_database(sqlite_url)
    try:
        writer = EventWriter(engine, enrich=False)
        for path, stored in ((one_line, 3), (pretty, 2)):
            summary = import_files(writer, [path])
            assert (summary.stored, summary.rejected) == (stored, 1), summary.problems
            assert summary.problems[0].reason == "context must be an object, got list"
        rows = {r["message_id"]: r["context"] for r in event_rows(engine)}
        for line_id, doc_id in (("m0", "p0"), ("m1", "p1")):
            assert rows[line_id] == rows[doc_id], (rows[line_id], rows[doc_id])
            assert rows[doc_id]["ip"] == "8.8.8.8" and rows[doc_id]["library"] == {"name": "lib"}
        assert rows["p1"]["page"] == {"path": "/x"}
        assert "m3" in rows
    finally:
        engine.dispose()
