"""A worker process reads its chunk of a plain JSON Lines file itself: the storing process only
finds where each chunk's lines start and end (docs/benchmarks/clickhouse.md, 2026-12-07). What
is stored, the rejected lines' numbers and the bounds on memory stay as when the lines were read
and sent by the storing process (tests/ingest/test_workers.py compares whole imports)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from app.ingest.importer import (
    MAX_LINE_BYTES,
    _line_chunks,
    _line_spans,
    _prepare_span,
    _Prepend,
)
from tests.ingest.conftest import import_into


def _message(i: int, **fields: Any) -> dict[str, Any]:
    return {"type": "track", "event": "Viewed", "messageId": f"m{i}", "userId": f"u{i % 3}",
            "timestamp": f"2026-03-01T10:{i % 60:02d}:00Z", **fields}


def _text(n: int, start: int = 0) -> bytes:
    return "".join(json.dumps(_message(i)) + "\n" for i in range(start, start + n)).encode()


@pytest.mark.parametrize("data", [b"", b"\n", b"a", b"a\n", b"a\nb", b"\n\n\nx\n\n", b"ab\ncd\n" * 9 + b"tail"])
@pytest.mark.parametrize("per_chunk", [1, 2, 5])
def test_the_chunks_found_hold_the_lines_that_were_read_and_sent(data: bytes, per_chunk: int,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The same chunks, line numbers and lines as _line_chunks (which read them), also where a
    chunk ends in another block of the scan than it starts."""
    import app.ingest.importer as importer

    monkeypatch.setattr(importer, "_SCAN", 3)
    sent = list(_line_chunks(_Prepend(b"", io.BufferedReader(io.BytesIO(data))), per_chunk))
    found = [(data[begin:end].splitlines(keepends=True), first)
             for first, begin, end in _line_spans(io.BufferedReader(io.BytesIO(data)), 0, per_chunk)]
    assert found == sent


def test_a_byte_order_mark_does_not_cost_the_first_message_with_workers(tmp_path: Path, sqlite_url: str) -> None:
    path = tmp_path / "export.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + _text(4))
    summary, stored = import_into(sqlite_url, path, chunk=3, workers=1)
    assert (summary.stored, summary.rejected) == (4, 0), summary.problems
    assert stored == ["m0", "m1", "m2", "m3"]


@pytest.mark.skipif(not Path("/dev/stdin").exists(), reason="no /dev/stdin")
def test_standard_input_redirected_from_a_file_is_read_by_the_workers(tmp_path: Path, sqlite_url: str) -> None:
    """`tracklens import --db x - < export.jsonl`: the workers read the file itself, by its own path
    (/dev/stdin in a worker is that worker's standard input, the same file only while workers
    inherit it)."""
    path = tmp_path / "export.jsonl"
    path.write_bytes(_text(9))
    with path.open("rb") as stdin:
        done = subprocess.run([sys.executable, "-m", "app", "import", "--db", sqlite_url, "--quiet", "--workers", "1",
                               "-"], stdin=stdin, capture_output=True, text=True, timeout=300,
                              cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    assert "9 stored" in done.stdout, done.stdout + done.stderr


def test_a_huge_line_in_a_worker_s_chunk_is_rejected_without_being_held(tmp_path: Path, sqlite_url: str) -> None:
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as out:
        out.write(_text(5))
        out.write(b'{"type": "track", "event": "E", "userId": "u", "properties": {"blob": "')
        for _ in range(60):  # 60 MB on one line
            out.write(b"x" * (1 << 20))
        out.write(b'"}}\n')
        out.write(_text(5, start=5))
    stat = path.stat()
    tracemalloc.start()
    try:  # what a worker does with the chunk holding the line
        [(records, _result, problems)] = _prepare_span(None, os.fspath(path), (stat.st_dev, stat.st_ino), 0,
                                                       stat.st_size, 1, 100, "huge.jsonl")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(records) == 10 and [p.line for p in problems] == [6]
    assert peak < 12 * MAX_LINE_BYTES, f"peak {peak / 2**20:.0f} MiB"

    summary, _ = import_into(sqlite_url, path, chunk=4, workers=1)
    assert (summary.stored, summary.rejected) == (10, 1)
    assert summary.problems[0].line == 6 and "over the 1,048,576-byte limit" in summary.problems[0].reason


def test_a_file_replaced_or_cut_short_while_imported_is_an_error_not_other_lines(tmp_path: Path) -> None:
    """A worker reads the file after the storing process looked at it: if it is another file by
    then, or shorter, the import fails with one line instead of storing whatever is there now."""
    path = tmp_path / "export.jsonl"
    path.write_bytes(_text(6))
    stat = path.stat()
    with pytest.raises(OSError, match=r"export\.jsonl was replaced while it was read"):
        _prepare_span(None, os.fspath(path), (stat.st_dev, stat.st_ino + 1), 0, stat.st_size, 1, 10, "export.jsonl")
    with pytest.raises(OSError, match=r"export\.jsonl was cut short while it was read"):
        _prepare_span(None, os.fspath(path), (stat.st_dev, stat.st_ino), 0, stat.st_size + 10, 1, 10, "export.jsonl")
