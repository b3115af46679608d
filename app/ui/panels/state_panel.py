"""A panel that is the view of one query state: a controls column beside its results.

Funnels and Retention share this shape: the controls are bound to a Qt-free state object
(app.query.panel_state), a breakdown combo filled from the discovered properties, and a first
query suggested from the discovered events until the person picks their own.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QWidget

from app.query.panel_state import QueryState
from app.ui.context import AppContext
from app.ui.panel import Panel
from app.ui.widgets.bind import Binder
from app.ui.widgets.breakdown_combo import BreakdownCombo

S = TypeVar("S", bound=QueryState)


class StateQueryPanel(Panel, Generic[S]):
    """Subclasses build `_build_controls()` (with a `breakdown_combo`) and `_build_results()`,
    and say whether the state names a query (`_has_query`) and how to suggest one
    (`_apply_default`)."""

    breakdown_combo: BreakdownCombo

    def __init__(self, context: AppContext, state: S, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        #: The query this panel shows; the controls are bound to it (query() is its JSON).
        self.state: S = state
        self.binder = Binder(self.state, self._edited)
        self._defaults_applied = False
        splitter = QSplitter(Qt.Orientation.Horizontal, self.body)
        self.body_layout.addWidget(splitter)
        splitter.addWidget(self._build_controls())
        splitter.addWidget(self._build_results())
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([340, 900])
        context.discovery.properties_changed.connect(self._on_properties_discovered)
        context.discovery.events_changed.connect(self._on_events_discovered)
        self._on_properties_discovered()
        self.binder.show_all()

    def _build_controls(self) -> QWidget:
        raise NotImplementedError

    def _build_results(self) -> QWidget:
        raise NotImplementedError

    def _has_query(self) -> bool:
        """True once the state names what to ask (steps, a start event)."""
        raise NotImplementedError

    def _apply_default(self, events: list[tuple[str, int]]) -> bool:
        """Put a first query into the state from the discovered events; False if none fits."""
        raise NotImplementedError

    def _edited(self, *_args: Any) -> None:
        self.schedule_refresh()

    def _on_events_discovered(self) -> None:
        if self._has_query() or self.context.connection is None:
            return
        if not self._defaults_applied and self._apply_default(self.context.discovery.events()):
            self._defaults_applied = True
            self.schedule_refresh(0)
        elif self.context.discovery.loaded_events:
            self.refresh()  # nothing to ask and nothing to suggest: say so (and count as answered)

    def _on_properties_discovered(self) -> None:
        with self.binder.show():
            self.breakdown_combo.fill(self.context.discovery.properties(), self.state.as_dict().get("breakdown"))
