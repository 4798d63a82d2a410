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
    qtbot.waitUntil(lambda: win.view is not None and win.view.frame is not None, timeout=15_000)
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
    qtbot.waitUntil(lambda: win.view.frame["weights"].shape == (1, 5), timeout=15_000)
    assert win.options_panel.widgets["features"].value() == 5
    win.lesson.next()
    done = []
    win.runner.call(lambda lab: done.append(lab.options["lr"]))
    qtbot.waitUntil(lambda: bool(done), timeout=15_000)
    assert done == [0.2]


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
