"""A small real lab (a linear regression trained by SGD) and its view, for foundation tests.

It is real torch: the runner and the window are tested on actual training steps, without
depending on any one explainer."""

from __future__ import annotations

import numpy as np
import pytest

from visualizer.core import registry
from visualizer.core.errors import TrainingHalted
from visualizer.core.frame import Frame
from visualizer.core.lab import Lab
from visualizer.core.options import Option, OptionSet
from visualizer.ui.views.base import PagedView
from visualizer.ui.theme import LIGHT
from visualizer.ui.views.page import Page

OPTIONS = OptionSet([
    Option("features", "int", 4, "input features", minimum=1, maximum=64),
    Option("lr", "float", 0.05, "learning rate", role="live", minimum=1e-6, maximum=10.0),
    Option("fail_at", "int", 0, "raise an error at this step (0: never)", minimum=0),
    Option("nan_at", "int", 0, "make the loss NaN at this step (0: never)", minimum=0),
    Option("static", "bool", False, "no training: Play is disabled"),
    Option("show", "choice", "weights", "what the view shows", role="view", choices=("weights", "loss")),
])


class RegressionLab(Lab):
    OPTIONS = OPTIONS

    def build(self) -> None:
        import torch

        n = self.options["features"]
        self.true_w = torch.randn(1, n)
        self.model = torch.nn.Linear(n, 1).to(self.device)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=self.options["lr"])
        self.losses: list[float] = []
        self.lr_seen: list[float] = []

    @property
    def continuous(self) -> bool:
        return not self.options["static"]

    def advance(self) -> None:
        import torch

        if self.options["fail_at"] and self.steps + 1 == self.options["fail_at"]:
            raise RuntimeError("deliberate failure for the test")
        x = torch.randn(32, self.true_w.shape[1])
        y = x @ self.true_w.T
        loss = torch.nn.functional.mse_loss(self.model(x.to(self.device)), y.to(self.device))
        if self.options["nan_at"] and self.steps + 1 == self.options["nan_at"]:
            loss = loss * float("nan")
        if not torch.isfinite(loss):
            raise TrainingHalted(f"the loss became NaN at step {self.steps + 1}; press Reset")
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.losses.append(loss.item())
        self.lr_seen.append(self.opt.param_groups[0]["lr"])

    def apply_live(self, name, value) -> None:
        if name == "lr":
            for group in self.opt.param_groups:
                group["lr"] = value

    def snapshot(self) -> Frame:
        w = self.model.weight.detach().cpu().numpy().copy()
        return Frame("regression", self.steps, {"weights": w, "true_weights": self.true_w.numpy().copy(),
                                                "loss": np.asarray(self.losses, dtype=np.float32)})


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
    "tests.support:OPTIONS", "tests.support:RegressionLab", "tests.support:RegressionView")


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
