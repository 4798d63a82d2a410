"""Numpy-only geometry on a sinusoidal table (torch-free and Qt-free: the view uses it too).

For frequency pair i the points u_p = (PE[p, 2i], PE[p, 2i+1]) = (sin pω, cos pω) lie on the unit
circle, and u_{p+k} is u_p turned by the same angle ω·k whatever p is: the rotation depends on the
shift k only. shift_rotation() measures that on the table's own numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class ShiftRotation:
    angle: float            # the rotation u_p -> u_{p+k} found from p = 0, in radians, in (−π, π]
    angles: np.ndarray      # (P−k,) the rotation angle measured at every p
    spread: float           # max − min of `angles` around `angle`: 0 means "the same rotation everywhere"
    residual: float         # max over p of |u_{p+k} − R(angle) u_p|
    rotation: np.ndarray    # (2, 2) R(angle), acting on (sin, cos) column vectors


def _wrap(a):
    return (np.asarray(a) + np.pi) % (2 * np.pi) - np.pi


def pair_points(table: np.ndarray, pair: int) -> np.ndarray:
    """(P, 2) the columns 2i, 2i+1 of a sinusoidal table."""
    return np.asarray(table[:, [2 * pair, 2 * pair + 1]], dtype=np.float64)


def shift_rotation(table: np.ndarray, pair: int, shift: int) -> ShiftRotation:
    u = pair_points(table, pair)                                   # (P, 2) as (sin, cos)
    if shift >= len(u):
        raise ValueError(f"a shift of {shift} leaves no position pair among {len(u)} positions")
    phase = np.arctan2(u[:, 0], u[:, 1])                           # (P,) = pω (mod 2π)
    turn = _wrap(phase[shift:] - phase[:-shift])                   # (P−k,) angle u_p -> u_{p+k}
    angle = float(turn[0])
    spread = float(np.ptp(_wrap(turn - angle))) if len(turn) > 1 else 0.0
    # (sin(a+φ), cos(a+φ)) = [[cos φ, sin φ], [−sin φ, cos φ]] (sin a, cos a)
    c, s = np.cos(angle), np.sin(angle)
    rotation = np.array([[c, s], [-s, c]])
    residual = float(np.abs(u[shift:] - u[:-shift] @ rotation.T).max())
    return ShiftRotation(angle, turn, spread, residual, rotation)
