"""The Live View's table model: newest events on top, a bounded buffer, no resets.

New rows are inserted at the top with beginInsertRows and the oldest trimmed at the bottom
with beginRemoveRows, never with a model reset, so the view neither flickers nor loses the
user's selection (persistent indexes move with their rows). The Person column names people as
View > Show people by says (app.ui.people), from the label traits each poll's answer carries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDateTime, QModelIndex, QPersistentModelIndex, Qt

from app.query.isotime import iso_utc
from app.ui.people import display_name
from app.ui.plain import plain_tip

#: (header, key in the engine's live rows)
COLUMNS: list[tuple[str, str]] = [
    ("Time", "ts"),
    ("Event", "event"),
    ("Person", "person"),
    ("City", "$city"),
    ("Country", "$country_code"),
    ("Browser", "$browser"),
    ("OS", "$os"),
    ("Referrer", "$referring_domain"),
]
DEFAULT_CAPACITY = 5000
PERSON_COLUMN = next(i for i, (_header, key) in enumerate(COLUMNS) if key == "person")

Index = QModelIndex | QPersistentModelIndex


def local_time(ms: Any) -> str:
    """Epoch ms as the machine's local time (date shown only when not today)."""
    try:
        moment = QDateTime.fromMSecsSinceEpoch(int(ms))
    except (TypeError, ValueError, OverflowError):
        return ""
    if not moment.isValid():  # beyond Qt's calendar: the engine's UTC text (+292278994-...Z)
        return iso_utc(int(ms)) or ""
    today = QDateTime.currentDateTime().date()
    if moment.date() == today:
        return moment.toString("HH:mm:ss")
    if moment.date().year() == today.year():
        return moment.toString("MMM d HH:mm:ss")
    return moment.toString("yyyy-MM-dd HH:mm")


class LiveEventsModel(QAbstractTableModel):
    """Rows are the engine's live event dicts, newest first, at most `capacity` of them."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, parent: Any = None) -> None:
        super().__init__(parent)
        self.capacity = capacity
        self._rows: list[dict[str, Any]] = []
        #: person id -> label traits, as the latest poll that returned the person found them
        self._people: dict[str, dict[str, Any]] = {}

    #: how the Person column names a person: "name", "email" or "id" (app.ui.people)
    display_mode = "name"

    # ----------------------------------------------------------------- Qt API
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][0]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        key = COLUMNS[index.column()][1]
        if role == Qt.ItemDataRole.DisplayRole:
            value = row.get(key)
            if key == "ts":
                return local_time(value)
            if key == "event" and value is None:
                return f"({row.get('type', 'event')})"  # identify / group / alias
            if key == "person" and value is not None:
                return display_name(str(value), self._people.get(str(value)), self.display_mode)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.ToolTipRole and key == "ts":
            return f"{row.get('time')} (UTC)"
        if role == Qt.ItemDataRole.ToolTipRole and key == "person" and row.get("person") is not None:
            return plain_tip(f"id: {row['person']}")
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None

    # ----------------------------------------------------------------- people
    def set_display_mode(self, mode: str) -> None:
        """Name persons by `mode` (View > Show people by); the rows shown relabel at once."""
        self.display_mode = mode
        self._relabel()

    def set_person_traits(self, traits: Mapping[str, Mapping[str, Any]]) -> None:
        """Label traits a poll found (newer than what the rows shown were labelled with)."""
        if not traits:
            return
        changed = any(self._people.get(p) != dict(t) for p, t in traits.items())
        self._people.update({p: dict(t) for p, t in traits.items()})
        if len(self._people) > 2 * self.capacity:
            shown = {str(r.get("person")) for r in self._rows}
            self._people = {p: t for p, t in self._people.items() if p in shown or p in traits}
        if changed:
            self._relabel()

    def person_traits(self, person: str) -> dict[str, Any] | None:
        found = self._people.get(person)
        return dict(found) if found is not None else None

    def _relabel(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, PERSON_COLUMN), self.index(len(self._rows) - 1, PERSON_COLUMN))

    # ----------------------------------------------------------------- buffer
    def prepend(self, rows: Sequence[dict[str, Any]]) -> int:
        """Add rows given newest first above the current ones; returns how many were added."""
        fresh = list(rows[: self.capacity])
        if not fresh:
            return 0
        self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
        self._rows[0:0] = fresh
        self.endInsertRows()
        if len(self._rows) > self.capacity:
            self.beginRemoveRows(QModelIndex(), self.capacity, len(self._rows) - 1)
            del self._rows[self.capacity :]
            self.endRemoveRows()
        return len(fresh)

    def clear(self) -> None:
        if not self._rows:
            return
        self.beginRemoveRows(QModelIndex(), 0, len(self._rows) - 1)
        self._rows.clear()
        self.endRemoveRows()

    def row(self, index: int) -> dict[str, Any]:
        return self._rows[index]

    def rows(self) -> list[dict[str, Any]]:
        return list(self._rows)

    def ids(self) -> list[int]:
        return [int(r["id"]) for r in self._rows if r.get("id") is not None]
