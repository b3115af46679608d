"""Decoding JSON that anyone may have written: the collector's bodies and the importer's lines.

Both read the same way, so a message is stored or refused alike whichever way it came:
- NaN and ±Infinity (not JSON, but sent by clients that serialise float('nan')) are read as
  floats, which the ingestion core stores as null;
- integers of any length up to Python's 4,300-digit conversion limit stay exact (orjson would
  turn those beyond 64 bits into floats); a longer one becomes an OversizedNumber, which
  rejects only the message holding it;
- nesting deeper than about MAX_PARSE_DEPTH levels is a ValueError with a reason, never a
  RecursionError (orjson stops at 1,024 levels, Python's decoder a little earlier, at its
  recursion limit).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from app.ingest.messages import OversizedNumber

#: Python's own limit on converting digit strings to int (sys.int_info.default_max_str_digits).
MAX_INT_DIGITS = 4300
#: Deepest nesting read, roughly (orjson's limit); the ingestion core stores at most MAX_DEPTH levels.
MAX_PARSE_DEPTH = 1000

#: Every ASCII digit to "0", so 20 digits in a row are 20 zeros in a row (see has_long_digit_run).
_DIGITS_AS_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
_LONG_RUN = b"0" * 20


def has_long_digit_run(data: bytes) -> bool:
    """Whether `data` holds 20 or more ASCII digits in a row: possibly an integer orjson cannot
    hold exactly, so such input takes the exact path. A translate and a substring search run in
    C at ~1 ns per byte; the regular expression `\\d{20}` they replace took ~70 ns per byte, 4x
    orjson's parse of the same collector body (docs/benchmarks/collector.md)."""
    return _LONG_RUN in data.translate(_DIGITS_AS_ZERO)


def parse_int(text: str) -> int | OversizedNumber:
    """json.loads' parse_int: exact integers, an OversizedNumber past Python's conversion limit."""
    digits = len(text) - (text[0] == "-")
    if digits > MAX_INT_DIGITS:
        return OversizedNumber(digits)
    return int(text)


_DECODER = json.JSONDecoder(parse_int=parse_int)


def loads(data: bytes | str) -> Any:
    """Decode one JSON text; ValueError (one line) when it is not JSON or nested too deeply."""
    if isinstance(data, bytes) and not has_long_digit_run(data):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return _DECODER.decode(text)
    except RecursionError:
        raise ValueError(f"nested too deeply (the limit is about {MAX_PARSE_DEPTH} levels)") from None
