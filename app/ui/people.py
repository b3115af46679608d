"""How a person is named in lists: their `name` trait, else their e-mail, else their id (the
id stays one hover away). View > Show people by changes the order; the choice is remembered."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: choices of the "people/display" setting, and the traits each tries first
DISPLAY_MODES: dict[str, tuple[str, ...]] = {"name": ("name", "email"), "email": ("email", "name"), "id": ()}


def display_name(person_id: str, traits: Mapping[str, Any] | None, mode: str = "name") -> str:
    """The label of a person in lists; the id where no wanted trait is a non-empty text."""
    for key in DISPLAY_MODES.get(mode, DISPLAY_MODES["name"]):
        value = (traits or {}).get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return person_id
