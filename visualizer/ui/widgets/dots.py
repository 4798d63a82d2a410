"""DotLayer: many round dots in one item, painted from numpy.

A scatter of nodes or embedding points, in a few styles (a fill, an outline, a size in screen
pixels). pyqtgraph's ScatterPlotItem pays Python per point and per call: ~0.4 ms a setData even
on its uniform-style fast path, a symbol-atlas key per point (~0.55 s for 100 000 points) and a
second repaint when its bounds settle after the first. Here each style is rendered once into a
small pixmap and every dot is a fragment of it, placed by numpy in one drawPixmapFragments call
(what ScatterPlotItem itself does at the end). In a vector export (SVG, PDF) the dots are
drawn as ellipses instead, so the file holds shapes, not pixmaps.

Clicks and hovers map back to the caller's rows: `clicked(row)`, `hovered(row)` (−1 on leaving)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt import internals
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap

HIT_SLACK_PX = 2.0     # a click this many pixels outside a dot still picks it


@dataclass(frozen=True)
class DotStyle:
    """One look: `fill` (None: a ring), `edge` (None: no outline) `edge_width` px wide, `size` px
    across (the outline's middle). Colours as QColor; equal styles share one rendered sprite."""
    fill: QColor | None
    edge: QColor | None
    edge_width: float
    size: float

    def key(self) -> tuple:
        return (None if self.fill is None else self.fill.rgba(), None if self.edge is None else self.edge.rgba(),
                round(float(self.edge_width), 3), round(float(self.size), 3))

    def reach(self) -> float:
        """Half the drawn width in pixels, outline included."""
        return self.size / 2 + (self.edge_width / 2 if self.edge is not None else 0.0)

    def pen(self) -> QPen:
        if self.edge is None:
            return QPen(Qt.PenStyle.NoPen)
        pen = QPen(self.edge)
        pen.setWidthF(self.edge_width)
        pen.setCosmetic(True)
        return pen

    def brush(self):
        return Qt.BrushStyle.NoBrush if self.fill is None else self.fill


def _sprite(style: DotStyle, dpr: float) -> tuple[QPixmap, float]:
    """The dot drawn once, antialiased, centred in a transparent pixmap; and its side in pixels."""
    side = int(math.ceil(2 * style.reach() * dpr)) + 2
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.scale(dpr, dpr)
    p.setPen(style.pen())
    p.setBrush(style.brush())
    c = side / (2 * dpr)
    p.drawEllipse(QPointF(c, c), style.size / 2, style.size / 2)
    p.end()
    return pixmap, side


class DotLayer(pg.GraphicsObject):
    clicked = Signal(int)      # the row of the dot clicked with the left button
    hovered = Signal(int)      # the row under the mouse; −1 when it leaves every dot

    def __init__(self):
        super().__init__()
        self.pos = np.zeros((0, 2))
        self.rows = np.zeros(0, np.int64)
        self.styles: list[DotStyle] = []
        self._bounds = np.zeros(1, np.int64)     # dots of style s: [bounds[s], bounds[s + 1]) in paint order
        self._reach = np.zeros(0)                # per dot in paint order: its half width in px
        self._sprites: dict = {}
        self._fragments = internals.PrimitiveArray(QPainter.PixmapFragment, 10)
        self._hover = -1
        self._key = None
        self._extent = None                      # (lo, hi) of the finite positions
        self.setAcceptHoverEvents(True)

    # ---- data ---------------------------------------------------------------------------------
    def set_dots(self, pos: np.ndarray, style: np.ndarray, styles: list[DotStyle], rows: np.ndarray | None = None,
                 key=None) -> None:
        """pos: N × 2 in data coordinates; style: per dot its index into `styles`, which are
        painted in list order (a later style on top); rows: what clicks and hovers report for
        each dot (default 0 … N−1). `key`, when given, identifies pos (frames from another process
        bring new arrays of the same numbers): the same key, styles and style array draw nothing."""
        pos = np.asarray(pos, dtype=np.float64).reshape(-1, 2)
        style = np.asarray(style, dtype=np.int64).reshape(-1)
        if len(style) != len(pos):
            raise ValueError(f"{len(pos)} positions but {len(style)} style indices")
        if len(style) and (style.min() < 0 or style.max() >= len(styles)):
            raise ValueError(f"a style index outside 0…{len(styles) - 1}")
        rows = np.arange(len(pos), dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
        look = tuple(s.key() for s in styles)
        if key is not None:
            full = (key, look, len(style), hash(style.tobytes()), hash(rows.tobytes()))
            if full == self._key:
                return
            self._key = full
        else:
            self._key = None
        order = np.argsort(style, kind="stable")
        self.pos, self.rows, self.styles = pos[order], rows[order], list(styles)
        self._bounds = np.searchsorted(style[order], np.arange(len(styles) + 1))
        reach = np.array([s.reach() for s in styles]) if styles else np.zeros(0)
        self._reach = reach[style[order]] if len(style) else np.zeros(0)
        finite = self.pos[np.isfinite(self.pos).all(axis=1)]
        self._extent = (finite.min(axis=0), finite.max(axis=0)) if len(finite) else None
        self.prepareGeometryChange()
        self.update()

    def positions(self) -> np.ndarray:
        """Every dot's position, ordered by its row (for rows 0 … N−1: row i at index i)."""
        return self.pos[np.argsort(self.rows, kind="stable")]

    def style_of(self, row: int) -> int:
        """The index of the style row `row` is drawn in."""
        at = np.flatnonzero(self.rows == row)
        if not len(at):
            raise KeyError(row)
        return int(np.searchsorted(self._bounds, int(at[-1]), side="right") - 1)

    def scene_pos(self, row: int) -> QPointF:
        """Where row `row` is drawn, in scene coordinates (for tests and tooltips)."""
        at = np.flatnonzero(self.rows == row)
        if not len(at):
            raise KeyError(row)
        x, y = self.pos[int(at[-1])]
        return self.mapToScene(QPointF(float(x), float(y)))

    # ---- geometry ------------------------------------------------------------------------------
    def viewTransformChanged(self):  # noqa: N802 - pyqtgraph's name: the margins are in pixels
        self.prepareGeometryChange()

    def dataBounds(self, ax, frac=1.0, orthoRange=None):  # noqa: N802,N803 - pyqtgraph's names (auto range)
        if self._extent is None:
            return None
        return float(self._extent[0][ax]), float(self._extent[1][ax])

    def pixelPadding(self) -> float:  # noqa: N802 - pyqtgraph's name
        return float(self._reach.max()) if len(self._reach) else 0.0

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        if self._extent is None:
            return QRectF()
        lo, hi = self._extent
        pad = self.pixelPadding() + 1
        pw, ph = abs(self.pixelWidth() or 0.0) * pad, abs(self.pixelHeight() or 0.0) * pad
        return QRectF(lo[0] - pw, lo[1] - ph, hi[0] - lo[0] + 2 * pw, hi[1] - lo[1] + 2 * ph)

    def _device(self, transform) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.pos[:, 0], self.pos[:, 1]
        return (transform.m11() * x + transform.m21() * y + transform.dx(),
                transform.m12() * x + transform.m22() * y + transform.dy())

    def row_at(self, point: QPointF) -> int:
        """The row of the dot under `point` (item coordinates), the one drawn on top where dots
        overlap; −1 where there is none."""
        if not len(self.pos):
            return -1
        view = self.getViewWidget()
        if view is None:
            return -1
        transform = self.sceneTransform() * view.viewportTransform()     # item → viewport pixels
        x, y = self._device(transform)
        at = transform.map(point)
        d2 = (x - at.x()) ** 2 + (y - at.y()) ** 2
        hit = np.flatnonzero(d2 <= (self._reach + HIT_SLACK_PX) ** 2)
        return int(self.rows[hit[-1]]) if len(hit) else -1

    # ---- painting --------------------------------------------------------------------------------
    def paint(self, p, option, widget=None) -> None:
        if not len(self.pos):
            return
        exporting = self._exportOpts is not False
        transform = p.transform()
        x, y = self._device(transform)
        p.save()
        p.resetTransform()
        if exporting:                      # a vector file gets shapes
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            for s, style in enumerate(self.styles):
                p.setPen(style.pen())
                p.setBrush(style.brush())
                r = style.size / 2
                for i in range(self._bounds[s], self._bounds[s + 1]):
                    if math.isfinite(x[i]) and math.isfinite(y[i]):
                        p.drawEllipse(QPointF(float(x[i]), float(y[i])), r, r)
            p.restore()
            return
        dpr = widget.devicePixelRatioF() if widget is not None else 1.0
        for s, style in enumerate(self.styles):
            lo, hi = int(self._bounds[s]), int(self._bounds[s + 1])
            if hi <= lo:
                continue
            sprite = self._sprites.get((style.key(), dpr))
            if sprite is None:
                sprite = self._sprites[(style.key(), dpr)] = _sprite(style, dpr)
            pixmap, side = sprite
            xs, ys = x[lo:hi], y[lo:hi]
            keep = np.isfinite(xs) & np.isfinite(ys)
            if not keep.all():
                xs, ys = xs[keep], ys[keep]
            self._fragments.resize(len(xs))
            frags = self._fragments.ndarray()
            frags[:, 0] = np.clip(xs, -2 ** 30, 2 ** 30)      # the centre of each dot
            frags[:, 1] = np.clip(ys, -2 ** 30, 2 ** 30)
            frags[:, 2:6] = (0, 0, side, side)                  # the whole sprite
            frags[:, 6:10] = (1 / dpr, 1 / dpr, 0.0, 1.0)       # scale, rotation, opacity
            p.drawPixmapFragments(*self._fragments.drawargs(), pixmap)
        p.restore()

    # ---- interaction ------------------------------------------------------------------------------
    def hoverEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph's name
        row = -1 if ev.isExit() else self.row_at(ev.pos())
        if row >= 0:
            ev.acceptClicks(Qt.MouseButton.LeftButton)
        if row != self._hover:
            self._hover = row
            self.hovered.emit(row)

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph's name
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        row = self.row_at(ev.pos())
        if row < 0:
            ev.ignore()
            return
        ev.accept()
        self.clicked.emit(row)
