"""What the pickers offer, fetched once per connection with the engine's discovery queries.

Event names with volumes feed the events picker; property and trait keys with their types
feed the filter builder and the breakdown picker; a property's common values feed the
filter builder's completer. All of it is asked of the database off the GUI thread.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from app.core.schema import ENRICHED_COLUMNS
from app.query.errors import QueryError
from app.query.model import check_name
from app.ui.workers import QueryChannel

if TYPE_CHECKING:
    from app.ui.connection import Connection

#: Types the filter builder knows; anything else is edited as a string.
TYPES = ("string", "number", "boolean", "date")
#: The cached event list counts this range (the Segmentation default); the Segmentation
#: panel re-counts its picker for its own selected range and zone.
VOLUME_RANGE = {"last": 30, "unit": "day"}
#: String properties whose names say they hold dates get date operators too.
DATE_NAME = re.compile(r"(?:date|time|day|birthday|_at|At|_on)$")


@dataclass(frozen=True)
class PropertyInfo:
    """A filterable field: an event property, a person trait, or an enriched `$` field."""

    name: str
    source: str  # "property" | "trait"
    type: str = "string"

    @property
    def key(self) -> str:
        """Unique across sources, for combo boxes: 'property:plan', 'trait:age'."""
        return f"{self.source}:{self.name}"

    @property
    def label(self) -> str:
        """The name as the pickers show it; a trait says so in words (its icon is
        app.ui.icons.field_icon: pickers draw it from a shipped SVG, never an emoji)."""
        if self.source == "trait":
            return f"{self.name} (trait)"
        return self.name

    @property
    def enriched(self) -> bool:
        return self.source == "property" and self.name in ENRICHED_COLUMNS


ENRICHED_PROPERTIES = tuple(PropertyInfo(name, "property", "string") for name in ENRICHED_COLUMNS)


def _rows(result: Any, key: str) -> list[Any]:
    if isinstance(result, dict):
        rows = result.get(key)
        if isinstance(rows, list):
            return rows
    return []


def parse_events(result: Any) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for row in _rows(result, "events"):
        if isinstance(row, dict):
            out.append((str(row.get("event", row.get("name"))), int(row.get("count", 0) or 0)))
    return out


def parse_keys(result: Any, key: str, source: str) -> list[PropertyInfo]:
    """The names the pickers offer: those a query can name. Ingestion stores any key a message
    carries, but the query model refuses a name over 255 characters or with a double quote,
    backslash or control character (check_name): offered, such a trait (anyone with the
    write key can send one) became a default User explorer column and every query of the panel
    was refused ('columns[1] is longer than 255 characters'), so it listed nobody."""
    out: list[PropertyInfo] = []
    for row in _rows(result, key):
        if isinstance(row, dict):
            name = row.get("name", row.get("property", row.get("trait", row.get("key"))))
            kind = str(row.get("type", "string"))
            kind = kind if kind in TYPES else "string"
            if kind == "string" and name and DATE_NAME.search(str(name)):
                kind = "date"
            if name and _queryable(str(name)):
                out.append(PropertyInfo(str(name), source, kind))
    return out


def _queryable(name: str) -> bool:
    try:
        check_name(name, "name")
    except QueryError:
        return False
    return True


ValuesCallback = Callable[[list[Any]], None]


def parse_values(result: Any) -> list[Any]:
    out: list[Any] = []
    for row in _rows(result, "values"):
        out.append(row.get("value") if isinstance(row, dict) else row)
    return out


class DiscoveryCache(QObject):
    """Per-connection cache of event names, property keys and common values."""

    events_changed = Signal()
    properties_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._events: list[tuple[str, int]] = []
        self._event_props: list[PropertyInfo] = []
        self._traits: list[PropertyInfo] = []
        self._values: dict[str, list[Any]] = {}
        self._connection: Connection | None = None
        self._events_channel = QueryChannel(parent=self)
        self._props_channel = QueryChannel(parent=self)
        self._traits_channel = QueryChannel(parent=self)
        self._values_channel = QueryChannel(parent=self)
        self._events_channel.result.connect(self._on_events)
        self._props_channel.result.connect(self._on_props)
        self._traits_channel.result.connect(self._on_traits)
        self._values_channel.result.connect(self._on_values)
        self._values_channel.failed.connect(lambda _info: self._values_failed())
        self._values_channel.cancelled.connect(self._values_failed)
        #: Value lists asked for and not yet answered: key -> (field, the callbacks waiting for it),
        #: the most recently asked last. One is asked at a time (`_asking`), the newest first.
        self._waiting: dict[str, tuple[PropertyInfo, list[ValuesCallback]]] = {}
        self._asking: str | None = None
        self.loaded_events = False
        self.loaded_properties = False
        self._events_all_time = False  # the events asked for are of all time, not the last 30 days

    @property
    def channels(self) -> tuple[QueryChannel, ...]:
        """Its lines to the database, for the panels that show their retries (Panel.shows_discovery)."""
        return (self._events_channel, self._props_channel, self._traits_channel, self._values_channel)

    def set_connection(self, connection: Connection | None) -> None:
        self._connection = connection
        pool = connection.pool if connection is not None else None
        for channel in self.channels:
            channel.set_pool(pool)
        self._events = []
        self._event_props = []
        self._traits = []
        self._values = {}
        self._waiting = {}
        self._asking = None
        self.loaded_events = False
        self.loaded_properties = False
        self.events_changed.emit()
        self.properties_changed.emit()
        if connection is not None:
            self.refresh()

    def refresh(self) -> None:
        """Ask the database again (new events may have arrived)."""
        connection = self._connection
        if connection is None:
            return
        self._values = {}
        self._events_all_time = False
        self._events_channel.submit(connection.query_job(
            {"kind": "discovery", "what": "events", "limit": 1000, "range": dict(VOLUME_RANGE)}
        ))
        self._props_channel.submit(connection.query_job({"kind": "discovery", "what": "properties", "limit": 500}))
        self._traits_channel.submit(connection.query_job({"kind": "discovery", "what": "traits", "limit": 500}))

    # ----------------------------------------------------------------- answers
    def events(self) -> list[tuple[str, int]]:
        """(event name, occurrences) — most frequent first."""
        return list(self._events)

    def properties(self, *, traits: bool = True, event_properties: bool = True) -> list[PropertyInfo]:
        """Enriched `$` fields first, then event properties, then traits."""
        out: list[PropertyInfo] = []
        if event_properties:
            out.extend(ENRICHED_PROPERTIES)
            out.extend(p for p in self._event_props if not p.enriched)
        if traits:
            out.extend(self._traits)
        return out

    def find(self, source: str, name: str) -> PropertyInfo:
        for info in self.properties():
            if info.source == source and info.name == name:
                return info
        return PropertyInfo(name, source, "string")

    def values(self, info: PropertyInfo, callback: ValuesCallback) -> None:
        """Common values of a field; cached, else fetched and passed to `callback` later.

        Each asker (a filter row's bound method) gets the answer of its latest question only:
        a row that moved on to another field is no longer told the values of the one before.
        Questions of different askers are all answered, one after the other."""
        for key, (_field, callbacks) in list(self._waiting.items()):
            callbacks[:] = [c for c in callbacks if c != callback]
            if not callbacks and key != self._asking:
                del self._waiting[key]
        cached = self._values.get(info.key)
        if cached is not None:
            callback(cached)
            return
        if self._connection is None:
            return
        _field, callbacks = self._waiting.pop(info.key, (info, []))
        callbacks.append(callback)
        self._waiting[info.key] = (info, callbacks)
        if self._asking is None:
            self._ask_values()

    def _ask_values(self) -> None:
        """Ask for the newest value list someone still waits for."""
        self._asking = None
        connection = self._connection
        wanted = [key for key, (_field, callbacks) in self._waiting.items() if callbacks]
        if connection is None or not wanted:
            self._waiting = {}
            return
        info = self._waiting[wanted[-1]][0]
        self._asking = info.key
        spec: dict[str, Any] = {"kind": "discovery", "what": "values", "limit": 50, info.source: info.name}
        self._values_channel.submit(connection.query_job(spec))

    # ----------------------------------------------------------------- slots
    def _on_events(self, result: Any) -> None:
        found = parse_events(result)
        if not found and not self._events_all_time and self._connection is not None:
            # Nothing in the last 30 days (an export of last quarter, a database not written
            # to lately): list every event ever seen, not "the database has no events".
            self._events_all_time = True
            self._events_channel.submit(self._connection.query_job(
                {"kind": "discovery", "what": "events", "limit": 1000}
            ))
            return
        self._events = found
        self.loaded_events = True
        self.events_changed.emit()

    def _on_props(self, result: Any) -> None:
        self._event_props = parse_keys(result, "properties", "property")
        self.loaded_properties = True
        self.properties_changed.emit()

    def _on_values(self, result: Any) -> None:
        key, self._asking = self._asking, None
        if key is None:
            return
        values = parse_values(result)
        self._values[key] = values
        _field, callbacks = self._waiting.pop(key, (None, []))
        for callback in callbacks:
            with contextlib.suppress(RuntimeError):  # the asking widget was closed meanwhile
                callback(values)
        self._ask_values()

    def _values_failed(self) -> None:
        """No values for this field (they are suggestions only); go on with the next one."""
        if self._asking is not None:
            self._waiting.pop(self._asking, None)
            self._ask_values()

    def _on_traits(self, result: Any) -> None:
        self._traits = parse_keys(result, "traits", "trait")
        self.properties_changed.emit()
