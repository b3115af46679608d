"""A webhook template repeating a huge property (a row another program wrote) stops rendering at
the request's 5 MB limit: one message's render is never built whole first (it was: the text of a
field repeated a hundred times, or a body copying it a hundred times, was written out and only then
found too large)."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, update

from app.core.schema import events
from app.outbound.destinations import store
from app.outbound.destinations.config import MAX_BODY_BYTES, parse_destinations
from app.outbound.destinations.formats import BodyTooLarge, rendered_content
from app.outbound.destinations.forwarder import DestinationWorker
from app.outbound.destinations.template import RenderTooLarge, compile_template
from app.outbound.retry import Backoff
from tests.outbound.destinations_support import Receiver, store_messages, track

MB = 1_000_000
LIMIT = MAX_BODY_BYTES["webhook"]

#: a property's value copied 100 times as values, and written 100 times into one text
AS_VALUES = {f"k{n}": "{{ properties.blob }}" for n in range(100)}
AS_TEXT = {"text": " / ".join(["{{ properties.blob }}"] * 100)}
#: a property that is an object (written as JSON text inside a string, copied as a value)
AS_OBJECT_TEXT = {"text": "-".join(["{{ properties.doc }}"] * 100)}
AS_OBJECT_VALUES = [{"n": n, "doc": "{{ properties.doc }}"} for n in range(100)]


def _peak(call: Any) -> tuple[Any, int]:
    """call()'s result or exception, and the most memory Python held during it beyond what it
    held before."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        start = tracemalloc.get_traced_memory()[0]
        try:
            result: Any = call()
        except Exception as exc:
            result = exc
        return result, tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("template", [AS_VALUES, AS_TEXT], ids=["values", "text"])
def test_a_50_mb_property_repeated_100_times_is_refused_in_bounded_memory(template: dict[str, Any]) -> None:
    (dest,) = parse_destinations([{"name": "hook", "type": "webhook", "url": "http://127.0.0.1:9/",
                                   "template": template}])
    message = track(1, blob="x" * (50 * MB))
    failure, peak = _peak(lambda: rendered_content(dest, [message], LIMIT))
    assert isinstance(failure, BodyTooLarge) and failure.fits == 0 and failure.size > LIMIT
    # A 5 GB render before; now at most one copy of the property's text is written (text), or
    # none (values): far under the property itself.
    assert peak < 10 * MB, f"{peak:,} bytes"


@pytest.mark.parametrize("huge_int", [False, True], ids=["json", "an integer beyond 64 bits"])
@pytest.mark.parametrize("template", [AS_OBJECT_TEXT, AS_OBJECT_VALUES], ids=["text", "values"])
def test_an_object_property_repeated_is_counted_as_it_is_copied(template: Any, huge_int: bool) -> None:
    render = compile_template(template)
    doc: dict[str, Any] = {f"key{i}": ["v" * 100, i, None] for i in range(20_000)}
    if huge_int:
        doc["big"] = 2**70  # only another program's row holds one (orjson cannot write it)
    size = len(json.dumps(doc))  # about 2.4 MB
    failure, peak = _peak(lambda: render(track(1, doc=doc), LIMIT))
    assert isinstance(failure, RenderTooLarge) and failure.size > LIMIT
    assert peak < 8 * size, f"{peak:,} bytes"  # the few copies of its text that reach 5 MB, not 100
    assert render(track(2, doc={"a": 1})) is not None  # without a limit: as before


def test_renders_under_the_limit_are_the_same_as_without_one() -> None:
    template = {"text": "{{ event }} by {{ userId }}: {{ properties.price }}", "raw": "{{ properties }}",
                "fixed": [1, True, None, "no placeholder"], "deep": {"a": ["{{ properties.items.0 }}"]}}
    render = compile_template(template)
    message = track(1, price=10.5, items=[{"sku": "S1"}], note="é" * 1000)
    assert render(message, LIMIT) == render(message)
    with pytest.raises(RenderTooLarge):
        render(message, 1000)  # the note alone is 1,000 characters


@pytest.fixture
def rx() -> Iterator[Receiver]:
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def test_the_worker_parks_such_a_message_unsent_without_building_it(engine: Engine, rx: Receiver) -> None:
    """From the database: a 2 MB property written 100 times into one text (200 MB) is parked as a
    dead letter saying why, the messages around it delivered, and the render never built."""
    store_messages(engine, [track(0), track(1, blob="y"), track(2)])
    with engine.begin() as conn:  # another program's row: the collector takes 32 KB at most
        conn.execute(update(events).where(events.c.message_id == "m-00001").values(properties={"blob": "y" * (2 * MB)}))
    spec = {"name": "hook", "type": "webhook", "url": rx.url, "batch": 10,
            "template": {"id": "{{ messageId }}", **AS_TEXT}}
    (dest,) = parse_destinations([spec])
    w = DestinationWorker(engine, dest, backoff=Backoff(base=0.01, cap=0.05, attempts=0))
    summary, peak = _peak(w.catch_up)
    w.close()
    assert (summary.sent, summary.dead) == (2, 1)
    assert [m["id"] for m in rx.delivered()] == ["m-00000", "m-00002"]
    (letter,) = store.dead_letters(engine, "hook")
    assert letter.status is None and letter.answer is not None
    assert letter.answer.startswith("not sent: its body as the template renders it would be")
    assert "over the 5,000,000 a webhook request may carry" in letter.answer
    assert peak < 60 * MB, f"{peak:,} bytes"  # the row read and parsed, not a 200 MB render
