"""Which panels and window extensions exist; the main window builds itself from here.

A panel module registers its class with `@register_panel`; a module that adds menus or
hooks (saved reports, cohorts) registers a function with `@register_extension`, which is
called with the finished MainWindow. The modules are listed in `app.ui.panels.UI_MODULES`
and imported by `app.ui.panels.load_ui_modules()` (explicit imports keep frozen builds working,
where package scanning does not); this module imports none of them, so they can import it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.ui.panel import Panel

_PANELS: dict[str, type[Panel]] = {}
_EXTENSIONS: list[Callable[[Any], None]] = []


def register_panel(cls: type[Panel]) -> type[Panel]:
    """Class decorator: make the panel appear in every new main window."""
    if not cls.panel_id or not cls.title:
        raise ValueError(f"{cls.__name__} needs a panel_id and a title")
    existing = _PANELS.get(cls.panel_id)
    if existing is not None and existing.__qualname__ != cls.__qualname__:
        raise ValueError(f"panel id {cls.panel_id!r} is taken by {existing.__name__}")
    _PANELS[cls.panel_id] = cls
    return cls


def register_extension(fn: Callable[[Any], None]) -> Callable[[Any], None]:
    """Decorator: `fn(main_window)` runs once each main window has built its panels."""
    if fn not in _EXTENSIONS:
        _EXTENSIONS.append(fn)
    return fn


def panel_classes() -> list[type[Panel]]:
    """Registered panels in display order (`order`, then title); app.ui.panels.load_ui_modules()
    imports the modules that register them."""
    return sorted(_PANELS.values(), key=lambda cls: (cls.order, cls.title))


def extensions() -> list[Callable[[Any], None]]:
    return list(_EXTENSIONS)
