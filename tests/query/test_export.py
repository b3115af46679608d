"""Streamed CSV export: every matching person, in order, with progress and cancellation."""

from __future__ import annotations

import csv
import io
import tracemalloc

import pytest
from sqlalchemy import Engine

from app.query import CancelToken, QueryCancelled, run_query
from app.query import export as export_module
from app.query.export import export_users_csv
from tests.query.support import insert_rows, user_row


@pytest.fixture
def crowd(engine: Engine) -> Engine:
    insert_rows(engine, user_rows=[
        user_row(f"u{i:04d}", {"plan": "pro" if i % 3 else "free", "age": i % 90, "tags": ["a", "b"],
                               "name": f'Ann "{i}", Jr.'}, i, 10_000 - i, i % 7)
        for i in range(1200)
    ])
    return engine


def test_every_matching_person_in_order_with_chosen_traits(crowd: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_module, "PAGE_SIZE", 100)  # many pages on a small table
    spec = {"kind": "users", "where": [{"trait": "plan", "op": "eq", "value": "pro"}], "sort": {"by": "id"}}
    seen: list[tuple[int, int]] = []
    out = io.StringIO()
    n = export_users_csv(crowd, spec, out, columns=["age", "name", "tags", "nope"],
                         progress=lambda done, total: seen.append((done, total)))
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert n == 800 and len(rows) == 801
    assert rows[0] == ["id", "first_seen", "last_seen", "events", "age", "name", "tags", "nope"]
    expected_ids = sorted((f"u{i:04d}" for i in range(1200) if i % 3), reverse=True)
    assert [r[0] for r in rows[1:]] == expected_ids
    assert rows[1] == ["u1199", "1970-01-01T00:00:01.199Z", "1970-01-01T00:00:08.801Z", "2", "29",
                       'Ann "1199", Jr.', '["a","b"]', ""]
    assert seen[0] == (0, 800) and seen[-1] == (800, 800) and len(seen) == 9
    total = run_query(crowd, spec)["total"]
    assert total == n


def test_cancel_stops_between_pages(crowd: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_module, "PAGE_SIZE", 100)
    token = CancelToken()

    def progress(done: int, total: int) -> None:
        if done >= 300:
            token.cancel()

    out = io.StringIO()
    with pytest.raises(QueryCancelled):
        export_users_csv(crowd, {"kind": "users"}, out, progress=progress, cancel=token)
    assert len(out.getvalue().splitlines()) == 301  # header + the pages written before the cancel


def test_memory_stays_flat_across_pages(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Peak memory is bounded by one page, not by the number of persons."""
    from app.core.database import open_database

    engine = open_database(sqlite_url)
    monkeypatch.setattr(export_module, "PAGE_SIZE", 200)

    class Sink(io.TextIOBase):
        """Counts what is written and keeps nothing, so only the exporter's memory is measured."""

        chars = 0

        def write(self, text: str) -> int:
            self.chars += len(text)
            return len(text)

    def peak(count: int) -> int:
        insert_rows(engine, user_rows=[user_row(f"p{count}-{i:06d}", {"x": "y" * 50, "email": f"p{count}-{i}@x"})
                                       for i in range(count)])
        sink = Sink()
        tracemalloc.start()
        written = export_users_csv(engine, {"kind": "users", "search": f"p{count}-"}, sink, columns=["x"])
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert written == count and sink.chars > count * 50
        return top

    small, large = peak(1000), peak(8000)
    assert large < small * 2.5  # 8x the persons, not 8x the memory


def test_cli_csv_streams_every_person_and_funnel_persons(engine: Engine, db_url: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """`tracklens query --format csv` of a users query prints all pages, not just the first."""
    import json

    from click.testing import CliRunner

    from app.cli.main import cli
    from tests.query.support import event_row, ms

    monkeypatch.setattr(export_module, "PAGE_SIZE", 2)
    t = ms("2026-11-02 10:00")
    insert_rows(engine, [event_row("A", f"p{i}", t) for i in range(5)] + [event_row("B", "p1", t + 1)],
                [user_row(f"p{i}", {"plan": "pro"}, i, i, 1) for i in range(5)])
    spec = {"kind": "users", "columns": ["plan"], "sort": {"by": "id", "desc": False}, "limit": 1}
    out = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", "-", "--format", "csv"], input=json.dumps(spec))
    assert out.exit_code == 0, out.output
    rows = list(csv.reader(io.StringIO(out.output)))
    assert rows[0] == ["id", "first_seen", "last_seen", "events", "plan"]
    assert [r[0] for r in rows[1:]] == ["p0", "p1", "p2", "p3", "p4"]
    dropped = {"kind": "funnel_persons", "funnel": {"steps": ["A", "B"], "timezone": "UTC",
                                                     "range": {"from": "2026-11-01", "to": "2026-11-03"}},
               "step": 1, "status": "dropped", "sort": {"by": "id", "desc": False}}
    out = CliRunner().invoke(cli, ["query", "--db", db_url, "--spec", "-", "--format", "csv"],
                             input=json.dumps(dropped))
    assert out.exit_code == 0, out.output
    assert [r[0] for r in list(csv.reader(io.StringIO(out.output)))[1:]] == ["p0", "p2", "p3", "p4"]
