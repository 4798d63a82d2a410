"""The plotting vocabulary every view uses: one number format, one font size rule, one title
style, one way to thin tick labels, one title that may shrink; a canvas, a labelled heatmap and
live curves. Views build on these instead of writing their own."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QTextCursor, QTextDocument, QTextDocumentFragment
from PySide6.QtWidgets import QGraphicsItem

from visualizer.ui.fonts import BASE_POINT_SIZE, font  # noqa: F401 - re-exported for views
from visualizer.ui.i18n import tr
from visualizer.ui.theme import Theme
from visualizer.ui.widgets.colors import QUANTITY_CMAPS, cmap_name, colormap  # noqa: F401 - re-exported
from visualizer.ui.widgets.labels import LabelLayer

pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)


# ---- words and sizes ---------------------------------------------------------------------------
def fmt(value: float, digits: int = 3) -> str:
    """A number for a title or a sentence: 0.400, 2.83, 12.3, 8, 2.10e-07 (`digits` significant
    digits from 1 up; `digits` decimals below 1; an exponent below 1e-3 and from 1e6)."""
    value = float(value)
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("−∞" if value < 0 else "∞")
    if abs(value) < 1e-3 or abs(value) >= 1e6:
        return f"{value:.{max(0, digits - 1)}e}"
    if abs(value) >= 1:
        if value.is_integer():
            return str(int(value))
        return f"{value:#.{digits}g}".rstrip(".")
    return f"{value:.{digits}f}"


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 4, 5, 6, 8 × 10^k that is ≥ value."""
    exp = 10.0 ** math.floor(math.log10(value))
    for m in (1, 1.5, 2, 3, 4, 5, 6, 8, 10):
        if m * exp >= value:
            return m * exp
    return 10 * exp


def css_size(scale: float, delta: float = 0.0) -> str:
    """A font size for pyqtgraph's HTML labels, following the font scale like font() does."""
    return f"{max(5.0, (BASE_POINT_SIZE + delta) * scale):.1f}pt"


def title_size(scale: float) -> str:
    """The size of every plot title."""
    return css_size(scale, 1)


class MatrixImage(pg.ImageItem):
    """An ImageItem whose rendered image is kept premultiplied ARGB32, the format the painter draws
    directly: pyqtgraph's colour-table image (Indexed8) was converted again on every paint, 0.47 ms
    against 0.07 ms for a 17 × 16 matrix drawn 300 px tall. Values, levels and colour table are
    pyqtgraph's as before."""

    def render(self):
        super().render()
        q = self.qimage
        if q is not None and q.format() != QImage.Format.Format_ARGB32_Premultiplied:
            self.qimage = q.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


class PlotCanvas(pg.GraphicsLayoutWidget):
    """A GraphicsLayoutWidget that follows the theme's background."""

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.set_theme(theme)

    def set_theme(self, theme: Theme) -> None:
        self.setBackground(theme.background)


class Reflow(QObject):
    """Two places for a canvas' plots: `grid` — {item: (row, col, rowspan, colspan)} — while each
    of its rows keeps at least ROW_MIN px × font scale of height, else one row, `line` (those
    items in that order, side by side; grid items not in it are hidden meanwhile). A short, wide
    canvas (presentation zoom in a 1280 × 720 window) gave a 2 × 2 grid of heatmaps rows a few
    pixels tall; side by side they keep their cells."""

    ROW_MIN = 150
    arranged = Signal(bool)    # True: the plots are now in one row

    def __init__(self, canvas: pg.GraphicsLayoutWidget, grid: dict, line: list, scale: float, *,
                 column_stretch: dict | None = None, row_stretch: dict | None = None,
                 line_stretch: list | None = None):
        """The items are placed in the grid already; column_stretch / row_stretch are the grid's
        (restored when it comes back), line_stretch the columns' of the line."""
        super().__init__(canvas)
        self.canvas, self.grid, self.line, self.scale = canvas, grid, list(line), scale
        self.column_stretch, self.row_stretch = column_stretch or {}, row_stretch or {}
        self.line_stretch = line_stretch or [1] * len(self.line)
        self.rows = max(place[0] + (place[2] if len(place) > 2 else 1) for place in grid.values())
        self.in_line = False
        canvas.installEventFilter(self)

    def set_scale(self, scale: float) -> None:
        self.scale = scale
        self.fit()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self) -> None:
        h = self.canvas.height()
        line = h > 0 and h / self.rows < self.ROW_MIN * self.scale
        if line == self.in_line:
            return
        self.in_line = line
        ci = self.canvas.ci
        for item in self.grid if line else self.line:     # what the layout holds now
            ci.removeItem(item)
        for item in self.grid:
            if item not in self.line:
                item.setVisible(not line)
        layout = ci.layout
        columns = max(len(self.line), max(place[1] + (place[3] if len(place) > 3 else 1)
                                           for place in self.grid.values()))
        for col in range(columns):
            layout.setColumnStretchFactor(col, 0)
        for row in range(self.rows):
            layout.setRowStretchFactor(row, 1 if row == 0 else 0)
        if line:
            for col, (item, stretch) in enumerate(zip(self.line, self.line_stretch)):
                ci.addItem(item, row=0, col=col)
                layout.setColumnStretchFactor(col, stretch)
        else:
            for item in self.grid:
                row, col, *span = self.grid[item]
                ci.addItem(item, row=row, col=col, rowspan=span[0] if span else 1,
                           colspan=span[1] if len(span) > 1 else 1)
            for col, stretch in self.column_stretch.items():
                layout.setColumnStretchFactor(col, stretch)
            for row in range(self.rows):
                layout.setRowStretchFactor(row, self.row_stretch.get(row, 1))
        self.arranged.emit(line)


class ResizingCanvas(PlotCanvas):
    """A PlotCanvas that says when it was resized (to share its width between plots)."""

    resized = Signal()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.resized.emit()


# ---- axes and titles that fit ----------------------------------------------------------------------
class ThinAxis(pg.AxisItem):
    """The one way tick labels are fitted. Every label is written when they fit side by side; a
    categorical axis (tokens, characters, nodes: `categorical = True`, set by the Heatmap) along
    the bottom turns its labels upright when that makes them fit; otherwise only every k-th
    label is written (the smallest k that fits) and, on a categorical axis, the axis says so
    ("every other label") next to its name. `thin_step` is the k of the last paint."""

    categorical = False
    rotate = True            # a categorical bottom axis may stand its labels upright
    NAME_SCALE = 0.72        # the axis name shrinks this far on one line; then its note goes under it
    MIN_NAME_SCALE = 0.4     # ... and the two lines shrink to fit the axis, down to this
    _two_lines = False       # the thinning note on a second line (a short axis)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.thin_step = 1
        self.rotated = False
        self._rotated_extent = 0.0

    def set_categorical(self, on: bool) -> None:
        if on != self.categorical:
            self.categorical = on
            # pyqtgraph silently drops a label that runs past the axis' end (the first and last
            # token); a categorical axis draws every label and fits them itself
            # (an int: labels may reach that many pixels past the ends before pyqtgraph drops them)
            self.prepareGeometryChange()   # the bounding rect grows (see boundingRect)
            self.setStyle(hideOverlappingLabels=160 if on else True)
            if on:                          # see style_plot: such a box is not pixmap-cached
                self.setCacheMode(QGraphicsItem.CacheMode.NoCache)
            if not on:
                self._set_fit(1, False, 0.0)
            self.picture = None
            self.update()

    def showLabel(self, show: bool = True) -> None:  # noqa: N802 - pyqtgraph's name
        # an axis without a name still says that labels were left out (setLabel("") hides it)
        super().showLabel(show or bool(self.thin_note()))

    def thin_note(self) -> str:
        """The words shown beside the axis name when labels were left out ("" when none were)."""
        if not self.categorical or self.thin_step <= 1:
            return ""
        if self.thin_step == 2:
            return tr("every other label")
        return tr("1 label in {k}").format(k=self.thin_step)

    def labelString(self) -> str:  # noqa: N802 - pyqtgraph's name
        return self._label_html(self._two_lines)

    def _label_html(self, two_lines: bool) -> str:
        if self._upright():
            style = ";".join(f"{k}: {v}" for k, v in self.labelStyle.items())
            return f"<span style='{style}'>{'<br>'.join(str(self.labelText))}</span>"
        s = super().labelString()
        note = self.thin_note()
        if note:
            style = ";".join(f"{k}: {v}" for k, v in self.labelStyle.items())
            s += f"<span style='{style}; font-style: italic'>{'<br>' if two_lines else ' '}({note})</span>"
        return s

    def _name_width(self, two_lines: bool) -> float:
        """The axis name's natural width (its label's box) on one line or with the note under it."""
        html = self._label_html(two_lines)
        key = (html, self.label.font().key(), self.label.document().documentMargin())
        widths = self.__dict__.setdefault("_name_widths", {})
        width = widths.get(key)
        if width is None:
            doc = QTextDocument()
            doc.setDefaultFont(self.label.font())
            doc.setDocumentMargin(key[2])
            doc.setHtml(html)
            if len(widths) > 64:
                widths.clear()
            width = widths[key] = doc.size().width()
        return width

    def _fit_name(self) -> None:
        """The axis name (and its note) fits the axis' length: smaller (down to NAME_SCALE), then
        with the note on a second line, then smaller again (down to MIN_NAME_SCALE); it never runs
        past the plot into its neighbours' names."""
        self.label.setScale(1.0)
        length = self.size().height() if self.orientation in ("left", "right") else self.size().width()
        if length <= 0 or self._upright():
            return
        one = self._name_width(False)
        two = bool(self.thin_note()) and one * self.NAME_SCALE > length and self._name_width(True) < one
        if two != self._two_lines:
            self._two_lines = two
            self.label.setHtml(self.labelString())
            self._adjustSize()          # the axis makes room for the second line
        natural = self.label.boundingRect().width()
        if natural > length:
            self.label.setScale(max(self.MIN_NAME_SCALE, length / natural))

    def _upright(self) -> bool:
        """A short CJK name of a vertical axis ("键", "查询") is written upright, one character
        under the other: turned on its side it reads as a garbled glyph."""
        text = str(getattr(self, "labelText", "") or "")
        return (self.orientation in ("left", "right") and 0 < len(text) <= 4 and not self.thin_note()
                and all("\u2e80" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef" for c in text))

    def _updateLabel(self):  # noqa: N802 - pyqtgraph's name
        super()._updateLabel()
        self.resizeEvent(None)

    def resizeEvent(self, ev=None):  # noqa: N802 - Qt's name
        if self.label is not None:   # the axis name (and its note) shrinks to the axis' length
            self._fit_name()
        super().resizeEvent(ev)
        if self.label is not None and self.label.scale() != 1.0 and not self._upright():
            br = self.label.boundingRect()
            k = self.label.scale()
            if self.orientation == "bottom":
                self.label.setPos(int(self.size().width() / 2 - br.width() * k / 2),
                                  int(self.size().height() - br.height() * k + 5))
            elif self.orientation == "left":
                self.label.setPos(-5, int(self.size().height() / 2 + br.width() * k / 2))
        if self.label is None or self.orientation not in ("left", "right"):
            return
        if self._upright():
            self.label.setRotation(0)
            br = self.label.boundingRect()
            x = -5 if self.orientation == "left" else self.size().width() - br.width() + 5
            self.label.setPos(x, self.size().height() / 2 - br.height() / 2)
        elif self.label.rotation() != -90:
            self.label.setRotation(-90)
            super().resizeEvent(ev)

    def _updateMaxTextSize(self, x: int):  # noqa: N802 - pyqtgraph's name
        if self.rotated:
            x = max(x, int(math.ceil(self._rotated_extent)))
        if self.orientation in ("left", "right"):
            x = self._steady_width(x)
        return super()._updateMaxTextSize(x)

    def _steady_width(self, x: int) -> int:
        """The width for the tick labels, refusing to shrink back to the width it last grew from:
        with a locked aspect the axis' width sets the other axis' range and so these labels (a
        RoPE plane at ×2: '−0.5' widens the axis, the range grows, '−1' narrows it, and so on at
        every paint). Labels fit the wider axis either way; a new font starts afresh."""
        font = self.style.get("tickFont")
        key = font.key() if font is not None else None
        grew = getattr(self, "_grew_from", None)
        if grew is not None and grew[0] != key:
            grew = self._grew_from = None
        if x > self.textWidth:
            self._grew_from = (key, self.textWidth)
        elif x < self.textWidth - 10:     # pyqtgraph's own threshold for shrinking
            if grew is not None and x <= grew[1] + 2:
                return self.textWidth
            self._grew_from = None
        return x

    def _set_fit(self, k: int, rotated: bool, extent: float) -> None:
        changed_note = (k > 1) != (self.thin_step > 1) or (k != self.thin_step and k > 1)
        changed_rot = rotated != self.rotated or (rotated and abs(extent - self._rotated_extent) > 1)
        self.thin_step, self.rotated, self._rotated_extent = k, rotated, extent
        if changed_rot:
            self._updateMaxTextSize(0 if not rotated else int(math.ceil(extent)))
            self._adjustSize()
        if changed_note and self.categorical and self.label is not None:
            if not self.label.isVisible() and self.thin_note():
                self.label.setVisible(True)
            self.label.setHtml(self.labelString())
            self._adjustSize()
            self.resizeEvent(None)

    def generateDrawSpecs(self, p):  # noqa: N802 - pyqtgraph's name
        specs = self._fitted_specs(p)
        self._last_label_rects = [] if specs is None else [s[0] for s in specs[2]]
        self.label_count = len(self._last_label_rects)   # labels written / ticks there are
        self.tick_count = getattr(self, "_ticks_in_view", self.label_count)
        return specs

    SHRINK = (1.0, 0.85, 0.72)   # tick labels may get this much smaller before they turn or thin

    def setTickFont(self, font):  # noqa: N802 - pyqtgraph's name
        self._base_font = font
        super().setTickFont(font)

    def _font_at(self, factor: float):
        base = getattr(self, "_base_font", None)
        if base is None:
            return None
        if factor == 1.0:
            return base
        f = type(base)(base)
        f.setPointSizeF(max(6.0, base.pointSizeF() * factor))
        return f

    def _fitted_specs(self, p):
        """Decide once per (axis length, labels, font) how the labels fit: full size, smaller,
        upright or thinned; the decision is kept while those stay the same, because turning the
        labels upright changes the plot's height and, with square cells, the labels' spacing: a
        decision re-made from that spacing would flip back and forth."""
        base = getattr(self, "_base_font", None)
        factors = self.SHRINK if (self.categorical and base is not None) else (1.0,)
        vertical = self.orientation in ("left", "right")
        length = self.size().height() if vertical else self.size().width()
        levels = getattr(self, "_tickLevels", None)
        strings = tuple(t for level in levels for _, t in level) if levels else None
        key = (round(length), strings, base.pointSizeF() if base is not None else None, self.categorical)
        memo = getattr(self, "_fit_memo", None)
        choice = memo[1] if memo is not None and memo[0] == key and strings is not None else None
        if choice is None:
            choice = ("thin", factors[1] if len(factors) > 1 else 1.0)
            for factor in factors:
                specs = self._specs_at(p, factor, base)
                if specs is None:
                    return specs
                ordered = self._ordered(specs[2], vertical)
                if len(ordered) < 2 or (self._fits(ordered, vertical, 3.0) and self._inside(ordered, vertical)):
                    choice = ("plain", factor)
                    break
                if self.categorical and self.rotate and self.orientation == "bottom":
                    height = max(s[0].height() for s in ordered)
                    extent = max(s[0].width() for s in ordered)
                    # the spacing they will have once upright: the axis grows, and square cells
                    # shrink with the plot's height
                    gap = self._gap(ordered) * self._spacing_kept(extent - height)
                    # upright only when it costs at most ~8 characters of height
                    if gap >= height * 0.85 + 1 and extent <= 8 * height:
                        choice = ("upright", factor)
                        break
            self._fit_memo = (key, choice)
        mode, factor = choice
        specs = self._specs_at(p, factor, base)
        if specs is None:
            return specs
        axis_spec, tick_specs, text_specs = specs
        ordered = self._ordered(text_specs, vertical)
        self._ticks_in_view = len(ordered)
        if len(ordered) < 2:
            self._set_fit(1, False, 0.0)
            return axis_spec, tick_specs, ordered
        if mode == "upright":
            top = min(s[0].top() for s in ordered)
            extent = max(s[0].width() for s in ordered)
            upright = [(QRectF(s[0].center().x() - s[0].height() / 2, top, s[0].height(), s[0].width()), s[1], s[2])
                       for s in ordered]
            k = self._thin_step(upright, False)
            self._set_fit(k, True, extent)
            return axis_spec, tick_specs, upright[::k]
        k = self._thin_step(ordered, vertical)
        self._set_fit(k, False, 0.0)
        return axis_spec, tick_specs, ordered[::k]

    def _spacing_kept(self, taller: float) -> float:
        """The share of the labels' spacing left once this bottom axis grows `taller` px: its
        plot's view box loses that height, and with a locked aspect (square cells) the cells
        shrink with it. Decided on the spacing they have lying down, labels could stand up, no
        longer fit the shrunken cells, lie down again at the next paint, and so on."""
        vb = self.linkedView()
        ratio = vb.state["aspectLocked"] if vb is not None else False
        if self.rotated or taller <= 0 or not ratio:
            return 1.0
        (x0, x1), (y0, y1) = vb.targetRange()
        w, h = vb.width(), vb.height()
        if min(w, h, x1 - x0, y1 - y0) <= 0:
            return 1.0
        now = min(w / (x1 - x0), h * ratio / (y1 - y0))
        after = min(w / (x1 - x0), max(h - taller, 0.0) * ratio / (y1 - y0))
        return after / now

    def _specs_at(self, p, factor: float, base):
        if base is not None:
            self.style["tickFont"] = self._font_at(factor)
        return super().generateDrawSpecs(p)

    @staticmethod
    def _ordered(text_specs, vertical: bool):
        return sorted(text_specs, key=lambda s: s[0].top() if vertical else s[0].left())

    def _inside(self, ordered, vertical: bool, margin: float = 12.0) -> bool:
        """The first and last labels stay within the axis (and the few pixels it may overdraw)."""
        if not self.categorical:
            return True
        if vertical:
            return ordered[0][0].top() >= -margin and ordered[-1][0].bottom() <= self.size().height() + margin
        return ordered[0][0].left() >= -margin and ordered[-1][0].right() <= self.size().width() + margin

    @staticmethod
    def _gap(ordered) -> float:
        # by centre: in left-edge order a long label comes before the short one beside it
        centres = sorted(s[0].center().x() for s in ordered)
        return min(b - a for a, b in zip(centres, centres[1:]))

    def _thin_step(self, ordered, vertical: bool) -> int:
        """The smallest k for which every k-th label fits."""
        for k in range(1, len(ordered) + 1):
            if self._fits(ordered[::k], vertical, 3.0):
                return k
        return max(1, len(ordered))

    @staticmethod
    def _fits(specs, vertical: bool, pad: float) -> bool:
        for a, b in zip(specs, specs[1:]):
            ra, rb = a[0], b[0]
            if (rb.top() < ra.bottom() + pad) if vertical else (rb.left() < ra.right() + pad):
                return False
        return True

    def drawPicture(self, p, axisSpec, tickSpecs, textSpecs):  # noqa: N802 - pyqtgraph's name
        if not self.rotated:
            return super().drawPicture(p, axisSpec, tickSpecs, textSpecs)
        super().drawPicture(p, axisSpec, tickSpecs, [])
        if self.style["tickFont"] is not None:
            p.setFont(self.style["tickFont"])
        p.setPen(self.textPen())
        for rect, _flags, text in textSpecs:   # rect: the upright label's box (width = text height)
            p.save()
            p.translate(rect.center())
            p.rotate(-90)
            w, h = rect.height(), rect.width()
            p.drawText(QRectF(-w / 2, -h / 2, w, h), int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                       text)
            p.restore()

    def label_rects(self) -> list[QRectF]:
        """The tick labels' boxes of the last paint, in this axis' coordinates (for layout checks)."""
        return list(getattr(self, "_last_label_rects", []))


def thin_axes() -> dict:
    """axisItems for addPlot(...): the left and bottom axes as ThinAxis."""
    return {side: ThinAxis(side) for side in ("left", "bottom")}


MIN_TITLE_SCALE = 0.72   # a title shrinks to this much of its size before it is cut with "…"


def relax_label(label: pg.LabelItem, min_width: float = 24.0, prefer_text_width: bool = True) -> None:
    """Let a LabelItem (a plot title) be narrower than its text when space is short, and make its
    text fit the width it gets: first smaller (down to MIN_TITLE_SCALE), then cut with "…" (the
    whole title stays in its tooltip). pyqtgraph makes a title's width its plot's minimum (again
    on every text change), which pushes whole columns of a grid out of sight in a small window;
    the text's width stays the preferred size. A title never runs over its neighbours."""
    if getattr(label, "_relaxed", False):
        if min_width < label._min_width:
            label._min_width = min_width
            label.updateMin()
        return
    label._relaxed = True
    label._min_width = min_width
    label._natural = None        # (width, height) of the whole text at full size
    label._full_html = ""

    def update_min(label=label):
        if label._natural is None:
            label.item.setScale(1.0)
            bounds = label.item.boundingRect()
            label._natural = (bounds.width(), bounds.height())
            label._full_html = label.item.toHtml()
        w, h = label._natural
        narrow = min(label._min_width, w)
        label.setMinimumWidth(narrow)
        label.setMinimumHeight(h)
        label._sizeHint = {
            Qt.SizeHint.MinimumSize: (narrow, h),
            Qt.SizeHint.PreferredSize: (w if prefer_text_width else label._min_width, h),
            Qt.SizeHint.MaximumSize: (-1, -1),
            Qt.SizeHint.MinimumDescent: (0, 0),
        }
        label.updateGeometry()

    original_set_text = label.setText

    def set_text(text, label=label, **args):
        label._natural = None
        label._elided = False
        label.item.setScale(1.0)
        original_set_text(text, **args)

    def resize_event(ev, label=label):
        fit_label(label)
        pg.LabelItem.resizeEvent(label, ev)

    label.updateMin = update_min
    label.setText = set_text
    label.resizeEvent = resize_event
    label._elided = False
    update_min()
    fit_label(label)


def fit_label(label: pg.LabelItem) -> None:
    """Scale, then elide, a relaxed label's text to the label's width."""
    if label._natural is None:
        label.updateMin()
    width = label.rect().width()
    natural = label._natural[0]
    if width <= 0 or natural <= 0:
        return
    item = label.item
    if label._elided:
        item.setHtml(label._full_html)
        label._elided = False
    scale = 1.0 if natural <= width else max(MIN_TITLE_SCALE, width / natural)
    item.setScale(scale)
    if natural * scale > width + 0.5:
        doc = item.document()
        full = len(doc.toPlainText())
        lo, hi = 0, full
        while lo < hi:                       # the most characters that fit with an ellipsis
            mid = (lo + hi + 1) // 2
            _truncate(item, label._full_html, mid)
            if item.boundingRect().width() * scale <= width:
                lo = mid
            else:
                hi = mid - 1
        _truncate(item, label._full_html, lo)
        label._elided = True
        label.setToolTip(QTextDocumentFragment.fromHtml(label._full_html).toPlainText())
    else:
        label.setToolTip("")


def _truncate(item, html: str, n: int) -> None:
    item.setHtml(html)
    cursor = QTextCursor(item.document())
    cursor.movePosition(QTextCursor.MoveOperation.End)
    end = cursor.position()
    cursor.setPosition(min(n, end))
    cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
    cursor.insertText("…" if n < end else "")


def title_rect(plot_or_label) -> QRectF:
    """The scene rectangle a plot title's text covers (empty when it has none)."""
    label = plot_or_label.titleLabel if isinstance(plot_or_label, pg.PlotItem) else plot_or_label
    if not label.isVisible() or not label.item.toPlainText().strip():
        return QRectF()
    return label.mapRectToScene(label.itemRect())


def add_plot(layout, row: int, col: int, **kwargs) -> pg.PlotItem:
    """A plot for a heatmap or a chart: tick labels that never overlap and a title that may shrink."""
    plot = layout.addPlot(row=row, col=col, axisItems=thin_axes(), **kwargs)
    relax_label(plot.titleLabel)
    return plot


def number_ticks(plot: pg.PlotItem, side: str, n: int) -> None:
    """A heatmap axis numbered 0 … n−1 at the cell centres, pyqtgraph choosing how many numbers
    fit (so they never overlap, whatever the size and the font scale)."""
    axis = plot.getAxis(side)
    axis.setTicks(None)
    if isinstance(axis, ThinAxis):
        axis.set_categorical(False)   # numbers: pyqtgraph picks how many, no note needed
    if not getattr(axis, "_cell_ticks", False):
        axis._cell_ticks = True
        axis.tickValues = _cell_tick_values(axis)
        axis.tickStrings = lambda values, scale, spacing: [str(int(round(v - 0.5))) for v in values]
    axis._cells = n


def _cell_tick_values(axis: pg.AxisItem):
    def tick_values(lo: float, hi: float, size: float):
        levels = pg.AxisItem.tickValues(axis, lo - 0.5, hi - 0.5, size)
        out = []
        for spacing, values in levels:
            if spacing < 1:
                continue
            keep = [v + 0.5 for v in values if float(v).is_integer() and 0 <= v < getattr(axis, "_cells", 1 << 30)]
            out.append((spacing, keep))
        return out[:1]  # major ticks only: a heatmap's minor ticks are noise
    return tick_values


def line_antialias(width: float) -> bool:
    """Whether a long curve drawn `width` px wide is antialiased: only a thin one. Measured with Qt's
    raster engine (a noisy 227-point curve): ~1 ms antialiased at 1 px, ~27 ms at 2 or 4 px (the
    stroker meets every self-crossing), ~1.5 ms at 2–4 px without antialiasing. A view whose curves
    are kept at 1 px for speed stays that fast in high contrast (theme.pen_width(1) = 2 px)."""
    return width <= 1.0 and bool(pg.getConfigOption("antialias"))


def style_plot(plot: pg.PlotItem, theme: Theme, scale: float, title: str | None = None) -> None:
    """Axes, tick labels and title in the theme's colours at the current font scale."""
    pen = pg.mkPen(theme.foreground)
    line = pg.mkPen(theme.muted, width=theme.pen_width(1))   # axis, ticks and grid: thicker in high contrast
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(line)
        axis.setTextPen(pen)
        axis.setTickFont(font(scale, delta=-1))
        axis.label.setFont(font(scale))
        axis.setStyle(tickTextOffset=max(2, int(3 * scale)))
        # an axis is repainted whenever anything near it changes; a pixmap cache turns that into
        # a blit (drawing tick text cost ~3 ms per axis per frame). Vector export switches it off.
        # (not a categorical axis: its box reaches 160 px past its ends, out of the view, and Qt
        # scrolls a cache clipped to the view when the layout moves it, leaving its old labels
        # beside the new ones)
        axis.setCacheMode(QGraphicsItem.CacheMode.NoCache if getattr(axis, "categorical", False)
                          else QGraphicsItem.CacheMode.DeviceCoordinateCache)
    if title is not None:
        set_title(plot, title, theme, scale)


def set_title(plot: pg.PlotItem, text: str, theme: Theme, scale: float) -> None:
    """A plot's title in the theme's colour and the title size; it shrinks, then is cut with "…",
    rather than run over its neighbours (see relax_label)."""
    relax_label(plot.titleLabel)
    if not text:
        plot.setTitle(None)   # no title: no empty 30 px row above the plot
        return
    plot.setTitle(text, color=theme.foreground, size=title_size(scale))
    label = plot.titleLabel
    height = math.ceil(label._natural[1]) if label._natural else 30
    label.setMaximumHeight(height)                 # pyqtgraph fixes the row at 30 px, too low at 2×
    plot.layout.setRowFixedHeight(0, height)


def short_label(text: str, limit: int = 12) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tick_list(labels):
    """One tick per cell centre; a ThinAxis writes as many of them as fit."""
    return [[(i + 0.5, short_label(str(label))) for i, label in enumerate(labels)]]


class Heatmap(QObject):
    """A matrix as an image in a PlotItem: labelled rows/columns (row 0 at the top), square cells
    (`square`), an optional colour bar with values, exact values on hover, numbers in the cells
    only where they fit, and clickable cells. Colours: one map per kind of quantity
    (widgets/colors.py), chosen from the data's sign unless `cmap` names a quantity or a map."""

    cell_clicked = Signal(int, int)
    hovered = Signal(str)

    def __init__(self, plot: pg.PlotItem, theme: Theme, scale: float = 1.0, *, colorbar: bool = True,
                 cell_text: bool = True, show_axes: bool = True, square: bool = True):
        super().__init__()
        self.plot = plot
        plot._heatmap = self   # layout checks find a plot's heatmap
        self.theme = theme
        self.scale = scale
        self.cell_text = cell_text
        self.text_max_cells = 144   # numbers are written in the cells only up to this many cells
        self.text_max_side = 12     # ... and this many rows or columns, and only when they fit
        self.cell_text_shown = False
        self.values: np.ndarray | None = None
        self.levels: tuple[float, float] = (0.0, 1.0)
        self.rows: list[str] = []
        self.cols: list[str] = []
        self.title = ""
        self.square = square
        self.cmap_name = cmap_name(None, theme)
        self._cmap_request: str | None = None
        if not isinstance(plot.getAxis("bottom"), ThinAxis):
            plot.setAxisItems(thin_axes())  # every label fits, or every k-th is written
        relax_label(plot.titleLabel)
        self.image = MatrixImage(axisOrder="row-major")
        plot.addItem(self.image)
        plot.invertY(True)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        vb = plot.getViewBox()
        vb.setDefaultPadding(0.0)
        if square:
            vb.setAspectLocked(True, 1.0)
        if not show_axes:
            plot.hideAxis("left")
            plot.hideAxis("bottom")
        self._shown_look = self._shown_shape = self._shown_levels = None   # what set_matrix last set
        self._shown_image: tuple | None = None     # (the image, its levels, its look) last set
        self.cell_texts = LabelLayer()        # the numbers in the cells, one item for them all
        self.cell_texts.setZValue(2)
        self._cells: list = []                # (x, y, text, ink) of every number to write
        plot.addItem(self.cell_texts)
        self._mask_items: list = []
        self._ticks: tuple | None = None
        self._axis_labels: tuple | None = None
        self._shown_title: tuple | None = None
        self._hover_cell: tuple[int, int] | None = None
        self.colorbar = None
        if colorbar:
            self.show_colorbar()
        self.image.hoverEvent = self._hover
        self.image.mouseClickEvent = self._click
        vb.sigResized.connect(self._fit_cell_text)
        vb.sigResized.connect(self._colorbar_ticks)
        self._style_all()

    def show_colorbar(self) -> None:
        """Add the colour bar (with its values) beside the plot, if it has none yet."""
        if self.colorbar is not None:
            return
        self.colorbar = pg.ColorBarItem(interactive=False, width=max(10, int(12 * self.scale)),
                                        colorMap=colormap(self.cmap_name, self.theme))
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self.colorbar.setLevels(self.levels)
        self._shown_levels = self.levels
        if self.values is not None:
            self.image.setLevels(self.levels)
        self._style_all()

    def _colorbar_ticks(self, *_args) -> None:
        """The colour bar's values: its ends (and the middle where there is room), written with
        fmt, so they never overprint however short the bar is."""
        if self.colorbar is None:
            return
        lo, hi = self.levels
        f = font(self.scale, delta=-1)
        fh = QFontMetricsF(f).height()
        height = self.plot.getViewBox().height()
        if height < 1.2 * fh:
            values = []                         # no room for a number: the cells' hover says it
        elif height < 2.2 * fh:
            values = [hi]
        elif height < 3.4 * fh:
            values = [lo, hi]
        else:
            values = [lo, (lo + hi) / 2, hi]
        key = (tuple(values), self.scale, round(height))
        if getattr(self, "_bar_ticks", None) == key:
            return
        self._bar_ticks = key
        axis = self.colorbar.axis
        texts = [fmt(v, 2) for v in values]
        # the end labels sit just inside the bar, so bars stacked in a column never overprint
        inset = (hi - lo) * (0.5 * fh + 1) / max(height, 1.0)
        placed = [min(max(v, lo + inset), hi - inset) if hi - lo > 2 * inset else v for v in values]
        axis.setStyle(hideOverlappingLabels=True)
        axis.setTicks([list(zip(placed, texts)), []])
        if not texts:
            texts = [""]
        fm = QFontMetricsF(f)
        axis.setWidth(int(max(fm.horizontalAdvance(t) for t in texts) + 12 * self.scale))

    def set_axis_labels(self, rows: str = "", cols: str = "") -> None:
        """Name the axes (e.g. "query" down the side, "key" along the bottom); "" leaves one unnamed."""
        if self._axis_labels == (rows, cols):
            return
        self._axis_labels = (rows, cols)
        if rows:  # an empty name leaves that axis as it is (setLabel would show a hidden axis)
            self.plot.setLabel("left", rows)
        if cols:
            self.plot.setLabel("bottom", cols)
        style_plot(self.plot, self.theme, self.scale)

    def _style_all(self) -> None:
        style_plot(self.plot, self.theme, self.scale)
        if self.colorbar is not None:
            axis = self.colorbar.axis
            axis.setPen(pg.mkPen(self.theme.muted, width=self.theme.pen_width(1)))
            axis.setTextPen(pg.mkPen(self.theme.foreground))
            axis.setTickFont(font(self.scale, delta=-1))
            axis.enableAutoSIPrefix(False)

    # ---- data ----------------------------------------------------------------------------
    def set_matrix(self, values, rows=None, cols=None, *, title: str = "", levels=None,
                   cmap: str | None = None, masked=None, categorical: tuple[bool, bool] | None = None) -> None:
        """Draw `values` (R × C). Row and column labels given are names (tokens: every one is
        written, or the axis says which are), unless `categorical` = (rows?, cols?) says that
        one side is numbers (dimensions: thinned silently, like any number axis). `levels` defaults to (0, max) for non-negative data and a
        symmetric (−m, m) for signed data; `cmap` is a quantity ("probability", "signed",
        "angle"...) or a colour map name (resolved for the theme); `masked` (bool R × C) cells
        are hatched grey."""
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2:
            raise ValueError(f"a heatmap needs a 2-D matrix, got shape {values.shape}")
        self.values = values
        self.rows = [str(r) for r in (rows if rows is not None else range(values.shape[0]))]
        self.cols = [str(c) for c in (cols if cols is not None else range(values.shape[1]))]
        finite = values[np.isfinite(values)]
        if levels is None:
            if finite.size == 0:
                levels = (0.0, 1.0)
            elif finite.min() >= 0:
                levels = (0.0, float(finite.max()) or 1.0)
            else:
                m = float(np.abs(finite).max()) or 1.0
                levels = (-m, m)
        levels = (float(levels[0]), float(levels[1]))
        self.levels = levels
        self._cmap_request = cmap
        self.cmap_name = cmap_name(cmap, self.theme, signed=levels[0] < 0)
        cmap_obj = colormap(self.cmap_name, self.theme)
        shown = np.where(np.isfinite(values), values, levels[0])
        # while training only the numbers change: the colour table, the image's rectangle and the
        # colour bar are set again only when they change (each set re-renders or re-lays out)
        look = (self.cmap_name, self.theme.name)
        if look != self._shown_look:
            self.image.setLookupTable(cmap_obj.getLookupTable(nPts=256))
        last = self._shown_image
        if last is None or last[1:] != (levels, look) or not np.array_equal(last[0], shown):
            # the same numbers (a GCN's normalisation, a paused frame redrawn) repaint nothing
            self.image.setImage(shown, levels=levels, autoLevels=False)
            self._shown_image = (shown, levels, look)
        if values.shape != self._shown_shape:
            self._shown_shape = values.shape
            self.image.setRect(0, 0, values.shape[1], values.shape[0])
        if self.colorbar is not None:
            if look != self._shown_look:
                self.colorbar.setColorMap(cmap_obj)
            if levels != self._shown_levels:
                self._shown_levels = levels
                self.colorbar.setLevels(levels)
            self._colorbar_ticks()
        self._shown_look = look
        ticks = (tuple(self.rows), tuple(self.cols), categorical)
        if ticks != self._ticks:  # re-laying out the axes is the slow part of a redraw: only when labels change
            self._ticks = ticks
            for side, labels in (("bottom", self.cols), ("left", self.rows)):
                axis = self.plot.getAxis(side)
                axis.setTicks(tick_list(labels))
                if isinstance(axis, ThinAxis):
                    named = (rows is not None, cols is not None) if categorical is None else categorical
                    axis.set_categorical(bool(named[0] if side == "left" else named[1]))
            self.plot.setXRange(0, values.shape[1], padding=0)
            self.plot.setYRange(0, values.shape[0], padding=0)
        self.title = title
        self._set_title()
        self._draw_cell_text(values, levels, cmap_obj, masked)
        self._draw_mask(masked)
        if self._hover_cell is not None:   # the readout follows the new numbers (a mask click...)
            i, j = self._hover_cell
            if i < values.shape[0] and j < values.shape[1]:
                self.hovered.emit(self.describe_cell(i, j))
            else:
                self._hover_cell = None

    def _set_title(self) -> None:
        key = (self.title, self.theme.foreground, self.scale)
        if key != self._shown_title:
            self._shown_title = key
            set_title(self.plot, self.title, self.theme, self.scale)

    def _cell_font(self, delta: float):
        return font(self.scale, delta=delta)

    def _draw_cell_text(self, values, levels, cmap_obj, masked=None) -> None:
        r, c = values.shape
        cells = []
        hidden = np.zeros(values.shape, dtype=bool) if masked is None else np.asarray(masked, dtype=bool)
        if self.cell_text and r * c <= self.text_max_cells and max(r, c) <= self.text_max_side:
            lo, hi = levels
            finite = np.isfinite(values)
            frac = np.clip((values - lo) / (hi - lo), 0, 1) if hi != lo else np.full(values.shape, 0.5)
            rgb = cmap_obj.map(np.where(finite, frac, 0.0).ravel(), mode="float")[:, :3].reshape(r, c, 3)
            light = rgb @ np.array([0.299, 0.587, 0.114]) > 0.55
            dark_ink, light_ink = QColor("#111111"), QColor("#f5f5f5")
            for i in range(r):
                for j in range(c):
                    if hidden[i, j]:
                        continue  # a masked cell shows its hatch, not a number
                    v = values[i, j]
                    text = "−∞" if v == -np.inf else ("" if not np.isfinite(v) else f"{v:.2f}")
                    cells.append((j + 0.5, i + 0.5, text, dark_ink if light[i, j] else light_ink))
        self._cells = cells
        self._fit_cell_text()

    def cell_pixels(self) -> tuple[float, float]:
        """A cell's width and height on screen, in pixels (0, 0 before the plot is laid out)."""
        vb = self.plot.getViewBox()
        if self.values is None or vb.width() <= 1 or vb.height() <= 1:
            return 0.0, 0.0
        (x0, x1), (y0, y1) = vb.viewRange()
        return vb.width() / max(1e-12, x1 - x0), vb.height() / max(1e-12, y1 - y0)

    def _fit_cell_text(self, *_args) -> None:
        """Numbers in the cells only where they fit: the usual size, else smaller, else none."""
        chosen = None
        if self._cells:
            w, h = self.cell_pixels()
            widest = max((cell[2] for cell in self._cells), key=len)
            for delta in (-2.0, -3.0, -4.0):
                f = self._cell_font(delta)
                if f.pointSizeF() < 6.0:
                    break
                fm = QFontMetricsF(f)
                if fm.horizontalAdvance(widest) + 4 <= w and fm.height() + 1 <= h:
                    chosen = f
                    break
        self.cell_text_shown = chosen is not None
        self.cell_texts.set_labels(self._cells, chosen or self._cell_font(-2.0), True, None)
        self.cell_texts.setVisible(chosen is not None)

    def _draw_mask(self, masked) -> None:
        for item in self._mask_items:
            self.plot.removeItem(item)
        self._mask_items = []
        if masked is None:
            return
        masked = np.asarray(masked, dtype=bool)
        ys, xs = np.nonzero(masked)
        if len(xs) == 0:
            return
        item = pg.ScatterPlotItem(x=xs + 0.5, y=ys + 0.5, symbol="x", size=max(6, 10 * self.scale),
                                  pen=self._mask_pen(), brush=None)
        item.mouseClickEvent = lambda event: event.ignore()  # a hatched cell stays clickable
        self.plot.addItem(item)
        self._mask_items.append(item)

    def _mask_pen(self):
        return pg.mkPen("#9ca3af", width=self.theme.pen_width(1.5))

    def restyle(self, theme: Theme, scale: float) -> None:
        self.theme, self.scale = theme, scale
        self._style_all()
        for item in self._mask_items:
            item.setPen(self._mask_pen())
        if self.values is not None:
            self._set_title()
            cmap_obj = colormap(cmap_name(self._cmap_request, theme, signed=self.levels[0] < 0), theme)
            self.cmap_name = cmap_name(self._cmap_request, theme, signed=self.levels[0] < 0)
            self.image.setLookupTable(cmap_obj.getLookupTable(nPts=256))
            self._shown_look = (self.cmap_name, theme.name)
            if self.colorbar is not None:
                self.colorbar.setColorMap(cmap_obj)
                self._colorbar_ticks()
            self._fit_cell_text()

    # ---- interaction -----------------------------------------------------------------------
    def cell_at(self, pos: QPointF):
        if self.values is None:
            return None
        j, i = int(np.floor(pos.x())), int(np.floor(pos.y()))
        if 0 <= i < self.values.shape[0] and 0 <= j < self.values.shape[1]:
            return i, j
        return None

    def describe_cell(self, i: int, j: int) -> str:
        v = self.values[i, j]
        return f"{self.title}  [{self.rows[i]} → {self.cols[j]}]  = {v:.6g}"

    def _hover(self, event) -> None:
        if event.isExit():
            self.image.setToolTip("")
            self._hover_cell = None
            return
        cell = self.cell_at(event.pos())
        self._hover_cell = cell
        if cell is not None:
            text = self.describe_cell(*cell)
            self.image.setToolTip(text)
            self.hovered.emit(text)

    def _click(self, event) -> None:
        if event.button() != Qt.LeftButton:
            return
        cell = self.cell_at(event.pos())
        if cell is not None:
            event.accept()
            self._hover_cell = cell
            self.cell_clicked.emit(*cell)


class LegendRow(pg.GraphicsWidget):
    """A row under a plot's bottom axis that holds its legend: outside the data, never over a
    curve, as many columns as fit the plot's width (one row of entries when there is room)."""

    def __init__(self, legend: pg.LegendItem):
        super().__init__()
        self.legend = legend
        self._busy = False     # fitting the columns resizes the legend: no re-entry from there
        legend.setParentItem(self)
        original = legend.updateSize

        def update_size(original=original):
            original()
            if not self._busy:
                self._place()
                self.updateGeometry()

        legend.updateSize = update_size
        self.setSizePolicy(pg.QtWidgets.QSizePolicy.Policy.Preferred, pg.QtWidgets.QSizePolicy.Policy.Fixed)

    def _entries(self) -> int:
        return len(self.legend.items)

    def _natural(self) -> tuple[float, float]:
        if not self.legend.isVisible() or self._entries() == 0:
            return 0.0, 0.0
        size = self.legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize)
        return size.width(), size.height()

    def sizeHint(self, which, constraint=None):  # noqa: N802 - Qt's name
        w, h = self._natural()
        if which == Qt.SizeHint.MinimumSize:
            return pg.QtCore.QSizeF(0.0, h)
        if which == Qt.SizeHint.MaximumSize:
            return pg.QtCore.QSizeF(1e6, h)
        return pg.QtCore.QSizeF(w, h)

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(ev)
        self.fit_columns()

    def fit_columns(self) -> None:
        n = self._entries()
        width = self.rect().width()
        if n == 0 or width <= 0 or self._busy:
            return
        self._busy = True
        try:
            before = self.legend.columnCount
            for cols in range(n, 0, -1):
                if cols != self.legend.columnCount:
                    self.legend.setColumnCount(cols)
                if self._natural()[0] <= width or cols == 1:
                    break
            self._place()
        finally:
            self._busy = False
        if self.legend.columnCount != before:
            self.updateGeometry()

    def _place(self) -> None:
        w, h = self._natural()
        # centred under the plot; one entry wider than the plot reaches left, under the plot's own
        # axis, never right into the next plot
        self.legend.setGeometry((self.rect().width() - w) / 2 if w <= self.rect().width() else self.rect().width() - w,
                                0, w, h)


def peak_downsample(x: np.ndarray, y: np.ndarray, buckets: int,
                    clip: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """What to draw of a curve (x increasing) in `buckets` pixel columns: a curve of up to two
    points a bucket whole; a longer one cut to `clip` = (x0, x1) plus a bucket each side, then
    each bucket's first x twice, with its min and its max y (a NaN in a bucket makes both NaN: a
    gap). A bucket's size is the power of 2 that makes at most `buckets` of them (so 1-2 pixel
    columns each), its start a multiple of it: a run that grows keeps its buckets, and the picture
    stays still. The last, partial bucket is drawn as given."""
    n = len(x)
    buckets = max(int(buckets), 1)
    if n <= 2 * buckets:
        return x, y
    i0, i1 = 0, n
    if clip is not None:
        i0 = int(np.searchsorted(x, clip[0], side="left"))
        i1 = int(np.searchsorted(x, clip[1], side="right"))
    size = 1 << max(math.ceil(math.log2(max(i1 - i0, 1) / buckets)), 0)   # a power of 2: changes
    if size <= 2:                                                            # only when the run doubles
        lo, hi = max(i0 - 1, 0), min(i1 + 1, n)
        return x[lo:hi], y[lo:hi]
    lo = max((i0 // size - 1) * size, 0)
    hi = min((i1 // size + 2) * size, n)        # through the bucket after the one holding i1
    whole = lo + (hi - lo) // size * size
    block = y[lo:whole].reshape(-1, size)
    sx = np.repeat(x[lo:whole:size], 2)
    sy = np.empty(sx.shape[0])
    sy[0::2] = block.min(axis=1)
    sy[1::2] = block.max(axis=1)
    return np.concatenate([sx, x[whole:hi]]), np.concatenate([sy, y[whole:hi]])


class LiveCurves:
    """Named curves in one PlotItem, drawn from arrays the frame already holds (bounded by the lab).
    Each is one PlotCurveItem fed what the plot can show: the part in view, peak-downsampled to one
    min/max pair per pixel column (spikes and NaN gaps kept), in buckets fixed to the run's own
    step index so a growing run does not shimmer. PlotDataItem did the same in 0.3-0.8 ms a curve;
    this takes 0.04-0.2. The legend sits in a row under the plot (outside the data);
    `legend="inside"` keeps pyqtgraph's corner one."""

    def __init__(self, plot: pg.PlotItem, theme: Theme, scale: float = 1.0, *, legend: str = "below"):
        self.plot = plot
        self.theme = theme
        self.curves: dict[str, pg.PlotCurveItem] = {}
        self._data: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        plot.setClipToView(True)          # for the items a page adds itself
        plot.setDownsampling(auto=True, mode="peak")
        plot.showGrid(x=True, y=True, alpha=0.2)
        self.legend_row: LegendRow | None = None
        if legend == "inside":
            self.legend = plot.addLegend(offset=(-5, 5), labelTextColor=theme.foreground,
                                         labelTextSize=_legend_size(scale))
        else:
            self.legend = pg.LegendItem(offset=None, labelTextColor=theme.foreground,
                                        labelTextSize=_legend_size(scale), colCount=8)
            self.legend_row = LegendRow(self.legend)
            plot.layout.addItem(self.legend_row, 4, 1)
        style_plot(plot, theme, scale)
        view = plot.getViewBox()
        view.sigXRangeChanged.connect(self._show_all)
        view.sigResized.connect(self._show_all)

    def set(self, name: str, x, y, *, label: str | None = None) -> None:
        curve = self.curves.get(name)
        if curve is None:
            color = self.theme.series[len(self.curves) % len(self.theme.series)]
            curve = pg.PlotCurveItem(pen=self.pen(color),
                                     antialias=line_antialias(self.theme.pen_width(self.WIDTH)))
            self.plot.addItem(curve)
            self.legend.addItem(curve, label or name)
            if self.legend_row is not None:
                self.legend_row.fit_columns()
            self.curves[name] = curve
        self._data[name] = (np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        self._show(name)

    def data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The whole curve as given (what is drawn may be downsampled)."""
        return self._data[name]

    SAMPLES_PER_PIXEL = 1.0   # min/max buckets per pixel column: the same picture as every point

    def _show(self, name: str) -> None:
        x, y = self._data[name]
        view = self.plot.getViewBox()
        buckets = int(view.width() * self.SAMPLES_PER_PIXEL) or 1000   # not laid out yet: a guess
        clip = None if view.autoRangeEnabled()[0] else view.viewRange()[0]
        sx, sy = peak_downsample(x, y, buckets, clip)
        finite = bool(np.isfinite(sy).all())
        self.curves[name].setData(sx, sy, connect="all" if finite else "finite", skipFiniteCheck=finite)

    def _show_all(self, *_args) -> None:
        for name in self.curves:
            self._show(name)

    WIDTH = 2.0   # a curve's pen width at line_width 1 (the theme makes it thicker in high contrast);
                  # as wide as that, curves are not antialiased (line_antialias: 1.5 ms, not 27)

    def pen(self, color: str):
        return pg.mkPen(color, width=self.theme.pen_width(self.WIDTH))

    def remove(self, name: str) -> None:
        """Take one curve (and its legend entry) away; unknown names are ignored."""
        curve = self.curves.pop(name, None)
        self._data.pop(name, None)
        if curve is not None:
            self.legend.removeItem(curve)
            self.plot.removeItem(curve)
            if self.legend_row is not None:
                self.legend_row.updateGeometry()

    def clear(self) -> None:
        for name in list(self.curves):
            self.remove(name)

    def restyle(self, theme: Theme, scale: float) -> None:
        self.theme = theme
        style_plot(self.plot, theme, scale)
        for i, curve in enumerate(self.curves.values()):
            curve.opts["antialias"] = line_antialias(theme.pen_width(self.WIDTH))
            curve.setPen(self.pen(theme.series[i % len(theme.series)]))
        self.legend.setLabelTextColor(theme.foreground)
        self.legend.setLabelTextSize(_legend_size(scale))
        if self.legend_row is not None:
            self.legend_row.updateGeometry()
            self.legend_row.fit_columns()


def _legend_size(scale: float) -> str:
    return css_size(scale, -1)


def color(hex_or_name: str, alpha: int = 255) -> QColor:
    c = QColor(hex_or_name)
    c.setAlpha(alpha)
    return c
