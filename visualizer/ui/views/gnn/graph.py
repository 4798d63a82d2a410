"""The graph panel: nodes, edges, the selected node and the receptive field it hears.

Drawing stays cheap at any size: one ScatterPlotItem holds every node (brushes and pens come
from a small cached palette, indexed per node), one line item with connect="pairs" holds the
plain edges, a few more the highlighted ones (the receptive field, the messages into the
selected node, GAT's α in a handful of width bins). Text items only where they are read: every
node of a small graph, else the selected node and its nearest neighbours."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPen

from visualizer.ui.i18n import tr
from visualizer.ui.widgets.plots import css_size, font, set_title, short_label

LABEL_ALL_MAX = 40        # label every node up to this many nodes
LABEL_NEAR_MAX = 12       # else the selected node and up to this many of its neighbours
ALPHA_BINS = 6            # GAT α drawn in this many width / colour bins
EMB_LEVELS = 64           # an embedding dimension as colour: this many colour steps
FADED = 70                # alpha of nodes outside the receptive field


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
    n = len(frame["node_names"])
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
        self.nodes = pg.ScatterPlotItem(hoverable=True, tip=None, pxMode=True)
        self.selected = pg.ScatterPlotItem(pxMode=True)
        for item in (self.edges, self.field_edges, *self.alpha_edges, self.message_edges, self.nodes,
                     self.selected):
            plot.addItem(item)
        self.nodes.sigClicked.connect(self._clicked)
        self.nodes.sigHovered.connect(self._hovered)
        self.legend = pg.LegendItem(offset=(5, 5), labelTextColor=theme.foreground,
                                    labelTextSize=css_size(scale, -1))
        self.legend.setParentItem(plot.getViewBox())
        self._legend_key = None
        self.colorbar = pg.ColorBarItem(interactive=False, width=12, colorMap=pg.colormap.get(theme.diverging))
        plot.layout.addItem(self.colorbar, 2, 5)
        self.colorbar.hide()
        self._texts: list[pg.TextItem] = []
        self._graph_key = None
        self.pos: np.ndarray | None = None
        self.shown_labels: list[str] = []
        self._hover_row = -1

    # ---- drawing ------------------------------------------------------------------------------
    def draw(self, frame, options: dict, layer: int, colors: NodeColors) -> None:
        theme = self.theme
        names = frame["node_names"]
        pos = np.asarray(frame["pos"], dtype=np.float64)
        n = len(names)
        edge_index = frame["edge_index"]
        key = (id(frame["pos"]), id(edge_index), n)
        if key != self._graph_key:
            self._graph_key = key
            self.pos = pos
            und = edge_index[:, edge_index[0] < edge_index[1]]
            self.und = und
            x, y = pairs(und, pos)
            self.edges.setData(x, y)
            lo, hi = pos.min(axis=0), pos.max(axis=0)
            self.plot.getViewBox().setRange(xRange=(lo[0], hi[0]), yRange=(lo[1], hi[1]), padding=0.06)
        self.pos = pos
        node = int(frame["node"])
        hops = np.asarray(frame["hops"])
        reach = layer + 1
        near = (hops >= 0) & (hops <= reach)
        inside = self._labels_inside(names)
        size = node_size(n, inside, self.scale)

        # edges: plain (faded outside the field), the field's edges, the messages into the node
        self.edges.setPen(cosmetic(qcolor(theme.muted, 90 if n <= 2000 else 40), 1.0))
        both = near[self.und[0]] & near[self.und[1]]
        self.field_edges.setData(*pairs(self.und[:, both], pos))
        self.field_edges.setPen(cosmetic(qcolor(theme.foreground, 150), 1.6))
        sources = np.asarray(frame.arrays.get(f"message_sources_l{layer}", np.zeros(0, np.int64)))
        sources = sources[sources != node]
        msg = np.stack([sources, np.full(len(sources), node)]) if len(sources) else np.zeros((2, 0), np.int64)
        attention = options.get("edges") == "attention" and f"attention_l{layer}" in frame.arrays
        self._draw_alpha(frame, options, layer, pos, attention)
        if attention:
            self.message_edges.setData([], [])
        else:
            self.message_edges.setData(*pairs(msg, pos))
            self.message_edges.setPen(cosmetic(qcolor(theme.accent), 3.0))

        # nodes: one brush / pen per palette entry, faded outside the receptive field
        palette = colors.palette
        brushes = [QBrush(qcolor(c)) for c in palette] + [QBrush(qcolor(c, FADED)) for c in palette]
        table = np.empty(len(brushes), dtype=object)
        table[:] = brushes
        idx = np.asarray(colors.index, dtype=np.int64) + np.where(near, 0, len(palette))
        ring = cosmetic(qcolor(theme.foreground), 2.6 if n <= 500 else 1.6)
        thin = cosmetic(qcolor(theme.muted, 160), 0.8)
        pens = np.empty(n, dtype=object)
        train = np.asarray(frame["train_mask"], dtype=bool)
        pens[:] = thin
        pens[train] = ring
        self.nodes.setData(pos=pos, size=size, brush=table[idx], pen=pens, symbol="o")
        sel = pos[node:node + 1]
        self.selected.setData(pos=sel, size=size + 12 * self.scale, brush=None, symbol="o",
                              pen=cosmetic(qcolor(theme.accent), 3.5))
        self._draw_labels(frame, options, hops, near, inside, node, colors)
        self._draw_key(colors)

    def _draw_alpha(self, frame, options, layer: int, pos, on: bool) -> None:
        if not on:
            for item in self.alpha_edges:
                item.setData([], [])
            self.edges.setVisible(True)
            return
        ei = frame["attention_edge_index"]
        alpha = np.asarray(frame[f"attention_l{layer}"], dtype=np.float64)
        head = int(options.get("head", -1))
        a = alpha.mean(axis=1) if head < 0 or head >= alpha.shape[1] else alpha[:, head]
        keep = ei[0] != ei[1]
        ei, a = ei[:, keep], a[keep]
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

    def _labels_inside(self, names) -> bool:
        return len(names) <= LABEL_ALL_MAX and all(len(str(s)) <= 3 for s in names)

    def _draw_labels(self, frame, options, hops, near, inside, node, colors: NodeColors) -> None:
        names = frame["node_names"]
        n = len(names)
        rows: list[int] = []
        if options.get("show_labels", True):
            if n <= LABEL_ALL_MAX:
                rows = list(range(n))
            else:
                neighbours = np.flatnonzero(hops == 1)
                degree = np.asarray(frame["degree"])
                neighbours = neighbours[np.argsort(-degree[neighbours], kind="stable")][:LABEL_NEAR_MAX]
                rows = [node, *neighbours.tolist()]
        else:
            rows = [node]
        f = font(min(self.scale, 1.3), delta=-2, bold=True) if inside else font(self.scale, delta=-1.5)
        self.shown_labels = []
        for i, row in enumerate(rows):
            if i == len(self._texts):
                item = pg.TextItem("")
                self.plot.addItem(item)
                self._texts.append(item)
            item = self._texts[i]
            name = str(names[row])
            self.shown_labels.append(name)
            if inside:
                rgb = QColor(colors.palette[int(colors.index[row])])
                light = (0.299 * rgb.red() + 0.587 * rgb.green() + 0.114 * rgb.blue()) / 255 > 0.6
                color = "#111111" if light else "#ffffff"
                if not near[row]:
                    color = self.theme.muted
                item.setAnchor((0.5, 0.5))
            else:
                color = self.theme.foreground if near[row] else self.theme.muted
                item.setAnchor((-0.12, 0.5))
            item.setText(short_label(name, 16), color=color)
            item.setFont(f)
            item.setPos(float(self.pos[row, 0]), float(self.pos[row, 1]))
            item.setZValue(20)
            item.setVisible(True)
        for item in self._texts[len(rows):]:
            item.setVisible(False)

    def _draw_key(self, colors: NodeColors) -> None:
        if colors.levels is not None:
            self.legend.hide()
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
        self.legend.setVisible(bool(colors.legend))

    def set_title(self, text: str) -> None:
        set_title(self.plot, text, self.theme, self.scale)

    # ---- interaction --------------------------------------------------------------------------
    def _clicked(self, item, points, event) -> None:
        if len(points) and event.button() == Qt.MouseButton.LeftButton:
            event.accept()
            self.node_clicked.emit(int(points[0].index()))

    def _hovered(self, item, points, event) -> None:
        row = int(points[0].index()) if len(points) else -1
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
