"""Sinusoidal and learned pages: an encoding table as a heatmap, its position similarity, chosen
dimensions as curves, and (sinusoidal) one frequency pair as points on a circle."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from visualizer.core.frame import Frame
from visualizer.labs.positional.config import parse_dims
from visualizer.labs.positional.geometry import pair_points, shift_rotation
from visualizer.ui.i18n import tr
from visualizer.ui.views.page import Page
from visualizer.ui.views.positional.common import (ON_MATRIX, Items, arrow_head, axis_label, pen, robust_levels,
                                                    text_item)
from visualizer.ui.widgets.colors import colormap
from visualizer.ui.widgets.plots import Reflow, add_plot, fmt, font, number_ticks, set_title


def shown_dims(options: dict, dim: int) -> tuple[list[int], list[int]]:
    """(dims to draw, dims asked for but beyond the table)."""
    try:
        asked = parse_dims(str(options.get("curve_dims", "")))
    except ValueError:
        asked = []
    return [d for d in asked if d < dim], [d for d in asked if d >= dim]


def named(name: str, what: str) -> str:
    """A plot's title, with the table's name in front where the page shows two tables."""
    return tr("{name}: {what}").format(name=name, what=what) if name else what


class TablePanel:
    """Three plots for one (P, D) table: heatmap, similarity, curves of chosen dimensions."""

    def __init__(self, page: Page, enc: dict, sim: dict, curves: dict):
        """enc, sim, curves: where each plot goes, as addPlot keywords (row, col, rowspan, colspan)."""
        c = page.canvas
        self.page = page
        self.enc_plot = add_plot(c, **enc)
        self.enc = page.heatmap(self.enc_plot, cell_text=False)
        self.sim_plot = add_plot(c, **sim)
        self.sim = page.heatmap(self.sim_plot, cell_text=False)
        self.curve_plot = add_plot(c, **curves)
        self.curves = page.curves(self.curve_plot)   # the legend sits under the plot, off the curves
        self.items = Items()
        self.curve_plot.getViewBox().sigResized.connect(self._fit_line_label)

    def draw(self, name: str, table: np.ndarray, dot: np.ndarray, cosine: np.ndarray, options: dict,
             train_length: int | None, *, robust: bool = False, short: bool = False) -> None:
        """short: titles of a few words (the plots side by side in one narrow row)."""
        theme, scale = self.page.theme, self.page.scale
        self.items.clear()
        P, D = table.shape
        levels = robust_levels(table) if robust else None
        self.enc.set_matrix(table, title=(name or tr("table")) if short else
                            named(name, tr("table ({P} × {D})").format(P=P, D=D)), levels=levels)
        number_ticks(self.enc_plot, "left", P)
        number_ticks(self.enc_plot, "bottom", D)
        axis_label(self.enc_plot, "left", tr("position p"), theme, scale)
        axis_label(self.enc_plot, "bottom", tr("dimension"), theme, scale)

        measure = options.get("similarity", "cosine")
        sim = cosine if measure == "cosine" else dot
        sim_levels = (-1.0, 1.0) if measure == "cosine" else None
        title = "cos(PEᵢ, PEⱼ)" if measure == "cosine" else tr("PEᵢ·PEⱼ")
        title = title if short else named(name, title)
        self.sim.set_matrix(sim, title=title, levels=sim_levels)
        number_ticks(self.sim_plot, "left", P)
        number_ticks(self.sim_plot, "bottom", P)
        axis_label(self.sim_plot, "left", tr("position i"), theme, scale)
        axis_label(self.sim_plot, "bottom", tr("position j"), theme, scale)

        if train_length is not None and 0 < train_length < P:
            edge = pen(ON_MATRIX, theme.pen_width(2), dashed=True)
            self.items.add(self.enc_plot, pg.InfiniteLine(train_length, angle=0, pen=edge))
            self.items.add(self.sim_plot, pg.InfiniteLine(train_length, angle=0, pen=edge))
            self.items.add(self.sim_plot, pg.InfiniteLine(train_length, angle=90, pen=edge))

        self.draw_curves(name, table, options, train_length, short)

    def draw_curves(self, name: str, table: np.ndarray, options: dict, train_length: int | None,
                    short: bool = False) -> None:
        theme, scale = self.page.theme, self.page.scale
        P, D = table.shape
        dims, beyond = shown_dims(options, D)
        self.curves.clear()
        x = np.arange(P)
        for d in dims:
            self.curves.set(f"dim {d}", x, table[:, d], label=tr("dim {d}").format(d=d))
        if dims:
            lo, hi = float(table[:, dims].min()), float(table[:, dims].max())
            span = (hi - lo) or 1.0
            # head room above the curves for the extrapolation label
            self.curve_plot.setYRange(lo - 0.05 * span, hi + (0.25 if train_length else 0.05) * span, padding=0)
        title = tr("chosen dims") if short else named(name, tr("chosen dims"))
        if beyond:
            title += " " + tr("(dims from {D} on do not exist)").format(D=D)
        set_title(self.curve_plot, title, theme, scale)
        axis_label(self.curve_plot, "left", tr("value"), theme, scale)
        axis_label(self.curve_plot, "bottom", tr("position p"), theme, scale)
        self.curve_plot.setXRange(0, max(1, P - 1), padding=0.02)
        if train_length is not None and 0 < train_length < P:
            region = pg.LinearRegionItem((train_length - 0.5, P - 0.5), movable=False,
                                         brush=pg.mkBrush(pen(theme.muted, alpha=45).color()),
                                         pen=pg.mkPen(None))
            region.setZValue(-10)
            self.items.add(self.curve_plot, region)
            # the label sits at the top, in the head room above the curves (the legend is under the plot)
            label_at = 0.97
            line = pg.InfiniteLine(train_length - 0.5, angle=90, pen=pen(theme.foreground, theme.pen_width(2), dashed=True),
                                   label=tr("extrapolation →"),
                                   labelOpts={"position": label_at, "color": theme.foreground, "anchors": [(0, 0), (0, 0)],
                                              "fill": pg.mkBrush(pen(theme.background, alpha=200).color())})
            line.label.setFont(font(scale, delta=-1))
            line.setZValue(30)          # the line and its label over the curves, never under them
            line.label.setZValue(31)
            self.items.add(self.curve_plot, line)
            self._line = line
            self._fit_line_label()

    def _fit_line_label(self, *_args) -> None:
        """The "extrapolation →" words right of their line where they fit, else left of it, else
        not at all (a narrow plot: the shading and the facts still say it)."""
        line = getattr(self, "_line", None)
        if line is None or line.scene() is None:
            return
        vb = self.curve_plot.getViewBox()
        px = vb.viewPixelSize()[0]
        if not px:
            return
        (x0, x1), _ = vb.viewRange()
        text = line.label.textItem
        w = (text.boundingRect().width() - 2 * text.document().documentMargin() + 4) * px
        at = line.value()
        fits = {"right": at + w <= x1, "left": at - w >= x0}
        if fits["right"] or fits["left"]:
            line.label.anchors = [(0, 0), (0, 0)] if fits["right"] else [(1, 0), (1, 0)]
            line.label.updatePosition()
        line.label.setVisible(fits["right"] or fits["left"])


class SinusoidalPage(Page):
    def __init__(self, theme, scale, parent=None):
        super().__init__(theme, scale, parent)
        self.panel = TablePanel(self, enc=dict(row=0, col=0), sim=dict(row=0, col=1), curves=dict(row=1, col=0))
        self.circle_plot = self.plain(add_plot(self.canvas, row=1, col=1))
        grid = self.canvas.ci.layout
        for col, stretch in ((0, 3), (1, 2)):
            grid.setColumnPreferredWidth(col, 10)
            grid.setColumnStretchFactor(col, stretch)
        self.canvas.ci.layout.setRowStretchFactor(0, 4)
        self.canvas.ci.layout.setRowStretchFactor(1, 5)
        p = self.panel   # a short canvas puts the four side by side
        self.reflow = Reflow(self.canvas, {p.enc_plot: (0, 0), p.sim_plot: (0, 1), p.curve_plot: (1, 0),
                                           self.circle_plot: (1, 1)},
                             [p.enc_plot, p.sim_plot, p.curve_plot, self.circle_plot], scale,
                             column_stretch={0: 3, 1: 2}, row_stretch={0: 4, 1: 5}, line_stretch=[3, 2, 2, 2])
        self.circle_plot.setAspectLocked(True)
        self.circle_plot.setMouseEnabled(x=False, y=False)
        self.items = Items()
        self._arc_labels: list = []
        self._start_label = None
        self.circle_plot.getViewBox().sigResized.connect(self._fit_arc_labels)

    def _fit_arc_labels(self, *_args) -> None:
        """The "p→p+k" labels inside the circle only when the circle is big enough to hold them
        (at presentation zoom in a small window they would print over each other)."""
        vb = self.circle_plot.getViewBox()
        (x0, x1), (y0, y1) = vb.viewRange()
        radius = min(vb.width() / max(1e-9, x1 - x0), vb.height() / max(1e-9, y1 - y0))
        fits = radius >= 62 * self.scale
        # and only those that do not print over "p = 0" or an earlier one (arcs of a slow pair
        # start close together; their labels would pile up)
        taken = [_pixel_rect(vb, self._start_label)] if self._start_label is not None else []
        for item in self._arc_labels:
            rect = _pixel_rect(vb, item)
            shown = fits and not any(rect.intersects(other) for other in taken)
            item.setVisible(shown)
            if shown:
                taken.append(rect)

    def draw(self, frame: Frame, options: dict) -> None:
        table = frame["encoding"]
        P, D = table.shape
        L = int(options.get("train_length", 0))
        train = L if 0 < L < P else None
        self.panel.draw("", table, frame["similarity"], frame["cosine"], options, train)   # the page's title names it
        pair, shift = self._pair_shift(options, P, D)
        rot = self._draw_circle(frame, pair, shift, train)
        omega = float(frame["frequencies"][pair])
        title = tr("Sinusoidal positional encoding")
        subtitle = tr("PE[p, 2i] = sin(p·ωᵢ),  PE[p, 2i+1] = cos(p·ωᵢ),  ωᵢ = base^(−2i/D)  ·  "
                      "{P} positions × {D} dimensions, base {base}").format(P=P, D=D, base=fmt(frame.info.get("base", 1e4)))
        if rot is None:
            self.set_texts(title, subtitle, tr("A shift needs at least two positions."))
            return
        facts = tr("A shift by k = {k} turns every point of pair {i} by the same ωᵢ·k = {angle} rad, wherever it "
                   "starts: over {n} positions the turns differ by ≤ {spread} rad and |PE(p+k) − R·PE(p)| ≤ {res}. "
                   "R depends on k only.").format(
            k=shift, i=pair, angle=self.strong(fmt(omega * shift)), n=len(rot.angles),
            spread=self.strong(fmt(rot.spread)), res=self.strong(fmt(rot.residual)))
        if train is not None:
            facts += " " + tr("Shaded: beyond the training length {L}; the formula still puts those positions "
                              "on the same circles (hollow dots).").format(L=L)
        self.set_texts(title, subtitle, facts)

    @staticmethod
    def _pair_shift(options: dict, P: int, D: int) -> tuple[int, int]:
        pair = min(max(0, int(options.get("pair", 0))), D // 2 - 1)
        shift = min(max(1, int(options.get("shift", 1))), max(1, P - 1))
        return pair, shift

    def _draw_circle(self, frame: Frame, pair: int, shift: int, train: int | None):
        theme, scale = self.theme, self.scale
        plot = self.circle_plot
        self.items.clear()
        table = frame["encoding"]
        P = table.shape[0]
        u = pair_points(table, pair)                                     # (P, 2): (sin, cos)
        omega = float(frame["frequencies"][pair])
        t = np.linspace(0, 2 * np.pi, 241)
        self.items.add(plot, pg.PlotCurveItem(np.sin(t), np.cos(t), pen=pen(theme.muted, theme.pen_width(1.2))))
        cmap = colormap("probability", theme)    # position order: the sequential map
        colors = cmap.map(np.linspace(0.0, 0.9, P), mode="qcolor")
        trained = np.arange(P) < (train if train is not None else P)
        size = max(6.0, 9 * scale)
        spots = [{"pos": (u[p, 0], u[p, 1]), "size": size,
                  "brush": pg.mkBrush(colors[p]) if trained[p] else pg.mkBrush(None),
                  "pen": pg.mkPen(colors[p], width=theme.pen_width(1.6))} for p in range(P)]
        self.items.add(plot, pg.ScatterPlotItem(spots=spots))
        # every shift by k is the same turn: draw it at a few starting positions, just outside the circle
        rot = shift_rotation(table, pair, shift) if shift < P else None
        self._arc_labels = []
        if shift < P:
            starts = np.unique(np.linspace(0, P - 1 - shift, min(4, P - shift)).round().astype(int))
            for j, p in enumerate(starts):
                radius = 1.12 + 0.07 * (j % 2)
                a0, a1 = p * omega, (p + shift) * omega
                arc = np.linspace(a0, a1, 40)
                color = theme.series[j % len(theme.series)]
                self.items.add(plot, pg.PlotCurveItem(radius * np.sin(arc), radius * np.cos(arc), pen=pen(color, theme.pen_width(2.4))))
                self.items.keep(plot, arrow_head(plot, radius * np.sin(a1), radius * np.cos(a1),
                                                 np.cos(a1), -np.sin(a1), color, scale, theme.pen_width(1)))
                # the label inside the circle, pointing at its arc: never cut by the plot's edge,
                # never under an arrowhead
                mid = (a0 + a1) / 2
                sx, cy = float(np.sin(mid)), float(np.cos(mid))
                self._arc_labels.append(self.items.keep(plot, text_item(
                    plot, f"{p}→{p + shift}", 0.86 * sx, 0.86 * cy, color, scale, anchor=((1 + sx) / 2, (1 - cy) / 2))))
        self._start_label = self.items.keep(plot, text_item(plot, "p = 0", 0.86 * u[0, 0], 0.86 * u[0, 1],
                                                            theme.foreground, scale,
                                                            anchor=((1 + u[0, 0]) / 2, (1 - u[0, 1]) / 2)))
        lim = 1.32
        plot.setXRange(-lim, lim, padding=0)
        plot.setYRange(-lim, lim, padding=0)
        self._fit_arc_labels()
        title = tr("pair {i} (dims {a}, {b}), ωᵢ = {w}").format(i=pair, a=2 * pair, b=2 * pair + 1, w=fmt(omega))
        if pair == table.shape[1] // 2 - 1:
            title += " " + tr("(the last pair)")
        set_title(plot, title, theme, scale)
        axis_label(plot, "bottom", tr("PE[p, 2i] = sin(p·ωᵢ)"), theme, scale)
        axis_label(plot, "left", tr("PE[p, 2i+1] = cos(p·ωᵢ)"), theme, scale)
        return rot

    def data_frame(self, frame: Frame, options: dict) -> Frame:
        out = Frame(frame.kind, frame.step, dict(frame.arrays), {**frame.info, "view": dict(options)})
        P, D = frame["encoding"].shape
        pair, shift = self._pair_shift(options, P, D)
        out.arrays["pair_points"] = pair_points(frame["encoding"], pair)
        if shift < P:
            out.arrays["shift_angles"] = shift_rotation(frame["encoding"], pair, shift).angles
        return out


class LearnedPage(Page):
    def __init__(self, theme, scale, parent=None):
        super().__init__(theme, scale, parent)
        self.learned = TablePanel(self, *(dict(row=0, col=c) for c in range(3)))
        self.sinusoidal = TablePanel(self, *(dict(row=1, col=c) for c in range(3)))
        plots = [(panel.enc_plot, panel.sim_plot, panel.curve_plot) for panel in (self.learned, self.sinusoidal)]
        # a short canvas: one row of the two tables and their similarities, titled in a few words
        # (the first of each two names its table); the curves come back with the room
        self.reflow = Reflow(self.canvas, {plot: (r, c) for r, row in enumerate(plots) for c, plot in enumerate(row)},
                             [plot for row in plots for plot in row[:2]], scale, line_stretch=[3, 2, 3, 2])
        self.reflow.arranged.connect(lambda _line: self._shown is not None and self.draw(*self._shown))
        self._shown = None
        # both curve plots show the same dimensions in the same colours: one legend, under the
        # bottom one (two stacked legends left the curves no height at presentation zoom)
        self.learned.curves.legend.setVisible(False)
        self.learned.curves.legend_row.updateGeometry()

    def draw(self, frame: Frame, options: dict) -> None:
        table, sin = frame["encoding"], frame["sinusoidal_encoding"]
        P, D = table.shape
        model = frame.info.get("model", "all-MiniLM-L6-v2")
        self._shown = (frame, options)
        short = self.reflow.in_line
        self.learned.draw(tr("learned"), table, frame["similarity"], frame["cosine"], options, None, robust=True,
                          short=short)
        self.sinusoidal.draw(tr("sinusoidal"), sin, frame["sinusoidal_similarity"], frame["sinusoidal_cosine"],
                             options, None, short=short)
        near_l = _neighbour_cosine(frame["cosine"])
        near_s = _neighbour_cosine(frame["sinusoidal_cosine"])
        norms = np.linalg.norm(table, axis=1)
        title = tr("Learned position embeddings of {model}, beside sinusoidal").format(model=model)
        subtitle = tr("Top: the model's trained table (rows 0–{last} of {rows}, {D} dimensions). "
                      "Bottom: the sinusoidal formula at the same size.").format(
            last=P - 1, rows=frame.info.get("table_positions", 512), D=D)
        facts = tr("Neighbouring positions: mean cosine {l} (learned) vs {s} (sinusoidal). Row 0 has norm {n0}, "
                   "the others a median of {nm}. A learned table ends at its last row ({rows}): a longer input has "
                   "no embedding at all, so learned positions cannot extrapolate.").format(
            l=self.strong(fmt(near_l)), s=self.strong(fmt(near_s)), n0=self.strong(fmt(float(norms[0]))),
            nm=self.strong(fmt(float(np.median(norms[1:])) if P > 1 else float(norms[0]))),
            rows=frame.info.get("table_positions", 512))
        self.set_texts(title, subtitle, facts)


def _pixel_rect(vb, item) -> QRectF:
    """Where a TextItem's text lies in the scene, from its position, anchor and size (valid before
    it is painted; its own transform is brought up to date only then)."""
    text = item.textItem
    m = text.document().documentMargin()
    w, h = text.boundingRect().width() - 2 * m, text.boundingRect().height() - 2 * m
    at = vb.mapViewToScene(item.pos())
    ax, ay = item.anchor.x(), item.anchor.y()
    return QRectF(at.x() - ax * w, at.y() - ay * h, w, h).adjusted(-1, -1, 1, 1)


def _neighbour_cosine(cosine: np.ndarray) -> float:
    return float(np.mean(np.diagonal(cosine, 1))) if cosine.shape[0] > 1 else 1.0
