"""Axis ranges and colour levels that hold still while training (Qt-free).

A plot whose range moves every frame re-lays out and repaints its axes every frame (tick
text is the slow part of a pyqtgraph redraw). These ranges change only when the data leave
them or shrink well inside them, and then to a round number, so a training run redraws its
axes a handful of times instead of thirty times a second."""

from __future__ import annotations

import math

import numpy as np


def nice_ceil(value: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 5, 7 × 10^k that is ≥ value (value > 0)."""
    if not np.isfinite(value) or value <= 0:
        return 1.0
    k = math.floor(math.log10(value))
    for m in (1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0):
        if m * 10 ** k >= value * (1 - 1e-12):
            return m * 10 ** k
    return 10.0 ** (k + 1)


class StickyRange:
    """(lo, hi) that changes only when the data's extent leaves it, or fills less than `fill`
    of it. Data that leave it push the side they left through out by `grow` of their extent
    (the other side stays), so data that spread out as training goes (embeddings do, a few per
    cent a step) move the range every few frames, not every frame; else the new range is the
    extent padded by `pad` each side."""

    def __init__(self, fill: float = 0.45, pad: float = 0.08, grow: float = 0.5):
        self.fill, self.pad, self.grow = fill, pad, grow
        self.range: tuple[float, float] | None = None

    def fit(self, lo: float, hi: float) -> tuple[float, float] | None:
        """The new range if it must change, else None."""
        if not (np.isfinite(lo) and np.isfinite(hi)):
            return None
        if hi - lo <= 0:
            lo, hi = lo - 0.5, hi + 0.5
        span = hi - lo
        if self.range is not None:
            a, b = self.range
            if a <= lo and hi <= b and span >= self.fill * (b - a):
                return None
            # the side the data left through grows; the other keeps its bound
            grown = (lo - self.grow * span if lo < a else a, hi + self.grow * span if hi > b else b)
            if (lo < a or hi > b) and span >= self.fill * (grown[1] - grown[0]):
                self.range = grown
                return self.range
        self.range = (lo - self.pad * span, hi + self.pad * span)
        return self.range

    def reset(self) -> None:
        self.range = None


class StickyTop:
    """A top of a range from 0 (or of levels ±top) that grows to a round number when the data
    pass it and shrinks when they fall below `fill` of it."""

    def __init__(self, fill: float = 0.4, floor: float = 0.0):
        self.fill, self.floor = fill, floor
        self.top: float | None = None

    def fit(self, value: float) -> float:
        value = max(float(value) if np.isfinite(value) else 0.0, self.floor)
        if self.top is None or value > self.top or value < self.fill * self.top:
            self.top = nice_ceil(value) if value > 0 else 1.0
        return self.top

    def reset(self) -> None:
        self.top = None
