"""Python's cycle collector runs on the GUI thread only.

CPython collects reference cycles in whichever thread happens to allocate past the
threshold, usually a query worker (SQLAlchemy allocates a lot). When such a cycle holds the
last reference to a Qt object (a pyqtgraph item, a widget whose parent let it go), its C++
destructor then runs on the worker thread, where PySide waits for the GIL the collecting
thread gave up: the worker and the GUI thread deadlock (seen as a frozen window). So the
automatic collector is switched off and a GUI-thread timer collects, with the same
generation thresholds, instead.

A full (oldest-generation) collection walks every tracked object, tens of milliseconds or
more with a big heap, and explicit `gc.collect(2)` skips CPython's own "only when the old
generation grew by a quarter" rule; so full collections run at most every
`FULL_INTERVAL_S`, and what exists at installation (modules, classes: never garbage) is
moved out of the collector's sight with `gc.freeze()`.
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QCoreApplication, QObject, QTimer

#: How often the GUI thread checks whether a collection is due.
INTERVAL_MS = 250
#: Least time between two full collections.
FULL_INTERVAL_S = 60.0


class GuiThreadCollector(QObject):
    """Disables automatic GC and runs `gc.collect(generation)` from a GUI-thread timer."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect_if_due)
        gc.disable()
        gc.collect()
        gc.freeze()
        self._last_full = time.monotonic()
        self._timer.start()

    def collect_if_due(self) -> int:
        """Collect the oldest generation whose count passed its threshold; 0 when none is due."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        full_allowed = time.monotonic() - self._last_full >= FULL_INTERVAL_S
        generation = -1
        for gen in range(3 if full_allowed else 2):
            if thresholds[gen] and counts[gen] > thresholds[gen]:
                generation = gen
        if generation < 0:
            return 0
        if generation == 2:
            self._last_full = time.monotonic()
        return gc.collect(generation)


def install_gui_gc(app: QCoreApplication) -> GuiThreadCollector:
    """Once per application: collect cycles on the GUI thread only."""
    existing = app.findChild(GuiThreadCollector)
    if isinstance(existing, GuiThreadCollector):
        gc.disable()  # someone (a test harness) may have switched it back on meanwhile
        return existing
    return GuiThreadCollector(app)
