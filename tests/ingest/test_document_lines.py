"""Line numbers of a batch document's messages: right in every buffer, and counted in one pass."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.ingest import importer
from tests.ingest.conftest import import_into


def _message(i: int) -> dict[str, Any]:
    return {"type": "track", "event": "E", "userId": "u1", "messageId": f"m{i}", "timestamp": "2026-12-01T00:00:00Z",
            "properties": {"n": i, "note": "x" * 200}}


def test_a_document_s_line_numbers_are_counted_in_one_pass(tmp_path: Path, sqlite_url: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Each element's line was counted from the start of the reading buffer (about 1 MB): for a
    pretty-printed batch of 6,000 messages (2.5 MB) 2.8 GB of text was scanned for newlines. Now
    each character is looked at about once, and the rejected messages still name their lines, in
    the first buffer and later ones."""
    bad = {10, 3000, 5999}
    messages = [{"messageId": f"m{i}", "type": "track", "userId": "u1"} if i in bad else _message(i) for i in range(6000)]
    text = json.dumps({"batch": messages, "context": {"app": {"name": "x"}}}, indent=2)
    path = tmp_path / "batch.json"
    path.write_text(text)
    lines = text.split("\n")
    expected = [next(n for n, line in enumerate(lines, start=1) if f'"m{i}"' in line) - 1 for i in sorted(bad)]

    scanned = 0
    count_newlines = importer._newlines

    def counted(text: str, start: int, end: int) -> int:
        nonlocal scanned
        scanned += max(0, end - start)
        return count_newlines(text, start, end)

    monkeypatch.setattr(importer, "_newlines", counted)
    summary, stored = import_into(sqlite_url, path, workers=0)
    assert len(stored) == 5997
    assert [(p.line, p.reason) for p in summary.problems] == [(line, "track without event name") for line in expected]
    assert scanned <= 2 * len(text), f"{scanned:,} characters scanned for a file of {len(text):,}"
