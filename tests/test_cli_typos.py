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
