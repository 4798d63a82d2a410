"""What the centre shows while an explainer loads, or for one that is not built yet.

Plain Qt (no pyqtgraph), so the window can paint it before the plotting library is imported."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from visualizer.ui.fonts import font
from visualizer.ui.i18n import tr


class MessageView(QWidget):
    params_requested = Signal(dict)  # never emitted; the window treats every view alike

    def __init__(self, theme, font_scale: float = 1.0, title: str = "", text: str = "", parent=None):
        super().__init__(parent)
        self.theme, self.font_scale = theme, font_scale
        self.frame = None
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

    # the View interface, with nothing to draw
    def show_frame(self, frame) -> None:
        pass

    def set_view_options(self, values: dict) -> None:
        pass

    def apply_lesson_state(self, state: dict) -> None:
        pass

    def figure_widget(self) -> QWidget:
        return self

    def data_frame(self):
        return None

    def apply_theme(self, theme) -> None:
        self.theme = theme
        self.restyle()

    def apply_font_scale(self, scale: float) -> None:
        self.font_scale = scale
        self.restyle()

    def restyle(self) -> None:
        self.title_label.setFont(font(self.font_scale, bold=True, delta=8))
        self.text_label.setFont(font(self.font_scale, delta=2))
        self.retranslate()

    def retranslate(self) -> None:
        self.title_label.setText(tr(self._title))
        self.text_label.setText(tr(self._text))
