"""Pieces shared by the attention pages: head colours, colour levels for attention weights,
token labels and a reusable matrix-mosaic image. Qt and numpy only."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from visualizer.ui.widgets import colors
from visualizer.ui.widgets.colors import readable_on

# 12 distinguishable head colours (Tableau 10 + two), then hues around the wheel
HEAD_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#3949ab", "#ad494a")


def head_colour(h: int, n: int, background: str | None = None) -> QColor:
    """Head h's colour (0-based); on a `background` it is lightened or darkened until it reads
    (heads 11 and 12's dark blue and red vanish on the dark theme otherwise)."""
    if n <= len(HEAD_COLOURS):
        c = QColor(HEAD_COLOURS[h])
    else:
        c = pg.intColor(h, hues=n, values=1, minValue=200, maxValue=200, sat=200)
    return readable_on(c, background) if background else c


def weight_levels(matrix: np.ndarray, mode: str) -> tuple[float, float]:
    """(0, largest weight) per matrix (mode "max": faint heads stay readable) or (0, 1) ("unit")."""
    if mode == "unit":
        return 0.0, 1.0
    finite = matrix[np.isfinite(matrix)]
    top = float(finite.max()) if finite.size else 1.0
    return 0.0, (top if top > 0 else 1.0)


def signed_levels(matrix: np.ndarray) -> tuple[float, float]:
    finite = matrix[np.isfinite(matrix)]
    m = float(np.abs(finite).max()) if finite.size else 1.0
    return -(m or 1.0), (m or 1.0)


def display_tokens(frame) -> list[str]:
    """The words the figure writes for a frame's tokens: its `token_labels` ("s" for the
    tokenizer's "##s") where the lab gives them, else the tokens themselves."""
    return [str(t) for t in (frame["token_labels"] if "token_labels" in frame.arrays else frame["tokens"])]


def token_labels(tokens, numbered: bool = False) -> list[str]:
    tokens = [str(t) for t in tokens]
    if numbered:
        return [f"{i + 1} {t}" for i, t in enumerate(tokens)]
    return tokens


def lookup_table(cmap_name: str, theme=None) -> np.ndarray:
    """256 × 4 uint8 RGBA for a quantity or colour map name (widgets/colors.py), for the theme."""
    if theme is None:
        return pg.colormap.get(cmap_name).getLookupTable(nPts=256, alpha=True, mode="byte")
    return colors.lookup_table(cmap_name, theme)


def mosaic(matrices: np.ndarray, lut: np.ndarray, background: QColor, *, max_cells: int = 64,
           levels: str = "max") -> tuple[np.ndarray, int, int]:
    """Pack R × C non-negative matrices (R, C, T, T) into one RGBA image of R × C thumbnails.

    Each thumbnail is scaled to its own (0, max) (or (0, 1)); matrices longer than max_cells are
    max-pooled to at most max_cells pixels a side so a peak never disappears. Returns the image
    (rows, cols, 4), the thumbnail side in pixels and the gap between thumbnails."""
    R, C, T, _ = matrices.shape
    f = max(1, math.ceil(T / max_cells))
    if f > 1:
        pad = (-T) % f
        a = np.pad(matrices, ((0, 0), (0, 0), (0, pad), (0, pad))) if pad else matrices
        S = (T + pad) // f
        m = a[:, :, 0::f, 0::f].copy()
        for di in range(f):          # max-pool with f × f strided maxima: far faster than a
            for dj in range(f):      # reduction over non-contiguous axes
                if di or dj:
                    np.maximum(m, a[:, :, di::f, dj::f], out=m)
    else:
        m, S = matrices, T
    if levels == "unit":
        top = np.ones((R, C, 1, 1), dtype=np.float32)
    else:
        top = matrices.reshape(R, C, -1).max(axis=2).astype(np.float32).reshape(R, C, 1, 1)
        top[top <= 0] = 1.0
    index = np.clip(m * (255.0 / top), 0, 255).astype(np.uint8)         # (R, C, S, S)
    # one RGBA pixel is one uint32: np.take on the packed table is ~10× faster than lut[index]
    lut32 = np.ascontiguousarray(lut, dtype=np.uint8).view(np.uint32).ravel()
    rgba = np.take(lut32, index)                                       # (R, C, S, S) packed RGBA
    gap = max(1, S // 10)
    bg = np.array([background.red(), background.green(), background.blue(), 255], dtype=np.uint8).view(np.uint32)[0]
    canvas = np.full((R, S + gap, C, S + gap), bg, dtype=np.uint32)
    canvas[:, :S, :, :S] = rgba.transpose(0, 2, 1, 3)
    image = canvas.reshape(R * (S + gap), C * (S + gap))[: R * (S + gap) - gap, : C * (S + gap) - gap]
    image = np.ascontiguousarray(image).view(np.uint8).reshape(image.shape[0], image.shape[1], 4)
    return image, S, gap
