"""What the app's Messages panel asks of campaigns, Qt-free so it runs on a worker and is tested
without a window: the list with each campaign's ledger counts, an audience's live count, a
template preview for one person, and the plan a "Send now" confirmation states (the sender's
own dry run, so the number shown is the number the send will use).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from app.core.schema import outbound_ledger
from app.outbound import ledger as lg
from app.outbound.messages.campaign import Campaign, EmailChannel
from app.outbound.messages.errors import CampaignError
from app.outbound.messages.sender import Channel, SendOptions, Summary, person_context, render, send_campaign
from app.outbound.messages.store import load_campaigns
from app.outbound.messages.templates import MissingValue, ValueTooLarge
from app.query import QueryError, run_query


def audience_count(engine: Engine, audience: dict[str, Any], cancel: Any = None) -> int:
    """How many people the audience (a users query's where/did/match) holds right now."""
    spec = {"kind": "users", **audience, "limit": 1, "count": True}
    return int(run_query(engine, spec, cancel=cancel)["total"] or 0)


def ledger_counts(engine: Engine) -> dict[str, dict[str, int]]:
    """stream -> state -> people, for every campaign stream, in one grouped query."""
    L = outbound_ledger
    with engine.connect() as conn:
        rows = conn.execute(select(L.c.stream, L.c.state, func.count().label("n"))
                            .where(L.c.stream.like("campaign:%")).group_by(L.c.stream, L.c.state)).all()
    out: dict[str, dict[str, int]] = {}
    for stream, state, n in rows:
        out.setdefault(str(stream), {})[str(state)] = int(n)
    return out


def overview(engine: Engine, cancel: Any = None) -> list[dict[str, Any]]:
    """One row per stored campaign: its definition, channel, audience now, ledger counts, status."""
    counts = ledger_counts(engine)
    rows: list[dict[str, Any]] = []
    for definition in load_campaigns(engine):
        name = str(definition.get("name", ""))
        states = counts.get(f"campaign:{name}", {})
        row: dict[str, Any] = {
            "name": name, "definition": definition,
            "channel": str((definition.get("channel") or {}).get("type", "")),
            "audience": None, "sent": states.get(lg.SENT, 0), "held": states.get(lg.HELD, 0),
            "failed": states.get(lg.FAILED, 0), "error": None,
        }
        try:
            Campaign.from_dict(definition)
            row["audience"] = audience_count(engine, dict(definition.get("audience") or {}), cancel)
        except (CampaignError, QueryError) as exc:
            row["error"] = str(exc)
        row["status"] = status(row, states)
        rows.append(row)
    return rows


def status(row: dict[str, Any], states: dict[str, int]) -> str:
    if row["error"]:
        return "invalid"
    if not states:
        return "draft"
    if states.get(lg.RETRY) or states.get(lg.SENDING):
        return "sending"
    if states.get(lg.UNKNOWN):
        return "unconfirmed"
    return "sent"


def preview(engine: Engine, definition: dict[str, Any], person: str) -> dict[str, Any]:
    """The message `person` (an id, or an e-mail the search finds) would get, rendered by the
    sender's own code; {"error": ...} for a broken campaign, an unknown person or a missing
    `| required` value, so the panel shows the reason in place."""
    try:
        campaign = Campaign.from_dict(definition)
    except CampaignError as exc:
        return {"error": str(exc)}
    if not person.strip():
        return {"error": "choose a person (id or e-mail) to preview the message for"}
    found = run_query(engine, {"kind": "users", "search": person.strip(), "limit": 1, "count": False})
    if not found["users"]:
        return {"error": f"no person matches {person.strip()!r}"}
    user = found["users"][0]
    try:
        out = render(campaign, person_context(engine, campaign, user))
    except ValueTooLarge as exc:
        return {"error": f"{user['id']} would be skipped: value too large ({exc})", "person": user["id"]}
    except MissingValue as exc:
        return {"error": f"{user['id']} would be skipped: template value missing ({exc})", "person": user["id"]}
    except CampaignError as exc:
        return {"error": str(exc), "person": user["id"]}
    result: dict[str, Any] = {"person": str(user["id"]), "address": out.address, "error": None}
    if isinstance(campaign.channel, EmailChannel):
        result.update(subject=out.subject, text=out.text, html=out.html)
        if not out.address:
            result["error"] = f"{user['id']} has no valid address in trait {campaign.channel.to_trait!r}: skipped"
    else:
        result.update(headers=out.headers, body=out.body)
    return result


def plan(engine: Engine, campaign: Campaign, smtp_url: str | None) -> Summary:
    """What "Send now" would do: the sender's dry run (who gets it, who is held out, who is
    already done). Sends and records nothing, but checks the channel as the send will (an
    e-mail campaign needs its SMTP server, which a dry run alone does not): "Send now" asked to
    confirm, then failed."""
    Channel(campaign, smtp_url)  # opens nothing
    return send_campaign(engine, campaign, smtp_url=smtp_url, options=SendOptions(dry_run=True))


__all__ = ["audience_count", "ledger_counts", "overview", "plan", "preview"]
