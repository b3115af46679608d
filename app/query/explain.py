"""The SQL a query sends to the connected database, readable and runnable by hand.

No other analytics tool shows its SQL for your own database; Tracklens can, because the
engine compiles every question to plain SQL. The statements are recorded while the query
runs (some depend on an earlier answer: the top 12 events, a breakdown's top values), then
rendered for the connected database with their bound values written in, so the text can be
pasted into `sqlite3` or `psql`. The engine itself never inlines values: they stay bound
parameters when it runs them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import CompileError
from sqlalchemy.sql import Executable

from app.query.runner import CancelToken, run_query

#: Clauses that start a new line in the rendered SQL.
_BREAKS = re.compile(r" (FROM|WHERE|GROUP BY|HAVING|ORDER BY|LIMIT|LEFT OUTER JOIN|JOIN|UNION ALL|WINDOW) ")


def render_statement(statement: Any, params: Mapping[str, Any] | None, engine: Engine) -> str:
    """One statement for `engine`'s database, bound values written in (where a value has no
    literal form, the SQL keeps its placeholders and the values follow in a comment)."""
    bound = statement.params(dict(params)) if params else statement
    try:
        sql = str(bound.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
        tail = ""
    except (CompileError, NotImplementedError, TypeError, ValueError):
        compiled = bound.compile(dialect=engine.dialect)
        sql = str(compiled)
        tail = f"\n-- parameters: {dict(compiled.params)!r}"
    sql = re.sub(r"[ \t]*\n[ \t]*", " ", sql).strip()
    return _BREAKS.sub(r"\n\1 ", sql) + ";" + tail


def explain_query(engine: Engine, spec: Mapping[str, Any], *, cancel: CancelToken | None = None,
                  now: dt.datetime | None = None, timeout: float | None = None) -> list[str]:
    """Run the query and return the SQL of each statement it sent, in order."""
    record: list[tuple[Executable, Mapping[str, Any] | None]] = []
    run_query(engine, spec, cancel=cancel, now=now, timeout=timeout, record=record)
    return [render_statement(statement, params, engine) for statement, params in record]
