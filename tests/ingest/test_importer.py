"""`tracklens import`: JSON Lines and batch files, gzip, idempotent re-import, exit codes."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
import zlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli.main import cli
from app.ingest.importer import ImportFileError, import_files
from app.ingest.writer import EventWriter
from tests.ingest.conftest import event_rows, import_into


def _messages(n: int, prefix: str = "m") -> list[dict[str, Any]]:
    return [
        {"type": "track", "messageId": f"{prefix}{i}", "userId": f"user{i % 3}", "event": "Imported",
         "properties": {"n": i}, "timestamp": f"2023-07-01T10:00:{i % 60:02d}Z"}
        for i in range(n)
    ]


def _jsonl(path: Path, lines: list[str], gz: bool = False) -> Path:
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def test_jsonl_with_bad_lines_stores_the_rest(tmp_path: Path, db_url: str) -> None:
    good = [json.dumps(m) for m in _messages(5)]
    lines = [good[0], "{not json", good[1], json.dumps({"type": "track", "userId": "u"}), "", good[2],
             json.dumps({"type": "track", "event": "E"}), good[3], good[4]]
    path = _jsonl(tmp_path / "export.jsonl", lines)
    result = CliRunner().invoke(cli, ["import", "--db", db_url, "--quiet", str(path)])
    assert result.exit_code == 0, result.output
    assert "5 stored" in result.output and "3 rejected" in result.output
    assert f"{path}:2: invalid JSON" in result.output
    assert f"{path}:4: track without event name" in result.output
    assert f"{path}:7: missing both userId and anonymousId" in result.output


def test_gzip_batch_file_and_reimport_stores_nothing_twice(tmp_path: Path, engine: Engine) -> None:
    batch = {"batch": _messages(30), "sentAt": "2023-07-01T10:01:00Z"}
    path = tmp_path / "batch.json.gz"
    path.write_bytes(gzip.compress(json.dumps(batch, indent=2).encode()))
    writer = EventWriter(engine)
    first = import_files(writer, [path], chunk=7)
    assert (first.stored, first.duplicates, first.rejected) == (30, 0, 0)
    again = import_files(writer, [path], chunk=7)
    assert (again.stored, again.duplicates) == (0, 30)
    rows = event_rows(engine)
    assert len(rows) == 30
    assert rows[0]["properties"] == {"n": 0}
    assert rows[0]["ts"] == 1688205600000  # 2023-07-01T10:00:00Z: no arrival time, device time kept


def test_lines_without_message_ids_are_idempotent_too(tmp_path: Path, engine: Engine) -> None:
    msgs = [{k: v for k, v in m.items() if k != "messageId"} for m in _messages(10)]
    path = _jsonl(tmp_path / "noids.jsonl.gz", [json.dumps(m) for m in msgs], gz=True)
    writer = EventWriter(engine)
    assert import_files(writer, [path]).stored == 10
    assert import_files(writer, [path]).duplicates == 10
    assert len(event_rows(engine)) == 10


@pytest.mark.parametrize("layout", ["array", "pretty-batch", "batch-lines"])
def test_document_layouts(tmp_path: Path, sqlite_url: str, layout: str) -> None:

    msgs = _messages(12)
    path = tmp_path / "in.json"
    if layout == "array":
        path.write_text(json.dumps(msgs, indent=1))
    elif layout == "pretty-batch":
        path.write_text(json.dumps({"sentAt": "2023-07-01T10:01:00Z", "batch": msgs, "writeKey": "k"}, indent=2))
    else:
        path.write_text("\n".join(json.dumps({"batch": msgs[i:i + 4]}) for i in range(0, 12, 4)))
    summary, stored = import_into(sqlite_url, path)
    assert (summary.stored, summary.rejected) == (12, 0)
    assert stored == [f"m{i}" for i in range(12)]


def test_document_streams_across_read_chunks(tmp_path: Path, sqlite_url: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from app.core.database import open_database
    from app.ingest import importer

    monkeypatch.setattr(importer, "_READ", 17)  # force elements to straddle buffer refills
    msgs = _messages(40)
    msgs[3]["properties"] = {"text": "naïve ☕ 東京", "price": 12.5, "big": 12345678901234}
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"batch": msgs}, indent=2, ensure_ascii=False), encoding="utf-8")
    engine = open_database(sqlite_url)
    assert import_files(EventWriter(engine, enrich=False), [path]).stored == 40
    assert event_rows(engine)[3]["properties"] == msgs[3]["properties"]


def test_broken_document_reports_the_line_and_keeps_what_was_read(tmp_path: Path, sqlite_url: str) -> None:

    text = json.dumps({"batch": _messages(3)}, indent=2)
    path = tmp_path / "broken.json"
    path.write_text(text[: text.rindex("}", 0, len(text) - 5)] + "}, {oops]}")
    summary, _ = import_into(sqlite_url, path)
    assert summary.stored == 3
    assert summary.rejected == 1
    assert "cannot be read" in summary.problems[0].reason
    assert summary.problems[0].line > 10


def test_missing_file_fails_with_one_line(tmp_path: Path, sqlite_url: str) -> None:
    result = CliRunner().invoke(cli, ["import", "--db", sqlite_url, str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: no such file: {tmp_path / 'nope.jsonl'}"


def test_unreachable_database_fails_with_one_line(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "a.jsonl", [json.dumps(m) for m in _messages(1)])
    result = CliRunner().invoke(cli, ["import", "--db", "postgresql://nobody@127.0.0.1:1/none", str(path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: cannot open") and "Traceback" not in result.output


def test_corrupt_gzip_is_a_failure_after_storing_what_was_readable(tmp_path: Path, sqlite_url: str) -> None:
    from app.core.database import open_database

    data = gzip.compress(("\n".join(json.dumps(m) for m in _messages(2000)) + "\n").encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    result = CliRunner().invoke(cli, ["import", "--db", sqlite_url, "--quiet", str(path)])
    assert result.exit_code == 1
    assert "Error: cannot read" in result.output
    assert "stored" in result.output
    engine = open_database(sqlite_url)
    assert 0 < len(event_rows(engine)) < 2000


@pytest.mark.parametrize("layout", ["lines", "document"])
def test_a_small_gzip_cut_off_keeps_every_whole_message_before_the_cut(tmp_path: Path, sqlite_url: str,
                                                                       layout: str) -> None:
    """A cut in the first 64 KB of text (a small export, a download that stopped) stored
    nothing: the first read, which decides the layout, failed as a whole."""
    from app.core.database import open_database

    lines = [json.dumps(m) for m in _messages(300)]
    text = "\n".join(lines) + "\n" if layout == "lines" else '{"batch": [\n' + ",\n".join(lines) + "\n]}\n"
    data = gzip.compress(text.encode())
    path = tmp_path / "cut.json.gz"
    path.write_bytes(data[: len(data) // 2])
    readable = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(path.read_bytes())
    assert len(readable) < 1 << 16
    whole = readable.count(b"\n") - (layout == "document")  # the document's first line is '{"batch": ['
    result = CliRunner().invoke(cli, ["import", "--db", sqlite_url, "--quiet", "--workers", "0", str(path)])
    assert result.exit_code == 1
    assert "Error: cannot read" in result.output and "Traceback" not in result.output
    assert f"{whole} stored" in result.output
    assert len(event_rows(open_database(sqlite_url))) == whole
    cut_in_its_header = tmp_path / "header.json.gz"
    cut_in_its_header.write_bytes(data[:5])
    result = CliRunner().invoke(cli, ["import", "--db", sqlite_url, "--quiet", str(cut_in_its_header)])
    assert result.exit_code == 1 and "Error: cannot read" in result.output


def test_import_files_checks_every_file_before_writing(tmp_path: Path, engine: Engine) -> None:
    good = _jsonl(tmp_path / "a.jsonl", [json.dumps(m) for m in _messages(3)])
    with pytest.raises(ImportFileError, match="no such file"):
        import_files(EventWriter(engine), [good, tmp_path / "missing.jsonl"])
    assert event_rows(engine) == []


def test_empty_file_is_fine(tmp_path: Path, sqlite_url: str) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n")
    result = CliRunner().invoke(cli, ["import", "--db", sqlite_url, "--quiet", str(path)])
    assert result.exit_code == 0
    assert "0 stored" in result.output


def test_a_folder_imports_the_export_files_inside(tmp_path: Path, sqlite_url: str) -> None:
    """Issue 16: `tracklens import DIR` said 'no such file'."""
    from app.core.database import open_database

    folder = tmp_path / "export"
    (folder / "2023" / "07").mkdir(parents=True)
    (folder / ".cache").mkdir()
    msgs = _messages(9)
    _jsonl(folder / "2023" / "07" / "a.jsonl", [json.dumps(m) for m in msgs[:3]])
    _jsonl(folder / "2023" / "07" / "b.jsonl.gz", [json.dumps(m) for m in msgs[3:6]], gz=True)
    (folder / "c.json").write_text(json.dumps({"batch": msgs[6:]}))
    (folder / "README.txt").write_text("not an export")
    _jsonl(folder / ".cache" / "hidden.jsonl", [json.dumps(m) for m in _messages(5, "h")])
    result = CliRunner().invoke(cli, ["import", "--db", sqlite_url, "--quiet", str(folder)])
    assert result.exit_code == 0, result.output
    assert "9 stored" in result.output and "0 rejected" in result.output
    assert len(event_rows(open_database(sqlite_url))) == 9
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(cli, ["import", "--db", sqlite_url, str(empty)])
    assert result.exit_code == 1 and "no export files" in result.output


def test_max_rejects_fails_a_script_but_keeps_what_was_valid(tmp_path: Path, sqlite_url: str) -> None:
    from app.core.database import open_database

    lines = [json.dumps(m) for m in _messages(4)] + ["{not json", json.dumps({"type": "track", "userId": "u"})]
    path = _jsonl(tmp_path / "x.jsonl", lines)
    ok = CliRunner().invoke(cli, ["import", "--db", sqlite_url, "--quiet", "--max-rejects", "2", str(path)])
    assert ok.exit_code == 0, ok.output
    bad = CliRunner().invoke(cli, ["import", "--db", sqlite_url, "--quiet", "--max-rejects", "1", str(path)])
    assert bad.exit_code == 1
    assert "2 lines were rejected, more than --max-rejects 1" in bad.output
    assert len(event_rows(open_database(sqlite_url))) == 4


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_a_pipe_is_imported_like_a_file(tmp_path: Path, sqlite_url: str, gz: bool) -> None:
    """`tracklens import --db x <(zcat export.gz)` and `... /dev/stdin` said 'no such file' (a pipe
    is not a regular file, and the gzip check sought back in it)."""
    from app.core.database import open_database

    pipe = tmp_path / "export.pipe"
    os.mkfifo(pipe)
    data = ("\n".join(json.dumps(m) for m in _messages(7)) + "\n").encode()

    def feed() -> None:
        with open(pipe, "wb") as fh:
            fh.write(gzip.compress(data) if gz else data)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    result = CliRunner().invoke(cli, ["import", "--db", sqlite_url, "--quiet", str(pipe)])
    writer.join(10)
    assert result.exit_code == 0, result.output
    assert "7 stored" in result.output
    assert len(event_rows(open_database(sqlite_url))) == 7


@pytest.mark.skipif(not Path("/dev/stdin").exists(), reason="no /dev/stdin")
def test_a_dash_imports_standard_input(tmp_path: Path, sqlite_url: str) -> None:
    data = "\n".join(json.dumps(m) for m in _messages(3)) + "\n"
    done = subprocess.run([sys.executable, "-m", "app", "import", "--db", sqlite_url, "--quiet", "-"],
                          input=data, capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    assert "3 stored" in done.stdout and "/dev/stdin" not in done.stderr


def test_a_number_of_workers_past_reason_is_refused(tmp_path: Path, sqlite_url: str) -> None:
    """Each worker is a process with the app imported: --workers 1000 (a typo for 10) could start one
    per chunk of a big file."""
    path = _jsonl(tmp_path / "a.jsonl", [json.dumps(m) for m in _messages(2)])
    result = CliRunner().invoke(cli, ["import", "--db", sqlite_url, "--workers", "1000", str(path)])
    assert result.exit_code == 2 and "--workers" in result.stderr and "0<=x<=64" in result.stderr


def test_a_database_error_midway_says_what_is_stored_and_that_a_rerun_finishes(
        tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An import stopped by the database (SQLite locked past its 30 s wait by `tracklens
    materialize` or another program, a PostgreSQL connection lost) ended with only 'database
    error: database is locked': nothing said that the batches before were kept, nor that running
    the same import again skips them, as Ctrl+C's message says."""
    from app.core.database import DatabaseError

    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps({"type": "track", "event": "E", "userId": f"u{i % 7}", "messageId": f"m{i}",
                                        "timestamp": "2026-11-01T10:00:00Z"}) + "\n" for i in range(12_000)))
    store, calls = EventWriter.store, []

    def locked_at_the_second_batch(self: EventWriter, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise DatabaseError("database is locked")
        return store(self, *args, **kwargs)

    monkeypatch.setattr(EventWriter, "store", locked_at_the_second_batch)
    first = CliRunner().invoke(cli, ["import", "--db", sqlite_url, "--quiet", "--workers", "0", str(path)])
    assert first.exit_code == 1
    assert "5,000 stored" in first.output
    assert ("database error: database is locked; the batches committed before it are stored (the same import "
            "run again skips them)") in first.output
    monkeypatch.undo()
    again = CliRunner().invoke(cli, ["import", "--db", sqlite_url, "--quiet", "--workers", "0", str(path)])
    assert again.exit_code == 0, again.output
    assert "7,000 stored, 5,000 duplicates skipped" in again.output


@pytest.mark.parametrize("stop", ["database error", "Ctrl+C"])
def test_a_stop_before_anything_is_stored_says_nothing_was(
        tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, stop: str) -> None:
    """Refused (or interrupted) at its first batch, an import printed "0 stored" and then "the
    batches committed before it (so far) are stored", which read as if some were."""
    from app.core.database import DatabaseError

    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps({"type": "track", "event": "E", "userId": "u", "messageId": f"m{i}",
                                        "timestamp": "2026-11-01T10:00:00Z"}) + "\n" for i in range(10)))

    def refused(self: EventWriter, *args: Any, **kwargs: Any) -> Any:
        if stop == "Ctrl+C":
            raise KeyboardInterrupt
        raise DatabaseError("attempt to write a readonly database")

    monkeypatch.setattr(EventWriter, "store", refused)
    result = CliRunner().invoke(cli, ["import", "--db", sqlite_url, "--quiet", "--workers", "0", str(path)])
    assert result.exit_code == 1
    assert "0 stored" in result.output
    said = ("database error: attempt to write a readonly database; nothing was stored" if stop == "database error"
            else "interrupted before anything was stored; run the same import again")
    assert said in result.output, result.output
    assert "committed" not in result.output
