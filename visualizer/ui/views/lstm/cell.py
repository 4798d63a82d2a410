"""The cell diagram in the classic style: the cell state as a conveyor belt along the top, σ and
tanh boxes, ⊙ and + joins, and on every wire the values at the current step: a colour strip of
all units (the selected one outlined) and the selected unit's number.

A diagram is declared (boxes, joins, wires, value tags in a 120 × 64 box of data coordinates)
for each cell: LSTM, GRU, RNN. The static drawing is rebuilt only when the cell, the theme or
the font scale changes; a new step only updates the strips and the numbers."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem

from visualizer.ui.widgets.plots import BASE_POINT_SIZE, MatrixImage, font

WIDTH, HEIGHT = 120.0, 62.0   # the drawing's box in data coordinates
R = 2.4      # join radius
BW, BH = 8.0, 5.0
SW, SH = 12.0, 2.5   # value strip size

# box: (id, text, x, y, width);  join: (kind "mul"/"add", x, y);  wire: [points], arrow at the end?
# tag: (value name, strip x, strip y, label html)
SPECS = {
    "lstm": {
        "boxes": [("f", "σ", 24, 24, BW), ("i", "σ", 44, 24, BW), ("g", "tanh", 62, 24, BW),
                  ("o", "σ", 82, 24, BW), ("tc", "tanh", 100, 38, BW)],
        "joins": [("mul", 24, 48), ("mul", 62, 36), ("add", 62, 48), ("mul", 100, 24)],
        "wires": [([(2, 48), (117, 48)], True),                        # the conveyor belt
                  ([(2, 8), (82, 8)], False), ([(12, -3), (12, 8)], False),   # h_{t−1} and x_t in
                  ([(24, 8), (24, 21.5)], True), ([(44, 8), (44, 21.5)], True),
                  ([(62, 8), (62, 21.5)], True), ([(82, 8), (82, 21.5)], True),
                  ([(24, 26.5), (24, 48 - R)], True),                  # f → ⊙ on the belt
                  ([(44, 26.5), (44, 36), (62 - R, 36)], True),        # i → ⊙ with g
                  ([(62, 26.5), (62, 36 - R)], True),                  # g → ⊙
                  ([(62, 36 + R), (62, 48 - R)], True),                # i⊙g → +
                  ([(100, 48), (100, 40.5)], True),                    # c_t → tanh
                  ([(100, 35.5), (100, 24 + R)], True),                # tanh(c_t) → ⊙ with o
                  ([(86, 24), (100 - R, 24)], True),                   # o → ⊙
                  ([(100, 24 - R), (100, 8), (117, 8)], True)],        # h_t out
        "tags": [("c_prev", 3, 50.5, "c<sub>t−1</sub>"), ("c", 104, 50.5, "c<sub>t</sub>"),
                 ("f", 26, 38, "f<sub>t</sub>"), ("i", 46, 29, "i<sub>t</sub>"), ("g", 64, 29, "g<sub>t</sub>"),
                 ("o", 86, 26.5, "o<sub>t</sub>"), ("tanh_c", 102, 29, "tanh(c<sub>t</sub>)"),
                 ("h_prev", 3, 10, "h<sub>t−1</sub>"), ("h", 104, 10, "h<sub>t</sub>"), ("x", 14, -2, "x<sub>t</sub>")],
    },
    "gru": {
        "boxes": [("r", "σ", 20, 24, BW), ("z", "σ", 40, 24, BW), ("n", "tanh", 88, 24, BW),
                  ("1-z", "1 −", 60, 40, 6.0)],
        "joins": [("mul", 40, 48), ("mul", 88, 40), ("add", 88, 48)],
        "wires": [([(2, 48), (117, 48)], True),                        # h carried along the top
                  ([(6, 48), (6, 8), (88, 8)], False), ([(12, -3), (12, 8)], False),
                  ([(20, 8), (20, 21.5)], True), ([(40, 8), (40, 21.5)], True), ([(88, 8), (88, 21.5)], True),
                  ([(20, 26.5), (20, 32), (78, 32), (78, 24), (84, 24)], True),   # r gates h inside n
                  ([(40, 26.5), (40, 48 - R)], True),                  # z → ⊙ with h_{t−1}
                  ([(40, 40), (57, 40)], True), ([(63, 40), (88 - R, 40)], True),  # 1 − z → ⊙ with n
                  ([(88, 26.5), (88, 40 - R)], True),                  # n → ⊙
                  ([(88, 40 + R), (88, 48 - R)], True)],               # (1 − z) ⊙ n → +
        "tags": [("h_prev", 3, 50.5, "h<sub>t−1</sub>"), ("h", 100, 50.5, "h<sub>t</sub>"),
                 ("r", 23, 34, "r<sub>t</sub>"), ("z", 42, 28, "z<sub>t</sub>"), ("n", 90, 29, "n<sub>t</sub>"),
                 ("x", 14, -2, "x<sub>t</sub>")],
    },
    "rnn": {
        "boxes": [("h", "tanh", 60, 24, 14.0)],
        "joins": [],
        "wires": [([(2, 8), (60, 8)], False), ([(12, -3), (12, 8)], False), ([(60, 8), (60, 21.5)], True),
                  ([(60, 26.5), (60, 40), (117, 40)], True)],
        "tags": [("h_prev", 3, 10, "h<sub>t−1</sub>"), ("h", 100, 42.5, "h<sub>t</sub>"),
                 ("x", 14, -2, "x<sub>t</sub>")],
    },
}
#: the colour scale of each tagged value: "sig" [0, 1], "tanh" [−1, 1], "sym" symmetric
SCALES = {"f": "sig", "i": "sig", "o": "sig", "r": "sig", "z": "sig", "g": "tanh", "n": "tanh", "h": "tanh",
          "h_prev": "tanh", "tanh_c": "tanh", "c": "sym", "c_prev": "sym", "x": "sym"}


class ValueStrip:
    """One wire's values: a 1 × n image in data coordinates, the selected unit outlined."""

    def __init__(self, plot: pg.PlotItem, name: str, x: float, y: float):
        self.name, self.x, self.y = name, x, y
        self.image = MatrixImage(axisOrder="row-major")
        self.image.setZValue(5)
        plot.addItem(self.image)
        self.frame_box = QGraphicsRectItem(QRectF(x, y, SW, SH))
        self.frame_box.setZValue(4)
        plot.addItem(self.frame_box)
        self.mark = QGraphicsRectItem()
        self.mark.setZValue(6)
        plot.addItem(self.mark)
        self.values = np.zeros(0)
        self.items = [self.image, self.frame_box, self.mark]
        self._style = None
        self._rect_n = None

    def set(self, values: np.ndarray, levels, lut, unit: int, accent: str, muted: str,
            line_width: float = 1.0) -> None:
        values = np.asarray(values, dtype=np.float64).reshape(1, -1)
        self.values = values[0]
        n = values.shape[1]
        # the colour table, the frame and the marker's pens change with the theme, not per step
        style = (id(lut), accent, muted, n, line_width)
        if style != self._style:
            self._style = style
            self.image.setLookupTable(lut)
            pen = QPen(QColor(muted))
            pen.setCosmetic(True)
            pen.setWidthF(line_width)
            self.frame_box.setPen(pen)
            mark_pen = QPen(QColor(accent))
            mark_pen.setCosmetic(True)
            mark_pen.setWidthF(2.5 * line_width)
            self.mark.setPen(mark_pen)
        self.image.setImage(values, levels=levels, autoLevels=False)
        if self._rect_n != n:
            self._rect_n = n
            self.image.setRect(QRectF(self.x, self.y, SW, SH))
        if 0 <= unit < n:
            w = SW / n
            self.mark.setRect(QRectF(self.x + unit * w, self.y - 0.35, w, SH + 0.7))
            self.mark.setVisible(True)
        else:
            self.mark.setVisible(False)

    def unit_at(self, x_image: float) -> int | None:
        n = len(self.values)
        k = int(np.floor(x_image))
        return k if 0 <= k < n else None


class CellDiagram(QObject):
    """hovered(name, unit) when the pointer is over a strip; clicked(unit) when one is clicked."""

    hovered = Signal(str, int)
    clicked = Signal(int)

    def __init__(self, plot: pg.PlotItem, theme, scale: float):
        super().__init__()
        self.plot, self.theme, self.scale = plot, theme, scale
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        plot.setAspectLocked(False)   # the drawing fills the space; joins and arrows are drawn in pixels
        plot.getViewBox().setDefaultPadding(0.0)
        self._static: list = []
        self._key = None
        self.strips: dict[str, ValueStrip] = {}
        self.labels: dict[str, pg.TextItem] = {}
        self.label_html: dict[str, str] = {}
        self.label_content: dict[str, str] = {}
        self.box_texts: list = []
        plot.getViewBox().sigResized.connect(self.fit_text)

    # ---- the static drawing ------------------------------------------------------------------
    def build(self, cell: str, theme, scale: float) -> None:
        key = (cell, theme.name, scale)
        if key == self._key:
            return
        self._key, self.theme, self.scale = key, theme, scale
        for item in self._static:
            self.plot.removeItem(item)
        self._static, self.strips, self.labels, self.box_texts = [], {}, {}, []
        self.label_content = {}
        spec = SPECS[cell]
        fg, muted = theme.foreground, theme.muted
        wire = pg.mkPen(muted, width=theme.pen_width(max(1.5, 2.2 * scale)))
        for points, arrow in spec["wires"]:
            xs, ys = zip(*points)
            self._add(pg.PlotCurveItem(np.array(xs, float), np.array(ys, float), pen=wire))
            if arrow:
                (x0, y0), (x1, y1) = points[-2], points[-1]
                angle = {(1, 0): 180, (-1, 0): 0, (0, 1): 90, (0, -1): -90}[(int(np.sign(x1 - x0)), int(np.sign(y1 - y0)))]
                self._add(pg.ArrowItem(pos=(x1, y1), angle=angle, headLen=max(7, 9 * scale), tailLen=0,
                                       tipAngle=40, pen=pg.mkPen(muted, width=theme.pen_width(1)),
                                       brush=pg.mkBrush(muted)))
        sigma_fill = QColor("#f59e0b" if not theme.dark else "#b45309")
        tanh_fill = QColor("#14b8a6" if not theme.dark else "#0f766e")
        for name, text, x, y, w in spec["boxes"]:
            box = QGraphicsRectItem(QRectF(x - w / 2, y - BH / 2, w, BH))
            fill = QColor(sigma_fill if text == "σ" else tanh_fill if text == "tanh" else theme.panel)
            box.setBrush(fill)
            pen = QPen(QColor(fg))
            pen.setCosmetic(True)
            pen.setWidthF(theme.pen_width(1.5))
            box.setPen(pen)
            box.setZValue(2)
            self._add(box)
            ink = fg if text == "1 −" else ("#f5f5f5" if theme.dark else "#111111")
            label = pg.TextItem("", anchor=(0.5, 0.5))
            label.setPos(x, y)
            label.setZValue(3)
            self._add(label)
            self.box_texts.append((label, text, ink))
        # joins in pixels (round at any aspect): a circle, with a dot (⊙) or a plus (+) inside
        size = max(16.0, 22 * scale)
        for kind, x, y in spec["joins"]:
            ring = pg.ScatterPlotItem([x], [y], symbol="o", size=size, pen=pg.mkPen(fg, width=theme.pen_width(1.8)),
                                      brush=pg.mkBrush(theme.background), pxMode=True)
            ring.setZValue(2)
            self._add(ring)
            inner = pg.ScatterPlotItem([x], [y], symbol="o" if kind == "mul" else "+",
                                       size=size * (0.3 if kind == "mul" else 0.65), pen=pg.mkPen(None),
                                       brush=pg.mkBrush(fg), pxMode=True)
            inner.setZValue(3)
            self._add(inner)
        for name, x, y, text in spec["tags"]:
            strip = ValueStrip(self.plot, name, x, y)
            self._static.extend(strip.items)
            strip.image.hoverEvent = lambda ev, s=strip: self._hover(s, ev)
            strip.image.mouseClickEvent = lambda ev, s=strip: self._click(s, ev)
            self.strips[name] = strip
            label = pg.TextItem("", anchor=(0, 1))
            label.setPos(x - 0.3, y + SH + 0.2)
            label.setZValue(7)
            self._add(label)
            self.labels[name] = label
            self.label_html[name] = text
        self.plot.setXRange(0, WIDTH, padding=0)
        self.plot.setYRange(-4, 58, padding=0)
        self.fit_text()

    def text_size(self, delta: float) -> str:
        """A font size that follows the font scale but never outgrows the drawing: when the
        diagram is small (a large font scale, a small window) its words shrink with it."""
        vb = self.plot.getViewBox()
        w, h = vb.width(), vb.height()
        x_unit, y_unit = (w / WIDTH, h / HEIGHT) if w > 1 and h > 1 else (10.0, 8.0)
        cap = min(2.2 * y_unit, 1.3 * x_unit)
        return f"{max(5.0, min((BASE_POINT_SIZE + delta) * self.scale, cap)):.1f}pt"

    def fit_text(self) -> None:
        """Every word at the size the drawing allows; a label whose text is unchanged is left
        alone (a TextItem's setHtml lays its document out again: ~0.3 ms each, 15 per frame)."""
        size = self.text_size(1)
        for label, text, ink in self.box_texts:
            self._set_html(label, f'<span style="color:{ink}; font-size:{size}; font-weight:bold">{text}</span>')
        size = self.text_size(-1)
        fg = self.theme.foreground
        for name, content in self.label_content.items():
            self._set_html(self.labels[name], f'<span style="color:{fg}; font-size:{size}">{content}</span>')

    @staticmethod
    def _set_html(label: pg.TextItem, html: str) -> None:
        if getattr(label, "_html", None) != html:
            label._html = html
            label.setHtml(html)

    def _add(self, item):
        self.plot.addItem(item)
        self._static.append(item)
        return item

    # ---- the values at one step ---------------------------------------------------------------
    def set_values(self, values: dict, unit: int, extra: dict, luts: dict, levels: dict) -> None:
        """values: tag name → (n,) array; extra: tag name → text after the number (a token)."""
        for name, strip in self.strips.items():
            vec = values.get(name)
            if vec is None:
                continue
            scale = SCALES.get(name, "sym")
            strip.set(vec, levels[name], luts[scale], unit if name != "x" else -1, self.theme.accent,
                      self.theme.muted, self.theme.pen_width(1.0))
            number = ""
            if name != "x" and 0 <= unit < len(vec):
                number = f"{float(vec[unit]):+.3f}".replace("-", "−")
            elif name == "x" and len(vec) <= 2:
                number = ", ".join(f"{float(v):.2f}" for v in vec)
            tail = extra.get(name, "")
            self.label_content[name] = f"<b>{self.label_html[name]}</b> {number}{tail}"
        self.fit_text()

    # ---- pointer ------------------------------------------------------------------------------
    def _hover(self, strip: ValueStrip, event) -> None:
        if event.isExit():
            return
        unit = strip.unit_at(event.pos().x())
        if unit is not None:
            self.hovered.emit(strip.name, unit)

    def _click(self, strip: ValueStrip, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or strip.name == "x":
            return
        unit = strip.unit_at(event.pos().x())
        if unit is not None:
            event.accept()
            self.clicked.emit(unit)

    def fonts(self):
        return font(self.scale, delta=-1)
