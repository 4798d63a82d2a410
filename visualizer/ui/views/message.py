"""What the centre shows while an explainer loads, or for one that is not built yet.

Plain Qt (no pyqtgraph), so the window can paint it before the plotting library is imported."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout

from visualizer.ui.fonts import font
from visualizer.ui.i18n import tr
from visualizer.ui.views.base import View


class MessageView(View):
    """A view with nothing to draw: a title and a sentence, centred."""

    def __init__(self, theme, font_scale: float = 1.0, title: str = "", text: str = "", parent=None):
        super().__init__(theme, font_scale, parent)
        self._title, self._text = title, text
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addStretch(1)
        self.title_label = QLabel()
        self.text_label = QLabel()
        self.text_label.setWordWrap(True)
        for label in (self.title_label, self.text_label):
            label.setAlignment(Qt.AlignCenter)
            layout.addWidget(label)
        layout.addStretch(2)
        self.restyle()

    def set_message(self, title: str, text: str) -> None:
        self._title, self._text = title, text
        self.retranslate()

    def draw(self, frame) -> None:
        pass

    def data_frame(self):
        return None

    def restyle(self) -> None:
        self.title_label.setFont(font(self.font_scale, bold=True, delta=8))
        self.text_label.setFont(font(self.font_scale, delta=2))
        self.retranslate()

    def retranslate(self) -> None:
        self.title_label.setText(tr(self._title))
        self.text_label.setText(tr(self._text))
