"""write_text_atomically: a failed write leaves the file being replaced whole (new-user defect hunt:
saving a campaign over its file on a full disk left it cut)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from app.core.files import write_text_atomically
from tests.support.disk import file_size_limit


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "win-back.campaign.json"
    path.write_text('{"name": "old"}\n')
    with file_size_limit(1000), pytest.raises(OSError):
        write_text_atomically(path, '{"name": "new", "body": "' + "x" * 5000 + '"}\n')
    assert path.read_text() == '{"name": "old"}\n'
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_permissions_and_links_are_kept(tmp_path: Path) -> None:
    shared = tmp_path / "shared.json"
    shared.write_text("old")
    shared.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(shared)
    write_text_atomically(link, "new")
    assert link.is_symlink() and shared.read_text() == "new"
    assert stat.S_IMODE(shared.stat().st_mode) == 0o640
    umask = os.umask(0o022)
    try:
        fresh = write_text_atomically(tmp_path / "fresh.json", "x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644


@pytest.mark.parametrize("links", [True, False], ids=["hard links", "no hard links (FAT, some shares)"])
def test_a_new_file_only_never_overwrites_one_that_appeared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            links: bool) -> None:
    if not links:
        def no_links(*_args: object) -> None:
            raise PermissionError(1, "Operation not permitted")
        monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "weekly-funnel.json"
    path.write_text("another window's report")
    with pytest.raises(FileExistsError):
        write_text_atomically(path, "mine", replace=False)
    assert path.read_text() == "another window's report"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    assert write_text_atomically(tmp_path / "new.json", "mine", replace=False).read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.json", path.name]


@pytest.mark.skipif(os.name != "posix", reason="a folder is synced on POSIX only")
def test_the_new_name_is_synced_with_its_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file's bytes were synced but not the rename: after a power cut the folder could still
    name the old file. The folder is synced after the rename."""
    synced: list[tuple[str, bool]] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        mode = os.fstat(fd).st_mode
        synced.append((os.readlink(f"/proc/self/fd/{fd}") if os.path.exists("/proc/self/fd") else "",
                       stat.S_ISDIR(mode)))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    path = tmp_path / "report.json"
    write_text_atomically(path, "{}\n")
    assert synced[-1][1], "the last sync is the folder's"
    assert not synced[0][1]
    if synced[-1][0]:
        assert Path(synced[-1][0]) == tmp_path
