"""The event database a command reads or changes: `--db`, or the demo database by default."""

from __future__ import annotations

import re

import click
from sqlalchemy import Engine

#: Reasons that name the file themselves (by its absolute path): the line was 'cannot open X:
#: cannot open X: its folder is read-only ...'.
_NAMES_THE_FILE = re.compile(r"cannot (open|create|write to) (/|[A-Za-z]:\\)")


def cannot_open(db_url: str, exc: Exception) -> click.ClickException:
    """'cannot open URL: why' in one line; for an empty --db, or a why that names the file
    already, only the why."""
    from app.core.database import redact

    why = str(exc)
    if not db_url.strip() or _NAMES_THE_FILE.match(why):
        return click.ClickException(why)
    return click.ClickException(f"cannot open {redact(db_url)}: {why}")


def open_existing(db_url: str | None) -> Engine:
    """The database `--db` names (the demo database without it), opened without creating
    anything: another application's SQLite file is refused unchanged; errors in one line."""
    from app.core.database import DatabaseError, open_database
    from app.core.paths import demo_db_path

    if db_url is None:
        if not demo_db_path().exists():
            raise click.ClickException("no --db given and no demo database yet (run `tracklens demo` or pass --db)")
        db_url = str(demo_db_path())
    try:
        return open_database(db_url, create=False, require_tracklens=True)
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from None
