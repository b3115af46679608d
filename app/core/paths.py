"""Where Tracklens keeps its per-user files (demo database, saved reports, settings)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

APP_NAME = "Tracklens"


def data_dir() -> Path:
    """The per-user data folder; TRACKLENS_DATA_DIR overrides it (tests, portable installs)."""
    override = os.environ.get("TRACKLENS_DATA_DIR")
    path = Path(override) if override else user_data_path(APP_NAME, appauthor=False)
    path.mkdir(parents=True, exist_ok=True)
    return path


def demo_db_path() -> Path:
    """The embedded demo database, generated on first run."""
    return data_dir() / "demo.sqlite"


def reports_dir() -> Path:
    """Saved reports, one JSON file each."""
    path = data_dir() / "reports"
    path.mkdir(parents=True, exist_ok=True)
    return path
