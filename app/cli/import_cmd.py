"""`tracklens import --db URL FILE...`: load Segment JSON Lines / batch files (gzip or plain)."""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path
from typing import Any

import click

from app.cli.database import cannot_open
from app.cli.options import Whole
from app.core.database import DatabaseError, open_database

#: Most --workers: each is a process of its own (the app imported, ~100 MB); a typo (1000 for 10)
#: could start one per chunk of a big file.
MAX_WORKERS = 64
#: What an export file may be called, when a folder is given.
EXPORT_SUFFIXES = (".json", ".jsonl", ".ndjson", ".gz")


def expand_paths(names: tuple[str, ...]) -> list[Path]:
    """The files to import: files as given, folders as the export files inside them (sorted,
    subfolders included, hidden ones skipped), `-` as standard input. One-line error for a
    missing path or a folder without export files."""
    out: list[Path] = []
    for name in names:
        if name == "-" and sys.stdin is not None and sys.stdin.isatty():
            # No pipe: the import waited in silence for messages typed by hand (and a first
            # Ctrl+D did not end it), which looked like a command that hung.
            raise click.UsageError("'-' imports what is piped in (zcat export.jsonl.gz | tracklens import "
                                   "--db events.sqlite -), and nothing is: give the export file, or pipe it in")
        path = Path("/dev/stdin" if name == "-" and Path("/dev/stdin").exists() else name)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(EXPORT_SUFFIXES)
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                raise click.ClickException(f"no export files ({', '.join(EXPORT_SUFFIXES)}) in the folder {name}")
            out += found
        elif path.exists():  # a file, or a pipe: `zcat export.gz | tracklens import --db x -`, `<(...)`
            out.append(path)
        else:
            raise click.ClickException(f"no such file: {name}")
    return out


#: What `tracklens import` reads, said when a file is none of it.
NOT_AN_EXPORT = ("tracklens import reads Segment messages: JSON Lines (one JSON object per line) or "
                 "{\"batch\": [...]} files, gzip or plain")


def _described(names: tuple[str, ...]) -> str:
    """The files given, as a person reads them ('-' is the standard input), at most three named."""
    shown = ["the standard input" if n == "-" else n for n in names[:3]]
    return ", ".join(shown) + (f" and {len(names) - 3:,} more" if len(names) > 3 else "")


@click.command("import")
@click.option("--db", "db_url", required=True, help="SQLAlchemy URL or SQLite file to import into.")
@click.option("--no-enrich", is_flag=True, help="Skip GeoIP / user-agent / referrer enrichment.")
@click.option("--geoip", "geoip_path", default=None, type=click.Path(dir_okay=False),
              help="A MaxMind-format .mmdb to use instead of the bundled DB-IP City Lite.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--max-rejects", type=Whole(min=0, what="a number of lines", example="100"), default=None,
              metavar="N",
              help="Exit with status 1 when more than N lines were rejected (what was valid is stored).")
@click.option("--workers", type=Whole(min=0, max=MAX_WORKERS, what="a number of processes", example="2"),
              default=None, metavar="N",
              help="Processes that parse, validate and enrich while this one stores (default: one per "
                   "core besides the writer's for files over 4 MB; 0: all in this process).")
@click.argument("files", nargs=-1, required=True)
def import_(db_url: str, no_enrich: bool, geoip_path: str | None, quiet: bool, max_rejects: int | None,
            workers: int | None, files: tuple[str, ...]) -> None:
    """Import Segment messages from FILES (JSON Lines or {"batch": [...]}, gzip or plain).

    A folder imports the export files inside it (and its subfolders, in name order:
    *.json, *.jsonl, *.ndjson, *.gz). Re-importing a file stores nothing twice. Exit status
    0 when every file was read, even if some lines were rejected (they are listed; see
    --max-rejects); 1 when a file or the database could not be used, or nothing could be
    imported because every line was rejected (a file that is not an export).
    """
    from tqdm import tqdm

    from app.ingest.enrich import Enricher, GeoIPError
    from app.ingest.importer import KEEP_PROBLEMS, ImportFileError, ImportSummary, import_files
    from app.ingest.people import MAX_PROFILE_BYTES, MAX_PROFILE_TRAITS
    from app.ingest.workers import auto_workers
    from app.ingest.writer import EventWriter

    paths = expand_paths(files)
    if workers is None:
        workers = auto_workers(sum(p.stat().st_size for p in paths))
    # Ctrl+C while the database opens or the GeoIP database loads (a second or more) was click's
    # bare "Aborted!", which did not say whether anything had been stored.
    not_begun = "interrupted before the import began: nothing was stored"
    try:
        engine = open_database(db_url)
    except DatabaseError as exc:
        raise cannot_open(db_url, exc) from None
    except KeyboardInterrupt:
        raise click.ClickException(not_begun) from None
    try:
        enricher = Enricher(geoip_path) if geoip_path and not no_enrich else None
        writer = EventWriter(engine, enrich=not no_enrich, enricher=enricher)
    except (GeoIPError, KeyboardInterrupt) as exc:
        engine.dispose()
        raise click.ClickException(not_begun if isinstance(exc, KeyboardInterrupt) else str(exc)) from None

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
            # The count first: update() is what redraws (at most every 0.1 s), and given after it
            # the count showed the batch before until the bar closed.
            bar.set_postfix(messages=f"{messages:,}", refresh=False)
            bar.update(position - bar.n)

    failure: str | None = None
    summary = ImportSummary()
    # What start-up made (the modules, the database driver and chDB's client, the enricher) lives
    # as long as the import: frozen, the storing process's full collections no longer walk it
    # (docs/benchmarks/clickhouse.md, 2026-12-07). Unfrozen after, for a caller in a longer process.
    gc.collect()
    gc.freeze()
    try:
        import_files(writer, list(paths), progress=progress, on_file=on_file, summary=summary, workers=workers)
    except KeyboardInterrupt:
        failure = ("interrupted: the batches committed so far are stored; run the same import again to finish"
                   if summary.stored or summary.duplicates else
                   "interrupted before anything was stored; run the same import again")
    except ImportFileError as exc:
        failure = str(exc)
    except DatabaseError as exc:
        # "the batches committed before it are stored" under "0 stored" read as if some were.
        failure = (f"database error: {exc}; " + ("the batches committed before it are stored (the same import run "
                                                 "again skips them)" if summary.stored or summary.duplicates
                                                 else "nothing was stored"))
    finally:
        gc.unfreeze()
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
        # Parts of lines not used while their messages were (a batch context that is no object).
        for note in summary.notes:
            click.echo(f"  {note.file}:{note.line}: {note.reason}")
        if summary.ignored > len(summary.notes):
            click.echo(f"  ... and {summary.ignored - len(summary.notes):,} more ignored (first {KEEP_PROBLEMS} shown)")
        if summary.traits_left_out:
            click.echo(f"  {summary.traits_left_out:,} stored messages had traits left out of their person's profile, "
                       f"which holds at most {MAX_PROFILE_TRAITS:,} traits and {MAX_PROFILE_BYTES // 1024} KB "
                       "(their events keep them)")
    if failure is not None:
        raise click.ClickException(failure)
    if summary.files and not summary.messages:
        # An empty export (a quiet day's file) is not a failure, but "0 messages" alone did not
        # say which file held nothing, nor that it was read at all.
        click.echo(f"import: nothing to import: {_described(files)} held no message", err=True)
    elif summary.rejected and not summary.stored and not summary.duplicates:
        # A file of another kind (CSV, a database, a picture, gzip of text) was one rejected
        # "line" and status 0, as if it had been imported.
        raise click.ClickException(
            f"nothing was imported: every line was rejected (see above); {NOT_AN_EXPORT}")
    if max_rejects is not None and summary.rejected > max_rejects:
        raise click.ClickException(f"{summary.rejected:,} lines were rejected, more than --max-rejects {max_rejects:,} "
                                   "(the valid ones are stored)")
