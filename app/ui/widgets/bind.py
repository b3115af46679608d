"""Bind widgets to a panel's Qt-free state (app.query.panel_state), as glue's
`autoconnect_callbacks_to_qt` does: a widget edit writes its field and reports the edit; a
field that changes otherwise (a loaded query) is shown in its widget, whose signals then write
nothing back. One `showing` flag replaces the hand-kept `_building` guards of each panel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from PySide6.QtWidgets import QAbstractButton, QComboBox, QSpinBox

from app.query.panel_state import QueryState


def show_in_spin(spin: QSpinBox, value: Any) -> None:
    """Show `value` in `spin`, or the box's nearer bound if it is outside its range. Qt's box holds
    32-bit numbers: a larger one (`"periods": 1e308` or a window of 1e308 days in a hand-edited
    report) raised OverflowError in the event loop. The state keeps the value, so the query still
    names it. A value that is no number (NaN, a string) leaves the box as it is: the parser
    refuses it and the panel says so."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return
    spin.setValue(int(min(max(value, spin.minimum()), spin.maximum())))


class Binder:
    """`write(**fields)` / `edit(fn)` from widget signals; `watch(field, show)` for the way back."""

    def __init__(self, state: QueryState, on_edit: Callable[[], None]) -> None:
        self.state = state
        self.on_edit = on_edit
        self._showing = 0
        self._suspended = False
        self._watchers: list[tuple[tuple[str, ...], Callable[[], None]]] = []

    @property
    def showing(self) -> bool:
        """True while widgets are being set from the state (their signals are not edits)."""
        return self._showing > 0

    @contextmanager
    def show(self) -> Iterator[None]:
        self._showing += 1
        try:
            yield
        finally:
            self._showing -= 1

    # ----------------------------------------------------------------- widget -> state
    def write(self, **fields: Any) -> None:
        """A widget edited these fields (ignored while the state is being shown)."""
        if self.showing:
            return
        with self.writing():
            for name, value in fields.items():
                setattr(self.state, name, value)
        self.on_edit()

    def edit(self, change: Callable[[], None]) -> None:
        """A widget edit that goes through a state method (`set_measure`)."""
        if self.showing:
            return
        with self.writing():
            change()
        self.on_edit()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Widgets write the state: the widget that wrote shows the value already, so nothing is
        shown back (a filter row or exclusion row is not rebuilt under the user's hands)."""
        was, self._suspended = self._suspended, True
        try:
            with self.state.delay_callbacks():
                yield
        finally:
            self._suspended = was

    # ----------------------------------------------------------------- state -> widget
    def watch(self, names: str | Sequence[str], show: Callable[[], None]) -> None:
        """Call `show()` (reading the state) whenever one of these fields changes."""
        fields = (names,) if isinstance(names, str) else tuple(names)
        self._watchers.append((fields, show))
        def callback(_value: Any) -> None:
            self._run(show)

        for name in fields:
            self.state.add_callback(name, callback)

    def _run(self, show: Callable[[], None]) -> None:
        if self._suspended:
            return
        with self.show():
            show()

    def show_all(self) -> None:
        with self.show():
            for _fields, show in self._watchers:
                show()

    def load(self, spec: dict[str, Any]) -> None:
        """Load a query into the state and show all of it (once per widget)."""
        self._suspended = True
        try:
            self.state.load(spec)
        finally:
            self._suspended = False
        self.show_all()

    # ----------------------------------------------------------------- common widgets
    def combo(self, combo: QComboBox, name: str, choices: Sequence[tuple[str, str]] | None = None) -> None:
        """A combo whose item data are the field's values (filled from `choices`)."""
        if choices is not None:
            combo.clear()
            for key, label in choices:
                combo.addItem(label, key)
        combo.currentIndexChanged.connect(lambda _i: self.write(**{name: combo.currentData()}))
        self.watch(name, lambda: combo.setCurrentIndex(max(0, combo.findData(getattr(self.state, name)))))

    def check(self, button: QAbstractButton, name: str) -> None:
        button.toggled.connect(lambda checked: self.write(**{name: bool(checked)}))
        self.watch(name, lambda: button.setChecked(bool(getattr(self.state, name))))

    def spin(self, spin: QSpinBox, name: str) -> None:
        spin.valueChanged.connect(lambda value: self.write(**{name: int(value)}))
        self.watch(name, lambda: show_in_spin(spin, getattr(self.state, name)))

    def date_range(self, picker: Any, *, on_edit: Callable[[], None] | None = None) -> None:
        """A DateRangePicker bound to the `range` and `timezone` fields. A query without a zone
        (the machine's) stays without one until the user picks another zone."""
        from app.ui.widgets.date_range import local_zone_name

        def edited() -> None:
            if self.showing:
                return
            zone = picker.timezone()
            keep_none = self.state.timezone is None and zone == local_zone_name()  # type: ignore[attr-defined]
            self.write(range=picker.range_spec(), timezone=None if keep_none else zone)
            if on_edit is not None:
                on_edit()

        def show() -> None:
            picker.set_timezone(self.state.timezone)  # type: ignore[attr-defined]
            picker.set_range_spec(self.state.range)  # type: ignore[attr-defined]

        picker.changed.connect(edited)
        self.watch(("range", "timezone"), show)
