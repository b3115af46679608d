"""`tracklens collect`: the Segment-compatible HTTP collector."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from app.cli.database import cannot_open
from app.cli.options import Whole
from app.core.database import DatabaseError, open_database, redact

if TYPE_CHECKING:
    from app.collector.app import RunTotals


def _is_utf8(text: str) -> bool:
    """Whether a command-line string was UTF-8 (other bytes arrive as lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _summary(totals: RunTotals) -> str:
    """'12,345 messages stored, 3 rejected' (the rejected only when there were any)."""
    text = f"{totals.stored:,} message{'' if totals.stored == 1 else 's'} stored"
    return text + (f", {totals.rejected:,} rejected" if totals.rejected else "")


@click.command("collect")
@click.option("--db", "db_url", required=True, help="SQLAlchemy URL or SQLite file to store events in.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8088, show_default=True, help="Port to listen on.",
              type=Whole(0, 65535, what="a port number", example="8088"))
@click.option("--write-key", "write_keys", multiple=True, envvar="TRACKLENS_WRITE_KEYS",
              help="A write key clients must send (repeatable; TRACKLENS_WRITE_KEYS holds "
                   "space-separated keys, which keeps them out of the process list).")
@click.option("--no-auth", is_flag=True, default=False, help="Accept events without any write key.")
@click.option("--trust-proxy", is_flag=True, default=False,
              help="Take the client address from X-Forwarded-For (only behind a proxy you run).")
@click.option("--access-log", is_flag=True, default=False, help="Log every request.")
@click.option("--destinations", "destinations_file", default=None, type=click.Path(dir_okay=False),
              help="Forward the stored events to the destinations of this file as they arrive "
                   "(docs/destinations.md); each on its own thread, never slowing the commits.")
def collect(db_url: str, host: str, port: int, write_keys: tuple[str, ...], no_auth: bool,
            trust_proxy: bool, access_log: bool, destinations_file: str | None = None) -> None:
    """Receive events from Segment / RudderStack clients and analytics.js over HTTP."""
    keys = [k for k in write_keys if k.strip()]
    if any(not k.isascii() and not _is_utf8(k) for k in keys):
        # Bytes that are not UTF-8 in the argument or TRACKLENS_WRITE_KEYS (a key pasted from a
        # file in another encoding): no client could send such a key, and it was a traceback.
        raise click.UsageError("a write key must be UTF-8 text, as clients send it; one of the keys given is not")
    if no_auth and keys:
        raise click.UsageError("--no-auth and --write-key contradict each other; give one of them")
    if not no_auth and not keys:
        raise click.UsageError("give at least one --write-key (or --no-auth to accept events from anyone)")
    destinations = []
    if destinations_file is not None:
        from app.outbound.destinations.config import DestinationError, load_destinations

        try:
            destinations = load_destinations(destinations_file)
        except DestinationError as exc:
            raise click.ClickException(str(exc)) from None
        if not destinations:
            click.echo(f"collect: {destinations_file} lists no destinations; nothing is forwarded", err=True)
    try:
        from app.collector.app import RunTotals
        from app.collector.server import CollectorOptions, build_app, hold_stop_signals, listen, serve
        from app.collector.writable import NotWritable, check_writable
    except ImportError as exc:
        # app.collector.protocol.UnsupportedServer: an installed uvicorn or h11 it cannot work with
        raise click.ClickException(str(exc)) from None

    try:
        sock = listen(host, port)
    except OSError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        engine = open_database(db_url)
    except DatabaseError as exc:
        sock.close()
        raise cannot_open(str(db_url), exc) from exc
    try:
        # Before the banner: a database it cannot write answered every batch 503, forever.
        check_writable(engine)
    except NotWritable as exc:
        engine.dispose()
        sock.close()
        raise click.ClickException(str(exc)) from None

    forwarder = None
    if destinations:
        from app.outbound.destinations.forwarder import Forwarder
        from app.outbound.support import unsupported_reason

        reason = unsupported_reason(engine, "Destinations")  # as `tracklens forward` says
        if reason is not None:
            engine.dispose()
            sock.close()
            raise click.ClickException(reason)

        # Told what each commit stored, so a caught-up destination sends it from memory; its
        # cursor moves go into the collector's next commit.
        forwarder = Forwarder(engine, destinations)
    totals = RunTotals()

    def stopped() -> None:
        """After the last commit; uvicorn re-raises SIGTERM afterwards, so the last line is said here."""
        if forwarder is not None:
            forwarder.stop()
        click.echo(f"collect: stopped; {_summary(totals)}", err=True)

    # From here on, a Ctrl+C stops the collector as uvicorn does (drain, commit, last line).
    release = hold_stop_signals()
    try:
        app = build_app(engine, CollectorOptions(write_keys=keys, no_auth=no_auth, trust_proxy=trust_proxy,
                                                 on_committed=forwarder.committed if forwarder else None,
                                                 in_transaction=forwarder.in_transaction if forwarder else None,
                                                 on_stopped=stopped, totals=totals, on_started=release))
        auth = "no authentication" if no_auth else f"{len(keys)} write key(s)"
        # The port bound (--port 0: the one the system chose), and an IPv6 address in brackets.
        where = f"[{host}]" if ":" in host else host
        click.echo(f"Tracklens collector: http://{where}:{sock.getsockname()[1]}/v1/batch -> "
                   f"{redact(str(engine.url))} ({auth})", err=True)
        if forwarder is not None:
            forwarder.start()
            click.echo(f"forwarding to {', '.join(d.name for d in destinations)}", err=True)
        serve(app, host, port, access_log=access_log, sock=sock)
    except KeyboardInterrupt:
        # Ctrl+C is how the collector is stopped: uvicorn drained the requests and the queue was
        # committed before it raised the signal again. Not "Aborted!" with status 1.
        pass
    finally:
        release()  # also when the application never started
        if forwarder is not None:
            forwarder.stop()
        engine.dispose()
