"""Icons drawn from the SVGs shipped in app/resources (never emoji: a system without an emoji
font shows them as empty boxes)."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

from app.resources import resource_path


@cache
def icon(name: str) -> QIcon:
    """The packaged SVG `name` (e.g. "trait.svg") as an icon; an empty icon if it cannot load."""
    try:
        return QIcon(str(resource_path(name)))
    except (FileNotFoundError, ValueError):
        return QIcon()


def field_icon(source: str) -> QIcon:
    """The icon beside a field in the pickers: person traits get one, event properties none."""
    return icon("trait.svg") if source == "trait" else QIcon()
