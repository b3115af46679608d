"""A chDB folder its user may not write, as `tracklens query`, `import` and `collect` meet it: one
line saying the folder is read-only (it said "open in another process", which sent users hunting
for a program that was not there), while a folder really open in another process keeps that line.
Run as a user meets it: permissions enforced, through setpriv dropping root's powers when the
tests run as root."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.permissions import without_root_powers
from tests.support.ports import free_port

REPO = Path(__file__).resolve().parents[2]
READ_ONLY = "is read-only: its permissions do not let you write to it"
OTHER_PROCESS = "is open in another process"


def _export(tmp_path: Path) -> Path:
    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps({"type": "track", "event": "Order Completed", "userId": "bob", "messageId": "m1",
                                "timestamp": "2026-11-01T10:00:00Z"}) + "\n", encoding="utf-8")
    return path


def _tracklens(command: str, url: str, tmp_path: Path) -> tuple[int, str]:
    """`tracklens COMMAND` on `url` as a user without root's powers: its status and its output's
    lines (collect, refused at open, ends by itself)."""
    args = {"query": ["query", "--db", url, "--spec", "-"],
            "import": ["import", "--quiet", "--db", url, str(_export(tmp_path))],
            "collect": ["collect", "--db", url, "--write-key", "k", "--port", str(free_port())]}[command]
    done = subprocess.run([*without_root_powers(), sys.executable, "-m", "app", *args], cwd=REPO,
                          input=json.dumps({"kind": "segmentation"}), capture_output=True, text=True, timeout=180)
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return done.returncode, lines[0]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A chDB folder with one event, closed (made by another process: chDB opens one folder per process)."""
    pytest.importorskip("chdb")
    base = tmp_path_factory.mktemp("chdb-ro")
    made = base / "shop-ch"
    done = subprocess.run([sys.executable, "-m", "app", "import", "--quiet", "--db", f"chdb://{made}",
                           str(_export(base))], cwd=REPO, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    yield made
    _chmod_all(made, writable=True)


def _chmod_all(folder: Path, *, writable: bool) -> None:
    for path in [folder, *folder.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode | 0o200 if writable else mode & ~0o222)


@pytest.mark.parametrize("command", ["query", "import", "collect"])
def test_a_read_only_chdb_folder_is_said_read_only(folder: Path, tmp_path: Path, command: str) -> None:
    """chmod -R a-w: every command said 'the chDB folder ... is open in another process'."""
    _chmod_all(folder, writable=False)
    try:
        status, line = _tracklens(command, f"chdb://{folder}", tmp_path)
    finally:
        _chmod_all(folder, writable=True)
    assert status == 1
    assert f"the chDB folder {folder} {READ_ONLY}" in line and OTHER_PROCESS not in line, line


def test_a_chdb_folder_read_only_inside_or_in_a_read_only_parent_is_said_so(folder: Path, tmp_path: Path) -> None:
    """The folder writable but its tables' files not, or a new folder in a read-only one: both
    said 'open in another process' too."""
    _chmod_all(folder, writable=False)
    folder.chmod(0o755)
    try:
        status, line = _tracklens("import", f"chdb://{folder}", tmp_path)
    finally:
        _chmod_all(folder, writable=True)
    assert status == 1 and f"the chDB folder {folder} is partly read-only" in line, line
    parent = tmp_path / "shared"
    parent.mkdir(mode=0o555)
    try:
        status, line = _tracklens("import", f"chdb://{parent / 'new'}", tmp_path)
    finally:
        parent.chmod(0o755)
    assert status == 1
    assert f"cannot create the chDB folder {parent / 'new'}: {parent} is read-only" in line, line


HOLD = """
import sys, time
from app.core.database import open_database
engine = open_database(sys.argv[1])
with engine.connect() as conn:
    print("holding", flush=True)
    time.sleep(120)
"""


def test_a_chdb_folder_open_in_another_process_still_says_so(folder: Path, tmp_path: Path) -> None:
    """The line the read-only case borrowed stays for the case it names (query: test_one_process)."""
    url = f"chdb://{folder}"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, cwd=REPO)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        said = [_tracklens(command, url, tmp_path) for command in ("import", "collect")]
    finally:
        holder.kill()
        holder.communicate()
    for status, line in said:
        assert status == 1 and f"the chDB folder {folder} {OTHER_PROCESS}" in line, line
