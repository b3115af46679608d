"""'Did you mean ...?' for a word Tracklens does not know: a spec's key or value, a command,
a database scheme, a property name.

A refusal that names only the typo ("unknown key 'evnets'") leaves the reader to find the right
word in the docs; the nearest known word (difflib's similarity ratio, at its default cut-off
0.6) usually is the one meant.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: Names other analytics tools give to what a Tracklens query calls otherwise (PostHog's
#: `interval`, Mixpanel's `conversion_window`, `filters`): no spelling is close, so difflib
#: alone would say nothing. Suggested only where the Tracklens name is a known word.
OTHER_NAMES = {"interval": "unit", "conversion_window": "window", "filters": "where"}
#: Longer words are not compared (a 10,000-character key is no typo of a known one).
_LONGEST = 100


def did_you_mean(word: object, choices: Iterable[str]) -> str | None:
    """The known word `word` was most likely meant as, or None when none is close enough.
    Case is ignored in comparing (`"Value"`, `"DAY"`), and an exact match is no suggestion."""
    if not isinstance(word, str) or not word or len(word) > _LONGEST:
        return None
    known = {choice.casefold(): choice for choice in choices if isinstance(choice, str)}
    folded = word.casefold()
    other = OTHER_NAMES.get(folded)
    if other is not None and other in known.values():
        return other
    if folded in known:
        return known[folded] if known[folded] != word else None
    close = difflib.get_close_matches(folded, list(known), n=1, cutoff=0.6)
    return known[close[0]] if close else None


def hint(word: object, choices: Iterable[str]) -> str:
    """` (did you mean 'events'?)` to put after a refused word, or ''."""
    meant = did_you_mean(word, choices)
    return f" (did you mean {meant!r}?)" if meant is not None else ""
