"""A database server away for a while (restarting, the network dropped), as the app meets it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.core.database import DatabaseError

#: The one-line error a query meets while the server is away (a transient one: the app retries).
UNREACHABLE = "cannot reach the database server (connection refused)"


class Outage:
    """On from the start until `end()`: whatever `cut` wraps fails meanwhile as on a lost connection."""

    def __init__(self) -> None:
        self.on = True

    def end(self) -> None:
        self.on = False

    def cut(self, call: Callable[..., Any]) -> Callable[..., Any]:
        def unreachable(*args: Any, **kwargs: Any) -> Any:
            if self.on:
                raise DatabaseError(UNREACHABLE)
            return call(*args, **kwargs)

        return unreachable

    def cut_query_jobs(self, monkeypatch: pytest.MonkeyPatch, connection: Any) -> None:
        """The app connection's query jobs (`connection.query_job`) made from now on fail while it lasts."""
        real = connection.query_job
        monkeypatch.setattr(connection, "query_job", lambda spec: self.cut(real(spec)))

    def cut_every_job(self, monkeypatch: pytest.MonkeyPatch, connection: Any) -> None:
        """Every job submitted to the connection's threads from now on (side queries too) fails while it lasts."""
        real = connection.pool.submit

        def submit(job: Any, token: Any, on_done: Any, on_error: Any) -> int:
            return int(real(self.cut(job), token, on_done, on_error))

        monkeypatch.setattr(connection.pool, "submit", submit)
