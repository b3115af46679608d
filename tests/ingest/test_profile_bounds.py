"""A person's traits are bounded (2,000 names, 512 KB of JSON): identify calls with ever new trait
names, from anyone with the write key, no longer grow one profile (and so the cost of every batch
touching that person) without limit. The events keep every trait."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli.main import cli
from app.collector.committer import CommitQueue
from app.ingest.people import MAX_PROFILE_BYTES, MAX_PROFILE_TRAITS
from app.ingest.writer import EventWriter
from tests.ingest.conftest import event_rows, user_rows

T0 = "2024-03-10T09:00:00Z"


def _size(traits: dict[str, Any]) -> int:
    return len(json.dumps(traits, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _identify(n: int, traits: dict[str, Any], user: str = "u") -> dict[str, Any]:
    return {"type": "identify", "messageId": f"{user}-{n}", "userId": user, "timestamp": T0, "traits": traits}


def _hostile(n: int) -> dict[str, Any]:
    """~21 KB of new trait names (the hunt's requests grew one profile by 470 KB each) and an
    update of a trait the profile already has."""
    return _identify(n, {"plan": f"plan-{n:03}", **{f"t{n:03}_{k}": "é" * 1500 for k in range(7)}})


def test_a_profile_stops_growing_at_its_bound_and_its_events_keep_every_trait(engine: Engine,
                                                                              writer: EventWriter) -> None:
    writer.write([_identify(0, {"email": "ann@example.com", "plan": "free"})])
    sizes: list[int] = []
    results = []
    for batch in range(30):
        results.append(writer.write([_hostile(2 * batch + 1), _hostile(2 * batch + 2)]))
        assert results[-1].stored == 2
        sizes.append(_size(user_rows(engine)["u"]["traits"]))
    profile = user_rows(engine)["u"]["traits"]
    # What each later batch reads and writes stays the same instead of growing with every call.
    assert max(sizes) <= MAX_PROFILE_BYTES
    assert sizes[-1] == sizes[-10] > MAX_PROFILE_BYTES - 25_000
    # Names past the bound are not added; a trait the profile has still takes its newest value.
    assert profile["plan"] == "plan-060" and profile["email"] == "ann@example.com"
    assert "t001_0" in profile and "t060_0" not in profile
    assert sum(r.traits_left_out for r in results) == 60 - sum(1 for n in range(1, 61) if f"t{n:03}_6" in profile)
    # Nothing is lost: every identify event holds all of its traits.
    last = [row for row in event_rows(engine) if row["message_id"] == "u-60"]
    assert last[0]["properties"] == _hostile(60)["traits"]


def test_a_profile_holds_at_most_2000_trait_names(engine: Engine, writer: EventWriter) -> None:
    first = {f"a{k:04}": k for k in range(1500)}
    writer.write([_identify(1, first)])
    second = {"a0000": "updated", **{f"b{k:04}": k for k in range(1000)}}
    result = writer.write([_identify(2, second)])
    profile = user_rows(engine)["u"]["traits"]
    assert len(profile) == MAX_PROFILE_TRAITS
    assert profile["a0000"] == "updated"
    assert "b0499" in profile and "b0500" not in profile
    assert result.traits_left_out == 1
    # Later messages still update what the profile holds, and add nothing new.
    result = writer.write([_identify(3, {"a0001": "again", "c": 1})])
    profile = user_rows(engine)["u"]["traits"]
    assert (profile["a0001"], "c" in profile, len(profile)) == ("again", False, MAX_PROFILE_TRAITS)
    assert result.traits_left_out == 1


def test_merging_an_anonymous_profile_keeps_the_bound_and_the_persons_own_values(engine: Engine,
                                                                                writer: EventWriter) -> None:
    writer.write([{"type": "identify", "messageId": "a", "anonymousId": "anon", "timestamp": T0,
                   "traits": {"plan": "anon", **{f"x{k:04}": k for k in range(1200)}}}])
    writer.write([_identify(1, {"plan": "own", **{f"y{k:04}": k for k in range(1200)}})])
    writer.write([{"type": "track", "messageId": "t", "anonymousId": "anon", "userId": "u", "event": "E",
                   "timestamp": T0}])
    profile = user_rows(engine)["u"]["traits"]
    assert len(profile) == MAX_PROFILE_TRAITS
    assert profile["plan"] == "own" and "y1199" in profile and "x0798" in profile and "x1199" not in profile


def test_the_import_summary_counts_messages_whose_traits_were_left_out(tmp_path: Path, db_url: str) -> None:
    path = tmp_path / "identify.jsonl"
    path.write_text("\n".join(json.dumps(_hostile(n)) for n in range(1, 41)) + "\n")
    result = CliRunner().invoke(cli, ["import", "--db", db_url, "--quiet", str(path)])
    assert result.exit_code == 0, result.output
    assert "40 stored" in result.output
    assert "stored messages had traits left out of their person's profile, which holds at most 2,000 traits " \
           "and 512 KB (their events keep them)" in result.output


def test_the_collector_counts_and_logs_messages_whose_traits_were_left_out(engine: Engine, caplog: Any) -> None:
    queue = CommitQueue(EventWriter(engine, enrich=False))

    async def send() -> None:
        for n in range(1, 41):
            await queue.submit([_hostile(n)], datetime.now(UTC))

    queue.start()
    with caplog.at_level("WARNING", logger="tracklens.collector"):
        asyncio.run(send())
    queue.close(10)
    assert _size(user_rows(engine)["u"]["traits"]) <= MAX_PROFILE_BYTES
    assert queue.traits_left_out > 0
    assert "traits left out of their person's profile" in caplog.text
