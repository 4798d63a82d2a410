"""GNNView: real PyG layers passing messages on a real graph, node by node and layer by layer.

One page (frame kind "gnn"): the graph, the selected node's message table, the embedding
space, the training curves and the over-smoothing plot. The shown (layer, phase) is a view
option pair: ◀ ▶ above the figure and, while the view has the focus, the keys [ and ] (or ,
and .) step through message → aggregate → update, layer by layer. Space and the arrow keys are
left to the lesson. A click on a node asks the lab for it (params_requested({"node": id})).
The exported data is the frame itself."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer

from visualizer.labs.gnn.config import OPTIONS
from visualizer.labs.gnn.progress import FRAME_KIND, PROGRESS
from visualizer.ui.i18n import tr
from visualizer.ui.views.base import PagedView
from visualizer.ui.views.gnn.page import GNNPage
from visualizer.ui.views.gnn.words import loading_words


class GNNView(PagedView):
    OPTIONS = OPTIONS
    PAGES = {"gnn": GNNPage}
    WAITING = "Loading the graph and building the GNN…"
    HINTS = True
    PAGE_STEP = "step"      # [ ] (or , .) step the page's own stepper

    LOADING_POLL_MS = 250

    def __init__(self, theme, font_scale: float = 1.0, parent=None):
        super().__init__(theme, font_scale, parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.loading_text = ""
        self.waiting.setWordWrap(True)        # the waiting line and its progress fit a narrow pane
        # a graph built in this process (a script, the tests, a thread runner) reports its progress
        # in visualizer.labs.gnn.progress; a runner in another process forwards "gnn_loading" frames
        self._loading_timer = QTimer(self)
        self._loading_timer.setInterval(self.LOADING_POLL_MS)
        self._loading_timer.timeout.connect(self.poll_loading)
        self._loading_timer.start()

    def show_frame(self, frame) -> None:
        if frame.kind == FRAME_KIND:          # progress facts, not a figure: the last figure stays
            self.show_loading(frame.info)
            return
        if self.loading_text:
            self.show_loading({})
        super().show_frame(frame)

    def poll_loading(self) -> None:
        facts = PROGRESS.facts()
        if facts.get("loading_active") or self.loading_text:
            self.show_loading(facts)

    def show_loading(self, facts: dict) -> None:
        """The build's progress in words: under the waiting line before the first figure, on the
        status line under the figure while a new graph loads."""
        text = loading_words(facts)
        if text == self.loading_text:
            return
        self.loading_text = text
        if self.current_page() is None:
            self.waiting.setText(tr(self.WAITING) + ("\n" + text if text else ""))
        else:
            self.show_hint(text)

    def retranslate(self) -> None:
        self.loading_text = ""
        super().retranslate()
