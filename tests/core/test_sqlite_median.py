"""SQLite's `median` aggregate (issue 19): SQLite has none, so its backend registers one on every
connection; segmentation medians and funnel step-time medians compile to it. It must answer
what the window-function ranking it replaced answered: the middle number, the mean of the two
middle ones for an even count, NULLs and non-numbers ignored, NULL without numbers."""

from __future__ import annotations

import random
import statistics
import threading
from pathlib import Path

from sqlalchemy import Engine, text

from app.core.database import create_db_engine

ROWS = [("odd", 3), ("odd", 1.5), ("odd", 2), ("even", 4), ("even", 1), ("even", 10), ("even", 2),
        ("mixed", None), ("mixed", "7"), ("mixed", 5), ("mixed", b"9"), ("mixed", 1),
        ("nothing", None), ("nothing", "12"), ("one", -2.25), ("nulls", None), ("nulls", None)]


def _medians(engine: Engine) -> dict[str, float | None]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT g, median(v) FROM t GROUP BY g")).all())  # type: ignore[arg-type]


def _fill(path: Path) -> Engine:
    engine = create_db_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (g TEXT, v)"))
        conn.execute(text("INSERT INTO t VALUES (:g, :v)"), [{"g": g, "v": v} for g, v in ROWS])
    return engine


def test_median_is_the_middle_number_per_group(tmp_path: Path) -> None:
    engine = _fill(tmp_path / "m.sqlite")
    # even: (2 + 4) / 2; mixed: the text "7" and the blob are not numbers, so median(1, 5)
    expected = {"odd": 2, "even": 3.0, "mixed": 3.0, "nothing": None, "one": -2.25, "nulls": None}
    assert _medians(engine) == expected
    with engine.connect() as conn:
        assert conn.execute(text("SELECT median(v) FROM t WHERE g = 'none at all'")).scalar() is None
        # as the engine calls it: NULLs filtered before the call, so a group may get no call at all
        filtered = conn.execute(text("SELECT g, median(v) FILTER (WHERE v IS NOT NULL) FROM t GROUP BY g")).all()
        assert dict(filtered) == expected  # type: ignore[arg-type]
    engine.dispose()


def test_every_connection_has_it_read_only_and_in_other_threads(tmp_path: Path) -> None:
    _fill(tmp_path / "m.sqlite").dispose()
    reader = create_db_engine(f"sqlite:///file:{tmp_path / 'm.sqlite'}?mode=ro&uri=true", wal=False)
    got: list[dict[str, float | None]] = []
    threads = [threading.Thread(target=lambda: got.append(_medians(reader))) for _ in range(3)]
    with reader.connect():  # held open, so the threads need connections of their own
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    assert len(got) == 3 and all(g["even"] == 3.0 and g["odd"] == 2 for g in got)
    reader.dispose()


def test_median_agrees_with_python_on_random_numbers(tmp_path: Path) -> None:
    rnd = random.Random(19)
    engine = create_db_engine(f"sqlite:///{tmp_path / 'r.sqlite'}")
    groups = {f"g{i}": [rnd.choice([rnd.randint(-50, 50), rnd.uniform(-1e6, 1e6), None])
                        for _ in range(rnd.randint(1, 400))] for i in range(40)}
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (g TEXT, v)"))
        conn.execute(text("INSERT INTO t VALUES (:g, :v)"), [{"g": g, "v": v} for g, vs in groups.items() for v in vs])
    got = _medians(engine)
    for g, vs in groups.items():
        nums = [v for v in vs if v is not None]
        assert got[g] == (statistics.median(nums) if nums else None), g
    engine.dispose()
