"""Start a throw-away PostgreSQL server in a temp dir (initdb + pg_ctl), for tests and benchmarks.

Runs the server binaries as the `postgres` system user when we are root, since
initdb refuses to run as root.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.ports import free_port


def find_pg_bin() -> Path | None:
    """The folder holding initdb/pg_ctl/postgres, or None when PostgreSQL is not installed."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    for folder in candidates:
        if os.path.exists(os.path.join(folder, "initdb")):
            return Path(folder)
    initdb = shutil.which("initdb")
    if initdb and "/usr/local/bin" not in initdb:
        return Path(initdb).parent
    return None


@dataclass
class PostgresServer:
    bin_dir: Path
    base: Path
    port: int
    as_user: str | None

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self.as_user:
            cmd = ["runuser", "-u", self.as_user, "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    @property
    def datadir(self) -> Path:
        return self.base / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.datadir), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--locale=C")
        opts = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.base} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
                "-c shared_buffers=256MB")
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.datadir), "-o", opts,
                  "-l", str(self.base / "server.log"), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "stop", check=False)

    def create_database(self, name: str | None = None) -> str:
        """Create a fresh database and return its SQLAlchemy URL."""
        import psycopg

        name = name or "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A running server for the duration of the block; raises RuntimeError if unavailable."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin)")
    base = Path(tempfile.mkdtemp(prefix="tracklens-pg-"))
    as_user = None
    if os.geteuid() == 0:
        as_user = "postgres"
        shutil.chown(base, user="postgres")
    server = PostgresServer(bin_dir=bin_dir, base=base, port=free_port(), as_user=as_user)
    try:
        server.start()
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"could not start PostgreSQL: {exc.stderr or exc.stdout}") from exc
    try:
        yield server
    finally:
        server.stop()
        time.sleep(0.1)
        shutil.rmtree(base, ignore_errors=True)
