"""A SQLite file read as any other program would read it: the plain sqlite3 module, not Tracklens."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def message_ids_in(path: Path) -> list[str]:
    """The message ids of a file's events, in the order they were stored."""
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT message_id FROM events ORDER BY id")]
    finally:
        conn.close()
