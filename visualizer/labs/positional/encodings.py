"""The four position schemes as small torch functions (one concept each, shapes on the line).

Conventions
- sinusoidal (Vaswani et al. 2017): PE[p, 2i] = sin(p·ω_i), PE[p, 2i+1] = cos(p·ω_i), ω_i = base^(−2i/D).
- RoPE (Su et al. 2021), in the "half" layout Hugging Face Llama uses: dimension i is paired with
  i + D/2 and that pair is rotated by the angle p·θ_i, θ_i = base^(−2i/D).
- ALiBi (Press et al. 2022): head h adds −m_h·(distance) to its logits; m_h is a geometric sequence.
"""

from __future__ import annotations

import math

import torch


# Tables are computed in float64 on the CPU (exact angles even at position 2047), then handed
# over as float32 on the lab's device.

def frequencies(dim: int, base: float = 10000.0, device=None) -> torch.Tensor:
    """(D/2,) ω_i = θ_i = base^(−2i/D) for i = 0 … D/2−1."""
    return _frequencies64(dim, base).float().to(device)


def _frequencies64(dim: int, base: float) -> torch.Tensor:
    i = torch.arange(dim // 2, dtype=torch.float64)                           # (D/2,)
    return torch.pow(torch.tensor(float(base), dtype=torch.float64), -2.0 * i / dim)


def _angles64(positions: int, dim: int, base: float) -> torch.Tensor:
    p = torch.arange(positions, dtype=torch.float64)[:, None]                 # (P, 1)
    return p * _frequencies64(dim, base)[None, :]                             # (P, D/2)


def sinusoidal_table(positions: int, dim: int, base: float = 10000.0, device=None) -> torch.Tensor:
    """The (P, D) sinusoidal encoding: even columns sin, odd columns cos."""
    angle = _angles64(positions, dim, base)                                   # (P, D/2)
    table = torch.empty(positions, dim, dtype=torch.float64)                  # (P, D)
    table[:, 0::2] = torch.sin(angle)
    table[:, 1::2] = torch.cos(angle)
    return table.float().to(device)


def rope_angles(positions: int, dim: int, base: float = 10000.0, device=None) -> torch.Tensor:
    """(P, D/2): the angle p·θ_i by which pair i is turned at position p."""
    return _angles64(positions, dim, base).float().to(device)


def rope_cos_sin(positions: int, dim: int, base: float = 10000.0, device=None):
    """cos and sin of the rotation angles, each (P, D/2)."""
    angle = _angles64(positions, dim, base)
    return torch.cos(angle).float().to(device), torch.sin(angle).float().to(device)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate x (..., P, D) pair by pair: (x_i, x_{i+D/2}) turned by the angle whose cos, sin are (P, D/2)."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]                # (..., P, D/2) each
    return torch.cat((x1 * cos - x2 * sin,               # first coordinate of each turned pair
                      x1 * sin + x2 * cos), dim=-1)      # second coordinate


def alibi_slopes(heads: int) -> torch.Tensor:
    """(H,) head slopes. For a power of two n: 2^(−8/n), 2^(−16/n), …, 2^(−8). Otherwise the slopes of
    the largest power of two below n, then every other slope of twice that power (ALiBi's recipe)."""
    def power_of_two(n: int) -> list[float]:
        return [2.0 ** (-8.0 * (h + 1) / n) for h in range(n)]

    if heads & (heads - 1) == 0:
        values = power_of_two(heads)
    else:
        low = 2 ** int(math.floor(math.log2(heads)))
        values = power_of_two(low) + power_of_two(2 * low)[0::2][: heads - low]
    return torch.tensor(values, dtype=torch.float32)


def alibi_bias(slopes: torch.Tensor, positions: int, causal: bool = False, device=None) -> torch.Tensor:
    """(H, P, P): bias[h, i, j] = −m_h·|i − j| added to query i's logit for key j (−∞ for j > i if causal)."""
    p = torch.arange(positions, device=device)
    distance = (p[:, None] - p[None, :]).abs().float()               # (P, P)
    bias = -slopes.to(device)[:, None, None] * distance[None]         # (H, P, P)
    if causal:
        future = p[None, :] > p[:, None]                              # (P, P) key after query
        bias = bias.masked_fill(future[None], float("-inf"))
    return bias


def offset_spread(scores: torch.Tensor) -> torch.Tensor:
    """(2P−1,) for a (P, P) score matrix s[m, n]: max − min of s over each diagonal m − n = const
    (index 0 is offset −(P−1)). Zero everywhere means the score depends only on the offset."""
    P = scores.shape[0]
    p = torch.arange(P, device=scores.device)
    offset = (p[:, None] - p[None, :] + P - 1).reshape(-1)            # (P·P,) in 0 … 2P−2
    flat = scores.reshape(-1)
    hi = torch.full((2 * P - 1,), float("-inf"), device=scores.device).scatter_reduce(0, offset, flat, "amax")
    lo = torch.full((2 * P - 1,), float("inf"), device=scores.device).scatter_reduce(0, offset, flat, "amin")
    return hi - lo
