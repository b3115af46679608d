"""A campaign webhook's body is bounded as a whole, not only field by field: a body of many fields,
each writing a long trait (a row another program wrote), was built and posted whatever its size."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, update

from app.core.schema import outbound_ledger, users
from app.outbound.messages import Campaign, CampaignError
from app.outbound.messages.sender import SendOptions, send_campaign
from app.outbound.messages.templates import RENDER_JSON_CHARS, JsonTemplate
from tests.outbound.conftest import HttpReceiver, add_people, campaign_dict, person


def _campaign(receiver: HttpReceiver, fields: int) -> Campaign:
    body = {"to": "{{ id }}", **{f"k{n}": "{{ traits.blob }}" for n in range(fields)}}
    return Campaign.from_dict(campaign_dict(channel={"type": "webhook", "url": receiver.url, "body": body}))


def _ann_with_blob(engine: Engine, size: int) -> None:
    add_people(engine, {"ann": person(1, gender="female", blob="b")}, orders={"ann": 3})
    with engine.begin() as conn:  # the collector takes 32 KB per message: another program's row
        traits = conn.execute(select(users.c.traits).where(users.c.id == "ann")).scalar_one()
        conn.execute(update(users).where(users.c.id == "ann").values(traits={**traits, "blob": "b" * size}))


def test_a_body_of_many_long_fields_stops_the_run_before_anything_is_posted(engine: Engine,
                                                                           receiver: HttpReceiver) -> None:
    _ann_with_blob(engine, 900_000)  # under a field's 1,000,000 characters; 9 MB in ten fields
    with pytest.raises(CampaignError, match=r"channel\.body: the template renders more than 5,000,000 characters "
                                            r"in all"):
        send_campaign(engine, _campaign(receiver, 10), options=SendOptions(sleep=lambda s: None))
    assert receiver.requests == []
    with engine.connect() as conn:  # nobody marked sent, or unconfirmed
        assert conn.execute(select(outbound_ledger.c.item, outbound_ledger.c.state)).all() == []


def test_a_body_under_the_bound_is_posted_whole(engine: Engine, receiver: HttpReceiver) -> None:
    _ann_with_blob(engine, 900_000)
    summary = send_campaign(engine, _campaign(receiver, 5), options=SendOptions(sleep=lambda s: None))
    assert summary.sent == 1, summary.line()
    (request,) = receiver.requests
    assert request["body"]["to"] == "ann" and request["body"]["k4"] == "b" * 900_000


def test_the_count_stops_at_the_field_that_passes_it() -> None:
    template = JsonTemplate({"a": ["{{ x }}"] * 3, "b": {"c": "{{ x }}", "d": "{{ x }}"}, "e": "{{ x }}"}, "channel.body")
    long = "x" * (RENDER_JSON_CHARS // 6 + 1)  # six fields of a sixth of the bound: just past it
    with pytest.raises(CampaignError, match=r"^channel\.body: .* in all"):
        template.render({"x": long}, "channel.body")
    shorter = "x" * (RENDER_JSON_CHARS // 6 - 10)
    rendered = template.render({"x": shorter}, "channel.body")
    assert rendered == {"a": [shorter] * 3, "b": {"c": shorter, "d": shorter}, "e": shorter}
