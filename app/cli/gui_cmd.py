"""`tracklens gui` (also what plain `tracklens` runs): the desktop app."""

from __future__ import annotations

import click


@click.command("gui")
@click.option("--db", "db_url", default=None, help="SQLAlchemy URL or SQLite file to open.")
@click.option("--screenshot", "screenshot_dir", default=None, type=click.Path(file_okay=False),
              help="Render every panel to PNGs in this folder once loaded, then exit.")
@click.option("--no-simulate", is_flag=True, default=False,
              help="Do not simulate live traffic on the demo database.")
@click.option("--open-report", "open_report", default=None, metavar="FILE",
              help="Import this report file (*.tracklens.json) and show it in its panel.")
@click.option("--appearance", type=click.Choice(["system", "light", "dark"]), default=None,
              help="Light or dark for this run (default: View > Appearance, else the system's).")
@click.pass_context
def gui(ctx: click.Context, db_url: str | None, screenshot_dir: str | None, no_simulate: bool,
        open_report: str | None = None, appearance: str | None = None) -> None:
    """Open the desktop app."""
    from app.ui.app import run_app

    code = run_app(db_url, screenshot_dir, no_simulate, open_report, appearance=appearance)
    ctx.exit(code)
