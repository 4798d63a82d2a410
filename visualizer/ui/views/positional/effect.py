"""Effect page: a sentence and a reordering of it through the same attention, once per scheme.
Row 1: sentence 1's attention. Row 2: sentence 2's, rows and columns put back in sentence-1 order.
Row 3: their difference. Without positions it is zero: attention cannot see word order."""

from __future__ import annotations

import numpy as np

from visualizer.core.frame import Frame
from visualizer.ui.i18n import tr
from visualizer.ui.views.page import Page
from visualizer.ui.widgets.plots import add_plot, css_size, fmt

SCHEME_TITLES = {"none": "no positions", "sinusoidal": "sinusoidal", "learned": "learned (MiniLM)",
                 "rope": "RoPE", "alibi": "ALiBi"}
ZERO = 1e-5  # below this a difference is float rounding


def _joined(tokens: list[str]) -> str:
    """Words with spaces between them; characters (text that had no spaces) as they were typed."""
    return ("" if all(len(t) == 1 for t in tokens) else " ").join(tokens)


class EffectPage(Page):
    ROWS = 3

    def __init__(self, theme, scale, parent=None):
        super().__init__(theme, scale, parent)
        self.cols: list[dict] = []
        self._ncols = 0

    def _ensure_columns(self, n: int) -> None:
        if n == self._ncols:
            return
        self.canvas.clear()
        self.heatmaps, self.cols = [], []
        # the rows' names in a column of their own, written across: turned along a short row's axis
        # (presentation zoom) they overprinted each other
        self.row_labels = [self.canvas.addLabel("", row=r, col=0, justify="right") for r in range(self.ROWS)]
        for col in range(n):
            plots = [add_plot(self.canvas, row=r, col=col + 1) for r in range(self.ROWS)]
            # one colour scale per row, its bar beside the last column
            maps = [self.heatmap(p, cell_text=False, colorbar=col == n - 1) for p in plots]
            label = self.canvas.addLabel("", row=self.ROWS, col=col + 1)
            self.cols.append({"plots": plots, "maps": maps, "label": label})
        layout = self.canvas.ci.layout
        layout.setColumnStretchFactor(0, 0)
        for col in range(n):
            layout.setColumnStretchFactor(col + 1, 1)
        self._ncols = n

    def draw(self, frame: Frame, options: dict) -> None:
        theme, scale = self.theme, self.scale
        schemes = [str(s) for s in frame["schemes"]]
        tokens = [str(t) for t in frame["tokens"]]
        tokens2 = [str(t) for t in frame["tokens2"]]
        a1, a2 = frame["attention"], frame["attention2_aligned"]      # (S, H, T, T)
        deviation = frame["deviation"]
        S, H, T, _ = a1.shape
        h = min(max(1, int(options.get("head", 1))), H) - 1      # the option counts from 1, arrays from 0
        self._ensure_columns(S)
        diff = a2[:, h] - a1[:, h]                                      # (S, T, T)
        dmax = float(np.abs(diff).max()) or 1.0
        top = float(max(a1[:, h].max(), a2[:, h].max())) or 1.0          # one scale for every scheme
        row_names = [tr("sentence 1"), tr("sentence 2"), tr("difference")]
        for s, col in enumerate(self.cols):
            mats = [(a1[s, h], (0.0, top), "probability"), (a2[s, h], (0.0, top), "probability"),
                    (diff[s], (-dmax, dmax), "signed")]
            for r, (plot, hm, (mat, levels, cmap)) in enumerate(zip(col["plots"], col["maps"], mats)):
                title = tr(SCHEME_TITLES.get(schemes[s], schemes[s])) if r == 0 else ""
                hm.set_matrix(mat, tokens, tokens, title=title, levels=levels, cmap=cmap)
                left, bottom = plot.getAxis("left"), plot.getAxis("bottom")
                left.setStyle(showValues=(s == 0))
                bottom.setStyle(showValues=(r == self.ROWS - 1))
                plot.setLabel("left", "")
            zero = deviation[s] < ZERO
            for label, name in zip(self.row_labels, row_names):
                label.setText(name, color=theme.foreground, size=css_size(scale, 0))
            color = theme.series[2] if zero else theme.series[5]
            verdict = tr("order invisible") if zero else tr("order matters")
            col["label"].setText(f"{fmt(float(deviation[s]))}<br>{verdict}", color=color,
                                 size=css_size(scale, 1), bold=True)
        title = tr("Does attention see word order?")
        subtitle = tr("Sentence 1: {t1}    Sentence 2: {t2}    · one nn.MultiheadAttention ({W} wide, head {h} of {H} "
                      "shown) per scheme. Rows: attention on sentence 1; on sentence 2 with rows and columns put back "
                      "in sentence-1 order; their difference.").format(
            t1=_joined(tokens), t2=_joined(tokens2), W=frame.info.get("width", 384), h=h + 1, H=H)
        facts = tr("Under each column: max |A₂ − PA₁Pᵀ| over all heads. Without positions, sentence 2's attention is "
                   "sentence 1's with rows and columns permuted, so put back in order it is identical (up to float "
                   "rounding): self-attention alone sees a bag of words. Every position scheme breaks this symmetry.")
        self.set_texts(title, subtitle, facts)
