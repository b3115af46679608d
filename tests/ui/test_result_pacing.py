"""Panels that answer at the same moment are shown one per event-loop turn (app.ui.pacing):
the window keeps painting and taking input between them, and a panel shows its newest answer."""

from __future__ import annotations

import functools
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QObject, QTimer

from app.ui.pacing import ResultPacer, result_pacer


def test_results_arriving_together_are_shown_in_separate_turns(qtbot: Any) -> None:
    pacer = ResultPacer()
    log: list[str] = []
    ticker = QTimer()
    ticker.setInterval(0)
    ticker.timeout.connect(lambda: log.append("turn"))
    owners = [QObject() for _ in range(4)]
    for n, owner in enumerate(owners):
        pacer.submit(owner, functools.partial(log.append, f"panel{n}"))
    assert log == [], "nothing is shown inside the call that delivered the results"
    ticker.start()
    qtbot.waitUntil(lambda: sum(x.startswith("panel") for x in log) == 4, timeout=5000)
    ticker.stop()
    shown = [i for i, x in enumerate(log) if x.startswith("panel")]
    assert [log[i] for i in shown] == ["panel0", "panel1", "panel2", "panel3"]
    # The event loop ran (the ticker fired) between every two panels' results.
    assert all("turn" in log[a + 1:b] for a, b in pairwise(shown)), log


def test_a_newer_result_replaces_the_queued_one_and_errors_discard_it(qtbot: Any) -> None:
    pacer = ResultPacer()
    shown: list[str] = []
    panel, other = QObject(), QObject()
    pacer.submit(panel, lambda: shown.append("old"))
    pacer.submit(panel, lambda: shown.append("new"))
    pacer.submit(other, lambda: shown.append("other"))
    pacer.discard(other)
    qtbot.waitUntil(lambda: not pacer.pending(panel), timeout=5000)
    qtbot.wait(20)
    assert shown == ["new"]


def test_a_result_for_a_closed_window_is_dropped(qtbot: Any) -> None:
    pacer = ResultPacer()
    shown: list[str] = []
    panel = QObject()
    pacer.submit(panel, lambda: shown.append("late"))
    panel.deleteLater()
    qtbot.wait(50)
    assert shown == []


def test_one_pacer_per_application() -> None:
    assert result_pacer() is result_pacer()


def test_a_panel_is_not_settled_while_its_answer_waits_for_its_turn(make_window: Any, filled_db: Any,
                                                                    qtbot: Any) -> None:
    """`--screenshot` takes a panel once it is settled: an answer still queued for its turn
    would otherwise be missing from the picture (the previous answer shown instead)."""
    url, _engine = filled_db
    window = make_window(url)
    panel = window.panels["funnels"]
    qtbot.waitUntil(lambda: panel.finished_once and panel.settled, timeout=60_000)
    shown: list[str] = []
    result_pacer().submit(panel, lambda: shown.append("answer"))
    assert not panel.settled
    qtbot.waitUntil(lambda: panel.settled, timeout=10_000)
    assert shown == ["answer"]


def test_a_new_request_drops_an_older_answer_still_waiting_for_its_turn(make_window: Any, filled_db: Any,
                                                                        qtbot: Any) -> None:
    """A funnel step's persons asked for while the explorer's own earlier answer waited for its
    turn: the earlier answer (all persons) was shown and reported finished after the drill was
    asked, and the explorer listed everyone (a CI run caught it)."""
    url, _engine = filled_db
    window = make_window(url)
    panel = window.panels["users"]
    qtbot.waitUntil(lambda: panel.finished_once and panel.settled, timeout=60_000)
    stale = {"users": [{"id": "stale-person"}], "total": 1}
    panel._on_result(stale)  # an older answer, received, queued for its turn
    assert result_pacer().pending(panel)
    spec = panel.query()
    spec["limit"] = 3
    with qtbot.waitSignal(panel.query_finished, timeout=20_000):
        panel.run_query(spec)
    shown = [panel.model.person_at(r)["id"] for r in range(panel.model.rowCount())]
    assert "stale-person" not in shown and shown
    assert panel.last_result_spec == spec
