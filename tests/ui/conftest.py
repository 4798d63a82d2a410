import os

import pytest

from tests.support import RUNNER_TIMEOUT, TEST_EXPLAINER, Consumer, RegressionLab
from visualizer.core import registry
from visualizer.ui.runner import LabRunner


@pytest.fixture
def with_test_explainer(monkeypatch):
    """The registry with the small regression explainer added in front."""
    monkeypatch.setattr(registry, "EXPLAINERS", (TEST_EXPLAINER,) + registry.EXPLAINERS)
    return TEST_EXPLAINER


@pytest.fixture
def window(qtbot, with_test_explainer):
    from visualizer.ui.app import MainWindow

    win = MainWindow(explainer="regression")
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    qtbot.waitUntil(lambda: win.view is not None and win.view.frame is not None, timeout=60_000)
    yield win
    win.close()


@pytest.fixture(scope="session", autouse=True)
def _warm_lab_processes():
    """Start the forkserver (it imports torch) once, before the first test waits on a lab, so
    timeouts measure the runner and not one cold import of torch on a loaded machine."""
    from visualizer.ui.runner import process_context, warm_up

    warm_up()
    child = process_context().Process(target=os.getpid)
    child.start()
    child.join(120)


@pytest.fixture
def make_runner(qtbot):
    """make(consume=True, **options) -> (runner, consumer): a started runner of the regression lab,
    its first frame arrived; every runner made is stopped after the test."""
    runners = []

    def make(consume=True, **options):
        runner = LabRunner(RegressionLab, seed=0, options=options, name="regression")
        consumer = Consumer(runner, consume)
        runners.append(runner)
        with qtbot.waitSignal(runner.frame_ready, timeout=RUNNER_TIMEOUT):
            runner.start()
        return runner, consumer

    yield make
    for runner in runners:
        assert runner.stop(timeout=2.0)
