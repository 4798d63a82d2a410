"""The Lab protocol: a Qt-free object that owns real torch modules and exposes them as Frames.

A lab is driven by one thread at a time (the runner's worker, a CLI export, or a test):

    lab = SomeLab(device="cpu", seed=0, **options)   # validated; ConfigError on bad values
    lab.step()                                       # one unit of real work
    frame = lab.snapshot()                           # numpy copies for the view
    lab.set_param("lr", 0.01)                        # between steps

Subclasses set OPTIONS and implement build(), and usually advance() and snapshot().
"""

from __future__ import annotations

from typing import Any, ClassVar

from visualizer.core.frame import Frame
from visualizer.core.options import OptionSet


class Lab:
    OPTIONS: ClassVar[OptionSet] = OptionSet([])

    def __init__(self, device: str = "cpu", seed: int = 0, **options: Any):
        from visualizer.core.device import resolve_device

        self.options = self.OPTIONS.validate(options)
        self.device = resolve_device(device)
        self.seed = int(seed)
        self.steps = 0
        self.reset(self.seed)

    # ---- what subclasses provide -------------------------------------------------------
    def build(self) -> None:
        """Create modules and data from self.options; called by reset() after seeding."""
        raise NotImplementedError

    def advance(self) -> None:
        """One unit of work (a training step...). Static labs need not override it."""

    @property
    def continuous(self) -> bool:
        """True if repeated steps do real work (training): the UI's Play is enabled only then."""
        return False

    @property
    def preferred_speed(self) -> float | None:
        """Steps per second this lab reads best at when played (an animation), or None for
        as fast as possible (training). The window preselects it; the user may change it."""
        return None

    def snapshot(self) -> Frame:
        raise NotImplementedError

    def apply_live(self, name: str, value: Any) -> None:
        """Apply a "live" option to the running modules (e.g. set the optimizer's lr)."""

    # ---- the protocol ------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        import random

        import numpy as np
        import torch

        if seed is not None:
            self.seed = int(seed)
        random.seed(self.seed)
        np.random.seed(self.seed % 2**32)
        torch.manual_seed(self.seed)
        self.steps = 0
        self.build()

    def step(self) -> None:
        self.advance()
        self.steps += 1

    def set_param(self, name: str, value: Any) -> None:
        """Change one option. Build options rebuild and reset (same seed); view options are ignored."""
        option = self.OPTIONS[name]
        value = option.coerce(value)
        self.options = self.OPTIONS.validate({**self.options, name: value})
        if option.role == "live":
            self.apply_live(name, value)
        elif option.role == "build":
            self.reset(self.seed)

    def set_params(self, values: dict) -> None:
        """Change several options at once, rebuilding at most once."""
        if not values:
            return
        options = [self.OPTIONS[n] for n in values]
        self.options = self.OPTIONS.validate({**self.options, **values})
        if any(o.role == "build" for o in options):
            self.reset(self.seed)
        else:
            for o in options:
                if o.role == "live":
                    self.apply_live(o.name, self.options[o.name])

    def device_label(self) -> str:
        from visualizer.core.device import device_label

        return device_label(self.device)
