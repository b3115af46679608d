"""The panels explain a query refused as too large (issue 18), in place, and format stored
times outside the calendar's range without failing."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.ui.panels.live_model import local_time as live_time
from app.ui.panels.users_model import local_time as person_time
from app.ui.widgets.state_bar import StateBar


def test_segmentation_too_many_hour_buckets_shows_the_message(make_window: Any, filled_db: Any, qtbot: Any,
                                                              monkeypatch: Any, caplog: Any) -> None:
    url, _engine = filled_db
    window = make_window(url)
    seg = window.panels["segmentation"]
    qtbot.waitUntil(lambda: seg.settled, timeout=20_000)
    popups: list[Any] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda *a: popups.append(a))
    seg.set_query({"kind": "segmentation", "unit": "hour", "timezone": "UTC",
                   "range": {"from": "2023-01-01", "to": "2025-12-31"}})
    assert seg.query()["unit"] == "hour"
    with caplog.at_level(logging.ERROR), qtbot.waitSignal(seg.query_finished, timeout=10_000) as blocker:
        seg.refresh()
    assert blocker.args == [False]
    assert seg.state_bar.state == StateBar.ERROR
    assert seg.last_error is not None
    assert seg.last_error.startswith("too large: the range has more than 10,000 hour buckets")
    assert seg.last_error in seg.state_bar.message and seg.state_bar.retry_button.isVisible()
    assert "Traceback" not in seg.state_bar.message and "\n" not in seg.state_bar.message
    assert popups == [] and QApplication.activeModalWidget() is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # not an "unexpected error"


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/New_York", "UTC"])
def test_out_of_range_times_are_shown_not_raised(monkeypatch: Any, zone: str) -> None:
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        for text in ("+012025-01-01T00:00:00.000Z", "-007973-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z",
                     "0001-01-01T00:00:00.000Z"):
            shown = person_time(text)
            assert shown and (shown == text or shown[:4].isdigit())
        assert person_time("2026-01-01T00:00:00.000Z").startswith("202")
        for ms in (317_305_209_600_000, -313_770_758_400_000, 253_402_300_800_000, 2**63 - 1, -(2**63)):
            assert live_time(ms)
    finally:
        monkeypatch.undo()
        time.tzset()
