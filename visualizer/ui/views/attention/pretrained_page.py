"""Pretrained page: a real transformer's attention in four sub-views.

model    every head of every layer as a thumbnail (one reused image), click one to zoom
head     token-to-token lines for one layer, heads colour-coded and toggleable
heatmap  one head, or the layer's average, with exact values on hover
neuron   for one query token and head: q, the keys, q⊙k, the sum (= the score), softmax
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import (QComboBox, QGraphicsRectItem, QHBoxLayout, QLabel, QSizePolicy, QStackedWidget, QTabBar,
                               QVBoxLayout, QWidget)

from visualizer.core.frame import Frame
from visualizer.labs.attention.config import PANELS
from visualizer.ui.i18n import tr
from visualizer.ui.views.attention.common import (display_tokens, lookup_table, mosaic, signed_levels, token_labels,
                                                  weight_levels)
from visualizer.ui.views.attention.head_view import HeadViewWidget
from visualizer.ui.views.page import Page
from visualizer.ui.widgets.plots import (Heatmap, MatrixImage, PlotCanvas, ResizingCanvas, ThinAxis, add_plot, fmt,
                                         font, style_plot)

PANEL_TITLES = {"model": "Model view", "head": "Head view", "heatmap": "Heatmap", "neuron": "Neuron view"}


def clamp_selection(options: dict, layers: int, heads: int) -> tuple[int, int]:
    """0-based layer and head from the 1-based view options; head -1 = the layer's average."""
    layer = min(max(int(options.get("layer", 1)), 1), layers) - 1
    head = int(options.get("head", 1))
    head = -1 if head <= 0 else min(head, heads) - 1
    return layer, head


def neuron_unavailable(info: dict) -> str:
    error = info.get("neuron_max_error")
    if error is not None:
        return tr("The neuron view is off for this model: its query and key vectors, as captured, do not "
                  "reproduce its attention (max difference {error}).").format(error=f"{error:.2g}")
    return tr("The neuron view does not know where this model keeps its query and key vectors.")


class ModelViewWidget(QWidget):
    """All layers × heads in one image; the selected head zoomed beside it."""

    selected = Signal(int, int)  # layer, head (0-based)
    hovered = Signal(str)

    def __init__(self, theme, scale: float, parent=None):
        super().__init__(parent)
        self.theme, self.scale = theme, scale
        self.canvas = ResizingCanvas(theme)
        self.grid = add_plot(self.canvas, 0, 0)
        self.zoom_plot = add_plot(self.canvas, 0, 1)
        g = self.grid
        g.setMenuEnabled(False)
        g.hideButtons()
        g.setMouseEnabled(x=False, y=False)
        g.invertY(True)
        g.getViewBox().setDefaultPadding(0.0)
        g.setAxisItems({"top": ThinAxis("top")})
        g.showAxis("top")
        g.hideAxis("bottom")
        for side in ("top", "left"):
            g.getAxis(side).setStyle(tickLength=0)
        self.image = MatrixImage(axisOrder="row-major")
        g.addItem(self.image)
        self.selection = QGraphicsRectItem()
        pen = QPen(QColor(theme.accent))
        pen.setCosmetic(True)
        pen.setWidthF(theme.pen_width(3))
        self.selection.setPen(pen)
        g.addItem(self.selection)
        self.image.hoverEvent = self._hover
        self.image.mouseClickEvent = self._click
        self.zoom = Heatmap(self.zoom_plot, theme, scale, colorbar=True, cell_text=True)
        self.zoom.hovered.connect(self.hovered)
        layout_ = QVBoxLayout(self)
        layout_.setContentsMargins(0, 0, 0, 0)
        layout_.addWidget(self.canvas)
        self.attentions: np.ndarray | None = None
        self.tokens: list[str] = []
        self._geometry = (0, 0, 0)   # thumbnail side S, gap, T
        self._shape = None
        self._image_size = (1, 1)
        self._lut = lookup_table("probability", theme)
        self._levels = "max"
        self._selected = (0, 0)
        self.canvas.resized.connect(self._share_width)
        g.getViewBox().sigResized.connect(self._fit)

    def _share_width(self) -> None:
        """About 3/5 of the width for the thumbnails, the rest for the zoomed head."""
        w = self.canvas.width()
        self.zoom_plot.setMaximumWidth(max(240.0, 0.42 * w))
        self.zoom_plot.setMinimumWidth(min(240.0, 0.42 * w))

    def _fit(self) -> None:
        """Square thumbnails anchored at the top-left corner, beside the axes (no centring gap)."""
        vb = self.grid.getViewBox()
        w, h = vb.width(), vb.height()
        W, H = self._image_size
        if w <= 1 or h <= 1:
            return
        px = min(w / W, h / H)                     # pixels per image pixel, the same both ways
        self.grid.setXRange(0, w / px, padding=0.0)
        self.grid.setYRange(0, h / px, padding=0.0)

    def draw(self, attentions: np.ndarray, tokens: list[str], layer: int, head: int, levels: str) -> None:
        L, H, T, _ = attentions.shape
        self.attentions, self.tokens, self._levels = attentions, tokens, levels
        image, S, gap = mosaic(attentions, self._lut, QColor(self.theme.background), levels=levels)
        self.image.setImage(image, autoLevels=False)
        self._geometry = (S, gap, T)
        if self._shape != (L, H, S):
            self._shape = (L, H, S)
            self._image_size = (image.shape[1], image.shape[0])
            step = S + gap
            self.grid.getAxis("left").setTicks([[(l * step + S / 2, f"L{l + 1}") for l in range(L)], []])
            self.grid.getAxis("top").setTicks([[(h * step + S / 2, f"H{h + 1}") for h in range(H)], []])
            self._fit()
        self.select(layer, head)

    def _label_axes(self) -> None:
        style_plot(self.grid, self.theme, self.scale)
        for side in ("top", "left"):   # tick labels only: L1…L6 down the side, H1…H12 along the top
            axis = self.grid.getAxis(side)
            axis.setPen(pg.mkPen(0, 0, 0, 0))
            axis.setTextPen(pg.mkPen(self.theme.foreground))

    def select(self, layer: int, head: int) -> None:
        if self.attentions is None:
            return
        self._selected = (layer, head)
        S, gap, T = self._geometry
        step = S + gap
        L, H = self.attentions.shape[:2]
        if head < 0:
            self.selection.setRect(QRectF(-gap / 2, layer * step - gap / 2, H * step, step))
        else:
            self.selection.setRect(QRectF(head * step - gap / 2, layer * step - gap / 2, step, step))
        if head < 0:
            values = self.attentions[layer].mean(axis=0)
            title = tr("Layer {layer} · average of {n} heads").format(layer=layer + 1, n=H)
        else:
            values = self.attentions[layer, head]
            title = tr("Layer {layer} · head {head}").format(layer=layer + 1, head=head + 1)
        self.zoom.set_matrix(values, self.tokens, self.tokens, title=title, levels=weight_levels(values, self._levels))
        self.zoom.set_axis_labels(tr("query"), tr("key"))

    def _cell(self, pos):
        S, gap, T = self._geometry
        if self.attentions is None or S == 0:
            return None
        step = S + gap
        x, y = pos.x(), pos.y()
        h, l = int(x // step), int(y // step)
        fx, fy = x - h * step, y - l * step
        L, H = self.attentions.shape[:2]
        if not (0 <= l < L and 0 <= h < H) or fx >= S or fy >= S:
            return None
        i = min(T - 1, int(fy * T / S))
        j = min(T - 1, int(fx * T / S))
        return l, h, i, j

    def _hover(self, event) -> None:
        if event.isExit():
            self.image.setToolTip("")
            return
        cell = self._cell(event.pos())
        if cell is None:
            return
        l, h, i, j = cell
        text = tr("layer {layer}, head {head}: {query} → {key} = {value}").format(
            layer=l + 1, head=h + 1, query=self.tokens[i], key=self.tokens[j], value=f"{self.attentions[l, h, i, j]:.6g}")
        self.image.setToolTip(text)
        self.hovered.emit(text)

    def _click(self, event) -> None:
        if event.button() != Qt.LeftButton:
            return
        cell = self._cell(event.pos())
        if cell is not None:
            event.accept()
            self.select(cell[0], cell[1])
            self.selected.emit(cell[0], cell[1])

    def retranslate(self) -> None:
        self._label_axes()

    def restyle(self, theme, scale: float) -> None:
        self.theme, self.scale = theme, scale
        self.canvas.set_theme(theme)
        self._lut = lookup_table("probability", theme)
        pen = QPen(QColor(theme.accent))
        pen.setCosmetic(True)
        pen.setWidthF(theme.pen_width(3))
        self.selection.setPen(pen)
        self._label_axes()
        self.zoom.restyle(theme, scale)
        if self.attentions is not None:
            layer, head = self._selected
            self.draw(self.attentions, self.tokens, layer, head, self._levels)


class NeuronViewWidget(QWidget):
    """q · k for one query token, one head: where an attention score comes from."""

    hovered = Signal(str)

    def __init__(self, theme, scale: float, parent=None):
        super().__init__(parent)
        self.theme, self.scale = theme, scale
        self.canvas = PlotCanvas(theme)
        c = self.canvas
        # q and the keys share a colour scale (bar beside the keys), q ⊙ k has its own; the three
        # one-column maps write their numbers (columns of values, not matrices: not square)
        self.q_map = Heatmap(add_plot(c, 0, 0), theme, scale, colorbar=False, cell_text=False, square=False)
        self.k_map = Heatmap(add_plot(c, 1, 0), theme, scale, colorbar=True, cell_text=False, square=False)
        self.prod_map = Heatmap(add_plot(c, 1, 1), theme, scale, colorbar=True, cell_text=False, square=False)
        self.sum_map = Heatmap(add_plot(c, 1, 2), theme, scale, colorbar=False, cell_text=True, square=False)
        self.score_map = Heatmap(add_plot(c, 1, 3), theme, scale, colorbar=False, cell_text=True, square=False)
        self.soft_map = Heatmap(add_plot(c, 1, 4), theme, scale, colorbar=False, cell_text=True, square=False)
        self.maps = (self.q_map, self.k_map, self.prod_map, self.sum_map, self.score_map, self.soft_map)
        for hm in self.maps:
            hm.hovered.connect(self.hovered)
        lay = c.ci.layout
        for col, f in enumerate((4, 4, 1, 1, 1)):
            lay.setColumnStretchFactor(col, f)
        lay.setRowStretchFactor(0, 1)
        lay.setRowStretchFactor(1, 8)
        self.q_map.plot.setMaximumHeight(110)
        for hm in (self.prod_map, self.sum_map, self.score_map, self.soft_map):
            hm.plot.hideAxis("left")
        for hm in (self.sum_map, self.score_map, self.soft_map):
            hm.text_max_side = 48          # one column: numbers fit however many keys there are
            hm.text_max_cells = 48
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)

    def draw(self, frame: Frame, layer: int, head: int, query: int, levels: str) -> None:
        q = frame["queries"][layer, head, query]                       # (hs,)
        K = frame["keys"][layer, head]                                 # (T, hs)
        mask = frame["neuron_mask"][layer, query]                      # (T,)
        scale = float(frame.info["scale"])
        prod = K * q[None, :]                                          # (T, hs)
        score = prod.sum(axis=1)                                       # (T,)  = q · k
        scaled = np.where(mask, -np.inf, score * scale)                # (T,)
        finite = np.isfinite(scaled)
        e = np.where(finite, np.exp(scaled - scaled[finite].max()), 0.0)
        soft = e / e.sum()
        tokens = display_tokens(frame)
        dims = [str(d + 1) for d in range(len(q))]
        qname = tokens[query]
        qk = signed_levels(np.concatenate([q.ravel(), K.ravel()]))
        self.q_map.set_matrix(q[None, :], [qname], dims, title=tr("q of '{token}'").format(token=qname),
                              levels=qk, categorical=(True, False))
        self.k_map.set_matrix(K, tokens, dims, title=tr("keys k"), levels=qk, categorical=(True, False))
        self.k_map.set_axis_labels(tr("key"), tr("dimension"))
        self.prod_map.set_matrix(prod, tokens, dims, title=tr("q ⊙ k"), levels=signed_levels(prod),
                                 categorical=(True, False))
        self.prod_map.set_axis_labels("", tr("dimension"))
        # one-column maps get a one-character tick, so their axes are as tall as the others' (rows align)
        self.sum_map.set_matrix(score[:, None], tokens, ["Σ"], title=tr("Σ = q·k"), levels=signed_levels(score))
        self.sum_map.set_axis_labels("", tr("score"))
        self.score_map.set_matrix(scaled[:, None], tokens, ["×"], title=tr("× {scale}").format(scale=fmt(scale)),
                                  levels=signed_levels(scaled))
        self.score_map.set_axis_labels("", tr("scaled"))
        self.soft_map.set_matrix(soft[:, None], tokens, ["p"], title=tr("softmax"), levels=weight_levels(soft, levels))
        self.soft_map.set_axis_labels("", tr("weight"))
        return soft

    def restyle(self, theme, scale: float) -> None:
        self.theme, self.scale = theme, scale
        self.canvas.set_theme(theme)
        for hm in self.maps:
            hm.restyle(theme, scale)


class PretrainedPage(Page):
    """view_change carries the view options the person changed inside the page (tab, head, query)."""

    def __init__(self, theme, scale: float, parent=None):
        super().__init__(theme, scale, parent, canvas=False)
        self.tabs = QTabBar()
        for name in PANELS:
            self.tabs.addTab(PANEL_TITLES[name])
        self.tabs.setDrawBase(False)
        self.query_label = QLabel()
        self.query_box = QComboBox()
        self.query_box.setMinimumContentsLength(10)
        toolbar = QWidget()
        toolbar.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        bar = QHBoxLayout(toolbar)
        bar.setContentsMargins(8, 4, 8, 0)
        bar.addWidget(self.tabs)
        bar.addStretch(1)
        bar.addWidget(self.query_label)
        bar.addWidget(self.query_box)

        self.model_view = ModelViewWidget(theme, scale)
        self.head_view = HeadViewWidget(theme, scale)
        self.heatmap_canvas = PlotCanvas(theme)
        self.heatmap = Heatmap(add_plot(self.heatmap_canvas, 0, 0), theme, scale, colorbar=True, cell_text=True)
        self.neuron_view = NeuronViewWidget(theme, scale)
        self.neuron_message = QLabel()
        self.neuron_message.setWordWrap(True)
        self.neuron_message.setAlignment(Qt.AlignCenter)
        self.pages = {"model": self.model_view, "head": self.head_view, "heatmap": self.heatmap_canvas,
                      "neuron": self.neuron_view}
        self.stack = QStackedWidget()
        for page in self.pages.values():
            self.stack.addWidget(page)
        self.stack.addWidget(self.neuron_message)
        self.set_content(self.stack)
        self.add_control(toolbar, 1)
        self.controls_layout.setContentsMargins(0, 0, 0, 0)

        self.tabs.currentChanged.connect(self._tab_changed)
        self.query_box.activated.connect(self._query_picked)
        self.model_view.selected.connect(self._thumbnail_clicked)
        for w in (self.model_view, self.neuron_view):
            w.hovered.connect(self.hint)
        self.heatmap.hovered.connect(self.hint)
        self.frame: Frame | None = None
        self.options: dict = {}
        self._last_head_option = None
        self.retranslate()
        self.restyle(theme, scale)

    # ---- person's clicks -----------------------------------------------------------------------------
    def _tab_changed(self, index: int) -> None:
        panel = PANELS[index]
        if self.options.get("panel") != panel:
            self.options = {**self.options, "panel": panel}
            self.view_change.emit({"panel": panel})
            self.redraw()

    def _query_picked(self, index: int) -> None:
        if index >= 0 and self.options.get("query") != index + 1:
            self.options = {**self.options, "query": index + 1}
            self.view_change.emit({"query": index + 1})
            self.redraw()

    def _thumbnail_clicked(self, layer: int, head: int) -> None:
        self.options = {**self.options, "layer": layer + 1, "head": head + 1}
        self._set_header(self.frame, "model", layer, head)
        self.view_change.emit({"layer": layer + 1, "head": head + 1})

    # ---- drawing ----------------------------------------------------------------------------------
    def draw(self, frame: Frame, options: dict) -> None:
        self.frame, self.options = frame, dict(options)
        self.redraw()

    def redraw(self) -> None:
        frame, options = self.frame, self.options
        if frame is None:
            return
        panel = options.get("panel", "model")
        index = PANELS.index(panel)
        if self.tabs.currentIndex() != index:
            self.tabs.blockSignals(True)
            self.tabs.setCurrentIndex(index)
            self.tabs.blockSignals(False)
        att = frame["attentions"]
        L, H, T, _ = att.shape
        layer, head = clamp_selection(options, L, H)
        tokens = display_tokens(frame)
        neuron = panel == "neuron"
        self.query_label.setVisible(neuron)
        self.query_box.setVisible(neuron)
        levels = options.get("levels", "max")
        if panel == "model":
            self.model_view.draw(att, tokens, layer, head, levels)
            self.stack.setCurrentWidget(self.model_view)
        elif panel == "head":
            head_option = options.get("head", 1)
            if head_option != self._last_head_option:
                self._last_head_option = head_option
                self.head_view.set_enabled_heads(range(H) if head < 0 else [head])
            self.head_view.set_data(att[layer], tokens)
            self.stack.setCurrentWidget(self.head_view)
        elif panel == "heatmap":
            if head < 0:
                values = att[layer].mean(axis=0)
                title = tr("Layer {layer} · average of {n} heads").format(layer=layer + 1, n=H)
            else:
                values = att[layer, head]
                title = tr("Layer {layer} · head {head}").format(layer=layer + 1, head=head + 1)
            self.heatmap.set_matrix(values, tokens, tokens, title=title, levels=weight_levels(values, levels))
            self.heatmap.set_axis_labels(tr("query"), tr("key"))
            self.stack.setCurrentWidget(self.heatmap_canvas)
        else:
            self._fill_query_box(tokens, options)
            if "queries" in frame.arrays:
                query = min(max(int(options.get("query", 1)), 1), T) - 1
                self.neuron_view.draw(frame, layer, max(head, 0), query, levels)
                self.stack.setCurrentWidget(self.neuron_view)
            else:
                self.neuron_message.setText(neuron_unavailable(frame.info))
                self.neuron_message.setFont(font(self.scale, delta=2))
                self.stack.setCurrentWidget(self.neuron_message)
        self._set_header(frame, panel, layer, head)

    def _fill_query_box(self, tokens: list[str], options: dict) -> None:
        labels = token_labels(tokens, numbered=True)
        if [self.query_box.itemText(i) for i in range(self.query_box.count())] != labels:
            self.query_box.blockSignals(True)
            self.query_box.clear()
            self.query_box.addItems(labels)
            self.query_box.blockSignals(False)
        index = min(max(int(options.get("query", 1)), 1), len(tokens)) - 1
        if self.query_box.currentIndex() != index:
            self.query_box.blockSignals(True)
            self.query_box.setCurrentIndex(index)
            self.query_box.blockSignals(False)

    def _set_header(self, frame: Frame, panel: str, layer: int, head: int) -> None:
        info = frame.info
        L, H = info["layers"], info["heads"]
        title = f"{info['model']} — {tr(PANEL_TITLES[panel])}"
        facts = tr("{n} tokens · {layers} layers × {heads} heads").format(n=info["tokens"], layers=L, heads=H)
        if panel == "model":
            facts += " · " + tr("one thumbnail per head: layers L1–L{layers} down, heads H1–H{heads} across; "
                                "click one to zoom").format(layers=L, heads=H)
        elif panel == "head":
            facts += " · " + tr("layer {layer}; line opacity = attention weight; "
                                "hover a token to see only its lines").format(layer=layer + 1)
        elif panel == "heatmap":
            facts += " · " + tr("rows: query tokens, columns: key tokens; each row sums to 1")
        elif panel == "neuron" and "queries" in frame.arrays:
            T = info["tokens"]
            query = min(max(int(self.options.get("query", 1)), 1), T) - 1
            h = max(head, 0)
            facts += " · " + tr("layer {layer}, head {head}, query '{token}' (token {index}): q ⊙ k summed is the "
                                "score; × {scale} (= 1/√d, masked keys −∞), then softmax = the model's own attention "
                                "row").format(layer=layer + 1, head=h + 1, token=display_tokens(frame)[query],
                                              index=query + 1, scale=fmt(float(info["scale"])))
        note = ""
        if info.get("truncated"):
            note = tr("The text has {total} tokens; only the first {n} are shown (this model reads at most {n}).").format(
                total=info["total_tokens"], n=info["tokens"])
        self.set_texts(title, facts, note=note)

    def restyle(self, theme, scale: float) -> None:
        super().restyle(theme, scale)
        self.model_view.restyle(theme, scale)
        self.head_view.restyle(theme, scale)
        self.heatmap_canvas.set_theme(theme)
        self.heatmap.restyle(theme, scale)
        self.neuron_view.restyle(theme, scale)
        self.neuron_message.setStyleSheet(f"color: {theme.foreground};")
        for w in (self.tabs, self.query_label, self.query_box):
            w.setFont(font(scale))

    def retranslate(self) -> None:
        for i, name in enumerate(PANELS):
            self.tabs.setTabText(i, tr(PANEL_TITLES[name]))
        self.query_label.setText(tr("Query token:"))
        self.head_view.retranslate()
        self.model_view.retranslate()
