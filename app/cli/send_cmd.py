"""`tracklens send`: run a campaign file against a database (once, or every N minutes)."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import sys
import time
from typing import Any

import click

from app.cli.options import Whole
from app.cli.terminal import visible

_EVERY = re.compile(r"^\s*(\d+)\s*(s|m|h)\s*$")
#: The longest --every: 31 days (a longer sleep, or a number of 4,300 digits, was a traceback).
MAX_EVERY_S = 31 * 86400


def _parse_every(text: str | None) -> float | None:
    if text is None:
        return None
    shown = repr(text if len(text) <= 40 else text[:37] + "...")
    match = _EVERY.match(text.lower())
    digits = match.group(1).lstrip("0") if match else ""
    if match is None or not digits:
        raise click.BadParameter(f"{shown} is not an interval: it must look like 30s, 15m or 1h",
                                 param_hint="--every")
    seconds = int(digits[:9]) * {"s": 1, "m": 60, "h": 3600}[match.group(2)]
    if len(digits) > 9 or seconds > MAX_EVERY_S:
        raise click.BadParameter(f"{shown} is too long: --every is at most 31 days (744h)",
                                 param_hint="--every")
    return seconds


@click.command()
@click.option("--db", "db_url", required=True, help="SQLAlchemy URL or SQLite file of the event database.")
@click.argument("campaign_file", metavar="CAMPAIGN.json", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="List who would get what; send and record nothing.")
@click.option("--limit", type=Whole(min=1, what="a number of messages", example="100"), default=None,
              help="Send at most N messages in this run.")
@click.option("--every", default=None, metavar="15m", help="Run again at this interval until Ctrl+C.")
@click.option("--rate", default=None, metavar="10/s", help="At most this many messages per second/minute/hour.")
@click.option("--smtp", "smtp_url", default=None, metavar="URL",
              help="smtp://user@host:587 (STARTTLS) or smtps://user@host:465; default $TRACKLENS_SMTP_URL. "
                   "Password: keychain or $TRACKLENS_SMTP_PASSWORD.")
@click.option("--resend-unconfirmed", is_flag=True,
              help="Send again to people whose delivery was interrupted (they may get it twice).")
@click.option("--test-to", default=None, metavar="ADDRESS",
              help="Send one test message to ADDRESS, rendered for --as PERSON; records nothing.")
@click.option("--as", "as_person", default=None, metavar="PERSON", help="The person a test message is rendered for.")
def send(db_url: str, campaign_file: str, dry_run: bool, limit: int | None, every: str | None, rate: str | None,
         smtp_url: str | None, resend_unconfirmed: bool, test_to: str | None, as_person: str | None) -> None:
    """Send a campaign to every member of its audience not yet messaged or held out."""
    from sqlalchemy.exc import DBAPIError

    from app.core.database import DatabaseError, describe_error, open_database
    from app.outbound.messages import CampaignError, load_campaign
    from app.outbound.messages.sender import SendOptions, send_campaign, send_test
    from app.outbound.ratelimit import parse_rate
    from app.query import QueryError

    if test_to is not None and dry_run:  # a dry run sends nothing; --test-to sends one message
        raise click.UsageError("--test-to and --dry-run cannot be combined")
    interval = _parse_every(every)
    try:
        per_second = parse_rate(rate) if rate is not None else None
    except ValueError as exc:  # a typo in an option: a usage error (status 2), as click's own
        raise click.BadParameter(str(exc), param_hint="--rate") from None
    smtp = smtp_url or os.environ.get("TRACKLENS_SMTP_URL") or None
    try:
        campaign = load_campaign(campaign_file)
        # An existing Tracklens database only: a mistyped path or an empty database has no audience.
        engine = open_database(db_url, require_tracklens=True)
    except (CampaignError, DatabaseError) as exc:
        raise click.ClickException(str(exc)) from None
    from app.outbound.support import unsupported_reason

    reason = unsupported_reason(engine, "Messages")
    if reason is not None:
        engine.dispose()
        raise click.ClickException(reason)
    # SIGTERM (a service manager stopping `--every`) ends like Ctrl+C: the run in progress
    # finishes its current delivery's bookkeeping in the `finally` blocks.
    signal.signal(signal.SIGTERM, _terminate)
    try:
        if test_to is not None:
            if as_person is None:
                raise click.ClickException("--test-to needs --as PERSON (whose traits fill the templates)")
            out = send_test(engine, campaign, as_person, test_to, smtp_url=smtp)
            click.echo(f"test message for {as_person} sent to {out.address}")
            return
        options = SendOptions(dry_run=dry_run, limit=limit, rate=per_second, resend_unconfirmed=resend_unconfirmed,
                              out=lambda line: click.echo(visible(line, keep_tabs=True)))
        while True:
            summary = send_campaign(engine, campaign, smtp_url=smtp, options=options)
            stamp = dt.datetime.now().strftime("%H:%M:%S") + " " if interval else ""
            click.echo(stamp + summary.line())
            if interval is None:
                return
            options.resend_unconfirmed = False
            time.sleep(interval)
    except (CampaignError, QueryError, DatabaseError) as exc:
        raise click.ClickException(str(exc)) from None
    except DBAPIError as exc:  # refused by the database (a read-only role): one line, not a traceback
        raise click.ClickException(describe_error(exc)) from None
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
        sys.exit(130)
    finally:
        engine.dispose()


def _terminate(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt
