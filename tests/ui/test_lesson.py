"""Lessons: keys and clickers move through steps, each step sets the lab and the view."""

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from visualizer.core.resources import LANGUAGES, Lesson, LessonStep, load_lesson, parse_lesson
from visualizer.core import registry

LESSON = Lesson("Regression", [
    LessonStep("One", "first", {"features": 3}, {}),
    LessonStep("Two", "second", {"features": 5}, {"show": "loss"}),
    LessonStep("Three", "third", {"lr": 0.2}, {}),
])


@pytest.fixture
def lesson_window(qtbot, monkeypatch, with_test_explainer):
    import visualizer.ui.app as app
    import visualizer.ui.lessons as lessons

    monkeypatch.setattr(lessons, "load_lesson", lambda explainer_id, language: LESSON)
    win = app.MainWindow(explainer="regression")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.view is not None and win.view.frame is not None, timeout=60_000)
    win.activateWindow()
    yield win
    win.close()


def test_space_right_pagedown_next_and_left_pageup_previous(qtbot, lesson_window):
    win = lesson_window
    assert win.lesson.index == 0 and win.lesson.counter.text() == "Step 1 of 3"
    qtbot.keyClick(win.view, Qt.Key_Space)
    assert win.lesson.index == 1
    qtbot.keyClick(win.view, Qt.Key_PageDown)
    assert win.lesson.index == 2
    qtbot.keyClick(win.view, Qt.Key_Right)  # past the end: stays
    assert win.lesson.index == 2
    qtbot.keyClick(win.view, Qt.Key_PageUp)
    assert win.lesson.index == 1
    qtbot.keyClick(win.view, Qt.Key_Left)
    assert win.lesson.index == 0


def test_typing_a_space_in_a_text_field_does_not_turn_the_page(qtbot, lesson_window):
    edit = QLineEdit(lesson_window)
    edit.show()
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key_Space)
    assert lesson_window.lesson.index == 0 and edit.text() == " "


def test_the_explainer_opens_in_the_first_step_state(qtbot, lesson_window):
    assert lesson_window.view.frame["weights"].shape == (1, 3)
    assert lesson_window.options_panel.widgets["features"].value() == 3


def test_a_step_sets_lab_options_and_view_options(qtbot, lesson_window):
    win = lesson_window
    win.lesson.next()
    assert win.view.view_options["show"] == "loss"
    assert win.options_panel.widgets["show"].currentData() == "loss"
    qtbot.waitUntil(lambda: win.view.frame["weights"].shape == (1, 5), timeout=60_000)
    assert win.options_panel.widgets["features"].value() == 5
    win.lesson.next()
    request = win.runner.request("get", "options.lr")   # answered by the lab, after the change
    qtbot.waitUntil(lambda: request.done, timeout=60_000)
    assert request.result() == 0.2


@pytest.mark.parametrize("explainer", [e.id for e in registry.EXPLAINERS if e.ready])
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_shipped_lesson_is_valid_and_sets_known_options(explainer, language):
    lesson = load_lesson(explainer, language)
    assert lesson is not None, f"{explainer} has no lesson"
    options = registry.get(explainer).load_options()
    assert len(lesson.steps) >= 3
    for step in lesson.steps:
        assert step.title.strip() and step.text.strip()
        options.validate({k: v for k, v in step.options.items()})  # every value is valid
        for name in step.view:
            assert options[name].role == "view", f"{explainer}: {name} is not a view option"


def test_lessons_exist_in_both_languages_with_the_same_steps():
    for explainer in (e for e in registry.EXPLAINERS if e.ready):
        en, zh = load_lesson(explainer.id, "en"), load_lesson(explainer.id, "zh_CN")
        assert len(en.steps) == len(zh.steps)
        for a, b in zip(en.steps, zh.steps):
            assert a.options == b.options and a.view == b.view
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.steps[0].text)


def test_a_broken_lesson_file_is_reported(tmp_path):
    bad = tmp_path / "x.en.json"
    bad.write_text(json.dumps({"title": "x", "steps": []}))
    with pytest.raises(ValueError, match="at least one step"):
        parse_lesson(bad)


# ---- lesson files the person opens (File → Open lesson…), courses, pace, F1 -------------------------
USER_MD = """\
---
title: My regression lecture
---
---
title: Three features
options: {"features": 3}
notes: Say why three.
---
Three **features**.
---
title: The loss
view: {"show": "loss"}
pace: 2
---
Now the loss curve, slowly.
"""


def _frame_kind(win):
    return win.view.frame.kind if win.view is not None and win.view.frame is not None else None


def test_a_user_lesson_file_is_opened_and_walked(qtbot, window, tmp_path):
    path = tmp_path / "mine.md"
    path.write_text(USER_MD, encoding="utf-8")
    with qtbot.waitSignal(window.lesson.lesson_changed, timeout=5_000):   # a presenter view follows it
        assert window.lessons.open_lesson_file(path)
    assert window.lesson.lesson.title == "My regression lecture" and window.lesson.index == 0
    assert window.lesson.step.notes == "Say why three."
    assert window.lesson.lesson.next_step(0).title == "The loss"        # what a presenter view shows
    qtbot.waitUntil(lambda: window.view.frame["weights"].shape == (1, 3), timeout=60_000)
    window.activateWindow()
    qtbot.keyClick(window.view, Qt.Key_PageDown)
    assert window.lesson.index == 1 and window.session.lesson_step == 1
    assert window.view.view_options["show"] == "loss"
    assert window.controls.speed() == 2                                 # the step's pace
    qtbot.keyClick(window.view, Qt.Key_PageUp)
    assert window.lesson.index == 0 and window.controls.speed() is None  # pace lifted: Max again


def test_a_course_opens_the_explainer_of_each_step_and_comes_back(qtbot, window, tmp_path):
    course = {"title": "A course", "steps": [
        {"title": "Regression", "text": "a line", "options": {"features": 3}},
        {"title": "Regression again", "text": "more features", "options": {"features": 5}},
        {"title": "ALiBi", "text": "a penalty for distance", "explainer": "positional",
         "options": {"kind": "alibi", "heads": 4, "positions": 12}, "notes": "Point at the diagonal."},
        {"title": "RoPE", "text": "rotation", "options": {"kind": "rope", "positions": 16, "dim": 16}, "pace": 2},
        {"title": "Back", "text": "to the line", "explainer": "regression", "options": {"features": 2}},
    ]}
    path = tmp_path / "course.json"
    path.write_text(json.dumps(course), encoding="utf-8")
    assert window.lessons.open_lesson_file(path)
    window.lesson.go_to(2)                                           # a step of another explainer
    assert window.explainer.id == "positional" and window.session.options["kind"] == "alibi"
    assert window.lesson.lesson.title == "A course" and window.lesson.index == 2   # the course stays
    qtbot.waitUntil(lambda: _frame_kind(window) == "alibi", timeout=60_000)
    window.lesson.next()                                             # same explainer: options applied
    qtbot.waitUntil(lambda: _frame_kind(window) == "rope", timeout=60_000)
    # the pace holds over the RoPE lab's own preferred speed (10 steps/s), which comes back after
    assert window.controls.speed() == 2
    window.lesson.next()
    assert window.explainer.id == "regression" and window.controls.speed() == 10
    qtbot.waitUntil(lambda: _frame_kind(window) == "regression" and window.view.frame["weights"].shape == (1, 2),
                    timeout=60_000)
    window.lesson.go_to(1)                                           # re-entering: what walking there set
    qtbot.waitUntil(lambda: window.view.frame["weights"].shape == (1, 5), timeout=60_000)
    assert window.session.options["features"] == 5


def test_navigating_elsewhere_leaves_the_course_for_that_explainers_own_lesson(qtbot, window, tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"title": "C", "steps": [{"title": "R", "text": "r"}]}), encoding="utf-8")
    assert window.lessons.open_lesson_file(path)
    window.open_explainer("positional")
    assert window.lesson.lesson.title == load_lesson("positional", "en").title


@pytest.mark.parametrize("content, phrase", [
    (b'{"title": "x", "steps": [{"title": "a", "text": "b"}, {"title": "c", "text": "d", "options": 3}]}',
     "bad.json: step 2: 'options' must be an object"),
    (b'{"title": "x", "steps": [{"title": "a", "text": "b", "options": {"featurs": 3}}]}',
     "bad.json: step 1: 'options': unknown option 'featurs' for regression (did you mean 'features'?)"),
    ("{\"title\": \"Le\u00e7on\"}".encode("latin-1"), "bad.json: is not UTF-8 text"),
    (b"", "bad.json: the file is empty"),
])
def test_a_bad_lesson_file_says_what_is_wrong_and_the_window_keeps_working(qtbot, lesson_window, tmp_path,
                                                                           content, phrase):
    win = lesson_window
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    assert not win.lessons.open_lesson_file(path)
    assert phrase in win.last_error and "Traceback" not in win.last_error
    assert win.lesson.lesson is LESSON and win.lesson.index == 0     # the lesson shown is kept
    qtbot.keyClick(win.view, Qt.Key_Space)
    assert win.lesson.index == 1
    step = win.view.frame.step
    win.step_once()
    qtbot.waitUntil(lambda: win.view.frame.step > step, timeout=60_000)


def test_a_shipped_lesson_that_is_not_utf8_does_not_blank_the_window(qtbot, with_test_explainer, tmp_path,
                                                                      monkeypatch):
    """Issue 13, defect 6: the decode error escaped open_explainer, so the view never opened,
    and the explainer was already saved as the one to open next time: blank on every start."""
    import shutil

    from visualizer.core.resources import resources_dir
    from visualizer.ui.app import MainWindow
    from visualizer.ui.views.message import MessageView

    copy = tmp_path / "resources"
    shutil.copytree(resources_dir(), copy)
    (copy / "lessons" / "regression.en.json").write_bytes('{"title": "Le\u00e7on", "steps": []}'.encode("latin-1"))
    monkeypatch.setenv("VISUALIZER_RESOURCES", str(copy))
    for _start in range(2):   # the first start, and the next one that opens the saved explainer
        win = MainWindow(explainer="regression" if _start == 0 else None)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitUntil(lambda: win.view is not None and win.view.frame is not None, timeout=60_000)
        assert win.explainer.id == "regression" and not isinstance(win.view, MessageView)
        assert "regression.en.json: is not UTF-8 text" in win.lesson.problem
        assert "regression.en.json: is not UTF-8 text" in win.last_error
        assert "regression.en.json" in win.lesson.text.toPlainText()
        win.close()


def test_f1_lists_every_key_of_the_window_translated(qtbot, window):
    from PySide6.QtGui import QKeySequence

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(window, Qt.Key_F1)
    qtbot.waitUntil(lambda: window.keys_help.dialog is not None and window.keys_help.dialog.isVisible(),
                    timeout=5_000)
    dialog = window.keys_help.dialog
    play = window.play_action.shortcut().toString(QKeySequence.NativeText)
    assert f"Run | {play} | Play" in dialog.texts()
    assert any("PgDown" in row and "Next step" in row for row in dialog.texts())
    assert any(row.endswith("| Keyboard shortcuts") and "F1" in row for row in dialog.texts())
    assert any("Open lesson…" in row for row in dialog.texts())
    # every action of the window with a key is listed: the list is built from the bindings
    listed = " ".join(dialog.texts())
    for action in window.actions():
        for seq in action.shortcuts():
            assert seq.toString(QKeySequence.NativeText) in listed, action.text()
    try:
        window.presentation.set_language("zh_CN")
        qtbot.waitUntil(lambda: any(f"{play} | 播放" in row for row in dialog.texts()), timeout=5_000)
        assert any("空格" in row and "下一步骤" in row for row in dialog.texts())
        assert dialog.windowTitle() == "键盘快捷键"
    finally:
        window.presentation.set_language("en")
    dialog.close()
