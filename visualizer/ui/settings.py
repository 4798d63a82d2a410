"""Persistent settings (QSettings, INI). Every value is validated on read: a missing, corrupt or
hand-edited file falls back to defaults, never to a crash."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

DEFAULTS = {"explainer": "attention", "theme": "light", "font_scale": 1.0, "language": "en", "png_scale": 2,
            "lesson_visible": True}
FONT_SCALES = (0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0, 2.5)


def settings_path() -> Path:
    override = os.environ.get("VISUALIZER_SETTINGS")
    if override:
        return Path(override)
    base = QStandardPaths.writableLocation(QStandardPaths.AppConfigLocation) or str(Path.home() / ".config")
    return Path(base) / "visualizer.ini"


class Settings:
    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else settings_path()
        self.problem = ""
        self._qs = QSettings(str(self.path), QSettings.IniFormat)
        if self._qs.status() != QSettings.NoError:
            self.problem = "The settings file could not be read; defaults are used."
            try:  # keep the broken file for the curious, start a clean one
                self.path.replace(self.path.with_suffix(".ini.broken"))
            except OSError:
                pass
            self._qs = QSettings(str(self.path), QSettings.IniFormat)

    def _get(self, key: str, kind):
        value = self._qs.value(key, None)
        if value is None:
            return DEFAULTS.get(key)
        try:
            if kind is bool:
                return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
            return kind(value)
        except (TypeError, ValueError):
            return DEFAULTS.get(key)

    @property
    def explainer(self) -> str:
        return self._get("explainer", str)

    @property
    def theme(self) -> str:
        value = self._get("theme", str)
        from visualizer.ui.theme import THEMES

        return value if value in THEMES else DEFAULTS["theme"]

    @property
    def font_scale(self) -> float:
        value = self._get("font_scale", float)
        return value if value in FONT_SCALES else min(FONT_SCALES, key=lambda s: abs(s - value)) \
            if 0.5 <= value <= 3 else DEFAULTS["font_scale"]

    @property
    def language(self) -> str:
        return self._get("language", str)

    @property
    def png_scale(self) -> int:
        value = self._get("png_scale", int)
        return value if 1 <= value <= 4 else DEFAULTS["png_scale"]

    @property
    def lesson_visible(self) -> bool:
        return self._get("lesson_visible", bool)

    def geometry(self) -> QByteArray | None:
        value = self._qs.value("geometry", None)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def save(self, **values) -> None:
        for key, value in values.items():
            self._qs.setValue(key, value)
        self._qs.sync()
