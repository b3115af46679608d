"""Messages typed at a terminal (`tracklens import --db x /dev/stdin`) end at the first Ctrl+D."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.ingest.conftest import import_into

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal is POSIX")


def _typed(message_id: str) -> bytes:
    return json.dumps({"type": "track", "event": "E", "userId": "u1", "messageId": message_id,
                       "timestamp": "2026-12-01T00:00:00Z"}).encode() + b"\n"


@pytest.mark.parametrize("lines", [1, 3])
def test_one_ctrl_d_ends_what_is_typed_at_a_terminal(tmp_path: Path, sqlite_url: str, lines: int) -> None:
    """After the first lines and Ctrl+D the import read the terminal again, so it ended only at a
    second Ctrl+D. Here more is typed after the first Ctrl+D (all before the import reads): the
    import stops at the first one, so what came after it is not read (it was: 2 stored for 1)."""
    import termios

    master, slave = os.openpty()
    try:
        attrs = termios.tcgetattr(slave)
        attrs[3] |= termios.ICANON  # lines and Ctrl+D as a terminal reads them
        attrs[3] &= ~termios.ECHO
        attrs[6][termios.VEOF] = eof = b"\x04"  # Ctrl+D
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        first = b"".join(_typed(f"m{i}") for i in range(lines))
        os.write(master, first + eof + _typed("after") + eof)
        summary, stored = import_into(sqlite_url, os.ttyname(slave), workers=0)
    finally:
        os.close(slave)
        os.close(master)
    assert stored == [f"m{i}" for i in range(lines)]
    assert (summary.stored, summary.rejected) == (lines, 0)
