"""The plotting vocabulary every view uses: one number format, one font size rule, one title
style, one way to thin tick labels, one title that may shrink; a canvas, a labelled heatmap and
live curves. Views build on these instead of writing their own."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem

from visualizer.ui.fonts import BASE_POINT_SIZE, font  # noqa: F401 - re-exported for views
from visualizer.ui.theme import Theme

pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)


# ---- words and sizes ---------------------------------------------------------------------------
def fmt(value: float, digits: int = 3) -> str:
    """A number for a title or a sentence: 0.400, 2.83, 12.3, 8, 2.10e-07 (`digits` significant
    digits from 1 up; `digits` decimals below 1; an exponent below 1e-3 and from 1e6)."""
    value = float(value)
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("−∞" if value < 0 else "∞")
    if abs(value) < 1e-3 or abs(value) >= 1e6:
        return f"{value:.{max(0, digits - 1)}e}"
    if abs(value) >= 1:
        if value.is_integer():
            return str(int(value))
        return f"{value:#.{digits}g}".rstrip(".")
    return f"{value:.{digits}f}"


def css_size(scale: float, delta: float = 0.0) -> str:
    """A font size for pyqtgraph's HTML labels, following the font scale like font() does."""
    return f"{max(5.0, (BASE_POINT_SIZE + delta) * scale):.1f}pt"


def title_size(scale: float) -> str:
    """The size of every plot title."""
    return css_size(scale, 1)


class PlotCanvas(pg.GraphicsLayoutWidget):
    """A GraphicsLayoutWidget that follows the theme's background."""

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.set_theme(theme)

    def set_theme(self, theme: Theme) -> None:
        self.setBackground(theme.background)


class ResizingCanvas(PlotCanvas):
    """A PlotCanvas that says when it was resized (to share its width between plots)."""

    resized = Signal()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.resized.emit()


# ---- axes and titles that fit ----------------------------------------------------------------------
class ThinAxis(pg.AxisItem):
    """The one way tick labels are thinned: when they would overlap, only every k-th is written
    (the smallest k that fits at the current size), so labels stay readable at any width."""

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
    """Let a LabelItem (a plot title) be narrower than its text when space is short. pyqtgraph
    makes a title's width its plot's minimum (again on every text change), which pushes whole
    columns of a grid out of sight in a small window; the text's width stays the preferred size."""
    if getattr(label, "_relaxed", False):
        return
    label._relaxed = True

    def update_min(label=label):
        bounds = label.itemRect()
        narrow = min(min_width, bounds.width())
        label.setMinimumWidth(narrow)
        label.setMinimumHeight(bounds.height())
        label._sizeHint = {
            Qt.SizeHint.MinimumSize: (narrow, bounds.height()),
            Qt.SizeHint.PreferredSize: (bounds.width() if prefer_text_width else min_width, bounds.height()),
            Qt.SizeHint.MaximumSize: (-1, -1),
            Qt.SizeHint.MinimumDescent: (0, 0),
        }
        label.updateGeometry()

    label.updateMin = update_min
    update_min()


def add_plot(layout, row: int, col: int, **kwargs) -> pg.PlotItem:
    """A plot for a heatmap or a chart: tick labels that never overlap and a title that may shrink."""
    plot = layout.addPlot(row=row, col=col, axisItems=thin_axes(), **kwargs)
    relax_label(plot.titleLabel)
    return plot


def number_ticks(plot: pg.PlotItem, side: str, n: int) -> None:
    """A heatmap axis numbered 0 … n−1 at the cell centres, pyqtgraph choosing how many numbers
    fit (so they never overlap, whatever the size and the font scale)."""
    axis = plot.getAxis(side)
    axis.setTicks(None)
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


def style_plot(plot: pg.PlotItem, theme: Theme, scale: float, title: str | None = None) -> None:
    """Axes, tick labels and title in the theme's colours at the current font scale."""
    pen = pg.mkPen(theme.foreground)
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(theme.muted))
        axis.setTextPen(pen)
        axis.setTickFont(font(scale, delta=-1))
        axis.label.setFont(font(scale))
        axis.setStyle(tickTextOffset=max(2, int(3 * scale)))
        # an axis is repainted whenever anything near it changes; a pixmap cache turns that into
        # a blit (drawing tick text cost ~3 ms per axis per frame). Vector export switches it off.
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    if title is not None:
        set_title(plot, title, theme, scale)


def set_title(plot: pg.PlotItem, text: str, theme: Theme, scale: float) -> None:
    plot.setTitle(text, color=theme.foreground, size=title_size(scale))


def short_label(text: str, limit: int = 12) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tick_list(labels):
    """One tick per cell centre; a ThinAxis writes as many of them as fit."""
    return [[(i + 0.5, short_label(str(label))) for i, label in enumerate(labels)]]


class Heatmap(QObject):
    """A matrix as an image in a PlotItem: labelled rows/columns (row 0 at the top), an optional
    colour bar, exact values on hover, numbers in the cells when they fit, and clickable cells."""

    cell_clicked = Signal(int, int)
    hovered = Signal(str)

    def __init__(self, plot: pg.PlotItem, theme: Theme, scale: float = 1.0, *, colorbar: bool = True,
                 cell_text: bool = True, show_axes: bool = True):
        super().__init__()
        self.plot = plot
        self.theme = theme
        self.scale = scale
        self.cell_text = cell_text
        self.text_max_cells = 144   # numbers are written in the cells only up to this many cells
        self.text_max_side = 12     # ... and this many rows or columns
        self.values: np.ndarray | None = None
        self.rows: list[str] = []
        self.cols: list[str] = []
        self.title = ""
        self.cmap_name = theme.sequential
        if not isinstance(plot.getAxis("bottom"), ThinAxis):
            plot.setAxisItems(thin_axes())  # every label fits, or every k-th is written
        self.image = pg.ImageItem(axisOrder="row-major")
        plot.addItem(self.image)
        plot.invertY(True)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        plot.getViewBox().setDefaultPadding(0.0)
        if not show_axes:
            plot.hideAxis("left")
            plot.hideAxis("bottom")
        self._texts: list[pg.TextItem] = []   # a pool: reused from frame to frame, extras hidden
        self._mask_items: list = []
        self._ticks: tuple | None = None
        self._axis_labels: tuple | None = None
        self._shown_title: tuple | None = None
        self.colorbar = None
        if colorbar:
            self.colorbar = pg.ColorBarItem(interactive=False, width=12, colorMap=pg.colormap.get(self.cmap_name))
            self.colorbar.setImageItem(self.image, insert_in=plot)
        self.image.hoverEvent = self._hover
        self.image.mouseClickEvent = self._click
        self._style_all()

    def set_axis_labels(self, rows: str = "", cols: str = "") -> None:
        """Name the axes (e.g. "query" down the side, "key" along the bottom); "" leaves one unnamed."""
        if self._axis_labels == (rows, cols):
            return
        self._axis_labels = (rows, cols)
        if rows:  # an empty name leaves that axis as it is (setLabel would show a hidden axis)
            self.plot.setLabel("left", rows)
        if cols:
            self.plot.setLabel("bottom", cols)
        style_plot(self.plot, self.theme, self.scale)

    def _style_all(self) -> None:
        style_plot(self.plot, self.theme, self.scale)
        if self.colorbar is not None:
            axis = self.colorbar.axis
            axis.setPen(pg.mkPen(self.theme.muted))
            axis.setTextPen(pg.mkPen(self.theme.foreground))
            axis.setTickFont(font(self.scale, delta=-1))

    # ---- data ----------------------------------------------------------------------------
    def set_matrix(self, values, rows=None, cols=None, *, title: str = "", levels=None,
                   cmap: str | None = None, masked=None) -> None:
        """Draw `values` (R × C). `levels` defaults to (0, max) for non-negative data and a
        symmetric (−m, m) for signed data; `masked` (bool R × C) cells are hatched grey."""
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2:
            raise ValueError(f"a heatmap needs a 2-D matrix, got shape {values.shape}")
        self.values = values
        self.rows = [str(r) for r in (rows if rows is not None else range(values.shape[0]))]
        self.cols = [str(c) for c in (cols if cols is not None else range(values.shape[1]))]
        finite = values[np.isfinite(values)]
        if levels is None:
            if finite.size == 0:
                levels = (0.0, 1.0)
            elif finite.min() >= 0:
                levels = (0.0, float(finite.max()) or 1.0)
            else:
                m = float(np.abs(finite).max()) or 1.0
                levels = (-m, m)
        name = cmap or (self.theme.sequential if levels[0] >= 0 else self.theme.diverging)
        if name != self.cmap_name or self.colorbar is None:
            self.cmap_name = name
        cmap_obj = pg.colormap.get(self.cmap_name)
        shown = np.where(np.isfinite(values), values, levels[0])
        self.image.setLookupTable(cmap_obj.getLookupTable(nPts=256))
        self.image.setImage(shown, levels=levels, autoLevels=False)
        self.image.setRect(0, 0, values.shape[1], values.shape[0])
        if self.colorbar is not None:
            self.colorbar.setColorMap(cmap_obj)
            self.colorbar.setLevels(levels)
        ticks = (tuple(self.rows), tuple(self.cols))
        if ticks != self._ticks:  # re-laying out the axes is the slow part of a redraw: only when labels change
            self._ticks = ticks
            self.plot.getAxis("bottom").setTicks(tick_list(self.cols))
            self.plot.getAxis("left").setTicks(tick_list(self.rows))
            self.plot.setXRange(0, values.shape[1], padding=0)
            self.plot.setYRange(0, values.shape[0], padding=0)
        self.title = title
        self._set_title()
        self._draw_cell_text(values, levels, cmap_obj, masked)
        self._draw_mask(masked)

    def _set_title(self) -> None:
        key = (self.title, self.theme.foreground, self.scale)
        if key != self._shown_title:
            self._shown_title = key
            set_title(self.plot, self.title, self.theme, self.scale)

    def _draw_cell_text(self, values, levels, cmap_obj, masked=None) -> None:
        r, c = values.shape
        n = 0
        hidden = np.zeros(values.shape, dtype=bool) if masked is None else np.asarray(masked, dtype=bool)
        if self.cell_text and r * c <= self.text_max_cells and max(r, c) <= self.text_max_side:
            lo, hi = levels
            f = font(self.scale, delta=-2)
            finite = np.isfinite(values)
            frac = np.clip((values - lo) / (hi - lo), 0, 1) if hi != lo else np.full(values.shape, 0.5)
            rgb = cmap_obj.map(np.where(finite, frac, 0.0).ravel(), mode="float")[:, :3].reshape(r, c, 3)
            light = rgb @ np.array([0.299, 0.587, 0.114]) > 0.55
            for i in range(r):
                for j in range(c):
                    v = values[i, j]
                    text = "−∞" if v == -np.inf else ("" if not np.isfinite(v) else f"{v:.2f}")
                    if hidden[i, j]:
                        continue  # a masked cell shows its hatch, not a number
                    if n == len(self._texts):
                        item = pg.TextItem("", anchor=(0.5, 0.5))
                        self.plot.addItem(item)
                        self._texts.append(item)
                    item = self._texts[n]
                    item.setText(text, color="#111111" if light[i, j] else "#f5f5f5")
                    item.setFont(f)
                    item.setPos(j + 0.5, i + 0.5)
                    item.setVisible(True)
                    n += 1
        for item in self._texts[n:]:
            item.setVisible(False)

    def _draw_mask(self, masked) -> None:
        for item in self._mask_items:
            self.plot.removeItem(item)
        self._mask_items = []
        if masked is None:
            return
        masked = np.asarray(masked, dtype=bool)
        ys, xs = np.nonzero(masked)
        if len(xs) == 0:
            return
        item = pg.ScatterPlotItem(x=xs + 0.5, y=ys + 0.5, symbol="x", size=max(6, 10 * self.scale),
                                  pen=pg.mkPen("#9ca3af", width=1.5), brush=None)
        item.mouseClickEvent = lambda event: event.ignore()  # a hatched cell stays clickable
        self.plot.addItem(item)
        self._mask_items.append(item)

    def restyle(self, theme: Theme, scale: float) -> None:
        self.theme, self.scale = theme, scale
        self._style_all()
        if self.values is not None:
            self._set_title()

    # ---- interaction -----------------------------------------------------------------------
    def cell_at(self, pos: QPointF):
        if self.values is None:
            return None
        j, i = int(np.floor(pos.x())), int(np.floor(pos.y()))
        if 0 <= i < self.values.shape[0] and 0 <= j < self.values.shape[1]:
            return i, j
        return None

    def describe_cell(self, i: int, j: int) -> str:
        v = self.values[i, j]
        return f"{self.title}  [{self.rows[i]} → {self.cols[j]}]  = {v:.6g}"

    def _hover(self, event) -> None:
        if event.isExit():
            self.image.setToolTip("")
            return
        cell = self.cell_at(event.pos())
        if cell is not None:
            text = self.describe_cell(*cell)
            self.image.setToolTip(text)
            self.hovered.emit(text)

    def _click(self, event) -> None:
        if event.button() != Qt.LeftButton:
            return
        cell = self.cell_at(event.pos())
        if cell is not None:
            event.accept()
            self.cell_clicked.emit(*cell)


class LiveCurves:
    """Named curves in one PlotItem, drawn from arrays the frame already holds (bounded by the lab).
    Clip to view and automatic downsampling keep a redraw cheap however long the run."""

    def __init__(self, plot: pg.PlotItem, theme: Theme, scale: float = 1.0):
        self.plot = plot
        self.theme = theme
        self.curves: dict[str, pg.PlotDataItem] = {}
        plot.setClipToView(True)
        plot.setDownsampling(auto=True, mode="peak")
        plot.showGrid(x=True, y=True, alpha=0.2)
        self.legend = plot.addLegend(offset=(-5, 5), labelTextColor=theme.foreground,
                                     labelTextSize=_legend_size(scale))
        style_plot(plot, theme, scale)

    def set(self, name: str, x, y, *, label: str | None = None) -> None:
        curve = self.curves.get(name)
        if curve is None:
            color = self.theme.series[len(self.curves) % len(self.theme.series)]
            curve = self.plot.plot(name=label or name, pen=pg.mkPen(color, width=2), skipFiniteCheck=True)
            self.curves[name] = curve
        curve.setData(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))

    def remove(self, name: str) -> None:
        """Take one curve (and its legend entry) away; unknown names are ignored."""
        curve = self.curves.pop(name, None)
        if curve is not None:
            self.legend.removeItem(curve)
            self.plot.removeItem(curve)

    def clear(self) -> None:
        for name in list(self.curves):
            self.remove(name)

    def restyle(self, theme: Theme, scale: float) -> None:
        self.theme = theme
        style_plot(self.plot, theme, scale)
        for i, curve in enumerate(self.curves.values()):
            curve.setPen(pg.mkPen(theme.series[i % len(theme.series)], width=2))
        self.legend.setLabelTextColor(theme.foreground)
        self.legend.setLabelTextSize(_legend_size(scale))


def _legend_size(scale: float) -> str:
    return css_size(scale, -1)


def color(hex_or_name: str, alpha: int = 255) -> QColor:
    c = QColor(hex_or_name)
    c.setAlpha(alpha)
    return c
