"""The lesson schema (visualizer.core.lessons): one for every lesson, JSON or Markdown, with
errors that name the file, the step and the field; and every shipped lesson keeps it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from visualizer.core import registry
from visualizer.core.lessons import (Lesson, LessonError, LessonStep, lesson_from_dict, lesson_to_markdown,
                                     load_lesson, markdown_to_dict, parse_lesson)
from visualizer.core.resources import LANGUAGES, resources_dir

READY = [e.id for e in registry.ready()]

COURSE_JSON = {
    "title": "From attention to GANs",
    "steps": [
        {"title": "Attention", "text": "Look at **one** head.", "explainer": "attention",
         "options": {"model": "mha", "heads": 2}, "view": {"head": 1}, "notes": "Point at row 3."},
        {"title": "Causal", "text": "Now mask the future.", "options": {"causal": True}},
        {"title": "A GAN", "text": "Two players.\n\nThe second paragraph.", "explainer": "gan",
         "options": {"distribution": "ring8", "phase": "both"}, "view": {"show_arrows": True},
         "pace": 10, "notes": "Wait for the ring.\nThen ask: where is D undecided?"},
    ],
}

COURSE_MD = """\
---
title: From attention to GANs
---
---
title: Attention
explainer: attention
options: {"model": "mha", "heads": 2}
view: {"head": 1}
notes: Point at row 3.
---
Look at **one** head.

---
title: Causal
options: {"causal": true}
---
Now mask the future.
---
title: A GAN
# a comment line in the front matter
explainer: gan
options: {"distribution": "ring8", "phase": "both"}
view: {"show_arrows": true}
pace: 10
notes: "Wait for the ring.\\nThen ask: where is D undecided?"
---
Two players.

The second paragraph.
"""


def write(tmp_path, name, content, encoding="utf-8"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding=encoding)
    return path


def one_step(**fields):
    return {"title": "L", "steps": [{"title": "S", "text": "t", **fields}]}


# ---- the schema ------------------------------------------------------------------------------------
def test_a_course_parses_with_every_field(tmp_path):
    lesson = parse_lesson(write(tmp_path, "course.json", COURSE_JSON))
    first, second, third = lesson.steps
    assert first.explainer == "attention" and first.notes == "Point at row 3." and first.pace is None
    assert second.explainer is None and second.notes == ""
    assert third.explainer == "gan" and third.pace == 10.0 and third.view == {"show_arrows": True}
    assert [lesson.explainer_at(i) for i in range(3)] == ["attention", "attention", "gan"]
    # re-entering step 2 sets what walking there set; a new explainer starts from its own state
    assert lesson.state_at(1) == ({"model": "mha", "heads": 2, "causal": True}, {"head": 1})
    assert lesson.state_at(2) == ({"distribution": "ring8", "phase": "both"}, {"show_arrows": True})
    assert lesson.next_step(1) is third and lesson.next_step(2) is None


def test_markdown_reads_to_the_same_lesson_as_json(tmp_path):
    from_json = parse_lesson(write(tmp_path, "course.json", COURSE_JSON))
    from_md = parse_lesson(write(tmp_path, "course.md", COURSE_MD))
    assert from_md.steps == from_json.steps and from_md.title == from_json.title
    assert from_md.steps[2].notes == "Wait for the ring.\nThen ask: where is D undecided?"


@pytest.mark.parametrize("explainer", READY)
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_shipped_lesson_round_trips_through_markdown(tmp_path, explainer, language):
    lesson = load_lesson(explainer, language)
    path = write(tmp_path, f"{explainer}.{language}.md", lesson_to_markdown(lesson))
    again = parse_lesson(path, explainer=explainer)
    assert again.steps == lesson.steps and again.title == lesson.title
    assert lesson_from_dict(json.loads(json.dumps(lesson.to_dict())), "x.json", explainer).steps == lesson.steps


@pytest.mark.parametrize("explainer", READY)
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_shipped_lesson_keeps_the_schema_with_notes_and_paces(explainer, language):
    lesson = load_lesson(explainer, language)
    assert isinstance(lesson, Lesson) and lesson.explainer == explainer and len(lesson.steps) >= 3
    options = registry.get(explainer).load_options()
    for step in lesson.steps:
        assert step.title.strip() and step.text.strip()
        assert step.notes.strip(), f"{explainer}.{language}: {step.title!r} has no speaker notes"
        assert step.pace is None or step.pace > 0
        assert all(options[n].role != "view" for n in step.options)
        assert all(options[n].role == "view" for n in step.view)
    if language == "zh_CN":
        assert all(any("\u4e00" <= c <= "\u9fff" for c in s.notes) for s in lesson.steps)
        # the buttons by the names the translated window gives them ("按下 Play" named no button)
        catalog = json.loads((resources_dir() / "i18n" / "zh_CN" / "app.json").read_text(encoding="utf-8"))
        for button in ("Play", "Pause", "Step", "Reset"):
            for step in lesson.steps:
                assert not re.search(rf"\b{button}\b", step.text + step.notes), \
                    f"{explainer}.zh_CN {step.title!r} says {button!r}, the window says {catalog[button]!r}"


def test_the_lessons_about_dynamics_set_a_pace_the_same_in_both_languages():
    for explainer in READY:
        en, zh = load_lesson(explainer, "en"), load_lesson(explainer, "zh_CN")
        assert [s.pace for s in en.steps] == [s.pace for s in zh.steps], explainer
    paced = {e: [s for s in load_lesson(e, "en").steps if s.pace] for e in ("gan", "lstm", "attention")}
    assert all(paced.values()), {e: len(s) for e, s in paced.items()}
    # the tiny transformer's training step and the ring GAN are slowed to a readable pace
    assert any(s.options.get("model") == "train" and s.pace <= 30 for s in paced["attention"])
    gan = load_lesson("gan", "en").steps
    assert all(s.pace for s in gan) and gan[0].pace <= 30   # the ring does not converge before it is seen


# ---- errors: file, step, field ---------------------------------------------------------------------
@pytest.mark.parametrize("doc, message", [
    ({"title": "L", "steps": [{"title": "a", "text": "t"}, {"title": "b", "text": "t"},
                              {"title": "c", "text": "t", "options": [1]}]},
     "my.json: step 3: 'options' must be an object, not a list"),
    (one_step(view="layer 2"), "my.json: step 1: 'view' must be an object, not a text"),
    (one_step(explainer="gann"), "my.json: step 1: 'explainer': unknown explainer 'gann'; known: attention"),
    (one_step(explainer="gan", options={"lr": 0.1}), "my.json: step 1: 'options': unknown option 'lr' for gan"),
    (one_step(explainer="gan", options={"lr_d": "fast"}), "my.json: step 1: 'options.lr_d': expected a number"),
    (one_step(explainer="gan", options={"lr_d": -1}), "my.json: step 1: 'options.lr_d': must be at least"),
    (one_step(explainer="gan", options={"show_arrows": True}),
     "my.json: step 1: 'options': 'show_arrows' is a view option of gan; put it under 'view'"),
    (one_step(explainer="gan", view={"phase": "d"}),
     "my.json: step 1: 'view': 'phase' is a live option of gan; put it under 'options'"),
    (one_step(explainer="gan", optoins={}), "my.json: step 1: unknown field 'optoins' (did you mean 'options'?)"),
    (one_step(pace=0), "my.json: step 1: 'pace' must be a number of steps per second above 0"),
    (one_step(pace="fast"), "my.json: step 1: 'pace' must be a number"),
    (one_step(pace=True), "my.json: step 1: 'pace' must be a number"),
    (one_step(notes=["a"]), "my.json: step 1: 'notes' must be a text, not a list"),
    (one_step(text=""), "my.json: step 1: 'text' must be a non-empty text"),
    ({"title": "L", "steps": [{"text": "t"}]}, "my.json: step 1: 'title' is missing"),
    ({"title": "L", "steps": ["x"]}, "my.json: step 1: a step must be an object, not a text"),
    ({"title": "L", "steps": []}, "my.json: a lesson needs at least one step"),
    ({"title": "L", "steps": {}}, "my.json: 'steps' must be a list of steps"),
    ({"steps": []}, "my.json: 'title' must be a non-empty text"),
    ({"title": "L", "step": []}, "my.json: unknown field 'step' (did you mean 'steps'?)"),
    ([1, 2], "my.json: a lesson must be an object with 'title' and 'steps', not a list"),
    (one_step(options={"lr_d": 0.1}), "my.json: step 1: sets options but no explainer is named for it"),
])
def test_a_bad_lesson_names_the_file_the_step_and_the_field(tmp_path, doc, message):
    with pytest.raises(LessonError) as info:
        parse_lesson(write(tmp_path, "my.json", doc))
    assert str(info.value).startswith(message), str(info.value)
    assert "\n" not in str(info.value)


def test_options_are_checked_for_the_explainer_in_force_and_coerced(tmp_path):
    # step 2 has no explainer of its own: the lesson's explainer (the one passed) applies
    doc = {"title": "L", "steps": [{"title": "a", "text": "t", "options": {"k_d": "3"}},
                                   {"title": "b", "text": "t", "options": {"heads": 2}}]}
    with pytest.raises(LessonError, match=r"^my\.json: step 2: 'options': unknown option 'heads' for gan"):
        parse_lesson(write(tmp_path, "my.json", doc), explainer="gan")
    lesson = parse_lesson(write(tmp_path, "ok.json", {**doc, "steps": doc["steps"][:1]}), explainer="gan")
    assert lesson.steps[0].options == {"k_d": 3}


@pytest.mark.parametrize("content, message", [
    (b"", "my.json: the file is empty"),
    (b"  \n\t\n", "my.json: the file is empty"),
    ('{"title": "Le\u00e7on"}'.encode("latin-1"),
     "my.json: is not UTF-8 text (byte 0xe7 at offset 13); save it as UTF-8"),
    (b'{"title": "x", "steps": [', "my.json: is not valid JSON (line 1, column 26"),
    (b"\xff\xfe{\x00}\x00", "my.json: is not UTF-8 text"),
    (b"[" * 100_000, "my.json: is not valid JSON"),
])
def test_a_file_that_is_not_a_lesson_is_one_line_and_never_another_exception(tmp_path, content, message):
    with pytest.raises(LessonError) as info:
        parse_lesson(write(tmp_path, "my.json", content))
    assert str(info.value).startswith(message), str(info.value)
    assert "\n" not in str(info.value)


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = write(tmp_path, "bom.json", b"\xef\xbb\xbf" + json.dumps(one_step()).encode())
    assert parse_lesson(path).steps[0].title == "S"


def test_a_missing_file_or_a_folder_is_a_lesson_error(tmp_path):
    with pytest.raises(LessonError, match=r"^nope\.json: cannot be read"):
        parse_lesson(tmp_path / "nope.json")
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(LessonError, match=r"^dir\.json: is a folder"):
        parse_lesson(tmp_path / "dir.json")


@pytest.mark.parametrize("content, message", [
    ("title: x\n---\n", "my.md: line 1: a Markdown lesson starts with '---'"),
    ("---\ntitle: x\n", "my.md: line 1: the front matter opened here is not closed"),
    ("---\ntitle: x\n---\n---\ntitle a\n---\nbody\n", "my.md: line 5: expected 'key: value' in the front matter"),
    ("---\ntitle: x\n---\n---\ntitle: a\ntitle: b\n---\nbody\n", "my.md: line 6: 'title' is given twice"),
    ("---\ntitle: x\n---\n---\ntitle: a\nexplainer: gan\noptions: {phase: d}\n---\nbody\n",
     "my.md: step 1 (line 7): 'options' is not valid JSON"),
    ("---\ntitle: x\n---\n---\ntitle: a\nexplainer: gan\noptions: {\"phase\": \"x\"}\n---\nbody\n",
     "my.md: step 1: 'options.phase': must be one of"),
    ("---\ntitle: x\n---\n---\ntitle: a\nopts: {}\n---\nbody\n", "my.md: step 1: unknown field 'opts'"),
    ("---\ntitle: x\n---\n---\ntitle: a\n---\n\n", "my.md: step 1: 'text' must be a non-empty text"),
    ("---\ntitle: x\n---\nstray text\n---\ntitle: a\n---\nbody\n", "my.md: line 1: the lesson's front matter is "
                                                                    "followed by text"),
    ("---\ntitle: x\n---\n", "my.md: a lesson needs at least one step"),
    ("---\ntitle: x\n---\n---\ntitle: a\ntext: hello\n---\nbody\n", "my.md: step 1 (line 6): 'text' is the step's"),
])
def test_a_bad_markdown_lesson_names_the_line_or_the_step(tmp_path, content, message):
    with pytest.raises(LessonError) as info:
        parse_lesson(write(tmp_path, "my.md", content))
    assert str(info.value).startswith(message), str(info.value)


def test_markdown_writing_refuses_a_text_with_a_fence_line():
    lesson = Lesson("L", [LessonStep("a", "before\n---\nafter")])
    with pytest.raises(LessonError, match="step 1: its text has a '---' line"):
        lesson_to_markdown(lesson)
    spaced = lesson_to_markdown(Lesson("L", [LessonStep(" a", "b")]))   # kept as a JSON string
    assert markdown_to_dict(spaced, "x.md")["steps"][0]["title"] == " a"


def test_the_old_names_still_import_from_resources():
    from visualizer.core import lessons, resources

    for name in ("load_lesson", "parse_lesson", "LessonError", "LessonStep", "Lesson"):
        assert getattr(resources, name) is getattr(lessons, name)


def test_checking_every_shipped_lesson_does_not_import_torch_or_qt():
    code = ("import sys\nfrom visualizer.core import registry\nfrom visualizer.core.lessons import load_lesson\n"
            "for e in registry.ready():\n    load_lesson(e.id, 'zh_CN')\n"
            "print(sorted(m for m in ('torch', 'PySide6', 'pyqtgraph') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]"


def test_the_examples_in_docs_lessons_md_are_valid_and_say_the_same(tmp_path):
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "LESSONS.md").read_text(encoding="utf-8")
    json_example = re.search(r"```json\n(.*?)```", doc, re.S).group(1)
    md_example = re.search(r"```markdown\n(.*?)```", doc, re.S).group(1)
    a = parse_lesson(write(tmp_path, "example.json", json_example))
    b = parse_lesson(write(tmp_path, "example.md", md_example))
    assert a.steps == b.steps and a.title == b.title and len(a.steps) == 3
    assert {s.explainer for s in a.steps} == {"attention", None, "gan"} and a.steps[2].pace == 10
