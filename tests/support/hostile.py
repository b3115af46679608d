"""Hostile Segment messages for the fuzz tests: hypothesis strategies and the corpus of cases
that once broke ingestion (issue 18). Each corpus entry is the raw JSON text of one message,
as a client could send it (lone surrogates as escapes, NaN as the bare word)."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from typing import Any

from hypothesis import strategies as st

from app.ingest.jsonread import loads

#: Examples per fuzz test: a short budget in CI, a long one on demand
#: (TRACKLENS_FUZZ_EXAMPLES=5000 python -m pytest tests/ingest/test_fuzz_ingest.py tests/collector/test_fuzz_collector.py).
FUZZ_EXAMPLES = int(os.environ.get("TRACKLENS_FUZZ_EXAMPLES", "25"))

#: The cases that failed once, kept as regression tests (raw JSON text of one message each).
CORPUS: list[str] = [
    # A lone surrogate in messageId: good neighbours were committed, then the answer failed (500).
    '{"type": "track", "event": "E", "anonymousId": "a", "messageId": "x\\ud800"}',
    '{"type": "track", "event": "E", "userId": "\\udfff"}',
    # Years 12025 and -7973 after clock-skew correction broke the people list for everyone.
    '{"type": "track", "event": "E", "userId": "u", "originalTimestamp": "9999-12-31T00:00:00Z",'
    ' "sentAt": "0001-01-01T00:00:00Z"}',
    '{"type": "track", "event": "E", "userId": "u", "originalTimestamp": "0001-01-01T00:00:00Z",'
    ' "sentAt": "9999-12-31T00:00:00Z"}',
    '{"type": "track", "event": "E", "userId": "u", "timestamp": "9999-12-31T23:59:59-14:00"}',
    # NaN / Infinity made the whole batch a 400.
    '{"type": "track", "event": "E", "userId": "u", "properties": {"x": NaN, "y": [Infinity, -Infinity]}}',
    # A 5,000-digit integer did too.
    '{"type": "track", "event": "E", "userId": "u", "properties": {"n": ' + "9" * 5000 + "}}",
    # Beyond 64 bits next to NaN or a lone surrogate: the exact (standard library) path wrote NaN
    # (which PostgreSQL refuses) or raised UnicodeDecodeError out of validation.
    '{"type": "track", "event": "E", "userId": "u", "properties": {"a": 1180591620717411303424, "n": NaN}}',
    '{"type": "track", "event": "E", "userId": "u", "properties": {"a": 1180591620717411303424, "b": "\\ud800"}}',
    # NUL in names and ids: stored on SQLite, refused by PostgreSQL.
    '{"type": "track", "event": "Sign\\u0000ed", "userId": "u"}',
    '{"type": "identify", "userId": "u\\u0000", "traits": {"email": "a@b.c"}}',
    '{"type": "alias", "userId": "u", "previousId": "p\\u0000"}',
    '{"type": "group", "userId": "u", "groupId": "g\\u0000"}',
    # Deep nesting (RecursionError once escaped the importer).
    '{"type": "track", "event": "E", "userId": "u", "properties": {"x": ' + "[" * 300 + "]" * 300 + "}}",
    # Wrong types where text or objects belong.
    '{"type": "track", "event": ["E"], "userId": "u"}',
    '{"type": "track", "event": "E", "userId": {"id": 1}}',
    '{"type": "track", "event": "E", "userId": "u", "timestamp": true}',
    '{"type": "track", "event": "E", "userId": "u", "timestamp": 1e308}',
    '{"type": "track", "event": "E", "userId": "u", "timestamp": -1e308}',
    '{"type": "track", "event": "E", "userId": "u", "context": {"ip": ["1.2.3.4"], "userAgent": 7,'
    ' "page": {"referrer": {"x": 1}}, "traits": "no"}}',
    '{"type": "page", "userId": "u", "properties": {"referrer": "http://[::1"}, "context": {"page": "x"}}',
    '{"type": "track", "event": "E", "userId": "u", "context": {"page": {"referrer": "http://\\u0661\\u0662/"}}}',
    '{"type": 7, "userId": "u"}',
    '{"type": "TRACK ", "event": " ", "userId": "u"}',
]


def good_message(tag: str = "good") -> dict[str, Any]:
    """A valid message with a fresh id, to check that bad neighbours never cost it."""
    return {"type": "track", "event": "Fuzz Sentinel", "anonymousId": f"{tag}-{uuid.uuid4().hex[:8]}",
            "messageId": f"{tag}-{uuid.uuid4().hex}"}


# Characters from every category, lone surrogates, NUL and bidi controls included.
_any_char = st.characters(exclude_categories=())
_text = st.text(_any_char, max_size=40)
_odd_text = st.one_of(
    _text,
    st.sampled_from(["", " ", "\x00", "\ud800", "\u202e", "💥", "a\\b", 'q"q', "\u0000\u0000", "null", "NaN"]),
    st.text(st.sampled_from("\x00\x01\x1f\x7f\ud800\udfff\u202e\ufeff\u2028 é東"), max_size=8),
)
_numbers = st.one_of(
    st.integers(),
    st.sampled_from([0, -1, 2**53, 2**63, -(2**63) - 1, 2**64, 10**30, -(10**30), 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
)
_scalars = st.one_of(st.none(), st.booleans(), _numbers, _odd_text)
json_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_odd_text, inner, max_size=4)),
    max_leaves=12,
)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat()


_times = st.one_of(
    st.datetimes(timezones=st.timezones()).map(_iso),
    st.datetimes(min_value=dt.datetime(2019, 1, 1), max_value=dt.datetime(2027, 1, 1),
                 timezones=st.just(dt.UTC)).map(_iso),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    _odd_text,
    st.sampled_from(["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2024-02-30T00:00:00Z"]),
)
_ids = st.one_of(st.none(), _odd_text, _numbers, st.lists(st.integers(), max_size=2),
                 st.text(min_size=250, max_size=260))
_context = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={
        "ip": st.one_of(st.ip_addresses().map(str), _odd_text, _numbers),
        "userAgent": st.one_of(_odd_text, st.sampled_from([
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)\x00 Mobile/15E148"])),
        "page": st.one_of(json_values, st.fixed_dictionaries({"referrer": st.one_of(_odd_text, st.sampled_from(
            ["https://www.google.com/search?q=x", "http://[::1", "http://\u0661\u0662/", "//x", "\\\\evil"]))})),
        "traits": json_values,
    }),
)

messages = st.fixed_dictionaries(
    {},
    optional={
        "type": st.one_of(st.sampled_from(["track", "page", "screen", "identify", "group", "alias", "Track"]),
                          _odd_text, _numbers),
        "event": st.one_of(_odd_text, _numbers, json_values),
        "userId": _ids,
        "anonymousId": _ids,
        "messageId": _ids,
        "previousId": _ids,
        "groupId": _ids,
        "name": _odd_text,
        "properties": json_values,
        "traits": json_values,
        "context": _context,
        "timestamp": _times,
        "originalTimestamp": _times,
        "sentAt": _times,
        "receivedAt": _times,
        "integrations": json_values,
    },
)
hostile_messages = st.one_of(messages, json_values, st.sampled_from(CORPUS).map(loads))
