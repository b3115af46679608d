"""Identity merge (Mixpanel simplified ID merge) on SQLite, PostgreSQL and ClickHouse."""

from __future__ import annotations

from sqlalchemy import Engine

from app.ingest.writer import EventWriter
from tests.ingest.conftest import event_rows, identity_map, user_rows


def _t(minute: int) -> str:
    return f"2024-04-01T10:{minute:02d}:00Z"


def test_anonymous_history_merges_into_identified_user(engine: Engine, writer: EventWriter) -> None:
    writer.write([
        {"type": "page", "messageId": "p1", "anonymousId": "anon-1", "timestamp": _t(1),
         "context": {"traits": {"utm": "ad"}}},
        {"type": "track", "messageId": "t1", "anonymousId": "anon-1", "event": "Added To Cart", "timestamp": _t(2)},
    ])
    assert {r["person"] for r in event_rows(engine)} == {"anon-1"}
    assert set(user_rows(engine)) == {"anon-1"}

    writer.write([
        {"type": "identify", "messageId": "i1", "anonymousId": "anon-1", "userId": "ann", "timestamp": _t(3),
         "traits": {"email": "ann@example.com"}},
    ])
    # Earlier anonymous rows now belong to the user.
    assert {r["message_id"]: r["person"] for r in event_rows(engine)} == {"p1": "ann", "t1": "ann", "i1": "ann"}
    people = user_rows(engine)
    assert set(people) == {"ann"}
    assert people["ann"]["traits"] == {"utm": "ad", "email": "ann@example.com"}
    assert people["ann"]["first_seen"] == event_rows(engine)[0]["ts"]
    assert people["ann"]["event_count"] == 2
    assert identity_map(engine) == {"anon-1": "ann", "ann": "ann"}

    # Later events with only the anonymous id resolve to the user.
    writer.write([{"type": "track", "messageId": "t2", "anonymousId": "anon-1", "event": "Checkout Started",
                   "timestamp": _t(4)}])
    assert event_rows(engine)[-1]["person"] == "ann"
    assert user_rows(engine)["ann"]["event_count"] == 3
    assert user_rows(engine)["ann"]["last_seen"] == event_rows(engine)[-1]["ts"]


def test_merge_within_one_batch_rewrites_earlier_rows_of_the_batch(engine: Engine, writer: EventWriter) -> None:
    writer.write([
        {"type": "track", "messageId": "a", "anonymousId": "d1", "event": "Viewed", "timestamp": _t(1)},
        {"type": "track", "messageId": "b", "anonymousId": "d1", "userId": "bob", "event": "Signed Up",
         "timestamp": _t(2)},
        {"type": "track", "messageId": "c", "anonymousId": "d1", "event": "Viewed", "timestamp": _t(3)},
    ])
    assert [r["person"] for r in event_rows(engine)] == ["bob", "bob", "bob"]
    assert set(user_rows(engine)) == {"bob"}
    assert user_rows(engine)["bob"]["event_count"] == 3


def test_identified_users_values_win_when_traits_merge(engine: Engine, writer: EventWriter) -> None:
    writer.write([
        {"type": "identify", "userId": "cat", "traits": {"plan": "pro", "name": "Cat"}, "timestamp": _t(5)},
        {"type": "track", "anonymousId": "d2", "event": "E", "context": {"traits": {"plan": "free", "lang": "fr"}},
         "timestamp": _t(1)},
    ])
    writer.write([{"type": "identify", "anonymousId": "d2", "userId": "cat", "timestamp": _t(6)}])
    people = user_rows(engine)
    assert set(people) == {"cat"}
    assert people["cat"]["traits"] == {"plan": "pro", "name": "Cat", "lang": "fr"}
    assert people["cat"]["first_seen"] < people["cat"]["last_seen"]
    assert people["cat"]["event_count"] == 1


def test_alias_links_previous_id(engine: Engine, writer: EventWriter) -> None:
    writer.write([{"type": "track", "messageId": "x", "anonymousId": "visitor-9", "event": "E", "timestamp": _t(1)}])
    writer.write([{"type": "alias", "messageId": "al", "previousId": "visitor-9", "userId": "dan", "timestamp": _t(2)}])
    writer.write([{"type": "track", "messageId": "y", "anonymousId": "visitor-9", "event": "E", "timestamp": _t(3)}])
    assert {r["message_id"]: r["person"] for r in event_rows(engine)} == {"x": "dan", "al": "dan", "y": "dan"}
    assert identity_map(engine)["visitor-9"] == "dan"
    assert user_rows(engine)["dan"]["event_count"] == 2


def test_anonymous_id_linked_to_one_user_is_not_relinked(engine: Engine, writer: EventWriter) -> None:
    writer.write([{"type": "identify", "anonymousId": "shared-laptop", "userId": "eve", "timestamp": _t(1)}])
    writer.write([
        {"type": "identify", "anonymousId": "shared-laptop", "userId": "fay", "timestamp": _t(2)},
        {"type": "track", "messageId": "later", "anonymousId": "shared-laptop", "event": "E", "timestamp": _t(3)},
    ])
    assert identity_map(engine) == {"shared-laptop": "eve", "eve": "eve", "fay": "fay"}
    assert event_rows(engine)[-1]["person"] == "eve"
    assert event_rows(engine)[1]["person"] == "fay"  # the identify itself carries fay's userId


def test_anonymous_funnel_finished_after_sign_up_is_one_person(engine: Engine, writer: EventWriter) -> None:
    writer.write([{"type": "track", "anonymousId": "d", "event": "Added To Cart", "timestamp": _t(1)}])
    writer.write([{"type": "track", "anonymousId": "d", "userId": "gus", "event": "Signed Up", "timestamp": _t(2)}])
    writer.write([{"type": "track", "userId": "gus", "event": "Order Completed", "timestamp": _t(3)}])
    assert {r["person"] for r in event_rows(engine)} == {"gus"}
    assert list(user_rows(engine)) == ["gus"]


def test_every_seen_id_has_an_identity_row(engine: Engine, writer: EventWriter) -> None:
    writer.write([
        {"type": "track", "anonymousId": "a", "event": "E"},
        {"type": "track", "userId": "u", "event": "E"},
        {"type": "alias", "previousId": "p", "userId": "u2"},
    ])
    assert identity_map(engine) == {"a": "a", "u": "u", "p": "u2", "u2": "u2"}


def test_a_trait_beyond_64_bits_is_kept_exact_through_later_writes(engine: Engine, writer: EventWriter) -> None:
    """An integer trait past 64 bits is valid JSON: the person's row keeps it exact when later
    batches update that row (it used to fail the whole batch with a TypeError)."""
    huge = 2**70 + 1
    first = writer.write([{"type": "identify", "userId": "big", "traits": {"account": huge}, "timestamp": _t(1)}])
    assert first.stored == 1 and not first.rejected
    later = writer.write([{"type": "identify", "userId": "big", "traits": {"plan": "pro"}, "timestamp": _t(2)},
                          {"type": "track", "userId": "big", "event": "E", "timestamp": _t(3)}])
    assert later.stored == 2 and not later.rejected
    assert user_rows(engine)["big"]["traits"] == {"account": huge, "plan": "pro"}
