"""UI strings: English in the code, translations in resources/i18n/<lang>.json.

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
        path = resources_dir() / "i18n" / f"{language}.json"
        try:
            catalog = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            catalog = {}
    _language, _catalog = language, catalog
    return language


def language() -> str:
    return _language


def tr(text: str) -> str:
    return _catalog.get(text, text) if text else text
