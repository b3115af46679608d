"""The campaign model: a plain JSON object (`*.campaign.json`), parsed strictly like a query.

    {"kind": "campaign", "name": "...",
     "audience": {"where": [...], "did": [...], "match": "all"},     # a users query's filters
     "channel": {"type": "email", "to_trait": "email", "from": "...", "subject": "...",
                 "text": "...", "html": "..."}
              | {"type": "webhook", "url": "...", "headers": {...}, "body": {...}},
     "holdout": 0.1, "goal": {"event": "...", "within": {"days": 7}},
     "unsubscribe_trait": "unsubscribed"}
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.files import EmptySharedFile, SharedFileError, read_shared_json
from app.outbound.messages.errors import CampaignError
from app.outbound.messages.templates import JsonTemplate, Template
from app.outbound.support import HEADER_NAME
from app.query.model import QueryError, SpecReader, check_name, read_strictly
from app.query.runners.campaign_results import Goal, parse_goal
from app.query.runners.users import UsersQuery

#: Largest campaign file read: its templates render at most 1,000,000 characters a field.
MAX_CAMPAIGN_BYTES = 4_000_000

CHANNELS = ("email", "webhook")
AUDIENCE_KEYS = ("where", "did", "match", "timezone")
CAMPAIGN_KEYS = ("kind", "name", "audience", "channel", "holdout", "goal", "unsubscribe_trait")
EMAIL_KEYS = ("type", "to_trait", "from", "subject", "text", "html", "reply_to")
WEBHOOK_KEYS = ("type", "url", "headers", "body")


@dataclass(frozen=True)
class EmailChannel:
    to_trait: str
    sender: str
    subject: Template
    text: Template | None
    html: Template | None
    reply_to: str | None = None
    type: str = "email"

    def templates(self) -> list[Template | JsonTemplate]:
        return [t for t in (self.subject, self.text, self.html) if t is not None]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "email", "to_trait": self.to_trait, "from": self.sender,
                               "subject": self.subject.source}
        if self.text is not None:
            out["text"] = self.text.source
        if self.html is not None:
            out["html"] = self.html.source
        if self.reply_to is not None:
            out["reply_to"] = self.reply_to
        return out


@dataclass(frozen=True)
class WebhookChannel:
    url: Template
    headers: JsonTemplate
    body: JsonTemplate
    type: str = "webhook"

    def templates(self) -> list[Template | JsonTemplate]:
        return [self.url, self.headers, self.body]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "webhook", "url": self.url.source, "headers": self.headers.value, "body": self.body.value}


@dataclass(frozen=True)
class Campaign:
    name: str
    audience: dict[str, Any]
    channel: EmailChannel | WebhookChannel
    holdout: float = 0.0
    goal: Goal | None = None
    unsubscribe_trait: str = "unsubscribed"

    @property
    def stream(self) -> str:
        """The ledger stream of this campaign."""
        return f"campaign:{self.name}"

    def audience_query(self, *, limit: int = 1000, after: str | None = None, count: bool = False) -> dict[str, Any]:
        spec: dict[str, Any] = {"kind": "users", **self.audience, "sort": {"by": "id", "desc": False},
                                "limit": limit, "count": count}
        if after is not None:
            spec["after"] = after
        return spec

    def in_holdout(self, person: str) -> bool:
        """Deterministic per (campaign, person): every run, every machine agrees."""
        if self.holdout <= 0:
            return False
        digest = hashlib.sha256(f"{self.name}\x00{person}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < self.holdout

    def templates(self) -> list[Template | JsonTemplate]:
        return self.channel.templates()

    def referenced_traits(self) -> set[str]:
        names = set().union(*(t.traits for t in self.templates()))
        if isinstance(self.channel, EmailChannel):
            names.add(self.channel.to_trait)
        return names

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "campaign", "name": self.name, "audience": dict(self.audience),
                               "channel": self.channel.to_dict(), "holdout": self.holdout}
        if self.goal is not None:
            out["goal"] = self.goal.to_dict()
        if self.unsubscribe_trait != "unsubscribed":
            out["unsubscribe_trait"] = self.unsubscribe_trait
        return out

    @classmethod
    def from_dict(cls, data: Any) -> Campaign:
        """Unknown keys are named wherever they are (a top-level "audiance", a filter's "valeu"
        inside the audience), whatever else is wrong, as in a query (model.read_strictly)."""
        try:
            return read_strictly(_parse, data, (QueryError, CampaignError))
        except QueryError as exc:
            raise CampaignError(str(exc)) from None


def _parse(data: Any) -> Campaign:
    r = SpecReader(data, "")
    r.expect(*CAMPAIGN_KEYS)
    if r.string("kind", "campaign") != "campaign":
        raise CampaignError("kind must be 'campaign'")
    name = r.string("name", required=True).strip()
    if not name or len(name) > 200 or any(ord(c) < 32 for c in name):
        raise CampaignError("name must be 1-200 printable characters")
    audience = _audience(r.raw("audience", {}))
    channel = _channel(r.raw("channel"), "channel")
    holdout = r.raw("holdout", 0)
    if isinstance(holdout, bool) or not isinstance(holdout, int | float) or not 0 <= holdout < 1:
        raise CampaignError(f"holdout must be a share from 0 up to (not including) 1, got {holdout!r}")
    goal = parse_goal(r.raw("goal"), "goal") if r.has("goal") else None
    unsub = check_name(r.raw("unsubscribe_trait", "unsubscribed"), "unsubscribe_trait")
    r.done()
    return Campaign(name, audience, channel, float(holdout), goal, unsub)


def _audience(data: Any) -> dict[str, Any]:
    r = SpecReader(data, "audience")
    r.expect(*AUDIENCE_KEYS)
    out = {k: r.raw(k) for k in AUDIENCE_KEYS if r.has(k)}
    UsersQuery.from_json(data, "audience")  # the users query's own checks, on the file's object
    r.done()
    return out


def _channel(data: Any, path: str) -> EmailChannel | WebhookChannel:
    if data is None:
        raise CampaignError(f"{path} is required (type email or webhook)")
    r = SpecReader(data, path)
    r.expect(*EMAIL_KEYS, *WEBHOOK_KEYS)
    kind = r.string("type", required=True, choices=CHANNELS)
    r.expect(*(EMAIL_KEYS if kind == "email" else WEBHOOK_KEYS))
    if kind == "email":
        to_trait = check_name(r.raw("to_trait", "email"), r.sub("to_trait"))
        sender = r.string("from", required=True)
        if "@" not in sender or "\n" in sender or "\r" in sender:
            raise CampaignError(f"{r.sub('from')} must be an address such as 'Brewline <hello@brewline.example>'")
        subject = Template(r.string("subject", required=True), r.sub("subject"))
        text = Template(r.string("text"), r.sub("text")) if r.has("text") else None
        html = Template(r.string("html"), r.sub("html"), html=True) if r.has("html") else None
        if text is None and html is None:
            raise CampaignError(f"{path} needs a text or an html body")
        reply_to = r.string("reply_to")
        r.done()
        return EmailChannel(to_trait, sender, subject, text, html, reply_to)
    url = Template(r.string("url", required=True), r.sub("url"))
    if not url.source.startswith(("http://", "https://")):
        raise CampaignError(f"{r.sub('url')} must start with http:// or https://")
    headers = r.raw("headers", {})
    if not isinstance(headers, Mapping) or not all(isinstance(v, str) for v in headers.values()):
        raise CampaignError(f"{r.sub('headers')} must be an object of strings")
    for name in headers:
        if not HEADER_NAME.match(name):  # (each request would be refused unsent, the person left unconfirmed)
            raise CampaignError(f"{r.sub('headers')}: {name!r} is not a header name")
    body = r.raw("body", {})
    r.done()
    return WebhookChannel(url, JsonTemplate(dict(headers), r.sub("headers")), JsonTemplate(body, r.sub("body")))


def load_campaign(path: str | Path) -> Campaign:
    """Read and check a `*.campaign.json` file (CampaignError with a one-line reason)."""
    p = Path(path)
    try:
        data = read_shared_json(p, MAX_CAMPAIGN_BYTES, "a campaign")
    except FileNotFoundError:
        raise CampaignError(f"{p}: no such file") from None
    except OSError as exc:
        raise CampaignError(f"{p}: cannot read ({exc})") from None
    except EmptySharedFile:
        # (was "not valid JSON (line 1: Expecting value)", as if something in it were wrong)
        raise CampaignError(f"{p} is empty: a campaign is a JSON object with its name, audience and channel "
                            "(docs/messages.md, 'A campaign is a file')") from None
    except SharedFileError as exc:
        raise CampaignError(f"{p}: {exc}") from None
    try:
        return Campaign.from_dict(data)
    except CampaignError as exc:
        raise CampaignError(f"{p.name}: {exc}") from None
