"""Writing files people keep (reports, campaigns, saved queries) so that a failed write never
costs the version already there, and reading JSON files people hand each other."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Any


def write_text_atomically(path: str | os.PathLike[str], text: str, *, replace: bool = True) -> Path:
    """Write `text` (UTF-8) to a new file beside `path`, then rename it over `path`
    (write_bytes_atomically says why and how)."""
    return write_bytes_atomically(path, text.encode("utf-8"), replace=replace)


def write_bytes_atomically(path: str | os.PathLike[str], data: bytes, *, replace: bool = True) -> Path:
    """Write `data` to a new file beside `path`, then rename it over `path`.

    Writing in place truncates the old file first, so a full disk, a file-size limit or a crash
    halfway left a user's campaign or report empty or cut. The new file gets the old one's
    permissions (else the usual ones for a new file, umask applied); a symbolic link keeps
    pointing at the file it named. Returns the path written.

    replace=False: only where no file is (FileExistsError otherwise), decided in the same step
    that puts the new file there (a hard link), so a file another process wrote under that
    name after the caller looked is never overwritten.
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
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if old_mode is not None:
            os.chmod(tmp, old_mode)
        if replace:
            os.replace(tmp, target)
        else:
            _put_new(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _sync_folder(target.parent)
    return target


def _sync_folder(folder: Path) -> None:
    """Make a rename durable: on POSIX a new name is written to disk with its folder, so after a
    power cut the folder could still name the old file (or none) without this. Windows has no
    such step (a folder cannot be opened as a file there); a file system that refuses it is let be."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _put_new(tmp: Path, target: Path) -> None:
    """Give the written file `tmp` the name `target` unless a file has it (FileExistsError)."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError:
        # No hard links here (FAT, some network shares): claim the name, then rename over the
        # claim (a crash in between leaves an empty file, never someone else's overwritten).
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        os.replace(tmp, target)
        return
    tmp.unlink()


class SharedFileError(ValueError):
    """A shared JSON file that cannot be read; str(exc) is one line, without the file's name."""


class EmptySharedFile(SharedFileError):
    """A shared JSON file holding nothing but white space (made, not yet written): the caller
    says what it should hold, rather than 'not valid JSON', as if something in it were wrong."""


def read_shared_json(path: str | os.PathLike[str], max_bytes: int, what: str) -> Any:
    """The JSON of a file anyone may have sent (a campaign, a destinations file), read in bounded
    memory: at most `max_bytes` (a file of gigabytes, or /dev/zero, was read whole), UTF-8 with or
    without the byte order mark Notepad writes; SharedFileError in one line for a file that is too
    large, not UTF-8, not JSON, nested too deeply or holding an integer of more than 4,300 digits
    (each raised past the callers' one-line errors). FileNotFoundError and other OSErrors pass."""
    with open(path, "rb") as handle:
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise SharedFileError(f"over {max_bytes:,} bytes, too large for {what}")
    if not raw.decode("utf-8-sig", "replace").strip():
        raise EmptySharedFile(f"empty: {what} holds nothing yet")
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except RecursionError:
        raise SharedFileError(f"nested too deeply to be {what}") from None
    except UnicodeDecodeError as exc:
        raise SharedFileError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise SharedFileError(f"not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise SharedFileError(f"not readable JSON: {exc}".split(";")[0]) from None
