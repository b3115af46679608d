"""A SQLite engine's pool hands back the connection returned last."""

from __future__ import annotations

from pathlib import Path

from app.core.database import open_database


def test_a_sqlite_pool_hands_back_the_connection_returned_last(tmp_path: Path) -> None:
    """SQLite keeps its page cache per connection and drops it at the next transaction once another
    connection has written. The collector's writer checks a connection out for each commit; once
    another thread (the forwarder, a health check) had held a second one at the same time, a
    first-in-first-out pool handed the writer the two in turn, so each commit started with a cold
    cache (1,100 more page reads per commit of 400 messages: docs/benchmarks/forward.md). The
    writer gets back the connection it returned last."""
    engine = open_database(f"sqlite:///{tmp_path / 'events.sqlite'}")
    try:
        writer, other = engine.connect(), engine.connect()
        writers = writer.connection.dbapi_connection
        other.close()  # the other thread's, returned first
        writer.close()
        for _ in range(3):
            with engine.connect() as conn:
                assert conn.connection.dbapi_connection is writers
    finally:
        engine.dispose()
