"""Presenter view: the lecturer's window shows the step's notes and the next title, follows the
lesson from either window (clickers send PageUp/PageDown), drives the run, and leaving it puts
the main window back in its normal layout."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from shiboken6 import isValid

from visualizer.core.resources import Lesson, LessonStep
from visualizer.ui.runner import PAUSED, RUNNING

LESSON = Lesson("Regression lecture", [
    LessonStep("One", "first text", {}, {}, notes="Say why one."),
    LessonStep("Two", "second text", {}, {}, notes="Point at the loss."),
    LessonStep("Three", "third text", {}, {}),
])


@pytest.fixture
def presenting(qtbot, window):
    window.lesson.set_lesson(LESSON, 0)
    mode = window.presentation.presenter
    assert not mode.active and window.menuBar().isVisible()
    mode.action.trigger()
    assert mode.active
    qtbot.waitUntil(lambda: mode.presenter.isVisible(), timeout=5_000)
    yield window, mode.presenter
    if mode.active:
        mode.set_active(False)


def test_the_presenter_window_shows_the_notes_and_the_next_title(presenting):
    window, presenter = presenting
    assert presenter is not window and presenter.isWindow()
    assert presenter.step_title.text() == "One"
    assert "Say why one." in presenter.notes.toPlainText()
    assert presenter.next_title.text() == "Two"
    assert presenter.counter.text() == "Step 1 of 3"
    assert presenter.clock.text() and "Elapsed" in presenter.elapsed.text()
    # the audience window is in the presentation layout: no menus, no controls, no navigator
    assert not window.menuBar().isVisible() and not window.controls.isVisible() and not window.nav.isVisible()
    assert window.view.isVisible()


def test_it_follows_next_and_previous_and_its_own_buttons(presenting):
    window, presenter = presenting
    window.lesson.next()
    assert presenter.step_title.text() == "Two" and "Point at the loss." in presenter.notes.toPlainText()
    assert presenter.next_title.text() == "Three"
    window.lesson.next()
    assert presenter.step_title.text() == "Three"
    assert "third text" in presenter.notes.toPlainText()     # no notes: the step's text is shown
    assert presenter.next_title.text() == "(the last step)" and not presenter.next_button.isEnabled()
    presenter.prev_button.click()
    assert window.lesson.index == 1 and presenter.step_title.text() == "Two"
    presenter.next_button.click()
    assert window.lesson.index == 2


def _activate(qtbot, widget):
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow, timeout=5_000)


def test_clicker_keys_work_from_either_window(qtbot, presenting):
    """A clicker types into whichever window is active: the presenter's or the audience's."""
    window, presenter = presenting
    _activate(qtbot, presenter)
    qtbot.keyClick(presenter, Qt.Key_PageDown)
    assert window.lesson.index == 1 and presenter.step_title.text() == "Two"
    _activate(qtbot, window)
    qtbot.keyClick(window.view, Qt.Key_PageDown)
    assert window.lesson.index == 2 and presenter.step_title.text() == "Three"
    _activate(qtbot, presenter)
    qtbot.keyClick(presenter, Qt.Key_PageUp)
    assert window.lesson.index == 1
    qtbot.keyClick(presenter, Qt.Key_Space)
    assert window.lesson.index == 2
    qtbot.keyClick(presenter, Qt.Key_Left)
    assert window.lesson.index == 1
    _activate(qtbot, window)
    qtbot.keyClick(window.view, Qt.Key_PageUp)
    assert window.lesson.index == 0 and presenter.step_title.text() == "One"


def test_window_keys_work_from_the_presenter_window(qtbot, presenting):
    window, presenter = presenting
    _activate(qtbot, presenter)
    qtbot.keyClick(presenter, Qt.Key_D)                       # the pen, from the presenter's keyboard
    assert window.presentation.ink.tool == "pen"
    qtbot.keyClick(presenter, Qt.Key_Escape)                  # puts the pen down; presenter mode stays
    assert window.presentation.ink.tool is None and window.presentation.presenter.active
    qtbot.keyClick(presenter, Qt.Key_P, Qt.ControlModifier | Qt.ShiftModifier)
    assert not window.presentation.presenter.active


def test_its_play_button_drives_the_runner(qtbot, presenting):
    window, presenter = presenting
    qtbot.waitUntil(lambda: window.play_action.isEnabled(), timeout=30_000)
    assert presenter.play_button.defaultAction() is window.play_action
    was = window.runner.state
    presenter.play_button.click()
    qtbot.waitUntil(lambda: window.runner.state == (PAUSED if was == RUNNING else RUNNING), timeout=30_000)
    step = window.view.frame.step
    if window.runner.state == RUNNING:
        qtbot.waitUntil(lambda: window.view.frame.step > step, timeout=30_000)
    presenter.play_button.click()
    qtbot.waitUntil(lambda: window.runner.state == was, timeout=30_000)


def test_the_text_follows_the_language(qtbot, presenting):
    window, presenter = presenting
    window.presentation.set_language("zh_CN")
    try:
        assert presenter.notes_heading.text() == "演讲备注"
        # the language change reloads the explainer's own lesson (the test explainer has none)
        assert presenter.step_title.text() == "这个讲解模块还没有课程"
        assert presenter.counter.text() == "步骤 0 / 0" and presenter.next_title.text() == ""
    finally:
        window.presentation.set_language("en")


@pytest.mark.parametrize("how", ["close", "action", "escape"])
def test_leaving_restores_the_layout(qtbot, presenting, how):
    window, presenter = presenting
    mode = window.presentation.presenter
    if how == "close":
        presenter.close()
    elif how == "action":
        mode.action.trigger()
    else:
        window.presentation.leave_action.trigger()
    assert not mode.active and not mode.action.isChecked()
    assert window.menuBar().isVisible() and window.controls.isVisible() and window.nav.isVisible()
    assert not window.isFullScreen()
    qtbot.waitUntil(lambda: not isValid(presenter), timeout=5_000)   # closed and deleted
    window.lesson.next()                      # nothing still connected to the old window breaks this
    assert window.lesson.index == 1
    mode.action.trigger()                     # and presenter mode can be entered again
    assert mode.active and mode.presenter is not presenter and mode.presenter.step_title.text() == "Two"


def test_closing_the_main_window_leaves_presenter_mode(qtbot, presenting):
    window, presenter = presenting
    window.close()
    assert not window.presentation.presenter.active and not presenter.isVisible()


def test_one_screen_puts_the_two_windows_side_by_side(presenting):
    from PySide6.QtGui import QGuiApplication

    window, presenter = presenting
    if len(QGuiApplication.screens()) > 1:
        assert window.isFullScreen()
        assert window.screen() is not presenter.screen()
    else:
        area = window.screen().availableGeometry()
        main, side = window.geometry(), presenter.geometry()
        assert main.left() >= area.left() and side.right() <= area.right()       # both on the screen
        assert main.left() < side.left()                                          # the audience's left
        fits = window.minimumSizeHint().width() + presenter.minimumSizeHint().width() <= area.width()
        assert fits == (window.geometry().right() < presenter.geometry().left())


def _luminance(color) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def _contrast(a, b) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_high_contrast_theme_reaches_the_view_and_the_presenter(qtbot, presenting):
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    from visualizer.ui.theme import HIGH_CONTRAST

    window, presenter = presenting
    window.presentation.theme_actions["high-contrast"].trigger()
    try:
        assert window.theme is HIGH_CONTRAST and window.view.theme is HIGH_CONTRAST
        assert window.presentation.theme_actions["high-contrast"].isChecked()
        assert HIGH_CONTRAST.dark and HIGH_CONTRAST.pen_width(1.5) > 1.5     # dark colours, thicker lines
        palette = presenter.palette()
        assert palette.color(QPalette.Window) == QColor("#000000")
        assert palette.color(QPalette.WindowText) == QColor("#ffffff")
        assert QApplication.instance().styleSheet()                          # outlined controls
        black = QColor(HIGH_CONTRAST.background)
        for color in (HIGH_CONTRAST.foreground, HIGH_CONTRAST.accent, *HIGH_CONTRAST.series):
            assert _contrast(QColor(color), black) >= 7.0, color             # WCAG AAA for text
    finally:
        window.presentation.apply_theme("light", save=False)
    assert not QApplication.instance().styleSheet()
    assert presenter.palette().color(QPalette.Window) != QColor("#000000")
