"""Running a collector for tests and benchmarks: in a thread (fast) or as a real process (faults)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import Engine

from app.collector.limits import HEADER_SECONDS
from app.collector.protocol import with_header_timeout
from app.collector.server import CollectorOptions, build_app
from app.core.database import open_database
from tests.support.ports import free_port

WRITE_KEY = "test-write-key"
REPO = Path(__file__).resolve().parents[2]


@dataclass
class ThreadCollector:
    url: str
    engine: Engine
    server: uvicorn.Server


@contextlib.contextmanager
def collector_in_thread(db_url: str, *, write_keys: Sequence[str] = (WRITE_KEY,), no_auth: bool = False,
                        trust_proxy: bool = False, header_timeout: float = HEADER_SECONDS,
                        **options: Any) -> Iterator[ThreadCollector]:
    """The real application on uvicorn, on a free loopback port, in a background thread.

    `options` are further CollectorOptions (the body timeouts); `header_timeout` the deadline of
    the connections' request lines and headers (app.collector.protocol)."""
    engine = open_database(db_url)
    app = build_app(engine, CollectorOptions(write_keys=list(write_keys), no_auth=no_auth,
                                             trust_proxy=trust_proxy, **options))
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", proxy_headers=False,
                            lifespan="on", timeout_graceful_shutdown=10, http=with_header_timeout(header_timeout))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="collector", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the collector did not start")
        time.sleep(0.02)
    try:
        yield ThreadCollector(url=f"http://127.0.0.1:{port}", engine=engine, server=server)
    finally:
        server.should_exit = True
        thread.join(30)
        engine.dispose()


@dataclass
class ProcessCollector:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def signal(self, sig: int) -> None:
        self.process.send_signal(sig)

    def wait(self, timeout: float = 60) -> int:
        return self.process.wait(timeout)


def start_process(db_url: str, log_path: Path, *, port: int | None = None,
                  extra: Sequence[str] = ("--write-key", WRITE_KEY), timeout: float = 60,
                  env_extra: dict[str, str] | None = None) -> ProcessCollector:
    """`python -m app collect` as a child process, returned once /health answers."""
    port = port or free_port()
    env = {**os.environ, **(env_extra or {})}
    env.setdefault("PYTHONUNBUFFERED", "1")
    log_file = open(log_path, "ab")  # noqa: SIM115 - handed to the child, closed when it exits
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "collect", "--db", db_url, "--host", "127.0.0.1", "--port", str(port),
         *extra],
        stdout=log_file, stderr=subprocess.STDOUT, cwd=REPO, env=env,
    )
    log_file.close()
    running = ProcessCollector(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the collector exited ({process.returncode}):\n{running.log()}")
        try:
            if httpx.get(running.url + "/health", timeout=1).status_code == 200:
                return running
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    stop_process(running)
    raise RuntimeError(f"the collector did not answer in {timeout} s:\n{running.log()}")


def stop_process(running: ProcessCollector, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
    """Stop a child collector with `sig` and return its exit code (SIGKILL after `timeout`)."""
    if running.process.poll() is None:
        running.process.send_signal(sig)
    try:
        return running.process.wait(timeout)
    except subprocess.TimeoutExpired:
        running.process.kill()
        return running.process.wait(10)
