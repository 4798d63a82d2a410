"""GNNView: real PyG layers passing messages on a real graph, node by node and layer by layer.

One page (frame kind "gnn"): the graph, the selected node's message table, the embedding
space, the training curves and the over-smoothing plot. The shown (layer, phase) is a view
option pair: ◀ ▶ above the figure and, while the view has the focus, the keys [ and ] (or ,
and .) step through message → aggregate → update, layer by layer. Space and the arrow keys are
left to the lesson. A click on a node asks the lab for it (params_requested({"node": id})).
The exported data is the frame itself."""

from __future__ import annotations

from PySide6.QtCore import Qt

from visualizer.labs.gnn.config import OPTIONS
from visualizer.ui.views.base import PagedView
from visualizer.ui.views.gnn.page import GNNPage

BACK_KEYS = (Qt.Key.Key_BracketLeft, Qt.Key.Key_Comma)
FORWARD_KEYS = (Qt.Key.Key_BracketRight, Qt.Key.Key_Period)


class GNNView(PagedView):
    OPTIONS = OPTIONS
    PAGES = {"gnn": GNNPage}
    WAITING = "Loading the graph and building the GNN…"
    HINTS = True

    def __init__(self, theme, font_scale: float = 1.0, parent=None):
        super().__init__(theme, font_scale, parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        page = self.current_page()
        key = event.key()
        if page is not None and event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier) \
                and key in BACK_KEYS + FORWARD_KEYS:
            page.step(-1 if key in BACK_KEYS else 1)
            event.accept()
            return
        super().keyPressEvent(event)
