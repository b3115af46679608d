"""What a panel shows on a database without events: how to get data in, not empty axes.

The commands name the open database, so they can be copied into a terminal as they are.
"""

from __future__ import annotations

import html
import shlex

TITLE = "No events in this database yet"


def database_argument(display_url: str | None) -> str:
    """`--db`'s value for the open database: a SQLite file's path, else its (redacted) URL."""
    if not display_url:
        return "DB"
    for prefix in ("sqlite+pysqlite:///", "sqlite:///"):
        if display_url.startswith(prefix) and "?" not in display_url:
            return shlex.quote(display_url[len(prefix):])
    return shlex.quote(display_url)


def commands(display_url: str | None) -> list[str]:
    """The three ways in: a collector with a write key, an import, a demo product."""
    db = database_argument(display_url)
    return [
        f"tracklens collect --db {db} --write-key KEY",
        f"tracklens import --db {db} FILE",
        f"tracklens demo --db {db}",
    ]


def empty_database_text(display_url: str | None) -> str:
    """The notice as plain lines, for widgets that paint their own text."""
    collect, import_, demo = commands(display_url)
    return (f"{TITLE}.\n\nGet data in from a terminal, then press F5:\n\n"
            f"collect from your apps:  {collect}\nimport an export:  {import_}\ntry a demo product:  {demo}")


def empty_database_html(display_url: str | None) -> str:
    """The notice, as rich text for a QLabel."""
    from app.ui import theme

    collect, import_, demo = (html.escape(c) for c in commands(display_url))
    shade = "#2f3136" if theme.is_dark() else "#f3f4f6"
    code = f"font-family: monospace; background: {shade}; padding: 2px 6px;"
    return (
        f'<h3 style="color:{theme.chart_foreground().name()}">{TITLE}</h3>'
        '<p>Get data in from a terminal, then press F5 to refresh this panel:</p>'
        '<table cellspacing="6">'
        f'<tr><td><b>Collect</b> from your apps (Segment clients, host http://127.0.0.1:8088, '
        f'write key KEY):</td></tr><tr><td style="{code}">{collect}</td></tr>'
        f'<tr><td><b>Import</b> a Segment export (JSON Lines, batch files, gzip):</td></tr>'
        f'<tr><td style="{code}">{import_}</td></tr>'
        f'<tr><td><b>Try</b> a believable demo product:</td></tr><tr><td style="{code}">{demo}</td></tr>'
        "</table>"
    )
