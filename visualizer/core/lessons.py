"""Lessons: one schema for every lesson, built in or opened by the user, in JSON or Markdown
(Qt-free; the format is documented in docs/LESSONS.md).

    lesson = parse_lesson(Path("my.md"), explainer="gan")   # LessonError names file, step, field
    lesson.steps[2].explainer, .options, .view, .notes, .pace
    lesson.explainer_at(2)        # the explainer step 3 is shown in (a course may switch)
    lesson.state_at(2)            # (options, view) that walking to step 3 has set in it

A step:  title, text (Markdown)        required, non-empty text
         options {name: value}         the explainer's lab options ("build"/"live" roles)
         view {name: value}            its view options ("view" role)
         explainer "gan"               a course: from this step on, that explainer is shown
         notes "..."                   speaker notes for the presenter view ("" if none)
         pace 10                       steps per second of the run while the step is shown

Every option name is checked against the explainer's OptionSet (torch-free to load) and its
value coerced; cross-option checks run on the state that walking the lesson forward builds.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from visualizer.core.errors import ConfigError

STEP_FIELDS = ("title", "text", "options", "view", "explainer", "notes", "pace")
LESSON_FIELDS = ("title", "explainer", "steps")
SUFFIXES = (".json", ".md")
MAX_BYTES = 2_000_000     # a lesson is text; anything larger is not one
MAX_PACE = 1000.0


class LessonError(ValueError):
    """A lesson that cannot be used; the message is one line naming the file, step and field."""


@dataclass
class LessonStep:
    title: str
    text: str
    options: dict = field(default_factory=dict)   # lab options this step sets (mode, mask...)
    view: dict = field(default_factory=dict)      # view options this step sets (layer, head...)
    explainer: str | None = None                  # a course: the explainer this step opens
    notes: str = ""                               # speaker notes (presenter view)
    pace: float | None = None                     # steps per second while this step is shown


@dataclass
class Lesson:
    title: str
    steps: list[LessonStep]
    explainer: str | None = None   # the explainer of steps before any step names one
    source: str = ""               # the file it came from (its name), for messages

    def explainer_at(self, index: int) -> str | None:
        """The explainer shown at step `index` (0-based): the last one named up to it."""
        current = self.explainer
        for step in self.steps[:index + 1]:
            current = step.explainer or current
        return current

    def state_at(self, index: int) -> tuple[dict, dict]:
        """(options, view) set by walking forward to step `index` since its explainer opened:
        what a course shows when it re-enters an explainer at that step."""
        start = index
        target = self.explainer_at(index)
        while start > 0 and self.explainer_at(start - 1) == target:
            start -= 1
        options: dict = {}
        view: dict = {}
        for step in self.steps[start:index + 1]:
            options.update(step.options)
            view.update(step.view)
        return options, view

    def next_step(self, index: int) -> LessonStep | None:
        """The step after `index`, or None at the end (the presenter view shows its title)."""
        return self.steps[index + 1] if 0 <= index + 1 < len(self.steps) else None

    def to_dict(self) -> dict:
        """The JSON form (what resources/lessons/*.json hold); optional fields only when set."""
        doc: dict[str, Any] = {"title": self.title}
        if self.explainer:
            doc["explainer"] = self.explainer
        doc["steps"] = []
        for s in self.steps:
            step: dict[str, Any] = {"title": s.title, "text": s.text, "options": dict(s.options),
                                    "view": dict(s.view)}
            if s.explainer:
                step["explainer"] = s.explainer
            if s.notes:
                step["notes"] = s.notes
            if s.pace is not None:
                step["pace"] = s.pace
            doc["steps"].append(step)
        return doc


# ---- reading ------------------------------------------------------------------------------------
def parse_lesson(path: Path | str, explainer: str | None = None) -> Lesson:
    """The lesson in `path` (.json or .md), checked; `explainer` is the one its steps apply to
    until a step names another (the current explainer for a user's lesson). Raises LessonError
    (one line, never another exception) when the file cannot be used."""
    path = Path(path)
    name = path.name
    text = read_text(path)
    if path.suffix.lower() == ".md":
        doc = markdown_to_dict(text, name)
    else:
        doc = json_to_dict(text, name)
    return lesson_from_dict(doc, name, explainer)


def read_text(path: Path) -> str:
    name = path.name
    try:
        if path.is_dir():
            raise LessonError(f"{name}: is a folder, not a lesson file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise LessonError(f"{name}: {size} bytes is too large for a lesson (at most {MAX_BYTES})")
        data = path.read_bytes()
    except OSError as exc:
        raise LessonError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")   # a byte-order mark from a Windows editor is fine
    except UnicodeDecodeError as exc:
        raise LessonError(f"{name}: is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
                          "save it as UTF-8") from None
    if not text.strip():
        raise LessonError(f"{name}: the file is empty")
    if "\x00" in text:
        raise LessonError(f"{name}: contains NUL characters; it is not a text file")
    return text


def json_to_dict(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise LessonError(f"{name}: is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise LessonError(f"{name}: is not valid JSON (nested too deeply)") from None


def lesson_from_dict(doc: Any, name: str, explainer: str | None = None) -> Lesson:
    """Check a lesson document (the JSON form) field by field and build the Lesson."""
    if not isinstance(doc, dict):
        raise LessonError(f"{name}: a lesson must be an object with 'title' and 'steps', "
                          f"not {_kind(doc)}")
    unknown = [k for k in doc if k not in LESSON_FIELDS]
    if unknown:
        raise LessonError(f"{name}: unknown field {unknown[0]!r}{_did_you_mean(unknown[0], LESSON_FIELDS)}; "
                          f"a lesson has {', '.join(LESSON_FIELDS)}")
    title = doc.get("title")
    if not isinstance(title, str) or not title.strip():
        raise LessonError(f"{name}: 'title' must be a non-empty text")
    default = doc.get("explainer")
    if default is not None:
        _check_explainer(default, f"{name}: 'explainer'")
    else:
        default = explainer
    steps = doc.get("steps")
    if not isinstance(steps, list):
        raise LessonError(f"{name}: 'steps' must be a list of steps")
    if not steps:
        raise LessonError(f"{name}: a lesson needs at least one step")
    checker = _OptionChecker(name)
    parsed = []
    current = default
    for number, raw in enumerate(steps, start=1):
        step = _step_from_dict(raw, f"{name}: step {number}")
        previous, current = current, step.explainer or current
        checker.check(step, current, number, new_segment=number == 1 or current != previous)
        parsed.append(step)
    return Lesson(title, parsed, default, name)


def _step_from_dict(raw: Any, where: str) -> LessonStep:
    if not isinstance(raw, dict):
        raise LessonError(f"{where}: a step must be an object, not {_kind(raw)}")
    unknown = [k for k in raw if k not in STEP_FIELDS]
    if unknown:
        raise LessonError(f"{where}: unknown field {unknown[0]!r}{_did_you_mean(unknown[0], STEP_FIELDS)}; "
                          f"a step has {', '.join(STEP_FIELDS)}")
    for key in ("title", "text"):
        if key not in raw:
            raise LessonError(f"{where}: {key!r} is missing")
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise LessonError(f"{where}: {key!r} must be a non-empty text")
    for key in ("options", "view"):
        if not isinstance(raw.get(key, {}), dict):
            raise LessonError(f"{where}: {key!r} must be an object, not {_kind(raw[key])}")
    explainer = raw.get("explainer")
    if explainer is not None:
        _check_explainer(explainer, f"{where}: 'explainer'")
    notes = raw.get("notes", "")
    if not isinstance(notes, str):
        raise LessonError(f"{where}: 'notes' must be a text, not {_kind(notes)}")
    pace = raw.get("pace")
    if pace is not None:
        if isinstance(pace, bool) or not isinstance(pace, (int, float)) or not math.isfinite(pace) \
                or not 0 < pace <= MAX_PACE:
            raise LessonError(f"{where}: 'pace' must be a number of steps per second above 0 and at most "
                              f"{MAX_PACE:g}, not {pace!r}")
        pace = float(pace)
    return LessonStep(raw["title"], raw["text"], dict(raw.get("options", {})), dict(raw.get("view", {})),
                      explainer, notes, pace)


def _check_explainer(value: Any, where: str) -> None:
    from visualizer.core import registry

    if not isinstance(value, str):
        raise LessonError(f"{where} must be an explainer's name, not {_kind(value)}")
    try:
        explainer = registry.get(value)
    except KeyError:
        known = ", ".join(e.id for e in registry.ready())
        raise LessonError(f"{where}: unknown explainer {value!r}; known: {known}") from None
    if not explainer.ready:
        raise LessonError(f"{where}: the explainer {value!r} is not built yet")


class _OptionChecker:
    """Checks each step's option names and values against its explainer's OptionSet, coercing
    the values in place; cross-option checks run on the state built by walking forward."""

    def __init__(self, name: str):
        self.name = name
        self.sets: dict = {}
        self.state: dict = {}

    def option_set(self, explainer: str, where: str):
        if explainer not in self.sets:
            from visualizer.core import registry

            try:
                self.sets[explainer] = registry.get(explainer).load_options()
            except Exception as exc:  # noqa: BLE001 - a broken explainer is reported, not raised
                raise LessonError(f"{where}: the options of {explainer!r} cannot be loaded "
                                  f"({type(exc).__name__}: {exc})") from None
        return self.sets[explainer]

    def check(self, step: LessonStep, explainer: str | None, number: int, new_segment: bool) -> None:
        where = f"{self.name}: step {number}"
        if explainer is None:
            if step.options or step.view:
                raise LessonError(f"{where}: sets options but no explainer is named for it; "
                                  "add 'explainer' to the step or the lesson")
            return
        options = self.option_set(explainer, where)
        for key, role_ok, other in (("options", lambda r: r != "view", "view"),
                                    ("view", lambda r: r == "view", "options")):
            values = getattr(step, key)
            for option_name, value in list(values.items()):
                if option_name not in options:
                    known = [o.name for o in options if role_ok(o.role)]
                    raise LessonError(f"{where}: '{key}': unknown option {option_name!r} for {explainer}"
                                      f"{_did_you_mean(option_name, known)}; known: {', '.join(known)}")
                option = options[option_name]
                if not role_ok(option.role):
                    raise LessonError(f"{where}: '{key}': {option_name!r} is a {option.role} option of "
                                      f"{explainer}; put it under {other!r}")
                try:
                    values[option_name] = option.coerce(value)
                except ConfigError as exc:
                    raise LessonError(f"{where}: '{key}.{option_name}': {exc.message}") from None
        if new_segment:
            self.state[explainer] = options.defaults()
        self.state[explainer].update({**step.options, **step.view})
        try:
            options.validate(self.state[explainer])
        except ConfigError as exc:
            field_name = f"'options.{exc.option}'" if exc.option in step.options else \
                f"'view.{exc.option}'" if exc.option in step.view else "'options'"
            raise LessonError(f"{where}: {field_name}: {exc.message}") from None


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a text", bool: "true/false", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _did_you_mean(word: str, known) -> str:
    import difflib

    close = difflib.get_close_matches(str(word), list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ---- Markdown ------------------------------------------------------------------------------------
FENCE = "---"
_KEY_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:(.*)$")
JSON_KEYS = ("options", "view", "pace")


def markdown_to_dict(text: str, name: str) -> dict:
    """The JSON form of a Markdown lesson:

        ---                       the lesson's front matter: title, optional explainer
        title: My lecture
        ---
        ---                       each step: a front matter, then its text (Markdown)
        title: Two players
        options: {"phase": "both"}
        ---
        The text of the step.

    Front matter lines are `key: value`; options/view/pace are JSON, a value starting with a
    double quote is a JSON string (for line breaks in notes), any other value is plain text.
    A line of exactly `---` always delimits: use `***` for a rule inside a step's text."""
    lines = text.splitlines()
    blocks = []            # (front matter start line, {key: (value, line)}, body lines)
    i = 0
    n = len(lines)
    while i < n and not lines[i].strip():
        i += 1
    if i >= n or lines[i].rstrip() != FENCE:
        raise LessonError(f"{name}: line {i + 1}: a Markdown lesson starts with '---' and the lesson's "
                          "front matter (title: ...)")
    while i < n:
        start = i + 1
        i += 1
        meta: dict[str, tuple[str, int]] = {}
        while True:
            if i >= n:
                raise LessonError(f"{name}: line {start}: the front matter opened here is not closed by '---'")
            line = lines[i]
            if line.rstrip() == FENCE:
                break
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                m = _KEY_LINE.match(stripped)
                if m is None:
                    raise LessonError(f"{name}: line {i + 1}: expected 'key: value' in the front matter, "
                                      f"got {stripped[:40]!r}")
                key = m.group(1)
                if key in meta:
                    raise LessonError(f"{name}: line {i + 1}: {key!r} is given twice")
                meta[key] = (m.group(2).strip(), i + 1)
            i += 1
        i += 1
        body_start = i
        while i < n and lines[i].rstrip() != FENCE:
            i += 1
        blocks.append((start, meta, lines[body_start:i]))
    head_line, head, head_body = blocks[0]
    if any(line.strip() for line in head_body):
        raise LessonError(f"{name}: line {head_line}: the lesson's front matter is followed by text; "
                          "start the first step with '---'")
    doc: dict[str, Any] = {}
    for key, (value, line) in head.items():
        doc[key] = _front_value(key, value, name, line, "lesson")
    if "steps" in doc:
        raise LessonError(f"{name}: line {head['steps'][1]}: 'steps' is not a front matter key; each step is "
                          "a block of its own")
    doc["steps"] = []
    for number, (line0, meta, body) in enumerate(blocks[1:], start=1):
        step: dict[str, Any] = {}
        for key, (value, line) in meta.items():
            step[key] = _front_value(key, value, name, line, f"step {number}")
        if "text" in step:
            raise LessonError(f"{name}: step {number} (line {meta['text'][1]}): 'text' is the step's body "
                              "below the front matter, not a key")
        step["text"] = "\n".join(body).strip("\n")
        doc["steps"].append(step)
    return doc


def _front_value(key: str, value: str, name: str, line: int, what: str) -> Any:
    if key in JSON_KEYS or value.startswith('"'):
        try:
            return json.loads(value)
        except (json.JSONDecodeError, RecursionError) as exc:
            detail = getattr(exc, "msg", "nested too deeply")
            raise LessonError(f"{name}: {what} (line {line}): {key!r} is not valid JSON ({detail})") from None
    return value


def lesson_to_markdown(lesson: Lesson) -> str:
    """The Markdown form of `lesson`; markdown_to_dict() reads it back to the same lesson."""
    out = [FENCE, f"title: {_md_text(lesson.title)}"]
    if lesson.explainer:
        out.append(f"explainer: {lesson.explainer}")
    out.append(FENCE)
    for number, s in enumerate(lesson.steps, start=1):
        if any(line.rstrip() == FENCE for line in s.text.splitlines()):
            raise LessonError(f"{lesson.source or 'lesson'}: step {number}: its text has a '---' line, which "
                              "Markdown lessons use between steps")
        out += [FENCE, f"title: {_md_text(s.title)}"]
        if s.explainer:
            out.append(f"explainer: {s.explainer}")
        if s.options:
            out.append(f"options: {json.dumps(s.options, ensure_ascii=False)}")
        if s.view:
            out.append(f"view: {json.dumps(s.view, ensure_ascii=False)}")
        if s.pace is not None:
            out.append(f"pace: {json.dumps(s.pace)}")
        if s.notes:
            out.append(f"notes: {_md_text(s.notes)}")
        out += [FENCE, s.text.strip("\n"), ""]
    return "\n".join(out)


def _md_text(value: str) -> str:
    """A plain front matter value, or a JSON string where plain text would not read back."""
    if "\n" in value or "\r" in value or value != value.strip() or value.startswith('"') or not value:
        return json.dumps(value, ensure_ascii=False)
    return value


# ---- the shipped lessons -------------------------------------------------------------------------
def lesson_path(explainer_id: str, language: str = "en") -> Path | None:
    """The shipped lesson file of an explainer in `language`, falling back to English."""
    from visualizer.core.resources import resources_dir

    folder = resources_dir() / "lessons"
    for lang in (language, "en"):
        for suffix in SUFFIXES:
            path = folder / f"{explainer_id}.{lang}{suffix}"
            if path.exists():
                return path
    return None


def load_lesson(explainer_id: str, language: str = "en") -> Lesson | None:
    """The lesson in `language`, falling back to English; None if the explainer has none.
    LessonError if the file is bad."""
    path = lesson_path(explainer_id, language)
    return None if path is None else parse_lesson(path, explainer=explainer_id)
