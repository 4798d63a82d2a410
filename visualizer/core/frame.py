"""Frame: what a lab hands to a view — detached numpy copies plus the labels to draw them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Frame:
    """One snapshot of a lab.

    kind    which picture this is (a view may draw several kinds, e.g. "mha", "minilm")
    step    the lab's step counter when the snapshot was taken
    arrays  named numpy arrays: exactly the numbers the figure is drawn from
            (string arrays such as tokens are allowed)
    info    small JSON-able facts for titles and the status bar (device, loss, mode...)
    """

    kind: str
    step: int = 0
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, value in self.arrays.items():
            if not isinstance(value, np.ndarray):
                raise TypeError(f"Frame array {name!r} must be a numpy array, not {type(value).__name__}")

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def get(self, name: str, default=None):
        return self.arrays.get(name, default)

    def subset(self, names) -> "Frame":
        """A frame holding only `names` (in that order): what one figure was drawn from."""
        missing = [n for n in names if n not in self.arrays]
        if missing:
            raise KeyError(f"Frame {self.kind!r} has no arrays {missing}")
        return Frame(self.kind, self.step, {n: self.arrays[n] for n in names}, dict(self.info))
