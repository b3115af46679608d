"""A webhook's body template, against a real local receiver: each message reshaped, types kept,
missing fields null or empty, dead letters re-sent as they were rendered; malformed templates
refused when the destinations file is read."""

from __future__ import annotations

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
