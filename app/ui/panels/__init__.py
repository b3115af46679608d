"""The analysis panels. Each module registers its panel with `app.ui.registry`.

To add a panel, create its module here and append the module name to UI_MODULES.
"""

import importlib

UI_MODULES: list[str] = [
    "app.ui.panels.segmentation",
    "app.ui.panels.live_view",
    "app.ui.panels.funnels",
    "app.ui.panels.retention",
    "app.ui.panels.users",
    "app.ui.panels.profile",
    "app.ui.panels.reports",
    "app.ui.panels.destinations",
    "app.ui.panels.messages",
    "app.ui.cohorts",
]


def load_ui_modules() -> None:
    """Import every module that registers panels or extensions (the main window does, first)."""
    for name in UI_MODULES:
        importlib.import_module(name)
