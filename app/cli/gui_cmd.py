"""`tracklens gui` (also what plain `tracklens` runs): the desktop app."""

from __future__ import annotations

import click


@click.command("gui")
@click.option("--db", "db_url", default=None, help="SQLAlchemy URL or SQLite file to open.")
@click.option("--screenshot", "screenshot_dir", default=None, type=click.Path(file_okay=False),
              help="Render every panel to PNGs in this folder once loaded, then exit.")
@click.option("--no-simulate", is_flag=True, default=False,
              help="Do not simulate live traffic on the demo database.")
@click.pass_context
def gui(ctx: click.Context, db_url: str | None, screenshot_dir: str | None, no_simulate: bool) -> None:
    """Open the desktop app."""
    from app.ui.app import run_app

    code = run_app(db_url, screenshot_dir, no_simulate)
    ctx.exit(code)
