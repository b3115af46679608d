"""Package data (icons, styles), always loaded through importlib.resources so frozen builds work.

Nothing here imports Qt: the GUI turns the bytes or the path into a QIcon/QPixmap itself, and the
Qt-free layers may use the same helpers. Names are relative to this package, e.g. "icon.png".
"""

from __future__ import annotations

import atexit
import contextlib
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path

_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


def resource(name: str) -> Traversable:
    """The packaged file `name`; FileNotFoundError names the missing resource."""
    parts = [p for p in name.replace("\\", "/").split("/") if p]
    if not parts or any(p == ".." for p in parts):
        raise ValueError(f"not a resource name: {name!r}")
    item = files(__name__).joinpath(*parts)
    if not item.is_file():
        raise FileNotFoundError(f"Tracklens resource {name!r} is missing from this installation")
    return item


def read_bytes(name: str) -> bytes:
    """The contents of the packaged file `name` (e.g. for QPixmap.loadFromData)."""
    return resource(name).read_bytes()


def resource_path(name: str) -> Path:
    """A real filesystem path to `name`, for APIs that only take paths (QIcon, QSvgRenderer).

    Normal installs and PyInstaller bundles already keep resources as files, so this is the file
    itself; a zipped install gets a temporary copy that lives until the process exits.
    """
    item = resource(name)
    if isinstance(item, Path):
        return item
    return _extracted.enter_context(as_file(item))
