"""What follows the end of a JSON document in an import file: another document (files joined with
`cat`), or text that is not JSON. Neither may be dropped without a word."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ingest.conftest import import_into


def _message(i: int) -> dict[str, Any]:
    return {"type": "track", "messageId": f"m{i}", "userId": "u", "event": "E", "timestamp": "2024-07-01T10:00:00Z"}


def _document(kind: str, first: int) -> str:
    messages = [_message(first), _message(first + 1)]
    if kind == "batch":
        return json.dumps({"batch": messages, "sentAt": "2024-07-01T10:00:01Z"}, indent=2)
    if kind == "array":
        return json.dumps(messages, indent=2)
    return json.dumps(messages[0], indent=2) + "\n" + json.dumps(messages[1], indent=2)  # two pretty messages


@pytest.mark.parametrize("kind", ["batch", "array", "message"])
@pytest.mark.parametrize("compressed", [False, True])
def test_documents_one_after_the_other_are_all_read(tmp_path: Path, sqlite_url: str, kind: str,
                                                    compressed: bool) -> None:
    """`cat monday.json tuesday.json > week.json`: only the first document was read, '2 stored, 0
    rejected', the later days' messages lost without a word."""
    text = "\n".join(_document(kind, first) for first in (0, 2, 4)) + "\n"
    path = tmp_path / "week.json"
    path.write_bytes(gzip.compress(text.encode()) if compressed else text.encode())
    summary, stored = import_into(sqlite_url, path)
    assert (summary.stored, summary.rejected) == (6, 0), summary.problems
    assert stored == [f"m{i}" for i in range(6)]


def test_text_after_the_document_is_a_rejected_line(tmp_path: Path, sqlite_url: str) -> None:
    """Text after the document's end was ignored: a file cut and pasted together, or a log line
    appended, looked fully imported."""
    text = _document("batch", 0) + "\nERROR: export interrupted\n"
    path = tmp_path / "export.json"
    path.write_text(text)
    summary, _ = import_into(sqlite_url, path)
    assert (summary.stored, summary.rejected) == (2, 1), summary.problems
    [problem] = summary.problems
    assert problem.line == text.count("\n")
    assert problem.reason == "'E' after the end of the JSON document; the rest of this file cannot be read"


def _zip(text: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("export.json", text)
    return out.getvalue()


_NOT_TEXT: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "gzip twice": (lambda text: gzip.compress(gzip.compress(text)), "gzip data inside a gzip file: it was compressed twice"),
    "zip": (_zip, "a zip archive, not JSON: unzip it first"),
    "bzip2": (bz2.compress, "bzip2-compressed, not JSON"),
    "xz": (lzma.compress, "xz-compressed, not JSON"),
    "utf-16-le": (lambda text: text.decode().encode("utf-16-le"), "UTF-16 text without a byte order mark"),
    "utf-16-be": (lambda text: text.decode().encode("utf-16-be"), "UTF-16 text without a byte order mark"),
}


@pytest.mark.parametrize("kind", list(_NOT_TEXT))
def test_a_file_that_is_no_json_text_says_what_it_is(tmp_path: Path, sqlite_url: str, kind: str) -> None:
    """A zip archive, a file gzipped twice, bzip2 or xz, or UTF-16 without a byte order mark was
    'not UTF-8 text near byte 12' or 'invalid JSON (Expecting value: line 1 column 2 (char 1))'."""
    encode, said = _NOT_TEXT[kind]
    path = tmp_path / "export.json.gz"
    path.write_bytes(encode((_document("batch", 0) + "\n").encode()))
    summary, _ = import_into(sqlite_url, path)
    assert (summary.stored, summary.rejected) == (0, 1), summary.problems
    [problem] = summary.problems
    assert problem.line == 1
    assert problem.reason.startswith(said), problem.reason
    assert problem.reason.endswith("; the rest of this file cannot be read")


@pytest.mark.parametrize("after", ["{" * (3 << 20), "5: 1}", "}"])
def test_an_object_key_that_is_no_string_is_said_where_it_is(tmp_path: Path, sqlite_url: str, after: str) -> None:
    """A key of megabytes of "{" was read to the end of the file as a value, then reported as
    "expected ':', found the end of the file"; the batch read before it is still stored."""
    text = '{"sentAt": "2024-07-01T10:00:01Z", "batch": [\n' + json.dumps(_message(0)) + "],\n" + after + "\n"
    path = tmp_path / "export.json"
    path.write_text(text)
    summary, _ = import_into(sqlite_url, path)
    assert (summary.stored, summary.rejected) == (1, 1), summary.problems
    [problem] = summary.problems
    assert problem.line == 3
    assert problem.reason == (f"expected a key (a string in double quotes), found {after[0]!r}; "
                              "the rest of this file cannot be read")


def test_a_batch_that_is_no_list_says_so(tmp_path: Path, sqlite_url: str) -> None:
    """{"batch": {...}} on a line of its own was rejected as "missing type"."""
    lines = [json.dumps(_message(0)), json.dumps({"batch": _message(1)}), json.dumps({"batch": "m2"}),
             json.dumps({"batch": [_message(3)]})]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines) + "\n")
    summary, _ = import_into(sqlite_url, path)
    assert (summary.stored, summary.rejected) == (2, 2), summary.problems
    assert [(p.line, p.reason) for p in summary.problems] == [
        (2, '"batch" must be a list of messages, got dict'), (3, '"batch" must be a list of messages, got str')]
