"""PositionalView: one page per frame kind (sinusoidal, learned, rope, alibi, effect).

The page of the current kind is the exported figure; view options (pair, shift, dimensions shown,
training length, similarity measure, head) only change what is drawn from the same frame."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout

from visualizer.core.errors import ConfigError
from visualizer.core.frame import Frame
from visualizer.labs.positional.config import OPTIONS
from visualizer.ui.i18n import tr
from visualizer.ui.views.base import View
from visualizer.ui.views.positional.alibi import AlibiPage
from visualizer.ui.views.positional.common import Page
from visualizer.ui.views.positional.effect import EffectPage
from visualizer.ui.views.positional.rope import RopePage
from visualizer.ui.views.positional.tables import LearnedPage, SinusoidalPage
from visualizer.ui.widgets.plots import font

PAGES: dict[str, type[Page]] = {"sinusoidal": SinusoidalPage, "learned": LearnedPage, "rope": RopePage,
                                "alibi": AlibiPage, "effect": EffectPage}


class PositionalView(View):
    def __init__(self, theme, font_scale: float = 1.0, parent=None):
        super().__init__(theme, font_scale, parent)
        self.view_options = {o.name: o.default for o in OPTIONS.by_role("view")}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget(self)
        layout.addWidget(self.stack)
        self.waiting = QLabel()
        self.stack.addWidget(self.waiting)
        self.pages: dict[str, Page] = {}
        self.restyle()

    # ---- drawing ---------------------------------------------------------------------------------
    def page(self, kind: str) -> Page:
        page = self.pages.get(kind)
        if page is None:
            if kind not in PAGES:
                raise ValueError(f"the positional view cannot draw frames of kind {kind!r}")
            page = PAGES[kind](self.theme, self.font_scale)
            self.pages[kind] = page
            self.stack.addWidget(page)
        return page

    def draw(self, frame: Frame) -> None:
        page = self.page(frame.kind)
        if self.stack.currentWidget() is not page:
            self.stack.setCurrentWidget(page)
        page.draw(frame, self.view_options)
        page.loosen()

    def figure_widget(self):
        current = self.stack.currentWidget()
        return current if isinstance(current, Page) else self

    def data_frame(self) -> Frame | None:
        if self.frame is None:
            return None
        return self.page(self.frame.kind).data_frame(self.frame, self.view_options)

    # ---- options ---------------------------------------------------------------------------------
    def _coerce(self, values: dict) -> dict:
        out = {}
        for name, value in values.items():
            if name in OPTIONS:
                try:
                    value = OPTIONS[name].coerce(value)
                except ConfigError:
                    continue  # a bad value leaves the current one in place
            out[name] = value
        return out

    def set_view_option(self, name: str, value: Any) -> None:
        self.set_view_options({name: value})

    def set_view_options(self, values: dict) -> None:
        self.view_options.update(self._coerce(values))
        self.redraw()

    # ---- style -----------------------------------------------------------------------------------
    def restyle(self) -> None:
        for page in self.pages.values():
            page.restyle(self.theme, self.font_scale)
        self.waiting.setFont(font(self.font_scale, delta=2))
        self.retranslate()

    def retranslate(self) -> None:
        self.waiting.setText(tr("Computing the encodings…"))
        self.redraw()
