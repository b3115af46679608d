"""Campaigns saved in the event database (the app's list; campaign_results reads the goal)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, delete, select, update

from app.core.backends import backend_for
from app.core.schema import campaigns
from app.outbound.ledger import now_ms


def save_campaign(engine: Engine, definition: dict[str, Any]) -> None:
    """Store the campaign under its name, replacing an earlier one of that name.

    Inserted first with a name already there skipped, then updated: two `tracklens send` runs
    starting at once both found no row to update and both inserted, and the second one died of
    a unique violation on PostgreSQL (its readers do not wait for an uncommitted insert).
    """
    name = definition["name"]
    values = {"definition": definition, "updated_at": now_ms()}
    with engine.begin() as conn:
        added = conn.execute(backend_for(engine).insert_ignoring_conflicts(campaigns, ["name"])
                             .values(name=name, **values)).rowcount
        if not added:
            conn.execute(update(campaigns).where(campaigns.c.name == name).values(**values))


def load_campaigns(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(campaigns.c.definition).order_by(campaigns.c.name)).all()
    return [json.loads(r[0]) if isinstance(r[0], str) else dict(r[0]) for r in rows]


def delete_campaign(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(campaigns).where(campaigns.c.name == name))
