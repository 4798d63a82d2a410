"""A small real lab (a linear regression trained by SGD) and its view, for foundation tests.

It is real torch: the runner and the window are tested on actual training steps, without
depending on any one explainer."""

from __future__ import annotations

import numpy as np
import pytest

from PySide6.QtCore import QObject, Slot

from visualizer.core import registry
from visualizer.core.frame import Frame
from visualizer.ui.views.base import PagedView
from visualizer.ui.theme import LIGHT
from visualizer.ui.views.page import Page

from tests.support_labs import OPTIONS, RegressionLab  # noqa: E402,F401 - Qt-free: the lab's process imports it

RUNNER_TIMEOUT = 10_000   # ms a runner test waits for the lab's process


class RegressionPage(Page):
    def __init__(self, theme, scale, parent=None):
        super().__init__(theme, scale, parent)
        self.weights = self.heatmap(self.canvas.addPlot(row=0, col=0))
        self.loss = self.curves(self.canvas.addPlot(row=1, col=0))

    def draw(self, frame: Frame, options: dict) -> None:
        both = np.vstack([frame["weights"], frame["true_weights"]])
        self.weights.set_matrix(both, ["learned", "true"], title="weights")
        loss = frame["loss"]
        self.loss.set("loss", np.arange(len(loss)), loss)
        self.set_texts("Regression", f"step {frame.step}")


class RegressionView(PagedView):
    """The whole of a view on the kit: its options and its pages."""

    OPTIONS = OPTIONS
    PAGES = {"regression": RegressionPage}

    def __init__(self, theme, font_scale=1.0, parent=None):
        super().__init__(theme, font_scale, parent)
        self.drawn = 0

    def draw(self, frame: Frame) -> None:
        super().draw(frame)
        self.drawn += 1


TEST_EXPLAINER = registry.Explainer(
    "regression", "Regression", "A linear regression trained by SGD (test explainer).",
    "tests.support_labs:OPTIONS", "tests.support_labs:RegressionLab", "tests.support:RegressionView")


def reused_view_fixtures(view_class):
    """(shared_view, view) fixtures for a test module: one view of `view_class` for the whole
    module (building every page once costs seconds), put back to the light theme, font scale 1
    and its default view options after each test. Assign both names at module level."""

    @pytest.fixture(scope="module")
    def shared_view(qapp):
        v = view_class(LIGHT, 1.0)
        v.resize(1280, 720)
        v.show()
        yield v
        v.close()
        v.deleteLater()

    @pytest.fixture
    def view(shared_view):
        yield shared_view
        shared_view.apply_theme(LIGHT)
        shared_view.apply_font_scale(1.0)
        shared_view.set_view_options({o.name: o.default for o in view_class.OPTIONS.by_role("view")})

    return shared_view, view


class Consumer(QObject):
    """Stands in for the window: draws (records) each frame, then tells the runner."""

    def __init__(self, runner, consume=True):
        super().__init__()
        self.runner = runner
        self.frames = []
        self.errors = []
        self.consume = consume
        runner.frame_ready.connect(self.on_frame)
        runner.failed.connect(self.on_failed)

    @Slot(object)
    def on_frame(self, frame):
        self.frames.append(frame)
        if self.consume:
            self.runner.frame_consumed()

    @Slot(str)
    def on_failed(self, message):
        self.errors.append(message)


def sync(qtbot, runner):
    """Wait until the lab's process has handled every command sent so far; the lab's steps."""
    request = runner.request("get", "steps")
    qtbot.waitUntil(lambda: request.done, timeout=RUNNER_TIMEOUT)
    return request.result()
