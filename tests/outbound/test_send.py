"""`send_campaign` against a real SMTP server and a real HTTP receiver, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from app.core.schema import events, outbound_ledger
from app.outbound.messages import Campaign, CampaignError
from app.outbound.messages.sender import SendOptions, send_campaign
from app.outbound.retry import Backoff
from tests.outbound.conftest import HttpReceiver, SmtpServer, add_people, campaign_dict, free_port, person

FAST = Backoff(base=0.01, cap=0.05, attempts=3)


def opts(**kw: Any) -> SendOptions:
    kw.setdefault("backoff", FAST)
    kw.setdefault("sleep", lambda s: None)
    return SendOptions(**kw)


def population(engine: Engine, n: int = 20, **extra: dict[str, Any]) -> set[str]:
    """n people; the audience (female, 3+ orders) is odd i not divisible by 3. Returns its ids.
    Only u01 has a nickname (a trait others lack renders empty for them)."""
    people = {f"u{i:02d}": person(i) for i in range(1, n + 1)}
    people["u01"]["nickname"] = " (Bean)"
    people.update(extra)
    orders = {pid: (1 if int(pid[1:]) % 3 == 0 else 3) for pid in people}
    add_people(engine, people, orders=orders)
    return {pid for pid in people if int(pid[1:]) % 2 and int(pid[1:]) % 3}


def message_events(engine: Engine, name: str = "Message Sent") -> list[tuple[str, dict[str, Any]]]:
    with engine.connect() as conn:
        rows = conn.execute(select(events.c.person, events.c.properties).where(events.c.event == name)).all()
    import json

    return [(r[0], json.loads(r[1]) if isinstance(r[1], str) else dict(r[1])) for r in rows]


def test_right_people_get_the_rendered_message_once(engine: Engine, smtp: SmtpServer) -> None:
    audience = population(engine)
    spec = campaign_dict()
    spec["channel"]["text"] += "{{ traits.nickname }}"
    campaign = Campaign.from_dict(spec)
    summary = send_campaign(engine, campaign, smtp_url=smtp.url, options=opts())
    got = smtp.handler.by_rcpt()
    assert set(got) == {f"p{int(p[1:])}@example.com" for p in audience}
    assert all(len(v) == 1 for v in got.values())
    one = got["p5@example.com"][0]
    assert one.subject == "Person 5, your beans are waiting"
    assert one.text().strip() == "Hi Person 5, you are 35."  # the missing nickname renders empty
    assert got["p1@example.com"][0].text().strip() == "Hi Person 1, you are 31. (Bean)"
    assert "<p>Hi Person 5</p>" in one.html()
    assert one.message["From"] == "Brewline <hello@brewline.example>"
    assert summary.sent == len(audience) and summary.failed == 0 and summary.audience == len(audience)
    # Every decision is an event of the person.
    sent = message_events(engine)
    assert sorted(p for p, _ in sent) == sorted(audience)
    assert all(props == {"campaign": "Win back big spenders", "channel": "email", "group": "message"}
               for _, props in sent)
    # A re-run sends nothing new and writes no new event.
    again = send_campaign(engine, campaign, smtp_url=smtp.url, options=opts())
    assert again.sent == 0 and again.already == len(audience)
    assert len(smtp.handler.received) == len(audience)
    assert len(message_events(engine)) == len(audience)


def test_new_audience_member_gets_it_on_the_next_run(engine: Engine, smtp: SmtpServer) -> None:
    audience = population(engine)
    campaign = Campaign.from_dict(campaign_dict())
    send_campaign(engine, campaign, smtp_url=smtp.url, options=opts())
    # u23 joins: female with three orders.
    add_people(engine, {"u23": person(23)}, orders={"u23": 3})
    summary = send_campaign(engine, campaign, smtp_url=smtp.url, options=opts())
    assert summary.sent == 1 and summary.already == len(audience)
    got = smtp.handler.by_rcpt()
    assert len(got["p23@example.com"]) == 1
    assert sum(len(v) for v in got.values()) == len(audience) + 1


def test_holdout_is_recorded_not_sent_and_stable(engine: Engine, smtp: SmtpServer) -> None:
    people = {f"h{i:03d}": person(i, gender="female") for i in range(200)}
    add_people(engine, people, orders=dict.fromkeys(people, 3))
    campaign = Campaign.from_dict(campaign_dict(name="Holdout test", holdout=0.25))
    held = {p for p in people if campaign.in_holdout(p)}
    summary = send_campaign(engine, campaign, smtp_url=smtp.url, options=opts())
    assert summary.held_out == len(held) and summary.sent == 200 - len(held)
    assert 0.15 < len(held) / 200 < 0.35
    received = {r.rcpt for r in smtp.handler.received}
    assert not received & {people[p]["email"] for p in held}
    groups = {p: props["group"] for p, props in message_events(engine)}
    assert {p for p, g in groups.items() if g == "holdout"} == held
    # A second run (another process, another day) agrees with the first.
    assert send_campaign(engine, campaign, smtp_url=smtp.url, options=opts()).held_out == 0


def test_holdout_share_within_tolerance_and_per_campaign() -> None:
    a = Campaign.from_dict(campaign_dict(name="A", holdout=0.1))
    b = Campaign.from_dict(campaign_dict(name="B", holdout=0.1))
    ids = [f"user-{i}" for i in range(20_000)]
    in_a = {p for p in ids if a.in_holdout(p)}
    assert abs(len(in_a) / len(ids) - 0.1) < 0.01
    a_again = Campaign.from_dict(campaign_dict(name="A", holdout=0.1))
    assert in_a == {p for p in ids if a_again.in_holdout(p)}
    in_b = {p for p in ids if b.in_holdout(p)}
    assert abs(len(in_a & in_b) / len(ids) - 0.01) < 0.005  # independent per campaign


def test_skips_are_counted_with_reasons_and_reconsidered(engine: Engine, smtp: SmtpServer) -> None:
    extra = {"u101": person(101, email=None), "u103": person(103, unsubscribed=True),
             "u107": person(107, email="not an address")}
    audience = population(engine, **extra)
    assert {"u101", "u103", "u107", "u05"} <= audience
    spec = campaign_dict()
    spec["channel"]["text"] = "Hi {{ traits.name }}, code {{ traits.code | required }}"
    add_people(engine, {p: {"code": "X" + p} for p in audience if p not in ("u05", "u101", "u103", "u107")})
    campaign = Campaign.from_dict(spec)
    summary = send_campaign(engine, campaign, smtp_url=smtp.url, options=opts())
    # u101, u107: no (valid) address; u103: unsubscribed; u05: no code.
    assert summary.skipped == {"no address": 2, "unsubscribed": 1, "template value missing": 1}
    assert summary.sent == len(audience) - 4
    assert "p5@example.com" not in smtp.handler.by_rcpt()
    # Skips are not recorded: once u05 has a code, the next run sends to them.
    add_people(engine, {"u05": {"code": "X5"}})
    again = send_campaign(engine, campaign, smtp_url=smtp.url, options=opts())
    assert again.sent == 1
    assert smtp.handler.by_rcpt()["p5@example.com"][0].text().strip() == "Hi Person 5, code X5"


def test_a_5xx_for_one_address_does_not_stop_the_others(engine: Engine, smtp: SmtpServer) -> None:
    audience = population(engine)
    smtp.handler.refuse["p7@example.com"] = "550 5.1.1 <p7@example.com>: mailbox unavailable"
    campaign = Campaign.from_dict(campaign_dict())
    summary = send_campaign(engine, campaign, smtp_url=smtp.url, options=opts())
    assert summary.failed == 1 and summary.sent == len(audience) - 1
    assert set(smtp.handler.by_rcpt()) == {f"p{int(p[1:])}@example.com" for p in audience} - {"p7@example.com"}
    failed = message_events(engine, "Message Failed")
    assert [p for p, _ in failed] == ["u07"]
    assert "550 5.1.1" in failed[0][1]["reason"] and "mailbox unavailable" in failed[0][1]["reason"]
    # Permanent: not retried on the next run.
    smtp.handler.refuse.clear()
    assert send_campaign(engine, campaign, smtp_url=smtp.url, options=opts()).sent == 0


def test_a_4xx_is_retried_and_delivered_once(engine: Engine, smtp: SmtpServer) -> None:
    population(engine)
    calls = {"n": 0}
    original = smtp.handler.handle_RCPT

    async def flaky(server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address == "p11@example.com" and calls["n"] < 2:
            calls["n"] += 1
            return "451 4.7.1 greylisted, try again"
        return await original(server, session, envelope, address, rcpt_options)

    smtp.handler.handle_RCPT = flaky  # type: ignore[method-assign]
    summary = send_campaign(engine, Campaign.from_dict(campaign_dict()), smtp_url=smtp.url, options=opts())
    assert calls["n"] == 2 and summary.failed == 0 and summary.deferred == 0
    assert len(smtp.handler.by_rcpt()["p11@example.com"]) == 1


def test_smtp_down_is_retried_later_nothing_lost_or_doubled(engine: Engine) -> None:
    audience = population(engine)
    campaign = Campaign.from_dict(campaign_dict())
    down = SmtpServer(free_port())  # nothing listens there yet
    summary = send_campaign(engine, campaign, smtp_url=down.url, options=opts())
    assert summary.sent == 0 and summary.deferred == 1 and summary.stopped and "cannot reach" in summary.stopped
    assert "to retry 1" in summary.line()
    down.start()
    try:
        # The deferred person waits for their backoff; everyone else goes out now.
        with engine.begin() as conn:
            conn.execute(outbound_ledger.update().values(next_attempt_at=0))
        later = send_campaign(engine, campaign, smtp_url=down.url, options=opts())
        assert later.sent == len(audience)
        got = down.handler.by_rcpt()
        assert set(got) == {f"p{int(p[1:])}@example.com" for p in audience}
        assert all(len(v) == 1 for v in got.values())
    finally:
        down.stop()


def test_limit_and_dry_run(engine: Engine, smtp: SmtpServer) -> None:
    audience = population(engine)
    campaign = Campaign.from_dict(campaign_dict())
    lines: list[str] = []
    dry = send_campaign(engine, campaign, smtp_url=smtp.url, options=opts(dry_run=True, out=lines.append))
    assert dry.would_send == len(audience) and smtp.handler.received == []
    assert any("p5@example.com\tPerson 5, your beans are waiting" in line for line in lines)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(outbound_ledger)).scalar_one() == 0
    first = send_campaign(engine, campaign, smtp_url=smtp.url, options=opts(limit=3))
    assert first.sent == 3 and len(smtp.handler.received) == 3 and "--limit 3" in (first.stopped or "")
    rest = send_campaign(engine, campaign, smtp_url=smtp.url, options=opts())
    assert rest.sent == len(audience) - 3
    assert all(len(v) == 1 for v in smtp.handler.by_rcpt().values())


def test_webhook_posts_rendered_json_and_retries_5xx(engine: Engine, receiver: HttpReceiver) -> None:
    audience = population(engine)
    receiver.statuses = [503]
    spec = campaign_dict(channel={"type": "webhook", "url": receiver.url + "/notify/{{ id }}",
                                  "headers": {"X-Campaign": "win-back"},
                                  "body": {"text": "{{ traits.name }} ({{ traits.age }})", "to": "{{ id }}",
                                           "tags": ["beans", "{{ traits.gender }}"], "n": 1}})
    summary = send_campaign(engine, Campaign.from_dict(spec), options=opts())
    assert summary.sent == len(audience) and summary.failed == 0
    by_person = {r["body"]["to"]: r for r in receiver.requests}
    assert set(by_person) == audience and len(receiver.requests) == len(audience)
    r = by_person["u05"]
    assert r["path"] == "/notify/u05"
    assert r["body"] == {"text": "Person 5 (35)", "to": "u05", "tags": ["beans", "female"], "n": 1}
    assert r["headers"]["X-Campaign"] == "win-back" and len(r["headers"]["Idempotency-Key"]) == 32


def test_webhook_4xx_is_permanent(engine: Engine, receiver: HttpReceiver) -> None:
    audience = population(engine)
    receiver.statuses = [404]
    spec = campaign_dict(channel={"type": "webhook", "url": receiver.url, "body": {"to": "{{ id }}"}})
    summary = send_campaign(engine, Campaign.from_dict(spec), options=opts())
    assert summary.failed == 1 and summary.sent == len(audience) - 1
    assert "HTTP 404" in message_events(engine, "Message Failed")[0][1]["reason"]


@pytest.mark.parametrize("change, message", [
    ({"channel": {"type": "email", "from": "a@b.example", "subject": "{{ traits.name ", "text": "x"}},
     "channel.subject: template error on line 1"),
    ({"channel": {"type": "email", "from": "a@b.example", "subject": "Hi {{ traits.nmae }}", "text": "x"}},
     "unknown trait 'nmae'"),
    ({"channel": {"type": "email", "to_trait": "mail", "from": "a@b.example", "subject": "Hi", "text": "x"}},
     "unknown trait 'mail'"),
    ({"holdout": 1.5}, "holdout must be a share"),
    ({"audience": {"where": [{"trait": "age", "op": "bigger", "value": 3}]}}, "audience.where[0].op"),
])
def test_bad_campaigns_fail_before_sending(engine: Engine, smtp: SmtpServer, change: dict[str, Any],
                                           message: str) -> None:
    population(engine)
    with pytest.raises(CampaignError, match=message.replace("[", r"\[").replace("]", r"\]")):
        send_campaign(engine, Campaign.from_dict(campaign_dict(**change)), smtp_url=smtp.url, options=opts())
    assert smtp.handler.received == []


@pytest.mark.parametrize("url, message", [
    ("http://mail.example:25", "invalid SMTP URL"),
    ("smtp://user:secret@mail.example:587", "must not contain a password"),
    ("smtp://mail.example:99999", "invalid SMTP URL"),
])
def test_invalid_smtp_url(engine: Engine, url: str, message: str) -> None:
    population(engine)
    with pytest.raises(CampaignError, match=message):
        send_campaign(engine, Campaign.from_dict(campaign_dict()), smtp_url=url, options=opts())


def test_no_password_in_clear_without_starttls(engine: Engine, smtp: SmtpServer,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    population(engine)
    monkeypatch.setenv("TRACKLENS_SMTP_PASSWORD", "hunter2")
    with pytest.raises(CampaignError, match="does not offer STARTTLS: refusing to send the password"):
        send_campaign(engine, Campaign.from_dict(campaign_dict()), smtp_url=f"smtp://me@127.0.0.1:{smtp.port}",
                      options=opts())
    assert smtp.handler.received == []
    with engine.connect() as conn:  # the claimed row was given back: the person is not lost
        assert conn.execute(select(func.count()).select_from(outbound_ledger)).scalar_one() == 0


def test_templates_see_the_persons_last_event(engine: Engine, smtp: SmtpServer) -> None:
    """`last`: the person's last event (its name, properties and place), read only when used."""
    add_people(engine, {"ann": person(1, gender="female")}, orders={"ann": 3})
    spec = campaign_dict()
    spec["channel"]["text"] = "Your last {{ last.event }} was worth {{ last.properties.revenue }}."
    send_campaign(engine, Campaign.from_dict(spec), smtp_url=smtp.url, options=opts())
    [message] = smtp.handler.by_rcpt()["p1@example.com"]
    assert message.text().strip() == "Your last Order Completed was worth 10."


def test_a_header_holding_any_trait_text_never_stops_the_campaign(engine: Engine, receiver: HttpReceiver) -> None:
    """A header rendered from a person's trait: text beyond ASCII (a name like José) made httpx raise
    UnicodeEncodeError, which ended 'tracklens send' with a traceback at that person (marked
    'unconfirmed', never resent) and every later run at the next such person. It goes out as
    UTF-8; a control character no HTTP header may carry fails that person alone (recorded)."""
    audience = population(engine, u05=person(5, name="José ☕"), u07=person(7, name="a\x01b"))
    spec = campaign_dict(channel={"type": "webhook", "url": receiver.url, "headers": {"X-Name": "{{ traits.name }}"},
                                  "body": {"to": "{{ id }}"}})
    summary = send_campaign(engine, Campaign.from_dict(spec), options=opts())
    assert summary.sent == len(audience) - 1 and summary.failed == 1 and summary.unconfirmed == 0
    by_person = {r["body"]["to"]: r for r in receiver.requests}
    assert set(by_person) == audience - {"u07"}
    assert by_person["u05"]["headers"]["X-Name"].encode("latin-1").decode("utf-8") == "José ☕"
    assert by_person["u11"]["headers"]["X-Name"] == "Person 11"
    (failed,) = message_events(engine, "Message Failed")
    assert failed[0] == "u07" and "X-Name" in failed[1]["reason"]


def test_an_address_beyond_ascii_fails_that_person_alone(engine: Engine, smtp: SmtpServer) -> None:
    """An e-mail trait like josé@example.com (any text a write key sends) made smtplib raise
    UnicodeEncodeError on RCPT TO: 'tracklens send' ended with a traceback at that person (left
    'unconfirmed', never resent) and every later run stopped at the next such person. That
    person's message fails (Message Failed, with the reason); the others are sent."""
    audience = population(engine, u05=person(5, email="josé@example.com"))
    summary = send_campaign(engine, Campaign.from_dict(campaign_dict()), smtp_url=smtp.url, options=opts())
    assert summary.failed == 1 and summary.sent == len(audience) - 1 and summary.unconfirmed == 0
    assert set(smtp.handler.by_rcpt()) == {f"p{int(pid[1:])}@example.com" for pid in audience - {"u05"}}
    (failed,) = message_events(engine, "Message Failed")
    assert failed[0] == "u05" and "josé@example.com" in failed[1]["reason"]


def test_a_sender_address_beyond_ascii_stops_the_run_in_one_line(engine: Engine, smtp: SmtpServer) -> None:
    population(engine)
    spec = campaign_dict()
    spec["channel"]["from"] = "Brewline <café@brewline.example>"
    with pytest.raises(CampaignError, match=r"the sender address café@brewline\.example is not ASCII"):
        send_campaign(engine, Campaign.from_dict(spec), smtp_url=smtp.url, options=opts())
    assert not smtp.handler.received
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(outbound_ledger)).scalar() == 0


@pytest.mark.parametrize("name", ["X Campaign", "X-Café", "X:Y"])
def test_a_webhook_header_name_http_cannot_carry_is_refused_before_sending(engine: Engine, receiver: HttpReceiver,
                                                                          name: str) -> None:
    """Such a header name was taken: each request was refused before it was sent (h11's check,
    or httpx's UnicodeEncodeError) and every person of the audience was left 'unconfirmed'
    (never resent), or the run ended with a traceback."""
    population(engine)
    spec = campaign_dict(channel={"type": "webhook", "url": receiver.url, "headers": {name: "x"},
                                  "body": {"to": "{{ id }}"}})
    with pytest.raises(CampaignError, match=f"channel.headers: '{name}' is not a header name"):
        send_campaign(engine, Campaign.from_dict(spec), options=opts())
    assert receiver.requests == []
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(outbound_ledger)).scalar() == 0
