"""Streamed CSV export of every person a users query matches, in constant memory.

Pages through the users runner with its keyset cursor (each page one index range, never
OFFSET), writing each page before reading the next, so a million persons cost the memory of
one page. Progress is reported per page; a CancelToken stops between pages (and interrupts
a running page).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Mapping
from typing import IO, Any

from sqlalchemy import Engine

from app.core.spreadsheet import spreadsheet_safe
from app.query.model import QueryError, check_name
from app.query.runner import CancelToken, QueryCancelled, run_query

#: Persons per page: big enough to amortise each statement, small enough to stay responsive.
PAGE_SIZE = 5000
FIXED_COLUMNS = ("id", "first_seen", "last_seen", "events")


def cell(value: Any) -> str:
    """A trait value as CSV text: strings as they are (spreadsheet-safe), numbers and booleans
    as JSON, missing empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return str(spreadsheet_safe(value))
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def export_users_csv(engine: Engine, users_spec: Mapping[str, Any], fileobj: IO[str], *,
                     columns: list[str] | None = None,
                     progress: Callable[[int, int], None] | None = None,
                     cancel: CancelToken | None = None, timeout: float | None = None) -> int:
    """Write id, first_seen, last_seen, events and the chosen traits of every matching person.

    `columns`: trait names (default: the spec's `columns`, else none). `progress(done, total)`
    is called after the header and after every page. Returns the number of persons written.
    `timeout` bounds each page's query (run_query). Raises QueryError (bad spec),
    QueryCancelled, or DatabaseError (QueryTimeout among them).
    """
    spec = {k: v for k, v in users_spec.items() if k not in ("after", "limit", "count", "columns")}
    if spec.get("kind", "users") != "users":
        raise QueryError("export_users_csv needs a users query")
    spec["kind"] = "users"
    traits = list(columns if columns is not None else users_spec.get("columns") or [])
    for i, name in enumerate(traits):
        check_name(name, f"columns[{i}]")
    token = cancel or CancelToken()
    writer = csv.writer(fileobj)
    writer.writerow([*FIXED_COLUMNS, *(spreadsheet_safe(name) for name in traits)])
    first = run_query(engine, {**spec, "limit": PAGE_SIZE, "count": True}, cancel=token, timeout=timeout)
    total = int(first["total"])
    done = 0
    if progress is not None:
        progress(0, total)
    page: Mapping[str, Any] = first
    while True:
        for user in page["users"]:
            t = user["traits"]
            writer.writerow([spreadsheet_safe(user["id"]), user["first_seen"], user["last_seen"], user["events"],
                             *[cell(t.get(name)) for name in traits]])
        done += len(page["users"])
        if progress is not None:
            progress(done, max(total, done))
        if page["next"] is None:
            return done
        if token.cancelled:
            raise QueryCancelled("the export was cancelled")
        page = run_query(engine, {**spec, "limit": PAGE_SIZE, "count": False, "after": page["next"]},
                         cancel=token, timeout=timeout)
