"""ALiBi page: the head slopes, the bias each head adds by distance, and one head's logits
before and after the bias (logits + bias = biased logits)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QPolygonF
from PySide6.QtWidgets import QGraphicsPolygonItem

from visualizer.core.frame import Frame
from visualizer.ui.i18n import tr
from visualizer.ui.views.page import Page
from visualizer.ui.views.positional.common import Items, axis_label, corner_label, pen, text_item
from visualizer.ui.widgets.colors import colormap
from visualizer.ui.widgets.plots import Reflow, add_plot, fmt, number_ticks, set_title


SUPERSCRIPT = str.maketrans("0123456789.−-", "⁰¹²³⁴⁵⁶⁷⁸⁹·⁻⁻")


def slope_text(m: float) -> str:
    """1/2, 1/4 … for exact powers of two, else 2 to a real superscript power: 2⁻⁰·⁵, 2⁻¹·²⁵."""
    x = -np.log2(m)
    if abs(x - round(x)) < 1e-6:
        return f"1/{int(round(2 ** x))}"
    power = f"{x:.2f}".rstrip("0").rstrip(".")
    return "2" + ("−" + power).translate(SUPERSCRIPT)


def recipe(heads: int) -> str:
    if heads & (heads - 1) == 0:
        return tr("{H} is a power of two: slopes 2^(−8h/{H}) for h = 1 … {H}, a geometric sequence.").format(H=heads)
    low = 2 ** int(np.floor(np.log2(heads)))
    return tr("{H} is not a power of two: the {low} slopes of {low} heads, then every other slope of {twice} heads "
              "for the remaining {rest}.").format(H=heads, low=low, twice=2 * low, rest=heads - low)


class AlibiPage(Page):
    def __init__(self, theme, scale, parent=None):
        super().__init__(theme, scale, parent)
        c = self.canvas
        self.slope_plot = self.plain(add_plot(c, row=0, col=0))
        self.slope_plot.setMouseEnabled(x=False, y=False)
        self.bias_curves = self.plain(add_plot(c, row=0, col=1, colspan=2))
        self.bias_curves.setMouseEnabled(x=False, y=False)
        self.logit_plot = add_plot(c, row=1, col=0)
        self.logits = self.heatmap(self.logit_plot, cell_text=False)
        self.bias_plot = add_plot(c, row=1, col=1)
        self.bias = self.heatmap(self.bias_plot, cell_text=False)
        self.sum_plot = add_plot(c, row=1, col=2)
        self.biased = self.heatmap(self.sum_plot, cell_text=False)
        self.reflow = Reflow(c, {self.slope_plot: (0, 0), self.bias_curves: (0, 1, 1, 2), self.logit_plot: (1, 0),
                                 self.bias_plot: (1, 1), self.sum_plot: (1, 2)},
                             [self.slope_plot, self.bias_curves, self.logit_plot, self.bias_plot, self.sum_plot],
                             scale, line_stretch=[2, 3, 2, 2, 2])   # a short canvas: the five side by side
        self.head_label = corner_label(self.bias_curves, theme.foreground, scale, corner=(0.5, 1), offset=(0, -8))
        self.head_label.setVisible(False)   # the thick line is named in the title: nothing over the data
        self.items = Items()
        self._slope_labels: list = []
        self._selected_head = 0
        self._slope_max = 1.0
        self.slope_plot.getViewBox().sigResized.connect(self._fit_slope_labels)

    def _fit_slope_labels(self, *_args) -> None:
        """Every bar's slope where the labels fit side by side, else only the selected head's."""
        if not self._slope_labels:
            return
        vb = self.slope_plot.getViewBox()
        (x0, x1), _ = vb.viewRange()
        bar = vb.width() / max(1e-9, x1 - x0)
        widest = max(label.textItem.boundingRect().width() for _, label in self._slope_labels) - 6
        every = bar >= widest + 2
        px = (x1 - x0) / max(1.0, vb.width())
        for g, label in self._slope_labels:
            label.setVisible(every or g == self._selected_head)
            half = (label.textItem.boundingRect().width() - 6) / 2 * px   # its centre, kept inside the plot
            label.setPos(min(max(g, x0 + half), x1 - half) if x1 - x0 > 2 * half else g, label.pos().y())
        # head room for the label over the tallest bar: its height in pixels, at any text size
        tall = max(label.textItem.boundingRect().height() for _, label in self._slope_labels)
        free = vb.height() - tall - 4
        top = self._slope_max * 1.35
        if free > 0:
            top = max(top, self._slope_max * vb.height() / free)
        self.slope_plot.setYRange(0, top, padding=0)

    def draw(self, frame: Frame, options: dict) -> None:
        theme, scale = self.theme, self.scale
        self.items.clear()
        slopes, bias = frame["slopes"], frame["bias"]
        H, P, _ = bias.shape
        h = min(max(1, int(options.get("head", 1))), H) - 1      # the option counts from 1, arrays from 0
        cmap = colormap("probability", theme)
        head_colors = cmap.map(np.linspace(0.0, 0.85, H), mode="qcolor")

        # slopes
        bars = pg.BarGraphItem(x=np.arange(H), height=slopes, width=0.7,
                               brushes=[pg.mkBrush(head_colors[g]) for g in range(H)],
                               pens=[pg.mkPen(theme.foreground, width=2.5 if g == h else 0.5) for g in range(H)])
        self.items.add(self.slope_plot, bars)
        self._slope_labels = []
        for g in range(H):
            label = text_item(self.slope_plot, slope_text(float(slopes[g])), g, float(slopes[g]), theme.foreground,
                              scale, anchor=(0.5, 1.05), delta=-2)
            self._slope_labels.append((g, label))
            self.items.keep(self.slope_plot, label)
        self._selected_head = h
        self.slope_plot.setXRange(-0.6, H - 0.4, padding=0)
        self._slope_max = float(slopes.max())
        self.slope_plot.setYRange(0, self._slope_max * 1.35, padding=0)   # head room for the top label
        self._fit_slope_labels()
        step = max(1, int(np.ceil(H / 16)))
        self.slope_plot.getAxis("bottom").setTicks([[(g, str(g + 1)) for g in range(0, H, step)], []])
        set_title(self.slope_plot, tr("slope m per head ({H} heads)").format(H=H), theme, scale)
        axis_label(self.slope_plot, "bottom", tr("head"), theme, scale)
        axis_label(self.slope_plot, "left", tr("slope m"), theme, scale)

        # bias against the key position, for a query in the middle
        query = P // 2
        x = np.arange(P)
        for g in range(H):
            row = bias[g, query].astype(np.float64)
            keep = np.isfinite(row)
            width = 3.2 if g == h else 1.4
            self.items.add(self.bias_curves, pg.PlotDataItem(x[keep], row[keep], pen=pg.mkPen(head_colors[g], width=width)))
        self.items.add(self.bias_curves, pg.InfiniteLine(query, angle=90, pen=pen(theme.muted, 1.2, dashed=True)))
        low = float(np.nanmin(np.where(np.isfinite(bias[:, query]), bias[:, query], np.nan)))
        self.bias_curves.setXRange(0, max(1, P - 1), padding=0.02)
        self.bias_curves.setYRange(low * 1.05 if low < 0 else -1, abs(low) * 0.03 + 0.01, padding=0)
        # the title stays short enough for a third of a projector at font scale 2; the thick line
        # (the selected head) is named in the facts under the figure
        set_title(self.bias_curves, tr("bias −m·|i − j| for query {q}, one line per head").format(q=query),
                  theme, scale)
        axis_label(self.bias_curves, "bottom", tr("key position j"), theme, scale)
        axis_label(self.bias_curves, "left", tr("bias"), theme, scale)

        # logits + bias = biased logits, for head h
        logits, biased = frame["logits"][h], frame["biased_logits"][h]
        m = float(np.abs(logits).max()) or 1.0
        self.logits.set_matrix(logits, title=tr("q·k/√d of head {h}").format(h=h + 1), levels=(-m, m))
        finite = bias[h][np.isfinite(bias[h])]
        self.bias.set_matrix(bias[h], title=tr("+ ALiBi bias of head {h}").format(h=h + 1),
                             levels=(float(finite.min()) if finite.size and finite.min() < 0 else -1.0, 0.0),
                             cmap="magnitude")
        fin = biased[np.isfinite(biased)]
        mb = float(np.abs(fin).max()) if fin.size else 1.0
        self.biased.set_matrix(biased, title=tr("= biased logits of head {h}").format(h=h + 1), levels=(-mb, mb))
        causal = bool(frame.info.get("causal"))
        if causal and P > 1:  # grey out the masked (−∞) cells: the staircase above the diagonal
            corners = [(1, 0), (P, 0), (P, P - 1)]
            for i in range(P - 2, -1, -1):
                corners += [(i + 1, i + 1), (i + 1, i)]
            for plot in (self.bias_plot, self.sum_plot):
                shade = QGraphicsPolygonItem(QPolygonF([QPointF(x, y) for x, y in corners]))
                shade.setBrush(pg.mkBrush(pen(theme.muted, alpha=235).color()))
                shade.setPen(pg.mkPen(None))
                self.items.add(plot, shade)
                self.items.keep(plot, text_item(plot, tr("masked (−∞)"), P * 0.72, P * 0.22, theme.background,
                                                scale, delta=-1, bold=True))
        for plot in (self.logit_plot, self.bias_plot, self.sum_plot):
            number_ticks(plot, "left", P)
            number_ticks(plot, "bottom", P)
            axis_label(plot, "bottom", tr("key j"), theme, scale)
        axis_label(self.logit_plot, "left", tr("query i"), theme, scale)

        title = tr("ALiBi: attention with linear biases")
        subtitle = tr("No position vectors: head h adds −m_h·|i − j| to its logits  ·  {H} heads, {P} positions; "
                      "logits of a real nn.MultiheadAttention (head width {d}) on random input").format(
            H=H, P=P, d=frame.info.get("head_dim", 16))
        facts = recipe(H) + " " + tr("Steep lines: heads that attend nearby; flat lines: heads that reach far.") + " " + tr("Thick line: head {h} (m = {m}); a key {d} positions away loses {loss} from its logit.").format(
            h=h + 1, m=self.strong(slope_text(float(slopes[h]))), d=min(10, P - 1),
            loss=self.strong(fmt(float(slopes[h]) * min(10, P - 1))))
        if causal:
            facts += " " + tr("Causal: keys after the query are masked (−∞), as in the paper's decoder.")
        self.set_texts(title, subtitle, facts)
