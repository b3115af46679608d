"""Where the app keeps its settings, recent connections and passwords.

Settings go to an INI file in the user's config folder (portable and easy to inspect);
passwords never do: they go to the OS keychain through `keyring`, keyed by the
password-less URL that the settings file stores.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from platformdirs import user_config_path
from PySide6.QtCore import QSettings

from app.core.backends import UnsupportedDatabase
from app.core.database import normalize_url, parse_url
from app.core.paths import APP_NAME, make_folder

log = logging.getLogger(__name__)

KEYRING_SERVICE = APP_NAME
MAX_RECENT = 10


def settings_path() -> Path:
    """The INI file; TRACKLENS_CONFIG_DIR (or TRACKLENS_DATA_DIR, for tests) overrides it."""
    override = os.environ.get("TRACKLENS_CONFIG_DIR") or os.environ.get("TRACKLENS_DATA_DIR")
    folder = Path(override) if override else user_config_path(APP_NAME, appauthor=False)
    return make_folder(folder, "its settings", "TRACKLENS_CONFIG_DIR") / "settings.ini"


#: Dynamic property of a QSettings whose file could not be read whole (see `settings_problem`).
PROBLEM_PROPERTY = "tracklensProblem"


def open_settings(path: str | os.PathLike[str] | None = None) -> QSettings:
    """The settings. A file Qt cannot parse whole (edited by hand, damaged) is copied aside
    first: QSettings keeps what it could read and rewrites the file at the next change,
    which silently dropped every line it could not read."""
    file = Path(path or settings_path())
    settings = QSettings(str(file), QSettings.Format.IniFormat)
    if settings.status() == QSettings.Status.FormatError:
        settings.setProperty(PROBLEM_PROPERTY, _keep_unreadable(file))
        log.warning("%s", settings.property(PROBLEM_PROPERTY))
    migrate_settings(settings)
    return settings


def _keep_unreadable(file: Path) -> str:
    """Copy a settings file Qt could not read whole beside it; the one-line message to show."""
    copy = file.with_name(f"{file.name}.unreadable-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}")
    try:
        shutil.copy2(file, copy)
    except OSError as exc:
        return (f"Some lines of {file} could not be read and will be dropped at the next change "
                f"(a copy could not be made: {exc.strerror or exc})")
    return f"Some lines of {file} could not be read; the file as it was is kept as {copy.name}"


def settings_problem(settings: QSettings) -> str | None:
    """What was wrong with the settings file when it was opened (None: nothing)."""
    value = settings.property(PROBLEM_PROPERTY)
    return str(value) if value else None


SETTINGS_VERSION = 1


def migrate_settings(settings: QSettings) -> None:
    """Bring settings written by an older version up to date (Friture's migrateSettings habit)."""
    version = get_number(settings, "meta/version", 0)
    if version < 1:
        settings.setValue("meta/version", SETTINGS_VERSION)


def get_number(settings: QSettings, key: str, default: float) -> Any:
    """A number setting (INI files store text); `default` when missing or unreadable."""
    raw = settings.value(key)
    if raw is None or raw == "":
        return default
    try:
        number = float(str(raw))
    except ValueError:
        return default
    return int(number) if isinstance(default, int) else number


def get_json(settings: QSettings, key: str, default: Any = None) -> Any:
    raw = settings.value(key)
    if not raw:
        return default
    try:
        return json.loads(str(raw))
    except (ValueError, RecursionError):  # RecursionError: nested too deeply, and the app did not start
        log.warning("ignoring unreadable setting %s", key)
        return default


def set_json(settings: QSettings, key: str, value: Any) -> None:
    settings.setValue(key, json.dumps(value, sort_keys=True))


# ---------------------------------------------------------------- passwords and URLs
def split_password(url: str) -> tuple[str, str | None]:
    """(URL without password, password or None). Non-URLs, and URLs of databases Tracklens does
    not work with, come back unchanged: opening them says why, in the panels."""
    try:
        normalized = normalize_url(url)
    except UnsupportedDatabase:
        return url, None
    parsed = parse_url(normalized)
    if parsed is None:
        return url, None
    password = parsed.password
    if password is None:
        return normalized, None
    # URL.set() reads None as "unchanged"; the named tuple's _replace really clears it.
    bare = parsed._replace(password=None).render_as_string(hide_password=False)
    return bare, str(password)


def keychain_missing() -> str | None:
    """None when passwords can be kept in a system keychain; else the calm one-line notice the
    connect dialog shows (nothing goes to stderr about it)."""
    import keyring
    from keyring.backends import fail, null

    try:
        backend = keyring.get_keyring()
    except Exception:  # any failure to find one means there is none
        backend = None
    if backend is not None and not isinstance(backend, fail.Keyring | null.Keyring):
        return None
    return ("No system keychain is available here, so passwords are not remembered: "
            "you type them each time you connect.")


def store_password(bare_url: str, password: str) -> bool:
    """Put the password in the keychain; False (and a log line) when no keychain works."""
    import keyring
    from keyring.errors import KeyringError

    if keychain_missing():
        return False  # said once, calmly, in the connect dialog
    try:
        keyring.set_password(KEYRING_SERVICE, bare_url, password)
    except (KeyringError, RuntimeError) as exc:
        log.warning("password not saved in the keychain: %s", exc)
        return False
    return True


def load_password(bare_url: str) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    if keychain_missing():
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, bare_url)
    except (KeyringError, RuntimeError) as exc:
        log.warning("keychain not readable: %s", exc)
        return None


def with_password(bare_url: str) -> str:
    """The URL with its password from the keychain, when one is stored and needed."""
    parsed = parse_url(bare_url)
    if parsed is None:
        return bare_url
    if parsed.password is not None or not parsed.username or parsed.host is None:
        return bare_url
    password = load_password(bare_url)
    if password is None:
        return bare_url
    return parsed.set(password=password).render_as_string(hide_password=False)


def remember_connection(settings: QSettings, url: str) -> str:
    """Record `url` as the last and most recent connection; returns the password-less URL."""
    bare, password = split_password(url)
    if password:
        store_password(bare, password)
    recent = [u for u in recent_connections(settings) if u != bare]
    recent.insert(0, bare)
    set_json(settings, "connection/recent", recent[:MAX_RECENT])
    settings.setValue("connection/last", bare)
    settings.sync()
    return bare


def recent_connections(settings: QSettings) -> list[str]:
    value = get_json(settings, "connection/recent", [])
    return [str(u) for u in value] if isinstance(value, list) else []


def last_connection(settings: QSettings) -> str | None:
    value = settings.value("connection/last")
    return str(value) if value else None
