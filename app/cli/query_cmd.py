"""`tracklens query`: run one JSON query against a database and print the result.

The query runs on a worker thread so that Ctrl-C or SIGTERM (a service manager, `kill`, a
CI job's timeout) cancels the statement in the database (through a CancelToken) instead of
leaving it running in the server; a default time limit stops it there too.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import IO, Any

import click

from app.cli.options import Number
from app.core.spreadsheet import spreadsheet_safe

#: Seconds a query may run before it is stopped (`--timeout`; 0 for no limit).
DEFAULT_TIMEOUT = 120.0
#: The longest --timeout: 24 days. PostgreSQL's statement_timeout holds at most 2^31 - 1 ms (a
#: longer one was its error), and inf or 1e308 overflowed the timer (a traceback).
MAX_TIMEOUT = 24 * 86400.0

#: kind -> function turning its result into (header, rows) for --format table/csv.
Tabulator = Callable[[dict[str, Any]], tuple[list[str], list[list[Any]]]]


def _segmentation(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    series = result.get("series", [])
    header = ["bucket"]
    for s in series:
        label = s["event"] if s.get("group") is None and not s.get("other") else f"{s['event']} / {s['group']}"
        header.append(label + (" (previous)" if s.get("previous") else ""))
    rows = [[bucket, *(s["values"][i] for s in series)] for i, bucket in enumerate(result.get("buckets", []))]
    rows.append(["total", *(s["total"] for s in series)])
    return header, rows


def _records(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Any result holding a list of objects (events, users, steps, values...): one row each."""
    records: list[dict[str, Any]] = next(
        (v for v in result.values() if isinstance(v, list) and all(isinstance(x, dict) for x in v)), [])
    header: list[str] = []
    for record in records:
        header += [k for k in record if k not in header]
    return header, [[record.get(k) for k in header] for record in records]


def _live(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    header = ["id", "time", "type", "event", "person", "$city", "$country_code", "$browser", "$os",
              "$referring_domain"]
    return header, [[e.get(k) for k in header] for e in result.get("events", [])]


def _users(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """People with one column per trait (the union of the page's trait names)."""
    people: list[dict[str, Any]] = result.get("users", [])
    fixed = [k for k in ("id", "first_seen", "last_seen", "events") if any(k in p for p in people)]
    traits: list[str] = []
    for person in people:
        traits += [t for t in (person.get("traits") or {}) if t not in traits]
    header = fixed + traits
    rows = [[p.get(k) for k in fixed] + [(p.get("traits") or {}).get(t) for t in traits] for p in people]
    return header, rows


def _retention(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """One row per cohort (the average first): its size and each period's rate and count."""
    periods = int(result.get("periods", 0))
    header = ["cohort", "size"] + [f"period {n}" for n in range(periods)] + [f"count {n}" for n in range(periods)]
    rows: list[list[Any]] = [["average", None, *result.get("average", []), *([None] * periods)]]
    rows += [[c["start"], c["size"], *c["rates"], *c["counts"]] for c in result.get("cohorts", [])]
    return header, rows


def _group(g: dict[str, Any]) -> str:
    return "(none)" if g.get("group") is None else str(g["group"])


def _funnel(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Each view as rows: steps (per breakdown group too), buckets of conversion over time, or
    the time-to-convert bins (with the median and average first)."""
    groups = result.get("breakdown") or []
    view = result.get("view", "steps")
    if view == "trends":
        header = ["bucket", "entered", "converted", "rate"]
        parts = [("", result)] + [(_group(g), g) for g in groups]
        if groups:
            header = ["group", *header]
        rows: list[list[Any]] = []
        for label, part in parts:
            buckets = list(result.get("buckets") or [])
            for i, bucket in enumerate(buckets):
                row = [bucket, part["entered"][i], part["converted"][i], part["rates"][i]]
                rows.append([label or "all", *row] if groups else row)
            total = part.get("total") or {}
            row = ["total", total.get("entered"), total.get("converted"), total.get("rate")]
            rows.append([label or "all", *row] if groups else row)
        return header, rows
    if view == "time_to_convert":
        # One row per bin, each carrying its group's converted / median / average.
        header = ["converted", "median_seconds", "avg_seconds", "from_seconds", "to_seconds", "count"]
        parts = [("", result)] + [(_group(g), g) for g in groups]
        if groups:
            header = ["group", *header]
        rows = []
        for label, part in parts:
            summary = [part.get("converted", 0), part.get("median_seconds"), part.get("avg_seconds")]
            for b in part.get("bins") or [{"from_seconds": None, "to_seconds": None, "count": 0}]:
                row = [*summary, b["from_seconds"], b["to_seconds"], b["count"]]
                rows.append([label or "all", *row] if groups else row)
        return header, rows
    header = ["step", "event", "count", "conversion_from_previous", "conversion_from_first",
              "median_seconds_from_previous", "avg_seconds_from_previous"]
    parts = [("", result.get("steps") or [])] + [(_group(g), g.get("steps") or []) for g in groups]
    if groups:
        header = ["group", *header]
    rows = []
    for label, steps in parts:
        for s in steps:
            row = [s.get(k) for k in header[-7:]]
            rows.append([label or "all", *row] if groups else row)
    return header, rows


def _profile(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The person (id, seen, events, last known place and device, every trait, identities) as
    field/value rows, then the timeline's events."""
    rows: list[list[Any]] = [["id", result.get("id")], ["first_seen", result.get("first_seen")],
                             ["last_seen", result.get("last_seen")], ["events", result.get("events")]]
    rows += [[name, value] for name, value in (result.get("last_known") or {}).items()]
    rows += [[f"trait {name}", value] for name, value in (result.get("traits") or {}).items()]
    rows += [["identity", f"{i.get('id')} (linked {i.get('linked_at')})"] for i in result.get("identities") or []]
    for e in result.get("timeline") or []:
        label = e.get("event") or e.get("type")
        rows.append([e.get("time"), f"{label} {json.dumps(e.get('properties') or {}, ensure_ascii=False)}"])
    return ["field", "value"], rows


#: Kinds whose result is a list of people (CSV streams all of them, like the explorer's export).
PEOPLE_KINDS = ("users", "funnel_persons", "retention_persons")
TABULATORS: dict[str, Tabulator] = {"segmentation": _segmentation, "live": _live, "users": _users,
                                     "funnel_persons": _users, "retention_persons": _users,
                                     "retention": _retention, "funnel": _funnel, "profile": _profile}
#: What a people query with no match prints on stderr, so an empty table still shows the query ran.
NO_PEOPLE = "(no matching people)"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_table(header: list[str], rows: list[list[Any]], out: IO[str]) -> None:
    """Columns for a person to read: control characters in the data are written out (app.cli.terminal)."""
    from app.cli.terminal import visible

    header = [visible(h) for h in header]
    cells = [[visible(_cell(v)) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(header)]
    out.write("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in cells:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")


def write_csv(header: list[str], rows: list[list[Any]], out: IO[str]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([spreadsheet_safe(h) for h in header])
    writer.writerows([[_cell(spreadsheet_safe(v)) for v in row] for row in rows])


def _read_spec(spec_path: str) -> Any:
    from app.cli.terminal import say_if_reading_a_terminal
    from app.query.limits import MAX_SPEC_BYTES, MAX_SPEC_DEPTH

    try:
        if spec_path == "-":
            # A BOM as from the file below (`type q.json | tracklens query --spec -`, PowerShell)
            say_if_reading_a_terminal("the query")
            text = sys.stdin.read(MAX_SPEC_BYTES + 1).removeprefix("\ufeff")
        elif spec_path.lstrip().startswith(("{", "[")) and not os.path.isfile(spec_path):
            # The query itself, as typed: --spec '{"kind": "segmentation"}' (a list too, so that
            # it is told it is not a query instead of "cannot read the query file [...]").
            text = spec_path
        else:
            with open(spec_path, encoding="utf-8-sig") as fh:  # Notepad starts UTF-8 with a BOM
                text = fh.read(MAX_SPEC_BYTES + 1)
    except OSError as exc:
        raise click.ClickException(f"cannot read the query file {spec_path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise click.ClickException("the query is not UTF-8 text") from None
    if len(text) > MAX_SPEC_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_SPEC_BYTES:
        raise click.ClickException(f"bad query: too large: the query has more than {MAX_SPEC_BYTES:,} bytes")
    if not text.strip():
        where = "the standard input" if spec_path == "-" else f"the query file {spec_path}"
        raise click.ClickException(f"{where} is empty: give a query as JSON, e.g. "
                                   "'{\"kind\": \"segmentation\"}' (see tracklens query --help)")
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"the query is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise click.ClickException(f"bad query: too large: the query is nested more than {MAX_SPEC_DEPTH} levels deep") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise click.ClickException(f"the query is not valid JSON ({exc})") from None
    if isinstance(spec, dict) and "kind" not in spec and isinstance(spec.get("query"), dict):
        # A saved report (*.tracklens.json, what Ctrl+S writes) runs as the query it holds.
        return spec["query"]
    return spec


class Terminated(click.ClickException):
    """SIGTERM stopped the command after cancelling its query: status 143 (128 + 15, the
    shell's convention for a process ended by SIGTERM)."""

    exit_code = 128 + signal.SIGTERM


class _Terminated(Exception):
    """Raised in the main thread by the SIGTERM handler."""


def _on_sigterm(_signum: int, _frame: Any) -> None:
    raise _Terminated


def _run_cancellable(work: Callable[[Any], Any]) -> Any:
    """Run `work(token)` on a worker thread; Ctrl-C or SIGTERM cancel its token (interrupting
    the statement in the database) and stop the command with a non-zero status."""
    from app.query import CancelToken

    token = CancelToken()
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = work(token)
        except BaseException as exc:  # handed to the main thread
            box["error"] = exc

    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main else None
    try:
        worker = threading.Thread(target=run, name="tracklens-query", daemon=True)
        worker.start()
        try:
            while worker.is_alive():
                worker.join(0.1)
        except (KeyboardInterrupt, _Terminated) as exc:
            token.cancel()
            worker.join(10)
            if isinstance(exc, _Terminated):
                raise Terminated("terminated (SIGTERM): the query was cancelled") from None
            raise click.ClickException("cancelled") from None
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    if "error" in box:
        raise box["error"]
    return box["result"]


def _answer(engine: Any, work: Callable[[Any], Any]) -> Any:
    """`work(token)` run by _run_cancellable, its errors in one line ('bad query: ...' for a
    refused query), the engine released after."""
    from app.core.database import DatabaseError
    from app.query import QueryCancelled, QueryError

    try:
        return _run_cancellable(work)
    except QueryError as exc:
        raise click.ClickException(f"bad query: {exc}") from None
    except (DatabaseError, QueryCancelled) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()


def _export_people(engine: Any, spec: dict[str, Any], timeout: float | None) -> None:
    """--format csv of a users/funnel_persons/retention_persons query: EVERY matching person, streamed page by page
    (app.query.export), not just the first page."""
    from app.query import parse_query
    from app.query.export import export_users_csv
    from app.query.runners.persons_base import PersonsQuery

    parsed = parse_query(spec)
    users_spec = parsed.users.to_dict() if isinstance(parsed, PersonsQuery) else spec
    columns = list(users_spec.get("columns") or [])
    written = _answer(engine, lambda token: export_users_csv(engine, users_spec, sys.stdout, columns=columns,
                                                             cancel=token, timeout=timeout))
    if written == 0:
        sys.stdout.flush()  # the header first, then the note
        click.echo(NO_PEOPLE, err=True)


def _not_nan(value: float) -> float:
    """click's FloatRange lets NaN through (every comparison with it is false): the query then
    stopped at once, 'took longer than nan s'."""
    if math.isnan(value):
        raise click.BadParameter("nan is not a number of seconds", param_hint="--timeout")
    return value


@click.command("query")
@click.option("--db", "db_url", default=None, help="SQLAlchemy URL or SQLite file (default: the demo database).")
@click.option("--spec", "spec_path", required=True, help="JSON query file, '-' for standard input, or the JSON itself.")
@click.option("--format", "fmt", type=click.Choice(["json", "table", "csv"]), default="json", show_default=True,
              help="json prints the result as is; table/csv print its rows.")
@click.option("--timeout", type=Number(min=0, max=MAX_TIMEOUT, what="a number of seconds", example="300"),
              default=DEFAULT_TIMEOUT, show_default=True,
              callback=lambda _ctx, _param, value: _not_nan(value),
              help="Stop the query after this many seconds (0: no limit).")
@click.option("--explain", is_flag=True, default=False,
              help="Print the SQL the query sends to this database (values written in) instead of its result.")
def query(db_url: str | None, spec_path: str, fmt: str, timeout: float, explain: bool) -> None:
    """Run a JSON query (see docs/query.md) and print the result."""
    from app.cli.database import open_existing
    from app.query import QueryError, parse_query, run_query
    from app.query.export import FIXED_COLUMNS

    spec = _read_spec(spec_path)
    try:
        kind = parse_query(spec).kind
    except QueryError as exc:
        raise click.ClickException(f"bad query: {exc}") from None
    engine = open_existing(db_url)
    limit = timeout or None
    if explain:
        from app.query.explain import explain_query

        statements = _answer(engine, lambda token: explain_query(engine, spec, cancel=token, timeout=limit))
        click.echo("\n\n".join(statements))
        return
    if fmt == "csv" and kind in PEOPLE_KINDS:
        _export_people(engine, spec, limit)
        return
    result: dict[str, Any] = _answer(engine, lambda token: run_query(engine, spec, cancel=token, timeout=limit))
    if kind == "profile" and result.get("found") is False:
        # The answer is "nobody": say so and fail, for scripts (the JSON still goes to stdout).
        if fmt == "json":
            click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        raise click.ClickException(str(result.get("message") or "no such person"))
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    header, rows = TABULATORS.get(kind, _records)(result)
    people_kind = kind in PEOPLE_KINDS
    if people_kind and not rows:
        # No person to take column names from: the columns the CSV export would have.
        header = [*FIXED_COLUMNS, *(spec.get("columns") or [])]
    buffer = io.StringIO()
    (write_table if fmt == "table" else write_csv)(header, rows, buffer)
    click.echo(buffer.getvalue(), nl=False)
    if people_kind and not rows:
        click.echo(NO_PEOPLE, err=True)
    elif people_kind and fmt == "table" and result.get("total") is not None:
        more = " (more with the next page: add its 'after')" if result.get("next") else ""
        click.echo(f"{len(rows):,} of {int(result['total']):,} people{more}", err=True)
