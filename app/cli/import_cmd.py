"""`tracklens import --db URL FILE...`: load Segment JSON Lines / batch files (gzip or plain)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from app.core.database import DatabaseError, open_database, redact


@click.command("import")
@click.option("--db", "db_url", required=True, help="SQLAlchemy URL or SQLite file to import into.")
@click.option("--no-enrich", is_flag=True, help="Skip GeoIP / user-agent / referrer enrichment.")
@click.option("--geoip", "geoip_path", default=None, type=click.Path(dir_okay=False),
              help="A MaxMind-format .mmdb to use instead of the bundled DB-IP City Lite.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.argument("files", nargs=-1, required=True)
def import_(db_url: str, no_enrich: bool, geoip_path: str | None, quiet: bool, files: tuple[str, ...]) -> None:
    """Import Segment messages from FILES (JSON Lines or {"batch": [...]}, gzip or plain).

    Re-importing a file stores nothing twice. Exit status 0 when every file was read,
    even if some lines were rejected (they are listed); 1 when a file or the database
    could not be used.
    """
    from tqdm import tqdm

    from app.ingest.enrich import Enricher, GeoIPError
    from app.ingest.importer import KEEP_PROBLEMS, ImportFileError, ImportSummary, import_files
    from app.ingest.writer import EventWriter

    for name in files:
        if not Path(name).is_file():
            raise click.ClickException(f"no such file: {name}")
    try:
        engine = open_database(db_url)
    except DatabaseError as exc:
        raise click.ClickException(f"cannot open {redact(db_url)}: {exc}") from None
    try:
        enricher = Enricher(geoip_path) if geoip_path and not no_enrich else None
        writer = EventWriter(engine, enrich=not no_enrich, enricher=enricher)
    except GeoIPError as exc:
        engine.dispose()
        raise click.ClickException(str(exc)) from None

    bar: Any = None
    started = time.perf_counter()

    def on_file(path: Path, size: int) -> None:
        nonlocal bar
        if bar is not None:
            bar.close()
        bar = tqdm(total=size, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr,
                   disable=quiet, desc=path.name[:30])

    def progress(position: int, messages: int) -> None:
        if bar is not None:
            bar.update(position - bar.n)
            bar.set_postfix(messages=f"{messages:,}", refresh=False)

    failure: str | None = None
    summary = ImportSummary()
    try:
        import_files(writer, list(files), progress=progress, on_file=on_file, summary=summary)
    except ImportFileError as exc:
        failure = str(exc)
    except DatabaseError as exc:
        failure = f"database error: {exc}"
    finally:
        if bar is not None:
            bar.close()
        engine.dispose()
    elapsed = time.perf_counter() - started
    if summary.files:
        total = summary.messages
        click.echo(
            f"import: {total:,} messages in {elapsed:.1f} s ({total / max(elapsed, 1e-9):,.0f}/s): "
            f"{summary.stored:,} stored, {summary.duplicates:,} duplicates skipped, {summary.rejected:,} rejected"
        )
        for problem in summary.problems:
            click.echo(f"  {problem.file}:{problem.line}: {problem.reason}")
        if summary.rejected > len(summary.problems):
            click.echo(f"  ... and {summary.rejected - len(summary.problems):,} more rejected "
                       f"(first {KEEP_PROBLEMS} shown)")
    if failure is not None:
        raise click.ClickException(failure)
