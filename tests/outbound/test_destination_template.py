"""A webhook's body template, against a real local receiver: each message reshaped, types kept,
missing fields null or empty, dead letters re-sent as they were rendered; malformed templates
refused when the destinations file is read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from app.outbound.destinations import store
from app.outbound.destinations.config import DestinationError, parse_destinations
from app.outbound.destinations.forwarder import DestinationWorker
from app.outbound.retry import Backoff
from tests.outbound.destinations_support import Receiver, store_messages, track

SLACKISH = {"text": "{{ event }} by {{ userId }}: {{ properties.price }} {{ properties.currency }}",
            "amount": "{{ properties.price }}", "items": "{{ properties.items }}", "missing": "{{ properties.nope }}",
            "first_item": "{{ properties.items.0.sku }}", "id": "{{messageId}}", "ip": "{{ context.ip }}",
            "fixed": [1, True, None, "no placeholder"], "blocks": [{"kind": "{{ type }}"}]}


def _nested(depth: int) -> Any:
    value: Any = "{{ event }}"
    for _ in range(depth):
        value = [value]
    return value


@pytest.fixture
def rx() -> Iterator[Receiver]:
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def worker(engine: Engine, spec: dict[str, Any]) -> DestinationWorker:
    (dest,) = parse_destinations([spec])
    return DestinationWorker(engine, dest, backoff=Backoff(base=0.01, cap=0.05, attempts=0))


def order(i: int) -> dict[str, Any]:
    return track(i, price=100 + i + 0.5, currency="EUR", items=[{"sku": f"S{i}", "n": 2}])


def test_each_message_is_reshaped_by_the_template(engine: Engine, rx: Receiver) -> None:
    store_messages(engine, [order(i) for i in range(3)])
    w = worker(engine, {"name": "chat", "type": "webhook", "url": rx.url, "batch": 1, "template": SLACKISH})
    assert w.catch_up().sent == 3
    w.close()
    assert [h.body for h in rx.ok_hits()] == [{
        "text": f"Order Completed by u{i}: {100 + i + 0.5} EUR", "amount": 100 + i + 0.5,
        "items": [{"sku": f"S{i}", "n": 2}], "missing": None, "first_item": f"S{i}", "id": f"m-{i:05d}",
        "ip": "127.0.0.1", "fixed": [1, True, None, "no placeholder"], "blocks": [{"kind": "track"}],
    } for i in range(3)]


def test_batches_carry_rendered_messages_and_dead_letters_keep_them(engine: Engine, rx: Receiver) -> None:
    store_messages(engine, [order(i) for i in range(4)] + [{"type": "identify", "userId": "u9", "messageId": "i-1",
                                                             "traits": {"plan": "pro"}}])
    rx.script = [(400, {})]
    w = worker(engine, {"name": "hook", "type": "webhook", "url": rx.url, "batch": 2,
                        "template": {"who": "{{ userId }}", "what": "{{ event }}", "plan": "{{ traits.plan }}",
                                     "note": "[{{ event }}]"}})
    summary = w.catch_up()
    assert summary.dead == 1 and summary.sent == 3
    (letter,) = store.dead_letters(engine, "hook")
    assert letter.messages == [{"who": "u0", "what": "Order Completed", "plan": None, "note": "[Order Completed]"},
                               {"who": "u1", "what": "Order Completed", "plan": None, "note": "[Order Completed]"}]
    assert rx.delivered() == [
        {"who": "u2", "what": "Order Completed", "plan": None, "note": "[Order Completed]"},
        {"who": "u3", "what": "Order Completed", "plan": None, "note": "[Order Completed]"},
        {"who": "u9", "what": None, "plan": "pro", "note": "[]"},  # identify: no event, its traits
    ]
    assert w.retry_dead().sent == 2
    w.close()
    assert rx.ok_hits()[-1].body == {"batch": letter.messages}


@pytest.mark.parametrize(("template", "error"), [
    ({"text": "{{ event"}, "unbalanced"),
    ({"text": "event }}"}, "unbalanced"),
    ({"text": "{{ event }} and {{ }}"}, "is not a field path"),
    ({"a": {"b": "{{ properties..price }}"}}, "destinations[0].template.a.b"),
    ({"x": "{{ __import__('os') }}"}, "is not a field path"),
    ({"deep": _nested(40)}, "too large"),
])
def test_a_malformed_template_is_refused_when_the_file_is_read(template: Any, error: str) -> None:
    with pytest.raises(DestinationError, match=error.replace("[", r"\[").replace(".", r"\.")):
        parse_destinations([{"name": "hook", "type": "webhook", "url": "http://127.0.0.1:9/", "template": template}])


def test_a_template_belongs_to_webhooks_only() -> None:
    with pytest.raises(DestinationError, match="template is not a field of a segment destination"):
        parse_destinations([{"name": "s", "type": "segment", "url": "http://127.0.0.1:9/", "write_key": "k",
                             "template": {"a": "{{ event }}"}}])


def big(i: int, size: int) -> dict[str, Any]:
    return track(i, blob="x" * size)


#: 300 copies of a 20 KB property: a message renders to about 6 MB, over a webhook's 5 MB
REPEATING = {f"k{n}": "{{ properties.blob }}!" for n in range(300)}


def test_a_message_whose_rendered_body_is_too_large_is_parked_unsent(engine: Engine, rx: Receiver) -> None:
    """A template repeating a long field built a body of any size (here 6 MB per message, times
    the batch), held whole in memory and posted, refused or retried. A message whose body alone
    would pass the webhook's 5 MB is parked as a dead letter without being sent, saying why, and
    the messages after it are delivered; --retry-dead renders it again with the template as it
    is then, and sends it once it fits."""
    store_messages(engine, [track(0), big(1, 20_000), track(2)])
    spec = {"name": "hook", "type": "webhook", "url": rx.url, "batch": 10, "template": REPEATING}
    w = worker(engine, spec)
    summary = w.catch_up()
    w.close()
    assert (summary.sent, summary.dead) == (2, 1)
    assert [len(h.messages()) for h in rx.hits] == [1, 1]  # cut before the large one, then after it
    assert [m["k0"] for m in rx.delivered()] == ["!", "!"]
    (letter,) = store.dead_letters(engine, "hook")
    assert letter.status is None and letter.count == 1
    assert letter.answer is not None and letter.answer.startswith("not sent") and "5,000,000" in letter.answer
    # The message before the template, not a 6 MB render, is what the database keeps.
    assert letter.messages[0]["messageId"] == "m-00001" and len(letter.messages[0]["properties"]["blob"]) == 20_000
    (row,) = store.status(engine, parse_destinations([spec]))
    assert row.last_error is not None and "not sent" in row.last_error and row.pending == 0

    w = worker(engine, spec)  # the template unchanged: still too large, still not sent
    again = w.retry_dead()
    w.close()
    assert (again.sent, again.dead) == (0, 1) and len(rx.hits) == 2
    w = worker(engine, {**spec, "template": {"id": "{{ messageId }}", "n": "{{ properties.blob }}"}})
    fixed = w.retry_dead()
    w.close()
    assert (fixed.sent, fixed.dead) == (1, 0)
    assert rx.hits[-1].body == {"batch": [{"id": "m-00001", "n": "x" * 20_000}]}


def test_many_large_renders_are_cut_into_requests_under_the_limit(engine: Engine, rx: Receiver) -> None:
    """Each message renders to about 400 KB: a batch of 40 would be 16 MB; it goes in requests
    of at most 5 MB, every message once, in order."""
    store_messages(engine, [big(i, 20_000) for i in range(40)])
    template = {f"k{n}": "{{ properties.blob }}" for n in range(20)} | {"id": "{{ messageId }}"}
    w = worker(engine, {"name": "hook", "type": "webhook", "url": rx.url, "batch": 40, "template": template})
    summary = w.catch_up()
    w.close()
    assert (summary.sent, summary.dead) == (40, 0)
    assert [m["id"] for m in rx.delivered()] == [f"m-{i:05d}" for i in range(40)]
    assert len(rx.hits) >= 4
    assert all(len(json.dumps(h.body, separators=(",", ":"))) <= 5_000_000 for h in rx.hits)
