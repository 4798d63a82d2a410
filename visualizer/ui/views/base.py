"""The View contract every explainer's view follows, and PagedView, the skeleton they are built on.

The window (and the headless CLI export) use a view only through these methods:

    view = SomeView(theme, font_scale)
    view.show_frame(frame)              # draw a Frame (numpy only); called ≤ ~30×/s
    view.set_view_options(values)       # options with role="view" (layer, head...)
    view.apply_lesson_state(state)      # the "view" part of a lesson step
    view.figure_widget()                # what File → Export figure renders
    view.data_frame()                   # exactly the arrays that figure is drawn from
    view.apply_theme(theme); view.apply_font_scale(scale); view.retranslate()

A view asks for lab changes (a clicked mask cell...) by emitting params_requested({name: value}).
The runner paces frames by what drawing them costs, so draw() should be proportional to what
changed. This module imports no pyqtgraph: the window paints before pyqtgraph is imported.

An explainer's view is declared, not written:

    class GANView(PagedView):
        OPTIONS = OPTIONS                             # the explainer's OptionSet (its view-role ones count)
        PAGES = {"gan2d": GANPage, "digits": GANPage}  # frame kind -> Page class (one instance per class)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar


from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from visualizer.core.errors import ConfigError
from visualizer.core.options import OptionSet
from visualizer.ui.fonts import font
from visualizer.ui.i18n import tr
from visualizer.ui.theme import Theme

if TYPE_CHECKING:  # a Frame is numpy: importing it here would load numpy before the first paint
    from visualizer.core.frame import Frame


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


class PagedView(View):
    """A view made of pages, one per frame kind, created when a frame of that kind first arrives.

    It owns the view options (the OPTIONS' view-role ones): set_view_options keeps only those
    names, coerces each, skips a bad value (the current one stays), ignores an echo of what it
    already has, then calls view_options_changed(names) and redraws. Pages draw with them; a
    page's view_change signal (a click that picks a head...) applies at once and is passed on
    as params_requested so the window's options panel follows; its params_change (a click that
    asks the lab to recompute) goes to the window as params_requested; its hint goes to the
    status line under the figure (HINTS = True)."""

    OPTIONS: ClassVar[OptionSet] = OptionSet([])
    PAGES: ClassVar[dict] = {}
    WAITING: ClassVar[str] = "Loading…"   # shown before the first frame
    HINTS: ClassVar[bool] = False         # a status line under the figure for the pages' hints
    # the view's own stepper (a time step, a message-passing phase): the page method that takes
    # ±1, walked by [ ] (or , .) while the view has the focus; Space and the arrows stay the lesson's
    PAGE_STEP: ClassVar[str] = ""
    BACK_KEYS: ClassVar[tuple] = (Qt.Key.Key_BracketLeft, Qt.Key.Key_Comma)
    FORWARD_KEYS: ClassVar[tuple] = (Qt.Key.Key_BracketRight, Qt.Key.Key_Period)

    def __init__(self, theme: Theme, font_scale: float = 1.0, parent: QWidget | None = None):
        super().__init__(theme, font_scale, parent)
        self.view_options = {o.name: o.default for o in self.OPTIONS.by_role("view")}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.stack = QStackedWidget(self)
        layout.addWidget(self.stack, 1)
        self.waiting = QLabel()
        self.stack.addWidget(self.waiting)
        self.status = QLabel()     # a hovered value, a hint
        self.status.setContentsMargins(12, 2, 12, 4)
        self.status.setVisible(self.HINTS)
        layout.addWidget(self.status)
        self.pages: dict[str, QWidget] = {}       # frame kind -> its page (kinds may share one)
        self.restyle()

    # ---- pages ------------------------------------------------------------------------------------
    def page(self, kind: str):
        page = self.pages.get(kind)
        if page is not None:
            return page
        cls = self.PAGES.get(kind)
        if cls is None:
            raise ValueError(f"{type(self).__name__} cannot draw frames of kind {kind!r}; "
                             f"it draws {', '.join(self.PAGES)}")
        page = next((p for p in self.pages.values() if type(p) is cls), None)
        if page is None:
            page = cls(self.theme, self.font_scale)
            page.hint.connect(self.show_hint)
            page.view_change.connect(self._page_view_change)
            page.params_change.connect(self.params_requested)
            self.stack.addWidget(page)
            self.page_created(kind, page)
        self.pages[kind] = page
        return page

    def unique_pages(self) -> list:
        return list(dict.fromkeys(self.pages.values()))

    def page_created(self, kind: str, page) -> None:
        """Hook: wire a new page's own signals."""

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        page = self.current_page()
        key = event.key()
        step = getattr(page, self.PAGE_STEP, None) if self.PAGE_STEP and page is not None else None
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        if step is not None and plain and key in self.BACK_KEYS + self.FORWARD_KEYS:
            step(-1 if key in self.BACK_KEYS else 1)
            event.accept()
            return
        super().keyPressEvent(event)

    def current_page(self):
        current = self.stack.currentWidget()
        return current if current in self.pages.values() else None

    def draw(self, frame: Frame) -> None:
        page = self.page(frame.kind)
        if self.stack.currentWidget() is not page:
            self.stack.setCurrentWidget(page)
        page.draw(frame, self.view_options)
        page.settle()

    def figure_widget(self) -> QWidget:
        page = self.current_page()
        return page.figure_widget() if page is not None else self

    def data_frame(self) -> Frame | None:
        if self.frame is None:
            return None
        return self.page(self.frame.kind).data_frame(self.frame, self.view_options)

    # ---- options ----------------------------------------------------------------------------------
    def coerce_view_options(self, values: dict) -> dict:
        """The view-role values among `values`, coerced; unknown names and bad values are dropped."""
        out = {}
        for name, value in values.items():
            if name in self.OPTIONS and self.OPTIONS[name].role == "view":
                try:
                    out[name] = self.OPTIONS[name].coerce(value)
                except ConfigError:
                    continue
        return out

    def set_view_option(self, name: str, value: Any) -> None:
        self.set_view_options({name: value})

    def set_view_options(self, values: dict) -> None:
        values = self.coerce_view_options(values)
        changed = [k for k, v in values.items() if self.view_options.get(k) != v]
        if not changed:
            return  # e.g. the window echoing back what a click already applied
        self.view_options.update(values)
        self.view_options_changed(changed)
        self.redraw()

    def view_options_changed(self, names: list[str]) -> None:
        """Hook: called with the names that changed, before the redraw."""

    @Slot(dict)
    def _page_view_change(self, values: dict) -> None:
        values = self.coerce_view_options(values)
        self.view_options.update(values)
        self.view_options_changed(list(values))
        self.params_requested.emit(dict(values))
        self.redraw()

    @Slot(str)
    def show_hint(self, text: str) -> None:
        self.status.setText(text)

    # ---- style ------------------------------------------------------------------------------------
    def restyle(self) -> None:
        self.status.setFont(font(self.font_scale, delta=-0.5))
        self.status.setStyleSheet(f"color: {self.theme.muted};")
        self.waiting.setFont(font(self.font_scale, delta=2))
        for page in self.unique_pages():
            page.restyle(self.theme, self.font_scale)
        self.retranslate()

    def retranslate(self) -> None:
        self.waiting.setText(tr(self.WAITING))
        for page in self.unique_pages():
            page.retranslate()
        self.redraw()
