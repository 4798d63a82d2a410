"""Page: one kind of frame's figure, the unit every PagedView is made of.

    ┌ controls (optional, not exported: pickers, tabs, a draw button) ┐
    ├ figure ─────────────────────────────────────────────────────────┤  ← figure_widget():
    │ title                                                           │    what File → Export
    │ subtitle (muted)                                                │    figure renders
    │ note (amber, only when there is one)                            │
    │ content: a canvas of plots, or a widget the page sets           │
    │ facts (measured numbers, rich text)                             │
    └─────────────────────────────────────────────────────────────────┘

A page only draws: `draw(frame, options)` with the view's options. It asks for changes by
signals: `hint` (a line for the view's status: a hovered value, why a click did nothing),
`view_change` (a click that picks a view option: a head, a tab) and `params_change` (a click
that asks the lab to recompute: a masked cell, a drawn distribution).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from visualizer.core.frame import Frame
from visualizer.ui.theme import Theme
from visualizer.ui.widgets.plots import Heatmap, LiveCurves, PlotCanvas, Reflow, font, relax_label, style_plot
from visualizer.ui.widgets.text_block import TextBlock


def no_si_prefix(plot: pg.PlotItem) -> None:
    """Tick labels show the numbers themselves (no "×0.001" axis scaling)."""
    for side in ("left", "bottom"):
        plot.getAxis(side).enableAutoSIPrefix(False)


def text_scale(scale: float) -> float:
    """The page's title and sentences grow more slowly than the plots' labels: at presentation zoom
    (font scale 2) they are 1.7× as large, so the figure keeps most of a 1280 × 720 screen."""
    return scale if scale <= 1 else 1 + 0.7 * (scale - 1)


class Figure(QWidget):
    """The exported part of a page: title, subtitle, note, content, facts."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAutoFillBackground(True)
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(14, 10, 14, 10)
        self.box.setSpacing(4)
        self.title = TextBlock()
        self.subtitle = TextBlock()
        self.note = TextBlock()
        self.facts = TextBlock()
        for label in (self.title, self.subtitle, self.note):
            label.setTextFormat(Qt.TextFormat.PlainText)
        # every text wraps: a long title at font scale 2 never sets the window's minimum width
        # (which squeezed the options pane) and is never cut
        for label in (self.title, self.subtitle, self.note, self.facts):
            label.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        for label in (self.title, self.subtitle, self.note, self.facts):
            label.hide()             # shown once it has a text (a page may have no title row)
            self.box.addWidget(label)


class Page(QWidget):
    hint = Signal(str)
    view_change = Signal(dict)
    params_change = Signal(dict)

    def __init__(self, theme: Theme, scale: float, parent: QWidget | None = None, *, canvas: bool = True):
        super().__init__(parent)
        self.theme, self.scale = theme, scale
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.controls = QWidget(self)
        self.controls_layout = QHBoxLayout(self.controls)
        self.controls_layout.setContentsMargins(10, 4, 10, 4)
        self.controls.hide()
        outer.addWidget(self.controls)
        self.figure = Figure(self)
        outer.addWidget(self.figure, 1)
        self.title, self.subtitle = self.figure.title, self.figure.subtitle
        self.note, self.facts = self.figure.note, self.figure.facts
        self.content: QWidget | None = None
        self.canvas: PlotCanvas | None = None
        if canvas:
            self.canvas = PlotCanvas(theme)
            self.set_content(self.canvas)
        self.heatmaps: list[Heatmap] = []
        self.curve_sets: list[LiveCurves] = []
        self.plain_plots: list[pg.PlotItem] = []
        self._style_labels()

    def set_content(self, widget: QWidget) -> None:
        """The figure's body (by default a canvas of plots)."""
        if self.content is not None:
            self.figure.box.removeWidget(self.content)
        widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.figure.box.insertWidget(3, widget, 1)
        self.content = widget

    def add_control(self, widget: QWidget, stretch: int = 0) -> QWidget:
        """A control above the figure (not exported)."""
        self.controls_layout.addWidget(widget, stretch)
        self.controls.show()
        return widget

    # ---- what pages provide -----------------------------------------------------------------
    def draw(self, frame: Frame, options: dict) -> None:
        raise NotImplementedError

    def settle(self) -> None:
        """Run pyqtgraph's deferred work (view ranges to matrices, auto range) now, after a draw:
        left to the paint, it moves items once Qt has fixed the paint's region, and every frame is
        painted twice."""
        for view in self.findChildren(pg.GraphicsView):
            if view.scene() is not None:
                view.scene().prepareForPaint()

    def data_frame(self, frame: Frame, options: dict) -> Frame:
        """The arrays this page's figure is drawn from: the frame itself, unless the page derives
        more (then a copy with those added and the view options in its info)."""
        return frame

    def figure_widget(self) -> QWidget:
        return self.figure

    def retranslate(self) -> None:
        """Words that do not come with a frame (button texts...); the view redraws after this."""

    # ---- building blocks --------------------------------------------------------------------
    def heatmap(self, plot: pg.PlotItem, **kwargs) -> Heatmap:
        no_si_prefix(plot)
        hm = Heatmap(plot, self.theme, self.scale, **kwargs)
        self.heatmaps.append(hm)
        return hm

    def curves(self, plot: pg.PlotItem) -> LiveCurves:
        no_si_prefix(plot)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        curves = LiveCurves(plot, self.theme, self.scale)
        self.curve_sets.append(curves)
        return curves

    def plain(self, plot: pg.PlotItem) -> pg.PlotItem:
        no_si_prefix(plot)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.showGrid(x=True, y=True, alpha=0.15)
        style_plot(plot, self.theme, self.scale)
        self.plain_plots.append(plot)
        return plot

    def loosen(self) -> None:
        """Let every title on the canvas be narrower than its text, then fit the layout to the
        canvas again (it was sized while the titles still held it wide)."""
        if self.canvas is None:
            return
        for item in self.canvas.ci.items:
            label = item.titleLabel if isinstance(item, pg.PlotItem) else item
            if isinstance(label, pg.LabelItem):
                relax_label(label, 0.0)
        ci = self.canvas.ci
        ci.layout.invalidate()
        ci.updateGeometry()
        if ci.geometry() != self.canvas.range:
            ci.setGeometry(self.canvas.range)

    SHORT_FIGURE = 620   # px × the text scale: a figure shorter than this writes its subtitle on one line

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        # presentation zoom in a 1280 × 720 window: the wrapped subtitle took the plots' rows
        self.subtitle.set_one_line(self.figure.height() < self.SHORT_FIGURE * text_scale(self.scale))

    def set_texts(self, title: str, subtitle: str = "", facts: str = "", note: str = "") -> None:
        for label, text in ((self.title, title), (self.subtitle, subtitle), (self.facts, facts),
                            (self.note, note)):
            if label.text() != text:
                label.setText(text)
            label.setVisible(bool(text))

    def strong(self, text: str) -> str:
        """Rich-text emphasis in the theme's accent colour (for the measured numbers)."""
        return f'<b style="color:{self.theme.accent}">{text}</b>'

    # ---- style --------------------------------------------------------------------------------
    def restyle(self, theme: Theme, scale: float) -> None:
        self.theme, self.scale = theme, scale
        if self.canvas is not None:
            self.canvas.set_theme(theme)
        self.subtitle.set_one_line(self.figure.height() < self.SHORT_FIGURE * text_scale(scale))
        for reflow in self.findChildren(Reflow):
            reflow.set_scale(scale)
        for hm in self.heatmaps:
            hm.restyle(theme, scale)
        for curves in self.curve_sets:
            curves.restyle(theme, scale)
        for plot in self.plain_plots:
            style_plot(plot, theme, scale)
        self._style_labels()

    def _style_labels(self) -> None:
        for widget in (self, self.figure):
            pal = widget.palette()
            pal.setColor(QPalette.ColorRole.Window, QColor(self.theme.background))
            pal.setColor(QPalette.ColorRole.WindowText, QColor(self.theme.foreground))
            widget.setPalette(pal)
        text = text_scale(self.scale)
        self.title.setFont(font(text, bold=True, delta=5))
        self.subtitle.setFont(font(text, delta=1))
        self.note.setFont(font(text, delta=1, bold=True))
        self.facts.setFont(font(text, delta=1))
        self.title.setStyleSheet(f"color: {self.theme.foreground};")
        self.subtitle.setStyleSheet(f"color: {self.theme.muted};")
        self.note.setStyleSheet(f"color: {'#fbbf24' if self.theme.dark else '#b45309'};")
        self.facts.setStyleSheet(f"color: {self.theme.foreground};")
