"""A panel that is the view of one query state: a controls column beside its results.

Funnels and Retention share this shape: the controls are bound to a Qt-free state object
(app.query.panel_state), a breakdown combo filled from the discovered properties, and a first
query suggested from the discovered events until the person picks their own.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QSplitter, QVBoxLayout, QWidget

from app.query.panel_state import QueryState
from app.ui.cohorts import add_cohort_rows
from app.ui.context import AppContext
from app.ui.panel import Panel
from app.ui.widgets.bind import Binder
from app.ui.widgets.breakdown_combo import BreakdownCombo
from app.ui.widgets.combo import line_edit_of
from app.ui.widgets.filter_builder import FilterBuilder

S = TypeVar("S", bound=QueryState)

#: The breakdown combo's first choice.
NO_BREAKDOWN = "(no breakdown)"


class StateQueryPanel(Panel, Generic[S]):
    """Subclasses name their state's class (`state_type`), build `_build_controls()` (with a
    `breakdown_combo`) and `_build_results()`, and say whether the state names a query
    (`_has_query`) and how to suggest one (`_apply_default`)."""

    shows_discovery = True
    #: The class of the query state the panel shows (FunnelState, RetentionState).
    state_type: type[S]
    breakdown_combo: BreakdownCombo
    filter_builder: FilterBuilder

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        #: The query this panel shows; the controls are bound to it (query() is its JSON).
        self.state: S = self.state_type()
        self.binder = Binder(self.state, self._edited)
        self._defaults_applied = False
        splitter = QSplitter(Qt.Orientation.Horizontal, self.body)
        self.body_layout.addWidget(splitter)
        splitter.addWidget(self._build_controls())
        splitter.addWidget(self._build_results())
        splitter.setStretchFactor(1, 1)
        # The column at its minimum (its controls' width), the results the rest: a column of
        # 340 px wrapped Funnels' results toolbar onto a second row in the default window.
        self.keep_divider("controls_width", splitter, 0, [1, 900])
        context.discovery.properties_changed.connect(self._on_properties_discovered)
        context.discovery.events_changed.connect(self._on_events_discovered)
        self._on_properties_discovered()
        self.binder.show_all()

    def query(self) -> dict[str, Any]:
        return self.state.to_query()

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

    def _add_filters_and_breakdown(self, column: QVBoxLayout, holder: QWidget, *, filters_title: str,
                                   breakdown_title: str, breakdown_name: str) -> None:
        """The filters (with cohort rows) and the breakdown boxes at the foot of the controls,
        bound to the state's `where` and `breakdown`."""
        filter_box = QGroupBox(filters_title, holder)
        QVBoxLayout(filter_box).addWidget(filter_builder := FilterBuilder(self.context.discovery, filter_box))
        add_cohort_rows(filter_builder, self.context)
        column.addWidget(filter_box)
        breakdown_box = QGroupBox(breakdown_title, holder)
        QVBoxLayout(breakdown_box).addWidget(combo := BreakdownCombo(NO_BREAKDOWN, breakdown_box))
        combo.setObjectName(breakdown_name)
        column.addWidget(breakdown_box)
        self.filter_builder, self.breakdown_combo = filter_builder, combo

        binder = self.binder
        filter_builder.changed.connect(lambda: binder.write(where=filter_builder.filters()))
        binder.watch("where", lambda: filter_builder.set_filters(self.state.as_dict().get("where", [])))
        combo.currentIndexChanged.connect(self._on_breakdown_edited)
        line_edit_of(combo).editingFinished.connect(self._on_breakdown_edited)
        binder.watch("breakdown", lambda: combo.set_breakdown(self.state.as_dict().get("breakdown")))

    def _on_breakdown_edited(self, *_args: Any) -> None:
        self.binder.write(breakdown=self.breakdown_combo.breakdown())

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
