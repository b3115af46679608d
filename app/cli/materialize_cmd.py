"""`tracklens materialize`: keep one event property in a column of its own (app.core.materialized)."""

from __future__ import annotations

from typing import Any

import click


@click.command(short_help="Keep an event property in its own column, for faster held funnels and breakdowns.")
@click.argument("prop", metavar="PROPERTY", required=False)
@click.option("--db", "db_url", default=None, help="SQLAlchemy URL or SQLite file (default: the demo database).")
@click.option("--drop", is_flag=True, help="Remove the property's column instead.")
@click.option("--list", "list_", is_flag=True, help="List the materialized properties.")
def materialize(prop: str | None, db_url: str | None, drop: bool, list_: bool) -> None:
    """Keep PROPERTY of every event in a column of its own, computed by the database.

    Funnels holding PROPERTY constant and breakdowns by it then read the column (and, on
    PostgreSQL and SQLite, an index carrying it) instead of each event's properties document.
    Answers do not change. It costs space and a little at every insert, and on PostgreSQL the
    events table is rewritten once (writers wait meanwhile): choose the few properties your
    funnels hold or break down by. See docs/schema.md.
    """
    from sqlalchemy.exc import DBAPIError

    from app.cli.database import open_existing
    from app.core import materialized as mp
    from app.core.database import describe_error

    if list_ and prop is not None:
        raise click.UsageError("give a PROPERTY or --list, not both")
    if not list_ and prop is None:
        raise click.UsageError("give a PROPERTY, or --list")
    engine = open_existing(db_url)
    try:
        if list_:
            with engine.connect() as conn:
                have = mp.materialized(conn)
            for name, column in sorted(have.items()):
                click.echo(f"{name}\tevents.{column}")
            if not have:
                click.echo("no materialized properties")
            return
        assert prop is not None
        if drop:
            column = mp.drop(engine, prop)
            click.echo(f"dropped {prop!r} (events.{column}); queries read it from properties again")
        else:
            column = mp.materialize(engine, prop)
            click.echo(f"materialized {prop!r} as events.{column}")
            _note_if_unknown(engine, prop)
    except mp.MaterializeError as exc:
        raise click.ClickException(str(exc)) from None
    except DBAPIError as exc:
        raise click.ClickException(describe_error(exc)) from None
    finally:
        engine.dispose()


def _note_if_unknown(engine: Any, prop: str) -> None:
    """A typo (`currncy`) was materialized without a word: a column nobody's events fill, and on
    PostgreSQL the events table rewritten for it. Say so, with the closest stored name (events
    with it may still come: it stays, and --drop takes it away)."""
    from app.core.suggest import hint
    from app.query import run_query

    try:
        found = run_query(engine, {"kind": "discovery", "what": "properties"}, timeout=30)
    except Exception:  # only a note: the materialize itself says what is wrong with the database
        return
    names = [p["name"] for p in found.get("properties", []) if isinstance(p, dict) and isinstance(p.get("name"), str)]
    if not names or prop in names:
        return
    click.echo(f"materialize: no recent event has the property {prop!r}{hint(prop, names)}; its column stays empty until "
               "events carry it (the same command with --drop removes it)", err=True)
