"""Building blocks shared by the positional pages: the page frame (title, subtitle, plots, facts),
number ticks, axis labels, markers, arrows. Qt and numpy only."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from visualizer.core.frame import Frame
from visualizer.ui.theme import Theme
from visualizer.ui.views.base import PlotCanvas
from visualizer.ui.widgets.plots import BASE_POINT_SIZE, Heatmap, LiveCurves, font, style_plot


ON_MATRIX = "#111111"  # markers drawn over a heatmap: dark in both themes (the colour maps are light in the middle)


def css_size(scale: float, delta: float = 0.0) -> str:
    return f"{max(5.0, (BASE_POINT_SIZE + delta) * scale):.1f}pt"


def fmt(value: float, digits: int = 3) -> str:
    """A number for a sentence: 0.400, 12.3, 2.1e-07 (tiny values keep their exponent)."""
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return str(value)
    if abs(value) < 1e-3 or abs(value) >= 1e7:
        return f"{value:.1e}"
    if abs(value) >= 1:
        return str(int(value)) if float(value).is_integer() else f"{value:#.{digits + 1}g}".rstrip(".")
    return f"{value:.{digits}f}"


def index_ticks(plot: pg.PlotItem, side: str, n: int) -> None:
    """Numbered heatmap axis: 0 … n−1 at the cell centres, with pyqtgraph choosing how many labels fit
    (so they never overlap, whatever the plot's size and the font scale)."""
    axis = plot.getAxis(side)
    axis.setTicks(None)  # the heatmap writes one label per cell; here the axis picks its own spacing
    if not getattr(axis, "_cell_ticks", False):
        axis._cell_ticks = True
        axis.tickValues = _cell_tick_values(axis)
        axis.tickStrings = lambda values, scale, spacing: [str(int(round(v - 0.5))) for v in values]
    axis._cells = n


def _cell_tick_values(axis: pg.AxisItem):
    def tick_values(lo: float, hi: float, size: float):
        levels = pg.AxisItem.tickValues(axis, lo - 0.5, hi - 0.5, size)
        out = []
        for spacing, values in levels:
            if spacing < 1:
                continue
            keep = [v + 0.5 for v in values if float(v).is_integer() and 0 <= v < getattr(axis, "_cells", 1 << 30)]
            out.append((spacing, keep))
        return out[:1]  # major ticks only: a heatmap's minor ticks are noise
    return tick_values


def axis_label(plot: pg.PlotItem, side: str, text: str, theme: Theme, scale: float) -> None:
    plot.setLabel(side, text, **{"color": theme.foreground, "font-size": css_size(scale)})


def set_title(plot: pg.PlotItem, text: str, theme: Theme, scale: float) -> None:
    plot.setTitle(text, color=theme.foreground, size=css_size(scale, 1))


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


def arrow_head(plot: pg.PlotItem, x: float, y: float, dx: float, dy: float, color: str, scale: float) -> pg.ArrowItem:
    """An arrow head at (x, y) pointing along (dx, dy) in data coordinates (for an aspect-locked plot)."""
    angle = 180.0 - math.degrees(math.atan2(dy, dx))
    head = pg.ArrowItem(pos=(x, y), angle=angle, headLen=max(8, 13 * scale), tailLen=0, tipAngle=32,
                        pen=pg.mkPen(color), brush=pg.mkBrush(color))
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


def no_si_prefix(plot: pg.PlotItem) -> None:
    """Tick labels show the numbers themselves (no "×0.001" axis scaling)."""
    for side in ("left", "bottom"):
        plot.getAxis(side).enableAutoSIPrefix(False)


def _loose_update_min(label: pg.LabelItem, update_min):
    def loose() -> None:
        update_min()
        label.setMinimumWidth(0)
    return loose


class Page(QWidget):
    """One kind's figure: a title, a subtitle, a canvas of plots and a line of measured facts.
    It is what File → Export figure renders, so it holds no buttons."""

    def __init__(self, theme: Theme, scale: float, parent=None):
        super().__init__(parent)
        self.theme, self.scale = theme, scale
        self.setAutoFillBackground(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(4)
        self.title = QLabel()
        self.subtitle = QLabel()
        self.subtitle.setWordWrap(True)
        self.canvas = PlotCanvas(theme)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        for label in (self.title, self.subtitle):
            label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.facts)
        self.heatmaps: list[Heatmap] = []
        self.curve_sets: list = []
        self.plain_plots: list[pg.PlotItem] = []
        self._style_labels()

    # ---- what pages provide -----------------------------------------------------------------
    def draw(self, frame: Frame, options: dict) -> None:
        raise NotImplementedError

    def data_frame(self, frame: Frame, options: dict) -> Frame:
        """The arrays this page's figure is drawn from (the frame's, plus what the page derived)."""
        return Frame(frame.kind, frame.step, dict(frame.arrays), {**frame.info, "view": dict(options)})

    # ---- helpers ---------------------------------------------------------------------------
    def heatmap(self, plot: pg.PlotItem, **kwargs) -> Heatmap:
        no_si_prefix(plot)
        hm = Heatmap(plot, self.theme, self.scale, **kwargs)
        self.heatmaps.append(hm)
        return hm

    def curves(self, plot: pg.PlotItem) -> LiveCurves:
        no_si_prefix(plot)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        curves = LiveCurves(plot, self.theme, self.scale)
        self.curve_sets.append(curves)
        return curves

    def plain(self, plot: pg.PlotItem) -> pg.PlotItem:
        no_si_prefix(plot)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.showGrid(x=True, y=True, alpha=0.15)
        style_plot(plot, self.theme, self.scale)
        self.plain_plots.append(plot)
        return plot

    def loosen(self) -> None:
        """Titles may be wider than their plot: pyqtgraph makes a title's width the plot's minimum
        (again on every resize), which on a narrow window pushes whole columns out of sight. Keep the
        text's width as the preferred size only, so the layout may shrink a title."""
        for item in self.canvas.ci.items:
            label = item.titleLabel if isinstance(item, pg.PlotItem) else item
            if isinstance(label, pg.LabelItem) and not getattr(label, "_loose", False):
                label._loose = True
                label.updateMin = _loose_update_min(label, label.updateMin)
                label.updateMin()
        # the layout was sized while the titles still held it wide: fit it to the canvas again
        ci = self.canvas.ci
        ci.layout.invalidate()
        ci.updateGeometry()
        if ci.geometry() != self.canvas.range:
            ci.setGeometry(self.canvas.range)

    def set_texts(self, title: str, subtitle: str, facts: str) -> None:
        self.title.setText(title)
        self.subtitle.setText(subtitle)
        self.subtitle.setVisible(bool(subtitle))
        self.facts.setText(facts)
        self.facts.setVisible(bool(facts))

    def restyle(self, theme: Theme, scale: float) -> None:
        self.theme, self.scale = theme, scale
        self.canvas.set_theme(theme)
        for hm in self.heatmaps:
            hm.restyle(theme, scale)
        for curves in self.curve_sets:
            curves.restyle(theme, scale)
        for plot in self.plain_plots:
            style_plot(plot, theme, scale)
        self._style_labels()

    def _style_labels(self) -> None:
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Window, QColor(self.theme.background))
        pal.setColor(QPalette.ColorRole.WindowText, QColor(self.theme.foreground))
        self.setPalette(pal)
        self.title.setFont(font(self.scale, bold=True, delta=5))
        self.subtitle.setFont(font(self.scale, delta=1))
        self.facts.setFont(font(self.scale, delta=1))
        self.subtitle.setStyleSheet(f"color: {self.theme.muted};")
        self.facts.setStyleSheet(f"color: {self.theme.foreground};")

    def strong(self, text: str) -> str:
        """Rich-text emphasis in the theme's accent colour (for the measured numbers)."""
        return f'<b style="color:{self.theme.accent}">{text}</b>'
