"""`tracklens collect` refuses unsafe or impossible configurations with one clear line."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from app.cli.main import cli
from app.core.database import open_database
from tests.collector.conftest import stored
from tests.collector.harness import WRITE_KEY, start_process, stop_process
from tests.collector.messages import track


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


@pytest.mark.slow
def test_the_command_wires_keys_from_the_environment_and_trust_proxy(sqlite_url: str, tmp_path: Path) -> None:
    running = start_process(sqlite_url, tmp_path / "collector.log", extra=["--trust-proxy"],
                            env_extra={"TRACKLENS_WRITE_KEYS": "web-key server-key"})
    try:
        message = track()
        ok = httpx.post(running.url + "/v1/track", json=message, auth=("server-key", ""),
                        headers={"X-Forwarded-For": "10.0.0.1, 8.8.8.8"})
        refused = httpx.post(running.url + "/v1/track", json=track(), auth=(WRITE_KEY, ""))
    finally:
        stop_process(running)
    assert ok.status_code == 200, running.log()
    assert refused.status_code == 401
    engine = open_database(sqlite_url)
    try:
        [row] = stored(engine)
    finally:
        engine.dispose()
    assert (row["message_id"], row["context"]["ip"], row["city"]) == (message["messageId"], "8.8.8.8",
                                                                      "Mountain View")


def test_a_port_in_use_is_one_line_and_a_failure_before_any_banner(sqlite_url: str) -> None:
    """Issue 16: it printed the success banner, then uvicorn's error."""
    import socket

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    try:
        result = CliRunner().invoke(cli, ["collect", "--db", sqlite_url, "--write-key", "k", "--port", str(port)])
    finally:
        holder.close()
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: port {port} on 127.0.0.1 is already in use (another collector?); " \
                                    "stop it or choose another --port"
