"""Building blocks shared by the positional pages: axis labels, markers, arrows, corner labels.
Qt and numpy only; the page frame and the plotting vocabulary come from the view kit."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from visualizer.ui.theme import Theme
from visualizer.ui.widgets.plots import css_size, font


ON_MATRIX = "#111111"  # markers drawn over a heatmap: dark in both themes (the colour maps are light in the middle)


def axis_label(plot: pg.PlotItem, side: str, text: str, theme: Theme, scale: float) -> None:
    plot.setLabel(side, text, **{"color": theme.foreground, "font-size": css_size(scale)})


def pen(theme_color: str, width: float = 2.0, dashed: bool = False, alpha: int = 255):
    c = QColor(theme_color)
    c.setAlpha(alpha)
    p = pg.mkPen(c, width=width)
    if dashed:
        p.setStyle(Qt.PenStyle.DashLine)
    return p


def text_item(plot: pg.PlotItem, text: str, x: float, y: float, color: str, scale: float, *,
              anchor=(0.5, 0.5), delta: float = -1.0, bold: bool = False) -> pg.TextItem:
    item = pg.TextItem(text, color=color, anchor=anchor)
    item.setFont(font(scale, delta=delta, bold=bold))
    item.setPos(x, y)
    plot.addItem(item)
    return item


def corner_label(plot: pg.PlotItem, color: str, scale: float, corner=(1, 0), offset=(-8, 6)) -> pg.LabelItem:
    """A text box pinned to a corner of the plot ((1, 0): top right) in pixels: it does not move with the data."""
    label = pg.LabelItem("", justify="left")
    label.setParentItem(plot.getViewBox())
    label.anchor(itemPos=corner, parentPos=corner, offset=offset)
    label.opts.update(color=color, size=css_size(scale, -1))
    return label


def arrow_head(plot: pg.PlotItem, x: float, y: float, dx: float, dy: float, color: str, scale: float,
               width: float = 1.0) -> pg.ArrowItem:
    """An arrow head at (x, y) pointing along (dx, dy) in data coordinates (for an aspect-locked plot);
    `width`: its outline's pen width (theme.pen_width(1): thicker in high contrast)."""
    angle = 180.0 - math.degrees(math.atan2(dy, dx))
    head = pg.ArrowItem(pos=(x, y), angle=angle, headLen=max(8, 13 * scale), tailLen=0, tipAngle=32,
                        pen=pg.mkPen(color, width=width), brush=pg.mkBrush(color))
    plot.addItem(head)
    return head


class Items:
    """Throw-away plot items (markers, labels) that are re-made on each draw."""

    def __init__(self):
        self._items: list[tuple[pg.PlotItem, object]] = []

    def add(self, plot: pg.PlotItem, item):
        plot.addItem(item)
        self._items.append((plot, item))
        return item

    def keep(self, plot: pg.PlotItem, item):
        """Track an item that was already added to plot."""
        self._items.append((plot, item))
        return item

    def clear(self) -> None:
        for plot, item in self._items:
            plot.removeItem(item)
        self._items = []


def robust_levels(values: np.ndarray, q: float = 99.5) -> tuple[float, float]:
    """Symmetric colour levels that ignore a few extreme cells (learned tables have outliers)."""
    finite = np.abs(values[np.isfinite(values)])
    m = float(np.percentile(finite, q)) if finite.size else 1.0
    return (-m or -1.0, m or 1.0)
