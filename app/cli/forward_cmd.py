"""`tracklens forward`: deliver the stored events to the destinations of a destinations file.

Catches up (every destination from its cursor to the newest event, then exits), follows
(`--follow`: keeps forwarding as events arrive, until SIGTERM/Ctrl+C), replays a time range
(`--from/--to`, the cursor stays), re-sends dead letters (`--retry-dead`), shows `--status`,
or pauses and resumes a destination.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import sys
import threading
from typing import Any

import click

from app.cli.database import cannot_open
from app.cli.options import Whole, iso_moment
from app.cli.terminal import visible

_UTC = dt.UTC


def _parse_when(text: str | None, option: str, *, end: bool) -> int | None:
    """Epoch ms of a date (the day's start; for --to the next day's start: the day is included)
    or a date-time (naive = UTC). A typo is a usage error (status 2) saying what is wrong."""
    if text is None:
        return None
    moment = iso_moment(text, option)
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment + dt.timedelta(days=1 if end else 0), dt.time(), _UTC)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=_UTC)
    return int(moment.timestamp() * 1000)


def _when(ms: int | None) -> str:
    if ms is None:
        return "-"
    return dt.datetime.fromtimestamp(ms / 1000, _UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _lag(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


@click.command("forward")
@click.option("--db", "db_url", required=True, help="SQLAlchemy URL or SQLite file of the event database.")
@click.option("--destinations", "destinations_file", required=True, type=click.Path(dir_okay=False),
              help="The destinations file (a JSON list of destinations).")
@click.option("--name", "names", multiple=True, help="Only this destination (repeatable).")
@click.option("--from", "from_text", default=None, metavar="DATE",
              help="Replay the events from this date or date-time (UTC); the cursor stays where it is.")
@click.option("--to", "to_text", default=None, metavar="DATE",
              help="Replay up to this date (included) or date-time (excluded), UTC.")
@click.option("--follow", is_flag=True, help="Keep forwarding as events arrive, until SIGTERM or Ctrl+C.")
@click.option("--status", "show_status", is_flag=True, help="Show each destination's progress and exit.")
@click.option("--json", "as_json", is_flag=True, help="With --status: print JSON.")
@click.option("--retry-dead", is_flag=True, help="Re-send the dead letters (batches a destination refused).")
@click.option("--pause", is_flag=True, help="Pause the --name destinations (forwarders skip them).")
@click.option("--resume", is_flag=True, help="Resume the --name destinations.")
@click.option("--skip-stored", is_flag=True,
              help="Move the --name destinations' cursors to the newest stored event: they get only what comes next.")
@click.option("--attempts", type=Whole(min=1, what="a number of tries", example="6"), default=6,
              show_default=True,
              help="Without --follow: tries per batch before leaving a failing destination for the next run.")
def forward(db_url: str, destinations_file: str, names: tuple[str, ...], from_text: str | None, to_text: str | None,
            follow: bool, show_status: bool, as_json: bool, retry_dead: bool, pause: bool, resume: bool,
            skip_stored: bool, attempts: int) -> None:
    """Forward the stored events to webhooks, Segment-compatible endpoints and Mixpanel."""
    from sqlalchemy.exc import DBAPIError

    from app.core.database import DatabaseError, describe_error, open_database
    from app.outbound.destinations import store
    from app.outbound.destinations.config import DestinationError, load_destinations
    from app.outbound.destinations.forwarder import STOPPED, DestinationWorker, Forwarder

    start_ms = _parse_when(from_text, "--from", end=False)
    end_ms = _parse_when(to_text, "--to", end=True)
    if start_ms is not None and end_ms is not None and start_ms >= end_ms:
        raise click.UsageError(f"--from {from_text} is not before --to {to_text}: the range holds no event")
    modes = [m for m, on in (("--status", show_status), ("--retry-dead", retry_dead), ("--follow", follow),
                             ("--pause", pause), ("--resume", resume), ("--skip-stored", skip_stored),
                             ("--from/--to", start_ms is not None or end_ms is not None)) if on]
    if len(modes) > 1:
        raise click.UsageError(f"{' and '.join(modes)} cannot be combined")
    if as_json and not show_status:  # else `forward --json` delivered every pending event
        raise click.UsageError("--json goes with --status")
    if (pause or resume or skip_stored) and not names:
        raise click.UsageError("--pause, --resume and --skip-stored need --name")
    try:
        destinations = load_destinations(destinations_file)
    except DestinationError as exc:
        raise click.ClickException(str(exc)) from None
    if not destinations:  # `[]`: nothing to do, which said nothing and looked like success
        raise click.ClickException(f"{destinations_file} lists no destinations: nothing to forward")
    known = {d.name for d in destinations}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise click.ClickException(f"no destination named {', '.join(map(repr, unknown))} in {destinations_file} "
                                   f"(it has {', '.join(sorted(known)) or 'none'})")
    chosen = [d for d in destinations if not names or d.name in names]
    try:
        # An existing Tracklens database only: a mistyped path or an empty database has no events to forward.
        engine = open_database(db_url, require_tracklens=True)
    except DatabaseError as exc:
        raise cannot_open(str(db_url), exc) from None
    from app.outbound.support import unsupported_reason

    reason = unsupported_reason(engine, "Destinations")
    if reason is not None:
        engine.dispose()
        raise click.ClickException(reason)
    try:
        if show_status:
            _print_status(store.status(engine, chosen), as_json)
            return
        if pause or resume:
            for d in chosen:
                store.set_paused(engine, d.name, pause)
                click.echo(f"{d.name}: {'paused' if pause else 'resumed'}")
            return
        if skip_stored:
            with engine.connect() as conn:
                newest = store.max_event_id(conn)
            for d in chosen:
                store.set_position(engine, d.name, newest)
                click.echo(f"{d.name}: starts after event {newest}")
            return
        if follow:
            _follow(engine, chosen, Forwarder)
            return
        stop = threading.Event()
        _stop_on_signals(stop)
        failed = False
        for d in chosen:
            worker = DestinationWorker(engine, d, stop=stop, max_attempts=attempts)
            try:
                if retry_dead:
                    summary = worker.retry_dead()
                    verb = "re-sent"
                elif start_ms is not None or end_ms is not None:
                    summary = worker.replay(start_ms if start_ms is not None else 0,
                                            end_ms if end_ms is not None else 2**62)
                    verb = "replayed"
                else:
                    summary = worker.catch_up()
                    verb = "delivered"
            finally:
                worker.close()
            line = f"{d.name}: {verb} {summary.sent} message(s) in {summary.batches} batch(es)"
            if summary.dead:
                line += f", {summary.dead} dead letter(s)"
                failed = True
            if summary.outcome == STOPPED:
                cur = store.cursor(engine, d.name)
                why = worker.last_failure or (cur.last_error if cur else None)
                line += f"; stopped: still failing ({why or 'interrupted'})"
                failed = True
            elif summary.outcome == "busy":
                line += "; skipped: another forwarder is delivering it"
            elif summary.outcome == "paused":
                line += "; paused"
            click.echo(line)
            if stop.is_set():
                break
        if failed:
            sys.exit(1)
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from None
    except DBAPIError as exc:  # refused by the database (a read-only role): one line, not a traceback
        raise click.ClickException(describe_error(exc)) from None
    finally:
        _restore_signals()
        engine.dispose()


def _stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM/Ctrl+C stop at the next safe point (a batch in flight is sent again next time);
    the previous handlers come back when the command ends (it may run inside another program)."""
    if threading.current_thread() is not threading.main_thread():
        return

    def handle(signum: int, frame: Any) -> None:
        stop.set()

    previous: dict[int, Any] = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    _RESTORE.append(previous)


_RESTORE: list[dict[int, Any]] = []


def _restore_signals() -> None:
    while _RESTORE:
        for sig, handler in _RESTORE.pop().items():
            signal.signal(sig, handler)


def _follow(engine: Any, destinations: list[Any], forwarder_cls: Any) -> None:
    forwarder = forwarder_cls(engine, destinations)
    _stop_on_signals(forwarder.stop_event)
    click.echo(f"forwarding to {', '.join(d.name for d in destinations)} until SIGTERM or Ctrl+C", err=True)
    forwarder.start()
    while not forwarder.stop_event.wait(0.5):
        pass
    forwarder.stop()


def _print_status(rows: list[Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in rows], indent=2))
        return
    header = ("destination", "type", "state", "delivered", "last 24 h", "pending", "lag", "failing since",
              "dead letters", "last error")
    table = [header]
    for r in rows:
        state = "paused" if r.paused else ("failing" if r.failing_since else ("active" if r.active else "idle"))
        table.append((r.name, r.type, state, str(r.delivered), str(sum(r.recent)), str(r.pending), _lag(r.lag_seconds),
                      _when(r.failing_since), str(r.dead_letters), r.last_error or "-"))
    # The last error is a destination's reply: its control characters are written out.
    shown = [[visible(cell) for cell in row] for row in table]
    widths = [max(len(row[i]) for row in shown) for i in range(len(header) - 1)]
    for row in shown:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1])
