"""A batch whose own `context` is not an object: its messages are kept, and the import says the
context was not applied to them (it was dropped without a word)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from app.cli.main import cli
from tests.ingest.conftest import import_into

IGNORED = "the batch's context must be an object, got str: ignored (not applied to its 2 messages)"


def _message(i: int) -> dict[str, Any]:
    return {"type": "track", "event": "E", "userId": "u1", "messageId": f"m{i}", "timestamp": "2026-12-01T00:00:00Z"}


def _batch(first: int) -> list[dict[str, Any]]:
    return [_message(first), _message(first + 1)]


#: Files with a batch whose context is "x": (text, the line said, the messageIds stored).
_FILES = {
    "json lines": ("\n".join(json.dumps(m) for m in [_message(0), {"batch": _batch(1), "context": "x"}, _message(3)])
                   + "\n", 2),
    "document, context after": (json.dumps({"batch": _batch(0), "context": "x"}, indent=2), 1),
    "document, context first": ('\n\n{"context": "x",\n "batch": [\n' + ",\n".join(json.dumps(m) for m in _batch(0))
                                + "\n]}\n", 3),
}


@pytest.mark.parametrize("workers", [0, 2])
@pytest.mark.parametrize("layout", list(_FILES))
def test_a_batch_context_that_is_no_object_is_said_ignored_and_its_messages_kept(tmp_path: Path, sqlite_url: str,
                                                                                layout: str, workers: int) -> None:
    text, line = _FILES[layout]
    path = tmp_path / "export.json"
    path.write_text(text)
    summary, stored = import_into(sqlite_url, path, workers=workers)
    assert stored == (["m0", "m1", "m2", "m3"] if layout == "json lines" else ["m0", "m1"])
    assert (summary.rejected, summary.problems) == (0, [])
    assert [(n.line, n.reason, n.ignored) for n in summary.notes] == [(line, IGNORED, True)]
    assert summary.ignored == 1


def test_the_import_command_lists_the_ignored_context_under_its_summary(tmp_path: Path, sqlite_url: str) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text(_FILES["json lines"][0] + json.dumps({"batch": [_message(9)], "context": []}) + "\n"
                    + json.dumps({"batch": [_message(10)], "context": None}) + "\n")
    result = CliRunner().invoke(cli, ["import", "--db", sqlite_url, "--quiet", "--no-enrich", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "6 stored, 0 duplicates skipped, 0 rejected" in lines[0]
    assert lines[1:] == [f"  {path}:2: {IGNORED}",
                         f"  {path}:4: the batch's context must be an object, got list: ignored "
                         "(not applied to its 1 message)"]
