"""Target distributions: samplers on the lab's device, their modes, and the 8×8 digits.

The toy distributions live around the origin at a scale of a few units, which suits small
MLPs without normalisation. The user's own points (drawn or from a CSV file) are standardised
for training (centred, divided by one common scale) and shown in their own coordinates.

    ring8    8 Gaussians (σ = 0.1) evenly on a circle of radius 2
    grid25   25 Gaussians (σ = 0.1) on a 5 × 5 grid, spacing 1, from −2 to 2
    moons    two interleaving half circles (as scikit-learn's make_moons), σ = 0.05
    spiral   one arm of an Archimedean spiral, σ = 0.04
    circles  two concentric circles, radius 1 and 2, σ = 0.04
    line     a segment from (−2, −1) to (2, 1), σ = 0.02
"""

from __future__ import annotations

import functools
import math

import numpy as np
import torch

from visualizer.core.errors import ConfigError
from visualizer.labs.gan.points import parse_drawn_points, read_csv_points

MODE_STD = 0.1


class Target:
    """A 2-D target distribution. sample(n) gives (n, 2) training-space samples on `device`;
    `modes` (K × 2) and `mode_std` are set where the modes are known (ring8, grid25);
    to_view / from_view map training space ↔ the coordinates shown (identity for the toys)."""

    name: str = ""
    modes: np.ndarray | None = None
    mode_std: float = MODE_STD
    center = np.zeros(2)
    scale = 1.0

    def __init__(self, device: torch.device):
        self.device = device

    def sample(self, n: int, gen: torch.Generator | None = None) -> torch.Tensor:
        raise NotImplementedError

    def to_view(self, x: np.ndarray) -> np.ndarray:
        return x * self.scale + self.center

    def from_view(self, x: np.ndarray) -> np.ndarray:
        return (x - self.center) / self.scale

    def view_range(self, real: np.ndarray) -> tuple[float, float, float, float]:
        """A square (x0, x1, y0, y1) around the data with a margin, in view coordinates."""
        lo, hi = np.percentile(real, 0.5, axis=0), np.percentile(real, 99.5, axis=0)
        mid = (lo + hi) / 2
        half = max(float((hi - lo).max()) / 2, 1e-6) * 1.35
        return (mid[0] - half, mid[0] + half, mid[1] - half, mid[1] + half)


class _Mixture(Target):
    def __init__(self, device, modes: np.ndarray, std: float):
        super().__init__(device)
        self.modes = modes
        self.mode_std = std
        self._modes = torch.as_tensor(modes, dtype=torch.float32, device=device)

    def sample(self, n, gen=None):
        k = torch.randint(len(self._modes), (n,), generator=gen).to(self.device)
        return self._modes[k] + self.mode_std * torch.randn(n, 2, generator=gen).to(self.device)


class Ring8(_Mixture):
    name = "ring8"

    def __init__(self, device):
        a = 2 * np.pi * np.arange(8) / 8
        super().__init__(device, 2.0 * np.stack([np.cos(a), np.sin(a)], 1), MODE_STD)


class Grid25(_Mixture):
    name = "grid25"

    def __init__(self, device):
        xs = np.arange(-2.0, 2.01, 1.0)
        super().__init__(device, np.array([(x, y) for x in xs for y in xs]), MODE_STD)


class Moons(Target):
    name = "moons"

    def sample(self, n, gen=None):
        t = math.pi * torch.rand(n, generator=gen).to(self.device)
        upper = torch.rand(n, generator=gen).to(self.device) < 0.5
        x = torch.where(upper, torch.cos(t), 1.0 - torch.cos(t))
        y = torch.where(upper, torch.sin(t), 0.5 - torch.sin(t))
        pts = torch.stack([x - 0.5, y - 0.25], 1) * 1.6
        return pts + 0.05 * torch.randn(n, 2, generator=gen).to(self.device)


class Spiral(Target):
    name = "spiral"

    def sample(self, n, gen=None):
        t = 3.0 * math.pi * torch.sqrt(torch.rand(n, generator=gen).to(self.device)) + 0.5
        r = t / (3.0 * math.pi + 0.5) * 2.2
        pts = torch.stack([r * torch.cos(t), r * torch.sin(t)], 1)
        return pts + 0.04 * torch.randn(n, 2, generator=gen).to(self.device)


class Circles(Target):
    name = "circles"

    def sample(self, n, gen=None):
        a = 2 * math.pi * torch.rand(n, generator=gen).to(self.device)
        # as many points per unit length on both circles: 1/3 inner (r = 1), 2/3 outer (r = 2)
        r = torch.where(torch.rand(n, generator=gen).to(self.device) < 1 / 3, 1.0, 2.0)
        pts = torch.stack([r * torch.cos(a), r * torch.sin(a)], 1)
        return pts + 0.04 * torch.randn(n, 2, generator=gen).to(self.device)


class Line(Target):
    name = "line"

    def sample(self, n, gen=None):
        s = 2 * torch.rand(n, 1, generator=gen).to(self.device) - 1
        pts = s * torch.tensor([[2.0, 1.0]], device=self.device)
        return pts + 0.02 * torch.randn(n, 2, generator=gen).to(self.device)


class Points(Target):
    """The empirical distribution of the user's points, each blurred by a small Gaussian
    (1 % of the data's spread), standardised for training."""

    def __init__(self, device, points: np.ndarray, name: str):
        super().__init__(device)
        self.name = name
        self.points_view = points
        self.center = points.mean(axis=0)
        self.scale = float(points.std(axis=0).max()) or 1.0
        self._points = torch.as_tensor((points - self.center) / self.scale, dtype=torch.float32, device=device)
        spread = float((self._points.max(0).values - self._points.min(0).values).max())
        self.blur = 0.01 * spread

    def sample(self, n, gen=None):
        k = torch.randint(len(self._points), (n,), generator=gen).to(self.device)
        return self._points[k] + self.blur * torch.randn(n, 2, generator=gen).to(self.device)


TOYS = {"ring8": Ring8, "grid25": Grid25, "moons": Moons, "spiral": Spiral, "circles": Circles, "line": Line}


def make_target(distribution: str, custom_points: str, device: torch.device) -> Target:
    if distribution in TOYS:
        return TOYS[distribution](device)
    if distribution == "custom":
        return Points(device, parse_drawn_points(custom_points), "custom")
    return Points(device, read_csv_points(distribution), distribution)


def mode_metrics(samples: np.ndarray, modes: np.ndarray, std: float) -> tuple[np.ndarray, float, np.ndarray]:
    """Mode coverage as in Metz et al. (2017), Unrolled GANs.

    A sample is high quality if it lies within 3σ of its nearest mode; a mode is covered if it
    holds at least a quarter of its fair share of the samples (N / K / 4) as high-quality ones.
    Returns (covered: bool per mode, fraction of high-quality samples, high-quality count per mode)."""
    d2 = ((samples[:, None, :] - modes[None, :, :]) ** 2).sum(-1)     # (N, K)
    nearest = d2.argmin(1)
    good = d2[np.arange(len(samples)), nearest] <= (3.0 * std) ** 2
    counts = np.bincount(nearest[good], minlength=len(modes))
    threshold = max(1.0, len(samples) / len(modes) / 4.0)
    return counts >= threshold, float(good.mean()), counts


@functools.lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    """The bundled digits, read once per process (reading the compressed file takes ~0.1 s)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:  # pragma: no cover - scikit-learn is a dependency
        raise ConfigError("distribution", "the digits need scikit-learn (pip install scikit-learn)") from None
    bunch = load_digits()
    images = bunch.images.astype(np.float32)
    images.setflags(write=False)
    return images, bunch.target


class Digits:
    """scikit-learn's bundled 8×8 handwritten digits (1797 images, offline), scaled to [−1, 1]."""

    name = "digits"
    side = 8
    modes = None

    def __init__(self, device: torch.device):
        self.device = device
        images, self.labels = _digits()                              # (1797, 8, 8), values 0..16
        self.data = torch.as_tensor(images.reshape(len(images), 64) / 8.0 - 1.0, device=device)  # (1797, 64)

    def sample(self, n: int, gen: torch.Generator | None = None) -> torch.Tensor:
        k = torch.randint(len(self.data), (n,), generator=gen).to(self.device)
        return self.data[k]
