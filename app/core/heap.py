"""The cyclic garbage collector's settings for a long-running server process.

A collector process makes a few dicts and tuples per event and keeps nothing of them, but
CPython's default thresholds (700, 10, 10) run a young collection every 700 allocations, and
every full collection walks the whole start-up heap (SQLAlchemy, uvicorn, the enricher's
tables) again. Measured in `tracklens collect` on SQLite at 4,000 events/s (gc.callbacks,
docs/benchmarks/forward.md, 2026-12-07): ~4 µs of CPU per event in the collector, ~6.5 µs with a
destination forwarding (the records it holds for the forwarder survive young collections and
make the older ones longer); with the start-up heap frozen and these thresholds, ~1.7 µs either
way, for ~10 MB more peak memory.
"""

from __future__ import annotations

import gc

#: Young collections every 20,000 allocations; a middle one every 20 young, the full one every
#: 100 middle ones (CPython also waits for the old generation to have grown by a quarter).
SERVER_GC_THRESHOLD = (20_000, 20, 100)


def settle_for_serving() -> None:
    """Freeze what start-up made (it lives as long as the process) and collect less often.

    Only for a process that is a server from here to its end: the settings are the process's.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVER_GC_THRESHOLD)
