"""Presenter view (View → Presenter view, Ctrl+Shift+P): the main window becomes the audience
window in the presentation layout — full screen on another screen when there is one, else the
left part of this screen — and a second window, the presenter's, holds what only the lecturer
sees: the run controls (the window's own Play/Step/Reset actions), the step's title and speaker
notes, the next step's title, the clock and the time since the talk began, Previous and Next.

The lesson keys (Space, →, PageDown; ←, PageUp: what clickers send) and every window key work
from either window. Closing the presenter window, Esc, or the action again leaves presenter mode
and puts the main window back as it was."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QTextBrowser,
                               QToolButton, QVBoxLayout, QWidget)

from visualizer.ui.fonts import font
from visualizer.ui.i18n import tr
from visualizer.ui.lessons import NEXT_KEYS, PREVIOUS_KEYS

AUDIENCE_SHARE = 0.62   # one screen: the audience window's share of its width, the presenter's the rest


def _elapsed_text(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class PresenterWindow(QWidget):
    """The lecturer's window. It only shows the window's lesson and drives the window's actions."""

    closed = Signal()

    def __init__(self, window):
        super().__init__(window, Qt.Window)
        self.main = window
        self.setAttribute(Qt.WA_DeleteOnClose, False)
        self.setFocusPolicy(Qt.StrongFocus)
        self.started = time.monotonic()
        self.scale = window.font_scale

        self.clock = QLabel()
        self.elapsed = QLabel()
        self.restart_button = QPushButton()
        self.restart_button.clicked.connect(self.restart_timer)
        self.counter = QLabel()
        self.lesson_title = QLabel()
        self.lesson_title.setWordWrap(True)
        self.step_title = QLabel()
        self.step_title.setWordWrap(True)
        self.notes_heading = QLabel()
        self.notes = QTextBrowser()
        self.notes.setFrameShape(QFrame.NoFrame)
        self.notes.setOpenExternalLinks(False)
        self.next_heading = QLabel()
        self.next_title = QLabel()
        self.next_title.setWordWrap(True)
        self.prev_button = QPushButton()
        self.next_button = QPushButton()
        self.prev_button.clicked.connect(window.lesson.previous)
        self.next_button.clicked.connect(window.lesson.next)
        # the window's own actions: their state (enabled, Play/Pause text, icon) shows here as well
        self.run_buttons = []
        for action in window.controls.actions_run():
            b = QToolButton()
            b.setDefaultAction(action)
            b.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
            b.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
            self.run_buttons.append(b)
        self.play_button, self.step_button, self.reset_button = self.run_buttons
        for b in self.run_buttons + [self.prev_button, self.next_button, self.restart_button]:
            b.setFocusPolicy(Qt.NoFocus)   # Space and the clicker keys must reach the lesson, not a button
        self.notes.setFocusPolicy(Qt.NoFocus)

        top = QGridLayout()
        top.addWidget(self.clock, 0, 0)
        top.addWidget(self.elapsed, 0, 2, Qt.AlignRight | Qt.AlignVCenter)
        top.addWidget(self.restart_button, 0, 3, Qt.AlignRight | Qt.AlignVCenter)
        top.setColumnStretch(1, 1)
        run = QHBoxLayout()
        for b in self.run_buttons:
            run.addWidget(b)
        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.counter, 1, Qt.AlignCenter)
        nav.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(top)
        layout.addLayout(run)
        layout.addWidget(self.lesson_title)
        layout.addWidget(self.step_title)
        layout.addWidget(self.notes_heading)
        layout.addWidget(self.notes, 1)
        layout.addWidget(self.next_heading)
        layout.addWidget(self.next_title)
        layout.addLayout(nav)

        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        window.lesson.step_changed.connect(self.refresh)
        window.lesson.lesson_changed.connect(self.refresh)
        self.apply_font_scale(self.scale)
        self.retranslate()

    # ---- what it shows -----------------------------------------------------------------------------
    @Slot()
    def refresh(self, *_args) -> None:
        panel = self.main.lesson
        lesson, step = panel.lesson, panel.step
        n = len(lesson.steps) if lesson is not None else 0
        self.counter.setText(tr("Step {k} of {n}").format(k=panel.index + 1 if n else 0, n=n))
        self.prev_button.setEnabled(lesson is not None and panel.index > 0)
        self.next_button.setEnabled(lesson is not None and panel.index < n - 1)
        self.lesson_title.setText(lesson.title if lesson is not None else "")
        if step is None:
            self.step_title.setText(tr("No lesson for this explainer yet"))
            self.notes.setPlainText("")
            self.next_title.setText("")
            return
        self.step_title.setText(step.title)
        if step.notes:
            self.notes.setMarkdown(step.notes)
        else:   # no notes: the step's own text, so the lecturer still has something to read
            self.notes.setMarkdown(f"*{tr('No speaker notes for this step. The lesson text:')}*\n\n{step.text}")
        following = lesson.next_step(panel.index)
        self.next_title.setText(following.title if following is not None else tr("(the last step)"))

    @Slot()
    def tick(self) -> None:
        self.clock.setText(time.strftime("%H:%M"))
        self.elapsed.setText(tr("Elapsed {time}").format(time=_elapsed_text(time.monotonic() - self.started)))

    @Slot()
    def restart_timer(self) -> None:
        self.started = time.monotonic()
        self.tick()

    def apply_font_scale(self, scale: float) -> None:
        self.scale = scale
        self.clock.setFont(font(scale, bold=True, delta=5))
        self.elapsed.setFont(font(scale, bold=True, delta=3))
        for w in (self.counter, self.lesson_title, self.notes_heading, self.next_heading, self.restart_button,
                  self.prev_button, self.next_button, *self.run_buttons):
            w.setFont(font(scale, delta=1))
        self.step_title.setFont(font(scale, bold=True, delta=4))
        self.next_title.setFont(font(scale, bold=True, delta=2))
        self.notes.setFont(font(scale, delta=3))
        self.notes.document().setDefaultFont(font(scale, delta=3))

    def retranslate(self) -> None:
        self.setWindowTitle(tr("Presenter view") + " — visualizer")
        self.restart_button.setText("↺")          # small: the window must fit beside the audience's
        self.restart_button.setToolTip(tr("Restart timer"))
        self.restart_button.setAccessibleName(tr("Restart timer"))
        self.notes_heading.setText(tr("Speaker notes"))
        self.next_heading.setText(tr("Next step"))
        self.prev_button.setText("◀ " + tr("Previous"))
        self.next_button.setText(tr("Next") + " ▶")
        self.tick()
        self.refresh()

    # ---- keys and closing ------------------------------------------------------------------------------
    def keyPressEvent(self, event) -> None:  # noqa: N802
        if not event.modifiers() & (Qt.ControlModifier | Qt.AltModifier):
            if event.key() in NEXT_KEYS:
                self.main.lesson.next()
                return
            if event.key() in PREVIOUS_KEYS:
                self.main.lesson.previous()
                return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802
        self.timer.stop()
        super().closeEvent(event)
        self.closed.emit()


class PresenterMode(QObject):
    """The action, and moving the windows in and out of presenter mode."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.presenter: PresenterWindow | None = None
        self._before: dict | None = None   # how the main window was, to put it back
        self.action = QAction("", window, checkable=True)
        self.action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.action.triggered.connect(self.set_active)
        window.installEventFilter(self)

    @property
    def active(self) -> bool:
        return self.presenter is not None

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self.window and event.type() == QEvent.Close and self.active:
            self.set_active(False)
        return False

    @Slot(bool)
    def set_active(self, on: bool) -> None:
        if on == self.active:
            self.action.setChecked(on)
            return
        self.enter() if on else self.leave()

    def enter(self) -> None:
        w = self.window
        presentation = w.presentation
        self._before = {"geometry": w.saveGeometry(), "fullscreen": w.isFullScreen(),
                        "maximized": w.isMaximized(), "controls": w.menuBar().isVisible()}
        self.presenter = PresenterWindow(w)
        for action in self.window_actions():
            self.presenter.addAction(action)   # their keys work while the presenter window is active
        self.presenter.closed.connect(self._presenter_closed)
        presentation.show_controls(False)      # first: the window's minimum width shrinks
        here = w.screen() or QGuiApplication.primaryScreen()
        others = [s for s in QGuiApplication.screens() if s is not here]
        if w.isFullScreen() or w.isMaximized():
            w.showNormal()
        if others:      # two screens: the audience's full screen there, the presenter's here
            audience = others[0].geometry()
            w.setGeometry(audience)
            w.showFullScreen()
            area = here.availableGeometry()
            self.presenter.setGeometry(area.adjusted(area.width() // 8, area.height() // 8,
                                                     -area.width() // 8, -area.height() // 8))
        else:           # one screen: the two windows side by side
            self._side_by_side(here.availableGeometry())
        presentation.fullscreen_action.setChecked(w.isFullScreen())
        self.presenter.show()
        self.presenter.raise_()
        self.presenter.activateWindow()
        self.action.setChecked(True)

    def _side_by_side(self, area) -> None:
        """The audience window on the left (AUDIENCE_SHARE of the width, or its minimum), the
        presenter's in the rest; on a screen too narrow for both minimums they overlap, the
        presenter's on top."""
        w, p = self.window, self.presenter
        p_min = p.minimumSizeHint().width()
        split = max(w.minimumSizeHint().width(), int(area.width() * AUDIENCE_SHARE))
        split = min(split, max(w.minimumSizeHint().width(), area.width() - p_min))
        w.setGeometry(area.x(), area.y(), split, area.height())
        left = min(area.x() + split, area.right() + 1 - p_min)
        p.setGeometry(left, area.y(), area.right() + 1 - left, area.height())

    def leave(self) -> None:
        presenter, self.presenter = self.presenter, None
        if presenter is not None:
            presenter.closed.disconnect(self._presenter_closed)
            if presenter.isVisible():
                presenter.close()
            presenter.deleteLater()
        w = self.window
        before = self._before or {}
        self._before = None
        presentation = w.presentation
        if w.isFullScreen():
            w.showNormal()
        if before.get("geometry") is not None:
            w.restoreGeometry(before["geometry"])
        if before.get("fullscreen"):
            w.showFullScreen()
        elif before.get("maximized"):
            w.showMaximized()
        presentation.fullscreen_action.setChecked(w.isFullScreen())
        presentation.show_controls(before.get("controls", True))
        self.action.setChecked(False)

    @Slot()
    def _presenter_closed(self) -> None:
        self.set_active(False)

    def window_actions(self) -> tuple:
        """The main window's actions that carry keys (run controls, presentation, drawing, exports)."""
        return tuple(a for a in self.window.actions() if not a.shortcut().isEmpty())

    def apply_font_scale(self, scale: float) -> None:
        if self.presenter is not None:
            self.presenter.apply_font_scale(scale)

    def retranslate(self) -> None:
        self.action.setText(tr("Presenter view"))
        if self.presenter is not None:
            self.presenter.retranslate()
