"""One run of a campaign: evaluate the audience now, decide and deliver, record everything.

For each member of the audience (paged through the users query, by id) that the ledger has
not decided yet: skip (unsubscribed, no address, a `| required` template value missing --
not recorded, so a later run reconsiders them; so is a person whose values make the message
render past a size bound, named on a `skip` line), or split deterministically into the holdout
(recorded at once) or the message group: claim in the ledger, wait for the rate limit,
deliver, mark. Every decision is also an event of the person (`Message Sent` with group
message/holdout, `Message Failed`), written in batches with deterministic message ids, so a
crash between the ledger and the event is repaired by the next run without a duplicate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from sqlalchemy import Engine, select

from app.core.schema import events
from app.ingest.writer import EventWriter
from app.outbound import ledger as lg
from app.outbound.ledger import Ledger, now_ms
from app.outbound.messages.campaign import Campaign, EmailChannel, WebhookChannel
from app.outbound.messages.channels import SmtpSettings, SmtpTransport, WebhookTransport
from app.outbound.messages.errors import CampaignError
from app.outbound.messages.templates import MissingValue, ValueTooLarge
from app.outbound.ratelimit import RateLimiter
from app.outbound.retry import Backoff, DeliveryError, PermanentFailure, TemporaryFailure, UncertainDelivery
from app.query import QueryError, run_query
from app.query.isotime import iso_utc

PAGE = 1000
EVENT_BATCH = 200
SKIP_UNSUBSCRIBED = "unsubscribed"
SKIP_NO_ADDRESS = "no address"
SKIP_MISSING = "template value missing"
SKIP_TOO_LARGE = "value too large"


@dataclass
class SendOptions:
    dry_run: bool = False
    limit: int | None = None
    rate: float | None = None  # messages per second
    backoff: Backoff = field(default_factory=Backoff)
    resend_unconfirmed: bool = False
    #: dry-run lines and progress go here (the CLI prints them)
    out: Callable[[str], None] = lambda _line: None
    sleep: Callable[[float], None] = time.sleep
    #: called with the running summary after each person is decided (the app's progress bar)
    progress: Callable[[Summary], None] = lambda _summary: None


@dataclass
class Summary:
    campaign: str
    audience: int = 0
    sent: int = 0
    held_out: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    failed: int = 0
    deferred: int = 0  # temporary failure: retried on a later run
    unconfirmed: int = 0  # interrupted mid-delivery (now or by an earlier, killed run)
    already: int = 0  # decided by an earlier run
    taken: int = 0  # claimed by another sender running at the same time
    would_send: int = 0  # dry run
    stopped: str | None = None
    dry_run: bool = False

    def line(self) -> str:
        skipped = sum(self.skipped.values())
        reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(self.skipped.items()))
        head = f"{self.campaign}: audience {self.audience}, "
        if self.dry_run:
            head += f"would send {self.would_send}, would hold out {self.held_out}"
        else:
            head += f"sent {self.sent}, held out {self.held_out}"
        parts = [head, f"skipped {skipped}" + (f" ({reasons})" if reasons else ""), f"failed {self.failed}"]
        if self.deferred:
            parts.append(f"to retry {self.deferred}")
        if self.unconfirmed:
            parts.append(f"unconfirmed {self.unconfirmed} (interrupted mid-send, not resent: see "
                         "--resend-unconfirmed)")
        parts.append(f"already done {self.already}")
        if self.taken:
            parts.append(f"taken by another sender {self.taken}")
        text = ", ".join(parts)
        if self.stopped:
            text += f"; stopped early: {self.stopped}"
        return text


@dataclass
class Outgoing:
    """A message rendered for one person."""

    person: str
    address: str  # e-mail address or URL
    subject: str | None = None
    text: str | None = None
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


# --------------------------------------------------------------------------------------------
# Rendering


def person_context(engine: Engine, campaign: Campaign, user: Mapping[str, Any]) -> dict[str, Any]:
    """What a template sees: `traits`, `id`, `person` (first/last seen, events) and, when a
    template uses it, `last` (the person's last event: name, time, properties, place, device)."""
    ctx: dict[str, Any] = {"traits": dict(user.get("traits") or {}), "id": user["id"],
                           "person": {"id": user["id"], "first_seen": user.get("first_seen"),
                                      "last_seen": user.get("last_seen"), "events": user.get("events")}}
    if any("last" in t.names for t in campaign.templates()):
        ctx["last"] = last_event(engine, user["id"])
    return ctx


def last_event(engine: Engine, person: str) -> dict[str, Any]:
    e = events.c
    with engine.connect() as conn:
        row = conn.execute(select(e.event, e.ts, e.properties, e.city, e.region, e.country_code, e.browser, e.os,
                                  e.device).where(e.person == person, e.event.is_not(None))
                           .order_by(e.ts.desc()).limit(1)).first()
    if row is None:
        return {}
    props = json.loads(row.properties) if isinstance(row.properties, str) else dict(row.properties or {})
    # iso_utc: a stored time outside the calendar's range (another tool's rows) must not break sending
    out: dict[str, Any] = {"event": row.event, "time": iso_utc(int(row.ts)), "properties": props}
    for name in ("city", "region", "country_code", "browser", "os", "device"):
        out[name] = getattr(row, name)
    return out


def render(campaign: Campaign, ctx: Mapping[str, Any]) -> Outgoing:
    """The message for one person; MissingValue: skip them; CampaignError: a broken template."""
    ch = campaign.channel
    person = str(ctx["id"])
    if isinstance(ch, EmailChannel):
        address = ctx["traits"].get(ch.to_trait)
        address = address.strip() if isinstance(address, str) else ""
        subject = " ".join(ch.subject.render(ctx).split())
        text = ch.text.render(ctx) if ch.text is not None else None
        html = ch.html.render(ctx) if ch.html is not None else None
        return Outgoing(person, address if _is_address(address) else "", subject, text, html)
    assert isinstance(ch, WebhookChannel)
    url = ch.url.render(ctx).strip()
    headers = {str(k): " ".join(str(v).split()) for k, v in ch.headers.render(ctx, "channel.headers").items()}
    return Outgoing(person, url, headers=headers, body=ch.body.render(ctx, "channel.body"))


def _is_address(value: str) -> bool:
    if not value or len(value) > 254 or any(c.isspace() for c in value) or value.count("@") != 1:
        return False
    local, domain = value.split("@")
    return bool(local) and "." in domain.strip(".")


def message_key(campaign: Campaign, person: str) -> str:
    return hashlib.sha256(f"{campaign.stream}\x00{person}".encode()).hexdigest()[:32]


def email_message(campaign: Campaign, out: Outgoing) -> EmailMessage:
    ch = campaign.channel
    assert isinstance(ch, EmailChannel)
    msg = EmailMessage()
    msg["From"] = ch.sender
    msg["To"] = out.address
    msg["Subject"] = out.subject or ""
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    domain = parseaddr(ch.sender)[1].rpartition("@")[2] or "tracklens.invalid"
    # The same id on every attempt: a mail system that saw it already can drop a resend.
    msg["Message-ID"] = f"<{message_key(campaign, out.person)}@{domain}>"
    if ch.reply_to:
        msg["Reply-To"] = ch.reply_to
    if out.text is not None:
        msg.set_content(out.text)
        if out.html is not None:
            msg.add_alternative(out.html, subtype="html")
    else:
        msg.set_content(out.html or "", subtype="html")
    return msg


# --------------------------------------------------------------------------------------------
# Checks before anything is sent


def check_traits(engine: Engine, campaign: Campaign) -> None:
    """A trait the templates or `to_trait` read that no person has is a misspelling: refuse."""
    for name in sorted(campaign.referenced_traits()):
        found = run_query(engine, {"kind": "users", "where": [{"trait": name, "op": "set"}], "limit": 1,
                                   "count": False})
        if not found["users"]:
            raise CampaignError(f"unknown trait {name!r}: no person has it (check the spelling in the campaign)")


def audience_pages(engine: Engine, campaign: Campaign) -> Iterator[list[dict[str, Any]]]:
    after: str | None = None
    while True:
        try:
            page = run_query(engine, campaign.audience_query(limit=PAGE, after=after))
        except QueryError as exc:
            raise CampaignError(f"audience: {exc}") from None
        yield page["users"]
        after = page.get("next")
        if not after:
            return


# --------------------------------------------------------------------------------------------
# Events


class EventLog:
    """Message Sent / Message Failed events, written in batches; the ledger rows are marked
    `recorded` after their events are committed."""

    def __init__(self, engine: Engine, campaign: Campaign, ledger: Ledger) -> None:
        self.writer = EventWriter(engine, enrich=False)
        self.campaign = campaign
        self.ledger = ledger
        self.pending: list[tuple[str, dict[str, Any]]] = []

    def add(self, person: str, state: str, grp: str, at_ms: int, reason: str | None = None) -> None:
        name = "Message Failed" if state == lg.FAILED else "Message Sent"
        props: dict[str, Any] = {"campaign": self.campaign.name, "channel": self.campaign.channel.type}
        if state == lg.FAILED:
            props["reason"] = reason or ""
        else:
            props["group"] = "holdout" if grp == "holdout" else "message"
        message = {
            "type": "track", "event": name, "userId": person, "properties": props,
            "messageId": f"tracklens-{state}-{message_key(self.campaign, person)}",
            "timestamp": dt.datetime.fromtimestamp(at_ms / 1000, dt.UTC).isoformat().replace("+00:00", "Z"),
        }
        self.pending.append((person, message))
        if len(self.pending) >= EVENT_BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        self.writer.write([m for _, m in batch])
        self.ledger.mark_recorded(p for p, _ in batch)

    def repair(self) -> None:
        """Events of decisions an interrupted run recorded in the ledger only."""
        for entry in self.ledger.unrecorded():
            self.add(entry.item, entry.state, entry.grp, entry.done_at or now_ms(), entry.detail)
        self.flush()


# --------------------------------------------------------------------------------------------
# The run


class Channel:
    """The transport of a campaign's channel, opened lazily (a dry run opens nothing)."""

    def __init__(self, campaign: Campaign, smtp_url: str | None, *, dry_run: bool = False) -> None:
        self.campaign = campaign
        self.transport: SmtpTransport | WebhookTransport | None = None
        self.settings: SmtpSettings | None = None
        if isinstance(campaign.channel, EmailChannel):
            if not smtp_url:
                if dry_run:  # lists who would get what: no server needed
                    return
                raise CampaignError("an e-mail campaign needs an SMTP server: --smtp smtp://user@host:587 or "
                                    "TRACKLENS_SMTP_URL")
            self.settings = SmtpSettings.parse(smtp_url)

    def _transport(self) -> SmtpTransport | WebhookTransport:
        if self.transport is None:
            self.transport = SmtpTransport(self.settings) if self.settings is not None else WebhookTransport()
        return self.transport

    def deliver(self, out: Outgoing) -> None:
        t = self._transport()
        if isinstance(t, SmtpTransport):
            ch = self.campaign.channel
            assert isinstance(ch, EmailChannel)
            t.deliver(email_message(self.campaign, out), parseaddr(ch.sender)[1], out.address)
        else:
            t.deliver(out.address, out.headers, out.body, message_key(self.campaign, out.person))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def send_campaign(engine: Engine, campaign: Campaign, *, smtp_url: str | None = None,
                  options: SendOptions | None = None) -> Summary:
    """Run the campaign once (see the module docstring). CampaignError: nothing was sent."""
    opts = options or SendOptions()
    channel = Channel(campaign, smtp_url, dry_run=opts.dry_run)
    check_traits(engine, campaign)
    summary = Summary(campaign.name, dry_run=opts.dry_run)
    ledger = Ledger(engine, campaign.stream)
    log = EventLog(engine, campaign, ledger)
    if not opts.dry_run:
        from app.outbound.messages.store import save_campaign

        save_campaign(engine, campaign.to_dict())
        ledger.recover()
        if opts.resend_unconfirmed:
            ledger.requeue_unknown()
        log.repair()
    limiter = RateLimiter(opts.rate)
    try:
        _run(engine, campaign, channel, ledger, log, limiter, opts, summary)
    finally:
        try:
            log.flush()
        finally:
            channel.close()
    if not opts.dry_run:
        summary.unconfirmed = sum(1 for e in ledger.entries().values() if e.state == lg.UNKNOWN)
    return summary


def _run(engine: Engine, campaign: Campaign, channel: Channel, ledger: Ledger, log: EventLog,
         limiter: RateLimiter, opts: SendOptions, summary: Summary) -> None:
    entries = ledger.entries()
    now = now_ms()
    transmitted = 0
    for page in audience_pages(engine, campaign):
        for user in page:
            opts.progress(summary)
            summary.audience += 1
            person = str(user["id"])
            entry = entries.get(person)
            if entry is not None:
                if entry.state in lg.FINAL:
                    summary.already += 1
                    continue
                if entry.state == lg.SENDING:
                    summary.taken += 1
                    continue
                if entry.state == lg.RETRY and (entry.next_attempt_at or 0) > now:
                    summary.deferred += 1
                    continue
            if summary.stopped:
                continue  # keep counting the audience; nothing more is sent
            traits = user.get("traits") or {}
            if traits.get(campaign.unsubscribe_trait) in (True, "true", "yes", 1, "1"):
                summary.skipped[SKIP_UNSUBSCRIBED] += 1
                continue
            if isinstance(campaign.channel, EmailChannel) and not _is_address(
                    str(traits.get(campaign.channel.to_trait) or "").strip()):
                summary.skipped[SKIP_NO_ADDRESS] += 1
                continue
            try:
                out = render(campaign, person_context(engine, campaign, user))
            except ValueTooLarge as exc:
                # Their values render past a size bound: they alone are skipped (reconsidered on a
                # later run, as a missing value is), the run goes on for everyone else.
                summary.skipped[SKIP_TOO_LARGE] += 1
                opts.out(f"skip\t{person}\t{exc}")
                continue
            except MissingValue:
                summary.skipped[SKIP_MISSING] += 1
                continue
            if not out.address:
                summary.skipped[SKIP_NO_ADDRESS] += 1
                continue
            if campaign.in_holdout(person):
                if opts.dry_run:
                    summary.held_out += 1
                    opts.out(f"holdout\t{person}")
                elif ledger.hold(person, channel=campaign.channel.type):
                    summary.held_out += 1
                    log.add(person, lg.HELD, "holdout", now_ms())
                else:
                    summary.taken += 1
                continue
            if opts.limit is not None and transmitted >= opts.limit:
                summary.stopped = f"--limit {opts.limit} reached"
                continue
            transmitted += 1
            if opts.dry_run:
                summary.would_send += 1
                what = out.subject if out.subject is not None else json.dumps(out.body, ensure_ascii=False)
                opts.out(f"send\t{person}\t{out.address}\t{what}")
                continue
            limiter.acquire()
            claimed = ledger.reclaim(person) if entry is not None and entry.state == lg.RETRY else \
                ledger.claim(person, grp="message", channel=campaign.channel.type)
            if not claimed:
                summary.taken += 1
                continue
            _deliver(channel, ledger, log, opts, summary, out, entry.attempts if entry else 0)


def _deliver(channel: Channel, ledger: Ledger, log: EventLog, opts: SendOptions, summary: Summary,
             out: Outgoing, attempts: int) -> None:
    person = out.person
    while True:
        attempts += 1
        try:
            channel.deliver(out)
        except TemporaryFailure as exc:
            if attempts % opts.backoff.attempts != 0:
                # Certainly not delivered: free the row while waiting, so a crash leaves it retryable.
                ledger.mark_retry(person, attempts, exc.reason, now_ms())
                opts.sleep(opts.backoff.delay(attempts))
                if ledger.reclaim(person):
                    continue
                summary.taken += 1
                return
            ledger.mark_retry(person, attempts, exc.reason, now_ms() + int(opts.backoff.delay(attempts) * 1000))
            summary.deferred += 1
            if exc.channel_down:
                summary.stopped = exc.reason + " (the rest is sent on a later run)"
            return
        except PermanentFailure as exc:
            at = ledger.mark_failed(person, attempts, exc.reason)
            summary.failed += 1
            log.add(person, lg.FAILED, "message", at, exc.reason)
            return
        except UncertainDelivery as exc:
            ledger.mark_unknown(person, attempts, exc.reason)
            return
        except CampaignError:
            ledger.release(person, attempts - 1)  # nothing was handed over: a setting is wrong
            raise
        except DeliveryError as exc:  # pragma: no cover - every channel raises one of the above
            ledger.mark_unknown(person, attempts, exc.reason)
            return
        except BaseException:
            # Ctrl+C or a bug in the middle of a delivery: it may have gone out.
            ledger.mark_unknown(person, attempts, "interrupted while sending")
            raise
        at = ledger.mark_sent(person, attempts)
        summary.sent += 1
        log.add(person, lg.SENT, "message", at)
        return


def send_test(engine: Engine, campaign: Campaign, person: str, to: str, *, smtp_url: str | None = None) -> Outgoing:
    """"Send test to me": the message as `person` would get it, delivered to `to` (an address,
    or for a webhook the campaign's URL). Nothing is recorded."""
    found = run_query(engine, {"kind": "users", "search": person, "limit": 1, "count": False})
    if not found["users"]:
        raise CampaignError(f"no person {person!r}")
    try:
        out = render(campaign, person_context(engine, campaign, found["users"][0]))
    except ValueTooLarge as exc:  # what a run would skip them for, in one line
        raise CampaignError(f"{person} would be skipped: value too large ({exc})") from None
    except MissingValue as exc:
        raise CampaignError(f"{person} would be skipped: template value missing ({exc})") from None
    if isinstance(campaign.channel, EmailChannel):
        if not _is_address(to):
            raise CampaignError(f"not an e-mail address: {to!r}")
        out.address = to
        out.subject = f"[test] {out.subject or ''}"
    channel = Channel(campaign, smtp_url)
    try:
        channel.deliver(out)
    except DeliveryError as exc:
        raise CampaignError(f"the test message was not delivered: {exc.reason}") from None
    finally:
        channel.close()
    return out


__all__ = ["Outgoing", "SendOptions", "Summary", "render", "send_campaign", "send_test"]
