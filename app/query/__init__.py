"""The Qt-free query engine: JSON query dicts in, JSON-able results out, computed in the database.

    from app.query import run_query, CancelToken
    result = run_query(engine, {"kind": "segmentation", "range": {"last": 30, "unit": "day"}})

See docs/query.md for every kind, option and result shape.
"""

# Cohort filters are valid in every kind, funnel and retention filters in users queries: register
# them (and the kinds they build on) wherever queries are parsed.
from app.query import cohorts as _cohorts  # noqa: F401
from app.query.errors import QueryTimeout, QueryTooLarge
from app.query.model import Query, QueryError, parse_query
from app.query.runner import (
    CancelToken,
    QueryCancelled,
    QueryRunner,
    build_runner,
    get_runner,
    register_runner,
    run_query,
)
from app.query.runners import funnel_persons as _funnel_persons  # noqa: F401
from app.query.runners import retention_persons as _retention_persons  # noqa: F401

__all__ = [
    "CancelToken",
    "Query",
    "QueryCancelled",
    "QueryError",
    "QueryRunner",
    "QueryTimeout",
    "QueryTooLarge",
    "build_runner",
    "get_runner",
    "parse_query",
    "register_runner",
    "run_query",
]
