"""The LSTM page's sub-figures, one per value of the `page` view option. Each panel owns its
widget (shown in the page's content stack), draws from the frame and the view options, and
returns the facts and the note for the page's text rows.

cell     the cell diagram at step t (cell.py)
heatmap  time × units of one quantity, the input tokens along the time axis
trace    one unit over the text as coloured characters, and as a curve
finder   units ranked by their correlation with a property of the input; click one to show it
train    the loss per training step, with the loss of a model that learned nothing
compare  RNN, GRU and LSTM loss curves, and ‖∂L/∂h_t‖ over t on a log axis
sample   the characters the model writes after the text (charlm)
"""

from __future__ import annotations

import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QLabel, QVBoxLayout, QWidget

from visualizer.ui.i18n import tr
from visualizer.ui.views.lstm.cell import SCALES, CellDiagram
from visualizer.ui.views.lstm.common import (CELL_NAMES, PROPERTY_WORDS, QUANTITY_WORDS, TASK_WORDS, cmap_of, colored_text,
                                             has_quantity, levels_of, missing_note, quantity_series, selection,
                                             shown_token, token_labels)
from visualizer.ui.widgets.plots import (PlotCanvas, add_plot, css_size, fmt, font, line_antialias, nice_ceiling,
                                         set_title)

TEXT_WINDOW = 400   # tokens shown as coloured text around t


def axis_label(plot: pg.PlotItem, side: str, text: str, theme, scale: float) -> None:
    plot.setLabel(side, text, **{"color": theme.foreground, "font-size": css_size(scale)})


def cosmetic_pen(color: str, width: float = 2.0, dashed: bool = False) -> QPen:
    pen = QPen(QColor(color))
    pen.setCosmetic(True)
    pen.setWidthF(width)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    return pen


def hover_text(quantity: str, layer: int, unit: int | None, t: int, token: str, value: float) -> str:
    where = tr("layer {layer}").format(layer=layer + 1)
    if unit is not None:
        where += " · " + tr("unit {unit}").format(unit=unit + 1)
    return tr("{quantity} · {where} · t = {t} ‘{token}’: {value}").format(
        quantity=tr(QUANTITY_WORDS.get(quantity, quantity)), where=where, t=t + 1, token=token,
        value=f"{value:.6g}")


def thin_pens(*curve_sets) -> None:
    """1-px pens on the curves (their colours kept). Measured with Qt's raster engine: a noisy
    227-point curve costs ~1 ms with a 1-px antialiased pen and 65–80 ms with a 1.5- or 2-px one
    (the stroker meets every self-crossing); the kit's LiveCurves draws 2 px. In high contrast the
    pens are theme.pen_width(1) wide and drawn without antialiasing, which keeps them as cheap."""
    for curves in curve_sets:
        width = curves.theme.pen_width(1.0)
        for curve in curves.curves.values():
            pen = curve.opts["pen"]
            pen = pen if isinstance(pen, QPen) else pg.mkPen(pen)
            if pen.widthF() != width:
                curve.opts["antialias"] = line_antialias(width)
                curve.setPen(pg.mkPen(pen.color(), width=width))


class _Filter(QObject):
    """An event filter that hands events to a function (panels are not QObjects)."""

    def __init__(self, function):
        super().__init__()
        self.function = function

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        return self.function(obj, event)


class Panel:
    def __init__(self, page):
        self.page = page
        self.widget: QWidget

    @property
    def theme(self):
        return self.page.theme

    @property
    def scale(self):
        return self.page.scale

    def draw(self, frame, options) -> tuple[str, str]:
        raise NotImplementedError

    def restyle(self) -> None:
        pass


def resolve_quantity(frame, options) -> tuple[str, str]:
    """(quantity drawn, note): a quantity the cell does not have falls back to h, saying so."""
    q = options.get("quantity", "h")
    if has_quantity(frame, q):
        return q, ""
    return "h", missing_note(frame, q, "h")


# ---- cell diagram ------------------------------------------------------------------------------------
class CellPanel(Panel):
    def __init__(self, page):
        super().__init__(page)
        self.widget = PlotCanvas(page.theme)
        self.plot = add_plot(self.widget, 0, 0)
        self.diagram = CellDiagram(self.plot, page.theme, page.scale)
        self.diagram.hovered.connect(self._hovered)
        self.diagram.clicked.connect(lambda u: page.view_change.emit({"unit": u + 1}))
        self.values: dict = {}
        self.where = (0, 0)
        self._luts = (None, {})

    def draw(self, frame, options):
        cell = frame.info.get("cell", "lstm")
        self.diagram.build(cell, self.theme, self.scale)
        t, layer, unit = selection(frame, options)
        self.where = (t, layer)
        h = frame["h"][layer]
        H = h.shape[1]
        zeros = np.zeros(H, np.float32)
        v = {"h": h[t], "h_prev": h[t - 1] if t > 0 else zeros,
             "x": quantity_series(frame, "x", layer)[t]}
        if "c" in frame.arrays:
            c = frame["c"][layer]
            v["c"], v["c_prev"], v["tanh_c"] = c[t], (c[t - 1] if t > 0 else zeros), np.tanh(c[t])
        for g, name in enumerate(frame.info.get("gate_names", [])):
            v[name] = frame["gates"][layer, t, g]
        self.values = v
        c_all = frame["c"][layer] if "c" in frame.arrays else np.zeros(1)
        cm = float(np.abs(c_all).max()) or 1.0
        xm = float(np.abs(quantity_series(frame, "x", layer)).max()) or 1.0
        levels = {name: {"sig": (0.0, 1.0), "tanh": (-1.0, 1.0)}.get(SCALES.get(name, "sym"), (-cm, cm))
                  for name in v}
        levels["x"] = (-xm, xm)
        key = (self.theme.sequential, self.theme.diverging)
        if self._luts[0] != key:               # colour tables per theme, not per frame
            diverging = pg.colormap.get(self.theme.diverging).getLookupTable(nPts=256)
            self._luts = (key, {"sig": pg.colormap.get(self.theme.sequential).getLookupTable(nPts=256),
                                "tanh": diverging, "sym": diverging})
        luts = self._luts[1]
        token = shown_token(frame, t)
        self.diagram.set_values(v, unit, {"x": f"  ‘{token}’"}, luts, levels)
        L = frame["h"].shape[0]
        layer_words = tr(" · layer {layer} of {layers}").format(layer=layer + 1, layers=L) if L > 1 else ""
        title = tr("{cell} cell at t = {t} ‘{token}’{layer}").format(
            cell=CELL_NAMES.get(cell, cell), t=t + 1, token=token, layer=layer_words)
        title += " · " + tr("strips: all {H} units, outlined: unit {unit}").format(H=H, unit=unit + 1)
        set_title(self.plot, title, self.theme, self.scale)
        facts = {
            "lstm": tr("c<sub>t</sub> = f<sub>t</sub> ⊙ c<sub>t−1</sub> + i<sub>t</sub> ⊙ g<sub>t</sub>,  "
                       "h<sub>t</sub> = o<sub>t</sub> ⊙ tanh(c<sub>t</sub>). Unit {unit}: the forget gate keeps "
                       "{keep} of c<sub>t−1</sub>, the input gate writes {write} of the candidate."),
            "gru": tr("h<sub>t</sub> = (1 − z<sub>t</sub>) ⊙ n<sub>t</sub> + z<sub>t</sub> ⊙ h<sub>t−1</sub>,  "
                      "n<sub>t</sub> = tanh(W<sub>in</sub>x<sub>t</sub> + r<sub>t</sub> ⊙ W<sub>hn</sub>h<sub>t−1</sub>). "
                      "Unit {unit}: the update gate keeps {keep} of h<sub>t−1</sub>."),
            "rnn": tr("h<sub>t</sub> = tanh(W<sub>ih</sub>x<sub>t</sub> + W<sub>hh</sub>h<sub>t−1</sub> + b): "
                      "no gates, no cell state; h is all it carries. Unit {unit}."),
        }[cell]
        keep = v.get("f", v.get("z"))
        facts = facts.format(unit=unit + 1, keep=self.page.strong(fmt(float(keep[unit]))) if keep is not None else "",
                             write=self.page.strong(fmt(float(v["i"][unit]))) if "i" in v else "")

        return facts, ""

    def _hovered(self, name: str, unit: int) -> None:
        vec = self.values.get(name)
        if vec is None:
            return
        t, layer = self.where
        quantity = {"h_prev": "h", "c_prev": "c", "tanh_c": "c"}.get(name, name)
        label = {"h_prev": "h(t−1)", "c_prev": "c(t−1)", "tanh_c": "tanh(c)"}.get(name)
        text = hover_text(quantity, layer, unit, t, shown_token(self.page.frame, t), float(vec[unit]))
        if label:
            text = label + " · " + text
        self.page.hint.emit(text)

    def restyle(self):
        self.widget.set_theme(self.theme)


# ---- heatmap -----------------------------------------------------------------------------------------
class HeatmapPanel(Panel):
    def __init__(self, page):
        super().__init__(page)
        self.widget = PlotCanvas(page.theme)
        self.plot = add_plot(self.widget, 0, 0)
        self.hm = page.heatmap(self.plot, cell_text=True)
        self.hm.hovered.connect(page.hint)
        self.hm.cell_clicked.connect(self._clicked)
        self.column = QGraphicsRectItem()
        self.column.setZValue(20)
        self.cell = QGraphicsRectItem()
        self.cell.setZValue(21)
        self.plot.addItem(self.column)
        self.plot.addItem(self.cell)
        self._key = None
        self.quantity, self.layer = "h", 0
        self.values: np.ndarray | None = None

    def draw(self, frame, options):
        q, note = resolve_quantity(frame, options)
        t, layer, unit = selection(frame, options)
        self.quantity, self.layer = q, layer
        series = quantity_series(frame, q, layer)            # (T, n)
        values = series.T                                     # rows: units, columns: time
        self.values = values
        key = (id(frame), q, layer, self.theme.name, self.scale)
        if key != self._key:
            self._key = key
            n, T = values.shape
            L = frame["h"].shape[0]
            where = tr(" · layer {layer}").format(layer=layer + 1) if L > 1 else ""
            title = tr("{quantity}{where}: time × units").format(quantity=tr(QUANTITY_WORDS[q]), where=where)
            self.hm.set_matrix(values, rows=[str(k + 1) for k in range(n)], cols=token_labels(frame["tokens"]),
                               title=title, levels=levels_of(q, values), cmap=cmap_of(q, self.theme))
            self.hm.set_axis_labels(tr("input dimension") if q == "x" else tr("unit"),
                                    tr("time step t (the input tokens)"))
            self.hm.describe_cell = self._describe
        n, T = values.shape
        self.column.setRect(QRectF(t, 0, 1, n))
        self.column.setPen(cosmetic_pen(self.theme.foreground, self.theme.pen_width(2), dashed=True))
        shown_unit = unit if q != "x" and unit < n else None
        self.cell.setVisible(shown_unit is not None)
        if shown_unit is not None:
            self.cell.setRect(QRectF(t, shown_unit, 1, 1))
            self.cell.setPen(cosmetic_pen(self.theme.accent, self.theme.pen_width(3)))
        here = values[:, t]
        if q in ("i", "f", "o", "r", "z"):
            facts = tr("At t = {t}: mean {mean}, {high} of {n} units above 0.9 (kept or written almost fully), "
                       "{low} below 0.1.").format(t=t + 1, mean=self.page.strong(fmt(float(here.mean()))),
                                                  high=self.page.strong(int((here > 0.9).sum())),
                                                  low=self.page.strong(int((here < 0.1).sum())), n=n)
        else:
            facts = tr("At t = {t}: values from {lo} to {hi}; ").format(
                t=t + 1, lo=self.page.strong(fmt(float(here.min()))), hi=self.page.strong(fmt(float(here.max()))))
            if shown_unit is not None:
                facts += tr("unit {unit} = {value}.").format(unit=unit + 1, value=self.page.strong(fmt(float(here[unit]))))
        facts += " " + tr("Hover a cell for its value; click one to move t and the unit there.")
        return facts, note

    def _describe(self, i: int, j: int) -> str:
        v = float(self.values[i, j])
        unit = i if self.quantity != "x" else None
        text = hover_text(self.quantity, self.layer, unit, j, self.hm.cols[j], v)
        if self.quantity == "x":
            text += " · " + tr("input dimension {d}").format(d=i + 1)
        return text

    def _clicked(self, i: int, j: int) -> None:
        change = {"t": j + 1}
        if self.quantity != "x":
            change["unit"] = i + 1
        self.page.view_change.emit(change)

    def restyle(self):
        self.widget.set_theme(self.theme)
        self._key = None


# ---- one unit's trace --------------------------------------------------------------------------------
class TracePanel(Panel):
    def __init__(self, page):
        super().__init__(page)
        self.widget = QWidget()
        box = QVBoxLayout(self.widget)
        box.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel()
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.canvas = PlotCanvas(page.theme)
        box.addWidget(self.heading)
        box.addWidget(self.text, 0)
        box.addWidget(self.canvas, 1)
        self.plot = add_plot(self.canvas, 0, 0)
        self.curves = page.curves(self.plot)
        self.curves.legend.hide()       # one curve, named by the title: the legend row would only take height
        self.marker = pg.InfiniteLine(1, angle=90, movable=False)
        self.plot.addItem(self.marker)
        self.zero = pg.InfiniteLine(0, angle=0, movable=False)
        self.plot.addItem(self.zero)
        self.plot.scene().sigMouseMoved.connect(self._moved)
        self.trace = np.zeros(0)
        self.where = ("h", 0, 0)
        self._shown = ""
        self._fit_key = None
        self._plot_key = None
        self._text_key = None
        self._size = css_size(page.scale, 2)
        self._filter = _Filter(self.eventFilter)
        self.widget.installEventFilter(self._filter)

    TEXT_SHARE = 0.42    # the coloured text takes at most this share of the panel's height

    def _fitted(self, rich: str, shape) -> str:
        """The coloured text at the largest size (up to the font scale's) that fits TEXT_SHARE of
        the panel, so the curve under it keeps its room at presentation zoom. Measured only when
        the text's shape or the panel's size changes, not on every frame."""
        width, height = self.widget.width(), self.widget.height()
        key = (shape, width, height, self.scale)
        if key != self._fit_key and width > 50 and height > 50:
            self._fit_key = key
            self.text.setMaximumHeight(16777215)
            for delta in (2, 1, 0, -1, -2, -3, -4, -5):     # the label's own measure of the wrapped text
                size = css_size(self.scale, delta)
                self.text.setText(f'<span style="font-family:monospace; font-size:{size}">{rich}</span>')
                needed = self.text.heightForWidth(width)
                if needed <= self.TEXT_SHARE * height:
                    break
            self._size, self._shown = size, ""
            self.text.setMaximumHeight(min(int(self.TEXT_SHARE * height), needed + 4))
        return f'<span style="font-family:monospace; font-size:{self._size}">{rich}</span>'

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - a new panel size fits the text again
        if event.type() == QEvent.Type.Resize and self.page.frame is not None and self.widget.isVisible():
            self.page.redraw()
        return False

    def draw(self, frame, options):
        q, note = resolve_quantity(frame, options)
        if q == "x":
            q, note = "h", tr("The trace follows one unit; the input x has no units. Showing h.")
        t, layer, unit = selection(frame, options)
        series = quantity_series(frame, q, layer)
        trace = series[:, unit]
        self.trace, self.where = trace, (q, layer, unit)
        lo, hi = levels_of(q, trace[:, None])     # c and x: symmetric about 0, by this unit's own range
        cmap = pg.colormap.get(cmap_of(q, self.theme))
        tokens = frame["tokens"]
        T = len(tokens)
        start = max(0, min(t - TEXT_WINDOW // 2, T - TEXT_WINDOW))
        end = min(T, start + TEXT_WINDOW)
        task = frame.info.get("task", "charlm")
        sep = "" if task == "charlm" else " "
        # the coloured text is re-laid out (the costliest part of this panel: ~227 coloured spans)
        # only when a colour changes by a visible step (1/48 of the scale), not on every frame
        shade = np.round(np.clip((trace[start:end] - lo) / ((hi - lo) or 1.0), 0, 1) * 48)
        key = (shade.astype(np.int8).tobytes(), t, start, end, task, q, lo, hi, self.theme.name, self.scale,
               "".join(str(c) for c in tokens[start:end]), self.widget.width(), self.widget.height())
        if key != self._text_key or self._fit_key is None:
            self._text_key = key
            rich = colored_text(tokens[start:end], trace[start:end], lo, hi, cmap, current=t - start,
                                separator=sep, accent=self.theme.accent)
            if start > 0:
                rich = "… " + rich
            if end < T:
                rich += " …"
            html_text = self._fitted(rich, (T, start, end, task))
            if html_text != self._shown:        # a new text re-lays out the label: only when it changed
                self._shown = html_text
                self.text.setText(html_text)
        L = frame["h"].shape[0]
        where = tr("layer {layer}").format(layer=layer + 1) + " · " if L > 1 else ""
        # the heading names the curve under the text too (no second title: at presentation zoom
        # the curve needs that height)
        heading = tr("{quantity} of {where}unit {unit} over the text (colour: {lo} → {hi}) and at every "
                     "time step").format(quantity=tr(QUANTITY_WORDS[q]), where=where, unit=unit + 1,
                                         lo=fmt(lo), hi=fmt(hi))
        if heading != self.heading.text():
            self.heading.setText(heading)
        x = np.arange(1, T + 1)
        self.curves.set("trace", x, trace, label=tr("unit {unit}").format(unit=unit + 1))
        thin_pens(self.curves)
        self.marker.setValue(t + 1)
        key = (q, T, self.theme.name, self.scale, tr("time step t"))
        if key != self._plot_key:         # pens, ranges and the axis label: only when they change
            self._plot_key = key
            self.marker.setPen(cosmetic_pen(self.theme.accent, self.theme.pen_width(2), dashed=True))
            self.zero.setPen(cosmetic_pen(self.theme.muted, self.theme.pen_width(1)))
            self.plot.setXRange(1, max(T, 2), padding=0.01)
            if q in ("i", "f", "o", "r", "z"):
                self.plot.setYRange(0, 1, padding=0.05)
            elif q in ("g", "n", "h"):
                self.plot.setYRange(-1, 1, padding=0.05)
            else:
                self.plot.enableAutoRange(axis="y")
            axis_label(self.plot, "bottom", key[-1], self.theme, self.scale)
        v = float(trace[t])
        facts = tr("At t = {t} ‘{token}’ the unit is {value}; over the sequence it runs from {lo} to {hi}.").format(
            t=t + 1, token=shown_token(frame, t), value=self.page.strong(fmt(v)),
            lo=self.page.strong(fmt(float(trace.min()))), hi=self.page.strong(fmt(float(trace.max()))))
        return facts, note

    def _moved(self, pos) -> None:
        if not self.plot.sceneBoundingRect().contains(pos) or not len(self.trace):
            return
        x = self.plot.getViewBox().mapSceneToView(pos).x()
        t = int(round(x)) - 1
        if 0 <= t < len(self.trace):
            q, layer, unit = self.where
            self.page.hint.emit(hover_text(q, layer, unit, t, shown_token(self.page.frame, t), float(self.trace[t])))

    def restyle(self):
        self.canvas.set_theme(self.theme)
        self._fit_key, self._shown, self._plot_key, self._text_key = None, "", None, None
        for label, delta in ((self.heading, 1), (self.text, 1)):
            label.setFont(font(self.scale, delta=delta))
            label.setStyleSheet(f"color: {self.theme.foreground};")


# ---- unit finder ---------------------------------------------------------------------------------------
class FinderPanel(Panel):
    def __init__(self, page):
        super().__init__(page)
        self.widget = PlotCanvas(page.theme)
        self.bars_plot = add_plot(self.widget, 0, 0)
        self.match_plot = add_plot(self.widget, 0, 1)
        self.widget.ci.layout.setColumnStretchFactor(0, 2)
        self.widget.ci.layout.setColumnStretchFactor(1, 3)
        self.bars_plot = page.plain(self.bars_plot)
        self.bars_plot.setMouseEnabled(x=False, y=False)
        self.bars_plot.invertY(True)
        self.curves = page.curves(self.match_plot)
        self.bars: pg.BarGraphItem | None = None
        self.selected = QGraphicsRectItem()
        self.selected.setZValue(10)
        self.bars_plot.addItem(self.selected)
        self.bars_plot.getViewBox().mouseClickEvent = self._click
        self.bars_plot.scene().sigMouseMoved.connect(self._moved)
        self.ranked: list[tuple[int, int, float]] = []    # (layer, unit, r), best first
        self._labels: list[str] | None = None
        self._titles: dict = {}
        self._axis_key = None
        self._T = None

    def _title(self, plot, text: str) -> None:
        """A title re-lays out its plot: set it only when its words (or style) change."""
        key = (text, self.theme.name, self.scale)
        if self._titles.get(id(plot)) != key:
            self._titles[id(plot)] = key
            set_title(plot, text, self.theme, self.scale)

    def draw(self, frame, options):
        names = [str(n) for n in frame["finder_property"]]
        prop = options.get("property", "in_string")
        note = ""
        if prop not in names:
            note = tr("“{asked}” is not a property of the {task}; ranking by “{shown}”.").format(
                asked=tr(PROPERTY_WORDS.get(prop, prop)), task=tr(task_word(frame)),
                shown=tr(PROPERTY_WORDS.get(names[0], names[0])))
            prop = names[0]
        p = names.index(prop)
        top_layer, top_unit, top_r = frame["finder_top_layer"][p], frame["finder_top_unit"][p], frame["finder_top_r"][p]
        self.ranked = [(int(a), int(b), float(r)) for a, b, r in zip(top_layer, top_unit, top_r)]
        K = len(self.ranked)
        L = frame["h"].shape[0]
        t, layer, unit = selection(frame, options)
        rs = np.array([r for _, _, r in self.ranked])
        pos, neg = QColor(self.theme.series[0]), QColor(self.theme.series[5])
        brushes = [pg.mkBrush(pos if r >= 0 else neg) for r in rs]
        rs_shown = np.nan_to_num(rs)
        bars = dict(x0=np.minimum(rs_shown, 0), width=np.abs(rs_shown), y=np.arange(K), height=0.7,
                    brushes=brushes, pen=pg.mkPen(None))
        if self.bars is None:                    # one item, its bars updated in place
            self.bars = pg.BarGraphItem(**bars)
            self.bars_plot.addItem(self.bars)
        else:
            self.bars.setOpts(**bars)
        labels = [tr("L{layer} · unit {unit}").format(layer=a + 1, unit=b + 1) if L > 1
                  else tr("unit {unit}").format(unit=b + 1) for a, b, _ in self.ranked]
        if labels != self._labels:              # new tick labels re-lay out the axis: only when they change
            self._labels = labels
            self.bars_plot.getAxis("left").setTicks([[(k, lab) for k, lab in enumerate(labels)]])
            self.bars_plot.setXRange(-1, 1, padding=0.02)
            self.bars_plot.setYRange(-0.6, K - 0.4, padding=0)
        chosen = next((k for k, (a, b, _) in enumerate(self.ranked) if (a, b) == (layer, unit)), None)
        self.selected.setVisible(chosen is not None)
        if chosen is not None:
            self.selected.setRect(QRectF(-1, chosen - 0.45, 2, 0.9))
            self.selected.setPen(cosmetic_pen(self.theme.accent, self.theme.pen_width(2.5)))
        self._title(self.bars_plot, tr("Units ranked by |r| with {prop}").format(prop=tr(PROPERTY_WORDS[prop])))
        key = (tr("correlation r with h"), tr("time step t"), self.theme.name, self.scale)
        if key != self._axis_key:
            self._axis_key = key
            axis_label(self.bars_plot, "bottom", key[0], self.theme, self.scale)
            axis_label(self.match_plot, "bottom", key[1], self.theme, self.scale)
        # the property and the chosen unit over the text, both standardized
        values = frame["finder_values"][p]
        h = frame["h"][layer, :, unit]
        x = np.arange(1, len(values) + 1)
        self.curves.set("property", x, standardize(values), label=tr(PROPERTY_WORDS[prop]))
        self.curves.set("unit", x, standardize(h), label=tr("h of unit {unit}").format(unit=unit + 1))
        thin_pens(self.curves)
        r_here = float(frame["finder_corr"][p, layer, unit])
        self._title(self.match_plot, tr("{prop} and h of unit {unit} (standardized), r = {r}").format(
            prop=tr(PROPERTY_WORDS[prop]), unit=unit + 1, r=fmt(r_here, 2)))
        if len(values) != self._T:
            self._T = len(values)
            self.match_plot.setXRange(1, max(len(values), 2), padding=0.01)
        if prop in frame.info.get("finder_constant", []):
            note = tr("“{prop}” does not change over this sequence, so no unit can correlate with it.").format(
                prop=tr(PROPERTY_WORDS[prop]))
        best = self.ranked[0] if self.ranked else None
        facts = ""
        if best is not None and math.isfinite(best[2]):
            facts = tr("Best match: {who}, r = {r} (Pearson correlation of h with {prop} over the {T} steps shown). "
                       "Click a bar to show that unit.").format(
                who=self.page.strong(labels[0]), r=self.page.strong(fmt(best[2])), prop=tr(PROPERTY_WORDS[prop]),
                T=len(values))
        return facts, note

    def select_rank(self, k: int) -> None:
        """Show the k-th ranked unit (what a click on its bar does)."""
        if 0 <= k < len(self.ranked):
            layer, unit, _ = self.ranked[k]
            self.page.view_change.emit({"layer": layer + 1, "unit": unit + 1})

    def _row_at(self, scene_pos) -> int | None:
        y = self.bars_plot.getViewBox().mapSceneToView(scene_pos).y()
        k = int(round(y))
        return k if 0 <= k < len(self.ranked) else None

    def _click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        k = self._row_at(event.scenePos())
        if k is not None:
            event.accept()
            self.select_rank(k)

    def _moved(self, pos) -> None:
        if not self.bars_plot.sceneBoundingRect().contains(pos):
            return
        k = self._row_at(pos)
        if k is not None:
            layer, unit, r = self.ranked[k]
            self.page.hint.emit(tr("layer {layer} · unit {unit}: r = {r}").format(layer=layer + 1, unit=unit + 1,
                                                                                   r=f"{r:.4f}"))

    def restyle(self):
        self.widget.set_theme(self.theme)
        self._labels, self._titles, self._axis_key, self._T = None, {}, None, None


def standardize(values) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    sd = values.std()
    return (values - values.mean()) / sd if sd > 0 else values - values.mean()


def task_word(frame) -> str:
    return TASK_WORDS.get(frame.info.get("task", ""), frame.info.get("task", ""))


# ---- training curves -----------------------------------------------------------------------------------
def positive(x, y):
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    keep = np.isfinite(y) & (y > 0)
    return x[keep], y[keep]


class TrainPanel(Panel):
    def __init__(self, page):
        super().__init__(page)
        self.widget = PlotCanvas(page.theme)
        self.plot = add_plot(self.widget, 0, 0)
        self.curves = page.curves(self.plot)
        self.plot.setLogMode(y=True)
        self.baseline = pg.InfiniteLine(0, angle=0, movable=False, label=" ",
                                        labelOpts={"position": 0.03, "anchors": [(0, 1), (0, 1)]})
        self.plot.addItem(self.baseline)
        self._key = None
        self._x, self._y = (0.0, 0.0), (0.0, -1.0)
        self.plot.enableAutoRange(x=False, y=False)

    def draw(self, frame, options):
        info = frame.info
        steps = frame["loss_step"]
        names = [f"loss_{c}" for c in info.get("cells", [])] if info.get("compare") else ["loss"]
        if list(self.curves.curves) != names:     # curves are updated in place; rebuilt only when the cells change
            self.curves.clear()
        for name in names:
            label = CELL_NAMES.get(name[5:], name[5:]) if name != "loss" else cell_loss_label(info)
            self.curves.set(name, *positive(steps, frame[name]), label=label)
        thin_pens(self.curves)
        base = float(info.get("baseline_loss", float("nan")))
        self.baseline.setVisible(math.isfinite(base) and base > 0)
        kind = tr("mean squared error") if info.get("loss_kind") == "mse" else tr("cross-entropy (nats)")
        words = baseline_words(info).format(value=fmt(base)) if math.isfinite(base) and base > 0 else ""
        key = (words, kind, self.theme.name, self.scale)
        if key != self._key:                     # words, pens and fonts: only when they change
            self._key = key
            if words:
                self.baseline.setValue(math.log10(base))
                self.baseline.setPen(cosmetic_pen(self.theme.muted, self.theme.pen_width(2), dashed=True))
                self.baseline.label.setFormat(words.replace("{", "{{").replace("}", "}}"))
                self.baseline.label.setText(words)
                self.baseline.label.setColor(self.theme.foreground)
                self.baseline.label.setFont(font(self.scale, delta=-1))
            set_title(self.plot, tr("Training loss per step: {kind}").format(kind=kind), self.theme, self.scale)
            axis_label(self.plot, "bottom", tr("training step"), self.theme, self.scale)
            axis_label(self.plot, "left", tr("loss (log scale)"), self.theme, self.scale)
        if len(steps):
            self._fit_axes(frame, names, steps, base if words else None)
        if len(steps):
            facts = tr("Step {step}: loss {loss}").format(step=f"{int(steps[-1]):,}",
                                                          loss=self.page.strong(fmt(float(frame[names[-1]][-1]))))
            if math.isfinite(base):
                facts += tr(" (a model that learned nothing: {base})").format(base=fmt(base))
            facts += ". " + tr("Play trains; the time step t is a view control and never trains.")
            return facts, ""
        return "", tr("Not trained yet: press Play or Step.")

    def _fit_axes(self, frame, names, steps, base) -> None:
        """Ranges that change only when the data leave them (or fill less than half of them): an
        axis whose range moves is re-labelled and repainted (~20 ms here), a still one is a copy.
        With a baseline, room above its dashed line for its words."""
        last = float(steps[-1])
        if last > self._x[1] or self._x[1] > 4 * max(last, 20.0):
            self._x = (1.0, nice_ceiling(max(last * 1.25, 20.0)))
            self.plot.setXRange(*self._x, padding=0.01)
        ys = [positive(steps, frame[n])[1] for n in names]
        ys = [y for y in ys if len(y)]
        if not ys:
            return
        lo = math.log10(min(float(y.min()) for y in ys))
        hi = math.log10(max(float(y.max()) for y in ys))
        if base is not None:
            lo, hi = min(lo, math.log10(base)), max(hi, math.log10(base))
        y0, y1 = self._y
        if y0 <= lo and hi <= y1 and (hi - lo) >= 0.5 * (y1 - y0) - 0.2:
            return
        span = max(hi - lo, 0.05)
        self._y = (lo - 0.08 * span, hi + (0.22 if base is not None else 0.08) * span)
        self.plot.setYRange(*self._y, padding=0)

    def restyle(self):
        self.widget.set_theme(self.theme)
        self._key = None
        self._x, self._y = (0.0, 0.0), (0.0, -1.0)


def steady_log_ranges(plot, x_range, y_range, steps, ys, base, headroom: float = 0.08):
    """New (x, y) ranges of a log-y loss plot, changed only when the data leave them or fill less
    than half of them; returns the ranges now shown."""
    last = float(steps[-1])
    if last > x_range[1] or x_range[1] > 4 * max(last, 20.0):
        x_range = (1.0, nice_ceiling(max(last * 1.25, 20.0)))
        plot.setXRange(*x_range, padding=0.01)
    ys = [y for y in ys if len(y)]
    if not ys:
        return x_range, y_range
    lo = math.log10(min(float(y.min()) for y in ys))
    hi = math.log10(max(float(y.max()) for y in ys))
    if base is not None:
        lo, hi = min(lo, math.log10(base)), max(hi, math.log10(base))
    y0, y1 = y_range
    if not (y0 <= lo and hi <= y1 and (hi - lo) >= 0.5 * (y1 - y0) - 0.2):
        span = max(hi - lo, 0.05)
        y_range = (lo - 0.08 * span, hi + headroom * span)
        plot.setYRange(*y_range, padding=0)
    return x_range, y_range


def cell_loss_label(info) -> str:
    return tr("{cell} loss").format(cell=CELL_NAMES.get(info.get("cell", ""), info.get("cell", "")))


def baseline_words(info) -> str:
    task = info.get("task")
    if task == "adding":
        return tr("always answering 1: {value}")
    if task == "charlm":
        return tr("uniform guess over the characters: {value}")
    return tr("chance: {value}")


class ComparePanel(Panel):
    def __init__(self, page):
        super().__init__(page)
        self.widget = PlotCanvas(page.theme)
        self.loss_plot = add_plot(self.widget, 0, 0)
        self.grad_plot = add_plot(self.widget, 0, 1)
        self.losses = page.curves(self.loss_plot)
        self.grads = page.curves(self.grad_plot)
        self.grads.legend.setOffset((-5, -5))    # bottom right: the profiles rise towards the last step
        for plot in (self.loss_plot, self.grad_plot):
            plot.setLogMode(y=True)
        self.baseline = pg.InfiniteLine(0, angle=0, movable=False)
        self.loss_plot.addItem(self.baseline)
        self._key = None
        self._x, self._y = (0.0, 0.0), (0.0, -1.0)
        self.loss_plot.enableAutoRange(x=False, y=False)

    def draw(self, frame, options):
        info = frame.info
        compare = bool(info.get("compare"))
        cells = ["rnn", "gru", "lstm"] if compare else [info.get("cell", "lstm")]
        steps = frame["loss_step"]
        if list(self.losses.curves) != cells:    # updated in place; rebuilt only when the cells change
            self.losses.clear()
            self.grads.clear()
        T = len(frame["tokens"])
        t_axis = np.arange(1, T + 1)
        ratios = []
        for cell in cells:       # the same colour for a cell in both plots
            loss = frame[f"loss_{cell}"] if compare else frame["loss"]
            grad = frame[f"grad_norm_{cell}"] if compare else frame["grad_norm"]
            self.losses.set(cell, *positive(steps, loss), label=CELL_NAMES[cell])
            self.grads.set(cell, *positive(t_axis, grad), label=CELL_NAMES[cell])
            thin_pens(self.losses, self.grads)
            last = int(info.get("last_scored_step", T - 1))
            if T and grad[0] > 0 and 0 <= last < T and grad[last] > 0:
                ratio = float(grad[last] / grad[0])
                ratios.append(tr("{cell} 1/{ratio}").format(
                    cell=CELL_NAMES[cell], ratio=f"{ratio:,.0f}" if 10 <= ratio < 1e6 else fmt(ratio, 2)))
        base = float(info.get("baseline_loss", float("nan")))
        self.baseline.setVisible(math.isfinite(base) and base > 0)
        key = (base, T, self.theme.name, self.scale, tr("Training loss (log scale)"))   # the language too
        if key != self._key:                     # titles, labels, pens: only when they change
            self._key = key
            if math.isfinite(base) and base > 0:
                self.baseline.setValue(math.log10(base))
                self.baseline.setPen(cosmetic_pen(self.theme.muted, self.theme.pen_width(2), dashed=True))
            set_title(self.loss_plot, tr("Training loss (log scale)"), self.theme, self.scale)
            set_title(self.grad_plot, tr("Gradient norm ‖∂L/∂h<sub>t</sub>‖ over t (log scale)"), self.theme,
                      self.scale)
            axis_label(self.loss_plot, "bottom", tr("training step"), self.theme, self.scale)
            axis_label(self.grad_plot, "bottom", tr("time step t (L = the loss at the last step)"), self.theme,
                       self.scale)
            self.grad_plot.setXRange(1, max(T, 2), padding=0.01)
        if len(steps):       # still ranges: a moving axis is re-labelled and repainted every frame
            self._x, self._y = steady_log_ranges(self.loss_plot, self._x, self._y, steps,
                                                 [positive(steps, frame[f"loss_{c}"] if compare else frame["loss"])[1]
                                                  for c in cells], base if math.isfinite(base) and base > 0 else None)
        note = "" if compare else tr("Turn on compare to train the RNN, GRU and LSTM side by side on the same "
                                     "task and seed; this is the {cell} alone.").format(
            cell=CELL_NAMES.get(info.get("cell", ""), ""))
        facts = tr("Same task, data and seed for each cell; dashed: the loss of a model that learned nothing.")
        if ratios:
            facts += " " + tr("Gradient at the first step ÷ at the last: {ratios}.").format(
                ratios=self.page.strong(", ".join(ratios)))
        return facts, note

    def restyle(self):
        self.widget.set_theme(self.theme)
        self._key = None
        self._x, self._y = (0.0, 0.0), (0.0, -1.0)


class SamplePanel(Panel):
    def __init__(self, page):
        super().__init__(page)
        self.widget = QLabel()
        self.widget.setTextFormat(Qt.TextFormat.RichText)
        self.widget.setWordWrap(True)
        self.widget.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

    def draw(self, frame, options):
        info = frame.info
        if "sample" not in frame.arrays:
            self.widget.setText("")
            return "", tr("Samples come from the character language model: set the task to charlm.")
        sample = "".join(str(c) for c in frame["sample"])
        tokens = frame["tokens"]
        start = int(info.get("sample_start", len(tokens)))
        text = "".join(str(c) for c in tokens[:start])[-240:]
        def show(s):
            return html.escape(s).replace(" ", "&nbsp;").replace("\n", "↵<br>")
        size = css_size(self.scale, 3)
        body = (f'<span style="font-family:monospace; font-size:{size}; color:{self.theme.muted}">{show(text)}</span>'
                f'<span style="font-family:monospace; font-size:{size}; color:{self.theme.accent}; '
                f'font-weight:bold">{show(sample)}</span>')
        self.widget.setText(body)
        facts = tr("Grey: the end of your text. Blue: {n} characters the model wrote after it, one at a time, "
                   "sampled at temperature {temp} (lower = safer, higher = wilder).").format(
            n=len(sample), temp=self.page.strong(fmt(float(info.get("temperature", 1.0)))))
        if info.get("source") != "sample":
            facts += " " + tr("Set source to sample to step through the generated characters and see their gates.")
        return facts, ""


PANELS = {"cell": CellPanel, "heatmap": HeatmapPanel, "trace": TracePanel, "finder": FinderPanel,
          "train": TrainPanel, "compare": ComparePanel, "sample": SamplePanel}
