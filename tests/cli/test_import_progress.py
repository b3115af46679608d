"""`tracklens import`'s progress bar: the message count it shows is the count stored so far."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest
import tqdm
from click.testing import CliRunner

from app.cli.main import cli
from app.ingest import importer


class _EveryUpdateShown(tqdm.tqdm):  # type: ignore[type-arg]
    """A bar redrawn at every update (tqdm's default waits 0.1 s between redraws): what it shows
    after a batch does not depend on how long the batch took."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "mininterval": 0, "miniters": 0})


def test_the_bar_shows_the_messages_stored_after_each_batch(tmp_path: Path, sqlite_url: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The count ran one batch behind: redrawn with the bytes read, then given the new count
    without a redraw, so after the first batch it showed none, and after the last the one before
    (with 5,000-message batches, 195,000 of 200,000 stored until the bar closed)."""
    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps({"type": "track", "event": "E", "userId": "u", "messageId": f"m{i}",
                                        "timestamp": "2026-12-01T00:00:00Z"}) + "\n" for i in range(6)))
    monkeypatch.setattr(tqdm, "tqdm", _EveryUpdateShown)
    monkeypatch.setattr(importer, "import_files", functools.partial(importer.import_files, chunk=2))
    result = CliRunner().invoke(cli, ["import", "--db", sqlite_url, "--no-enrich", "--workers", "0", str(path)])
    assert result.exit_code == 0, result.output
    frames = [frame for frame in result.stderr.split("\r") if frame.strip()]
    shown = [int(m.group(1)) if (m := re.search(r"messages=(\d+)", frame)) else None for frame in frames]
    # Drawn when it opens, after each of the three batches of 2, and when it closes.
    assert shown == [None, 2, 4, 6, 6], frames
