"""The exact-integer guard of the JSON reader shared by the collector and the importer."""

from __future__ import annotations

import pytest

from app.ingest.jsonread import has_long_digit_run, loads
from app.ingest.rawsql import json_value


@pytest.mark.parametrize(("text", "expected"), [
    (b'{"n": 1234567890123456789}', False),          # 19 digits: orjson holds it exactly
    (b'{"n": 12345678901234567890}', True),          # 20: beyond 64 bits, the exact path
    (b'{"n": -123456789012345678901234}', True),
    (b'{"id": "00000000000000000000000"}', True),    # a digit run inside a string counts too
    (b'{"ts": "2026-01-01T00:00:00.000Z", "ip": "1234567890.1234567890"}', False),
    (b'{"a": 1234567890, "b": 1234567890}', False),  # 20 digits, but not in a row
    (b"", False),
])
def test_a_run_of_twenty_digits_is_found_wherever_it_is(text: bytes, expected: bool) -> None:
    assert has_long_digit_run(text) is expected


def test_integers_beyond_64_bits_stay_exact_in_bodies_lines_and_stored_documents() -> None:
    """A 25-digit integer property is read as that integer (orjson alone would make it a float
    that prints differently), while an ordinary body takes orjson's path with the same values."""
    big = 1234567890123456789012345
    assert loads(b'{"properties": {"order": %d, "n": 7}}' % big) == {"properties": {"order": big, "n": 7}}
    assert loads(b'{"properties": {"order": 18446744073709551615}}')["properties"]["order"] == 2**64 - 1
    assert json_value(f'{{"plan": "pro", "seats": {big}}}') == {"plan": "pro", "seats": big}
    assert loads(b'{"n": 1234567890, "m": 1234567890}') == {"n": 1234567890, "m": 1234567890}
