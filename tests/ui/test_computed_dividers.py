"""The dividers whose default is computed for the panel's size (the User explorer's filters
column: 430 px, or what the persons leave on a smaller screen; the Messages' campaign list:
as wide as its buttons where the form keeps its room) follow the window as it is resized, until
the user drags them: then they stay where the user left them at every size. Only the first
size (test_user_explorer_column.py, test_laptop_screen.py) and a restart (test_profile_divider.py,
test_panel_dividers.py) were checked."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QSplitter
from sqlalchemy import Engine

from tests.ui.test_profile_divider import drag_divider

SIZES = ((1366, 768), (1760, 900), (1366, 768), (1760, 900))


def _resize(window: Any, size: tuple[int, int], qtbot: Any) -> None:
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size, timeout=5_000)
    qtbot.wait(100)  # the divider re-applied after the splitter's resize


def _default(panel: Any, split: QSplitter) -> int:
    """The first pane's computed default for the splitter's width now."""
    total = sum(split.sizes())
    if panel.panel_id == "users":
        return int(panel.default_filters_width(total))
    return int(panel.list_buttons.sizeHint().width())  # where the form keeps its room


@pytest.mark.parametrize("panel_id", ["users", "messages"])
def test_a_computed_divider_follows_the_window_until_the_user_drags_it(
        make_window: Any, shop_db: tuple[str, Engine], qtbot: Any, panel_id: str) -> None:
    window = make_window(shop_db[0])
    panel = window.show_panel(panel_id)
    split = panel.findChild(QSplitter)
    qtbot.waitUntil(lambda: panel.isVisible() and split.width() > 0)
    qtbot.wait(100)
    wide = split.sizes()[0]
    assert wide == _default(panel, split), split.sizes()
    assert panel_id != "users" or wide == 430
    for size in SIZES:
        _resize(window, size, qtbot)
        if panel_id == "users":  # 430 on the big screen, what the persons leave on the laptop's
            assert split.sizes()[0] == _default(panel, split), (size, split.sizes())
        elif size == (1760, 900):  # its buttons on one row again (or a wider share of the width)
            assert split.sizes()[0] >= _default(panel, split), (size, split.sizes())

    drag_divider(split, -40, qtbot)  # the first pane narrower than its default
    moved = split.sizes()[0]
    assert moved <= wide - 30, (wide, moved)
    after = []
    for size in SIZES:
        _resize(window, size, qtbot)
        after.append(split.sizes()[0])
    assert after == [moved] * len(SIZES), (wide, moved, after)
    assert panel.layout_state() == {"filters_width" if panel_id == "users" else "list_width": moved}
