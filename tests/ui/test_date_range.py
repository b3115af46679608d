"""The date-range picker shows any saved range without changing its meaning."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.ui.widgets.date_range import DateRangePicker


def test_a_relative_range_no_preset_offers_round_trips(qtbot: QtBot) -> None:
    picker = DateRangePicker()
    qtbot.addWidget(picker)
    picker.set_range_spec({"last": 14, "unit": "day"})
    assert picker.range_spec() == {"last": 14, "unit": "day"}
    assert picker.preset.currentText() == "Last 14 days"
    picker.set_range_spec({"last": 6, "unit": "week"})
    assert picker.range_spec() == {"last": 6, "unit": "week"}
    # Only one such item at a time, and the presets still work afterwards.
    assert [picker.preset.itemText(i) for i in range(picker.preset.count())].count("Last 6 weeks") == 1
    assert picker.preset.findData("relative") >= 0
    picker.set_range_spec({"last": 7, "unit": "day"})
    assert picker.preset_key() == "7d"
    assert picker.range_spec() == {"last": 7, "unit": "day"}


def test_fixed_dates_show_as_custom(qtbot: QtBot) -> None:
    picker = DateRangePicker()
    qtbot.addWidget(picker)
    picker.set_range_spec({"from": "2026-09-01", "to": "2026-09-30"})
    assert picker.preset_key() == "custom"
    assert picker.range_spec() == {"from": "2026-09-01", "to": "2026-09-30"}
