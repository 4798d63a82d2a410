"""The data-space plot: D's decision surface behind real and generated samples, G's manifold
(a grid in noise space mapped through G), the arrows along which G's loss pushes its samples,
the known modes (ring8, grid25) with their 3σ circles; or, for the digits, a grid of images.

Every item is created once; a frame only calls setData / setImage on them.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QImage

from visualizer.core.frame import Frame
from visualizer.ui.theme import Theme
from visualizer.ui.views.gan import style
from visualizer.ui.views.gan.rows import TextRow
from visualizer.ui.widgets.plots import LegendRow, color, css_size, font, line_antialias, style_plot

SURFACE_UPSAMPLE = 4   # the lab's coarse D grid is shown bilinearly interpolated, 4× finer
DIGIT_GAP = 1          # pixels between two digits


def finite_rows(a: np.ndarray) -> np.ndarray:
    """Rows with finite coordinates only (a diverged generator can produce inf/NaN, which Qt
    must never be asked to draw)."""
    ok = np.isfinite(a).all(axis=-1)
    return a if ok.all() else a[ok]


def move_points(scatter: pg.ScatterPlotItem, pos: np.ndarray) -> None:
    """Move a scatter's points in place when their number is unchanged: setData would rebuild
    every spot's style in Python (~2 ms for 512 points); the painting path reads only x and y."""
    data = scatter.data
    if len(data) != len(pos) or len(pos) == 0:
        scatter.setData(pos=pos)
        return
    data["x"] = pos[:, 0]
    data["y"] = pos[:, 1]
    scatter.prepareGeometryChange()
    scatter.informViewBoundsChanged()
    scatter.bounds = [None, None]
    scatter.invalidate()


class Bilinear:
    """Cell-centred bilinear upsampling of an n × m grid by `factor`, by gathering and blending
    (no BLAS call: numpy's threaded matrix product stalls when the cores are busy training)."""

    def __init__(self, shape: tuple[int, int], factor: int):
        self.shape = shape
        self.rows = self._axis(shape[0], shape[0] * factor)
        self.cols = self._axis(shape[1], shape[1] * factor)

    @staticmethod
    def _axis(n: int, m: int):
        p = np.clip((np.arange(m) + 0.5) * n / m - 0.5, 0, n - 1)
        j0 = np.minimum(np.floor(p).astype(int), max(n - 2, 0))
        j1 = np.minimum(j0 + 1, n - 1)
        return j0, j1, p - j0

    def __call__(self, v: np.ndarray) -> np.ndarray:
        r0, r1, wr = self.rows
        c0, c1, wc = self.cols
        tall = v[r0] * (1 - wr)[:, None] + v[r1] * wr[:, None]           # (M, m)
        return tall[:, c0] * (1 - wc) + tall[:, c1] * wc                   # (M, N)


def outside_ticks(plot: pg.PlotItem) -> None:
    """Ticks drawn outside the plot area: an axis whose ticks reach into the plot is repainted
    each time anything near the plot's edge changes."""
    for name in ("left", "bottom", "right", "top"):
        plot.getAxis(name).setStyle(tickLength=4)


class RGBImage(pg.GraphicsObject):
    """An opaque RGB picture drawn into a rectangle of data coordinates.

    pyqtgraph's ImageItem paints a colour-mapped image as an indexed QImage, which the raster
    engine converts on every paint (measured: 2.7 ms for the surface); an RGB32 QImage is
    drawn in 0.35 ms. The colour map is applied here in numpy instead."""

    def __init__(self):
        super().__init__()
        self._image: QImage | None = None
        self._buffer = None
        self._rect = QRectF()
        self.shape = None

    def set_rgb(self, rgb: np.ndarray, rect: QRectF) -> None:
        """rgb: (H, W, 3) uint8; row 0 goes to rect's smallest y (the bottom when y points up)."""
        h, w = rgb.shape[:2]
        buf = np.empty((h, w, 4), dtype=np.uint8)            # Format_RGB32 is B, G, R, 255 in memory
        buf[..., 0], buf[..., 1], buf[..., 2], buf[..., 3] = rgb[..., 2], rgb[..., 1], rgb[..., 0], 255
        self._buffer = buf                                   # the QImage shares this memory
        self._image = QImage(buf.data, w, h, 4 * w, QImage.Format.Format_RGB32)
        self.shape = (h, w)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = QRectF(rect)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt naming
        return QRectF(self._rect)

    def paint(self, painter, *args) -> None:
        if self._image is not None:
            painter.drawImage(self._rect, self._image)


def colour_lookup(cmap: pg.ColorMap) -> np.ndarray:
    return cmap.getLookupTable(0.0, 1.0, 256, alpha=False).astype(np.uint8)     # (256, 3)


class DrawingViewBox(pg.ViewBox):
    """A ViewBox that, while `drawing` is on, turns left-button drags and clicks into points."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.drawing = False
        self.on_point = None   # callable(x, y, start_of_stroke)

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802 - Qt naming
        if not self.drawing or ev.button() != Qt.MouseButton.LeftButton or self.on_point is None:
            ev.ignore()
            return
        ev.accept()
        p = self.mapSceneToView(ev.scenePos())
        self.on_point(p.x(), p.y(), ev.isStart())

    def mouseClickEvent(self, ev):  # noqa: N802
        if not self.drawing or ev.button() != Qt.MouseButton.LeftButton or self.on_point is None:
            ev.ignore()
            return
        ev.accept()
        p = self.mapSceneToView(ev.scenePos())
        self.on_point(p.x(), p.y(), True)

    def wheelEvent(self, ev, axis=None):  # noqa: N802 - the view range follows the data, not the wheel
        ev.ignore()


def mesh_lines(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Index order and `connect` mask that draw an R × C mesh as its rows, then its columns."""
    r, c = shape
    grid = np.arange(r * c).reshape(r, c)
    parts, connect = [], []
    for line in list(grid) + (list(grid.T) if r > 1 else []):
        parts.append(line)
        mask = np.ones(len(line), dtype=bool)
        mask[-1] = False
        connect.append(mask)
    return np.concatenate(parts), np.concatenate(connect)


def arrow_segments(pos: np.ndarray, push: np.ndarray, span: float) -> np.ndarray:
    """Shaft and two head strokes per arrow as point pairs; the longest arrows are ~9 % of span."""
    mag = np.linalg.norm(push, axis=1)
    ref = float(np.percentile(mag, 95)) if len(mag) else 0.0
    if not np.isfinite(ref) or ref <= 0:
        return np.zeros((0, 2))
    length = 0.09 * span * np.clip(mag / ref, 0.0, 1.0)
    unit = push / np.maximum(mag, 1e-12)[:, None]
    tip = pos + unit * length[:, None]
    head = 0.35 * length[:, None]
    c, s = np.cos(np.radians(28)), np.sin(np.radians(28))
    back = -unit
    left = np.stack([back[:, 0] * c - back[:, 1] * s, back[:, 0] * s + back[:, 1] * c], 1)
    right = np.stack([back[:, 0] * c + back[:, 1] * s, -back[:, 0] * s + back[:, 1] * c], 1)
    seg = np.empty((len(pos), 6, 2))
    seg[:, 0], seg[:, 1] = pos, tip
    seg[:, 2], seg[:, 3] = tip, tip + left * head
    seg[:, 4], seg[:, 5] = tip, tip + right * head
    return seg.reshape(-1, 2)


def digits_image(images: np.ndarray, real: np.ndarray, paper: np.ndarray, ink: np.ndarray,
                 gap_rgb: np.ndarray) -> tuple[np.ndarray, int]:
    """One RGB picture: the generated digits in an 8-column grid, a gap, then the real ones.
    Returns (H × W × 3 uint8, the row where the real digits start)."""
    cols = 8
    side = images.shape[1]
    cell = side + DIGIT_GAP

    def tile(batch):
        rows = int(np.ceil(len(batch) / cols))
        out = np.full((rows * cell - DIGIT_GAP, cols * cell - DIGIT_GAP, 3), gap_rgb, dtype=float)
        for k, img in enumerate(batch):
            i, j = divmod(k, cols)
            out[i * cell:i * cell + side, j * cell:j * cell + side] = paper + img[..., None] * (ink - paper)
        return out

    top = tile(np.nan_to_num(images, nan=0.0))
    bottom = tile(real)
    sep = np.full((3 * DIGIT_GAP + side // 2, top.shape[1], 3), gap_rgb)
    picture = np.concatenate([top, sep, bottom], 0)
    return np.clip(picture, 0, 255).astype(np.ubyte), top.shape[0] + sep.shape[0]


class SpacePlot(QObject):
    point_drawn = Signal(float, float, bool)

    def __init__(self, plot: pg.PlotItem, theme: Theme, scale: float):
        super().__init__()
        self.plot = plot
        self.vb: DrawingViewBox = plot.getViewBox()
        self.vb.on_point = lambda x, y, start: self.point_drawn.emit(x, y, start)
        self.theme, self.scale = theme, scale
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        plot.setAspectLocked(True)
        self.vb.setDefaultPadding(0.0)

        self.surface = RGBImage()
        self.surface.setZValue(-20)
        plot.addItem(self.surface)
        self._lut = colour_lookup(style.surface_colormap(theme))
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=style.surface_colormap(theme), interactive=False,
                                        width=14, label="")
        plot.layout.addItem(self.colorbar, 2, 5)            # beside the plot, as insert_in would
        plot.layout.setColumnFixedWidth(4, 5)
        # bare PlotCurveItems (not PlotDataItems): the same lines for a fraction of the Python cost
        self.manifold = pg.PlotCurveItem(skipFiniteCheck=True, antialias=True)
        self.manifold.setZValue(-10)
        plot.addItem(self.manifold)
        self.modes = pg.ScatterPlotItem(pxMode=False, symbol="o")
        self.modes.setZValue(-5)
        plot.addItem(self.modes)
        self.real = pg.ScatterPlotItem(pxMode=True, symbol="o")
        plot.addItem(self.real)
        self.fake = pg.ScatterPlotItem(pxMode=True, symbol="o")
        plot.addItem(self.fake)
        self.arrows = pg.PlotCurveItem(connect="pairs", skipFiniteCheck=True, antialias=True)
        self.arrows.setZValue(5)
        plot.addItem(self.arrows)
        self.drawn = pg.ScatterPlotItem(pxMode=True, symbol="o")
        self.drawn.setZValue(10)
        plot.addItem(self.drawn)
        self.digits = RGBImage()
        plot.addItem(self.digits)
        self.digit_labels = [pg.TextItem(anchor=(0, 1)), pg.TextItem(anchor=(0, 1))]
        for item in self.digit_labels:
            plot.addItem(item)
        # outside the data: the legend (as many columns as fit), then the read-out (step, loss,
        # optimizer, phase, points outside the view); the page puts both under the whole figure
        self.legend = pg.LegendItem(offset=None)
        self.legend_row = LegendRow(self.legend)
        self.readout = TextRow()
        self.outside = 0          # generated points outside the view (drawn on its edge)
        self._mesh_key = None
        self._mesh_order = self._mesh_connect = None
        self._range = None
        self._kind = None
        self._mode_key = None
        self._real_shown = None
        self._upsample: Bilinear | None = None
        self._cbar_label = None
        self._levels = None
        self.restyle(theme, scale)

    # ---- drawing a frame -------------------------------------------------------------------------
    def set_kind(self, kind: str) -> None:
        if kind == self._kind:
            return
        self._kind = kind
        two_d = kind == "gan2d"
        for item in (self.surface, self.manifold, self.modes, self.real, self.fake, self.arrows):
            item.setVisible(two_d)
        self.colorbar.setVisible(two_d)
        self.legend.setVisible(two_d)
        self.legend_row.updateGeometry()
        self.digits.setVisible(not two_d)
        for item in self.digit_labels:
            item.setVisible(not two_d)
        for axis in ("left", "bottom"):
            self.plot.showAxis(axis, two_d)
        self.plot.invertY(not two_d)
        self._range = None

    def draw_2d(self, frame: Frame, opts: dict, labels: dict) -> None:
        self.set_kind("gan2d")
        info = frame.info
        x0, x1, y0, y1 = info["view_range"]
        key = (x0, x1, y0, y1)
        if key != self._range:
            self._range = key
            # one call: with the aspect locked, x then y alone would shrink x to y's aspect
            self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        span = max(x1 - x0, y1 - y0)

        # D's decision surface
        show = opts.get("show_surface", True)
        self.surface.setVisible(show)
        self.colorbar.setVisible(show)
        if show:
            values = frame["decision"]
            if not np.isfinite(values).all():
                values = np.nan_to_num(values, nan=0.5, posinf=1e6, neginf=-1e6)
            if info.get("d_is_probability", True):
                levels = (0.0, 1.0)
            else:  # a critic: centre the colour map on its median, so the sign is what shows
                mid = float(np.median(values))
                half = float(np.abs(values - mid).max()) or 1.0
                levels = (mid - half, mid + half)
            if self._upsample is None or self._upsample.shape != values.shape:
                self._upsample = Bilinear(values.shape, SURFACE_UPSAMPLE)
            fine = self._upsample(values)
            index = np.clip((fine - levels[0]) * (255.0 / (levels[1] - levels[0])), 0, 255).astype(np.uint8)
            gx, gy = frame["grid_x"], frame["grid_y"]
            dx, dy = gx[1] - gx[0], gy[1] - gy[0]
            self.surface.set_rgb(self._lut[index], QRectF(gx[0] - dx / 2, gy[0] - dy / 2, dx * len(gx), dy * len(gy)))
            if levels != self._levels:
                self._levels = levels
                self.colorbar.setLevels(levels)

        # G's manifold
        show = opts.get("show_manifold", True)
        self.manifold.setVisible(show)
        if show:
            mesh = frame["manifold"]
            if mesh.shape[:2] != self._mesh_key:
                self._mesh_key = mesh.shape[:2]
                self._mesh_order, self._mesh_connect = mesh_lines(self._mesh_key)
            pts = mesh.reshape(-1, 2)[self._mesh_order]
            if np.isfinite(pts).all():
                self.manifold.setData(pts[:, 0], pts[:, 1], connect=self._mesh_connect)
            else:
                self.manifold.setData(np.zeros(0), np.zeros(0))

        # modes and their 3σ circles, filled when covered
        if "modes" in frame.arrays:
            modes, covered = frame["modes"], frame["mode_covered"]
            mkey = (tuple(covered), self.theme.name, len(modes))
            if mkey != self._mode_key:
                self._mode_key = mkey
                on = style.solid(self.theme, style.coverage_color(self.theme), 0.8)
                off = style.solid(self.theme, style.coverage_color(self.theme), 0.5)
                pens = [pg.mkPen(on, width=self.theme.pen_width(2.0)) if c
                        else pg.mkPen(off, width=self.theme.pen_width(1.2), style=Qt.DashLine)
                        for c in covered]
                size = 6.0 * float(info.get("mode_std", 0.1))
                self.modes.setData(pos=modes, size=size, pen=pens, brush=None)
            self.modes.setVisible(True)
        else:
            self.modes.setVisible(False)

        # samples
        self.real.setVisible(opts.get("show_real", True))
        if opts.get("show_real", True):
            real = finite_rows(frame["real"])
            if self._real_shown is None or self._real_shown.shape != real.shape or \
                    not np.array_equal(self._real_shown, real):
                self._real_shown = real
                self.real.setData(pos=real)
        show_fake = opts.get("show_fake", True)
        self.fake.setVisible(show_fake)
        fake = finite_rows(frame["fake"])
        # a point G has thrown outside the view is drawn on the view's edge (the read-out counts
        # them): the picture keeps its axes, and the learner keeps seeing where the points went
        shown = np.column_stack([np.clip(fake[:, 0], x0, x1), np.clip(fake[:, 1], y0, y1)]) if len(fake) else fake
        self.outside = int((shown != fake).any(axis=1).sum()) if len(fake) else 0
        if show_fake:
            move_points(self.fake, shown)
        show = opts.get("show_arrows", True) and show_fake
        self.arrows.setVisible(show)
        seg = np.zeros((0, 2))
        if show:
            n = len(frame["arrows"])    # the arrows belong to the first n generated samples
            start = frame["fake"][:n]
            start = np.column_stack([np.clip(start[:, 0], x0, x1), np.clip(start[:, 1], y0, y1)])
            seg = arrow_segments(start, frame["arrows"], span)
            seg = seg if np.isfinite(seg).all() else np.zeros((0, 2))
            if len(seg):
                self.arrows.setData(seg[:, 0], seg[:, 1], connect="pairs")
            else:
                self.arrows.setData(np.zeros(0), np.zeros(0))
        readout = labels.get("readout", "")
        self.no_push = bool(show) and not len(seg)
        if self.no_push:     # arrows asked for, but −∇ loss is zero (or not finite) at every point
            readout += " · " + labels.get("no_push", "no push")
        if self.outside and show_fake:
            readout += " · " + labels.get("outside", "{n} outside").format(n=self.outside)
        self.set_readout(readout)

    def draw_digits(self, frame: Frame, labels: dict) -> None:
        self.set_kind("digits")
        paper, ink = style.digit_ink(self.theme)
        gap = np.array(pg.mkColor(self.theme.background).getRgb()[:3], float)
        picture, real_row = digits_image(frame["images"], frame["real_images"], paper, ink, gap)
        h, w = picture.shape[:2]
        self.digits.set_rgb(picture, QRectF(0, 0, w, h))     # the y axis points down here: row 0 on top
        key = ("digits", w, h)
        if key != self._range:
            self._range = key
            self.plot.setXRange(0, w, padding=0.01)
            self.plot.setYRange(-9, h, padding=0.01)     # room above for the read-out and a label
        gen, real = self.digit_labels
        gen.setText(labels.get("generated", ""))
        gen.setPos(0, 0)
        real.setText(labels.get("real", ""))
        real.setPos(0, real_row - 0.3)
        self.set_readout("")

    def set_colorbar_label(self, text: str) -> None:
        if text != self._cbar_label:
            self._cbar_label = text
            self.colorbar.axis.label.setFont(font(self.scale, delta=-1))
            self.colorbar.axis.setLabel(text)
            # not drawn beside the bar: pyqtgraph does not make room for it there, so it covered
            # the tick numbers; the read-out under the figure says what the colour is
            self.colorbar.axis.showLabel(False)

    def set_readout(self, text: str) -> None:
        self.readout.set_text(text)

    # ---- drawing your own distribution -----------------------------------------------------------
    def set_drawing(self, on: bool) -> None:
        self.vb.drawing = on
        self.vb.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)
        self.drawn.setVisible(on)
        for item in (self.fake, self.arrows, self.manifold):
            item.setOpacity(0.15 if on else 1.0)

    def show_drawn(self, points: np.ndarray) -> None:
        self.drawn.setData(pos=points if len(points) else np.zeros((0, 2)))

    def view_span(self) -> float:
        (x0, x1), (y0, y1) = self.vb.viewRange()
        return max(x1 - x0, y1 - y0)

    # ---- style -----------------------------------------------------------------------------------
    def set_legend(self, names: dict[str, str]) -> None:
        self.legend.clear()
        self.legend.addItem(self._swatch(style.real_color(self.theme)), names["real"])
        self.legend.addItem(self._swatch(style.fake_color(self.theme)), names["fake"])
        self.legend.addItem(pg.PlotDataItem(pen=self._mesh_pen()), names["manifold"])
        self.legend.addItem(pg.PlotDataItem(pen=self._arrow_pen()), names["arrows"])
        self._style_legend()
        self.legend_row.updateGeometry()
        self.legend_row.fit_columns()

    def _swatch(self, c: str) -> pg.ScatterPlotItem:
        return pg.ScatterPlotItem(symbol="o", size=max(7, 9 * self.scale), brush=pg.mkBrush(c),
                                  pen=pg.mkPen(self.theme.background, width=0.8))

    def _mesh_pen(self):
        return pg.mkPen(style.solid(self.theme, self.theme.foreground, 0.36 if self.theme.dark else 0.30),
                        width=self.theme.pen_width(1.0))

    def _arrow_pen(self):
        return pg.mkPen(style.solid(self.theme, style.fake_color(self.theme), 0.85), width=self.theme.pen_width(1.0))

    def _style_legend(self) -> None:
        self.legend.setBrush(pg.mkBrush(self.theme.background))   # opaque: translucent fills are slow
        self.legend.setPen(pg.mkPen(color(self.theme.muted, 120)))
        self.legend.setLabelTextColor(self.theme.foreground)
        self.legend.setLabelTextSize(css_size(self.scale, -1))

    def restyle(self, theme: Theme, scale: float) -> None:
        self.theme, self.scale = theme, scale
        style_plot(self.plot, theme, scale)
        outside_ticks(self.plot)
        cbar_axis = self.colorbar.axis
        cbar_axis.setPen(pg.mkPen(theme.muted, width=theme.pen_width(1)))
        cbar_axis.setTextPen(pg.mkPen(theme.foreground))
        cbar_axis.setTickFont(font(scale, delta=-1))
        cbar_axis.label.setFont(font(scale, delta=-1))
        self._cbar_label = None
        self.colorbar.setColorMap(style.surface_colormap(theme))
        self._lut = colour_lookup(style.surface_colormap(theme))
        outline = pg.mkPen(color(theme.background, 230), width=0.7)
        dot = max(4.0, 6.0 * scale)
        self.real.setPen(outline)
        self.real.setBrush(pg.mkBrush(color(style.real_color(theme), 235)))
        self.real.setSize(dot)
        self._real_shown = None
        self.fake.setPen(outline)
        self.fake.setBrush(pg.mkBrush(color(style.fake_color(theme), 235)))
        self.fake.setSize(dot)
        self.drawn.setPen(pg.mkPen(theme.background, width=0.6))
        self.drawn.setBrush(pg.mkBrush(theme.accent))
        self.drawn.setSize(dot)
        for item, pen in ((self.manifold, self._mesh_pen()), (self.arrows, self._arrow_pen())):
            item.opts["antialias"] = line_antialias(pen.widthF())   # wide (high contrast): not antialiased
            item.setPen(pen)
        for item in self.digit_labels:
            item.setColor(theme.foreground)
            item.setFont(font(scale, delta=-1))
        self.readout.set_style(font(scale, delta=-1), theme.foreground)
        self._mode_key = None
        self._style_legend()
