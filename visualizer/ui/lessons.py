"""The lesson beside a view: loading it in the current language, a lesson file the person opens
(File → Open lesson…, maybe a course across explainers), applying a step's state and pace, and
the keys that walk it (Space, →, PageDown: next; ←, PageUp: previous — unless the user types).

The lesson shown is `window.lesson.lesson` (visualizer.core.lessons.Lesson) at
`window.lesson.index`; a presenter view reads `window.lesson.step.notes`, the next step's title
from `lesson.next_step(index)`, and follows `window.lesson.step_changed`."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QComboBox, QFileDialog, QLineEdit, QPlainTextEdit,
                               QTextEdit)

from visualizer.core.errors import ConfigError
from visualizer.core.lessons import Lesson, LessonError, LessonStep, load_lesson, parse_lesson
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
        # every event of the application passes here (~20 a frame while training): the type test
        # first, ten times cheaper than event.type()
        if not isinstance(event, QKeyEvent):
            return False
        if event.type() != QEvent.KeyPress or event.modifiers() & (Qt.ControlModifier | Qt.AltModifier):
            return False
        key = event.key()
        if key not in NEXT_KEYS and key not in PREVIOUS_KEYS:
            return False
        focus = QApplication.focusWidget()
        typing = isinstance(focus, TEXT_INPUTS) and not (hasattr(focus, "isReadOnly") and focus.isReadOnly())
        if typing or (isinstance(focus, QComboBox) and focus.isEditable()):  # the lesson's own text is read-only
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
    window, so the session, the lab, the view and the options panel follow), its view state and
    its pace; a course's step that names another explainer opens it first."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.panel = window.lesson
        self.panel.step_changed.connect(self.step_changed)
        self.user: Lesson | None = None      # a lesson the person opened from a file
        self._builtin_for: str | None = None  # the explainer whose shipped lesson is shown
        self._opening = False                 # a course step is opening its explainer
        self.keys = LessonKeys(window)
        QApplication.instance().installEventFilter(self.keys)

    # ---- which lesson --------------------------------------------------------------------------------
    def load(self) -> None:
        """The lesson for the explainer now shown: a course the person opened keeps going while it
        is on that explainer; otherwise the explainer's own lesson in the current language."""
        w = self.window
        explainer_id = w.explainer.id if w.explainer is not None else None
        if self.user is not None:
            if self._opening or self.user.explainer_at(self.panel.index) == explainer_id:
                return
            self.user = None   # the person went to another explainer: its own lesson
        lesson, problem = None, ""
        if explainer_id is not None:
            try:
                lesson = load_lesson(explainer_id, i18n.language())
            except LessonError as exc:
                problem = str(exc)
            except Exception as exc:  # noqa: BLE001 - a broken lesson never blanks the window
                problem = f"{type(exc).__name__}: {exc}"
        keep = explainer_id == self._builtin_for and lesson is not None and self.panel.lesson is not None \
            and len(lesson.steps) == len(self.panel.lesson.steps)
        index = self.panel.index if keep else 0   # a language switch stays on the step shown
        self._builtin_for = explainer_id
        self.panel.set_lesson(lesson, index, problem)
        if problem:
            w.show_error(f"{tr('The lesson cannot be shown')}: {problem}")
        if not keep:
            self._apply_pace(lesson.steps[0] if lesson is not None else None)

    def open_lesson_file(self, path) -> bool:
        """Open a lesson file (.json or .md) for the current explainer, or a course spanning
        explainers, and go to its first step. A bad file is reported and changes nothing."""
        w = self.window
        current = w.explainer.id if w.explainer is not None else None
        try:
            lesson = parse_lesson(Path(path), explainer=current)
        except LessonError as exc:
            w.show_error(f"{tr('The lesson cannot be opened')}: {exc}")
            return False
        except Exception as exc:  # noqa: BLE001 - a bad file is a message, not a crash
            w.show_error(f"{tr('The lesson cannot be opened')}: {Path(path).name}: {type(exc).__name__}: {exc}")
            return False
        w.clear_error()
        self.user, self._builtin_for = lesson, None
        self.panel.set_lesson(lesson, 0)
        if not self.panel.isVisible():
            w.presentation.set_lesson_visible(True)
        self.step_changed(0)
        return True

    def choose_lesson_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, tr("Open a lesson"), "",
                                              tr("Lessons (*.json *.md)") + ";;" + tr("All files (*)"))
        if path:
            self.open_lesson_file(path)

    # ---- steps ---------------------------------------------------------------------------------------
    def first_step(self) -> LessonStep | None:
        """The state an explainer opens in: its lesson's first step, or for a course the options
        and view that walking to the step shown has set in that explainer."""
        lesson = self.panel.lesson
        if not lesson or not lesson.steps:
            return None
        if lesson is self.user:
            options, view = lesson.state_at(self.panel.index)
            step = lesson.steps[self.panel.index]
            return LessonStep(step.title, step.text, options, view, step.explainer, step.notes, step.pace)
        return lesson.steps[0]

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
        step = lesson.steps[index]
        target = lesson.explainer_at(index) if lesson is self.user else None
        if target is not None and (w.explainer is None or target != w.explainer.id):
            self._opening = True
            try:
                w.open_explainer(target)   # it opens in first_step(): the state of this step
                w.retranslate()
            finally:
                self._opening = False
        else:
            if step.options:
                w.apply_options(step.options)
            if step.view and w.view is not None and w.session is not None:
                options = w.session.options_set
                w.apply_options({k: v for k, v in step.view.items() if k in options and options[k].role == "view"})
                w.view.apply_lesson_state(step.view)
        if w.session is not None:
            w.session.lesson_step = index
        self._apply_pace(step)

    def _apply_pace(self, step: LessonStep | None) -> None:
        self.window.controls.set_pace(step.pace if step is not None else None)

    def close(self) -> None:
        QApplication.instance().removeEventFilter(self.keys)


class LessonActions(QObject):
    """File → Open lesson…; the window's Lessons does the work when the action fires."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.open_action = QAction("", window)
        self.open_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.open_action.triggered.connect(self.choose)

    @Slot()
    def choose(self) -> None:
        self.window.lessons.choose_lesson_file()

    def add_to(self, menu) -> None:
        menu.addAction(self.open_action)

    def actions(self) -> tuple:
        return (self.open_action,)

    def retranslate(self) -> None:
        self.open_action.setText(tr("Open lesson…"))
