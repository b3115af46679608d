"""Ids written as numbers: integers are kept exactly as text; NaN and infinities are no id at all."""

from __future__ import annotations

from pathlib import Path

from app.core.database import open_database
from app.ingest.importer import import_files
from app.ingest.writer import EventWriter
from tests.ingest.conftest import event_rows


def _line(message_id: str, user_id: str, anonymous_id: str = "null") -> str:
    return ('{"type": "track", "event": "E", "timestamp": "2024-07-01T10:00:00Z", '
            f'"messageId": {message_id}, "userId": {user_id}, "anonymousId": {anonymous_id}}}')


def test_a_nan_or_infinite_id_rejects_its_message_and_only_it(tmp_path: Path, sqlite_url: str) -> None:
    """userId NaN, Infinity or 1e400 (infinity once read) was stored as the person "nan" or "inf",
    one made-up person for every such message; two messages with messageId NaN were one message
    and its duplicate."""
    lines = [
        _line('"a"', '"u1"'),
        _line('"b"', "NaN"),
        _line('"c"', "Infinity"),
        _line('"d"', "1e400"),
        _line('"e"', '"u2"', "-Infinity"),
        _line("NaN", '"u3"'),
        _line("NaN", '"u4"'),
        _line('"f"', "1180591620717411303424", "12.0"),
    ]
    path = tmp_path / "ids.jsonl"
    path.write_text("\n".join(lines) + "\n")
    engine = open_database(sqlite_url)
    try:
        summary = import_files(EventWriter(engine, enrich=False), [path])
        reasons = {p.line: p.reason for p in summary.problems}
        assert (summary.stored, summary.duplicates, summary.rejected) == (2, 0, 6), reasons
        assert reasons == {
            2: "userId must be a string or a finite number, got nan",
            3: "userId must be a string or a finite number, got inf",
            4: "userId must be a string or a finite number, got inf",
            5: "anonymousId must be a string or a finite number, got -inf",
            6: "messageId must be a string or a finite number, got nan",
            7: "messageId must be a string or a finite number, got nan",
        }
        rows = [(r["message_id"], r["user_id"], r["anonymous_id"]) for r in event_rows(engine)]
        assert rows == [("a", "u1", None), ("f", "1180591620717411303424", "12")]
    finally:
        engine.dispose()
