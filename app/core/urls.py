"""Reading database URLs without tracebacks (below the backends, which rewrite URLs too)."""

from __future__ import annotations

import re

from sqlalchemy import make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError

#: 'scheme://user:' and the password up to the URL's last '@' (greedy): a password holding an
#: unescaped '@' ('p@ss') is cut by SQLAlchemy at its first '@', the rest taken for the host.
#: The ':' after the scheme may be missing ('postgresql//ann:pw@host/db', a typo).
_USERINFO = re.compile(r"^([\w+.-]+:?//[^:/?#]*):(.*)@")
#: A password given in the query (postgresql://ann@host/db?password=...), which libpq reads.
_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#]*", re.IGNORECASE)


def parse_url(url: str) -> URL | None:
    """SQLAlchemy's parts of `url`; None when it is not a URL (SQLAlchemy raises ArgumentError,
    or a bare ValueError for a port that is not a number)."""
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        return None


def hide_password(url: str) -> str:
    """The URL with its password hidden, for messages, status bars and logs: also a password in
    the query, one holding an unescaped '@', and one in a URL SQLAlchemy cannot parse (a port
    that is no number), which were all printed back as typed."""
    try:
        url.encode("utf-8")
    except UnicodeEncodeError:
        # Bytes that are not UTF-8 in a URL typed on the command line (lone surrogates, which the
        # URL's quoting cannot encode): written as escapes, the failure's message was a traceback.
        url = url.encode("utf-8", "backslashreplace").decode("utf-8")
    parsed = parse_url(url) if url.count("@") <= 1 else None
    shown = parsed.render_as_string(hide_password=True) if parsed is not None else _USERINFO.sub(r"\1:***@", url, 1)
    return _QUERY_PASSWORD.sub(r"\1***", shown)
