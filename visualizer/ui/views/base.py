"""The View contract every explainer's view follows.

The window (and the headless CLI export) use a view only through these methods:

    view = SomeView(theme, font_scale)
    view.show_frame(frame)              # draw a Frame (numpy only); called ≤ ~30×/s
    view.set_view_option(name, value)   # an option with role="view" (layer, head...)
    view.apply_lesson_state(state)      # the "view" part of a lesson step
    view.figure_widget()                # what File → Export figure renders
    view.data_frame()                   # exactly the arrays that figure is drawn from
    view.apply_theme(theme); view.apply_font_scale(scale); view.retranslate()

A view asks for lab changes (a clicked mask cell...) by emitting params_requested({name: value}).
After drawing a frame it must be ready for the next: the window drops frames it cannot draw in
time, so draw() should be proportional to what changed.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from visualizer.core.frame import Frame
from visualizer.ui.i18n import tr
from visualizer.ui.theme import Theme
from visualizer.ui.widgets.plots import font


class View(QWidget):
    params_requested = Signal(dict)

    def __init__(self, theme: Theme, font_scale: float = 1.0, parent: QWidget | None = None):
        super().__init__(parent)
        self.theme = theme
        self.font_scale = font_scale
        self.frame: Frame | None = None
        self.view_options: dict[str, Any] = {}
        self.setAutoFillBackground(True)

    # ---- drawing ---------------------------------------------------------------------------
    def show_frame(self, frame: Frame) -> None:
        self.frame = frame
        self.draw(frame)

    def draw(self, frame: Frame) -> None:
        raise NotImplementedError

    def redraw(self) -> None:
        if self.frame is not None:
            self.draw(self.frame)

    # ---- what export uses --------------------------------------------------------------------
    def figure_widget(self) -> QWidget:
        return self

    def data_frame(self) -> Frame | None:
        return self.frame

    # ---- state ---------------------------------------------------------------------------------
    def set_view_option(self, name: str, value: Any) -> None:
        self.view_options[name] = value
        self.redraw()

    def set_view_options(self, values: dict) -> None:
        self.view_options.update(values)
        self.redraw()

    def apply_lesson_state(self, state: dict) -> None:
        self.set_view_options(state)

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.restyle()

    def apply_font_scale(self, scale: float) -> None:
        self.font_scale = scale
        self.restyle()

    def restyle(self) -> None:
        """Re-apply theme colours and font sizes to every plot; subclasses extend it."""
        self.redraw()

    def retranslate(self) -> None:
        self.redraw()


class PlotCanvas(pg.GraphicsLayoutWidget):
    """A GraphicsLayoutWidget that follows the theme's background."""

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.set_theme(theme)

    def set_theme(self, theme: Theme) -> None:
        self.setBackground(theme.background)


class MessageView(View):
    """What the centre shows while an explainer loads, or for one that is not built yet."""

    def __init__(self, theme: Theme, font_scale: float = 1.0, title: str = "", text: str = "", parent=None):
        super().__init__(theme, font_scale, parent)
        self._title, self._text = title, text
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addStretch(1)
        self.title_label = QLabel()
        self.text_label = QLabel()
        self.text_label.setWordWrap(True)
        for label in (self.title_label, self.text_label):
            label.setAlignment(label.alignment().__class__.AlignCenter)
            layout.addWidget(label)
        layout.addStretch(2)
        self.restyle()

    def set_message(self, title: str, text: str) -> None:
        self._title, self._text = title, text
        self.retranslate()

    def draw(self, frame: Frame) -> None:
        pass

    def restyle(self) -> None:
        self.title_label.setFont(font(self.font_scale, bold=True, delta=8))
        self.text_label.setFont(font(self.font_scale, delta=2))
        self.retranslate()

    def retranslate(self) -> None:
        self.title_label.setText(tr(self._title))
        self.text_label.setText(tr(self._text))
