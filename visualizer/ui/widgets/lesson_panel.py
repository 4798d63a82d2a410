"""The lesson beside each view: step title, text, "Step k of n", previous/next."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from visualizer.core.resources import Lesson
from visualizer.ui.i18n import tr
from visualizer.ui.fonts import font


class LessonPanel(QWidget):
    step_changed = Signal(int)  # the index of the step now shown (its state should be applied)
    lesson_changed = Signal()   # another lesson (or none) is shown; a presenter view re-reads it

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.lesson: Lesson | None = None
        self.problem = ""   # why there is no lesson (a broken file), in words
        self.index = 0
        self.scale = 1.0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        self.lesson_title = QLabel()
        self.lesson_title.setWordWrap(True)
        self.step_title = QLabel()
        self.step_title.setWordWrap(True)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        self.text.setFrameShape(QTextBrowser.NoFrame)
        self.counter = QLabel()
        self.counter.setAlignment(Qt.AlignCenter)
        self.prev_button = QPushButton()
        self.next_button = QPushButton()
        self.prev_button.clicked.connect(self.previous)
        self.next_button.clicked.connect(self.next)
        for b in (self.prev_button, self.next_button):
            b.setFocusPolicy(Qt.NoFocus)  # Space must reach the window's lesson keys, not a button
        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.counter, 1)
        nav.addWidget(self.next_button)
        layout.addWidget(self.lesson_title)
        layout.addWidget(self.step_title)
        layout.addWidget(self.text, 1)
        layout.addLayout(nav)
        self.apply_font_scale(1.0)
        self.set_lesson(None)

    def set_lesson(self, lesson: Lesson | None, index: int = 0, problem: str = "") -> None:
        """Show `lesson` at step `index`; with no lesson, `problem` says why (a broken file)."""
        self.lesson = lesson
        self.problem = "" if lesson is not None else problem
        self.index = max(0, min(index, len(lesson.steps) - 1)) if lesson else 0
        self._show()
        self.lesson_changed.emit()

    @property
    def step(self):
        """The step shown, or None."""
        return self.lesson.steps[self.index] if self.lesson is not None else None

    def go_to(self, index: int) -> None:
        if self.lesson is None or not 0 <= index < len(self.lesson.steps):
            return
        self.index = index
        self._show()
        self.step_changed.emit(index)

    def next(self) -> None:
        self.go_to(self.index + 1)

    def previous(self) -> None:
        self.go_to(self.index - 1)

    def _show(self) -> None:
        self.retranslate()
        if self.lesson is None:
            self.lesson_title.setText("")
            if self.problem:
                self.step_title.setText(tr("The lesson cannot be shown"))
                self.text.setPlainText(self.problem)
            else:
                self.step_title.setText(tr("No lesson for this explainer yet"))
                self.text.setMarkdown("")
            return
        step = self.lesson.steps[self.index]
        self.lesson_title.setText(self.lesson.title)
        self.step_title.setText(step.title)
        self.text.setMarkdown(step.text)

    def apply_font_scale(self, scale: float) -> None:
        self.scale = scale
        self.lesson_title.setFont(font(scale, delta=0))
        self.step_title.setFont(font(scale, bold=True, delta=4))
        self.text.setFont(font(scale, delta=2))
        self.text.document().setDefaultFont(font(scale, delta=2))
        self.counter.setFont(font(scale))
        for b in (self.prev_button, self.next_button):
            b.setFont(font(scale))

    def retranslate(self) -> None:
        self.prev_button.setText("◀ " + tr("Previous"))
        self.next_button.setText(tr("Next") + " ▶")
        n = len(self.lesson.steps) if self.lesson else 0
        self.counter.setText(tr("Step {k} of {n}").format(k=self.index + 1 if n else 0, n=n))
        self.prev_button.setEnabled(self.lesson is not None and self.index > 0)
        self.next_button.setEnabled(self.lesson is not None and self.index < n - 1)
