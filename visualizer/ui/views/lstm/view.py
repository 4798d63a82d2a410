"""LSTMView: a real nn.LSTM / nn.GRU / nn.RNN, gate by gate and time step by time step.

One page draws both frame kinds ("lstm", and "compare" when rnn, gru and lstm train side by
side); the `page` view option picks its panel (cell diagram, heatmap, unit trace, unit finder,
training curves, the comparison, samples). The time step t is a view option: ◀ ▶, the
scrubber and the animate toggle live above the figure, and while the view has the focus the
keys [ and ] (or , and .) step t back and forth. Space and the arrow keys are left to the
lesson. The exported data is the frame itself."""

from __future__ import annotations

from PySide6.QtCore import Qt

from visualizer.labs.lstm.config import OPTIONS
from visualizer.ui.views.base import PagedView
from visualizer.ui.views.lstm.page import LSTMPage


class LSTMView(PagedView):
    OPTIONS = OPTIONS
    PAGES = {"lstm": LSTMPage, "compare": LSTMPage}
    WAITING = "Building the recurrent network…"
    HINTS = True
    PAGE_STEP = "step_t"      # [ ] (or , .) step the page's own stepper

    def __init__(self, theme, font_scale: float = 1.0, parent=None):
        super().__init__(theme, font_scale, parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


    def hideEvent(self, event) -> None:  # noqa: N802 - Qt's name
        for page in self.unique_pages():
            page.timer.stop()
        super().hideEvent(event)
