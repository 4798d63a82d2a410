"""The graph panel: nodes, edges, the selected node and the receptive field it hears.

Drawing stays cheap at any size: one DotLayer holds every node (a style per colour × faded ×
ringed, painted from numpy), one line item with connect="pairs" holds the
plain edges, a few more the highlighted ones (the receptive field, the messages into the
selected node, GAT's α in a handful of width bins). One LabelLayer paints every label (every
node of a small graph, else the selected node and its nearest neighbours).

While training only the numbers change, not the picture: each item is given new data only when
what it shows changed (the colours, the selected node, the layer), and the static ones (edges,
nodes) keep a device-pixel cache, so a frame repaints by blitting."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPen
from PySide6.QtWidgets import QGraphicsItem

from visualizer.ui.i18n import tr
from visualizer.ui.widgets.dots import DotLayer, DotStyle
from visualizer.ui.widgets.labels import LabelLayer
from visualizer.ui.widgets.plots import LegendRow, css_size, font, set_title, short_label

LABEL_ALL_MAX = 40        # label every node up to this many nodes
LABEL_NEAR_MAX = 12       # else the selected node and up to this many of its neighbours
LABEL_ROOM = 2.0          # a label beside its node needs a square this many label heights wide
ALPHA_BINS = 6            # GAT α drawn in this many width / colour bins
EMB_LEVELS = 64           # an embedding dimension as colour: this many colour steps
FADED = 70                # alpha of nodes outside the receptive field
MAX_DRAWN_EDGES = 40_000  # more edges than this are drawn as a seeded random sample (the facts say
                          # so): 500 000 lines took Qt's raster engine 1.2–1.7 s a paint, a sample
                          # of 40 000 shows the same picture in ~0.1 s
SMOOTH_EDGES_MAX = 5_000  # more plain edges than this are drawn without antialiasing
CACHE = QGraphicsItem.CacheMode.DeviceCoordinateCache


def qcolor(name: str, alpha: int = 255) -> QColor:
    c = QColor(name)
    c.setAlpha(alpha)
    return c


def cosmetic(color, width: float) -> QPen:
    pen = QPen(color if isinstance(color, QColor) else QColor(color))
    pen.setCosmetic(True)
    pen.setWidthF(width)
    return pen


def node_size(n: int, inside: bool, scale: float) -> float:
    if inside:
        return 24 * min(scale, 1.3)   # ids inside the nodes: they grow with the font, but not into blobs
    return 14 if n <= 100 else 10 if n <= 500 else 6 if n <= 5000 else 3


def pairs(edge_index: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x, y arrays for a connect="pairs" line item: one segment per column of edge_index."""
    ends = pos[edge_index.T.reshape(-1)]
    return ends[:, 0], ends[:, 1]


class NodeColors:
    """Per node: a colour index into a palette, and the legend / colour bar that explains it."""

    def __init__(self, index: np.ndarray, palette: list[str], legend: list[tuple[str, str]],
                 levels: tuple[float, float] | None = None, title: str = ""):
        self.index, self.palette, self.legend, self.levels, self.title = index, palette, legend, levels, title


def node_colors(frame, options: dict, layer: int, theme, cmap_name: str) -> NodeColors:
    info = frame.info
    series = list(theme.series)
    by = options.get("color_by", "class")
    if by == "embedding":
        h = frame[f"h_l{layer}"]
        dim = min(max(int(options.get("color_dim", 0)), 0), h.shape[1] - 1)
        v = h[:, dim].astype(np.float64)
        m = float(np.abs(v[np.isfinite(v)]).max()) if np.isfinite(v).any() else 0.0
        m = m or 1.0
        idx = np.clip(np.round((v / m + 1) / 2 * (EMB_LEVELS - 1)), 0, EMB_LEVELS - 1).astype(np.int64)
        cmap = pg.colormap.get(cmap_name)
        palette = [cmap.map(i / (EMB_LEVELS - 1), mode="qcolor").name() for i in range(EMB_LEVELS)]
        title = tr("layer {layer} output, dimension {dim}").format(layer=layer + 1, dim=dim)
        return NodeColors(idx, palette, [], (-m, m), title)
    names = [str(c) for c in info.get("class_names", [])]
    c = len(names)
    palette = [series[i % len(series)] for i in range(c)] + [theme.muted]
    if by == "prediction":
        idx = np.asarray(frame["pred"], dtype=np.int64)
    else:
        labels = np.asarray(frame["labels"], dtype=np.int64)
        idx = np.where(labels >= 0, labels, c)
    legend = [(palette[i], names[i]) for i in range(c)]
    if by == "class" and (np.asarray(frame["labels"]) < 0).any():
        legend.append((theme.muted, tr("unknown")))
    return NodeColors(idx, palette, legend)


def hold_levels(bar) -> None:
    """Make a ColorBarItem ignore setLevels / setColorMap with what it already has: the graph
    sets both on every frame, and each call re-lays out the bar's axis (its tick text)."""
    set_levels = bar.setLevels

    def guarded(values=None, low=None, high=None, update_items=True):
        key = None if values is None else tuple(float(v) for v in values)
        if key is not None and low is None and high is None and key == getattr(bar, "_held_levels", None):
            return
        bar._held_levels = key
        set_levels(values, low, high, update_items)

    bar.setLevels = guarded
    set_map = bar.setColorMap

    def guarded_map(colorMap, *args, **kwargs):  # noqa: N803 - pyqtgraph's name
        key = (colorMap.getLookupTable(nPts=16).tobytes(), args, tuple(sorted(kwargs.items())))
        if key == getattr(bar, "_held_map", None):
            return
        bar._held_map = key
        set_map(colorMap, *args, **kwargs)

    bar.setColorMap = guarded_map


def turn(pos: np.ndarray) -> np.ndarray:
    """A quarter turn, clockwise: (x, y) → (y, −x)."""
    return np.column_stack([pos[:, 1], -pos[:, 0]])


def graph_key(frame) -> tuple:
    """What identifies the drawn graph and its layout across frames. Not the arrays' ids: a frame
    that crossed from the lab's process is new arrays every time, the same numbers."""
    pos = frame["pos"]
    ei = frame["edge_index"]
    step = max(1, ei.shape[1] // 4096)
    return (len(frame["node_names"]), ei.shape, pos.shape, float(np.asarray(pos, dtype=np.float64).sum()),
            int(ei[:, ::step].sum()), str(frame["node_names"][0]), str(frame["node_names"][-1]))


def capped(edge_index: np.ndarray) -> np.ndarray:
    """The columns of edge_index that are drawn: all up to MAX_DRAWN_EDGES, else that many chosen
    at random with a fixed seed, in order (the same picture every frame and every run)."""
    count = edge_index.shape[1]
    if count <= MAX_DRAWN_EDGES:
        return edge_index
    return edge_index[:, np.sort(np.random.default_rng(0).choice(count, size=MAX_DRAWN_EDGES, replace=False))]


class GraphPlot(QObject):
    node_clicked = Signal(int)     # the row of the clicked node
    node_hovered = Signal(int)     # the row under the mouse, −1 when it leaves

    def __init__(self, plot: pg.PlotItem, theme, scale: float):
        super().__init__()
        self.plot, self.theme, self.scale = plot, theme, scale
        plot.setAspectLocked(True)
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        plot.setMenuEnabled(False)
        plot.hideButtons()
        self.edges = pg.PlotDataItem(connect="pairs", skipFiniteCheck=True)
        self.field_edges = pg.PlotDataItem(connect="pairs", skipFiniteCheck=True)
        self.alpha_edges = [pg.PlotDataItem(connect="pairs", skipFiniteCheck=True) for _ in range(ALPHA_BINS)]
        self.message_edges = pg.PlotDataItem(connect="pairs", skipFiniteCheck=True)
        self.selected = pg.ScatterPlotItem(pxMode=True)
        self.labels = LabelLayer()
        for item in (self.edges, self.field_edges, *self.alpha_edges, self.message_edges):
            plot.addItem(item)
        self.nodes = DotLayer()                  # every node, in one item per frame's styles
        self.nodes.setCacheMode(CACHE)
        self.nodes.clicked.connect(self.node_clicked.emit)
        self.nodes.hovered.connect(self._hovered)
        plot.addItem(self.nodes)
        self.selected.setZValue(15)
        for item in (self.selected, self.labels):
            plot.addItem(item)
        self.edges.curve.setCacheMode(CACHE)     # drawn once per layout and view size, then blitted
        self.legend = pg.LegendItem(offset=None, labelTextColor=theme.foreground,
                                    labelTextSize=css_size(scale, -1), colCount=8)
        self.legend_row = LegendRow(self.legend)      # under the graph: never over a node
        plot.layout.addItem(self.legend_row, 4, 1)
        self._legend_key = None
        self.colorbar = pg.ColorBarItem(interactive=False, width=12, colorMap=pg.colormap.get(theme.diverging))
        plot.layout.addItem(self.colorbar, 2, 5)
        hold_levels(self.colorbar)
        self.colorbar.hide()
        self._graph_key = None
        self._keys: dict = {}          # item -> what it was last drawn from
        self.pos: np.ndarray | None = None      # the positions drawn (the layout, turned or not)
        self.turned = False
        self._layout: tuple | None = None        # (graph key, layout, extent, layout turned)
        self.shown_labels: list[str] = []
        self._labels_key = None
        self._hover_row = -1

    # ---- drawing ------------------------------------------------------------------------------
    def _changed(self, item: str, key) -> bool:
        """True (and remember key) if `item` was last drawn from something else."""
        if self._keys.get(item, object()) == key:
            return False
        self._keys[item] = key
        return True

    TURN_GAIN = 1.15     # a quarter turn when it draws the layout this much larger (no flip-flop)

    def _wants_turn(self, span) -> bool:
        """Whether the layout (of extent `span`) draws larger a quarter turn round in the plot's
        box (a tall layout in a short, wide plot at presentation zoom), kept unless the other way
        is clearly larger."""
        vb = self.plot.getViewBox()
        w, h = vb.width(), vb.height()
        if span is None or w <= 0 or h <= 0:
            return self.turned
        sx, sy = span
        upright, turned = min(w / sx, h / sy), min(w / sy, h / sx)
        if turned > self.TURN_GAIN * upright:
            return True
        if upright > self.TURN_GAIN * turned:
            return False
        return self.turned

    def _layout_of(self, frame) -> tuple:
        """(graph key, layout, its extent, the layout turned), computed once per graph."""
        key = graph_key(frame)
        if self._layout is None or self._layout[0] != key:
            pos = np.asarray(frame["pos"], dtype=np.float64)
            span = tuple(np.maximum(np.ptp(pos, axis=0), 1e-9)) if len(pos) >= 2 else None
            self._layout = (key, pos, span, turn(pos))
        return self._layout

    def fits_box(self, frame) -> bool:
        """Whether the drawing still has the turn its box wants (False: redraw)."""
        return self._wants_turn(self._layout_of(frame)[2]) == self.turned

    def draw(self, frame, options: dict, layer: int, colors: NodeColors) -> None:
        theme = self.theme
        names = frame["node_names"]
        layout_key, upright, span, turned = self._layout_of(frame)
        self.turned = self._wants_turn(span)     # positions are the layout's; only the drawing turns
        pos = turned if self.turned else upright
        n = len(names)
        edge_index = frame["edge_index"]
        key = layout_key + (self.turned,)
        if key != self._graph_key:
            self._graph_key = key
            self._keys = {}
            self.pos = pos
            und = edge_index[:, edge_index[0] < edge_index[1]]
            self.und = und
            self.drawn_edges = capped(und)
            # thousands of faint 1-px lines look the same without antialiasing, stroked ~3× faster
            self.edges.opts["antialias"] = self.drawn_edges.shape[1] <= SMOOTH_EDGES_MAX
            self.edges.setData(*pairs(self.drawn_edges, pos))
            lo, hi = pos.min(axis=0), pos.max(axis=0)
            self.span = hi - lo                  # the layout's extent, for the labels that fit
            self.plot.getViewBox().setRange(xRange=(lo[0], hi[0]), yRange=(lo[1], hi[1]), padding=0.1)
        self.pos = pos
        node = int(frame["node"])
        hops = np.asarray(frame["hops"])
        reach = layer + 1
        near = (hops >= 0) & (hops <= reach)
        vb = self.plot.getViewBox()
        room = min(vb.width(), vb.height())
        inside = self._labels_inside(names) and (room <= 0 or room >= 220)   # ids inside nodes that fit
        size = node_size(n, inside, self.scale)
        if room > 0 and n <= 500:                      # a small plot: nodes that do not pile up
            size = min(size, max(8.0, room / (2.0 * np.sqrt(n))))
        self.node_px = size
        style = (theme.name, theme.foreground, theme.muted, theme.accent, self.scale)
        where = (node, layer, int(frame.info.get("layers", 1)))     # what hops, the field, messages follow

        # edges: plain (faded outside the field), the field's edges, the messages into the node
        if self._changed("edge_pen", style):
            self.edges.setPen(cosmetic(qcolor(theme.muted, 90 if n <= 2000 else 40), 1.0))
            self.field_edges.setPen(cosmetic(qcolor(theme.foreground, 150), 1.6))
            self.message_edges.setPen(cosmetic(qcolor(theme.accent), 3.0))
        if self._changed("field", where):
            both = near[self.und[0]] & near[self.und[1]]
            self.field_total = int(both.sum())
            self.field_drawn = capped(self.und[:, both])
            self.field_edges.setData(*pairs(self.field_drawn, pos))
        attention = options.get("edges") == "attention" and f"attention_l{layer}" in frame.arrays
        self.alpha_on = attention
        self._draw_alpha(frame, options, layer, pos, attention)
        if self._changed("messages", (where, attention)):
            if attention:
                self.message_edges.setData([], [])
            else:
                sources = np.asarray(frame.arrays.get(f"message_sources_l{layer}", np.zeros(0, np.int64)))
                sources = sources[sources != node]
                msg = (np.stack([sources, np.full(len(sources), node)]) if len(sources)
                       else np.zeros((2, 0), np.int64))
                self.message_edges.setData(*pairs(msg, pos))

        # nodes: a group per (palette entry, faded outside the receptive field, ringed if labelled)
        palette = colors.palette
        P = len(palette)
        train = np.asarray(frame["train_mask"], dtype=bool)
        group = 2 * (np.asarray(colors.index, dtype=np.int64) + np.where(near, 0, P)) + train
        if self._changed("node_styles", (tuple(palette), style, n <= 500, size)):
            ring = (qcolor(theme.foreground), 2.6 if n <= 500 else 1.6)
            thin = (qcolor(theme.muted, 160), 0.8)
            self.node_styles = [DotStyle(qcolor(c, 255 if k < P else FADED), *(ring if ringed else thin), size)
                                for k, c in enumerate(list(palette) * 2) for ringed in (False, True)]
            # painted in this order: faded beneath the field, the labelled (ringed) over their colour
            self.node_order = sorted(range(len(self.node_styles)), key=lambda g: (g // 2 < P, g % 2))
        rank = np.argsort(self.node_order)             # style g is painted as the rank[g]-th
        self.nodes.set_dots(pos, rank[group], [self.node_styles[g] for g in self.node_order],
                            key=self._graph_key)
        if self._changed("selected", (node, size, style)):
            self.selected.setData(pos=pos[node:node + 1], size=size + 12 * self.scale, brush=None, symbol="o",
                                  pen=cosmetic(qcolor(theme.accent), 3.5))
        self._draw_labels(frame, options, hops, near, inside, node, colors, room)
        self._draw_key(colors)

    def _draw_alpha(self, frame, options, layer: int, pos, on: bool) -> None:
        if not on:
            if self._changed("alpha", None):
                for item in self.alpha_edges:
                    item.setData([], [])
                self.edges.setVisible(True)
            return
        self._keys["alpha"] = True
        ei = frame["attention_edge_index"]
        alpha = np.asarray(frame[f"attention_l{layer}"], dtype=np.float64)
        head = int(options.get("head", -1))
        a = alpha.mean(axis=1) if head < 0 or head >= alpha.shape[1] else alpha[:, head]
        keep = ei[0] != ei[1]
        ei, a = ei[:, keep], a[keep]
        self.alpha_total = len(a)
        if len(a) > MAX_DRAWN_EDGES:        # the largest α are the ones worth seeing
            strongest = np.sort(np.argpartition(-a, MAX_DRAWN_EDGES - 1)[:MAX_DRAWN_EDGES])
            ei, a = ei[:, strongest], a[strongest]
        self.alpha_drawn = len(a)
        top = float(a.max()) if len(a) else 1.0
        cmap = pg.colormap.get(self.theme.sequential)
        bins = np.minimum((a / (top or 1.0) * ALPHA_BINS).astype(np.int64), ALPHA_BINS - 1)
        self.edges.setVisible(False)
        self.alpha_max = top
        for b, item in enumerate(self.alpha_edges):
            sel = bins == b
            item.setData(*pairs(ei[:, sel], pos))
            frac = (b + 1) / ALPHA_BINS
            item.setPen(cosmetic(cmap.map(0.15 + 0.85 * frac, mode="qcolor"), 0.6 + 4.4 * frac))

    def sampled(self) -> list[tuple[str, int, int]]:
        """What is drawn as a sample (more than MAX_DRAWN_EDGES): (kind, drawn, total) with kind
        "edges" (a random sample), "field" (of the receptive field's edges) or "alpha" (the
        largest α)."""
        out = []
        if getattr(self, "alpha_on", False):
            if self.alpha_total > self.alpha_drawn:
                out.append(("alpha", self.alpha_drawn, self.alpha_total))
        elif self.und.shape[1] > self.drawn_edges.shape[1]:
            out.append(("edges", self.drawn_edges.shape[1], self.und.shape[1]))
        field = getattr(self, "field_drawn", None)
        if field is not None and self.field_total > field.shape[1]:
            out.append(("field", field.shape[1], self.field_total))
        return out

    def _labels_inside(self, names) -> bool:
        return len(names) <= LABEL_ALL_MAX and all(len(str(s)) <= 3 for s in names)

    def _draw_labels(self, frame, options, hops, near, inside, node, colors: NodeColors, room: float) -> None:
        names = frame["node_names"]
        n = len(names)
        rows: list[int] = []
        if options.get("show_labels", True):
            beside = QFontMetricsF(font(self.scale, delta=-1.5)).height()
            # as many labels beside their nodes as the drawn graph holds without piling up (one
            # per LABEL_ROOM label heights squared): every node of a small graph, else the
            # selected node and its neighbours of highest degree (presentation zoom, small plot)
            fits = n
            if room > 0:          # the drawn graph's own extent, not its plot's (aspect locked)
                pw, ph = self.plot.getViewBox().viewPixelSize()
                span = self.span
                area = max(span[0] / pw, beside) * max(span[1] / ph, beside) if pw > 0 and ph > 0 else 0.0
                fits = int(area / (LABEL_ROOM * beside) ** 2)
            if n <= LABEL_ALL_MAX and (inside or fits >= n):
                rows = list(range(n))
            else:
                neighbours = np.flatnonzero(hops == 1)
                degree = np.asarray(frame["degree"])
                keep = max(0, min(LABEL_NEAR_MAX, fits - 1))
                neighbours = neighbours[np.argsort(-degree[neighbours], kind="stable")][:keep]
                rows = [node, *neighbours.tolist()]
        else:
            rows = [node]
        if inside:   # the ids fill about half a node: smaller nodes, smaller ids (never below 6 pt)
            f = font(min(self.scale, 1.3), delta=-2, bold=True)
            f.setPointSizeF(max(6.0, min(f.pointSizeF(), 0.42 * getattr(self, "node_px", 24.0))))
        else:
            f = font(self.scale, delta=-1.5)
        theme = self.theme
        picked = np.asarray(rows, dtype=np.int64)
        key = (picked.tobytes(), tuple(names[picked].tolist()), self.pos[picked].tobytes(),
               np.asarray(near)[picked].tobytes(), inside, f.toString(), theme.foreground, theme.background,
               (np.asarray(colors.index)[picked].tobytes(), tuple(colors.palette)) if inside else None)
        if key == self._labels_key:     # the same labels as last frame (most frames): ~0.3 ms saved
            return
        self._labels_key = key
        faded = qcolor(theme.foreground, 150)          # outside the receptive field: dimmer, still read
        labels = []
        for row in rows:
            if inside:
                if near[row]:
                    rgb = QColor(colors.palette[int(colors.index[row])])
                    light = (0.299 * rgb.red() + 0.587 * rgb.green() + 0.114 * rgb.blue()) / 255 > 0.6
                    color = QColor("#111111" if light else "#ffffff")
                else:                                  # a faded node shows the background through
                    color = faded
            else:
                color = QColor(theme.foreground) if near[row] else faded
            labels.append((float(self.pos[row, 0]), float(self.pos[row, 1]), short_label(str(names[row]), 16), color))
        self.shown_labels = [str(names[row]) for row in rows]
        self.labels.set_labels(labels, f, inside, None if inside else qcolor(theme.background, 200))

    def _draw_key(self, colors: NodeColors) -> None:
        if colors.levels is not None:
            if self.legend.isVisible():
                self.legend.hide()
                self.legend_row.updateGeometry()
            self._legend_key = None
            self.colorbar.show()
            self.colorbar.setColorMap(pg.colormap.get(self.theme.diverging))
            self.colorbar.setLevels(colors.levels)
            return
        self.colorbar.hide()
        key = (tuple(colors.legend), self.theme.foreground, self.scale)
        if key != self._legend_key:
            self._legend_key = key
            self.legend.clear()
            self.legend.setLabelTextColor(self.theme.foreground)
            self.legend.setLabelTextSize(css_size(self.scale, -1))
            for color, name in colors.legend:
                sample = pg.ScatterPlotItem(size=12 * self.scale, brush=QBrush(qcolor(color)),
                                            pen=cosmetic(qcolor(self.theme.background), 0.8), symbol="o")
                self.legend.addItem(sample, short_label(name, 20))
            self.legend_row.fit_columns()
        if self.legend.isVisible() != bool(colors.legend):
            self.legend.setVisible(bool(colors.legend))
            self.legend_row.updateGeometry()

    def set_title(self, text: str) -> None:
        set_title(self.plot, text, self.theme, self.scale)

    # ---- interaction --------------------------------------------------------------------------
    def _hovered(self, row: int) -> None:
        if row != self._hover_row:
            self._hover_row = row
            self.node_hovered.emit(row)

    def restyle(self, theme, scale: float) -> None:
        self.theme, self.scale = theme, scale
        self._legend_key = None
        axis = self.colorbar.axis
        axis.setPen(pg.mkPen(theme.muted))
        axis.setTextPen(pg.mkPen(theme.foreground))
        axis.setTickFont(font(scale, delta=-1))
