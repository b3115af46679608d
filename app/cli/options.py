"""Option values that say what they want when given something else.

click's IntRange/FloatRange answer `--events ten` with "'ten' is not a valid integer range." and
`--duration 7d` with "'7d' is not a valid float range.": a range is not what anyone types, and
the message does not say what to type instead. Dates typed as `2026-13-01` were refused without
saying which part was wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import click

#: Looks like a date someone meant to type in ISO form (digits, dashes, a time after it).
_DATE_SHAPED = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([T ].*)?$")
#: What the date and date-time options take, as shown in their refusals.
DATE_EXAMPLES = "a date (2026-11-01) or a date-time (2026-11-01T12:00:00Z)"


class _SaysWhatItWants(click.ParamType):
    """The shared part of Whole and Number: a value `parse` cannot read is refused naming what is
    wanted (`what`, e.g. 'a port number') and an example; the range class does the rest."""

    #: reads the typed text (int or float), raising ValueError for what is not a number
    parse: Callable[[str], object]

    def __init__(self, *args: Any, what: str, example: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.what = what
        self.example = example

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str):
            try:
                type(self).parse(value)
            except ValueError:
                self.fail(f"{value!r} is not {self.what} (e.g. {self.example})", param, ctx)
        return super().convert(value, param, ctx)


class Whole(_SaysWhatItWants, click.IntRange):
    """An IntRange whose refusal of a non-number names what is wanted (`what`, e.g. 'a port number')."""

    name = "integer"
    parse = int

    def __init__(self, min: int | None = None, max: int | None = None, *,
                 what: str = "a whole number", example: str = "10") -> None:
        super().__init__(min=min, max=max, what=what, example=example)


class Number(_SaysWhatItWants, click.FloatRange):
    """A FloatRange whose refusal of a non-number names what is wanted (e.g. 'a number of seconds')."""

    name = "number"
    parse = float

    def __init__(self, min: float | None = None, max: float | None = None, *,
                 min_open: bool = False, what: str = "a number", example: str = "10") -> None:
        super().__init__(min=min, max=max, min_open=min_open, what=what, example=example)


def iso_moment(text: str, option: str) -> dt.date | dt.datetime:
    """A date (YYYY-MM-DD) or a date-time in ISO-8601, else BadParameter (usage: status 2) that
    says what to type and, for a date-shaped typo, what is wrong with it ('month must be in 1..12')."""
    value = text.strip()
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        return dt.datetime.fromisoformat(value)
    except ValueError as exc:
        why = f": {exc}" if _DATE_SHAPED.match(value) and "isoformat" not in str(exc) else ""
        raise click.BadParameter(f"{text!r} is not {DATE_EXAMPLES}{why}", param_hint=option) from None
