"""`tracklens --version` reports the version in pyproject.toml (what the frozen build embeds)."""

from __future__ import annotations

import subprocess
import sys
import tomllib

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
