"""Running a command as a user meets file permissions, also when the tests run as root."""

from __future__ import annotations

import os
import shutil

import pytest


def without_root_powers() -> list[str]:
    """A prefix running a command with file permissions enforced: as it is for a user, through
    setpriv (util-linux) dropping root's powers to override them when the tests run as root
    (chmod 444 does not stop root). Skips the test where root has no setpriv."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file permissions cannot be enforced")
    caps = "-dac_override,-dac_read_search,-fowner"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]
