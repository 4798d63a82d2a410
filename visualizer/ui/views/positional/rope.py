"""RoPE page: one (q, k) coordinate pair turning on a plane, the angles m·θᵢ, the score matrix that
is constant along each diagonal (it depends on m − n only), and the long-range decay of q·k."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from visualizer.core.frame import Frame
from visualizer.ui.i18n import language, tr
from visualizer.ui.views.page import Page
from visualizer.ui.views.positional.common import ON_MATRIX, Items, arrow_head, axis_label, pen, text_item
from visualizer.ui.widgets.plots import Reflow, add_plot, fmt, number_ticks, set_title


class RopePage(Page):
    def __init__(self, theme, scale, parent=None):
        super().__init__(theme, scale, parent)
        c = self.canvas
        self.plane = self.plain(add_plot(c, row=0, col=0))
        self.plane.setAspectLocked(True)
        self.plane.setMouseEnabled(x=False, y=False)
        self.angle_plot = add_plot(c, row=0, col=1)
        self.angles = self.heatmap(self.angle_plot, cell_text=False)
        self.decay_plot = add_plot(c, row=1, col=0)
        self.decay = self.curves(self.decay_plot)
        self.score_plot = add_plot(c, row=1, col=1)
        self.scores = self.heatmap(self.score_plot, cell_text=False)
        grid = c.ci.layout
        for col, stretch in ((0, 2), (1, 3)):   # the plane is square: give the matrices the width
            grid.setColumnPreferredWidth(col, 10)
            grid.setColumnStretchFactor(col, stretch)
        self.reflow = Reflow(c, {self.plane: (0, 0), self.angle_plot: (0, 1), self.decay_plot: (1, 0),
                                 self.score_plot: (1, 1)},
                             [self.plane, self.angle_plot, self.decay_plot, self.score_plot], scale,
                             column_stretch={0: 2, 1: 3}, line_stretch=[2, 3, 3, 2])
        self.static_items = Items()
        self.moving_items = Items()
        self._static_key = None
        self._tip_labels: list = []   # (TextItem, tip x, tip y): placed in pixels, again on resize
        self.plane.getViewBox().sigResized.connect(self._place_tip_labels)

    # The arrays are built once per lab build; a step changes only the position (info, q_at_m, k_at_n).
    def draw(self, frame: Frame, options: dict) -> None:
        pair = self._pair(frame, options)
        key = (pair, self.theme.name, self.scale, language())
        if self._static_key is None or frame["angles"] is not self._static_key[0] or key != self._static_key[1]:
            self._draw_static(frame, pair)
            self._static_key = (frame["angles"], key)  # holding the array keeps its identity unique
        self._draw_moving(frame, pair)

    @staticmethod
    def _pair(frame: Frame, options: dict) -> int:
        return min(max(0, int(options.get("pair", 0))), frame["theta"].shape[0] - 1)

    def _draw_static(self, frame: Frame, pair: int) -> None:
        theme, scale = self.theme, self.scale
        self.static_items.clear()
        angles = frame["angles"]
        P, half = angles.shape
        self.angles.set_matrix(np.mod(angles, 2 * np.pi), title=tr("rotation angle m·θᵢ (mod 2π)"),
                               levels=(0.0, 2 * np.pi), cmap="angle")
        number_ticks(self.angle_plot, "left", P)
        number_ticks(self.angle_plot, "bottom", half)
        axis_label(self.angle_plot, "left", tr("position m"), theme, scale)
        axis_label(self.angle_plot, "bottom", tr("pair i"), theme, scale)
        self.static_items.add(self.angle_plot, pg.InfiniteLine(pair + 0.5, angle=90, pen=pen(ON_MATRIX, theme.pen_width(1.8), dashed=True)))

        scores = frame["scores"]
        self.scores.set_matrix(scores, title=tr("q·k, query at m, key at n"))
        number_ticks(self.score_plot, "left", P)
        number_ticks(self.score_plot, "bottom", P)
        axis_label(self.score_plot, "left", tr("query position m"), theme, scale)
        axis_label(self.score_plot, "bottom", tr("key position n"), theme, scale)

        by_offset = frame["score_by_offset"]
        self.decay.clear()
        self.decay.set("score", np.arange(len(by_offset)), by_offset,
                       label=tr("base {b}").format(b=fmt(frame.info.get("base", 1e4))))
        set_title(self.decay_plot, tr("long-range decay of q·k (q = k = 1)"), theme, scale)
        axis_label(self.decay_plot, "left", tr("q·k"), theme, scale)
        axis_label(self.decay_plot, "bottom", tr("offset m − n"), theme, scale)
        self.decay_plot.setXRange(0, max(1, len(by_offset) - 1), padding=0.02)

        # the q and k tips at every position lie on two circles
        q, k = frame["q_rotated"], frame["k_rotated"]
        i, j = pair, pair + half
        t = np.linspace(0, 2 * np.pi, 181)
        radii = {round(float(np.hypot(v[0, i], v[0, j])), 6): c for v, c in ((q, theme.series[0]), (k, theme.series[1]))}
        for r, color in radii.items():  # the tips at every position lie on circles (one when |qᵢ| = |kᵢ|)
            color = color if len(radii) > 1 else theme.muted
            self.static_items.add(self.plane, pg.PlotCurveItem(r * np.cos(t), r * np.sin(t), pen=pen(color, theme.pen_width(1.2), alpha=140)))
        lim = 1.25 * max(float(np.hypot(q[0, i], q[0, j])), float(np.hypot(k[0, i], k[0, j])), 1e-6)
        self.plane.setXRange(-lim, lim, padding=0)
        self.plane.setYRange(-lim, lim, padding=0)
        axis_label(self.plane, "bottom", tr("coordinate {i}").format(i=i), theme, scale)
        axis_label(self.plane, "left", tr("coordinate {j}").format(j=j), theme, scale)

    def _place_tip_labels(self, *_args) -> None:
        """The "q @ m" and "k @ n" words beside their arrows' tips, on the side away from the
        centre, inside the plane (it is short at presentation zoom) and not over each other."""
        if not self._tip_labels:
            return
        vb = self.plane.getViewBox()
        px, py = vb.viewPixelSize()          # data units per pixel
        if not px or not py or vb.height() <= 1:
            return
        (_x0, _x1), (y0, y1) = vb.viewRange()
        gap = 10 * self.scale * px
        placed = []
        for item, x, y in self._tip_labels:
            h = (_text_height(item) + 2) * py
            side = 1 if x >= 0 else -1
            placed.append([item, side, x + side * gap, y, h])
        same_side = len(placed) == 2 and placed[0][1] == placed[1][1]
        if same_side and abs(placed[0][3] - placed[1][3]) < (placed[0][4] + placed[1][4]) / 2:
            low, high = sorted(placed, key=lambda p: p[3])
            mid, half = (low[3] + high[3]) / 2, (low[4] + high[4]) / 4
            low[3], high[3] = mid - half, mid + half
            if high[3] + high[4] / 2 > y1:            # pushed out of the top or bottom: slide both back
                shift = high[3] + high[4] / 2 - y1
                low[3], high[3] = low[3] - shift, high[3] - shift
            if low[3] - low[4] / 2 < y0:
                shift = y0 - (low[3] - low[4] / 2)
                low[3], high[3] = low[3] + shift, high[3] + shift
        x0, x1 = _x0, _x1
        for item, side, x, y, h in placed:
            y = min(max(y, y0 + h / 2), y1 - h / 2) if y1 - y0 > h else (y0 + y1) / 2
            w = (_text_width(item) + 2) * px
            if side > 0 and x + w > x1:           # a narrow plane (one row of plots): keep it inside,
                x = max(x0, x1 - w)                # over the arrow if need be, never cut
            elif side < 0 and x - w < x0:
                x = min(x1, x0 + w)
            item.setAnchor((0, 0.5) if side > 0 else (1, 0.5))
            item.setPos(x, y)
        if len(placed) == 2:                      # kept inside, the two may now meet: one above the other
            (a, *_), (b, *_) = placed
            ra, rb = a.mapRectToView(a.boundingRect()), b.mapRectToView(b.boundingRect())
            if ra.intersects(rb):
                low, high = sorted((a, b), key=lambda item: item.pos().y())
                h = (_text_height(low) + _text_height(high)) / 2 * py + 2 * py
                mid = (low.pos().y() + high.pos().y()) / 2
                lo_y = min(max(mid - h / 2, y0 + h / 2), y1 - 1.5 * h)
                low.setPos(low.pos().x(), lo_y)
                high.setPos(high.pos().x(), lo_y + h)

    def _draw_moving(self, frame: Frame, pair: int) -> None:
        theme, scale = self.theme, self.scale
        self.moving_items.clear()
        info = frame.info
        half = frame["theta"].shape[0]
        i, j = pair, pair + half
        m, n = int(info.get("position", 0)), int(info.get("key_position", 0))
        theta = float(frame["theta"][pair])
        q_m, k_n = frame["q_at_m"], frame["k_at_n"]
        self._tip_labels = []
        for vec, color, label in ((q_m, theme.series[0], f"q @ m={m}"), (k_n, theme.series[1], f"k @ n={n}")):
            x, y = float(vec[i]), float(vec[j])
            self.moving_items.add(self.plane, pg.PlotCurveItem([0, x], [0, y], pen=pen(color, theme.pen_width(3))))
            self.moving_items.keep(self.plane, arrow_head(self.plane, x, y, x, y, color, scale,
                                                           theme.pen_width(1)))
            item = self.moving_items.keep(self.plane, text_item(self.plane, label, x, y, color, scale,
                                                                bold=True, delta=0))
            self._tip_labels.append((item, x, y))
        self._place_tip_labels()
        for vec, color in ((frame["q"], theme.series[0]), (frame["k"], theme.series[1])):
            self.moving_items.add(self.plane, pg.PlotCurveItem([0, float(vec[i])], [0, float(vec[j])],
                                                               pen=pen(color, theme.pen_width(1.5), dashed=True, alpha=150)))
        pair_score = float(q_m[i] * k_n[i] + q_m[j] * k_n[j])
        title = tr("pair {i} (θᵢ = {t}): q at m = {m}, k at n = {n}").format(i=pair, t=fmt(theta), m=m, n=n)
        if pair == half - 1:
            title += " " + tr("(the last pair)")
        set_title(self.plane, title, theme, scale)
        # mark (m, n) and its diagonal on the score matrix, and the offset on the decay curve
        P = frame["scores"].shape[0]
        offset = m - n
        xs = np.arange(0, P - offset) + 0.5
        self.moving_items.add(self.score_plot, pg.PlotCurveItem(xs, xs + offset, pen=pen(ON_MATRIX, theme.pen_width(1.8), dashed=True)))
        self.moving_items.add(self.score_plot, pg.ScatterPlotItem([n + 0.5], [m + 0.5], symbol="s", size=max(8, 12 * scale),
                                                                  pen=pg.mkPen(ON_MATRIX, width=theme.pen_width(2.5)), brush=None))
        self.moving_items.add(self.angle_plot, pg.InfiniteLine(m + 0.5, angle=0, pen=pen(ON_MATRIX, theme.pen_width(1.8))))
        self.moving_items.add(self.decay_plot, pg.InfiniteLine(offset, angle=90, pen=pen(theme.muted, theme.pen_width(1.5), dashed=True)))

        dev = float(info.get("max_offset_deviation", np.nan))
        title = tr("Rotary position embedding (RoPE)")
        subtitle = tr("Pair i of q and k (coordinates i and i + D/2) is turned by m·θᵢ at position m, "
                      "θᵢ = base^(−2i/D)  ·  {P} positions, head width {D}, base {b}  ·  Play moves m on").format(
            P=P, D=2 * half, b=fmt(info.get("base", 1e4)))
        facts = tr("The query at m = {m} and the key at n = {n} are turned by different angles, but the angle between "
                   "them only changes by (m − n)·θᵢ: in pair {i} it is {a} rad and adds {ps} to q·k. In all, q·k = {s} "
                   "for every m with m − n = {o}. Over all {pairs} (m, n) pairs, scores with the same offset differ by "
                   "at most {dev} (float32 rounding; scores reach ±{scale}): the score depends only on m − n.").format(
            m=m, n=n, i=pair, a=fmt(_angle_between(q_m[[i, j]], k_n[[i, j]])), ps=fmt(pair_score),
            s=self.strong(fmt(float(info.get("score", np.nan)))), o=offset, pairs=P * P,
            dev=self.strong(fmt(dev)), scale=fmt(float(info.get("score_scale", np.nan))))
        self.set_texts(title, subtitle, facts)


def _text_width(item) -> float:
    text = item.textItem
    return text.boundingRect().width() - 2 * text.document().documentMargin()


def _text_height(item) -> float:
    text = item.textItem
    return text.boundingRect().height() - 2 * text.document().documentMargin()


def _angle_between(a: np.ndarray, b: np.ndarray) -> float:
    """Signed angle from b to a, in (−π, π]."""
    return float(np.arctan2(b[0] * a[1] - b[1] * a[0], b[0] * a[0] + b[1] * a[1]))
