"""Campaigns saved in the event database (the app's list; campaign_results reads the goal)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from app.core.schema import campaigns
from app.outbound.ledger import now_ms


def save_campaign(engine: Engine, definition: dict[str, Any]) -> None:
    name = definition["name"]
    with engine.begin() as conn:
        done = conn.execute(update(campaigns).where(campaigns.c.name == name)
                            .values(definition=definition, updated_at=now_ms())).rowcount
        if not done:
            conn.execute(insert(campaigns).values(name=name, definition=definition, updated_at=now_ms()))


def load_campaigns(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(campaigns.c.definition).order_by(campaigns.c.name)).all()
    return [json.loads(r[0]) if isinstance(r[0], str) else dict(r[0]) for r in rows]


def delete_campaign(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(campaigns).where(campaigns.c.name == name))
