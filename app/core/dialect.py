"""The one place where SQL dialects differ (SQLite, PostgreSQL; DuckDB and ClickHouse next).

Runners and the writer ask this module for dialect-specific pieces (JSON property access,
numeric casts, time bucketing, upserts) instead of testing `dialect.name` themselves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

SUPPORTED = ("sqlite", "postgresql")


def insert_ignoring_conflicts(dialect: Dialect, table: Table, index_elements: list[str]) -> Any:
    """An INSERT that skips rows whose unique key already exists (re-sent messages)."""
    if dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=index_elements)
    if dialect.name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=index_elements)
    raise NotImplementedError(f"unsupported database dialect: {dialect.name}")
