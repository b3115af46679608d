"""How many messages one batch of `tracklens import` holds is the database's (Backend.bulk_batch_rows):
a transaction of 5,000 on SQLite and PostgreSQL, an insert of 20,000 on ClickHouse, where each
insert is a new part per month (and per materialized view) that the engine merges later. Larger
batches keep every guarantee: nothing stored twice, bad lines rejected at their line, merges.
And the worker processes that prepare batches collect garbage less often (their start-up frozen)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import text

from app.core.backends import backend_for
from app.core.database import open_database
from app.ingest.importer import import_files
from app.ingest.workers import WORKER_GC_THRESHOLD, Preparers
from app.ingest.writer import EventWriter, IngestResult

N = 25_000


def _write(path: Path) -> Path:
    lines = []
    for i in range(N):
        lines.append(orjson.dumps({"type": "track", "event": "Viewed", "messageId": f"m{i}",
                                   "anonymousId": f"anon-{i % 500}", "properties": {"n": i},
                                   "timestamp": f"2026-{10 + i % 2:02d}-0{1 + i % 9}T10:00:00Z"}))
    # The anonymous id of the first batch's first events signs in in the last batch.
    lines.append(orjson.dumps({"type": "identify", "messageId": "login", "anonymousId": "anon-0",
                               "userId": "user-0", "timestamp": "2026-11-10T10:00:00Z"}))
    lines.append(b'{"type": "track", "broken')
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_an_import_stores_in_batches_of_the_database_s_size(tmp_path: Path, db_url: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "export.jsonl")
    batches: list[int] = []
    store = EventWriter.store

    def counted(self: EventWriter, records: list[Any], result: IngestResult, **kw: Any) -> IngestResult:
        batches.append(result.received + len(records))
        return store(self, records, result, **kw)

    monkeypatch.setattr(EventWriter, "store", counted)
    engine = open_database(db_url)
    try:
        summary = import_files(EventWriter(engine, enrich=False), [path], workers=0)
        again = import_files(EventWriter(engine, enrich=False), [path], workers=0)
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM events")).scalar()
            persons = conn.execute(text("SELECT count(DISTINCT person) FROM events")).scalar()
            first = conn.execute(text("SELECT person FROM events WHERE message_id = 'm0'")).scalar()
    finally:
        engine.dispose()
    size = backend_for(engine).bulk_batch_rows
    assert size == (20_000 if db_url.startswith(("chdb", "clickhouse")) else 5000)
    # 25,001 messages (and a broken line, read but not a message): 2 inserts on ClickHouse, not 6.
    assert batches[:len(batches) // 2] == [size] * (N // size) + [N + 1 - size * (N // size)]
    assert (summary.stored, summary.duplicates, summary.rejected) == (N + 1, 0, 1)
    assert [p.line for p in summary.problems] == [N + 2]
    assert (again.stored, again.duplicates, again.rejected) == (0, N + 1, 1)
    assert stored == N + 1
    # anon-1 ... anon-499 stay anonymous; anon-0's events from the first batch are user-0's.
    assert (persons, first) == (500, "user-0")


def _worker_gc(_enricher: Any) -> list[Any]:
    return [([], IngestResult(), (gc.get_threshold(), gc.get_freeze_count()))]


def test_worker_processes_collect_garbage_less_often(sqlite_url: str) -> None:
    engine = open_database(sqlite_url)
    try:
        with Preparers(EventWriter(engine, enrich=False), 1) as preparers:
            [(_records, _result, (threshold, frozen))] = preparers.submit(_worker_gc)()
    finally:
        engine.dispose()
    assert threshold == WORKER_GC_THRESHOLD != gc.get_threshold()
    assert frozen > 10_000  # the modules and objects of its start-up


def test_the_import_command_freezes_its_start_up_while_importing_and_unfreezes_after(
        tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The storing process's full collections skip what start-up made (docs/benchmarks/clickhouse.md,
    2026-12-07); a caller running the command in a longer process (CliRunner, a script) gets its
    collector back as it was, also when the import fails."""
    from click.testing import CliRunner

    from app.cli.main import cli
    from app.ingest import importer

    frozen: list[int] = []
    real = importer.import_files

    def watched(*args: Any, **kwargs: Any) -> Any:
        frozen.append(gc.get_freeze_count())
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "import_files", watched)
    path = _write(tmp_path / "export.jsonl")
    assert gc.get_freeze_count() == 0
    done = CliRunner().invoke(cli, ["import", "--db", sqlite_url, "--quiet", "--workers", "0", str(path)])
    assert done.exit_code == 0, done.output
    assert frozen[0] > 10_000 and gc.get_freeze_count() == 0

    monkeypatch.setattr(importer, "import_files", lambda *a, **k: (_ for _ in ()).throw(importer.ImportFileError("x")))
    done = CliRunner().invoke(cli, ["import", "--db", sqlite_url, "--quiet", str(path)])
    assert done.exit_code == 1 and gc.get_freeze_count() == 0
