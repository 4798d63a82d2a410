"""A "Loading…" veil over the figure while the lab builds or loads a model (a MiniLM load takes
seconds): the old figure stays visible underneath, dimmed, so nobody mistakes it for the new one."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QLabel, QWidget

from visualizer.ui.i18n import tr

DELAY_MS = 250   # a rebuild quicker than this shows no veil (no flicker on small labs)


class LoadingOverlay(QWidget):
    def __init__(self, target: QWidget):
        super().__init__(target)
        self.target = target
        self.setAttribute(Qt.WA_TransparentForMouseEvents, False)
        self.label = QLabel(self)
        self.label.setAlignment(Qt.AlignCenter)
        self._dark = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._show_now)
        target.installEventFilter(self)
        self.hide()

    def set_loading(self, loading: bool, dark: bool = False, font_scale: float = 1.0) -> None:
        self._dark = dark
        self.label.setStyleSheet(f"font-size: {round(18 * font_scale)}px; font-weight: 600; "
                                 f"color: {'#f0f0f0' if dark else '#202020'};")
        if loading:
            if not self.isVisible() and not self._timer.isActive():
                self._timer.start(DELAY_MS)
        else:
            self._timer.stop()
            self.hide()

    def _show_now(self) -> None:
        self.label.setText(tr("Loading…"))
        self.setGeometry(self.target.rect())
        self.label.setGeometry(self.rect())
        self.show()
        self.raise_()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self.target and event.type() == QEvent.Resize:
            self.setGeometry(self.target.rect())
            self.label.setGeometry(self.rect())
        return False

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0, 140) if self._dark else QColor(255, 255, 255, 170))
