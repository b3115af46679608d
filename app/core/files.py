"""Writing files people keep (reports, campaigns, saved queries) so that a failed write never
costs the version already there."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path


def write_text_atomically(path: str | os.PathLike[str], text: str) -> Path:
    """Write `text` (UTF-8) to a new file beside `path`, then rename it over `path`.

    Writing in place truncates the old file first, so a full disk, a file-size limit or a crash
    halfway left a user's campaign or report empty or cut. The new file gets the old one's
    permissions (else the usual ones for a new file, umask applied); a symbolic link keeps
    pointing at the file it named. Returns the path written.
    """
    target = Path(path)
    if target.is_symlink():
        target = target.resolve()
    old_mode = None
    with contextlib.suppress(FileNotFoundError):
        old_mode = stat.S_IMODE(target.stat().st_mode)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        if old_mode is not None:
            os.chmod(tmp, old_mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return target
