"""`tracklens --version` reports the version in pyproject.toml (what the frozen build embeds)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from .conftest import ROOT


def test_python_m_app_version_matches_pyproject() -> None:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        version = tomllib.load(fh)["project"]["version"]
    proc = subprocess.run([sys.executable, "-m", "app", "--version"], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"tracklens, version {version}"


def test_launcher_runs_the_cli() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "packaging" / "launcher.py"), "--help"],
                          capture_output=True, text=True, timeout=120, check=False, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "--screenshot" in proc.stdout


def test_launcher_survives_a_windowed_start_without_stdio(tmp_path: Path) -> None:
    """The Windows windowed exe has no stdout/stderr; progress bars must not crash it."""
    db = tmp_path / "demo.sqlite"
    code = (
        "import sys, runpy\n"
        "sys.stdout = None\n"
        "sys.stderr = None\n"
        f"sys.argv = ['tracklens', 'demo', '--db', {f'sqlite:///{db.as_posix()}'!r}, '--events', '50']\n"
        f"runpy.run_path({str(ROOT / 'packaging' / 'launcher.py')!r}, run_name='__main__')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          check=False, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert db.stat().st_size > 0
