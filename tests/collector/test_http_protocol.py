"""The collector's HTTP layer (app.collector.protocol) on the uvicorn and h11 it is installed with:
what a client and the operator's log are told about a request h11 cannot read, and a refusal to
start on a uvicorn whose internals it overrides are gone."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import h11
import pytest

from tests.collector.harness import REPO, ThreadCollector

_HEAD = (b"POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         b"Authorization: Basic dGVzdC13cml0ZS1rZXk6\r\n")


def _exchange(collector: ThreadCollector, request: bytes) -> tuple[int, dict[str, object], str, str]:
    """Send `request` on a new connection and read until the server closes it: (status, JSON
    body, lower-cased head, the client's own address as host:port)."""
    port = int(collector.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        host, own_port = sock.getsockname()[:2]
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):  # a timeout here: the connection was held open
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body), head.decode("latin-1").lower(), f"{host}:{own_port}"


def test_a_content_length_of_more_than_20_digits_is_too_large_not_a_non_number(
    sqlite_collector: ThreadCollector,
) -> None:
    """h11 refuses a Content-Length of more than 20 digits as it refuses 'abc', and the client was
    told "the Content-Length header is not a number of bytes": it is a number, one larger than a
    30 MB Content-Length, which is a 413 request_too_large."""
    status, answer, head, _ = _exchange(sqlite_collector, _HEAD + b"Content-Length: 30000000\r\n\r\n{}")
    assert (status, answer) == (413, {"code": "request_too_large", "message": "request body exceeds 500 KB"})
    assert "connection: close" in head

    status, answer, head, _ = _exchange(sqlite_collector, _HEAD + b"Content-Length: " + b"9" * 25 + b"\r\n\r\n{}")
    assert (status, answer) == (413, {"code": "request_too_large", "message":
                                      "request body exceeds 500 KB (its Content-Length is a number of 25 digits)"})
    assert "connection: close" in head
    # Not too large, just written with more digits than h11 reads; and no number at all.
    status, answer, _, _ = _exchange(sqlite_collector, _HEAD + b"Content-Length: " + b"0" * 24 + b"2\r\n\r\n{}")
    assert (status, answer) == (400, {"code": "invalid_http",
                                      "message": "the Content-Length header has 25 digits (at most 20 are read)"})
    status, answer, _, _ = _exchange(sqlite_collector, _HEAD + b"Content-Length: 12x\r\n\r\n{}")
    assert (status, answer) == (400, {"code": "invalid_http", "message": "the Content-Length header is not a number of bytes"})


@pytest.fixture
def uvicorn_error_records() -> Iterator[list[logging.LogRecord]]:
    """What is logged on uvicorn's own logger, "uvicorn.error" (its dictConfig may keep it from caplog)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(logging.DEBUG)
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def test_the_log_says_why_a_request_was_refused_and_from_where(
    sqlite_collector: ThreadCollector,
    caplog: pytest.LogCaptureFixture,
    uvicorn_error_records: list[logging.LogRecord],
) -> None:
    """The client was told what is wrong with its request, but the log said only uvicorn's
    "Invalid HTTP request received.": not why, not from which address."""
    caplog.set_level(logging.WARNING, logger="tracklens.collector")
    status, answer, _, client = _exchange(sqlite_collector, _HEAD + b"Content-Length: abc\r\n\r\n{}")
    assert (status, answer["message"]) == (400, "the Content-Length header is not a number of bytes")
    # A hostile request: h11 quotes the 12 KB header line it refused (non-printable bytes escaped).
    hostile = _HEAD + b"\x1b[2J" + b"X" * 12_000 + b"\x00\n\r\n"
    _, hostile_answer, _, hostile_client = _exchange(sqlite_collector, hostile)

    lines = [r for r in caplog.records if r.name == "tracklens.collector" and r.levelno == logging.WARNING]
    assert [r.getMessage() for r in lines] == [
        f"answered {client} with 400 invalid_http: {answer['message']}",
        f"answered {hostile_client} with 400 invalid_http: {hostile_answer['message']}",
    ]
    hostile_line = lines[1].getMessage()
    assert len(hostile_line) < 400 and hostile_line.isprintable(), hostile_line
    assert not any(r.exc_info for r in lines)
    assert not [r for r in uvicorn_error_records if "Invalid HTTP request" in r.getMessage()]


#: The shape of uvicorn's h11_impl as far as app.collector.protocol relies on it, with the method
#: uvicorn calls for a request h11 cannot read named {send_400}.
_H11_IMPL = """
import asyncio

import h11


class H11Protocol(asyncio.Protocol):
    def __init__(self, config, server_state, app_state, _loop=None):
        self.conn = h11.Connection(h11.SERVER)
        self.logger = self.loop = self.cycle = self.transport = None

    def connection_made(self, transport):
        self.transport, self.client = transport, None

    def data_received(self, data):
        self.conn.receive_data(data)
        self.handle_events()

    def handle_events(self):
        while True:
            try:
                event = self.conn.next_event()
            except h11.RemoteProtocolError:
                self.logger.warning("Invalid HTTP request received.")
                self.{send_400}("Invalid HTTP request received.")
                return
            if event is h11.NEED_DATA or self.conn.their_state == h11.MUST_CLOSE:
                return

    def {send_400}(self, msg):
        pass

    def eof_received(self):
        pass

    def connection_lost(self, exc):
        pass


class RequestResponseCycle:
    def __init__(self, scope):
        self.scope, self.keep_alive, self.more_body = scope, True, True
        self.message_event, self.response_complete = asyncio.Event(), False
"""


def _stub_uvicorn(root: Path, send_400: str) -> None:
    """A uvicorn 0.99.0 whose H11Protocol names its bad-request method `send_400`."""
    package = root / "uvicorn"
    (package / "protocols" / "http").mkdir(parents=True)
    (package / "__init__.py").write_text('__version__ = "0.99.0"\n')
    (package / "protocols" / "__init__.py").write_text("")
    (package / "protocols" / "http" / "__init__.py").write_text("")
    (package / "protocols" / "http" / "h11_impl.py").write_text(_H11_IMPL.replace("{send_400}", send_400))


@pytest.mark.parametrize("renamed", [True, False], ids=["internal-renamed", "as-installed"])
def test_a_uvicorn_without_the_internals_overridden_is_refused_in_one_line(tmp_path: Path, renamed: bool) -> None:
    """On a uvicorn whose H11Protocol no longer calls send_400_response, the collector loaded,
    served, and answered malformed HTTP in uvicorn's plain text again, silently. It now refuses
    to load, naming the releases it works with."""
    _stub_uvicorn(tmp_path, "send_bad_request" if renamed else "send_400_response")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}
    result = subprocess.run([sys.executable, "-c", "import uvicorn; print(uvicorn.__version__); "
                             "import app.collector.protocol"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "0.99.0"  # the stub was the uvicorn imported
    if not renamed:
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last == ("app.collector.protocol.UnsupportedServer: the collector needs uvicorn>=0.30.4,<0.56 and "
                    "h11>=0.16,<0.17; "
                    f"the installed uvicorn 0.99.0 (h11 {h11.__version__}) lacks H11Protocol.handle_events using "
                    "send_400_response, H11Protocol.send_400_response: "
                    "pip install 'uvicorn>=0.30.4,<0.56' 'h11>=0.16,<0.17'"), last


def test_tracklens_collect_on_an_unsupported_uvicorn_says_so_in_one_line(tmp_path: Path) -> None:
    """`tracklens collect` on such a uvicorn printed a traceback ending in that line; now the line
    alone, as every other reason the collector cannot start, with status 1."""
    _stub_uvicorn(tmp_path, "send_bad_request")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}
    result = subprocess.run([sys.executable, "-m", "app", "collect", "--db", f"sqlite:///{tmp_path / 'events.db'}",
                             "--host", "127.0.0.1", "--port", "0", "--write-key", "k"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "Error: the collector needs uvicorn>=0.30.4,<0.56 and h11>=0.16,<0.17; "
        f"the installed uvicorn 0.99.0 (h11 {h11.__version__}) lacks H11Protocol.handle_events using "
        "send_400_response, H11Protocol.send_400_response: pip install 'uvicorn>=0.30.4,<0.56' 'h11>=0.16,<0.17'"]
