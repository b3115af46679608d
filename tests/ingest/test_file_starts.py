"""What a file holds before its first message: a byte order mark, blank lines, spaces (any amount),
and text in another encoding. None of it may cost a message or a correct line number."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from app.ingest.importer import MAX_LINE_BYTES
from tests.ingest.conftest import import_into


def _message(i: int, **fields: Any) -> dict[str, Any]:
    return {"type": "track", "messageId": f"m{i}", "userId": "u", "event": "E",
            "timestamp": "2024-07-01T10:00:00Z", **fields}


def _body(layout: str) -> str:
    """Four messages, the third missing its type (rejected on the body's third line)."""
    messages = [_message(0), _message(1), {"messageId": "bad"}, _message(3)]
    if layout == "lines":
        return "\n".join(json.dumps(m) for m in messages) + "\n"
    return "[" + ",\n".join(json.dumps(m) for m in messages) + "]\n"


@pytest.mark.parametrize("layout", ["lines", "document"])
@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("blank", ["\n", " ", "\r\n\t"])
def test_a_megabyte_of_blank_space_before_the_messages_is_read_past(tmp_path: Path, sqlite_url: str, layout: str,
                                                                    compressed: bool, blank: str) -> None:
    """A file whose first MAX_LINE_BYTES were blank lines or spaces (an export padded, or with empty
    lines where a filter dropped the rest) was taken for an empty file: '0 messages', exit status 0,
    every message after the blank space lost."""
    repeat = MAX_LINE_BYTES // len(blank) + 1000
    data = (b"\xef\xbb\xbf" + (blank * repeat + "\n" + _body(layout)).encode())
    path = tmp_path / ("export.gz" if compressed else "export.jsonl")
    path.write_bytes(gzip.compress(data) if compressed else data)
    summary, stored = import_into(sqlite_url, path)
    assert (summary.stored, summary.rejected) == (3, 1), summary.problems
    assert stored == ["m0", "m1", "m3"]
    blank_lines = blank.count("\n") * repeat + 1
    assert [p.line for p in summary.problems] == [blank_lines + 3]


def test_blank_lines_before_the_messages_keep_line_numbers_right_with_workers(tmp_path: Path,
                                                                             sqlite_url: str) -> None:
    """The worker processes read the file themselves from where its content starts."""
    path = tmp_path / "export.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"\n" * (MAX_LINE_BYTES + 5) + _body("lines").encode())
    summary, stored = import_into(sqlite_url, path, chunk=2, workers=1)
    assert (summary.stored, summary.rejected) == (3, 1), summary.problems
    assert stored == ["m0", "m1", "m3"]
    assert [p.line for p in summary.problems] == [MAX_LINE_BYTES + 5 + 3]


def test_a_file_of_nothing_but_blank_space_is_empty(tmp_path: Path, sqlite_url: str) -> None:
    path = tmp_path / "blank.jsonl"
    path.write_bytes(b" \n" * MAX_LINE_BYTES)
    summary, _ = import_into(sqlite_url, path)
    assert (summary.messages, summary.rejected) == (0, 0)


@pytest.mark.parametrize("layout", ["lines", "document"])
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le-bom", "utf-16-be-bom", "utf-16-gzip"])
def test_utf16_text_with_a_byte_order_mark_is_imported(tmp_path: Path, sqlite_url: str, layout: str,
                                                       encoding: str) -> None:
    """Windows PowerShell 5 writes UTF-16 (`Get-Content export.jsonl -First 100 > sample.jsonl`):
    such a file was one rejected line, 'not UTF-8 text near byte 0', nothing stored."""
    body = _body(layout).replace('"bad"', '"bad \u00e9\u4e2d"')
    data = {"utf-16": body.encode("utf-16"),
            "utf-16-le-bom": b"\xff\xfe" + body.encode("utf-16-le"),
            "utf-16-be-bom": b"\xfe\xff" + body.encode("utf-16-be"),
            "utf-16-gzip": gzip.compress(body.encode("utf-16"))}[encoding]
    path = tmp_path / "sample.jsonl"
    path.write_bytes(data)
    summary, stored = import_into(sqlite_url, path)
    assert (summary.stored, summary.rejected) == (3, 1), summary.problems
    assert [(p.line, p.reason) for p in summary.problems] == [(3, "missing type")]
    assert stored == ["m0", "m1", "m3"]


def test_a_broken_utf16_line_costs_only_that_line(tmp_path: Path, sqlite_url: str) -> None:
    """An unpaired surrogate and an odd last byte are each a rejected line, never an ended import."""
    lines = [json.dumps(_message(0)), json.dumps(_message(1)), json.dumps(_message(2))]
    data = ("\n".join(lines) + "\n").encode("utf-16-le")
    bad = json.dumps(_message(9, event="x")).encode("utf-16-le").replace(b"x\x00", b"\x00\xd8")
    data = b"\xff\xfe" + data.replace(b"\n\x00", b"\n\x00" + bad + b"\n\x00", 1) + b"{\x00!"
    path = tmp_path / "broken.jsonl"
    path.write_bytes(data)
    summary, _ = import_into(sqlite_url, path)
    assert (summary.stored, summary.rejected) == (3, 2), summary.problems
    assert [p.line for p in summary.problems] == [2, 5]
    assert all(p.reason.startswith("invalid JSON") for p in summary.problems)
