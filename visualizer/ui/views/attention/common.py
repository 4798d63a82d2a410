"""Pieces shared by the attention pages: the figure box (title, facts, note), head colours,
colour levels for attention weights, and a reusable matrix-mosaic image. Qt and numpy only."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from visualizer.ui.theme import Theme
from visualizer.ui.views.base import PlotCanvas
from visualizer.ui.widgets.plots import BASE_POINT_SIZE, font

# 12 distinguishable head colours (Tableau 10 + two), then hues around the wheel
HEAD_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#3949ab", "#ad494a")


def head_colour(h: int, n: int) -> QColor:
    if n <= len(HEAD_COLOURS):
        return QColor(HEAD_COLOURS[h])
    return pg.intColor(h, hues=n, values=1, minValue=200, maxValue=200, sat=200)


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


def fmt(value: float, digits: int = 3) -> str:
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return "−∞" if value < 0 else str(value)
    if abs(value) < 1e-3 or abs(value) >= 1e6:
        return f"{value:.2e}"
    return f"{value:.{digits}g}" if abs(value) >= 1 else f"{value:.{digits}f}"


def token_labels(tokens, numbered: bool = False) -> list[str]:
    tokens = [str(t) for t in tokens]
    if numbered:
        return [f"{i + 1} {t}" for i, t in enumerate(tokens)]
    return tokens


def css_size(scale: float, delta: float = 0.0) -> str:
    return f"{max(5.0, (BASE_POINT_SIZE + delta) * scale):.1f}pt"


class FigureBox(QWidget):
    """What gets exported: a title, a line of facts, an optional note, then the content."""

    def __init__(self, content: QWidget, theme: Theme, scale: float, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel()
        self.facts = QLabel()
        self.note = QLabel()
        for label in (self.title, self.facts, self.note):
            label.setWordWrap(True)
        self.note.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.facts)
        layout.addWidget(self.note)
        layout.addWidget(content, 1)
        self.content = content
        self.setAutoFillBackground(True)
        self.restyle(theme, scale)

    def set_text(self, title: str, facts: str = "", note: str = "") -> None:
        if self.title.text() != title:
            self.title.setText(title)
        if self.facts.text() != facts:
            self.facts.setText(facts)
        self.facts.setVisible(bool(facts))
        if self.note.text() != note:
            self.note.setText(note)
        self.note.setVisible(bool(note))

    def restyle(self, theme: Theme, scale: float) -> None:
        pal = self.palette()
        pal.setColor(QPalette.Window, QColor(theme.background))
        pal.setColor(QPalette.WindowText, QColor(theme.foreground))
        self.setPalette(pal)
        self.title.setFont(font(scale, bold=True, delta=3))
        self.facts.setFont(font(scale, delta=0))
        self.note.setFont(font(scale, delta=0, bold=True))
        self.title.setStyleSheet(f"color: {theme.foreground};")
        self.facts.setStyleSheet(f"color: {theme.muted};")
        self.note.setStyleSheet(f"color: {'#fbbf24' if theme.dark else '#b45309'};")


def lookup_table(cmap_name: str) -> np.ndarray:
    """256 × 4 uint8 RGBA for a pyqtgraph colour map name."""
    return pg.colormap.get(cmap_name).getLookupTable(nPts=256, alpha=True, mode="byte")


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


class ThinAxis(pg.AxisItem):
    """An axis whose tick labels never overlap: when they would, only every k-th is written
    (the smallest k that fits at the current size), so token labels stay readable at any width."""

    def generateDrawSpecs(self, p):  # noqa: N802 - pyqtgraph's name
        specs = super().generateDrawSpecs(p)
        if specs is None:
            return specs
        axis_spec, tick_specs, text_specs = specs
        if len(text_specs) < 2:
            return specs
        vertical = self.orientation in ("left", "right")
        ordered = sorted(text_specs, key=lambda s: s[0].top() if vertical else s[0].left())
        pad = 3.0
        for k in range(1, len(ordered) + 1):
            kept = ordered[::k]
            ok = True
            for a, b in zip(kept, kept[1:]):
                ra, rb = a[0], b[0]
                if (rb.top() < ra.bottom() + pad) if vertical else (rb.left() < ra.right() + pad):
                    ok = False
                    break
            if ok:
                return axis_spec, tick_specs, kept
        return axis_spec, tick_specs, ordered[:1]


def thin_axes() -> dict:
    """axisItems for addPlot(...): the left and bottom axes as ThinAxis."""
    return {side: ThinAxis(side) for side in ("left", "bottom")}


def relax_label(label: pg.LabelItem, min_width: float = 24.0, prefer_text_width: bool = True) -> None:
    """Let a LabelItem (a plot title) be narrower than its text when space is short, so a grid
    of plots fits a small window instead of being clipped; it keeps its full width when it can."""

    def update_min(label=label):
        bounds = label.itemRect()
        label.setMinimumWidth(min(min_width, bounds.width()))
        label.setMinimumHeight(bounds.height())
        label._sizeHint = {
            Qt.SizeHint.MinimumSize: (min(min_width, bounds.width()), bounds.height()),
            Qt.SizeHint.PreferredSize: (bounds.width() if prefer_text_width else min_width, bounds.height()),
            Qt.SizeHint.MaximumSize: (-1, -1),
            Qt.SizeHint.MinimumDescent: (0, 0),
        }
        label.updateGeometry()

    label.updateMin = update_min
    update_min()


def relax_plot(plot: pg.PlotItem) -> pg.PlotItem:
    relax_label(plot.titleLabel)
    return plot


def add_plot(layout, row: int, col: int, **kwargs) -> pg.PlotItem:
    """A plot for a heatmap: non-overlapping tick labels and a title that may shrink."""
    return relax_plot(layout.addPlot(row=row, col=col, axisItems=thin_axes(), **kwargs))


class ResizingCanvas(PlotCanvas):
    """A PlotCanvas that says when it was resized (to share its width between plots)."""

    resized = Signal()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.resized.emit()
