"""What naming every unknown key of a refused query costs (app.query.model._sweep_unknown_keys).

A refused query is parsed again, a copy at a time, until every unknown key is found; its rounds
are bounded by SWEEP_WORK (JSON values parsed). This times parse_query on queries a person
writes (valid, one typo, a typo beside a missing value) and on hostile ones at the spec limits
(20,000 values, hundreds of problems), medians of --repeat runs. Writes a markdown table to
docs/benchmarks/spec_sweep.md (use --out to change).

    .venv/bin/python tests/benchmarks/bench_spec_sweep.py
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.query import QueryError, parse_query  # noqa: E402
from app.query.model import SWEEP_WORK  # noqa: E402

_GT = {"property": "price", "op": "gt", "value": 100}
_BAD = {"property": "plan", "op": "is", "value": 1}


def _cases() -> list[tuple[str, Any]]:
    hostile = {"kind": "segmentation", "where": [{"any": [dict(_BAD) for _ in range(24)]} for _ in range(200)]}
    typo_last = {"kind": "segmentation", "where": [{"any": [dict(_BAD) for _ in range(24)]} for _ in range(200)]}
    typo_last["where"][-1]["any"][-1]["valeu"] = 1
    return [
        ("valid funnel, 5 steps with filters",
         {"kind": "funnel", "steps": [{"event": f"E{i}", "where": [_GT, _GT]} for i in range(5)]}),
        ("one typo ('valeu')", {"kind": "segmentation", "where": [_GT, {**_GT, "valeu": 1}]}),
        ("typo beside a step without event",
         {"kind": "funnel", "steps": ["A", {"where": [{**_GT, "valeu": 1}]}, "C"]}),
        ("40 typos in 40 filters", {"kind": "segmentation", "where": [{**_GT, f"k{i}": 1} for i in range(40)]}),
        ("typo behind 40 bad filters", {"kind": "segmentation", "where": [_BAD] * 40 + [{**_GT, "valeu": 5}]}),
        ("20 did clauses x 10 bad filters, no event",
         {"kind": "users", "did": [{"where": [{"property": "p", "op": "between", "value": [1]}] * 10}] * 20,
          "zz": 1}),
        ("4,800 bad filters (~20,000 values), no typo", hostile),
        ("4,800 bad filters, typo in the last", typo_last),
    ]


def _time(spec: Any, repeat: int) -> tuple[float, str]:
    times, message = [], "accepted"
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            parse_query(spec)
        except QueryError as exc:
            message = str(exc)
        times.append(time.perf_counter() - start)
    return statistics.median(times), message


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks" / "spec_sweep.md"))
    args = parser.parse_args()
    rows = []
    for name, spec in _cases():
        seconds, message = _time(spec, args.repeat)
        named = message.split("; also ")[0] if message.startswith("unknown key") else "(no key named)"
        rows.append(f"| {name} | {seconds * 1000:,.1f} ms | {named[:70]}{'…' if len(named) > 70 else ''} |")
        print(rows[-1])
    text = "\n".join([
        "# Naming every unknown key of a refused query",
        "",
        f"`tests/benchmarks/bench_spec_sweep.py` (median of {args.repeat}; SWEEP_WORK = {SWEEP_WORK:,}; "
        f"Python {platform.python_version()}, {platform.machine()}, a shared 2-core machine).",
        "",
        "| query | parse_query | unknown keys named |",
        "|---|---:|---|",
        *rows,
        "",
    ])
    Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
