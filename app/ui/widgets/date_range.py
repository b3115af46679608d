"""Date range presets (today … this month, custom) and the time zone, as query JSON."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimeZone, Signal
from PySide6.QtWidgets import QComboBox, QCompleter, QDateEdit, QLabel, QWidget

from app.ui.widgets.wrap_row import WrapRow

#: preset id -> (label, relative range or None for fixed dates)
PRESETS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("today", "Today", {"last": 1, "unit": "day"}),
    ("yesterday", "Yesterday", None),
    ("7d", "Last 7 days", {"last": 7, "unit": "day"}),
    ("30d", "Last 30 days", {"last": 30, "unit": "day"}),
    ("90d", "Last 90 days", {"last": 90, "unit": "day"}),
    ("month", "This month", {"last": 1, "unit": "month"}),
    ("custom", "Custom…", None),
]
#: The zone box's least width, in characters: most zones' names ('America/New_York') are whole.
ZONE_CHARS = 16


def local_zone_name() -> str:
    """The machine's IANA zone as Qt reports it (UTC when unknown)."""
    name = bytes(QTimeZone.systemTimeZoneId().data()).decode() if QTimeZone.systemTimeZoneId() else ""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def today_in(zone: str) -> dt.date:
    return dt.datetime.now(zoneinfo.ZoneInfo(zone)).date()


class DateRangePicker(QWidget):
    """`range_spec()` / `set_range_spec()` speak the engine's `range`; `timezone()` its zone."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Wraps (the zone under the dates) where a custom range's two dates and the zone do not
        # fit one row: at 1366 x 768 they made Segmentation, Funnels and Retention scroll sideways
        # 132, 141 and 215 px.
        layout = WrapRow(self)
        layout.setSpacing(4)
        self.preset = QComboBox(self)
        self.preset.setObjectName("rangePreset")
        for key, label, _spec in PRESETS:
            self.preset.addItem(label, key)
        self.start = QDateEdit(self)
        self.end = QDateEdit(self)
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.zone = QComboBox(self)
        self.zone.setObjectName("timezone")
        self.zone.setEditable(True)
        self.zone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        # As wide as the panel gives it (stretch), but not asking for its longest zone's width
        # ('America/Argentina/ComodRivadavia', 247 px) beside the results' other controls.
        self.zone.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.zone.setMinimumContentsLength(ZONE_CHARS)
        zones = sorted(zoneinfo.available_timezones())
        self.zone.addItems(zones)
        completer = self.zone.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.zone.setCurrentText(local_zone_name())
        self._to_label = QLabel("–", self)
        layout.addWidget(self.preset)
        layout.addWidget(self.start, keep_with_next=True)
        layout.addWidget(self._to_label, keep_with_next=True)
        layout.addWidget(self.end)
        layout.addWidget(self.zone, 1)
        #: A saved relative range no preset offers (e.g. last 14 days), shown as its own item.
        self._relative: dict[str, Any] | None = None
        self.set_preset("30d")
        self.preset.currentIndexChanged.connect(self._on_preset)
        self.start.dateChanged.connect(self._on_custom_date)
        self.end.dateChanged.connect(self._on_custom_date)
        self.zone.currentIndexChanged.connect(lambda _i: self.changed.emit())

    def preset_key(self) -> str:
        return str(self.preset.currentData())

    def set_preset(self, key: str) -> None:
        index = self.preset.findData(key)
        self.preset.setCurrentIndex(max(0, index))
        self._sync_dates()

    def timezone(self) -> str:
        text = self.zone.currentText().strip()
        try:
            zoneinfo.ZoneInfo(text)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return local_zone_name()
        return text

    def set_timezone(self, name: str | None) -> None:
        self.zone.blockSignals(True)
        self.zone.setCurrentText(name or local_zone_name())
        self.zone.blockSignals(False)

    def describe(self) -> str:
        """The range as the user reads it ("last 7 days", "2026-11-01 – 2026-11-20")."""
        key = self.preset_key()
        if key == "custom":
            spec = self.range_spec()
            return f"{spec['from']} – {spec['to']}"
        text = self.preset.currentText()
        return text[:1].lower() + text[1:] if key != "yesterday" else "yesterday"

    def range_spec(self) -> dict[str, Any]:
        key = self.preset_key()
        if key == "relative" and self._relative is not None:
            return dict(self._relative)
        for preset_key, _label, spec in PRESETS:
            if preset_key == key and spec is not None:
                return dict(spec)
        if key == "yesterday":
            day = today_in(self.timezone()) - dt.timedelta(days=1)
            return {"from": day.isoformat(), "to": day.isoformat()}
        start = self.start.date().toString("yyyy-MM-dd")
        end = self.end.date().toString("yyyy-MM-dd")
        return {"from": min(start, end), "to": max(start, end)}

    def set_range_spec(self, spec: dict[str, Any] | None) -> None:
        """Show a saved range: a known relative preset, yesterday, or custom dates; then one
        `changed` (a panel bound to its state takes it, unless it is showing that state)."""
        self._apply_range_spec(spec)
        self.changed.emit()

    def _apply_range_spec(self, spec: dict[str, Any] | None) -> None:
        self.blockSignals(True)
        try:
            if not spec:
                self.set_preset("30d")
                return
            for key, _label, preset in PRESETS:
                if preset is not None and preset == {"last": spec.get("last"), "unit": spec.get("unit", "day")}:
                    self.set_preset(key)
                    return
            if "from" in spec and "to" in spec:
                yesterday = (today_in(self.timezone()) - dt.timedelta(days=1)).isoformat()
                if spec["from"] == spec["to"] == yesterday:
                    self.set_preset("yesterday")
                    return
                self.preset.blockSignals(True)
                self.preset.setCurrentIndex(self.preset.findData("custom"))
                self.preset.blockSignals(False)
                self.start.setDate(QDate.fromString(spec["from"], "yyyy-MM-dd"))
                self.end.setDate(QDate.fromString(spec["to"], "yyyy-MM-dd"))
                self._sync_dates()
                return
            if "last" in spec:
                # A relative range no preset offers (e.g. last 14 days) keeps its meaning: it
                # gets an item of its own, so the report still moves with today.
                self._show_relative(spec["last"], spec.get("unit", "day"))
                return
            self.set_preset("30d")
        finally:
            self.blockSignals(False)

    def _show_relative(self, last: Any, unit: Any) -> None:
        index = self.preset.findData("relative")
        if index >= 0:
            self.preset.removeItem(index)
        self._relative = {"last": last, "unit": unit}
        label = f"Last {last} {unit}" + ("" if last == 1 else "s")
        self.preset.blockSignals(True)
        self.preset.insertItem(self.preset.findData("custom"), label, "relative")
        self.preset.setCurrentIndex(self.preset.findData("relative"))
        self.preset.blockSignals(False)
        self._sync_dates()

    def _sync_dates(self) -> None:
        custom = self.preset_key() == "custom"
        self.start.setVisible(custom)
        self.end.setVisible(custom)
        self._to_label.setVisible(custom)
        if not custom:
            zone = self.timezone()
            end = today_in(zone)
            spec = self.range_spec()
            start = dt.date.fromisoformat(spec["from"]) if "from" in spec else end - dt.timedelta(days=29)
            if "last" in spec and spec.get("unit") in ("day", "week"):
                try:
                    days = int(spec["last"]) * (7 if spec["unit"] == "week" else 1)
                    start = end - dt.timedelta(days=days - 1)
                except (TypeError, ValueError, OverflowError):
                    # A count no date can show (1e308, NaN, "x", 10**12: the parser refuses
                    # it and the panel says so); the range is kept as it is, and these
                    # boxes are hidden with a relative range anyway.
                    start = end
            elif "last" in spec:
                start = end.replace(day=1)
            self.start.blockSignals(True)
            self.end.blockSignals(True)
            self.start.setDate(QDate(start.year, start.month, start.day))
            self.end.setDate(QDate(end.year, end.month, end.day) if "last" in spec else QDate(start.year, start.month, start.day))
            self.start.blockSignals(False)
            self.end.blockSignals(False)

    def _on_preset(self, _index: int) -> None:
        self._sync_dates()
        self.changed.emit()

    def _on_custom_date(self, _date: QDate) -> None:
        if self.preset_key() == "custom":
            self.changed.emit()
