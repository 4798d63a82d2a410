"""Train page: loss and accuracy curves of the tiny transformer, its attention maps for one
sample sequence (every layer × head), and that sample's prediction."""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from visualizer.core.frame import Frame
from visualizer.ui.i18n import tr
from visualizer.ui.views.attention.common import weight_levels
from visualizer.ui.views.page import Page
from visualizer.ui.widgets.plots import Heatmap, LiveCurves, ResizingCanvas, add_plot, fmt, font, style_plot

TASK_TEXT = {
    "reverse": "reverse the digits: output position i is input position T−1−i — watch the anti-diagonal appear",
    "copy": "copy the digits: each position can simply keep its own token",
    "sort": "sort the digits: each output position must count how many digits are smaller",
}


class TrainPage(Page):
    def __init__(self, theme, scale: float, parent=None):
        super().__init__(theme, scale, parent, canvas=False)
        self.canvas = ResizingCanvas(theme)
        self.sample = QLabel()
        self.sample.setTextFormat(Qt.RichText)
        self.sample.setWordWrap(True)
        content = QWidget()
        inner = QVBoxLayout(content)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(self.canvas, 1)
        inner.addWidget(self.sample)
        self.set_content(content)

        self.loss_plot = add_plot(self.canvas, 0, 0)
        self.acc_plot = add_plot(self.canvas, 1, 0)
        self.loss = LiveCurves(self.loss_plot, theme, scale, legend="inside")
        self.acc = LiveCurves(self.acc_plot, theme, scale, legend="inside")
        for curves in (self.loss, self.acc):
            curves.legend.setVisible(False)   # one curve each: the axis label names it
        self.canvas.resized.connect(self._share_width)
        self.loss_plot.setLogMode(y=True)
        self.acc_plot.setYRange(0, 1.02, padding=0)
        self.acc_plot.setXLink(self.loss_plot)
        self.maps_layout = self.canvas.addLayout(row=0, col=1, rowspan=2)
        lay = self.canvas.ci.layout
        lay.setColumnStretchFactor(0, 2)
        lay.setColumnStretchFactor(1, 3)
        self.maps: dict[tuple[int, int], Heatmap] = {}
        self._maps_shape = None
        self.restyle(theme, scale)

    def _share_width(self) -> None:
        """The curves keep about a third of the width however many heads are drawn beside them."""
        w = 0.34 * self.canvas.width()
        for plot in (self.loss_plot, self.acc_plot):
            plot.setMinimumWidth(w)
            plot.setMaximumWidth(max(w, 0.45 * self.canvas.width()))

    def _label_axes(self) -> None:
        self.loss_plot.setLabel("left", tr("loss (log scale)"))
        self.acc_plot.setLabel("left", tr("token accuracy"))
        self.acc_plot.setLabel("bottom", tr("training step"))
        for p in (self.loss_plot, self.acc_plot):
            style_plot(p, self.theme, self.scale)

    def _ensure_maps(self, layers: int, heads: int) -> None:
        if self._maps_shape == (layers, heads):
            return
        self.maps_layout.clear()
        self.maps = {}
        for l in range(layers):
            for h in range(heads):
                plot = add_plot(self.maps_layout, l, h)
                # redrawn up to 30 times a second: no numbers in the cells (exact values on hover)
                # one colour scale for all heads; its bar beside each layer's last head
                hm = Heatmap(plot, self.theme, self.scale, colorbar=h == heads - 1, cell_text=False)
                hm.hovered.connect(self.hint)
                self.maps[(l, h)] = hm
        self._maps_shape = (layers, heads)

    def draw(self, frame: Frame, options: dict) -> None:
        info = frame.info
        steps = frame["history_step"]
        if len(steps):
            self.loss.set("loss", steps, np.maximum(frame["history_loss"], 1e-6), label=tr("loss"))
            self.acc.set("accuracy", steps, frame["history_accuracy"], label=tr("accuracy"))
        att = frame["attentions"]                                      # (L, nh, T, T)
        L, H, T, _ = att.shape
        self._ensure_maps(L, H)
        positions = [f"{i + 1}:{t}" for i, t in enumerate(frame["tokens"])]
        levels = weight_levels(att, options.get("levels", "max"))     # shared: heads compare at a glance
        for (l, h), hm in self.maps.items():
            m = att[l, h]
            hm.set_matrix(m, positions, positions, title=tr("layer {layer} · head {head}").format(layer=l + 1, head=h + 1),
                          levels=levels, cmap="probability")
            hm.set_axis_labels(tr("query"), tr("key"))
        title = tr("A tiny transformer learns to {task}").format(task=tr(info["task"]))
        facts = tr("step {step} · loss {loss} · token accuracy {acc} · learning rate {lr} · "
                   "{layers} layer(s) × {heads} head(s), embedding size {dim}").format(
            step=info["steps"], loss=fmt(info["loss"]) if info["steps"] else "—",
            acc=f"{100 * info['accuracy']:.1f}%" if info["steps"] else "—", lr=fmt(info["lr"]),
            layers=info["layers"], heads=info["heads"], dim=info["dim"])
        facts += "\n" + tr(TASK_TEXT[info["task"]])
        self.set_texts(title, facts, "")
        self._draw_sample(frame)

    def _draw_sample(self, frame: Frame) -> None:
        x, y, p = frame["sample_input"], frame["sample_target"], frame["sample_prediction"]
        good = "#059669" if not self.theme.dark else "#34d399"
        bad = "#dc2626" if not self.theme.dark else "#f87171"

        def row(values, colours=None):
            cells = []
            for i, v in enumerate(values):
                c = self.theme.foreground if colours is None else colours[i]
                cells.append(f"<span style='color:{c}'>{int(v)}</span>")
            return "&nbsp;".join(cells)

        colours = [good if a == b else bad for a, b in zip(p, y)]
        def name(text):
            return f"<span style='color:{self.theme.muted}'>{html.escape(tr(text))}</span>"

        text = (f"{name('input')} {row(x)} &nbsp;&nbsp;→&nbsp;&nbsp; {name('target')} {row(y)}"
                f" &nbsp;&nbsp; {name('prediction')} <b>{row(p, colours)}</b>")
        self.sample.setText(f"<span style='font-family: monospace'>{text}</span>")

    def restyle(self, theme, scale: float) -> None:
        super().restyle(theme, scale)
        self.loss.restyle(theme, scale)
        self.acc.restyle(theme, scale)
        self._label_axes()
        for hm in self.maps.values():
            hm.restyle(theme, scale)
        self.sample.setFont(font(scale, delta=2))

    def retranslate(self) -> None:
        self._label_axes()
