"""Step-through page: every stage of one nn.MultiheadAttention as a labelled heatmap.

The grid shows the whole pipeline (X → Q, K, V → QKᵀ → ÷√d_k → + mask → softmax → weights·V →
concat → W_O); `stage` shows one stage large with its numbers in the cells. Clicking a cell of a
token × token stage masks (or unmasks) that query → key pair: the page asks the lab to recompute.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QStackedWidget

from visualizer.core.frame import Frame
from visualizer.ui.i18n import tr
from visualizer.ui.views.attention.common import signed_levels, weight_levels
from visualizer.ui.views.page import Page
from visualizer.ui.widgets.plots import Heatmap, PlotCanvas, add_plot, fmt

# stage: (title template, kind) — kind: "tokens" (token × dimension) or "pairs" (query × key)
STAGES = {
    "x": ("X = embedding + position", "tokens"),
    "q": ("Q = X·W_Q  (head {head})", "tokens"),
    "k": ("K = X·W_K  (head {head})", "tokens"),
    "v": ("V = X·W_V  (head {head})", "tokens"),
    "scores": ("Q·Kᵀ  (head {head})", "pairs"),
    "scaled": ("÷ √d_k = ÷ {sqrt}", "pairs"),
    "masked": ("+ mask  (−∞ hides a key)", "pairs"),
    "weights": ("softmax → attention weights", "pairs"),
    "context": ("weights · V  (head {head})", "tokens"),
    "concat": ("concatenate the {heads} heads", "tokens"),
    "output": ("output = concat · W_Oᵀ + b", "tokens"),
}
# the grid's short titles (the large single stage uses the full ones above)
SHORT = {"x": "X", "q": "Q  (head {head})", "k": "K  (head {head})", "v": "V  (head {head})", "scores": "Q·Kᵀ",
         "scaled": "÷ √d_k", "masked": "+ mask", "weights": "softmax", "context": "weights · V",
         "concat": "concat heads", "output": "output (W_O)"}
GRID = (("x", "q", "k", "v"), ("scores", "scaled", "masked", "weights"), ("context", "concat", "output"))
PER_HEAD = {"q", "k", "v", "scores", "scaled", "masked", "weights", "context"}
# stages drawn on one colour scale (so ÷ √d_k visibly shrinks Q·Kᵀ); in the grid the last stage of
# each group carries the group's colour bar
SCALE_GROUPS = (("x", "q", "k", "v"), ("scores", "scaled", "masked"), ("weights",), ("context", "concat", "output"))
GROUP_OF = {stage: group for group in SCALE_GROUPS for stage in group}


def stage_matrix(frame: Frame, stage: str, head: int) -> np.ndarray:
    a = frame[stage]
    return a[head] if stage in PER_HEAD else a


class MHAPage(Page):
    cell_toggled = Signal(int, int)  # a query → key pair the person clicked

    def __init__(self, theme, scale: float, parent=None):
        super().__init__(theme, scale, parent, canvas=False)
        self.stack = QStackedWidget()
        self.grid_canvas = PlotCanvas(theme)
        self.single_canvas = PlotCanvas(theme)
        self.stack.addWidget(self.grid_canvas)
        self.stack.addWidget(self.single_canvas)
        self.set_content(self.stack)

        self.grid: dict[str, Heatmap] = {}
        self._first_column: dict[str, bool] = {}
        for r, row in enumerate(GRID):
            for c, stage in enumerate(row):
                bar = GROUP_OF[stage][-1] == stage   # one colour bar per shared scale, at its end
                hm = Heatmap(add_plot(self.grid_canvas, r, c), theme, scale, colorbar=bar, cell_text=False)
                if c > 0:  # rows are the same tokens in every column: name them once, at the left
                    hm.plot.getAxis("left").setStyle(showValues=False)
                self._connect(hm, stage)
                self.grid[stage] = hm
                self._first_column[stage] = c == 0
        for c in range(4):
            self.grid_canvas.ci.layout.setColumnStretchFactor(c, 1)
        self.single = Heatmap(add_plot(self.single_canvas, 0, 0), theme, scale, colorbar=True, cell_text=True)
        self._single_stage = "weights"
        self._connect(self.single, None)
        self.frame: Frame | None = None
        self.options: dict = {}
        self.restyle(theme, scale)

    def _connect(self, hm: Heatmap, stage: str | None) -> None:
        hm.cell_clicked.connect(lambda i, j, hm=hm, s=stage: self._clicked(s or self._single_stage, i, j))
        hm.hovered.connect(self.hint)

    def _clicked(self, stage: str, i: int, j: int) -> None:
        if STAGES[stage][1] == "pairs":
            self.cell_toggled.emit(i, j)

    # ---- drawing ----------------------------------------------------------------------------------
    def draw(self, frame: Frame, options: dict) -> None:
        self.frame, self.options = frame, options
        info = frame.info
        heads = int(info["heads"])
        head = min(max(int(options.get("head", 1)), 1), heads) - 1
        stage = options.get("stage", "all")
        tokens = [str(t) for t in frame["tokens"]]
        title = tr("Multi-head attention, step by step")
        facts = tr("{n} tokens · embedding size {dim} · {heads} heads of size {hs} · showing head {head}").format(
            n=len(tokens), dim=info["dim"], heads=heads, hs=info["head_dim"], head=head + 1)
        masks = []
        if info.get("padding"):
            masks.append(tr("padding mask ({n} [PAD])").format(n=info["padding"]))
        if info.get("causal"):
            masks.append(tr("sequence (causal) mask"))
        if info.get("custom_cells"):
            masks.append(tr("cells masked by hand: {n}").format(n=info["custom_cells"]))
        facts += " · " + (", ".join(masks) if masks else tr("no mask"))
        note = ""
        if info.get("words", 0) > info["real_tokens"]:
            note = tr("The text has {total} tokens; the step-through shows the first {n}.").format(
                total=info["words"], n=info["real_tokens"])
        formula = tr("Attention = softmax(Q·Kᵀ ÷ √d_k + M) · V, with d_k = {hs} and M = −∞ where a key is masked. "
                     "Click a cell of a query × key matrix to mask it; click again to unmask.")
        facts += "\n" + formula.format(hs=info["head_dim"])
        self.set_texts(title, facts, note=note)
        if stage == "all":
            self.stack.setCurrentWidget(self.grid_canvas)
            for name, hm in self.grid.items():
                self._draw_stage(hm, name, frame, head, tokens, options)
        else:
            self.stack.setCurrentWidget(self.single_canvas)
            self._single_stage = stage
            self._draw_stage(self.single, stage, frame, head, tokens, options)

    def _draw_stage(self, hm: Heatmap, stage: str, frame: Frame, head: int, tokens, options) -> None:
        info = frame.info
        template, kind = STAGES[stage]
        in_grid = hm is not self.single
        if in_grid:
            template = SHORT[stage]
        values = stage_matrix(frame, stage, head)
        title = tr(template).format(head=head + 1, heads=info["heads"], sqrt=fmt(float(np.sqrt(info["head_dim"]))))
        if kind == "pairs":
            # masked cells are hatched; the large "+ mask" stage writes −∞ in them instead
            masked = frame["mask"] if stage == "weights" or (stage == "masked" and hm is not self.single) else None
            if stage == "weights":
                levels = weight_levels(values, options.get("levels", "max"))
                hm.set_matrix(values, tokens, tokens, title=title, levels=levels, masked=masked, cmap="probability")
            else:
                hm.set_matrix(values, tokens, tokens, title=title, levels=self.stage_levels(frame, stage, head),
                              masked=masked, cmap="signed")
            hm.set_axis_labels(tr("query") if not in_grid or self._first_column[stage] else "", tr("key"))
        else:
            dims = [str(d + 1) for d in range(values.shape[1])]
            if in_grid:   # the overview: no dimension numbers (room for the matrices; the large stage has them)
                hm.plot.getAxis("bottom").setStyle(showValues=False)
            hm.set_matrix(values, tokens, dims, title=title, levels=self.stage_levels(frame, stage, head),
                          cmap="signed", categorical=(True, False))
            hm.set_axis_labels(tr("token") if not in_grid or self._first_column[stage] else "",
                               "" if in_grid else tr("dimension"))

    @staticmethod
    def stage_levels(frame: Frame, stage: str, head: int) -> tuple[float, float]:
        """One symmetric colour scale for the stages meant to be compared (SCALE_GROUPS): Q·Kᵀ,
        ÷ √d_k and + mask share Q·Kᵀ's, so scaling shows as fading, in the grid and one by one."""
        group = GROUP_OF[stage]
        return signed_levels(np.concatenate([stage_matrix(frame, s, head).ravel() for s in group]))

    def restyle(self, theme, scale: float) -> None:
        super().restyle(theme, scale)
        for canvas in (self.grid_canvas, self.single_canvas):
            canvas.set_theme(theme)
        for hm in list(self.grid.values()) + [self.single]:
            hm.restyle(theme, scale)
