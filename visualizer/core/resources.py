"""Where the shipped resources live (lessons, icons, translations), and loading lessons."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

LANGUAGES = {"en": "English", "zh_CN": "简体中文"}


def resources_dir() -> Path:
    override = os.environ.get("VISUALIZER_RESOURCES")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "resources"


@dataclass
class LessonStep:
    title: str
    text: str
    options: dict = field(default_factory=dict)  # lab options this step sets (mode, mask...)
    view: dict = field(default_factory=dict)     # view options this step sets (layer, head...)


@dataclass
class Lesson:
    title: str
    steps: list[LessonStep]


class LessonError(ValueError):
    pass


def load_lesson(explainer_id: str, language: str = "en") -> Lesson | None:
    """The lesson in `language`, falling back to English; None if the explainer has none."""
    folder = resources_dir() / "lessons"
    for lang in (language, "en"):
        path = folder / f"{explainer_id}.{lang}.json"
        if path.exists():
            return parse_lesson(path)
    return None


def parse_lesson(path: Path) -> Lesson:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        steps = [LessonStep(s["title"], s["text"], dict(s.get("options", {})), dict(s.get("view", {})))
                 for s in doc["steps"]]
        if not steps:
            raise LessonError(f"{path.name}: a lesson needs at least one step")
        return Lesson(doc["title"], steps)
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise LessonError(f"{path.name}: not a valid lesson file ({exc})") from None
