"""A SQLite file deleted, moved or replaced while an engine has it open (app.core.backends.sqlite).

Before, every open connection went on with the old file: a writer acknowledged events into a
deleted file (gone when it stopped), and the old file's `-wal`, left at the path, was applied to
the file put there next, which then read as the old database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from app.core.backends import backend_for
from app.core.database import DatabaseError, open_database
from app.core.schema import events
from app.ingest.writer import EventWriter
from tests.support.sqlite_files import message_ids_in


def _batch(tag: str, n: int = 5) -> list[dict[str, str]]:
    return [{"type": "track", "messageId": f"{tag}{i}", "userId": "u", "event": "Signed Up"} for i in range(n)]


def _new_database(path: Path, tag: str) -> None:
    """Another Tracklens database with three events of its own, closed."""
    engine = open_database(path)
    try:
        EventWriter(engine, enrich=False).write(_batch(tag, 3))
    finally:
        engine.dispose()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "events.sqlite"


@pytest.fixture
def writer(path: Path) -> Iterator[EventWriter]:
    engine = open_database(path)
    writer = EventWriter(engine, enrich=False)
    assert writer.write(_batch("before")).stored == 5
    yield writer
    engine.dispose()


def test_a_writer_refuses_once_its_file_is_deleted(path: Path, writer: EventWriter) -> None:
    path.unlink()
    with pytest.raises(DatabaseError, match=r"events\.sqlite was deleted or moved while in use"):
        writer.write(_batch("after"))
    assert not path.exists()  # no empty file made in its place
    writer.engine.dispose()
    # A new database at the path starts empty: the old file's -wal is not applied to it.
    _new_database(path, "new")
    assert message_ids_in(path) == ["new0", "new1", "new2"]


def test_a_writer_refuses_a_replaced_file_and_leaves_the_new_one_intact(path: Path, writer: EventWriter) -> None:
    _new_database(path.with_name("new.sqlite"), "new")
    os.replace(path.with_name("new.sqlite"), path)
    with pytest.raises(DatabaseError, match="replaced by another file"):
        writer.write(_batch("after"))
    writer.engine.dispose()
    assert message_ids_in(path) == ["new0", "new1", "new2"]


def test_a_moved_file_keeps_what_was_acknowledged_before_the_move(path: Path, writer: EventWriter) -> None:
    moved = path.with_name("archive.sqlite")
    path.rename(moved)
    with pytest.raises(DatabaseError, match="deleted or moved"):
        writer.write(_batch("after"))
    writer.engine.dispose()
    # The acknowledged events were in the WAL, which is named after the path, not the file.
    assert message_ids_in(moved) == [f"before{i}" for i in range(5)]
    assert not path.exists()


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events)).scalar_one())


def test_an_engine_that_follows_reads_the_new_file_and_says_so(path: Path, writer: EventWriter) -> None:
    engine = writer.engine
    told: list[str] = []
    backend_for(engine).follow_replaced_file(engine, told.append)
    assert _count(engine) == 5
    _new_database(path.with_name("new.sqlite"), "new")
    os.replace(path.with_name("new.sqlite"), path)
    assert _count(engine) == 3
    assert told == [f"The database file {path} was replaced by another file while open."]
    assert writer.write(_batch("after")).stored == 5  # into the file the reader shows
    engine.dispose()
    assert len(message_ids_in(path)) == 8
    path.unlink()
    with pytest.raises(DatabaseError, match="deleted or moved"):
        writer.write(_batch("gone"))
    assert told[-1] == f"The database file {path} was deleted or moved while open."


def test_a_file_deleted_during_a_commit_is_not_acknowledged(path: Path, writer: EventWriter) -> None:
    """Checked again with the write lock held, just before the commit: the pool's check at
    checkout alone left the batch in flight (its whole transaction) to go into the deleted file."""
    records, result = writer.prepare(_batch("during"))
    with pytest.raises(DatabaseError, match="deleted or moved"):
        writer.store(records, result, before_commit=lambda _conn: path.unlink())
    assert result.stored == 0
