"""The error banner over the view: a message in words, selectable, with a close button."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget


class ErrorBanner(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.clicked.connect(self.clear)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.close_button, 0, Qt.AlignTop)
        self.message = ""
        self.hide()

    def show_message(self, message: str) -> None:
        self.message = message
        self.label.setText("⚠  " + message)
        self.show()

    def clear(self) -> None:
        self.message = ""
        self.hide()

    def apply_theme(self, dark: bool) -> None:
        colours = ("#7f1d1d", "#fee2e2") if dark else ("#fee2e2", "#7f1d1d")
        self.label.setStyleSheet("QLabel { background: %s; color: %s; padding: 8px; border-radius: 4px; }" % colours)
