"""Batch documents pretty-printed with one message a line are documents, not JSON Lines; JSON Lines
files (a corrupt first line, or a one-line {"batch": [...]} first) stay JSON Lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.ingest.conftest import import_into


def _message(i: int) -> str:
    return json.dumps({"type": "track", "event": f"E{i}", "userId": "u1", "messageId": f"m{i}",
                       "timestamp": f"2026-12-01T00:00:0{i}Z"})


def _import(tmp_path: Path, sqlite_url: str, text: str, workers: int) -> tuple[Any, list[str]]:
    path = tmp_path / "export.json"
    path.write_text(text)
    return import_into(sqlite_url, path, chunk=2, workers=workers)


#: Documents with `{"batch": [` or `[` on a line of its own and then one message a line.
_DOCUMENTS = {
    "batch of one": '{"batch": [\n  ' + _message(0) + "\n]}\n",
    "batch, commas leading": '{"batch": [\n  ' + "\n, ".join(_message(i) for i in range(4)) + "\n]}\n",
    "batch, commas ending": '{"batch": [\n  ' + ",\n  ".join(_message(i) for i in range(4)) + "\n]}\n",
    "batch with context": '{"context": {"app": {"name": "[x"}}, "batch": [\n  ' + _message(0) + "\n]}\n",
    "array of one": "[\n  " + _message(0) + "\n]\n",
    "array, commas leading": "[\n  " + "\n, ".join(_message(i) for i in range(4)) + "\n]\n",
}


@pytest.mark.parametrize("workers", [0, 2])
@pytest.mark.parametrize("shape", list(_DOCUMENTS))
def test_a_batch_with_one_message_a_line_is_read_as_a_document(tmp_path: Path, sqlite_url: str, shape: str,
                                                               workers: int) -> None:
    """`{"batch": [` on its own line and then a whole message on the next was taken for JSON Lines:
    `{"batch": [` and `]}` were rejected as invalid JSON, and with a comma leading each further
    message line every message after the first was lost. Now as the same document on one line."""
    text = _DOCUMENTS[shape]
    one_line, expected = _import(tmp_path, sqlite_url, json.dumps(json.loads(text)), 0)
    (tmp_path / "events.sqlite").unlink()
    summary, stored = _import(tmp_path, sqlite_url, text, workers)
    assert (summary.stored, summary.rejected) == (one_line.stored, 0) == (len(expected), 0), summary.problems
    assert stored == expected


@pytest.mark.parametrize("workers", [0, 2])
def test_a_rejected_message_of_a_one_message_a_line_batch_has_its_line(tmp_path: Path, sqlite_url: str,
                                                                       workers: int) -> None:
    lines = [_message(0), json.dumps({"messageId": "bad"}), _message(2)]
    summary, stored = _import(tmp_path, sqlite_url, '{"batch": [\n' + "\n, ".join(lines) + "\n]}\n", workers)
    assert stored == ["m0", "m2"]
    assert [(p.line, p.reason) for p in summary.problems] == [(3, "missing type")]


_LINES = [_message(1), json.dumps({"messageId": "bad"}), _message(3)]


@pytest.mark.parametrize("workers", [0, 2])
@pytest.mark.parametrize("first", ['{"type": "track", "event": "E0", "userId": "u1", "propert',
                                   '{"batch": [' + _message(0) + "]}",
                                   '{"type": "track", "event": "E0", "context": "[',
                                   '{"batch": [', '{"type": "track", "batch": [', '{"context": {}, "batch": ['])
def test_json_lines_stay_json_lines(tmp_path: Path, sqlite_url: str, first: str, workers: int) -> None:
    """A corrupt first line, or a one-line batch first, does not make the file a document."""
    summary, stored = _import(tmp_path, sqlite_url, first + "\n" + "\n".join(_LINES) + "\n", workers)
    if first.endswith("]}"):
        assert stored == ["m0", "m1", "m3"]
        assert [(p.line, p.reason) for p in summary.problems] == [(3, "missing type")]
    else:
        assert stored == ["m1", "m3"]
        assert [p.line for p in summary.problems] == [1, 3]
        assert summary.problems[1].reason == "missing type"


@pytest.mark.parametrize("workers", [0, 2])
@pytest.mark.parametrize("first", ['{"batch": [', '{"context": {"app": {"name": "x"}}, "batch": ['])
def test_a_cut_batch_line_first_does_not_lose_the_json_lines_after_it(tmp_path: Path, sqlite_url: str, first: str,
                                                                      workers: int) -> None:
    """A JSON Lines file whose first line is a cut `{"batch": [` was read as a document with one
    message a line: 1 of its 1,000 good lines stored, the rest lost behind "expected ',' or ']',
    found '{'; the rest of this file cannot be read". Now every good line is stored and line 1
    is the one rejected."""
    text = first + "\n" + "".join(_message(i % 10).replace(f'"m{i % 10}"', f'"m{i}"') + "\n" for i in range(1000))
    summary, stored = _import(tmp_path, sqlite_url, text, workers)
    assert stored == [f"m{i}" for i in range(1000)]
    assert [(p.line, p.reason.startswith("invalid JSON")) for p in summary.problems] == [(1, True)]


def _lines_from(first: int, count: int) -> str:
    return "".join(_message(i % 10).replace(f'"m{i % 10}"', f'"m{i}"') + "\n" for i in range(first, first + count))


#: Corrupt starts of JSON Lines files: what a document reader could not get past.
_CORRUPT_STARTS = {
    "cut batch line and cut message": ['{"batch": [', _message(0)[:30]],
    "cut batch line, cut message, cut line": ['{"batch": [', _message(0)[:30] + ",", '{"type": "tra'],
    "middle of a line (split -b)": [_message(0)[40:]],
    "eight cut lines": ['{"context": {"app": {"name": "x"}}, "batch": ['] + [_message(0)[:20 + i] for i in range(7)],
}


@pytest.mark.parametrize("workers", [0, 2])
@pytest.mark.parametrize("start", list(_CORRUPT_STARTS))
def test_json_lines_after_several_corrupt_lines_are_all_stored(tmp_path: Path, sqlite_url: str, start: str,
                                                               workers: int) -> None:
    """A JSON Lines file whose first two lines were both corrupt (a cut `{"batch": [`, then a cut
    message), or which began in the middle of a line, was read as one document: of its 1,000 good
    lines none was stored, behind one rejection "...; the rest of this file cannot be read". Now
    each corrupt line is rejected with its number and every good line is stored."""
    corrupt = _CORRUPT_STARTS[start]
    summary, stored = _import(tmp_path, sqlite_url, "\n".join(corrupt) + "\n" + _lines_from(1, 1000), workers)
    assert stored == [f"m{i}" for i in range(1, 1001)]
    assert [p.line for p in summary.problems] == list(range(1, len(corrupt) + 1)), summary.problems
    assert not any("the rest of this file" in p.reason for p in summary.problems)


@pytest.mark.parametrize("workers", [0, 2])
def test_a_pretty_document_followed_by_json_lines_is_still_read_whole(tmp_path: Path, sqlite_url: str,
                                                                      workers: int) -> None:
    """`cat pretty.json more.jsonl`: the document's lines are not taken for corrupt JSON Lines."""
    document = json.dumps(json.loads(_message(0)), indent=2)
    summary, stored = _import(tmp_path, sqlite_url, document + "\n" + _lines_from(1, 20), workers)
    assert (stored, summary.rejected) == ([f"m{i}" for i in range(21)], 0)


@pytest.mark.parametrize("workers", [0, 2])
def test_a_pretty_document_with_a_corrupt_message_is_read_as_before(tmp_path: Path, sqlite_url: str,
                                                                    workers: int) -> None:
    """A document with one message a line, one of them cut: what comes before it is stored and the
    rest is one rejection, as before (no line of it is taken for a line of JSON Lines)."""
    lines = [_message(0) + ",", _message(1)[:30] + ",", _message(2) + ",", _message(3), "]}"]
    summary, stored = _import(tmp_path, sqlite_url, '{"batch": [\n' + "\n".join(lines) + "\n", workers)
    assert stored == ["m0"]
    [problem] = summary.problems
    assert problem.line == 3 and problem.reason.endswith("the rest of this file cannot be read")
