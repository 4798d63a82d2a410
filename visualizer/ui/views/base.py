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
from PySide6.QtWidgets import QWidget

from visualizer.core.frame import Frame
from visualizer.ui.theme import Theme


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


# kept importable from here for views written against the first layout
from visualizer.ui.views.message import MessageView  # noqa: E402,F401
