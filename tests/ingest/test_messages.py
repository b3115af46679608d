"""Validation and normalisation of single Segment messages (no database needed)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.ingest.messages import MAX_MESSAGE_BYTES, InvalidMessage, normalize, parse_time

NOW = parse_time("2024-05-01T12:00:00Z", "now") or 0


def norm(msg: dict[str, Any], **kw: Any):  # type: ignore[no-untyped-def]
    return normalize(msg, NOW, **kw)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T12:00:00Z", "2024-05-01T12:00:00+00:00"),
        ("2024-05-01T14:00:00+02:00", "2024-05-01T12:00:00+00:00"),
        ("2024-05-01T06:30:00-05:30", "2024-05-01T12:00:00+00:00"),
        ("2024-05-01T12:00:00.250Z", "2024-05-01T12:00:00.250000+00:00"),
        ("2024-05-01T12:00:00.123456789Z", "2024-05-01T12:00:00.123000+00:00"),
        ("2024-05-01 12:00:00", "2024-05-01T12:00:00+00:00"),  # naive means UTC
        # RFC 3339 forms Python refuses, which cost the message its place ('unparseable timestamp')
        ("2024-05-01t12:00:00z", "2024-05-01T12:00:00+00:00"),
        ("2016-12-31T23:59:60Z", "2017-01-01T00:00:00+00:00"),  # a leap second: the next second
        ("2016-12-31T23:59:60.250Z", "2017-01-01T00:00:00.250+00:00"),
        ("2024-04-30T24:00:00Z", "2024-05-01T00:00:00+00:00"),  # the end of a day
        ("2024-05-01T01:00+01:00", "2024-05-01T00:00:00+00:00"),
    ],
)
def test_iso_timestamps_with_any_offset(text: str, expected: str) -> None:
    rec = norm({"type": "track", "event": "E", "userId": "u", "timestamp": text})
    assert rec.ts == parse_time(expected, "x")


def test_clock_skew_correction_uses_sent_at() -> None:
    # The device clock is 1 hour fast: it says the call happened at 13:00 and was sent at 13:00:05.
    rec = norm({
        "type": "track", "event": "E", "userId": "u",
        "timestamp": "2024-05-01T13:00:00Z", "sentAt": "2024-05-01T14:00:05+01:00",
    })
    assert rec.ts == NOW - 5000
    assert rec.received_at == NOW


def test_exported_message_recomputes_segment_timestamp_from_original() -> None:
    # A Segment export has originalTimestamp (device), sentAt, receivedAt and the corrected timestamp.
    msg = {
        "type": "track", "event": "E", "userId": "u",
        "originalTimestamp": "2024-01-01T10:00:00Z", "sentAt": "2024-01-01T10:00:10Z",
        "receivedAt": "2024-01-01T09:00:10Z", "timestamp": "2024-01-01T09:00:00Z",
    }
    rec = norm(msg, arrived_now=False)
    assert rec.ts == parse_time("2024-01-01T09:00:00Z", "x")
    assert rec.received_at == parse_time("2024-01-01T09:00:10Z", "x")


def test_file_message_without_received_at_keeps_device_time() -> None:
    rec = norm({"type": "track", "event": "E", "userId": "u", "timestamp": "2023-02-03T04:05:06Z",
                "sentAt": "2023-02-03T04:05:07Z"}, arrived_now=False)
    assert rec.ts == parse_time("2023-02-03T04:05:06Z", "x")


def test_no_time_at_all_means_arrival_time() -> None:
    assert norm({"type": "track", "event": "E", "userId": "u"}).ts == NOW


def test_explicit_nulls_are_tolerated() -> None:
    rec = norm({
        "type": "track", "event": "Signed Up", "userId": "u", "anonymousId": None, "messageId": None,
        "timestamp": None, "sentAt": None, "properties": None, "context": None, "integrations": None,
    })
    assert rec.anonymous_id is None
    assert rec.properties_json == "{}"
    assert rec.message_id.startswith("tl-")


def test_generated_message_id_is_stable_for_same_content() -> None:
    msg = {"type": "track", "event": "E", "userId": "u", "timestamp": "2024-01-01T00:00:00Z"}
    assert norm(msg).message_id == norm(dict(msg)).message_id
    other = {**msg, "event": "F"}
    assert norm(other).message_id != norm(msg).message_id


def test_live_messages_without_time_or_id_are_distinct_sends() -> None:
    msg = {"type": "track", "event": "Ping", "userId": "u"}
    assert normalize(msg, NOW).message_id != normalize(msg, NOW + 1).message_id
    # ... but file lines are content, so a re-import finds the same ids.
    assert normalize(msg, NOW, arrived_now=False).message_id == normalize(msg, NOW + 1, arrived_now=False).message_id


def test_page_gets_name_url_path_title_referrer_and_category() -> None:
    rec = norm({
        "type": "page", "anonymousId": "a", "name": "Pricing", "category": "Marketing",
        "properties": {"title": "Pricing – Acme"},
        "context": {"page": {"url": "https://acme.test/pricing?x=1", "path": "/pricing",
                             "title": "ignored", "referrer": "https://www.google.com/"}},
    })
    assert rec.event == "Page Viewed"
    props = json.loads(rec.properties_json)
    assert props == {"url": "https://acme.test/pricing?x=1", "path": "/pricing", "title": "Pricing – Acme",
                     "referrer": "https://www.google.com/", "name": "Pricing", "category": "Marketing"}
    assert rec.referrer == "https://www.google.com/"


def test_screen_is_screen_viewed_with_name() -> None:
    rec = norm({"type": "screen", "userId": "u", "name": "Home", "properties": {"tab": 2}})
    assert rec.event == "Screen Viewed"
    assert json.loads(rec.properties_json) == {"tab": 2, "name": "Home"}
    assert rec.referrer is None


def test_identify_group_alias_have_no_event_name() -> None:
    ident = norm({"type": "identify", "userId": "u", "traits": {"email": "a@b.c"}})
    assert ident.event is None and ident.traits == {"email": "a@b.c"}
    group = norm({"type": "group", "userId": "u", "groupId": "g1", "traits": {"plan": "pro"}})
    assert group.event is None and json.loads(group.properties_json) == {"groupId": "g1", "traits": {"plan": "pro"}}
    alias = norm({"type": "alias", "previousId": "old", "userId": "new"})
    assert alias.event is None and alias.previous_id == "old"


def test_context_traits_update_the_person() -> None:
    rec = norm({"type": "track", "event": "E", "userId": "u", "context": {"traits": {"plan": "pro"}}})
    assert rec.traits == {"plan": "pro"}


def test_type_is_case_insensitive_and_numeric_ids_become_text() -> None:
    rec = norm({"type": "Track", "event": "E", "userId": 42})
    assert rec.type == "track" and rec.user_id == "42"


@pytest.mark.parametrize(
    ("msg", "reason"),
    [
        ({"type": "track", "event": "E"}, "missing both userId and anonymousId"),
        ({"type": "track", "event": "E", "userId": "", "anonymousId": None}, "missing both userId and anonymousId"),
        ({"type": "click", "userId": "u"}, "unknown type 'click'"),
        ({"userId": "u", "event": "E"}, "missing type"),
        ({"type": "track", "userId": "u"}, "track without event name"),
        ({"type": "track", "userId": "u", "event": ""}, "track without event name"),
        ({"type": "track", "userId": "u", "event": "E", "timestamp": "yesterday"}, "unparseable timestamp"),
        ({"type": "track", "userId": "u", "event": "E", "sentAt": "2024-13-45"}, "unparseable sentAt"),
        ({"type": "track", "userId": "u", "event": "E", "timestamp": 10**30}, "timestamp out of range"),
        ({"type": "alias", "userId": "u"}, "alias needs both previousId and userId"),
        ({"type": "group", "userId": "u"}, "group without groupId"),
        ({"type": "track", "userId": "u", "event": "E", "properties": [1, 2]}, "properties must be an object"),
        ({"type": "track", "userId": "u", "event": "E", "properties": {"x": "a\x00b"}}, "NUL"),
        ({"type": "track", "userId": "x" * 300, "event": "E"}, "userId is longer than 255"),
        ({"type": "track", "userId": "u", "event": "E", "properties": {"blob": "x" * MAX_MESSAGE_BYTES}},
         "over the 32 KB limit"),
    ],
)
def test_malformed_messages_are_rejected_with_a_reason(msg: dict[str, Any], reason: str) -> None:
    with pytest.raises(InvalidMessage) as info:
        norm(msg)
    assert reason in info.value.reason


def test_not_an_object_is_rejected() -> None:
    with pytest.raises(InvalidMessage, match="must be a JSON object"):
        normalize(["track"], NOW)


def test_message_just_under_the_limit_is_accepted() -> None:
    rec = norm({"type": "track", "userId": "u", "event": "E", "properties": {"blob": "é" * 15_000}})
    assert rec.event == "E"


def test_nan_and_infinity_become_null() -> None:
    rec = norm({"type": "track", "userId": "u", "event": "E", "properties": {"x": float("nan"), "y": 1.5}})
    assert json.loads(rec.properties_json) == {"x": None, "y": 1.5}


def test_integers_beyond_64_bits_are_kept() -> None:
    rec = norm({"type": "track", "userId": "u", "event": "E", "properties": {"big": 2**70}})
    assert json.loads(rec.properties_json) == {"big": 2**70}


def test_epoch_millisecond_timestamps_are_accepted() -> None:
    assert norm({"type": "track", "event": "E", "userId": "u", "timestamp": 1714564800000}).ts == NOW


def test_a_far_off_sent_at_is_named_as_the_cause_of_a_rejected_time() -> None:
    # A device time that is fine, and a sentAt 6,000 years ahead of the arrival: the correction
    # moves the event into the year -3976. The reason must name sentAt, not only that odd year.
    with pytest.raises(InvalidMessage) as caught:
        norm({"type": "track", "event": "E", "userId": "u", "timestamp": "2024-05-01T13:00:00Z",
              "sentAt": "8024-05-01T13:00:00Z"})
    reason = str(caught.value)
    assert "after the clock-skew correction" in reason
    assert "sentAt 8024-05-01T13:00:00+00:00 is 6,000 years after the arrival time" in reason
