"""UI strings: English in the code, translations in resources/i18n/<lang>/*.json
(one file per explainer plus app.json, so explainers never edit the same file).

tr("Play") returns the string in the current language (English where a translation is
missing). The window calls set_language() and then retranslate() on what it shows, so a
switch takes effect at once.
"""

from __future__ import annotations

import json

from visualizer.core.resources import LANGUAGES, resources_dir

_language = "en"
_catalog: dict[str, str] = {}


def set_language(language: str) -> str:
    global _language, _catalog
    if language not in LANGUAGES:
        language = "en"
    catalog: dict[str, str] = {}
    if language != "en":
        for path in sorted((resources_dir() / "i18n" / language).glob("*.json")):
            try:
                entries = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):   # unreadable, not UTF-8, not JSON
                continue  # a broken catalog leaves those strings in English
            if isinstance(entries, dict):
                catalog.update({k: v for k, v in entries.items() if isinstance(k, str) and isinstance(v, str)})
    _language, _catalog = language, catalog
    return language


def language() -> str:
    return _language


def tr(text: str) -> str:
    return _catalog.get(text, text) if text else text
