"""A database server away for a while (restarting, the network dropped), as the app meets it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.core.database import DatabaseError
from app.query.errors import QueryError

#: The one-line error a query meets while the server is away (a transient one: the app retries).
UNREACHABLE = "cannot reach the database server (connection refused)"


class Outage:
    """On from the start until `end()`: whatever `cut` wraps fails meanwhile as on a lost connection."""

    def __init__(self) -> None:
        self.on = True
        self.refusal: str | None = None

    def end(self) -> None:
        self.on = False

    def refuse(self, message: str) -> None:
        """End it with the server back but refusing what `cut` wraps: a QueryError (`message`),
        which the app does not retry."""
        self.on = False
        self.refusal = message

    def cut(self, call: Callable[..., Any]) -> Callable[..., Any]:
        def unreachable(*args: Any, **kwargs: Any) -> Any:
            if self.on:
                raise DatabaseError(UNREACHABLE)
            if self.refusal is not None:
                raise QueryError(self.refusal)
            return call(*args, **kwargs)

        return unreachable

    def cut_query_jobs(self, monkeypatch: pytest.MonkeyPatch, connection: Any, kind: str | None = None) -> None:
        """The app connection's query jobs (`connection.query_job`) made from now on (of `kind` only,
        if given: "discovery") fail while it lasts."""
        real = connection.query_job

        def query_job(spec: dict[str, Any]) -> Any:
            job = real(spec)
            return self.cut(job) if kind is None or spec.get("kind") == kind else job

        monkeypatch.setattr(connection, "query_job", query_job)

    def cut_every_job(self, monkeypatch: pytest.MonkeyPatch, connection: Any) -> None:
        """Every job submitted to the connection's threads from now on (side queries too) fails while it lasts."""
        real = connection.pool.submit

        def submit(job: Any, token: Any, on_done: Any, on_error: Any) -> int:
            return int(real(self.cut(job), token, on_done, on_error))

        monkeypatch.setattr(connection.pool, "submit", submit)
