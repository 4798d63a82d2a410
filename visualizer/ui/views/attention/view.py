"""AttentionView: one page per frame kind ("mha", "pretrained", "train").

The page of the current kind is the exported figure (its title and facts included, its tab bar
and pickers not). View options (stage, panel, layer, head, query, levels) only change what is
drawn from the same frame. Clicks that change the lab (a mask cell) and clicks that change a view
option (a thumbnail, a tab, a query token) are both sent out as params_requested, so the
window's options panel follows; the view applies view options itself at once.
"""

from __future__ import annotations

from PySide6.QtCore import Slot

from visualizer.labs.attention.config import OPTIONS, mask_click
from visualizer.ui.i18n import tr
from visualizer.ui.views.attention.mha_page import MHAPage
from visualizer.ui.views.attention.pretrained_page import PretrainedPage
from visualizer.ui.views.attention.train_page import TrainPage
from visualizer.ui.views.base import PagedView


class AttentionView(PagedView):
    OPTIONS = OPTIONS
    PAGES = {"mha": MHAPage, "pretrained": PretrainedPage, "train": TrainPage}
    HINTS = True

    def page_created(self, kind: str, page) -> None:
        if kind == "mha":
            page.cell_toggled.connect(self._mask_cell_clicked)

    @Slot(int, int)
    def _mask_cell_clicked(self, query: int, key: int) -> None:
        frame = self.frame
        if frame is None or frame.kind != "mha":
            return
        tokens = [str(t) for t in frame["tokens"]]
        outcome, spec = mask_click(frame["mask"], frame["custom_mask"], query, key)
        if outcome == "fixed":
            self.show_hint(tr("'{query}' → '{key}' is already hidden by the padding or sequence mask.").format(
                query=tokens[query], key=tokens[key]))
        elif outcome == "last_key":
            self.show_hint(tr("Query '{query}' needs at least one key it may look at.").format(query=tokens[query]))
        else:
            self.params_requested.emit({"custom_mask": spec})
