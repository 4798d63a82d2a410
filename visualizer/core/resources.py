"""Where the shipped resources live (lessons, icons, translations).

Lessons themselves (the schema, the JSON and Markdown parsers) are in visualizer.core.lessons;
the names below are re-exported from there so existing imports keep working."""

from __future__ import annotations

import os
from pathlib import Path

LANGUAGES = {"en": "English", "zh_CN": "简体中文"}


def resources_dir() -> Path:
    override = os.environ.get("VISUALIZER_RESOURCES")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "resources"


from visualizer.core.lessons import (  # noqa: E402 - after resources_dir, which lessons reads lazily
    Lesson,
    LessonError,
    LessonStep,
    load_lesson,
    parse_lesson,
)

__all__ = ["LANGUAGES", "resources_dir", "Lesson", "LessonError", "LessonStep", "load_lesson", "parse_lesson"]
