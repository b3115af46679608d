"""SQL snapshots: the compiled SQL of a query, per dialect, stored under tests/query/snapshots/.

A change in the generated SQL then shows up in review as a diff of a .sql file. Values stay
bound parameters (no literal binds), so snapshots also prove nothing is pasted into the SQL.
Regenerate with TRACKLENS_UPDATE_SNAPSHOTS=1.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from app.core.backends.clickhouse_dialect import TracklensClickHouseDialect

SNAPSHOTS = Path(__file__).parent / "snapshots"
DIALECTS: dict[str, Dialect] = {"sqlite": sqlite.dialect(), "postgresql": postgresql.psycopg.dialect(),
                                "clickhouse": TracklensClickHouseDialect()}


def render(statements: Sequence[Any], dialect: Dialect) -> str:
    """Each statement compiled for the dialect, whitespace normalised, clauses on new lines."""
    out = []
    for statement in statements:
        sql = re.sub(r"\s+", " ", str(statement.compile(dialect=dialect))).strip()
        sql = re.sub(r" (FROM|WHERE|GROUP BY|ORDER BY|LIMIT|LEFT OUTER JOIN|JOIN|UNION ALL) ", r"\n\1 ", sql)
        out.append(sql + ";")
    return "\n\n".join(out) + "\n"


def assert_sql_snapshot(name: str, statements: Sequence[Any], dialect_name: str) -> None:
    path = SNAPSHOTS / f"{name}.{dialect_name}.sql"
    text = render(statements, DIALECTS[dialect_name])
    if os.environ.get("TRACKLENS_UPDATE_SNAPSHOTS"):
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {path.name}; run with TRACKLENS_UPDATE_SNAPSHOTS=1 to create it"
    assert text == path.read_text(encoding="utf-8"), (
        f"the SQL of {name} ({dialect_name}) changed; review it and regenerate with TRACKLENS_UPDATE_SNAPSHOTS=1")


def assert_same_cache_keys(build: Callable[[], Sequence[Any]]) -> None:
    """Statements built twice for one query have equal SQLAlchemy cache keys, so the statement
    cache compiles them once instead of on every run."""
    first, second = [s._generate_cache_key() for s in build()], [s._generate_cache_key() for s in build()]
    assert None not in first
    assert [k.key for k in first] == [k.key for k in second]
