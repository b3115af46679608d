"""The User explorer's table model: a sparse page cache over the engine's keyset-paged users query.

`rowCount()` is the query's total, so the scroll bar spans every matching person from the
first answer; rows are fetched a page at a time only when the view paints them, and at most
`CACHE_PAGES` pages stay in memory (least recently shown dropped first), so a million persons
scroll with flat memory. The engine pages with opaque keyset cursors (never OFFSET); the model
remembers the cursor that starts each page it has passed. The cursor of a page far from
any known one is found by the database in one statement: the engine's own page statement
for this query, resumed at the nearest known cursor, with OFFSET to the row just before the
page (`cursor_at`); its sort key becomes the cursor. So a jump to row 500,000 costs one
index scan in the database, not 500,000 rows through Python, and the cursor is kept for
scrolling back.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict
from itertools import takewhile
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor

from app.ui.people import display_name
from app.ui.plain import plain_tip
from app.ui.workers import QueryChannel

#: Rows per page shown (one query each).
PAGE_SIZE = 200
#: Pages kept in memory.
CACHE_PAGES = 24
#: Pages the view asked for most recently; older requests are forgotten (scrolled past).
WANTED_PAGES = 4

FIXED_COLUMNS = [("id", "Person"), ("first_seen", "First seen"), ("last_seen", "Last seen"), ("events", "Events")]
_FIXED_LABELS = dict(FIXED_COLUMNS)
#: Trait columns shown right after the person, before the fixed columns: at 1366 x 768 the
#: e-mail as fifth column was never whole on screen, and it is how people are told apart (the
#: people lists of Mixpanel and PostHog put it first too). Other traits follow the fixed columns.
LEADING_TRAITS = ("email",)
#: How a trait's column key starts ('trait:email'); built and read only by trait_key/key_trait.
_TRAIT_PREFIX = "trait:"
ModelIndex = QModelIndex | QPersistentModelIndex


def local_time(iso: str | None) -> str:
    """An engine UTC timestamp in the machine's local time, to the minute.

    Times outside datetime's years 1-9999 (the engine prints them in ISO 8601's expanded form,
    `+012025-...`), or whose local time would be (9999-12-31 23:59 UTC east of Greenwich),
    are shown as the engine's UTC text rather than failing the panel.
    """
    if not iso:
        return ""
    try:
        moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    except (ValueError, OverflowError):
        return iso
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} {moment.hour:02d}:{moment.minute:02d}"


def trait_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return json.dumps(value, ensure_ascii=False)


def trait_key(name: str) -> str:
    """The column key of trait `name` ('trait:email'): the model's columns and the panel's
    sort indicator spell it through here only, so they cannot disagree."""
    return _TRAIT_PREFIX + name


def key_trait(key: str) -> str | None:
    """The trait a column key shows ('trait:age' -> 'age'); None for a fixed column ('id')."""
    return key[len(_TRAIT_PREFIX):] if key.startswith(_TRAIT_PREFIX) else None


def sort_key_for(column: str) -> Any:
    """The users query's sort `by` for a column key ('id', 'events', 'trait:age' ...)."""
    trait = key_trait(column)
    return column if trait is None else {"trait": trait}


def cursor_at(engine: Any, spec: dict[str, Any], after: str | None, skip: int, token: Any) -> str | None:
    """The keyset cursor after `skip` more rows of a users query (resumed at `after`).

    No Qt, no analytics: the engine's own page statement for the query (its filters, sort and
    cursor condition), asked for the one row at OFFSET `skip - 1`, whose sort key the engine
    encodes as a cursor. None when the query has no such row.
    """
    from sqlalchemy.exc import DBAPIError

    from app.core.database import DatabaseError, describe_error
    from app.query.runner import SPEC_PREPARERS, QueryCancelled, build_runner
    from app.query.runners.users import UsersRunner, cursor_values, encode_cursor, page_statement

    prepared: Any = {**spec, "kind": "users", "count": False, "limit": 1, **({"after": after} if after else {})}
    for prepare in SPEC_PREPARERS:
        prepared = prepare(engine, prepared)
    runner = build_runner(prepared, engine.dialect, cancel=token)
    assert isinstance(runner, UsersRunner)
    statement = page_statement(runner.query, engine.dialect, runner.now).limit(1).offset(skip - 1)
    if token.cancelled:
        raise QueryCancelled("the query was cancelled")
    try:
        with engine.connect() as conn:
            row = conn.execute(statement).mappings().first()
    except DBAPIError as exc:
        raise DatabaseError(describe_error(exc)) from exc
    if token.cancelled:
        raise QueryCancelled("the query was cancelled")
    return None if row is None else encode_cursor(cursor_values(runner.query, row))


class UsersPageModel(QAbstractTableModel):
    """Rows of a users query, fetched by page as the view needs them.

    `reset(spec, first_page)` shows a new answer (the panel runs page 0 itself, so its
    busy/error states apply); later pages go through `channel`. Counters `pages_loaded`
    (pages fetched into the model) and `rows_walked` (rows the database skipped to find a
    far page's cursor), counted since the last `reset`, tell tests and benchmarks how much
    was actually done.
    """

    #: A page fetch failed (one-line message).
    failed = Signal(str)
    #: A page arrived (its index).
    page_loaded = Signal(int)
    #: The header asked for another sort: (column key, descending).
    sort_requested = Signal(str, bool)

    #: how column 0 names a person: "name" (name, e-mail, id), "email" or "id" (app.ui.people)
    display_mode = "name"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._spec: dict[str, Any] | None = None
        self._traits: list[str] = []
        #: column_keys(), kept: data() asks for every cell painted.
        self._keys: list[str] = self._column_order()
        self._total = 0
        self._pages: OrderedDict[int, list[dict[str, Any]]] = OrderedDict()
        self._cursors: dict[int, str | None] = {0: None}
        self._end_page: int | None = None
        self._wanted: OrderedDict[int, None] = OrderedDict()
        self._inflight: int | None = None
        self._generation = 0
        self._engine: Any = None
        self._channel: QueryChannel | None = None
        self.pages_loaded = 0
        self.rows_walked = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(15)
        self._timer.timeout.connect(self._fetch_next)

    # ----------------------------------------------------------------- setup
    def set_channel(self, channel: QueryChannel) -> None:
        self._channel = channel
        channel.result.connect(self._on_page)
        channel.failed.connect(lambda info: self._on_failed(info.message))
        channel.cancelled.connect(self._on_cancelled)

    def set_engine(self, engine: Any) -> None:
        self._engine = engine

    def set_trait_columns(self, traits: list[str]) -> None:
        """Which traits get a column; pages already shown keep every trait, so no refetch."""
        self.beginResetModel()
        self._traits = list(traits)
        self._keys = self._column_order()
        self.endResetModel()

    def set_display_mode(self, mode: str) -> None:
        """Name persons by `mode` (View > Show people by); the rows shown relabel at once."""
        self.display_mode = mode
        if self.rowCount() > 0:
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, 0))

    def trait_columns(self) -> list[str]:
        return list(self._traits)

    def column_keys(self) -> list[str]:
        """The columns left to right: the person, a LEADING_TRAITS trait shown, the fixed
        columns, the other traits in the order chosen."""
        return list(self._keys)

    def leading_traits(self) -> list[str]:
        """The LEADING_TRAITS shown right after the person (columns 1, 2, ...), which the view
        keeps whole beside it: asked here, so the view never names them itself. Read off the
        column keys, so it cannot disagree with the columns shown."""
        leading = takewhile(lambda trait: trait in LEADING_TRAITS, map(key_trait, self._keys[1:]))
        return [trait for trait in leading if trait is not None]

    def _column_order(self) -> list[str]:
        leading = [t for t in LEADING_TRAITS if t in self._traits]
        rest = [t for t in self._traits if t not in leading]
        first, *fixed = (key for key, _label in FIXED_COLUMNS)
        return [first, *map(trait_key, leading), *fixed, *map(trait_key, rest)]

    def reset(self, spec: dict[str, Any] | None, first_page: dict[str, Any] | None) -> None:
        """Show a new answer: `spec` without paging keys, `first_page` its page 0 (with total)."""
        self.beginResetModel()
        self._generation += 1
        if self._channel is not None:
            self._channel.cancel(quiet=True)
        self._spec = None if spec is None else {k: v for k, v in spec.items() if k not in ("after", "limit", "count")}
        self._pages = OrderedDict()
        self._cursors = {0: None}
        self._wanted = OrderedDict()
        self._inflight = None
        self._end_page = None
        self._total = 0
        self.pages_loaded = 0
        self.rows_walked = 0
        if first_page is not None:
            self._total = int(first_page.get("total") or 0)
            self._store(0, list(first_page.get("users") or []), first_page.get("next"))
        self.endResetModel()

    @property
    def total(self) -> int:
        return self._total

    def cached_pages(self) -> list[int]:
        return list(self._pages)

    def person_at(self, row: int) -> dict[str, Any] | None:
        index = row // PAGE_SIZE
        page = self._pages.get(index)
        if page is None:
            return None
        self._pages.move_to_end(index)
        offset = row % PAGE_SIZE
        return page[offset] if offset < len(page) else None

    def is_loaded(self, row: int) -> bool:
        return self.person_at(row) is not None

    # ----------------------------------------------------------------- Qt model
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._keys)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not 0 <= section < len(self._keys):
            return None
        key = self._keys[section]
        trait = key_trait(key)
        return _FIXED_LABELS[key] if trait is None else trait

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if not 0 <= column < len(self._keys):
            return None
        key = self._keys[column]
        person = self.person_at(row)
        if person is None:
            if role == Qt.ItemDataRole.DisplayRole:
                self._want(row // PAGE_SIZE)
                return "…" if key == "id" else ""
            if role == Qt.ItemDataRole.ForegroundRole:
                return QColor("#999")
            return None
        if role == Qt.ItemDataRole.UserRole:
            return person
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "events":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if key == "id":
            ident = str(person.get("id"))
            if role == Qt.ItemDataRole.ToolTipRole:
                return plain_tip(f"id: {ident}")
            return display_name(ident, person.get("traits"), self.display_mode)
        if key in ("first_seen", "last_seen"):
            return local_time(person.get(key))
        if key == "events":
            return f"{int(person.get('events') or 0):,}"
        text = trait_text((person.get("traits") or {}).get(key_trait(key) or ""))
        return plain_tip(text) if role == Qt.ItemDataRole.ToolTipRole else text

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        keys = self.column_keys()
        if 0 <= column < len(keys):
            self.sort_requested.emit(keys[column], order == Qt.SortOrder.DescendingOrder)

    # ----------------------------------------------------------------- paging
    def _want(self, page: int) -> None:
        if page in self._pages or (self._end_page is not None and page > self._end_page):
            return
        self._wanted.pop(page, None)
        self._wanted[page] = None
        while len(self._wanted) > WANTED_PAGES:
            self._wanted.popitem(last=False)
        if not self._timer.isActive():
            self._timer.start()

    def _fetch_next(self) -> None:
        """Fetch the page most recently asked for (the one on screen now)."""
        if self._spec is None or self._channel is None or self._engine is None:
            return
        while self._wanted:
            page, _ = self._wanted.popitem(last=True)
            if page in self._pages:
                continue
            if page == self._inflight:
                return
            self._inflight = page
            self._channel.submit(self._job(page))
            return

    def _job(self, page: int) -> Any:
        engine = self._engine
        spec = dict(self._spec or {})
        cursors = self._cursors  # shared with the worker: it records the cursors it walks past
        generation = self._generation

        def job(token: Any) -> Any:
            from app.query import run_query

            known = max(p for p in list(cursors) if p <= page)
            after = cursors[known]
            walked = 0
            if known < page:
                walked = (page - known) * PAGE_SIZE
                after = cursor_at(engine, spec, after, walked, token)
                if after is None:
                    return generation, page, [], None, walked, True
                cursors[page] = after
            answer = run_query(engine, {**spec, "count": False, "limit": PAGE_SIZE,
                                        **({"after": after} if after else {})}, cancel=token)
            return generation, page, answer["users"], answer["next"], walked, False

        return job

    def _on_page(self, result: Any) -> None:
        generation, page, users, next_cursor, walked, past_end = result
        if generation != self._generation:
            return
        self._inflight = None
        self.rows_walked += int(walked)
        if past_end:
            self._end_page = page - 1
        else:
            self._store(page, list(users), next_cursor)
            first = page * PAGE_SIZE
            if first < self._total:
                last = min(self._total, first + PAGE_SIZE) - 1
                self.dataChanged.emit(self.index(first, 0), self.index(last, self.columnCount() - 1))
            self.page_loaded.emit(page)
        if self._wanted:
            self._timer.start()

    def _store(self, page: int, users: list[dict[str, Any]], next_cursor: str | None) -> None:
        self._pages[page] = users
        self._pages.move_to_end(page)
        self.pages_loaded += 1
        if next_cursor is not None:
            self._cursors[page + 1] = next_cursor
        else:
            self._end_page = page
        while len(self._pages) > CACHE_PAGES:
            self._pages.popitem(last=False)

    def _on_failed(self, message: str) -> None:
        self._inflight = None
        self.failed.emit(message)

    def _on_cancelled(self) -> None:
        self._inflight = None
