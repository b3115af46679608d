"""Worker processes change how fast a file is imported, never what is stored.

The same file imported with preparation in this process (workers=0) and in worker processes
must leave every table identical row for row, with the same summary: duplicates skipped,
rejects with their line numbers, identity merges that span batches (and so workers), the
first link winning and later traits winning. Small chunks make every rule cross batches.
"""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, select

from app.core.backends import backend_for
from app.core.database import open_database
from app.core.schema import event_hours, identities, person_hours, users
from app.demo.generator import generate_demo
from app.ingest.importer import import_files
from app.ingest.writer import EventWriter
from tests.ingest.conftest import event_rows

DAY0 = "2026-03-0{day}T{hour:02d}:00:00.000Z"
AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/124.0 Safari/537.36")


def _t(n: int) -> str:
    return DAY0.format(day=1 + n // 24 % 9, hour=n % 24)


def _msg(n: int, **fields: Any) -> dict[str, Any]:
    message = {"messageId": f"m{n}", "timestamp": _t(n), "receivedAt": _t(n),
               "context": {"ip": f"8.8.{n % 3}.8", "userAgent": AGENT,
                           "page": {"referrer": "https://news.ycombinator.com/item"}}}
    message.update(fields)
    return message


def _lines() -> list[bytes]:
    """A file exercising every order-dependent rule, across chunks of 7 lines."""
    out: list[bytes] = []

    def add(message: Any) -> None:
        out.append(message if isinstance(message, bytes) else orjson.dumps(message))

    n = 0
    for i in range(60):  # anonymous browsing, later identified (merge spans many batches)
        n += 1
        add(_msg(n, type="track", event="Viewed", anonymousId=f"anon-{i % 6}", properties={"i": i}))
    for i in range(6):  # anon-0..5 -> user-0..2: the first link wins
        n += 1
        add(_msg(n, type="identify", anonymousId=f"anon-{i}", userId=f"user-{i % 3}",
                 traits={"plan": "free", "email": f"u{i % 3}@example.com", "step": i}))
    add(b"{not json")                                                  # line 67: rejected
    add(_msg(999, type="track", event="Viewed", anonymousId="x"))       # a duplicate id, below
    add(b"")                                                           # blank: skipped, counted as a line
    for i in range(6):  # a second link of the same anonymous ids: ignored (first link wins)
        n += 1
        add(_msg(n, type="identify", anonymousId=f"anon-{i}", userId=f"other-{i}"))
    add(_msg(999, type="track", event="Viewed", anonymousId="x"))       # duplicate of line 68
    add({"type": "track", "messageId": "bad", "event": "E"})            # rejected: no ids
    add(orjson.dumps({"batch": [_msg(500 + k, type="track", event="Batched", userId="user-1") for k in range(9)],
                      "sentAt": _t(3)}))
    for i in range(3):  # later traits win
        n += 1
        add(_msg(n, type="identify", userId=f"user-{i}", traits={"plan": "pro"}))
    add(_msg(n + 1, type="alias", previousId="anon-late", userId="user-2"))
    for i in range(40):
        n += 2
        add(_msg(n, type="page", name="Home", anonymousId="anon-late" if i % 2 else f"anon-{i % 6}",
                 properties={"title": "Home"}))
    add(_msg(7, type="track", event="Viewed", anonymousId="anon-0"))    # duplicate of an early line
    add({"type": "click", "messageId": "c", "userId": "u"})             # rejected: unknown type
    return out


def _write(path: Path) -> Path:
    data = b"\n".join(_lines()) + b"\n"
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as out:
            out.write(data)
    else:  # workers read their chunks of a plain file themselves
        path.write_bytes(data)
    return path


def snapshot(engine: Engine) -> dict[str, Any]:
    """Every stored row that ingestion writes, in a stable order."""
    rows = event_rows(engine)  # in id order
    if backend_for(engine).appends_only:
        # ClickHouse ids come from the clock (ordered, not numbered from 1): compare the order only.
        rows = [{k: v for k, v in row.items() if k != "id"} for row in rows]
    with engine.connect() as conn:
        tables: dict[str, Any] = {
            "events": rows,
            "identities": sorted(tuple(r) for r in conn.execute(
                select(identities.c.distinct_id, identities.c.person, identities.c.linked_at))),
            "users": sorted((tuple(r) for r in conn.execute(
                select(users.c.id, users.c.traits, users.c.email, users.c.first_seen, users.c.last_seen,
                       users.c.event_count))), key=repr),
        }
        if not backend_for(engine).appends_only:  # ClickHouse keeps no rollups
            tables["event_hours"] = sorted(tuple(r) for r in conn.execute(select(event_hours)))
            tables["person_hours"] = sorted(tuple(r) for r in conn.execute(select(person_hours)))
    return tables


def _another(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A second fresh database of the same kind as db_url."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'other.sqlite'}"
    if db_url.startswith("postgresql"):
        return str(request.getfixturevalue("pg_server").create_database())
    from tests.conftest import chdb_url, clickhouse_server_url

    return chdb_url(request.getfixturevalue("chdb_folder")) if db_url.startswith("chdb") else clickhouse_server_url()


@pytest.mark.parametrize("name", ["export.jsonl.gz", "export.jsonl"])
def test_workers_store_exactly_what_one_process_stores(tmp_path: Path, db_url: str,
                                                       request: pytest.FixtureRequest, name: str) -> None:
    path = _write(tmp_path / name)
    results = []
    for workers, url in ((0, db_url), (2, _another(db_url, request, tmp_path))):
        engine = open_database(url)
        try:
            summary = import_files(EventWriter(engine), [path], chunk=7, workers=workers)
            again = import_files(EventWriter(engine), [path], chunk=5, workers=workers)
            results.append((summary, again, snapshot(engine)))
        finally:
            engine.dispose()
    (one, one_again, one_rows), (many, many_again, many_rows) = results

    # What a user reads in the summary: the same counts and the same problems at the same lines.
    assert (many.stored, many.duplicates, many.rejected) == (one.stored, one.duplicates, one.rejected)
    assert many.problems == one.problems
    assert [(p.line, p.reason.split(" (")[0]) for p in one.problems] == [
        (67, "invalid JSON"), (77, "missing both userId and anonymousId"),
        (len(_lines()), "unknown type 'click'")]
    assert one.duplicates == 2
    # A re-run (other chunk boundaries) stores nothing twice.
    assert one_again.stored == many_again.stored == 0
    assert one_again.duplicates == many_again.duplicates == one.stored + one.duplicates

    assert many_rows == one_rows
    events_by_id = {row["message_id"]: row for row in one_rows["events"]}
    # The merge spans batches: anonymous events from the first chunks belong to the user.
    assert events_by_id["m1"]["person"] == "user-0"
    # First link wins: anon-3 went to user-0 first, not to other-3 later.
    assert events_by_id["m4"]["person"] == "user-0"
    assert all(not row["person"].startswith("other-") or row["type"] == "identify"
               for row in one_rows["events"] if row["anonymous_id"] and row["anonymous_id"].startswith("anon-"))
    # Later traits win, earlier ones are kept; enrichment ran in the workers too.
    traits = {row[0]: orjson.loads(row[1]) if isinstance(row[1], str | bytes) else row[1]
              for row in one_rows["users"]}
    assert traits["user-0"]["plan"] == "pro" and traits["user-0"]["email"] == "u0@example.com"
    assert events_by_id["m1"]["browser"] == "Chrome" and events_by_id["m1"]["referring_domain"] == \
        "news.ycombinator.com"
    assert events_by_id["m1"]["country_code"] == "US"


def test_demo_prepared_in_a_worker_process_is_the_same_demo(db_url: str, request: pytest.FixtureRequest,
                                                              tmp_path: Path) -> None:
    import datetime as dt

    end = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    snapshots = []
    summaries = []
    for workers, url in ((0, db_url), (1, _another(db_url, request, tmp_path))):
        engine = open_database(url)
        try:
            summary = generate_demo(engine, 12_000, seed=3, end=end, days=20, workers=workers)
            summaries.append((summary.stored, summary.duplicates, summary.visitors, summary.identified))
            snapshots.append(snapshot(engine))
        finally:
            engine.dispose()
    assert summaries[0] == summaries[1]
    assert summaries[0][0] > 10_000 and summaries[0][3] > 0
    assert snapshots[0] == snapshots[1]


def test_a_large_demo_in_larger_transactions_is_the_same_demo(db_url: str, request: pytest.FixtureRequest,
                                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A demo of BULK_FROM events or more is stored in BULK_BATCH transactions (cheaper per event):
    the same rows as in BATCH ones, though identity merges now meet other batch edges."""
    import datetime as dt

    from app.demo import generator

    end = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    snapshots, summaries, steps = [], [], []
    monkeypatch.setattr(generator, "BULK_BATCH", 7_000)
    for bulk_from, url in ((10**9, db_url), (10_000, _another(db_url, request, tmp_path))):
        monkeypatch.setattr(generator, "BULK_FROM", bulk_from)
        done: list[int] = []
        engine = open_database(url)
        try:
            summary = generate_demo(engine, 12_000, seed=3, end=end, days=20, progress=done.append)
            summaries.append((summary.stored, summary.duplicates, summary.visitors, summary.identified))
            snapshots.append(snapshot(engine))
        finally:
            engine.dispose()
        steps.append(done)
    assert [len(done) for done in steps] == [3, 2]  # 5,000 + 5,000 + the rest; 7,000 + the rest
    assert summaries[0] == summaries[1] and summaries[0][3] > 0
    assert snapshots[0] == snapshots[1]


def _count(url: str) -> int:
    """Rows in events, read with sqlite3 directly: a WAL reader never waits for the importer."""
    import sqlite3

    conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=1)
    try:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    finally:
        conn.close()


def test_ctrl_c_keeps_committed_batches_and_a_rerun_finishes_the_file(tmp_path: Path) -> None:
    total = 300_000
    path = tmp_path / "big.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(b"".join(orjson.dumps({"type": "track", "messageId": f"k{i}", "userId": f"u{i % 500}",
                                         "event": "E", "timestamp": 1_770_000_000_000 + i}) + b"\n"
                           for i in range(total)))
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    open_database(url).dispose()
    command = [sys.executable, "-m", "app.cli.main", "import", "--db", url, "--workers", "1", "--quiet",
               "--no-enrich", str(path)]
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while _count(url) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    if proc.poll() is not None:
        pytest.skip("the import finished before it could be interrupted (a very fast machine)")
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=60)
    text = output.decode()
    if proc.returncode == 0 and f"{total:,} stored" in text:
        pytest.skip("the import finished before the signal arrived (a fast or a starved test process)")
    assert proc.returncode != 0, text
    assert "interrupted" in text and "Traceback" not in text, text
    kept = _count(url)
    assert 0 < kept < total
    assert kept % 5000 == 0  # whole batches: each committed one, nothing of the interrupted one

    rerun = subprocess.run([*command[:-1], str(path)], cwd=root, capture_output=True, text=True, timeout=600,
                           env={**os.environ})
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{total - kept:,} stored, {kept:,} duplicates skipped" in rerun.stdout
    assert _count(url) == total


@pytest.mark.parametrize("layout", ["lines", "document"])
def test_a_truncated_gzip_keeps_what_was_readable(tmp_path: Path, sqlite_url: str, layout: str) -> None:
    from app.ingest.importer import ImportFileError, ImportSummary

    total = 30_000  # several of the reader's 1 MiB reads succeed before the cut
    messages = [orjson.dumps(_msg(i, type="track", event="E", userId="u")).decode() for i in range(total)]
    text = "\n".join(messages) + "\n" if layout == "lines" else '{"batch": [\n' + ",\n".join(messages) + "\n]}\n"
    data = gzip.compress(text.encode())
    path = tmp_path / "cut.json.gz"
    path.write_bytes(data[: len(data) // 2])
    engine = open_database(sqlite_url)
    summary = ImportSummary()
    with pytest.raises(ImportFileError, match="cannot read"):
        import_files(EventWriter(engine, enrich=False), [path], workers=1 if layout == "lines" else 0,
                     summary=summary)
    stored = len(event_rows(engine))
    assert 0 < stored < total
    assert stored % 5000 != 0  # the batch being read when the error came is stored too
    assert summary.stored == stored


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_end_when_the_importing_process_is_killed(tmp_path: Path) -> None:
    """SIGKILL (or a crash, or the OOM killer) of `tracklens import` ends its worker processes
    too: they waited for work for good, ~100 MB each, and held the import's output open, so
    `tracklens import ... | tee log` never ended either."""
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    script = (
        "import os, signal, sys\n"
        "from app.core.database import open_database\n"
        "from app.ingest.importer import _prepare_lines\n"
        "from app.ingest.workers import Preparers\n"
        "from app.ingest.writer import EventWriter\n"
        "preparers = Preparers(EventWriter(open_database(sys.argv[1]), enrich=False), 1)\n"
        "line = b'{\"type\": \"track\", \"event\": \"E\", \"userId\": \"u\", \"messageId\": \"m\"}\\n'\n"
        "assert preparers.submit(_prepare_lines, [line], 1, 10, 'f')()  # the worker is up\n"
        "print(*preparers._pool._processes, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n")
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-c", script, url], cwd=root, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    workers = [int(pid) for pid in proc.stdout.readline().split()]
    assert proc.wait(60) == -signal.SIGKILL and workers
    try:
        deadline = time.monotonic() + 30
        while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if _running(pid)]
    finally:
        for pid in workers:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)
        proc.stdout.close()
