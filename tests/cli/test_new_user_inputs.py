"""What a new user types wrong on the command line, and Ctrl+C where it was click's bare
"Aborted!" (new-user CLI hunt): each ends in one line saying what was wrong and what to do."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from app.cli.main import cli
from app.core.database import open_database
from app.ingest.writer import EventWriter
from tests.ingest.conftest import event_rows

REPO = Path(__file__).resolve().parents[2]


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


#: How the date options say what they take.
DATES = "a date (2026-11-01) or a date-time (2026-11-01T12:00:00Z)"


def _error_line(result: Any) -> str:
    assert "Traceback" not in result.output
    return result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(("args", "said"), [
    (["demo", "--events", "ten"],
     "Invalid value for '--events': 'ten' is not a number of events (e.g. 200000)"),
    (["demo", "--days", "7d"], "Invalid value for '--days': '7d' is not a number of days (e.g. 90)"),
    (["simulate", "--duration", "7d"],
     "Invalid value for '--duration': '7d' is not a number of seconds (e.g. 60)"),
    (["collect", "--no-auth", "--db", "x.sqlite", "--port", "http"],
     "Invalid value for '--port': 'http' is not a port number (e.g. 8088)"),
    (["query", "--spec", "{}", "--timeout", "2m"],
     "Invalid value for '--timeout': '2m' is not a number of seconds (e.g. 300)"),
    (["import", "--db", "x.sqlite", "--workers", "two", "x.jsonl"],
     "Invalid value for '--workers': 'two' is not a number of processes (e.g. 2)"),
    (["send", "--db", "x.sqlite", "c.json", "--limit", "ten"],
     "Invalid value for '--limit': 'ten' is not a number of messages (e.g. 100)"),
])
def test_a_number_typed_as_a_word_says_what_number_is_wanted(args: list[str], said: str) -> None:
    """click said "'ten' is not a valid integer range." (or "float range"): not what anyone
    types, and nothing about what to type instead."""
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert _error_line(result) == f"Error: {said}"


@pytest.mark.parametrize(("args", "said"), [
    (["forward", "--db", "x.sqlite", "--destinations", "d.json", "--from", "2026-13-01"],
     f"Invalid value for --from: '2026-13-01' is not {DATES}: month must be in 1..12"),
    (["forward", "--db", "x.sqlite", "--destinations", "d.json", "--to", "yesterday"],
     f"Invalid value for --to: 'yesterday' is not {DATES}"),
    (["demo", "--end", "2026-02-30"],
     f"Invalid value for --end: '2026-02-30' is not {DATES}: day is out of range for month"),
    (["send", "--db", "x.sqlite", "c.json", "--every", "15"],
     "Invalid value for --every: '15' is not an interval: it must look like 30s, 15m or 1h"),
    (["send", "--db", "x.sqlite", "c.json", "--rate", "ten"],
     "Invalid value for --rate: rate must look like 10/s, 600/m or 1000/h, got 'ten'"),
])
def test_a_mistyped_date_or_interval_is_a_usage_error_saying_what_is_wrong(args: list[str],
                                                                           said: str) -> None:
    """`forward --from 2026-13-01` and `send --every 15` ended with status 1, as if the run had
    failed, not the command line (click's status for that is 2); `demo --end 2026-02-30` said
    only 'not an ISO-8601 date/time', not that February has no 30th."""
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert _error_line(result) == f"Error: {said}"


def _track(n: int) -> str:
    return json.dumps({"type": "track", "event": "Signed Up", "userId": f"u{n}", "messageId": f"m{n}",
                       "timestamp": "2026-11-01T10:00:00Z"})


@pytest.mark.parametrize("content", [b"name,plan\nann,pro\n",
                                     b"SQLite format 3\x00\x10\x00\x01\x01\xff\xfe" * 40,
                                     b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"])
def test_a_file_that_is_no_export_is_a_failure(tmp_path: Path, sqlite_url: str, content: bytes) -> None:
    """A CSV file, a database or a picture given to `import` was one rejected 'line' ("expected
    '{', found 'n'; the rest of this file cannot be read") and status 0, as if imported."""
    path = tmp_path / "export.jsonl"
    path.write_bytes(content)
    result = run("import", "--quiet", "--db", sqlite_url, str(path))
    assert result.exit_code == 1, result.output
    assert "0 stored, 0 duplicates skipped, 1 rejected" in result.stdout
    assert _error_line(result) == (
        "Error: nothing was imported: every line was rejected (see above); tracklens import reads Segment "
        'messages: JSON Lines (one JSON object per line) or {"batch": [...]} files, gzip or plain')
    # Beside an export that is read, it stays a rejected line of a run that stored something.
    good = tmp_path / "good.jsonl"
    good.write_text(_track(1) + "\n", encoding="utf-8")
    mixed = run("import", "--quiet", "--db", sqlite_url, str(good), str(path))
    assert mixed.exit_code == 0 and "1 stored, 0 duplicates skipped, 1 rejected" in mixed.stdout, mixed.output


def test_an_empty_file_says_it_held_nothing(tmp_path: Path, sqlite_url: str) -> None:
    """'import: 0 messages ...' alone did not say which file held nothing, or that it was read.
    An empty export (a quiet day) stays a success, as docs/ingestion.md says."""
    path = tmp_path / "2026-11-01.jsonl"
    path.write_text("\n", encoding="utf-8")
    result = run("import", "--quiet", "--db", sqlite_url, str(path))
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == f"import: nothing to import: {path} held no message"


def test_ctrl_c_during_the_demo_says_what_is_stored_and_the_command_that_completes_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl+C during `tracklens demo` printed click's bare 'Aborted!': nothing said that the
    batches committed were kept, nor how to finish the same demo (its end was 'now')."""
    db = str(tmp_path / "demo.sqlite")
    store, calls = EventWriter.store, []

    def interrupted_at_the_third_batch(self: EventWriter, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return store(self, *args, **kwargs)

    monkeypatch.setattr(EventWriter, "store", interrupted_at_the_third_batch)
    first = run("demo", "--quiet", "--workers", "0", "--events", "15000", "--db", db)
    assert first.exit_code == 1 and "Aborted" not in first.output, first.output
    line = _error_line(first)
    assert line.startswith(f"Error: interrupted: the 10,000 events committed so far are stored in {db}, "
                           "which is usable; run the same command with --end "), line
    assert line.endswith("Z to complete this demo (what is stored is skipped)"), line
    end = line.split("--end ")[1].split(" ")[0]
    monkeypatch.undo()
    engine = open_database(db)
    assert len(event_rows(engine)) == 10_000
    again = run("demo", "--quiet", "--workers", "0", "--events", "15000", "--db", db, "--end", end)
    assert again.exit_code == 0, again.output
    assert "demo: 10,000 events were already there (same seed and end)" in again.stdout
    whole_db = str(tmp_path / "whole.sqlite")
    whole = run("demo", "--quiet", "--workers", "0", "--events", "15000", "--db", whole_db, "--end", end)
    assert whole.exit_code == 0, whole.output
    assert len(event_rows(engine)) == len(event_rows(open_database(whole_db)))


def test_ctrl_c_while_the_database_opens_says_nothing_was_imported(
        tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl+C while `import` opened (or created) the database or loaded the GeoIP data, a second
    or more, printed click's bare 'Aborted!'."""
    path = tmp_path / "export.jsonl"
    path.write_text(_track(1) + "\n", encoding="utf-8")

    def interrupted(*_args: Any, **_kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("app.cli.import_cmd.open_database", interrupted)
    result = run("import", "--quiet", "--db", sqlite_url, str(path))
    assert result.exit_code == 1, result.output
    assert _error_line(result) == "Error: interrupted before the import began: nothing was stored"


def _on_a_terminal(args: list[str], typed: bytes | None) -> tuple[str, int, str, str]:
    """Run `tracklens ARGS` with a pseudo-terminal as standard input: (its first line on stderr,
    said before anything is typed, then `typed` is typed; the status, stdout and the rest of
    stderr). With `typed` None nothing is typed and the first line is ''."""
    controller, terminal = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "app", *args], cwd=REPO, stdin=terminal,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    os.close(terminal)
    try:
        assert proc.stderr is not None
        first = ""
        if typed is not None:
            # Before anything is typed: a command that says nothing waits here, and fails the test.
            said, _, _ = select.select([proc.stderr], [], [], 60)
            first = proc.stderr.readline() if said else ""
            os.write(controller, typed)
        out, err = proc.communicate(timeout=120)
    finally:
        os.close(controller)
        if proc.poll() is None:
            proc.kill()
    return first, proc.returncode, out, err


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals here")
def test_a_query_read_from_the_keyboard_says_so_and_how_to_end_it(sqlite_url: str) -> None:
    """`tracklens query --spec -` typed without a pipe waited in silence for the keyboard, which
    looked like a command that hung."""
    open_database(sqlite_url).dispose()
    first, status, out, err = _on_a_terminal(["query", "--db", sqlite_url, "--spec", "-"],
                                             b'{"kind": "users"}\n\x04')
    assert first.strip() == ("reading the query from the keyboard: type or paste it, then press Ctrl+D at the "
                             "start of a line (Ctrl+Z, Enter on Windows); Ctrl+C to give up")
    assert status == 0 and '"total": 0' in out, err


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals here")
def test_import_of_standard_input_without_a_pipe_is_refused(sqlite_url: str) -> None:
    """`tracklens import --db x -` typed without a pipe waited in silence (a first Ctrl+D did not
    even end it): nobody types Segment messages by hand; the pipe was forgotten."""
    _, status, out, err = _on_a_terminal(["import", "--db", sqlite_url, "-"], None)
    assert status == 2 and out == "", (out, err)
    assert err.strip().splitlines()[-1] == (
        "Error: '-' imports what is piped in (zcat export.jsonl.gz | tracklens import --db events.sqlite -), and "
        "nothing is: give the export file, or pipe it in")


def test_materializing_a_property_no_event_has_says_so_with_the_closest_name(tmp_path: Path) -> None:
    """`tracklens materialize currncy` (a typo) said 'materialized' and nothing else: a column
    no event fills, and on PostgreSQL the events table rewritten for it."""
    db = str(tmp_path / "events.sqlite")
    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps({"type": "track", "event": "Order Completed", "userId": "ann", "messageId": "m1",
                                "timestamp": "2026-11-01T10:00:00Z", "properties": {"currency": "EUR"}}) + "\n",
                    encoding="utf-8")
    assert run("import", "--quiet", "--db", db, str(path)).exit_code == 0
    typo = run("materialize", "--db", db, "currncy")
    assert typo.exit_code == 0, typo.output
    assert typo.stderr.strip() == ("materialize: no recent event has the property 'currncy' (did you mean "
                                   "'currency'?); its column stays empty until events carry it (the same command "
                                   "with --drop removes it)")
    right = run("materialize", "--db", db, "currency")
    assert right.exit_code == 0 and right.stderr == "", right.output
    assert right.stdout.startswith("materialized 'currency' as events.mp_")


def test_a_demo_the_database_refuses_names_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`tracklens demo --db FILE` on a read-only file said only 'Error: attempt to write a
    readonly database': not which database, nor whether anything was kept."""
    from app.core.database import DatabaseError

    db = str(tmp_path / "shared.sqlite")
    store, calls = EventWriter.store, []

    def refused_at_the_second_batch(self: EventWriter, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise DatabaseError("attempt to write a readonly database")
        return store(self, *args, **kwargs)

    monkeypatch.setattr(EventWriter, "store", refused_at_the_second_batch)
    result = run("demo", "--quiet", "--workers", "0", "--events", "12000", "--db", db)
    assert result.exit_code == 1, result.output
    assert _error_line(result) == (f"Error: cannot write the demo into {db}: attempt to write a readonly database "
                                   "(the 5,000 events committed before it are stored)")
