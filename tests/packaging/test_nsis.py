"""packaging/windows/tracklens.nsi compiles with makensis against a staged one-folder build.

Runs wherever Debian's `nsis` package is installed; under CI=true a missing makensis is a
failure, not a skip, because CI is where the installer script gets checked before a release.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT

NSI = ROOT / "packaging" / "windows" / "tracklens.nsi"


@pytest.fixture
def makensis() -> str:
    path = shutil.which("makensis")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("makensis is not installed (apt-get install nsis); CI must check the installer script")
        pytest.skip("makensis is not installed (apt-get install nsis)")
    return path


@pytest.fixture
def staged(tmp_path: Path) -> Path:
    """A small stand-in for dist/Tracklens: both executables and an _internal folder."""
    folder = tmp_path / "Tracklens"
    (folder / "_internal" / "app" / "resources").mkdir(parents=True)
    (folder / "tracklens.exe").write_bytes(b"MZ gui stand-in")
    (folder / "tracklens-cli.exe").write_bytes(b"MZ cli stand-in")
    (folder / "_internal" / "app" / "resources" / "icon.png").write_bytes(
        (ROOT / "app" / "resources" / "icon.png").read_bytes())
    return folder


def compile_nsi(makensis: str, *defines: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([makensis, "-V2", *defines, str(NSI)],
                          capture_output=True, text=True, timeout=300, check=False, cwd=cwd)


def test_installer_compiles_against_a_staged_build(makensis: str, staged: Path, tmp_path: Path) -> None:
    out = tmp_path / "Tracklens-9.8.7-setup.exe"
    proc = compile_nsi(makensis, "-DVERSION=9.8.7", f"-DSOURCE_DIR={staged}", f"-DOUTFILE={out}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = out.read_bytes()
    assert data[:2] == b"MZ", "makensis did not write a Windows executable"
    # The version define reaches the setup program's version resource (UTF-16 strings).
    assert "9.8.7".encode("utf-16-le") in data


def test_signing_hook_signs_uninstaller_and_installer(makensis: str, staged: Path, tmp_path: Path) -> None:
    log = tmp_path / "signed.txt"
    signer = tmp_path / "sign.sh"
    signer.write_text(f'#!/bin/sh\necho "$1" >> "{log}"\n')
    signer.chmod(signer.stat().st_mode | stat.S_IEXEC)
    out = tmp_path / "setup.exe"
    proc = compile_nsi(makensis, "-DVERSION=1.0.0", f"-DSOURCE_DIR={staged}", f"-DOUTFILE={out}",
                       f"-DSIGN_COMMAND={signer}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    signed = log.read_text().split()
    assert len(signed) == 2, signed  # the embedded uninstaller, then the finished installer
    assert signed[-1] == str(out)


def test_failing_signer_fails_the_build(makensis: str, staged: Path, tmp_path: Path) -> None:
    out = tmp_path / "setup.exe"
    proc = compile_nsi(makensis, "-DVERSION=1.0.0", f"-DSOURCE_DIR={staged}", f"-DOUTFILE={out}",
                       "-DSIGN_COMMAND=false", cwd=tmp_path)
    assert proc.returncode != 0


def test_version_is_required(makensis: str, staged: Path, tmp_path: Path) -> None:
    proc = compile_nsi(makensis, f"-DSOURCE_DIR={staged}", cwd=tmp_path)
    assert proc.returncode != 0
    assert "pass the version" in proc.stdout + proc.stderr
