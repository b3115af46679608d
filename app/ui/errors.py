"""Turning exceptions from workers into one-line messages a person can act on."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.core.database import DatabaseError, describe_error, is_disconnect

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErrorInfo:
    """What a panel shows: the message, and whether retrying by itself may help."""

    message: str
    transient: bool = False
    cancelled: bool = False


def _query_exceptions() -> tuple[type[BaseException], type[BaseException]] | None:
    try:
        from app.query import QueryCancelled, QueryError
    except ImportError:
        return None
    return QueryCancelled, QueryError


def classify_error(exc: BaseException) -> ErrorInfo:
    """One line for the panel; disconnects are transient, cancellations are not errors."""
    known = _query_exceptions()
    if known is not None:
        cancelled_type, query_error_type = known
        if isinstance(exc, cancelled_type):
            return ErrorInfo("cancelled", cancelled=True)
        if isinstance(exc, query_error_type):
            return ErrorInfo(_one_line(str(exc)) or "the query is not valid")
    if isinstance(exc, DatabaseError):
        # run_query wraps driver errors; the driver's own error says whether the link dropped.
        cause = exc.__cause__
        transient = (cause is not None and is_disconnect(cause)) or is_disconnect(exc) or _looks_unreachable(str(exc))
        return ErrorInfo(str(exc), transient=transient)
    if is_disconnect(exc):
        return ErrorInfo(describe_error(exc), transient=True)
    if _is_sqlalchemy_error(exc):
        return ErrorInfo(describe_error(exc))
    log.error("unexpected error in a worker", exc_info=exc)
    return ErrorInfo(f"{type(exc).__name__}: {_one_line(str(exc))}".rstrip(": "))


def _one_line(text: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0] if stripped else ""


def _looks_unreachable(message: str) -> bool:
    low = message.lower()
    return "cannot reach" in low or "database is locked" in low


def _is_sqlalchemy_error(exc: BaseException) -> bool:
    from sqlalchemy.exc import SQLAlchemyError

    return isinstance(exc, SQLAlchemyError)
