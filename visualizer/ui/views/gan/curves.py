"""A plot of live curves for the GAN view: fixed colours, event markers, a read-out row.

The curves are named in the plot's title, each name in its curve's colour (no legend box over
the data); the title shrinks, then is cut with "…", rather than be clipped (the kit's
set_title). The latest numbers sit in a row under the plot (rows.TextRow), never over a curve.
Every item is created once and updated with setData, so a redraw costs what changed. Long
curves are peak-downsampled in numpy (a min and a max per pair of pixel columns, so spikes stay
visible): a redraw stays cheap however long training runs; the full arrays stay in the frame
for export.

Measured on the raster engine: a noisy 400-point curve costs ~0.5 ms with a 1-px pen but
60–80 ms with a 2-px antialiased one (Qt strokes the self-overlapping path), and translucent
pens cost several times more than opaque ones. So: 1-px opaque pens.
"""

from __future__ import annotations

import html
from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from visualizer.ui.theme import Theme
from visualizer.ui.views.gan.rows import TextRow
from visualizer.ui.widgets.plots import font, line_antialias, set_title, style_plot

LABELLED_EVENTS = 4   # the most recent events carry their text; older ones are plain lines


def colored(text: str, c: str) -> str:
    """`text` in colour `c`, bold, for a title that doubles as the legend."""
    return f'<span style="color:{c}; font-weight:600">{html.escape(text)}</span>'


def peak(x: np.ndarray, y: np.ndarray, most: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ~`most` points: each run of k consecutive points becomes its min and its max (in
    step order), so spikes stay visible; the last points are kept as they are."""
    n = len(y)
    if n <= most:
        return x, y
    k = int(np.ceil(2 * n / most))
    m = (n // k) * k
    yb, xb = y[:m].reshape(-1, k), x[:m].reshape(-1, k)
    lo, hi = yb.argmin(axis=1), yb.argmax(axis=1)
    first, second = np.minimum(lo, hi), np.maximum(lo, hi)
    rows = np.arange(len(yb))
    xs = np.stack([xb[rows, first], xb[rows, second]], 1).ravel()
    ys = np.stack([yb[rows, first], yb[rows, second]], 1).ravel()
    return np.concatenate([xs, x[m:]]), np.concatenate([ys, y[m:]])


class CurvePlot:
    def __init__(self, plot: pg.PlotItem, theme: Theme, scale: float):
        self.plot = plot
        self.theme = theme
        self.scale = scale
        self.title = ""
        self._shown_title = None
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        # no grid: with a grid, each axis's bounding box covers the plot, so every curve update
        # would repaint the axes too (measured: the largest part of a frame's paint time)
        plot.getViewBox().setDefaultPadding(0.02)
        plot.enableAutoRange(x=False, y=False)
        self.curves: dict[str, tuple[pg.PlotDataItem, Callable[[Theme], str], bool]] = {}
        self._events: list[pg.InfiniteLine] = []
        self._event_key = None
        self.label_events = False
        self._ref: pg.InfiniteLine | None = None
        self._bounds: dict[str, tuple[float, float]] = {}
        self._y: tuple[float, float] | None = None
        self.readout = TextRow()
        plot.layout.addItem(self.readout, 4, 1)       # under the bottom axis: outside the data
        self.restyle(theme, scale)

    # ---- items -----------------------------------------------------------------------------------
    def add(self, name: str, pick_color: Callable[[Theme], str], *, dash: bool = False) -> None:
        # a bare PlotCurveItem: PlotDataItem's layers (datasets, auto-downsampling, clipping) cost
        # ~1.5 ms per curve and frame in Python; peak() below does the downsampling in numpy
        item = pg.PlotCurveItem(skipFiniteCheck=True)
        self.plot.addItem(item)
        self.curves[name] = (item, pick_color, dash)
        self._pen(name)

    def color_of(self, name: str) -> str:
        return self.curves[name][1](self.theme)

    def _pen(self, name: str) -> None:
        item, pick_color, dash = self.curves[name]
        width = self.theme.pen_width(1)          # wider in high contrast, then not antialiased: as cheap
        item.opts["antialias"] = line_antialias(width)
        item.setPen(pg.mkPen(pick_color(self.theme), width=width, style=Qt.DashLine if dash else Qt.SolidLine))

    def set(self, name: str, x: np.ndarray, y: np.ndarray) -> None:
        item = self.curves[name][0]
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if not np.isfinite(y).all():
            keep = np.isfinite(y)
            x, y = x[keep], y[keep]
        width = int(self.plot.getViewBox().width()) or 600
        item.setData(*peak(x, y, max(2 * width, 400)))
        if len(y):
            self._bounds[name] = (float(y.min()), float(y.max()))
        else:
            self._bounds.pop(name, None)

    def fit_y(self, fixed: tuple[float, float] | None = None) -> None:
        """Set the y range to hold every curve, changing it only when the data leave it or fill
        less than half of it: a steady range keeps the axis (and its repaint) still."""
        if fixed is not None:
            lo, hi = fixed
        else:
            if not self._bounds:
                return
            lo = min(b[0] for b in self._bounds.values())
            hi = max(b[1] for b in self._bounds.values())
            if self._y is not None:
                y0, y1 = self._y
                inside = y0 <= lo and hi <= y1
                if inside and (hi - lo) >= 0.5 * (y1 - y0):
                    return
            pad = 0.08 * max(hi - lo, 1e-3)
            lo, hi = lo - pad, hi + pad
        if self._y != (lo, hi):
            self._y = (lo, hi)
            self.plot.setYRange(lo, hi, padding=0)

    def reference(self, y: float | None, text: str = "") -> None:
        """A dashed horizontal line (D(x) = ½), or none."""
        if y is None:
            if self._ref is not None:
                self._ref.setVisible(False)
            return
        if self._ref is None:
            self._ref = pg.InfiniteLine(angle=0, movable=False, label=text,
                                        labelOpts={"position": 0.99, "anchors": [(1, 1), (1, 1)]})
            self.plot.addItem(self._ref, ignoreBounds=True)
            self._style_ref()
            vb = self.plot.getViewBox()
            vb.sigResized.connect(self._place_ref_label)
            vb.sigYRangeChanged.connect(self._place_ref_label)
        if self._ref.value() != y:
            self._ref.setValue(y)
        if self._ref.label.format != text:
            self._ref.label.setFormat(text)
        self._ref.setVisible(True)
        self._place_ref_label()

    def _place_ref_label(self, *_args) -> None:
        """The reference line's words above the line where they fit, else under it, else across it
        on a plate of the background colour: never cut by the plot's edge (a short plot at
        presentation zoom has no room above the line for a line of text)."""
        ref = self._ref
        if ref is None or not ref.isVisible():
            return
        vb = self.plot.getViewBox()
        (_x, (y0, y1)), height = vb.viewRange(), vb.height()
        if height <= 1 or y1 <= y0:
            return
        label = ref.label
        margin = label.textItem.document().documentMargin()
        need = max(1.0, label.textItem.boundingRect().height() - 2 * margin + 2)
        above = (y1 - ref.value()) / (y1 - y0) * height      # px from the line up to the top
        below = height - above
        if above >= need:
            a = 1.0                                            # over the line
        elif below >= need:
            a = 0.0                                            # under it
        else:
            a = min(max(0.5, 1 - below / need), max(0.0, above / need))
        anchors = [(1, a), (1, a)]
        if (anchors, self.theme.background) != getattr(self, "_ref_placed", None):
            self._ref_placed = (anchors, self.theme.background)
            label.anchors = anchors
            label.fill = pg.mkBrush(self.theme.background) if 0 < a < 1 else pg.mkBrush(None)
            label.updatePosition()
            label.update()

    def set_title(self, text: str) -> None:
        """Plain text or HTML (curve names in their colours); re-laid out only when it changes."""
        self.title = text
        key = (text, self.theme.name, self.scale)
        if key != self._shown_title:
            self._shown_title = key
            set_title(self.plot, text, self.theme, self.scale)

    def set_readout(self, text: str) -> None:
        self.readout.set_text(text)

    def set_events(self, steps: np.ndarray, texts: np.ndarray) -> None:
        """Vertical markers where a live option changed; with label_events, the most recent
        ones also carry their text, written across the top of the plot."""
        key = (tuple(int(s) for s in steps), tuple(str(t) for t in texts), self.theme.name, self.scale)
        if key == self._event_key:
            return
        self._event_key = key
        n = len(steps)
        while len(self._events) < n:
            line = pg.InfiniteLine(angle=90, movable=False, label="",
                                   labelOpts={"position": 0.93, "anchors": [(0, 0.5), (0, 0.5)]})
            self.plot.addItem(line, ignoreBounds=True)
            self._events.append(line)
        pen = pg.mkPen(self.theme.muted, width=self.theme.pen_width(1), style=Qt.DashLine)   # opaque: translucent pens are slow
        f = font(self.scale, delta=-2)
        for i, line in enumerate(self._events):
            if i >= n:
                line.setVisible(False)
                continue
            line.setPen(pen)
            line.setValue(float(steps[i]))
            labelled = self.label_events and i >= n - LABELLED_EVENTS
            line.label.setFormat(" " + str(texts[i]) if labelled else "")
            line.label.setColor(self.theme.muted)
            line.label.setFont(f)
            line.label.fill = pg.mkBrush(self.theme.background)
            line.setVisible(True)

    # ---- style -----------------------------------------------------------------------------------
    def restyle(self, theme: Theme, scale: float) -> None:
        self.theme, self.scale = theme, scale
        style_plot(self.plot, theme, scale)
        for name in ("left", "bottom"):
            self.plot.getAxis(name).setStyle(tickLength=4)   # outside: see space.outside_ticks
        for name in self.curves:
            self._pen(name)
        self.readout.set_style(font(scale, delta=-1), theme.foreground)
        self._style_ref()
        self._event_key = None
        self._shown_title = None

    def _style_ref(self) -> None:
        if self._ref is not None:
            self._ref.setPen(pg.mkPen(self.theme.muted, width=self.theme.pen_width(1), style=Qt.DashLine))
            self._ref.label.setColor(self.theme.muted)
            self._ref.label.setFont(font(self.scale, delta=-1))
            self._place_ref_label()               # placed again for the new font and colours
