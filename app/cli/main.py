"""The `tracklens` entry point.

Subcommands live in their own modules and are imported only when used, so
`tracklens import` never pays for Qt and `tracklens` (the GUI) never pays for
the collector's web stack.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import click

from app import __version__
from app.core.paths import FolderError
from app.core.suggest import did_you_mean

#: subcommand name -> "module:attribute" of a click.Command
COMMANDS: dict[str, str] = {
    "demo": "app.cli.demo_cmd:demo",
    "simulate": "app.cli.demo_cmd:simulate",
    "import": "app.cli.import_cmd:import_",
    "query": "app.cli.query_cmd:query",
    "collect": "app.cli.collect_cmd:collect",
    "gui": "app.cli.gui_cmd:gui",
    "send": "app.cli.send_cmd:send",
    "forward": "app.cli.forward_cmd:forward",
    "materialize": "app.cli.materialize_cmd:materialize",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("app."):
                return None
            raise
        command: click.Command = getattr(module, attr)
        return command

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None,
                                                                             list[str]]:
        """A typo gets a suggestion and a missing report file says so: click knew no command
        names to suggest from (they are imported lazily), and `tracklens Weekly.tracklens.jsn`
        or a report file that moved said "No such command"."""
        name = args[0]
        if name not in COMMANDS and not name.startswith("-") and not ctx.resilient_parsing:
            if name.lower().endswith(".json"):
                ctx.fail(f"no such report file: {name}")
            if name == "help":  # `tracklens help import`, as git and pip take it: "No such command 'help'."
                self._show_help(ctx, [a for a in args[1:2] if not a.startswith("-")])
            meant = did_you_mean(name, COMMANDS)
            ctx.fail(f"No such command {name!r}." + (f" Did you mean {meant!r}?" if meant else ""))
        return super().resolve_command(ctx, args)

    def _show_help(self, ctx: click.Context, names: list[str]) -> None:
        """Print the help of the command named (of tracklens without one) and exit; a misspelt
        name gets resolve_command's suggestion."""
        if names and names[0] not in COMMANDS:
            self.resolve_command(ctx, names)
        command = self.get_command(ctx, names[0]) if names else None
        if command is None:
            click.echo(ctx.get_help())
        else:
            with command.make_context(names[0], [], parent=ctx, resilient_parsing=True) as sub:
                click.echo(command.get_help(sub))
        ctx.exit(0)

    def invoke(self, ctx: click.Context) -> Any:
        """A per-user folder that cannot be made (a read-only home) is one line, not a traceback,
        whichever command needed it (the app's settings, the demo database, `query` without --db)."""
        try:
            return super().invoke(ctx)
        except FolderError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="tracklens")
@click.option("--db", "db_url", default=None, help="SQLAlchemy URL or SQLite file to open in the app.")
@click.option("--screenshot", "screenshot_dir", default=None, type=click.Path(file_okay=False),
              help="Render every panel to PNGs in this folder, then exit.")
@click.option("--no-simulate", is_flag=True, default=False, help="Do not simulate live traffic on the demo database.")
@click.option("--open-report", "open_report", default=None, metavar="FILE",
              help="Import this report file (*.tracklens.json) and show it; `tracklens FILE` does the same.")
@click.option("--appearance", type=click.Choice(["system", "light", "dark"]), default=None,
              help="Light or dark for this run (default: View > Appearance, else the system's).")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, screenshot_dir: str | None, no_simulate: bool,
        open_report: str | None = None, appearance: str | None = None) -> None:
    """Tracklens: product analytics on your own event database.

    With no subcommand, opens the desktop app.
    """
    if ctx.invoked_subcommand is None:
        gui = LazyGroup.get_command(cli, ctx, "gui")  # type: ignore[arg-type]
        if gui is None:
            raise click.ClickException("the desktop app is not available in this build")
        ctx.invoke(gui, db_url=db_url, screenshot_dir=screenshot_dir, no_simulate=no_simulate,
                   open_report=open_report, appearance=appearance)


def translate_report_argument(args: list[str]) -> list[str]:
    """`tracklens FILE.json` -> `tracklens --open-report FILE.json`.

    File managers open a double-clicked `*.tracklens.json` as `tracklens "<file>"`, which click
    would take for a subcommand name. Only the first non-option argument is considered, and only
    when it is an existing `.json` file that is not a subcommand, so subcommands keep working.
    """
    takes_value = {
        opt for param in cli.params if isinstance(param, click.Option) and not param.is_flag for opt in param.opts
    }
    skip = False
    for i, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg == "--":
            return args
        if arg.startswith("-"):
            skip = arg in takes_value
            continue
        if arg not in COMMANDS and arg.lower().endswith(".json") and Path(arg).is_file():
            return [*args[:i], "--open-report", arg, *args[i + 1:]]
        return args
    return args


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    args = translate_report_argument(list(argv if argv is not None else sys.argv[1:]))
    return cli.main(args=args, prog_name="tracklens")


if __name__ == "__main__":
    main()
