"""Window faults (issue "Reliability"): closing the window or switching explainers while the model
is stuck in a long step or a long load. The window answers at once, the lab's process is gone
within a second, and nothing is left behind; each case is repeated ten times."""

import dataclasses
import time

import pytest

from tests.support import TEST_EXPLAINER
from tests.ui.test_process_runner import gone
from visualizer.core import registry
from visualizer.ui.app import MainWindow

TIMEOUT = 30_000
REPEAT = 10
OTHER = dataclasses.replace(TEST_EXPLAINER, id="regression2", title="Regression again")


@pytest.fixture
def explainers(monkeypatch):
    monkeypatch.setattr(registry, "EXPLAINERS", (TEST_EXPLAINER, OTHER) + registry.EXPLAINERS)


def open_window(qtbot, explainer="regression"):
    win = MainWindow(explainer=explainer)
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    qtbot.waitUntil(lambda: win.view is not None and win.view.frame is not None, timeout=TIMEOUT)
    return win


def stuck(qtbot, win, how: str) -> int:
    """Put the window's lab into a step (or a build) that never returns; the process id."""
    runner = win.runner
    pid = runner.child_pid
    if how == "step":
        win.apply_options({"fault": "hang", "fault_at": runner.lab_steps + 1})
        qtbot.waitUntil(lambda: runner.ask("get", "options.fault") == "hang", timeout=TIMEOUT)
        win.play_action.trigger()
        qtbot.waitUntil(lambda: runner.unresponsive_for() > 0.2, timeout=TIMEOUT)
    else:
        win.apply_options({"fault": "hang_in_build"})   # a build option: the lab is rebuilt
        qtbot.waitUntil(lambda: runner.unresponsive_for() > 0.2, timeout=TIMEOUT)
    return pid


@pytest.mark.parametrize("how", ["step", "build"])
def test_closing_while_the_model_is_stuck_ends_its_process_within_a_second(qtbot, explainers, how):
    for _ in range(REPEAT):
        win = open_window(qtbot)
        pid = stuck(qtbot, win, how)
        began = time.perf_counter()
        win.close()
        took = time.perf_counter() - began
        assert took < 1.5, f"closing took {took:.2f} s"
        assert gone(pid)
        assert win.runner is None


def test_switching_explainers_during_a_stuck_step_answers_at_once(qtbot, explainers):
    win = open_window(qtbot)
    try:
        for i in range(REPEAT):
            pid = stuck(qtbot, win, "step")
            began = time.perf_counter()
            win._stop_runner()          # what open_explainer does first: it must not wait for the model
            assert time.perf_counter() - began < 0.1
            win.open_explainer(OTHER.id if i % 2 == 0 else TEST_EXPLAINER.id)
            qtbot.waitUntil(lambda: gone(pid), timeout=2_000)
            qtbot.waitUntil(lambda: win.view is not None and win.view.frame is not None, timeout=TIMEOUT)
    finally:
        win.close()


def test_a_long_rebuild_veils_the_old_figure(qtbot, explainers):
    win = open_window(qtbot)
    try:
        win.apply_options({"fault": "hang_in_build"})
        qtbot.waitUntil(lambda: win.loading.isVisible(), timeout=TIMEOUT)   # the old figure is not taken for new
        assert win.runner.state == "loading" and not win.exports.figure_action.isEnabled()
        win.apply_options({"features": 5})     # the person changes their mind: a new build is asked for
        assert win.loading.isVisible()
    finally:
        win.close()
