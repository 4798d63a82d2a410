"""The window's top-level guard: an exception escaping a timer, a slot or a thread reaches the
error banner in words and the log file; Help → About names that file; a GAN frame at ±1e308
gives a message and leaves the plot as it was."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from tests.support import TEST_EXPLAINER
from visualizer.core import registry


@pytest.fixture(scope="module")
def window(qapp, tmp_path_factory):
    """One window for the module (a window's start-up is the slow part), on the test explainer,
    its log redirected to a temporary folder."""
    import time

    from PySide6.QtCore import QEventLoop

    log = tmp_path_factory.mktemp("logs") / "visualizer.log"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(registry, "EXPLAINERS", (TEST_EXPLAINER,) + registry.EXPLAINERS)
        mp.setenv("VISUALIZER_LOG", str(log))
        from visualizer.ui.app import MainWindow

        win = MainWindow(explainer="regression")
        win.resize(1280, 720)
        win.show()
        deadline = time.monotonic() + 60
        while (win.view is None or win.view.frame is None) and time.monotonic() < deadline:
            qapp.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        assert win.view is not None and win.view.frame is not None, "the window did not show a frame"
        yield win
        win.close()
        win.deleteLater()


@pytest.fixture
def guarded(window):
    from visualizer.ui import guard

    window.clear_error()
    g = guard.install(window)
    yield window, g
    g.uninstall()


def boom():
    raise RuntimeError("the timer's callback failed")


def test_an_exception_in_a_timer_reaches_the_banner_and_the_log(guarded, qtbot):
    window, g = guarded
    assert g.path.name == "visualizer.log" and "logs" in g.path.parent.name   # redirected by VISUALIZER_LOG
    QTimer.singleShot(0, boom)
    qtbot.waitUntil(lambda: "the timer's callback failed" in window.last_error, timeout=5000)
    assert "Something went wrong in the window" in window.last_error
    assert str(g.path) in window.last_error
    log = g.path.read_text(encoding="utf-8")
    assert "Traceback" in log and "RuntimeError: the timer's callback failed" in log and "in boom" in log


def test_an_exception_in_a_thread_reaches_the_banner(guarded, qtbot):
    window, g = guarded

    def work():
        raise ValueError("the worker thread failed")

    thread = threading.Thread(target=work, name="loader")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: "the worker thread failed" in window.last_error, timeout=5000)
    assert "the thread 'loader'" in window.last_error
    assert "ValueError: the worker thread failed" in g.path.read_text(encoding="utf-8")


def test_an_exception_in_a_slot_reaches_the_banner(guarded, qtbot):
    window, g = guarded
    def slot(t):
        return 1 / 0

    window.first_painted.connect(slot)
    try:
        window.first_painted.emit(0.0)
        qtbot.waitUntil(lambda: "division by zero" in window.last_error, timeout=5000)
    finally:
        window.first_painted.disconnect(slot)
    assert g.count >= 1


def test_about_names_the_log_file(guarded, qtbot):
    window, g = guarded
    seen = []

    def read_and_close():
        box = QApplication.activeModalWidget()
        seen.append(box.text() if box is not None else "")
        if box is not None:
            box.accept()

    QTimer.singleShot(0, read_and_close)
    window.about()
    assert seen and str(g.path) in seen[0]


def test_a_log_that_cannot_be_written_still_gives_the_message(window, qtbot, tmp_path):
    from visualizer.ui import guard

    window.clear_error()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the log folder should be")
    g = guard.install(window, blocker / "visualizer.log")
    try:
        QTimer.singleShot(0, boom)
        qtbot.waitUntil(lambda: "the timer's callback failed" in window.last_error, timeout=5000)
        assert "could not be written" in window.last_error
    finally:
        g.uninstall()


# ---- the GAN view: a frame at ±1e308 ------------------------------------------------------------
@pytest.fixture(scope="module")
def gan_frame():
    import torch

    from visualizer.labs.gan.lab import GANLab

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        lab = GANLab(seed=0, width=8, depth=1, batch=16)
        lab.step()
        return lab.snapshot()
    finally:
        torch.set_num_threads(threads)


def overflowing(frame):
    arrays = {**frame.arrays, "real": np.full_like(frame["real"], 1e308), "fake": frame["fake"].copy()}
    arrays["real"][::2] = -1e308
    arrays["fake"][:3] = 1e308
    info = dict(frame.info, view_range=[-1e308 * 1.35, 1e308 * 1.35, -1e308, 1e308])
    return type(frame)(frame.kind, frame.step + 1, arrays, info)


def test_a_gan_frame_at_1e308_gives_a_message_and_keeps_the_plot(guarded, gan_frame, qtbot):
    from visualizer.ui.theme import LIGHT
    from visualizer.ui.views.gan import GANView

    window, g = guarded
    view = GANView(LIGHT, 1.0)
    qtbot.addWidget(view)
    view.resize(1000, 640)
    view.show()
    view.show_frame(gan_frame)
    space = view.page("gan2d").space
    good = tuple(gan_frame.info["view_range"])
    assert space._range == good
    QTimer.singleShot(0, lambda: view.show_frame(overflowing(gan_frame)))   # as the drawing timer does
    qtbot.waitUntil(lambda: "too far out to plot" in window.last_error, timeout=5000)
    assert space._range == good                               # the plot keeps the last good frame's range
    assert np.isfinite(space.plot.vb.viewRange()).all()
    assert view.page("gan2d").frame is gan_frame              # what the page draws is the good frame
    view.show_frame(gan_frame)                                # and draws the next good one
    assert view.frame is gan_frame
    view.close()
