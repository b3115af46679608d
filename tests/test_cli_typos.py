"""What a new user's typos on the `tracklens` command line get (new-user defect hunt)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from app.cli.main import cli, translate_report_argument


def test_a_misspelled_subcommand_gets_the_closest_name() -> None:
    """Click suggested nothing: the subcommands are imported lazily, so it knew no names."""
    done = CliRunner().invoke(cli, ["imprt", "--db", "x.sqlite", "export.jsonl"])
    assert done.exit_code == 2
    assert done.stderr.strip().endswith("Error: No such command 'imprt'. Did you mean 'import'?")
    done = CliRunner().invoke(cli, ["zzz"])
    assert done.exit_code == 2 and done.stderr.strip().endswith("Error: No such command 'zzz'.")


def test_a_missing_report_file_is_named_as_one(tmp_path: Path) -> None:
    """`tracklens Weekly.tracklens.json` for a file that moved said "No such command"."""
    missing = str(tmp_path / "Weekly signups.tracklens.json")
    done = CliRunner().invoke(cli, translate_report_argument(["--db", "x.sqlite", missing]))
    assert done.exit_code == 2
    assert done.stderr.strip().endswith(f"Error: no such report file: {missing}")


def test_subcommands_still_run(tmp_path: Path) -> None:
    done = CliRunner().invoke(cli, ["query", "--db", str(tmp_path / "none.sqlite"), "--spec", '{"kind": "live"}'])
    assert done.exit_code == 1 and "no Tracklens database" in done.stderr


def test_help_as_a_command_shows_the_help() -> None:
    """`tracklens help` and `tracklens help import` (as git and pip take them) said "No such
    command 'help'."; a misspelt name after it still gets the closest one."""
    top = CliRunner().invoke(cli, ["help"], prog_name="tracklens")
    assert top.exit_code == 0 and top.stdout.startswith("Usage: tracklens [OPTIONS] [COMMAND] [ARGS]..."), top.output
    assert "import " in top.stdout and "query " in top.stdout
    one = CliRunner().invoke(cli, ["help", "import"], prog_name="tracklens")
    assert one.exit_code == 0 and one.stdout.startswith("Usage: tracklens import [OPTIONS] FILES..."), one.output
    assert "--max-rejects" in one.stdout
    typo = CliRunner().invoke(cli, ["help", "imprt"])
    assert typo.exit_code == 2 and typo.stderr.strip().endswith("Error: No such command 'imprt'. Did you mean 'import'?")
