"""A campaign webhook's body is bounded as a whole, not only field by field: a body of many fields,
each writing a long trait (a row another program wrote), was built and posted whatever its size.
A person whose values pass a size bound is skipped alone; the run goes on for the others."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select, update

from app.cli.main import cli
from app.core.schema import outbound_ledger, users
from app.outbound.messages import Campaign, CampaignError
from app.outbound.messages.sender import SendOptions, send_campaign
from app.outbound.messages.templates import RENDER_JSON_CHARS, JsonTemplate, ValueTooLarge
from app.outbound.messages.workbench import preview
from tests.outbound.conftest import HttpReceiver, SmtpServer, add_people, campaign_dict, person


def _campaign(receiver: HttpReceiver, fields: int) -> Campaign:
    body = {"to": "{{ id }}", **{f"k{n}": "{{ traits.blob }}" for n in range(fields)}}
    return Campaign.from_dict(campaign_dict(channel={"type": "webhook", "url": receiver.url, "body": body}))


def _set_trait(engine: Engine, pid: str, name: str, value: Any) -> None:
    with engine.begin() as conn:  # the collector takes 32 KB per message: another program's row
        traits = conn.execute(select(users.c.traits).where(users.c.id == pid)).scalar_one()
        conn.execute(update(users).where(users.c.id == pid).values(traits={**traits, name: value}))


def _ann_with_blob(engine: Engine, size: int) -> None:
    add_people(engine, {"ann": person(1, gender="female", blob="b")}, orders={"ann": 3})
    _set_trait(engine, "ann", "blob", "b" * size)


def _posted_to(receiver: HttpReceiver) -> list[str]:
    return sorted(r["body"]["to"] for r in receiver.requests)


def test_one_persons_body_past_the_bound_skips_them_alone(engine: Engine, receiver: HttpReceiver) -> None:
    """A trait another program wrote long used to stop the whole run at that person (a
    CampaignError): nobody after them in the cohort was messaged. Now they alone are skipped,
    reconsidered on every run (never messaged twice), and messaged once their trait fits."""
    add_people(engine, {p: person(i, gender="female", blob="b") for i, p in enumerate(["amy", "ann", "zoe"])},
               orders={"amy": 3, "ann": 3, "zoe": 3})
    _set_trait(engine, "ann", "blob", "b" * 900_000)  # under a field's 1,000,000 characters; 9 MB in ten fields
    lines: list[str] = []
    options = SendOptions(sleep=lambda s: None, out=lines.append)
    summary = send_campaign(engine, _campaign(receiver, 10), options=options)
    assert (summary.sent, summary.skipped) == (2, {"value too large": 1}), summary.line()
    assert "skipped 1 (value too large 1)" in summary.line()
    assert lines == ["skip\tann\tchannel.body: the template renders more than 5,000,000 characters in all "
                     "(its fields together)"]
    assert _posted_to(receiver) == ["amy", "zoe"]
    with engine.connect() as conn:  # ann is neither sent nor unconfirmed: not in the ledger
        assert sorted(conn.execute(select(outbound_ledger.c.item, outbound_ledger.c.state)).all()) == [
            ("amy", "sent"), ("zoe", "sent")]
    again = send_campaign(engine, _campaign(receiver, 10), options=options)
    assert (again.sent, again.already, again.skipped) == (0, 2, {"value too large": 1}), again.line()
    _set_trait(engine, "ann", "blob", "short")
    last = send_campaign(engine, _campaign(receiver, 10), options=options)
    assert (last.sent, last.already) == (1, 2), last.line()
    assert _posted_to(receiver) == ["amy", "ann", "zoe"]


def test_one_persons_field_or_number_past_the_bound_skips_them_alone(engine: Engine, db_url: str, smtp: SmtpServer,
                                                                    tmp_path: Path) -> None:
    """The other size bounds: one field of 1,000,000 characters, a number too long to print."""
    add_people(engine, {p: person(i, gender="female", n=1) for i, p in enumerate(["amy", "ann", "bob", "zoe"])},
               orders={"amy": 3, "ann": 3, "bob": 3, "zoe": 3})
    _set_trait(engine, "ann", "name", "a" * 1_000_001)
    _set_trait(engine, "bob", "n", 10 ** 2999)  # its square has 5,999 digits: Python prints 4,300
    spec = campaign_dict()
    spec["channel"]["text"] = "Hi {{ traits.name }}, {{ traits.n * traits.n }}"
    summary = send_campaign(engine, Campaign.from_dict(spec), smtp_url=smtp.url,
                            options=SendOptions(sleep=lambda s: None))
    assert (summary.sent, summary.skipped) == (2, {"value too large": 2}), summary.line()
    assert sorted(smtp.handler.by_rcpt()) == ["p0@example.com", "p3@example.com"]
    # the Messages panel's preview of that person says so, as for a missing value
    assert preview(engine, spec, "bob")["error"] == (
        "bob would be skipped: value too large (channel.text: not allowed in a template: a number of more "
        "than 4,300 digits)")
    # and 'Send test to me' for them is that line, not a traceback (MissingValue escaped it)
    path = tmp_path / "c.campaign.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    result = CliRunner().invoke(cli, ["send", "--db", db_url, str(path), "--smtp", smtp.url,
                                      "--test-to", "me@example.com", "--as", "bob"])
    assert result.exit_code == 1, result.output[-300:]
    assert result.output.strip() == ("Error: bob would be skipped: value too large (channel.text: not allowed in "
                                     "a template: a number of more than 4,300 digits)"), result.output[-300:]
    assert "me@example.com" not in smtp.handler.by_rcpt()


def test_a_template_past_the_bound_without_anyones_values_still_stops_the_run(engine: Engine,
                                                                             receiver: HttpReceiver) -> None:
    """Nobody could get it: one line, nothing posted, as before."""
    add_people(engine, {"ann": person(1, gender="female")}, orders={"ann": 3})
    body = {f"k{n}": "{{ 'x' * 900000 }}" for n in range(6)}
    campaign = Campaign.from_dict(campaign_dict(channel={"type": "webhook", "url": receiver.url, "body": body}))
    with pytest.raises(CampaignError, match=r"channel\.body: the template renders more than 5,000,000 characters "
                                            r"in all"):
        send_campaign(engine, campaign, options=SendOptions(sleep=lambda s: None))
    assert receiver.requests == []


def test_a_body_under_the_bound_is_posted_whole(engine: Engine, receiver: HttpReceiver) -> None:
    _ann_with_blob(engine, 900_000)
    summary = send_campaign(engine, _campaign(receiver, 5), options=SendOptions(sleep=lambda s: None))
    assert summary.sent == 1, summary.line()
    (request,) = receiver.requests
    assert request["body"]["to"] == "ann" and request["body"]["k4"] == "b" * 900_000


def test_the_count_stops_at_the_field_that_passes_it() -> None:
    template = JsonTemplate({"a": ["{{ x }}"] * 3, "b": {"c": "{{ x }}", "d": "{{ x }}"}, "e": "{{ x }}"}, "channel.body")
    long = "x" * (RENDER_JSON_CHARS // 6 + 1)  # six fields of a sixth of the bound: just past it
    with pytest.raises(ValueTooLarge, match=r"^channel\.body: .* in all"):
        template.render({"x": long}, "channel.body")
    shorter = "x" * (RENDER_JSON_CHARS // 6 - 10)
    rendered = template.render({"x": shorter}, "channel.body")
    assert rendered == {"a": [shorter] * 3, "b": {"c": shorter, "d": shorter}, "e": shorter}
