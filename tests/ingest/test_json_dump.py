"""The stored JSON text of properties, context and traits (app.ingest.messages._dump).

_dump asks orjson for the text without OPT_NON_STR_KEYS first (parsed JSON has only str keys,
which orjson writes faster so: docs/benchmarks/clickhouse.md, "Where the import's microseconds
go now") and takes the old way (_dump_any: the option, the standard library for integers beyond 64 bits)
only for what orjson refuses. A speed change: the text, its size and every error must be those
of the old way, for any value, also keys that are not str and values that are not JSON.
"""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.ingest.messages import _NUL_ESCAPE, InvalidMessage, _dump, _dump_any
from tests.support.hostile import FUZZ_EXAMPLES, json_values

SETTINGS = settings(max_examples=max(FUZZ_EXAMPLES * 8, 200), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class _Name(str):
    """A str subclass as a key (orjson refuses it without OPT_NON_STR_KEYS)."""


def _outcome(dump: Any, value: Any) -> tuple[Any, ...]:
    try:
        return ("ok", *dump(value, "properties"))
    except InvalidMessage as exc:
        return ("refused", exc.reason)


def _old_dump(value: Any, name: str) -> tuple[str, int]:
    """_dump as it was: always with OPT_NON_STR_KEYS."""
    data = _dump_any(value, name)
    if data.find(b"\\u0000") >= 0 and _NUL_ESCAPE.search(data):
        raise InvalidMessage(f"{name} contains a NUL character (\\u0000)")
    return data.decode("utf-8"), len(data)


_keys = st.one_of(st.text(max_size=6), st.integers(-5, 5), st.floats(allow_nan=True), st.booleans(), st.none(),
                  st.text(max_size=6).map(_Name))
_odd = st.recursive(
    st.one_of(json_values, st.integers(-(10**30), 10**30), st.floats(allow_nan=True, allow_infinity=True),
              st.text(st.characters(codec="utf-8"), max_size=8), st.just("a\ud800b"), st.just("\0"),
              st.just(b"bytes"), st.just(object())),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_keys, inner, max_size=3)),
    max_leaves=10,
)


@SETTINGS
@given(st.one_of(json_values, _odd))
def test_the_stored_text_is_the_old_ways(value: Any) -> None:
    assert _outcome(_dump, value) == _outcome(_old_dump, value)


def test_keys_that_are_not_str_are_written_as_before() -> None:
    value = {1: "a", None: [1.5, {True: "b"}], _Name("k"): 2**70, "n": float("nan")}
    text, size = _dump(value, "properties")
    assert text == '{"1":"a","null":[1.5,{"true":"b"}],"k":1180591620717411303424,"n":null}'
    assert size == len(text)
    assert (text, size) == _old_dump(value, "properties")
    # A demo context: both ways write the same bytes.
    context = {"ip": "169.138.55.34", "library": {"name": "analytics.js"}, "page": {"search": "", "title": "é"}}
    assert _dump(context, "context")[0].encode() == orjson.dumps(context, option=orjson.OPT_NON_STR_KEYS)
