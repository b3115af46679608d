"""What the check for a replaced or deleted SQLite file costs the writer (app.core.backends.sqlite,
_FileWatch): one os.stat each time the pool hands out a connection, i.e. once per collector commit
(the second one, Backend.check_before_commit, stays on in both columns).

EventWriter.store of one commit of --batch messages (prepared beforehand, as the collector's
commit thread gets them), CPU time (time.process_time) per commit with the check and with its
checkout listener removed, interleaved in rounds (alternating which goes first) on one fresh
file.

    .venv/bin/python tests/benchmarks/bench_file_watch.py --batch 1 --batch 100 --commits 2000
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from app.core.backends import sqlite as sqlite_backend
from app.core.database import open_database
from app.ingest.writer import EventWriter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, action="append", help="messages per commit (repeatable)")
    parser.add_argument("--commits", type=int, default=2000, help="commits per round and variant")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = open_database(Path(folder) / "events.sqlite")
        writer = EventWriter(engine, enrich=False)
        watch = sqlite_backend._WATCHES[engine]
        counter = iter(range(10**9))
        print("| messages per commit | with the check: CPU per commit | without | difference | per message |")
        print("|---:|---:|---:|---:|---:|")
        for batch in args.batch or [1, 100]:
            times: dict[bool, list[float]] = {True: [], False: []}
            for n in range(args.rounds):
                for on in ((True, False) if n % 2 == 0 else (False, True)):  # no order bias
                    if not on:
                        event.remove(engine, "checkout", watch._checkout)
                    prepared = [writer.prepare([{"type": "track", "event": "Signed Up", "userId": f"u{next(counter)}",
                                                 "messageId": f"m{next(counter)}"} for _ in range(batch)])
                                for _ in range(args.commits)]
                    started = time.process_time()
                    for records, result in prepared:
                        writer.store(records, result)
                    times[on].append((time.process_time() - started) / args.commits * 1e6)
                    if not on:
                        event.listen(engine, "checkout", watch._checkout)
            with_check, without = statistics.median(times[True]), statistics.median(times[False])
            print(f"| {batch} | {with_check:.1f} us | {without:.1f} us | {with_check - without:+.1f} us "
                  f"| {(with_check - without) / batch:+.2f} us |")
        # The check alone: a pool checkout and checkin, with and without it.
        pairs: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(args.rounds):
            for on in (True, False):
                if not on:
                    event.remove(engine, "checkout", watch._checkout)
                started = time.process_time()
                for _ in range(20_000):
                    engine.raw_connection().close()
                pairs[on].append((time.process_time() - started) / 20_000 * 1e6)
                if not on:
                    event.listen(engine, "checkout", watch._checkout)
        with_check, without = statistics.median(pairs[True]), statistics.median(pairs[False])
        print(f"\npool checkout + checkin: {with_check:.2f} us with the check, {without:.2f} us without "
              f"({with_check - without:+.2f} us)")
        engine.dispose()


if __name__ == "__main__":
    main()
