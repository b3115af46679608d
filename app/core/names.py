"""What a property or trait name may hold, for every place that takes one (queries, materialized
properties): one rule, so a name one accepts the other does not refuse.

Property and trait names end up as bound JSON-path parameters. SQLite's path syntax has no
escape for a double quote inside a quoted key, so those (and control characters) are refused on
every database alike.
"""

from __future__ import annotations

import re
import unicodedata

#: The longest name accepted.
MAX_NAME_LENGTH = 255
_BAD_NAME = re.compile(r'["\\\x00-\x1f]')
#: Lone surrogates: bytes that were not UTF-8 in a command-line argument, or a JSON "\ud800".
_SURROGATE = re.compile("[\ud800-\udfff]")


def is_break(char: str) -> bool:
    """A control character (Unicode's Cc: NUL, tab, CR, LF, DEL) or a line or paragraph separator:
    what a one-line name (a saved report's, a cohort's) may not hold."""
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


def name_problem(value: str) -> str | None:
    """Why `value` cannot be a property or trait name (a phrase to follow the name), or None."""
    if not value:
        return "is empty"
    if len(value) > MAX_NAME_LENGTH:
        return f"is longer than {MAX_NAME_LENGTH} characters"
    if _BAD_NAME.search(value):
        return "may not contain double quotes, backslashes or control characters"
    if _SURROGATE.search(value):
        return "is not valid Unicode (it holds bytes that are not UTF-8, or a lone surrogate)"
    return None


#: How the columns of materialized properties (app.core.materialized) begin; nothing else in
#: `events` does.
MATERIALIZED_COLUMN_PREFIX = "mp_"
