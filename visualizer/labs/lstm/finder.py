"""The unit finder: which hidden units follow a property of the input.

For each property p (a number per time step: inside a string, bracket depth, ...) and each unit
(layer k, unit j) of a quantity (h, or c for the LSTM), Pearson's r between p_t and the unit's
activation a_t over the time steps of the shown sequence. Units are ranked by |r|. A property
that is constant over the sequence has no correlation: its row is 0 and it is reported as such.
"""

from __future__ import annotations

import numpy as np


def correlations(properties: np.ndarray, acts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """properties (P, T), acts (L, T, H) → (r (P, L, H), constant (P,) bool)."""
    p = np.asarray(properties, dtype=np.float64)
    a = np.asarray(acts, dtype=np.float64)
    pc = p - p.mean(1, keepdims=True)                               # (P, T)
    ac = a - a.mean(1, keepdims=True)                               # (L, T, H)
    p_norm = np.sqrt((pc ** 2).sum(1))                              # (P,)
    a_norm = np.sqrt((ac ** 2).sum(1))                              # (L, H)
    cov = np.einsum("pt,lth->plh", pc, ac)
    denom = p_norm[:, None, None] * a_norm[None]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(denom > 1e-12, cov / np.where(denom > 0, denom, 1.0), 0.0)
    constant = p_norm <= 1e-12
    return np.clip(r, -1.0, 1.0), constant


def rank(r: np.ndarray, top: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """r (P, L, H) → (layer (P, K), unit (P, K), r (P, K)), best |r| first, K = min(top, L·H)."""
    P, L, H = r.shape
    flat = np.abs(r.reshape(P, L * H))
    k = min(top, L * H)
    order = np.argsort(-flat, axis=1, kind="stable")[:, :k]
    layer, unit = np.divmod(order, H)
    return layer.astype(np.int64), unit.astype(np.int64), np.take_along_axis(r.reshape(P, L * H), order, 1)
