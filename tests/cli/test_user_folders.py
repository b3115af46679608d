"""The per-user folders (demo database, saved reports, settings) when they cannot be made: a
read-only home, a roaming profile that is not mounted, TRACKLENS_DATA_DIR naming a file. Every
command that needs one used to end in a PermissionError or FileExistsError traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli.main import cli
from tests.support.permissions import without_root_powers


def _one_error_line(output: str) -> str:
    assert "Traceback" not in output, output[-600:]
    lines = output.strip().splitlines()
    assert len(lines) == 1, output[-600:]
    return lines[0]


@pytest.mark.parametrize("args", [["demo", "--events", "10", "--quiet"],
                                  ["query", "--spec", json.dumps({"kind": "live"})]], ids=["demo", "query"])
def test_a_data_folder_in_the_way_of_a_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        args: list[str]) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("mine", encoding="utf-8")
    monkeypatch.setenv("TRACKLENS_DATA_DIR", str(blocker))
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert _one_error_line(result.output) == (
        f"Error: cannot create the folder {blocker} (File exists): Tracklens keeps its demo database and "
        "saved reports there; set TRACKLENS_DATA_DIR to a folder you can write to")
    assert blocker.read_text(encoding="utf-8") == "mine"


def test_the_app_with_a_settings_folder_it_cannot_make_says_which(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "config-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("TRACKLENS_CONFIG_DIR", str(blocker))
    result = CliRunner().invoke(cli, ["gui", "--screenshot", str(tmp_path / "shots"), "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 1
    assert _one_error_line(result.output) == (
        f"Error: cannot create the folder {blocker} (File exists): Tracklens keeps its settings there; "
        "set TRACKLENS_CONFIG_DIR to a folder you can write to")


def test_a_read_only_home_is_one_line(tmp_path: Path) -> None:
    """As a user meets it: permissions enforced (setpriv drops root's powers to override them)."""
    prefix = without_root_powers()
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o555)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKLENS_", "XDG_"))}
    env["HOME"] = str(home)
    try:
        done = subprocess.run([*prefix, sys.executable, "-m", "app", "demo", "--events", "10", "--quiet"],
                              env=env, capture_output=True, text=True, timeout=120)
    finally:
        home.chmod(0o755)
    assert done.returncode == 1, done.stdout[-300:]
    line = _one_error_line(done.stderr)
    assert line.startswith(f"Error: cannot create the folder {home}/"), line
    assert line.endswith("(Permission denied): Tracklens keeps its demo database and saved reports there; "
                         "set TRACKLENS_DATA_DIR to a folder you can write to"), line
    assert list(home.iterdir()) == []
