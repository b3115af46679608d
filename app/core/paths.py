"""Where Tracklens keeps its per-user files (demo database, saved reports, settings)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

APP_NAME = "Tracklens"


class FolderError(Exception):
    """A per-user folder Tracklens needs could not be made; the message is one line for a person."""


def make_folder(path: Path, holds: str, variable: str) -> Path:
    """`path`, created if missing; FolderError naming the folder, what it `holds` and the
    environment `variable` that moves it (a read-only home, a roaming profile not mounted)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FolderError(f"cannot create the folder {path} ({exc.strerror or exc}): Tracklens keeps {holds} "
                          f"there; set {variable} to a folder you can write to") from None
    return path


def data_dir() -> Path:
    """The per-user data folder; TRACKLENS_DATA_DIR overrides it (tests, portable installs)."""
    override = os.environ.get("TRACKLENS_DATA_DIR")
    path = Path(override) if override else user_data_path(APP_NAME, appauthor=False)
    return make_folder(path, "its demo database and saved reports", "TRACKLENS_DATA_DIR")


def demo_db_path() -> Path:
    """The embedded demo database, generated on first run."""
    return data_dir() / "demo.sqlite"


def reports_dir() -> Path:
    """Saved reports, one JSON file each."""
    return make_folder(data_dir() / "reports", "its saved reports", "TRACKLENS_DATA_DIR")
