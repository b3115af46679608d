"""View > Appearance: light, dark, or the system's scheme; charts follow (issue 16)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from app.ui import theme
from tests.ui.conftest import wait_panels


def _lightness(colour: Any) -> int:
    return int(colour.lightness())


def test_dark_appearance_darkens_widgets_and_charts_and_is_remembered(make_window: Any, filled_db: Any,
                                                                      qtbot: Any) -> None:
    url, _engine = filled_db
    window = make_window(url)
    wait_panels(qtbot, window)
    seg = window.panels["segmentation"]
    try:
        window.findChild(type(window.appearance_group.actions()[0]), "appearance_dark").trigger()
        assert window.settings.value("appearance") == "dark"

        def darkened() -> None:
            palette = QApplication.instance().palette()  # type: ignore[union-attr]
            assert _lightness(palette.color(QPalette.ColorRole.Window)) < 80
            assert _lightness(palette.color(QPalette.ColorRole.Text)) > 180
            plot = seg.chart.time_plot
            assert _lightness(plot.backgroundBrush().color()) < 80
            for panel_id in ("segmentation", "live"):
                image = window.panels[panel_id].grab().toImage()
                # most of the panel is dark now (backgrounds, tables, the chart)
                dark = sum(1 for x in range(0, image.width(), 10) for y in range(0, image.height(), 10)
                           if image.pixelColor(x, y).lightness() < 100)
                total = len(range(0, image.width(), 10)) * len(range(0, image.height(), 10))
                assert dark > total * 0.6, (panel_id, dark, total)
            assert _lightness(window.panels["live"].spark.backgroundBrush().color()) < 80

        # The palette reaches every widget through queued change events: waited for, not a fixed
        # 200 ms (short on a loaded machine); a panel that stays light fails here with its count.
        qtbot.waitUntil(darkened, timeout=5_000)
    finally:
        window.set_appearance("light")
    assert _lightness(seg.chart.time_plot.backgroundBrush().color()) > 200
    assert not theme.is_dark()


def test_dark_appearance_keeps_heat_map_text_and_list_check_boxes_readable(make_window: Any, shop_db: Any,
                                                                           qtbot: Any) -> None:
    """Light theme text on the near-white cells of low retention rates was unreadable in dark mode,
    and the unchecked boxes of the Segmentation event list vanished into the dark base."""
    url, _engine = shop_db
    window = make_window(url)
    wait_panels(qtbot, window)
    try:
        window.set_appearance("dark")
        assert "indicator:unchecked" in QApplication.instance().styleSheet()  # type: ignore[union-attr]
        retention = window.panels["retention"]
        retention.refresh()
        qtbot.waitUntil(lambda: not retention.busy and retention.table.rowCount() > 1, timeout=20_000)
        table = retention.table
        coloured = 0
        for r in range(table.rowCount()):
            for c in range(2, table.columnCount()):
                item = table.item(r, c)
                if item is None or item.background().style() == Qt.BrushStyle.NoBrush:
                    continue
                coloured += 1
                # Without a foreground of its own the cell is drawn in the palette's text colour.
                fg = item.foreground()
                text = fg.color() if fg.style() != Qt.BrushStyle.NoBrush else table.palette().color(QPalette.ColorRole.Text)
                contrast = abs(item.background().color().lightness() - text.lightness())
                assert contrast > 100, (r, c, item.text())
        assert coloured > 0
    finally:
        window.set_appearance("light")
    assert QApplication.instance().styleSheet() == ""  # type: ignore[union-attr]
