"""Qt-free labs for the foundation tests: a linear regression trained by SGD (real torch), with
options that make its process fail in each way a real model can (exit, segfault, get killed,
hang), and frames large enough to travel through shared memory. The lab's own process imports
this module, so it must never import Qt."""

from __future__ import annotations

import os
import signal
import threading

import numpy as np

from visualizer.core.errors import TrainingHalted
from visualizer.core.frame import Frame
from visualizer.core.lab import Lab
from visualizer.core.options import Option, OptionSet


def fail_hard(how: str) -> None:
    if how == "exit":
        os._exit(3)
    elif how == "segfault":
        import ctypes

        ctypes.string_at(0)          # reads address 0: SIGSEGV
    elif how == "kill":
        os.kill(os.getpid(), signal.SIGKILL)   # what the OOM killer does
    elif how == "hang":
        threading.Event().wait()     # a step that never returns


OPTIONS = OptionSet([
    Option("features", "int", 4, "input features", minimum=1, maximum=64),
    Option("lr", "float", 0.05, "learning rate", role="live", minimum=1e-6, maximum=10.0),
    Option("fail_at", "int", 0, "raise an error at this step (0: never)", minimum=0),
    Option("nan_at", "int", 0, "make the loss NaN at this step (0: never)", minimum=0),
    Option("static", "bool", False, "no training: Play is disabled"),
    Option("fault", "choice", "none", "how the lab's process fails at step fault_at (tests of the runner)",
           choices=("none", "exit", "segfault", "kill", "hang", "hang_in_build")),
    Option("fault_at", "int", 0, "the step at which `fault` happens (0: never)", minimum=0),
    Option("big_mb", "int", 0, "add an array of this many MiB to each frame (shared memory)", minimum=0, maximum=512),
    Option("show", "choice", "weights", "what the view shows", role="view", choices=("weights", "loss")),
])


class RegressionLab(Lab):
    OPTIONS = OPTIONS

    def build(self) -> None:
        import torch

        if self.options["fault"] == "hang_in_build":   # like a model that takes forever to load
            fail_hard("hang")

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

        if self.options["fault_at"] and self.steps + 1 == self.options["fault_at"]:
            fail_hard(self.options["fault"])
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
        arrays = {"weights": w, "true_weights": self.true_w.numpy().copy(),
                  "loss": np.asarray(self.losses, dtype=np.float32)}
        if self.options["big_mb"]:
            n = self.options["big_mb"] * (1 << 20) // 4
            arrays["big"] = np.arange(n, dtype=np.float32) + self.steps
        return Frame("regression", self.steps, arrays)


def assert_same_frame(a: Frame, b: Frame) -> None:
    """The same picture: kind, step, and every array equal in dtype, shape and value (NaN = NaN)."""
    assert (a.kind, a.step) == (b.kind, b.step)
    assert list(a.arrays) == list(b.arrays)
    for name, x in a.arrays.items():
        y = b.arrays[name]
        assert x.dtype == y.dtype and x.shape == y.shape, name
        assert np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"), name
