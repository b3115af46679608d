"""The event database a command reads or changes: `--db`, or the demo database by default."""

from __future__ import annotations

import click
from sqlalchemy import Engine


def cannot_open(db_url: str, exc: Exception) -> click.ClickException:
    """'cannot open URL: why' in one line; for an empty --db only the why (there is no URL to name)."""
    from app.core.database import redact

    return click.ClickException(f"cannot open {redact(db_url)}: {exc}" if db_url.strip() else str(exc))


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
