"""AttentionView: one page per frame kind ("mha", "pretrained", "train").

The page of the current kind is the exported figure (its title and facts included, its tab bar
and pickers not). View options (stage, panel, layer, head, query, levels) only change what is
drawn from the same frame. Clicks that change the lab (a mask cell) and clicks that change a view
option (a thumbnail, a tab, a query token) are both sent out as params_requested, so the
window's options panel follows; the view applies view options itself at once.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout

from visualizer.core.errors import ConfigError
from visualizer.core.frame import Frame
from visualizer.labs.attention.config import OPTIONS, toggle_mask_cell
from visualizer.ui.i18n import tr
from visualizer.ui.views.attention.mha_page import MHAPage
from visualizer.ui.views.attention.pretrained_page import PretrainedPage
from visualizer.ui.views.attention.train_page import TrainPage
from visualizer.ui.views.base import View
from visualizer.ui.widgets.plots import font

PAGES = {"mha": MHAPage, "pretrained": PretrainedPage, "train": TrainPage}


class AttentionView(View):
    def __init__(self, theme, font_scale: float = 1.0, parent=None):
        super().__init__(theme, font_scale, parent)
        self.view_options = {o.name: o.default for o in OPTIONS.by_role("view")}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.stack = QStackedWidget(self)
        layout.addWidget(self.stack, 1)
        self.waiting = QLabel()
        self.stack.addWidget(self.waiting)
        self.status = QLabel()     # exact value under the mouse, and hints
        self.status.setContentsMargins(12, 2, 12, 4)
        layout.addWidget(self.status)
        self.pages: dict[str, Any] = {}
        self.restyle()

    # ---- pages ------------------------------------------------------------------------------------
    def page(self, kind: str):
        page = self.pages.get(kind)
        if page is None:
            if kind not in PAGES:
                raise ValueError(f"the attention view cannot draw frames of kind {kind!r}")
            page = PAGES[kind](self.theme, self.font_scale)
            page.hint.connect(self._show_hint)
            if kind == "mha":
                page.cell_toggled.connect(self._mask_cell_clicked)
            if kind == "pretrained":
                page.view_change.connect(self._page_changed_view)
            self.pages[kind] = page
            self.stack.addWidget(page)
        return page

    def draw(self, frame: Frame) -> None:
        page = self.page(frame.kind)
        if self.stack.currentWidget() is not page:
            self.stack.setCurrentWidget(page)
        page.draw(frame, self.view_options)

    def figure_widget(self):
        current = self.stack.currentWidget()
        return current.figure_widget() if current in self.pages.values() else self

    # ---- options ----------------------------------------------------------------------------------
    def _coerce(self, values: dict) -> dict:
        out = {}
        for name, value in values.items():
            if name in OPTIONS and OPTIONS[name].role == "view":
                try:
                    out[name] = OPTIONS[name].coerce(value)
                except ConfigError:
                    continue
        return out

    def set_view_option(self, name: str, value: Any) -> None:
        self.set_view_options({name: value})

    def set_view_options(self, values: dict) -> None:
        values = self._coerce(values)
        if all(self.view_options.get(k) == v for k, v in values.items()):
            return  # e.g. the window echoing back what a click already applied
        self.view_options.update(values)
        self.redraw()

    # ---- clicks -----------------------------------------------------------------------------------
    @Slot(int, int)
    def _mask_cell_clicked(self, query: int, key: int) -> None:
        frame = self.frame
        if frame is None or frame.kind != "mha":
            return
        tokens = [str(t) for t in frame["tokens"]]
        fixed = frame["mask"] & ~frame["custom_mask"]
        if fixed[query, key]:
            self._show_hint(tr("'{query}' → '{key}' is already hidden by the padding or sequence mask.").format(
                query=tokens[query], key=tokens[key]))
            return
        row = frame["mask"][query].copy()
        row[key] = not frame["custom_mask"][query, key]
        if row.all():
            self._show_hint(tr("Query '{query}' needs at least one key it may look at.").format(query=tokens[query]))
            return
        spec = self._custom_mask_spec()
        self.params_requested.emit({"custom_mask": toggle_mask_cell(spec, query, key)})

    def _custom_mask_spec(self) -> str:
        from visualizer.labs.attention.config import format_mask

        cells = zip(*self.frame["custom_mask"].nonzero())
        return format_mask((int(q), int(k)) for q, k in cells)

    @Slot(dict)
    def _page_changed_view(self, values: dict) -> None:
        self.view_options.update(values)
        self.params_requested.emit(dict(values))

    @Slot(str)
    def _show_hint(self, text: str) -> None:
        self.status.setText(text)

    # ---- style --------------------------------------------------------------------------------------
    def restyle(self) -> None:
        self.status.setFont(font(self.font_scale, delta=-0.5))
        self.status.setStyleSheet(f"color: {self.theme.muted};")
        for page in self.pages.values():
            page.restyle(self.theme, self.font_scale)
        self.redraw()

    def retranslate(self) -> None:
        self.waiting.setText(tr("Loading…"))
        for page in self.pages.values():
            if hasattr(page, "retranslate"):
                page.retranslate()
        self.redraw()
