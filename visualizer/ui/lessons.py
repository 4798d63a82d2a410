"""The lesson beside a view: loading it in the current language, applying a step's state, and
the keys that walk it (Space, →, PageDown: next; ←, PageUp: previous — unless the user types)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit

from visualizer.core.errors import ConfigError
from visualizer.core.resources import LessonError, load_lesson
from visualizer.ui import i18n
from visualizer.ui.i18n import tr

TEXT_INPUTS = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)
NEXT_KEYS = (Qt.Key_Space, Qt.Key_Right, Qt.Key_PageDown)
PREVIOUS_KEYS = (Qt.Key_Left, Qt.Key_PageUp)


class LessonKeys(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() != QEvent.KeyPress or event.modifiers() & (Qt.ControlModifier | Qt.AltModifier):
            return False
        key = event.key()
        if key not in NEXT_KEYS and key not in PREVIOUS_KEYS:
            return False
        focus = QApplication.focusWidget()
        if isinstance(focus, TEXT_INPUTS) or (isinstance(focus, QComboBox) and focus.isEditable()):
            return False
        if not self.window.isActiveWindow() and QApplication.activeWindow() is not None:
            return False
        if key in NEXT_KEYS:
            self.window.lesson.next()
        else:
            self.window.lesson.previous()
        return True


class Lessons(QObject):
    """Drives the window's LessonPanel: a step the person reaches sets its options (through the
    window, so the session, the lab, the view and the options panel follow) and its view state."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.panel = window.lesson
        self.panel.step_changed.connect(self.step_changed)
        self.keys = LessonKeys(window)
        QApplication.instance().installEventFilter(self.keys)

    def load(self) -> None:
        w = self.window
        try:
            lesson = load_lesson(w.explainer.id, i18n.language())
        except LessonError as exc:
            lesson = None
            w.show_error(str(exc))
        self.panel.set_lesson(lesson, 0)

    def first_step(self):
        lesson = self.panel.lesson
        return lesson.steps[0] if lesson and lesson.steps else None

    def apply_first_step(self, session) -> None:
        """Open the explainer in its lesson's first-step state (the defaults if that step is bad)."""
        first = self.first_step()
        if first is None:
            return
        try:
            session.update({**first.options, **first.view})
        except ConfigError as exc:
            self.window.show_error(f"{tr('The lesson asks for an invalid option')}: {exc}")

    @Slot(int)
    def step_changed(self, index: int) -> None:
        w = self.window
        lesson = self.panel.lesson
        if lesson is None:
            return
        if w.session is not None:
            w.session.lesson_step = index
        step = lesson.steps[index]
        if step.options:
            w.apply_options(step.options)
        if step.view and w.view is not None and w.session is not None:
            options = w.session.options_set
            w.apply_options({k: v for k, v in step.view.items() if k in options and options[k].role == "view"})
            w.view.apply_lesson_state(step.view)

    def close(self) -> None:
        QApplication.instance().removeEventFilter(self.keys)
