"""What a per-(event, hour, person) rollup would buy per-event unique counts (issue 19).

Counts the rollup's rows over the whole database (one SQL query), then builds it for two events as
a TEMP table of a read-only connection (nothing is written to the database file) and times the
per-bucket + range unique-person queries on it. Medians of 3.

    .venv/bin/python tests/benchmarks/bench_matrix_rollup.py /tmp/chbench/demo-10m.sqlite
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import time

END_HOUR = 1793491200000 // 3600000  # 2026-11-01T00:00Z, the demo data's end


def main(path: str) -> None:
    c = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    c.execute("PRAGMA temp_store=FILE")
    s30 = END_HOUR - 30 * 24
    t0 = time.perf_counter()
    row = c.execute(
        "WITH r AS MATERIALIZED (SELECT event, ts / 3600000 AS h, person FROM events WHERE event IS NOT NULL "
        "GROUP BY event, h, person) SELECT count(*), sum(event = 'Page Viewed' AND h >= ?), sum(event = 'Page Viewed'), "
        "(SELECT count(*) FROM (SELECT DISTINCT event, h / 24, person FROM r)) FROM r", (s30,)).fetchone()
    print(f"per-(event, hour, person) rows: {row[0]:,}; Page Viewed last 30 days: {row[1]:,}, 90 days: {row[2]:,}; "
          f"per-(event, day, person) rows: {row[3]:,} ({time.perf_counter() - t0:.0f} s)", flush=True)
    t0 = time.perf_counter()
    c.execute("CREATE TEMP TABLE eph (event TEXT NOT NULL, hour INTEGER NOT NULL, person TEXT NOT NULL, "
              "n INTEGER NOT NULL, PRIMARY KEY (event, hour, person)) WITHOUT ROWID")
    c.execute("INSERT INTO eph SELECT event, ts / 3600000, person, count(*) FROM events "
              "WHERE event IN ('Page Viewed', 'Product Viewed') GROUP BY 1, 2, 3")
    c.execute("CREATE INDEX temp.eph_person ON eph (event, person, hour)")
    c.execute("ANALYZE temp")
    print(f"built in {time.perf_counter() - t0:.0f} s:", c.execute("SELECT event, count(*) FROM eph GROUP BY 1").fetchall())
    for days, ev, unit in ((30, "Page Viewed", "day"), (90, "Page Viewed", "day"), (90, "Page Viewed", "week"),
                           (90, "Product Viewed", "day")):
        b = {"day": "hour / 24", "week": "(hour / 24 + 3) / 7"}[unit]
        p = (ev, END_HOUR - days * 24, END_HOUR)
        forms = {
            "person-ordered": [
                f"SELECT d, count(*) FROM (SELECT person, {b} AS d FROM eph INDEXED BY eph_person WHERE event = ? "
                "AND hour >= ? AND hour < ? GROUP BY person, d) GROUP BY d",
                "SELECT count(*) FROM (SELECT person FROM eph INDEXED BY eph_person WHERE event = ? AND hour >= ? "
                "AND hour < ? GROUP BY person)"],
            "distinct": [
                f"SELECT d, count(*) FROM (SELECT DISTINCT {b} AS d, person FROM eph WHERE event = ? AND hour >= ? "
                "AND hour < ?) GROUP BY d",
                "SELECT count(*) FROM (SELECT DISTINCT person FROM eph WHERE event = ? AND hour >= ? AND hour < ?)"],
        }
        for name, sqls in forms.items():
            ts = []
            for _ in range(3):
                t0 = time.perf_counter()
                for sql in sqls:
                    c.execute(sql, p).fetchall()
                ts.append(time.perf_counter() - t0)
            print(f"{ev} {unit}/{days}d {name}: median {statistics.median(ts):.3f} s (load {os.getloadavg()[0]:.2f})",
                  flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/chbench/demo-10m.sqlite")
