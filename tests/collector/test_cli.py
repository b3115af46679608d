"""`tracklens collect` refuses unsafe or impossible configurations with one clear line."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from app.cli.main import cli


def test_refuses_to_start_without_a_write_key(sqlite_url: str) -> None:
    result = CliRunner().invoke(cli, ["collect", "--db", sqlite_url])
    assert result.exit_code == 2
    assert "--write-key" in result.output and "--no-auth" in result.output


def test_no_auth_and_write_keys_contradict(sqlite_url: str) -> None:
    result = CliRunner().invoke(cli, ["collect", "--db", sqlite_url, "--no-auth", "--write-key", "k"])
    assert result.exit_code == 2
    assert "contradict" in result.output


def test_an_unusable_database_is_one_line_without_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["collect", "--db", str(tmp_path / "missing" / "x.sqlite"),
                                      "--write-key", "k"])
    assert result.exit_code == 1
    assert "folder does not exist" in result.output
    assert "Traceback" not in result.output


def test_write_keys_can_come_from_the_environment(sqlite_url: str) -> None:
    # With keys from TRACKLENS_WRITE_KEYS the "no key" refusal does not trigger; the
    # contradiction check proves the keys were read.
    result = CliRunner().invoke(cli, ["collect", "--db", sqlite_url, "--no-auth"],
                                env={"TRACKLENS_WRITE_KEYS": "web-key server-key"})
    assert result.exit_code == 2
    assert "contradict" in result.output
