"""`tracklens demo` (write a demo product) and `tracklens simulate` (live traffic until Ctrl+C)."""

from __future__ import annotations

import math
import sys
import time
from datetime import UTC, datetime, timedelta

import click

from app.cli.database import cannot_open
from app.cli.options import Number, Whole, iso_moment
from app.core.database import DatabaseError, open_database, redact
from app.core.paths import demo_db_path


def _open(db_url: str | None) -> tuple[str, object]:
    url = db_url or str(demo_db_path())
    try:
        return url, open_database(url)
    except DatabaseError as exc:
        raise cannot_open(url, exc) from None


#: The oldest time the writer stores (app.ingest.messages.EARLIEST_MS); a day past now is its newest.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def _parse_end(value: str | None, days: int) -> datetime | None:
    """--end, checked against the times the writer stores: a history outside them was generated,
    rejected message by message and reported as "stored 0 events" with exit 0 (--end 2030-01-01,
    or 1999), or raised a traceback (--end 0001-01-01, --days 100000000)."""
    if value is None:
        if (datetime.now(UTC) - EARLIEST).days < days:
            raise click.BadParameter(f"{days:,} days reach back before {EARLIEST:%Y-%m-%d}, the earliest time "
                                     "Tracklens stores", param_hint="--days")
        return None
    parsed = iso_moment(value, "--end")
    if not isinstance(parsed, datetime):
        parsed = datetime.combine(parsed, datetime.min.time())
    end = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if end > datetime.now(UTC) + timedelta(days=1):
        raise click.BadParameter(f"{value} is more than a day from now: Tracklens stores no event that far ahead",
                                 param_hint="--end")
    if (end - EARLIEST).days < days:
        raise click.BadParameter(f"the {days:,} days before {value} reach back before {EARLIEST:%Y-%m-%d}, the "
                                 "earliest time Tracklens stores", param_hint="--end/--days")
    return end


@click.command()
@click.option("--db", "db_url", default=None, help="SQLAlchemy URL or SQLite file (default: the demo database).")
@click.option("--events", default=200_000, show_default=True,
              type=Whole(min=0, what="a number of events", example="200000"),
              help="About how many events to generate (never more; the history still reaches --end).")
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same data.")
@click.option("--days", default=90, show_default=True, help="Length of the history.",
              type=Whole(min=1, what="a number of days", example="90"))
@click.option("--end", default=None, help="Last moment of the history (ISO-8601, default: now).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--workers", type=Whole(min=0, what="a number of processes", example="1"), default=None,
              metavar="N",
              help="0: generate in this process; 1: in a second process while this one stores "
                   "(default for 50,000 events or more on a machine with two cores or more).")
def demo(db_url: str | None, events: int, seed: int, days: int, end: str | None, quiet: bool,
         workers: int | None) -> None:
    """Generate a believable demo product (an online coffee-gear shop) into a database."""
    from tqdm import tqdm

    from app.demo.generator import generate_demo
    from app.ingest.enrich import GeoIPError
    from app.ingest.workers import demo_workers

    if workers is None:
        workers = demo_workers(events)
    # "Now" fixed here (as generate_demo would, to the second), so that an interrupted run can
    # say which --end completes it.
    end_dt = _parse_end(end, days) or datetime.now(UTC).replace(microsecond=0)
    url, engine = _open(db_url)
    started = time.perf_counter()
    written = [0]  # events committed so far (a disabled bar counts nothing)
    with tqdm(total=events, unit="ev", unit_scale=True, file=sys.stderr, disable=quiet,
              desc="demo") as bar:
        def progress(done: int) -> None:
            written[0] = done
            bar.update(done - bar.n)

        try:
            summary = generate_demo(engine, events, seed=seed, end=end_dt, days=days,  # type: ignore[arg-type]
                                    progress=progress, workers=workers)
        except GeoIPError as exc:
            raise click.ClickException(str(exc)) from None
        except DatabaseError as exc:
            # Was the database's words alone ('attempt to write a readonly database'): which
            # database, and whether anything was kept, went unsaid.
            kept = f"the {written[0]:,} events committed before it are stored" if written[0] else "nothing was stored"
            where = redact(url)
            # (a reason that names the file, as a read-only SQLite file's does, named it twice)
            into = "" if str(exc).startswith(where) else f" into {where}"
            raise click.ClickException(f"cannot write the demo{into}: {exc} ({kept})") from None
        except KeyboardInterrupt:
            # Was click's bare "Aborted!": nothing said what was kept or how to finish.
            again = "the same command again" if end is not None else \
                f"the same command with --end {end_dt.isoformat().replace('+00:00', 'Z')}"
            raise click.ClickException(
                f"interrupted: the {written[0]:,} events committed so far are stored in {redact(url)}, "
                f"which is usable; run {again} to complete this demo (what is stored is skipped)") from None
        finally:
            engine.dispose()  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - started
    click.echo(
        f"demo: stored {summary.stored:,} events ({summary.visitors:,} visitors, {summary.identified:,} signed up) "
        f"into {redact(url)} in {elapsed:.1f} s ({summary.stored / max(elapsed, 1e-9):,.0f} events/s)"
    )
    if summary.duplicates:
        click.echo(f"demo: {summary.duplicates:,} events were already there (same seed and end)")


def _finite(value: float, name: str, what: str = "a number of events per second") -> float:
    """click's FloatRange lets NaN through (every comparison with it is false); the simulator's
    thread then died on it with a traceback, and `--duration nan` stopped at once with status 0."""
    if not math.isfinite(value):
        raise click.BadParameter(f"{value} is not {what}", param_hint=name)
    return value


@click.command()
@click.option("--db", "db_url", default=None, help="SQLAlchemy URL or SQLite file (default: the demo database).")
@click.option("--rate", default=5.0, show_default=True,
              type=Number(min=0, max=100_000, min_open=True, what="a number of events per second",
                          example="5"),
              callback=lambda _ctx, _param, value: _finite(value, "--rate"), help="Events per second.")
@click.option("--seed", default=None, type=int, help="Seed (default: random, so runs never collide).")
@click.option("--duration", default=None, type=Number(min=0, what="a number of seconds", example="60"),
              callback=lambda _ctx, _param, value: value if value is None or value == float("inf")
              else _finite(value, "--duration", "a number of seconds"),
              help="Stop after this many seconds (default: run until Ctrl+C).")
def simulate(db_url: str | None, rate: float, seed: int | None, duration: float | None) -> None:
    """Append live demo traffic until stopped (feeds the Live View)."""
    from app.demo.simulator import Simulator
    from app.ingest.enrich import GeoIPError

    url, engine = _open(db_url)
    try:
        sim = Simulator(engine, rate, seed)  # type: ignore[arg-type]
    except GeoIPError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"simulate: writing about {rate:g} events/s into {redact(url)}; Ctrl+C to stop", err=True)
    sim.start()
    started = time.monotonic()
    try:
        while duration is None or time.monotonic() - started < duration:
            time.sleep(min(1.0, duration or 1.0))
            if sim.last_error:
                click.echo(f"simulate: {sim.last_error} (retrying)", err=True)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    click.echo(f"simulate: stored {sim.stored:,} events")
    if sim.last_error:  # its last write failed (and every one, when it stored none): not a success
        raise click.ClickException(f"the last write failed: {sim.last_error}")
