"""Head view: the tokens twice (queries left, keys right) and one line per query → key weight,
coloured by head, opacity by weight. Hovering a token keeps only its lines."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from visualizer.ui.i18n import tr
from visualizer.ui.views.attention.common import head_colour
from visualizer.ui.widgets.plots import PlotCanvas, font

MIN_WEIGHT = 0.01      # lines below this weight are not drawn (invisible anyway)
BUCKETS = 10           # opacity steps: one QPainterPath per head and step
X_LEFT, X_RIGHT = 0.0, 1.0
HEADER_Y = -0.7        # the "query"/"key" headers' baseline, in rows (token i sits at row i)


def _text_height(item: pg.TextItem) -> float:
    """The height in pixels of a TextItem's text (its box without the document's margins)."""
    text = item.textItem
    return text.boundingRect().height() - 2 * text.document().documentMargin()


class AttentionLines(pg.GraphicsObject):
    """Pre-built paths, one per (head, opacity step); paint() only strokes them."""

    def __init__(self):
        super().__init__()
        self._groups: list[tuple[QPen, QPainterPath]] = []
        self._rect = QRectF(0, 0, 1, 1)

    def set_groups(self, groups, rect: QRectF) -> None:
        self.prepareGeometryChange()
        self._groups = groups
        self._rect = rect
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._rect

    def paint(self, painter, *args) -> None:
        painter.setRenderHint(painter.RenderHint.Antialiasing, True)
        for pen, path in self._groups:
            painter.setPen(pen)
            painter.drawPath(path)


def line_groups(weights: np.ndarray, heads, n_heads: int, focus: tuple[str, int] | None,
                background: str | None = None, line_width: float = 1.0):
    """(pen, path) groups for the enabled heads of one layer's weights (nh, T, T); `line_width`
    is the theme's factor on pen widths (Theme.line_width: thicker in high contrast)."""
    groups = []
    T = weights.shape[-1]
    for h in heads:
        w = weights[h]
        keep = w >= MIN_WEIGHT
        if focus is not None:
            side, index = focus
            sel = np.zeros_like(keep)
            if side == "query":
                sel[index, :] = True
            else:
                sel[:, index] = True
            keep &= sel
        qi, kj = np.nonzero(keep)
        if len(qi) == 0:
            continue
        vals = w[qi, kj]
        bucket = np.minimum(BUCKETS - 1, (vals * BUCKETS).astype(int))
        colour = head_colour(h, n_heads, background)
        for b in np.unique(bucket):
            sel = bucket == b
            n = int(sel.sum())
            xs = np.empty(2 * n)
            ys = np.empty(2 * n)
            xs[0::2], xs[1::2] = X_LEFT, X_RIGHT
            ys[0::2], ys[1::2] = qi[sel], kj[sel]
            path = pg.arrayToQPath(xs, ys, connect="pairs")
            c = QColor(colour)
            c.setAlphaF(min(1.0, max(0.05, (b + 0.5) / BUCKETS)))   # opacity ≈ the weight
            pen = QPen(c)
            pen.setCosmetic(True)
            pen.setWidthF((1.0 + 2.5 * (b + 1) / BUCKETS) * line_width)
            groups.append((pen, path))
    return groups, QRectF(X_LEFT, -0.5, X_RIGHT - X_LEFT, T)


class HeadViewWidget(QWidget):
    heads_changed = Signal()

    def __init__(self, theme, scale: float, parent=None):
        super().__init__(parent)
        self.theme, self.scale = theme, scale
        self.buttons: list[QToolButton] = []
        self.enabled: set[int] = set()
        self.focus: tuple[str, int] | None = None
        self.weights: np.ndarray | None = None
        self.tokens: list[str] = []
        self.legend = QWidget()
        # never let twelve buttons set the window's minimum width: they may be cut instead
        self.legend.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.legend_layout = QHBoxLayout(self.legend)
        self.legend_layout.setContentsMargins(0, 0, 0, 0)
        self.legend_label = QLabel()
        self.legend_layout.addWidget(self.legend_label)
        self.legend_layout.addStretch(1)
        self.canvas = PlotCanvas(theme)
        self.plot = self.canvas.addPlot(row=0, col=0)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.invertY(True)
        self.plot.setMouseEnabled(x=False, y=True)   # scroll a long text with the wheel / drag
        self.lines = AttentionLines()
        self.plot.addItem(self.lines)
        self.left_items: list[pg.TextItem] = []
        self.right_items: list[pg.TextItem] = []
        self.header_items = [pg.TextItem("", anchor=(1, 1)), pg.TextItem("", anchor=(0, 1))]
        for item in self.header_items:
            self.plot.addItem(item)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.legend)
        layout.addWidget(self.canvas, 1)
        self.canvas.scene().sigMouseMoved.connect(self._mouse_moved)
        self.plot.getViewBox().sigResized.connect(self._fit_rows)
        self._n_heads = 0

    # ---- heads ----------------------------------------------------------------------------------
    def _make_buttons(self, n: int) -> None:
        for b in self.buttons:
            self.legend_layout.removeWidget(b)
            b.deleteLater()
        self.buttons = []
        for h in range(n):
            b = QToolButton()
            b.setCheckable(True)
            b.setChecked(h in self.enabled)
            b.setText(str(h + 1))
            b.toggled.connect(lambda on, h=h: self._toggle(h, on))
            self.legend_layout.insertWidget(1 + h, b)
            self.buttons.append(b)
        self._style_buttons()

    def _style_buttons(self) -> None:
        n = len(self.buttons)
        self.legend_label.setFont(font(self.scale))
        self.legend_label.setStyleSheet(f"color: {self.theme.foreground};")
        for h, b in enumerate(self.buttons):
            c = head_colour(h, n, self.theme.background).name()
            b.setFont(font(self.scale, bold=True, delta=-1))
            b.setStyleSheet(
                f"QToolButton {{ color: {c}; background: transparent; border: 2px solid {c};"
                f" border-radius: 4px; padding: 1px 6px; }}"
                f"QToolButton:checked {{ color: {'#111111' if self.theme.dark else '#ffffff'}; background: {c}; }}")

    def _toggle(self, h: int, on: bool) -> None:
        if on:
            self.enabled.add(h)
        else:
            self.enabled.discard(h)
        self._rebuild_lines()
        self.heads_changed.emit()

    def set_enabled_heads(self, heads) -> None:
        self.enabled = set(int(h) for h in heads)
        for h, b in enumerate(self.buttons):
            b.blockSignals(True)
            b.setChecked(h in self.enabled)
            b.blockSignals(False)

    # ---- drawing ----------------------------------------------------------------------------------
    def set_data(self, weights: np.ndarray, tokens: list[str]) -> None:
        """weights: one layer's attention (nh, T, T)."""
        n_heads, T = weights.shape[0], weights.shape[-1]
        new_tokens = tokens != self.tokens
        self.weights, self.tokens = weights, tokens
        if n_heads != self._n_heads:
            self._n_heads = n_heads
            if not self.enabled or max(self.enabled) >= n_heads:
                self.enabled = set(range(n_heads))
            self._make_buttons(n_heads)
        if self.focus is not None and self.focus[1] >= T:
            self.focus = None
        if new_tokens:
            self._place_tokens()
        self._rebuild_lines()

    def _place_tokens(self) -> None:
        T = len(self.tokens)
        f = font(self.scale, delta=0)
        for items, x, anchor in ((self.left_items, X_LEFT - 0.03, (1, 0.5)), (self.right_items, X_RIGHT + 0.03, (0, 0.5))):
            while len(items) < T:
                item = pg.TextItem("", anchor=anchor)
                self.plot.addItem(item)
                items.append(item)
            for i, item in enumerate(items):
                if i < T:
                    item.setText(self.tokens[i], color=self.theme.foreground)
                    item.setFont(f)
                    item.setPos(x, i)
                    item.setVisible(True)
                else:
                    item.setVisible(False)
        self.header_items[0].setPos(X_LEFT - 0.03, HEADER_Y)
        self.header_items[1].setPos(X_RIGHT + 0.03, HEADER_Y)
        for item, text in zip(self.header_items, (tr("query"), tr("key"))):
            item.setText(text, color=self.theme.muted)
            item.setFont(font(self.scale, bold=True))
        self.plot.setXRange(-0.55, 1.55, padding=0)
        self._fit_rows()

    def _fit_rows(self, *_args) -> None:
        """Show as many tokens as fit the plot's height at one text line each (all of them when
        they fit; the rest are reached with the wheel) under the "query"/"key" headers, re-fitted
        whenever the plot is resized: never a token or a header cut at the plot's edge."""
        T = len(self.tokens)
        if not T:
            return
        height = self.plot.getViewBox().height()
        if height <= 1:
            height = max(200.0, float(self.canvas.height()))
        line = max(_text_height(item) for item in self.left_items[:T]) + 2          # px per token row
        head = max(_text_height(item) for item in self.header_items) + 2             # px of the headers
        rows = max(1, int((height - head) / line - 0.2))
        shown = min(T, rows)
        unit = max(1.0, (height - head) / (shown + 0.2))                              # px per row
        top = HEADER_Y - head / unit
        self.plot.setYRange(top, shown - 0.5, padding=0)
        self.plot.setLimits(yMin=top - 0.2, yMax=max(T, shown) + 0.5, xMin=-0.6, xMax=1.6)

    def _rebuild_lines(self) -> None:
        if self.weights is None:
            return
        heads = sorted(h for h in self.enabled if h < self.weights.shape[0])
        groups, rect = line_groups(self.weights, heads, self.weights.shape[0], self.focus, self.theme.background,
                                   self.theme.pen_width(1.0))
        self.lines.set_groups(groups, rect)
        self._mark_focus()

    def _mark_focus(self) -> None:
        for side, items in (("query", self.left_items), ("key", self.right_items)):
            for i, item in enumerate(items[: len(self.tokens)]):
                focused = self.focus == (side, i)
                item.setColor(self.theme.accent if focused else self.theme.foreground)

    def _mouse_moved(self, pos) -> None:
        if self.weights is None:
            return
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(pos):
            focus = None
        else:
            p = vb.mapSceneToView(pos)
            i = int(round(p.y()))
            focus = None
            if 0 <= i < len(self.tokens):
                if p.x() < X_LEFT - 0.01:
                    focus = ("query", i)
                elif p.x() > X_RIGHT + 0.01:
                    focus = ("key", i)
        if focus != self.focus:
            self.focus = focus
            self._rebuild_lines()

    def leaveEvent(self, event) -> None:  # noqa: N802
        if self.focus is not None:
            self.focus = None
            self._rebuild_lines()
        super().leaveEvent(event)

    def restyle(self, theme, scale: float) -> None:
        self.theme, self.scale = theme, scale
        self.canvas.set_theme(theme)
        self._style_buttons()
        if self.tokens:
            self._place_tokens()
            self._rebuild_lines()

    def retranslate(self) -> None:
        self.legend_label.setText(tr("Heads:"))  # short: the buttons need the room at 1280 px
        self.legend_label.setToolTip(tr("Heads (click to show or hide):"))
        if self.tokens:
            self._place_tokens()
