"""GNNPage: the one page of the GNN view (frame kind "gnn").

    ┌ controls (not exported): ◀  layer 1 · message  ▶   click a node to select it ┐
    ├ title · subtitle · note ───────────────────────────────────────────────────────┤
    │ graph                        │ message table (+ coefficients) │ training curves │
    │ (colour, rings, field,       ├────────────────────────────────┼─────────────────┤
    │  messages / α on the edges)  │ embedding space                │ over-smoothing  │
    ├ facts ─────────────────────────────────────────────────────────────────────────┤

Two clocks, never mixed: the window's Play/Step trains; the (layer, phase) shown here is a
view option pair, walked by ◀ ▶ and the keys [ ] (or , .) in the order message → aggregate →
update, layer by layer; each step asks for it by view_change({"layer": k, "phase": p}). A click
on a node asks the lab for that node by params_change({"node": id}) (the lab recaptures its
messages without resetting training)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QToolButton

from visualizer.core.frame import Frame
from visualizer.labs.gnn.config import PHASES
from visualizer.ui.i18n import tr
from visualizer.ui.views.gnn.graph import GraphPlot, NodeColors, cosmetic, node_colors, qcolor
from visualizer.ui.views.gnn.ranges import StickyRange, StickyTop
from visualizer.ui.views.gnn.table import table_for
from visualizer.ui.views.gnn.words import COLOR_WORDS, GRAPH_WORDS, MODEL_WORDS, PHASE_WORDS, steps_of
from visualizer.ui.views.page import Page
from visualizer.ui.widgets.dots import DotLayer, DotStyle
from visualizer.ui.widgets.plots import add_plot, css_size, fmt, font, set_title

CURVE_WORDS = {"loss": "loss", "acc_train": "train accuracy", "acc_test": "test accuracy"}
SAMPLED_WORDS = {"edges": "drawn: a random {drawn} of the {total} edges",
                 "field": "drawn: a random {drawn} of the receptive field's {total} edges",
                 "alpha": "drawn: the {drawn} edges of largest α, of {total}"}
SMOOTH_WORDS = {"smooth_distance": "mean distance", "smooth_dirichlet_rel": "Dirichlet energy ÷ ‖h‖²"}


def percent(value) -> str:
    value = float(value)
    return "—" if not np.isfinite(value) else f"{fmt(100 * value, 3)} %"


class GNNPage(Page):
    def __init__(self, theme, scale: float, parent=None):
        super().__init__(theme, scale, parent)
        self.frame: Frame | None = None
        self.options: dict = {}
        self.back = QToolButton()
        self.back.setText("◀")
        self.back.setAutoRepeat(True)
        self.back.clicked.connect(lambda: self.step(-1))
        self.step_label = QLabel()
        self.step_label.setMinimumWidth(170)
        self.forward = QToolButton()
        self.forward.setText("▶")
        self.forward.setAutoRepeat(True)
        self.forward.clicked.connect(lambda: self.step(1))
        self.help_label = QLabel()
        self.add_control(self.back)
        self.add_control(self.step_label)
        self.add_control(self.forward)
        self.add_control(self.help_label, 1)

        ci = self.canvas.ci
        ci.setContentsMargins(4, 4, 4, 4)
        ci.setSpacing(6)
        self.graph_plot = add_plot(ci, 0, 0, rowspan=3)
        self.graph = GraphPlot(self.graph_plot, theme, scale)
        self.graph.node_clicked.connect(self.node_clicked)
        self.graph.node_hovered.connect(self.node_hovered)
        self.graph_plot.getViewBox().sigResized.connect(self._graph_resized)
        table = ci.addLayout(row=0, col=1, rowspan=3)
        table.setSpacing(2)
        self.table_layout = table
        self.table = self.heatmap(add_plot(table, 0, 0))
        self.coef_plot = add_plot(table, 0, 1)
        self.coef = self.heatmap(self.coef_plot, colorbar=False, square=False)   # rows level with the table's
        self.coef_plot.hideAxis("left")
        self.table.hovered.connect(self.hint)
        for vb in (self.table.plot.getViewBox(), self.coef_plot.getViewBox()):
            vb.sigResized.connect(self._align_coef)
        self.coef.hovered.connect(self.hint)
        table.layout.setColumnStretchFactor(0, 10)
        table.layout.setColumnStretchFactor(1, 1)
        self.emb_plot = self.plain(add_plot(ci, 0, 2))
        self.emb_plot.setMouseEnabled(x=False, y=False)
        # every point, the labelled nodes' rings and the selected node's in one item
        self.emb_dots = DotLayer()
        self.emb_dots.clicked.connect(self._emb_clicked)
        self.emb_dots.hovered.connect(self._emb_hovered)
        self.emb_plot.addItem(self.emb_dots)
        self.train = self.curves(add_plot(ci, 1, 2))
        self.smooth = self.curves(add_plot(ci, 2, 2))
        self.smooth_marker = pg.InfiniteLine(angle=90, movable=False)
        self.smooth.plot.addItem(self.smooth_marker)
        ci.layout.setColumnStretchFactor(0, 10)
        ci.layout.setColumnStretchFactor(1, 8)
        ci.layout.setColumnStretchFactor(2, 7)
        for row in range(3):
            ci.layout.setRowStretchFactor(row, 1)
        self.coef.text_max_side = 24          # the coefficients in their cells while they fit
        self.coef.text_max_cells = 24 * 8
        self.smooth.legend.anchor((0, 1), (0, 1), offset=(8, -8))
        self.colors: NodeColors | None = None
        self.shown_table = None
        # ranges and levels that hold still while training: axes re-laid out only when they move
        for plot in (self.emb_plot, self.train.plot, self.smooth.plot):
            plot.disableAutoRange()
        self.emb_x, self.emb_y = StickyRange(), StickyRange()
        self.train_x, self.train_y = StickyTop(fill=0.2), StickyTop(floor=1.0)
        self.smooth_y = StickyTop()
        self.table_top, self.coef_top = StickyTop(), StickyTop()
        self._shown: dict = {}          # what each title / axis label / range last showed
        self.retranslate()
        self.restyle(theme, scale)

    # ---- the (layer, phase) stepper -----------------------------------------------------------
    def layers(self) -> int:
        return int(self.frame.info.get("layers", 1)) if self.frame is not None else 1

    def current(self) -> tuple[int, str]:
        """The shown (layer, phase), the layer clamped to the model's layers."""
        layer = min(max(int(self.options.get("layer", 0)), 0), self.layers() - 1)
        phase = self.options.get("phase", "message")
        return layer, phase if phase in PHASES else "message"

    def step(self, delta: int) -> None:
        if self.frame is None:
            return
        order = steps_of(self.layers())
        i = order.index(self.current())
        j = min(max(i + delta, 0), len(order) - 1)
        layer, phase = order[j]
        if (layer, phase) != (self.options.get("layer"), self.options.get("phase")):
            self.options = {**self.options, "layer": layer, "phase": phase}
            self.view_change.emit({"layer": layer, "phase": phase})

    # ---- clicks and hovers ----------------------------------------------------------------------
    def node_clicked(self, row: int) -> None:
        if self.frame is None or not 0 <= row < len(self.frame["node_names"]):
            return
        name = str(self.frame["node_names"][row])
        if row == int(self.frame["node"]):
            self.hint.emit(tr("{node} is already selected").format(node=name))
            return
        self.hint.emit(tr("selecting {node}…").format(node=name))
        self.params_change.emit({"node": name})

    def describe_node(self, row: int) -> str:
        f = self.frame
        names = [str(c) for c in f.info.get("class_names", [])]
        label = int(f["labels"][row])
        pred = int(f["pred"][row])
        cls = names[label] if 0 <= label < len(names) else tr("unknown")
        text = tr("{node} · class {cls} · predicted {pred} · degree {degree}").format(
            node=str(f["node_names"][row]), cls=cls, pred=names[pred] if 0 <= pred < len(names) else pred,
            degree=int(f["degree"][row]))
        if bool(f["train_mask"][row]):
            text += " · " + tr("labelled (training)")
        hop = int(f["hops"][row])
        if hop >= 0:
            text += " · " + tr("{hops} hops from {node}").format(hops=hop, node=f.info.get("node", ""))
        return text

    def node_hovered(self, row: int) -> None:
        if self.frame is not None and 0 <= row < len(self.frame["node_names"]):
            text = self.describe_node(row)
            self.graph.nodes.setToolTip(text)
            self.hint.emit(text)
        else:
            self.graph.nodes.setToolTip("")

    def _emb_clicked(self, row: int) -> None:
        if self.frame is not None:
            self.node_clicked(int(self.frame["emb_nodes"][row]))

    def _emb_hovered(self, row: int) -> None:
        if self.frame is not None and row >= 0:
            self.hint.emit(self.describe_node(int(self.frame["emb_nodes"][row])))

    # ---- drawing ----------------------------------------------------------------------------------
    def _once(self, what: str, key) -> bool:
        """True (and remember key) if `what` last showed something else."""
        if self._shown.get(what, object()) == key:
            return False
        self._shown[what] = key
        return True

    def _plot_title(self, plot, text: str) -> None:
        if self._once(("title", id(plot)), (text, self.theme.foreground, self.scale)):
            set_title(plot, text, self.theme, self.scale)

    def _label(self, plot, side: str, text: str) -> None:
        if self._once(("label", id(plot), side), (text, self.theme.foreground, self.scale)):
            plot.setLabel(side, text, color=self.theme.foreground, **{"font-size": css_size(self.scale, -1)})

    def _range(self, plot, axis: str, lo: float, hi: float) -> None:
        if self._once(("range", id(plot), axis), (lo, hi)):
            (plot.setXRange if axis == "x" else plot.setYRange)(lo, hi, padding=0)

    def _levels(self, sticky: StickyTop, values) -> tuple[float, float]:
        """Colour levels that hold still: (0, top) for non-negative data, else (−top, top)."""
        v = np.asarray(values, dtype=np.float64)
        v = v[np.isfinite(v)]
        if v.size == 0:
            return 0.0, 1.0
        if v.min() >= 0:
            return 0.0, sticky.fit(float(v.max()))
        top = sticky.fit(float(np.abs(v).max()))
        return -top, top

    COMPACT_WIDTH = 640       # canvas pixels per unit of font scale below which ...
    COMPACT_HEIGHT = 300      # ... (or this height) the right-hand column of plots gives way

    def compact(self) -> bool:
        """Too little room for five plots (presentation zoom beside the side panes): the graph and
        the message table keep the canvas; the embedding, training and over-smoothing plots return
        when there is room again, and the facts say so."""
        c = self.canvas
        return c.width() < self.COMPACT_WIDTH * self.scale or c.height() < self.COMPACT_HEIGHT * self.scale

    GRAPH_SHARE = 0.27        # of the canvas' width the graph keeps beside the four plots

    def _fit_layout(self) -> None:
        compact = self.compact()
        # the table's axes and colour bar would otherwise take the width first; in the compact
        # layout the table needs it all (its cells are square) and the graph turns to fit its box
        share = 0 if compact else round(self.GRAPH_SHARE * self.canvas.width())
        if self._once("graph_width", share):
            self.canvas.ci.layout.setColumnMinimumWidth(0, share)
        if self._once("compact", compact):
            ci = self.canvas.ci
            grid = ci.layout
            held = {grid.itemAt(i) for i in range(grid.count())}
            for row, plot in enumerate((self.emb_plot, self.train.plot, self.smooth.plot)):
                # out of the grid while hidden: a hidden item's minimum height still counted, and
                # the three stacked plots made the canvas' rows taller than the canvas (the graph's
                # legend and the table's axis name were cut off at presentation zoom)
                if compact and plot in held:
                    grid.removeItem(plot)
                elif not compact and plot not in held:
                    grid.addItem(plot, row, 2)
                plot.setVisible(not compact)
            ci.layout.setColumnStretchFactor(2, 0 if compact else 7)
            ci.layout.setColumnMaximumWidth(2, 0 if compact else 1e6)
            if self.frame is not None and self.shown_table is not None:
                layer, phase = self.current()
                self.set_texts(self._title(self.frame, layer, phase), self._subtitle(self.frame),
                               self._facts(self.frame, layer, self.shown_table), self._note(self.frame))

    def _graph_resized(self, *_) -> None:
        if self.frame is not None and self.shown_table is not None and not self.graph.fits_box(self.frame):
            self.redraw()      # the layout turns to the plot's new shape, also while paused

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if hasattr(self, "_shown") and self.shown_table is not None:
            self._fit_layout()

    def draw(self, frame: Frame, options: dict) -> None:
        self.frame, self.options = frame, dict(options)
        layer, phase = self.current()
        order = steps_of(self.layers())
        i = order.index((layer, phase))
        self.back.setEnabled(i > 0)
        self.forward.setEnabled(i < len(order) - 1)
        self.step_label.setText(tr("layer {layer} / {layers} · {phase}").format(
            layer=layer + 1, layers=self.layers(), phase=tr(PHASE_WORDS[phase])))

        self.colors = node_colors(frame, options, layer, self.theme, self.theme.diverging)
        self.graph.draw(frame, options, layer, self.colors)
        self._plot_title(self.graph_plot, self._graph_title(frame, options, layer))
        table = table_for(frame, options, layer, phase)
        self.shown_table = table
        self.table.set_matrix(table.values, table.rows, table.cols, title=table.title,
                              levels=self._levels(self.table_top, table.values))
        self._draw_coef(table)
        self._draw_embedding(frame, options)
        self._draw_curves(frame)
        self._draw_smoothing(frame, layer)
        self._fit_layout()
        self.set_texts(self._title(frame, layer, phase), self._subtitle(frame), self._facts(frame, layer, table),
                       self._note(frame))

    def _draw_coef(self, table) -> None:
        on = table.coef is not None
        if self._once("coef", (on, len(table.coef_cols), self.scale)):
            self.coef_plot.setVisible(on)
            self.table_layout.layout.setColumnMaximumWidth(1, 1e6 if on else 0)
            self.table_layout.layout.setColumnMinimumWidth(1, 44 * self.scale * (len(table.coef_cols) if on else 0))
        # one column ("norm", GAT's mean α) is named by its title: its label under it said it again
        one = on and len(table.coef_cols) == 1 and table.coef_cols[0] == table.coef_title
        if self._once("coef_label", one):
            (self.coef_plot.hideAxis if one else self.coef_plot.showAxis)("bottom")
        if on:
            self.coef.set_matrix(table.coef, table.rows, table.coef_cols, title=table.coef_title,
                                 levels=(0.0, self.coef_top.fit(float(np.max(table.coef)))))
            self._align_coef()

    def _align_coef(self, *_) -> None:
        """The coefficient column's rows level with the message table's: the table's cells are
        square, so where it is narrow its rows fill only part of its height, and the column (not
        square) had spread the same rows over all of it."""
        if not self.coef_plot.isVisible() or self.coef.values is None:
            return
        tv, cv = self.table.plot.getViewBox(), self.coef_plot.getViewBox()
        t, c = tv.sceneBoundingRect(), cv.sceneBoundingRect()
        if t.height() <= 1 or c.height() <= 1:
            return
        y0, y1 = tv.viewRange()[1]
        per_pixel = (y1 - y0) / t.height()
        top = y0 + (c.top() - t.top()) * per_pixel       # row 0 at the top (both inverted)
        bottom = top + c.height() * per_pixel
        now = cv.viewRange()[1]
        if abs(now[0] - top) > 1e-6 * (y1 - y0) or abs(now[1] - bottom) > 1e-6 * (y1 - y0):
            cv.setYRange(top, bottom, padding=0)

    def _graph_title(self, frame, options, layer: int) -> str:
        by = options.get("color_by", "class")
        what = self.colors.title if by == "embedding" and self.colors is not None else tr(COLOR_WORDS.get(by, by))
        parts = [tr("colour: {what}").format(what=what)]
        if options.get("edges") == "attention" and f"attention_l{layer}" in frame.arrays:
            head = int(options.get("head", -1))
            heads = int(frame.info.get("heads", 1))
            which = tr("head {head}").format(head=head + 1) if 0 <= head < heads else tr("mean of heads")
            parts.append(tr("edges: α of {which}").format(which=which))
        else:
            parts.append(tr("ringed: labelled"))
        return ", ".join(parts)

    def _draw_embedding(self, frame, options) -> None:
        L = self.layers()
        k = int(options.get("emb_layer", -1))
        k = L - 1 if k < 0 or k >= L else k
        emb = np.asarray(frame[f"emb_l{k}"], dtype=np.float64)
        rows = np.asarray(frame["emb_nodes"], dtype=np.int64)
        colors = self.colors
        index = np.asarray(colors.index)[rows]
        n = len(rows)
        size = 10 if n <= 500 else 5 if n <= 5000 else 3
        theme = self.theme
        edge, ring, accent = qcolor(theme.background), qcolor(theme.foreground), qcolor(theme.accent)
        styles = [DotStyle(qcolor(c), edge, 0.6, size) for c in colors.palette]
        styles += [DotStyle(None, ring, 2.0, size), DotStyle(None, accent, 3.0, size + 10)]
        train = np.flatnonzero(np.asarray(frame["train_mask"], dtype=bool)[rows])
        at = np.flatnonzero(rows == int(frame["node"]))
        P = len(colors.palette)
        self.emb_dots.set_dots(np.concatenate([emb, emb[train], emb[at]]),
                               np.concatenate([index, np.full(len(train), P), np.full(len(at), P + 1)]),
                               styles, rows=np.concatenate([np.arange(n), train, at]))
        if len(emb):
            if self._once("emb_layer", (k, self.graph._graph_key, len(rows))):
                self.emb_x.reset()
                self.emb_y.reset()
            for sticky, axis, column in ((self.emb_x, "x", emb[:, 0]), (self.emb_y, "y", emb[:, 1])):
                fitted = sticky.fit(float(column.min()), float(column.max()))
                if fitted is not None:
                    self._range(self.emb_plot, axis, *fitted)
        method = frame.info.get("emb_method", ["pca"] * L)[k]
        var = np.asarray(frame[f"emb_var_l{k}"])
        if method == "pca":
            xl = tr("PC 1 ({share})").format(share=percent(var[0]))
            yl = tr("PC 2 ({share})").format(share=percent(var[1]))
        else:
            xl, yl = tr("dimension 0"), tr("dimension 1")
        self._label(self.emb_plot, "bottom", xl)
        self._label(self.emb_plot, "left", yl)
        self._plot_title(self.emb_plot, tr("Embedding space: layer {layer} output").format(layer=k + 1))

    def _draw_curves(self, frame) -> None:
        x = np.asarray(frame["curve_step"], dtype=np.float64)
        for name, word in CURVE_WORDS.items():
            self.train.set(name, x, frame[name], label=tr(word))
        self._range(self.train.plot, "x", 0.0, self.train_x.fit(float(x[-1]) if len(x) else 1.0))
        loss = np.asarray(frame["loss"], dtype=np.float64)
        top = self.train_y.fit(float(np.nanmax(loss)) if np.isfinite(loss).any() else 1.0)
        self._range(self.train.plot, "y", 0.0, top * 1.04)
        self._plot_title(self.train.plot, tr("Training: loss and accuracy"))

    def _draw_smoothing(self, frame, layer: int) -> None:
        L = self.layers()
        x = np.arange(L + 1, dtype=np.float64)
        for name, word in SMOOTH_WORDS.items():
            self.smooth.set(name, x, frame[name], label=tr(word))
        ticks = [(0.0, tr("input"))] + [(float(k + 1), str(k + 1)) for k in range(L)]
        if self._once("smooth_ticks", tuple(ticks)):
            self.smooth.plot.getAxis("bottom").setTicks([ticks])
        self._range(self.smooth.plot, "x", -0.35, L + 0.25)
        values = np.concatenate([np.asarray(frame[name], dtype=np.float64) for name in SMOOTH_WORDS])
        finite = values[np.isfinite(values)]
        self._range(self.smooth.plot, "y", 0.0, self.smooth_y.fit(float(finite.max()) if finite.size else 1.0) * 1.04)
        if self._once("smooth_marker", (layer, self.theme.accent)):
            self.smooth_marker.setPos(layer + 1)
            self.smooth_marker.setPen(cosmetic(qcolor(self.theme.accent, 160), 1.5))
        self._plot_title(self.smooth.plot, tr("Over-smoothing: layer by layer"))

    # ---- words ----------------------------------------------------------------------------------
    def _title(self, frame, layer: int, phase: str) -> str:
        return tr("Message passing at node {node}: layer {layer}, {phase}").format(
            node=frame.info.get("node", ""), layer=layer + 1, phase=tr(PHASE_WORDS[phase]))

    def _subtitle(self, frame) -> str:
        info = frame.info
        graph = info.get("graph", "")
        name = tr(GRAPH_WORDS[graph]) if graph in GRAPH_WORDS else str(info.get("source", graph))
        widths = " → ".join(str(w) for w in info.get("widths", []))
        parts = [tr(MODEL_WORDS.get(info.get("model"), str(info.get("model")))),
                 tr("{layers} layers, widths {widths}").format(layers=info.get("layers", 1), widths=widths)]
        if info.get("model") == "gat":
            parts.append(tr("{heads} heads").format(heads=info.get("heads", 1)))
        parts.append(tr("{graph}: {nodes} nodes, {edges} edges, {classes} classes").format(
            graph=name, nodes=f"{info.get('num_nodes', 0):,}", edges=f"{info.get('num_edges', 0):,}",
            classes=info.get("num_classes", 0)))
        parts.append(tr("training step {step}").format(step=f"{frame.step:,}"))
        return " · ".join(parts)

    def _facts(self, frame, layer: int, table) -> str:
        info = frame.info
        field = np.asarray(frame["field_size"])
        hears = int(field[min(layer, len(field) - 1)]) if len(field) else 0
        parts = [tr("after layer {layer}, {node} hears {n} of {total} nodes ({hops}-hop neighbourhood)").format(
            layer=layer + 1, node=info.get("node", ""), n=self.strong(f"{hears:,}"),
            total=f"{info.get('num_nodes', 0):,}", hops=layer + 1)]
        compact = self.compact()
        if table.how and not compact:
            parts.append(table.how)
        if info.get("loss") is not None and np.isfinite(info["loss"]):   # none before training
            parts.append(tr("loss {loss}").format(loss=self.strong(fmt(info["loss"]))))
            parts.append(tr("train accuracy {train} on {n} labelled nodes").format(
                train=self.strong(percent(info.get("acc_train", float("nan")))), n=info.get("num_labelled", 0)))
            parts.append(tr("test accuracy {test} on {n} other nodes").format(
                test=self.strong(percent(info.get("acc_test", float("nan")))), n=info.get("num_test", 0)))
        if info.get("classes_from") == "attribute":
            parts.append(tr("classes: the node attribute “{attr}”").format(attr=info.get("class_attr", "")))
        for kind, drawn, total in self.graph.sampled():
            parts.append(tr(SAMPLED_WORDS[kind]).format(drawn=f"{drawn:,}", total=f"{total:,}"))
        return " · ".join(parts)

    def _note(self, frame) -> str:
        info = frame.info
        if info.get("classes_from") == "communities":
            if info.get("communities_method") == "spectral":
                text = tr("This graph has no class attribute: the classes are its communities "
                          "(spectral clustering, seeded).")
                if info.get("communities_unassigned"):
                    text += " " + tr("{n} nodes outside the large components have no class.").format(
                        n=f"{info['communities_unassigned']:,}")
                return text
            return tr("This graph has no class attribute: the classes are its communities (Louvain, seeded).")
        return ""

    def redraw(self) -> None:
        if self.frame is not None:
            self.draw(self.frame, self.options)

    # ---- style and words -------------------------------------------------------------------------
    def restyle(self, theme, scale: float) -> None:
        super().restyle(theme, scale)
        if hasattr(self, "_shown"):
            self._shown = {}
        if hasattr(self, "graph"):
            self.graph.restyle(theme, scale)
        self.controls.setStyleSheet(f"background: {theme.panel};")
        for w in (self.back, self.forward, self.step_label, self.help_label):
            w.setFont(font(scale, delta=-0.5))
        self.help_label.setStyleSheet(f"color: {theme.muted};")

    def retranslate(self) -> None:
        self.back.setToolTip(tr("Previous phase: message → aggregate → update, layer by layer ([)"))
        self.forward.setToolTip(tr("Next phase: message → aggregate → update, layer by layer (])"))
        self.help_label.setText(tr("Click a node to select it; [ and ] step through the phases"))
