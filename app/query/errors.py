"""The engine's error types, in a module of their own so the parser, the limits and the runner
can all raise them without importing each other.

Every message is one line meant for a person: the CLI prints it after `Error: ` and the GUI
panels show it in place.
"""

from __future__ import annotations

from app.core.database import DatabaseError


class QueryError(ValueError):
    """The query is malformed; the message says where and why, in one line."""


class UnknownKeys(QueryError):
    """The query names keys this version does not know (a file of a newer Tracklens, a typo):
    a reader that drops them would answer another query. Found wherever they are, whatever
    else is wrong with the query: `also` is then the first other problem (one line)."""

    def __init__(self, message: str, *, keys: tuple[str, ...] = (), data: object = None,
                 also: str | None = None, suggestions: dict[str, str] | None = None,
                 hinted: str | None = None) -> None:
        #: the unknown keys and where they are, without suggestions (the GUI adds its own words)
        self.message = message
        self.keys = keys
        #: the JSON object holding the keys (the parser's sweep finds its path by it)
        self.data = data
        self.also = also
        #: unknown key -> the known key of its object it most likely means ("evnets" -> "events")
        self.suggestions = suggestions or {}
        #: `message` with each suggestion after its key: what str() says
        self.hinted = hinted or message
        super().__init__(self.hinted if also is None else f"{self.hinted}; also {also}")


class QueryTooLarge(QueryError):
    """The query is well formed but bigger than the engine's documented bounds (docs/query.md,
    "Limits"). Refused before any SQL runs; the message starts with "too large: "."""

    def __init__(self, message: str) -> None:
        super().__init__(f"too large: {message}")


class QueryTimeout(DatabaseError):
    """The query ran longer than its time limit and was stopped in the database."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"the query took longer than {seconds:g} s and was stopped "
                         "(a narrower range, fewer events or filters, or a larger --timeout may help)")
