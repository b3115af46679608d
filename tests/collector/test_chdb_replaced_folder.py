"""The collector's chDB folder deleted, moved or replaced under it. Before: on a new folder, after
`rm -rf` or `mv`, it answered 200 for events chDB wrote under the path into no table (the folder
opened again was empty); with another folder moved into the path, it answered one 503 with
ClickHouse's "Cannot open file", then 200 for events it wrote into that other database.

The collector runs as a process of its own: chDB opens one folder per process (chdb_folders)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from tests.collector.harness import WRITE_KEY, start_process, stop_process
from tests.collector.messages import track
from tests.core.chdb_folders import folder_url, make_folder, message_ids_in


@pytest.mark.parametrize("how", ["rm -rf", "mv"])
def test_a_deleted_or_moved_folder_makes_the_collector_answer_503(how: str, tmp_path: Path,
                                                                   chdb_folder: Path) -> None:
    folder, moved = tmp_path / "shop-ch", tmp_path / "moved-ch"
    running = start_process(folder_url(folder), tmp_path / "collector.log")
    try:
        with httpx.Client(base_url=running.url, auth=(WRITE_KEY, ""), timeout=60) as http:
            if how == "mv":
                folder.rename(moved)
            else:
                shutil.rmtree(folder)
            for _ in range(2):
                refused = http.post("/v1/track", json=track())
                assert refused.status_code == 503, refused.text
                assert int(refused.headers["Retry-After"]) > 0
                assert f"the chDB folder {folder} was deleted or moved while in use" in refused.json()["message"]
            assert http.get("/health").status_code == 503
    finally:
        stop_process(running)
    assert message_ids_in(folder) is None  # no folder made again at the path
    if how == "mv":
        assert message_ids_in(moved) == []


def test_a_folder_moved_into_the_path_is_not_written(tmp_path: Path, chdb_folder: Path) -> None:
    folder, old, other = tmp_path / "shop-ch", tmp_path / "old-ch", tmp_path / "restored-ch"
    make_folder(other, "restored-1")
    running = start_process(folder_url(folder), tmp_path / "collector.log")
    try:
        with httpx.Client(base_url=running.url, auth=(WRITE_KEY, ""), timeout=60) as http:
            assert http.post("/v1/track", json=track(messageId="before")).status_code == 200
            os.rename(folder, old)
            os.rename(other, folder)
            for n in range(3):
                refused = http.post("/v1/track", json=track(messageId=f"after-{n}"))
                assert refused.status_code == 503, refused.text
                assert "was replaced by another folder while in use" in refused.json()["message"]
    finally:
        stop_process(running)
    assert message_ids_in(folder) == ["restored-1"]
    assert message_ids_in(old) == ["before"]
