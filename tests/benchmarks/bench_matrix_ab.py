"""Engine before/after a change, interleaved in one process, on bench_matrix.py's questions.

"Before" is the SQL-building code of a git revision (`--before`, default HEAD): the listed
methods of that revision's modules are loaded from `git show` and swapped in for each "before"
run, the working tree's for each "after" run; the best hand-written candidates of
bench_matrix.py run in the same rounds. Each question: one warm-up each, then `--repeat`
interleaved rounds (rotating order), medians; the two engine answers must be equal.

    .venv/bin/python tests/benchmarks/bench_matrix_ab.py --only 'sum|avg|median|funnel' \\
        --attach-rollup /tmp/i19/eph10m.sqlite

Issue 19: the SQLite `median` aggregate and the JSON measure value computed once per row
(docs/benchmarks/matrix.md, section "Medians and sums").
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_matrix import (
    DEFAULT_DB,
    NOW,
    ROOT,
    Sql,
    attach_rollup,
    fmt_time,
    in_range,
    questions,
    timed_medians,
)

from app.core.database import open_database
from app.query import run_query

#: (module, class, attributes) whose "before" versions come from the old revision's module
#: (a module that registers anything on import must not be listed: it would register twice)
SWAPPED: list[tuple[str, str, tuple[str, ...]]] = [
    ("app.core.backends.sqlite", "SQLiteBackend", ("median_by", "aggregate_with_medians")),
]
#: (module, class, attribute, value before): flags the old revision did not have
FLAGS: list[tuple[str, str, str, Any]] = [
    ("app.core.backends.sqlite", "SQLiteBackend", "evaluates_aggregate_arguments_each", False),
    ("app.core.backends.sqlite", "SQLiteBackend", "one_pass_medians", False),
]
_MISSING = object()


def _old_module(rev: str, module: str) -> types.ModuleType:
    path = module.replace(".", "/") + ".py"
    source = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, check=True, capture_output=True,
                            text=True).stdout
    mod = types.ModuleType(f"_before_{module.replace('.', '_')}")
    mod.__file__ = path
    sys.modules[mod.__name__] = mod
    exec(compile(source, path, "exec"), mod.__dict__)
    return mod


def versions(rev: str) -> tuple[Callable[[], None], Callable[[], None]]:
    """(use the old code, use the working tree's code)."""
    import importlib

    old: list[tuple[Any, str, Any]] = []
    new: list[tuple[Any, str, Any]] = []
    for module, cls_name, attrs in SWAPPED:
        cls = getattr(importlib.import_module(module), cls_name)
        old_cls = getattr(_old_module(rev, module), cls_name)
        for a in attrs:
            new.append((cls, a, cls.__dict__.get(a, _MISSING)))
            old.append((cls, a, old_cls.__dict__.get(a, _MISSING)))

    def apply(pairs: list[tuple[Any, str, Any]]) -> Callable[[], None]:
        def go() -> None:
            for cls, a, v in pairs:
                if v is _MISSING:
                    if a in cls.__dict__:
                        delattr(cls, a)
                else:
                    setattr(cls, a, v)
        return go

    for module, cls_name, a, before in FLAGS:
        cls = getattr(importlib.import_module(module), cls_name)
        new.append((cls, a, cls.__dict__.get(a, _MISSING)))
        old.append((cls, a, before))
    return apply(old), apply(new)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--before", default="306508a", help="git revision of the 'before' code (306508a: before issue 19's "
                   "median aggregate; FLAGS are set to their old values as well)")
    p.add_argument("--only", required=True, help="regular expression over bench_matrix.py's question names")
    p.add_argument("--candidates", default=None, help="regular expression: hand-written candidates to time")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--budget", type=float, default=150.0)
    p.add_argument("--attach-rollup", type=Path, default=None)
    p.add_argument("--json", type=Path, default=Path("/tmp/bench_matrix_ab.json"))
    args = p.parse_args()
    engine = open_database(args.db, create=False)
    if args.attach_rollup:
        attach_rollup(engine, args.attach_rollup)
    use_old, use_new = versions(args.before)
    rows = []
    print(json.dumps({"load": os.getloadavg(), "db": args.db, "before": args.before}), flush=True)
    for x in [q for q in questions(Sql(engine.dialect.name, rollup=bool(args.attach_rollup) or engine.dialect.name == "postgresql")) if re.search(args.only, q["name"], re.I)]:
        answers: dict[str, Any] = {}

        def engine_run(setup: Callable[[], None], key: str, spec: dict[str, Any] = x["spec"],
                       answers: dict[str, Any] = answers) -> Any:
            setup()
            try:
                answers[key] = run_query(engine, spec, now=NOW)
            finally:
                use_new()
            return answers[key]

        fns: dict[str, Callable[[], Any]] = {"before": functools.partial(engine_run, use_old, "before"),
                                             "after": functools.partial(engine_run, use_new, "after")}
        for cname, cand in x["cands"].items():
            if args.candidates and not re.search(args.candidates, cname, re.I):
                continue

            def hand(cand: Any = cand) -> Any:
                with engine.connect() as conn:
                    return cand(conn)
            fns[cname] = hand
        load0 = os.getloadavg()[0]
        t0 = time.perf_counter()
        med, rounds = timed_medians(fns, args.repeat, args.budget)
        before, after = med.pop("before"), med.pop("after")
        best = min(med, key=lambda k: med[k]) if med else None
        same = answers["before"] == answers["after"]
        row = {"question": x["name"], "events_in_range": in_range(engine, x["count_event"], x["s"], x["e"]),
               "before": before, "after": after, "hand": med.get(best) if best else None, "hand_name": best,
               "candidates": med, "rounds": rounds, "same_answer": same, "load1_before": load0,
               "load1_after": os.getloadavg()[0], "wall": time.perf_counter() - t0}
        rows.append(row)
        hand_s = f", hand {fmt_time(row['hand'])} [{best}], ratio after {after / row['hand']:.2f}" if best else ""
        print(f"{x['name']}: before {fmt_time(before)}, after {fmt_time(after)} ({after / before:.2f}x){hand_s}, "
              f"same answer {same}, rounds {rounds}, load {load0:.2f}-{row['load1_after']:.2f}", flush=True)
        args.json.write_text(json.dumps(rows, indent=1, default=str), encoding="utf-8")
        if not same:
            print("  ANSWERS DIFFER", flush=True)
    engine.dispose()


if __name__ == "__main__":
    main()
