"""Text cells of the CSV files Tracklens writes, made safe to open in a spreadsheet.

A CSV cell that starts with '=', '+', '-' or '@' is a formula to Excel, LibreOffice and Google
Sheets, and a tab or carriage return lets one hide behind a blank cell. Event names, breakdown
values, ids and traits come from anyone holding the public write key, so an exported
`=HYPERLINK("https://…", "Click")` trait would run when an analyst opened the file (CSV
injection). Such text cells get a leading apostrophe, which spreadsheets show as text
(OWASP's advice); numbers are never changed, so a negative number stays a number.
"""

from __future__ import annotations

from typing import Any

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """`value` as it may stand in a CSV cell: text that a spreadsheet would evaluate is
    prefixed with an apostrophe; anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
