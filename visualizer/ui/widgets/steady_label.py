"""SteadyLabel: a widget label for a counter that changes a few times a second."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QLabel

UNBOUNDED = 16777215   # QWIDGETSIZE_MAX


class SteadyLabel(QLabel):
    """A QLabel for a text that changes a few times a second (steps/s, "step 1200 of 3400"). A
    plain QLabel's new text invalidates every layout up to the window, which lays itself out again;
    this one keeps a fixed size that only grows, so a new text repaints the label alone. A new
    font (presentation zoom) or language fits it again."""

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self._fit(grow_only=True)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.LanguageChange, QEvent.Type.StyleChange):
            self._fit(grow_only=False)

    def _fit(self, grow_only: bool) -> None:
        if not grow_only:
            self.setMinimumSize(0, 0)    # a QLabel's size hint is at least its minimum width
            self.setMaximumSize(UNBOUNDED, UNBOUNDED)
        hint = self.sizeHint()
        width, height = hint.width(), hint.height()
        if grow_only and self.minimumSize() == self.maximumSize():
            width, height = max(width, self.minimumWidth()), max(height, self.minimumHeight())
            if (width, height) == (self.minimumWidth(), self.minimumHeight()):
                return
        self.setFixedSize(width, height)
