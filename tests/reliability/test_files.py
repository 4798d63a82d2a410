"""Bad files read outside the CLI's export: the settings file (the window reads it at every start)
and model folders loaded directly (the window's path). Each row: what is on disk, and what the
app must make of it: a usable value, or a one-line refusal naming the file."""

from __future__ import annotations

import os

import pytest

from visualizer.core.errors import ConfigError

SETTINGS_ROWS = [
    ("garbage-bytes", b"\x00\xff[General\nexplainer=\x00\x01\nfont_scale=banana\ntheme=neon\n"),
    ("bad-values", b"[General]\nexplainer=nosuch\ntheme=purple\nfont_scale=nan\nlanguage=xx\npng_scale=99\n"
                   b"lesson_visible=perhaps\ngeometry=@ByteArray(garbage)\n"),
    ("empty", b""),
    ("huge-numbers", b"[General]\nfont_scale=1e308\npng_scale=99999999999999999999\n"),
    ("negative", b"[General]\nfont_scale=-2\npng_scale=-1\n"),
    ("not-utf8", "[General]\ntheme=d\u00e4rk\n".encode("latin-1")),
]


@pytest.mark.parametrize("name, content", SETTINGS_ROWS, ids=[r[0] for r in SETTINGS_ROWS])
def test_a_bad_settings_file_gives_defaults_not_a_crash(name, content, tmp_path):
    from visualizer.ui.settings import FONT_SCALES, Settings

    path = tmp_path / "visualizer.ini"
    path.write_bytes(content)
    settings = Settings(path)
    assert settings.theme in ("light", "dark")
    assert settings.font_scale in FONT_SCALES
    assert settings.png_scale in (1, 2, 3, 4)
    assert isinstance(settings.explainer, str) and isinstance(settings.language, str)
    assert isinstance(settings.lesson_visible, bool)
    assert settings.geometry() is None or not settings.geometry().isEmpty()


def test_a_folder_where_the_settings_file_should_be(tmp_path):
    from visualizer.ui.settings import Settings

    path = tmp_path / "visualizer.ini"
    path.mkdir()
    settings = Settings(path)
    assert settings.theme in ("light", "dark") and settings.png_scale in (1, 2, 3, 4)


MODEL_ROWS = [
    ("model_list", "holds a JSON list"),
    ("model_badjson", "is not valid JSON"),
    ("model_notype", "model_type"),
    ("model_textweights", "not a valid safetensors file"),
    ("model_noweights", "has no weights"),
    ("model_notokenizer", "has no tokenizer"),
    ("model_pickle_zip", "could run any code"),
    ("model_pickle_legacy", "could run any code"),
    ("model_noconfig", "no config.json"),
]


@pytest.mark.parametrize("name, phrase", MODEL_ROWS, ids=[r[0] for r in MODEL_ROWS])
def test_a_bad_model_folder_is_refused_in_one_line(name, phrase, fixtures):
    """The loader the window uses: a ConfigError naming --model, one line, never advice to unpickle,
    and the pickle's payload never runs."""
    from visualizer.labs.pretrained import load_pretrained

    with pytest.raises(ConfigError) as caught:
        load_pretrained(fixtures[name])
    message = str(caught.value)
    assert caught.value.option == "model" and phrase in message and "\n" not in message
    assert "weights_only=False" not in message
    assert not os.path.exists(fixtures["pickle_marker"])


def test_the_loader_asks_for_safetensors_or_weights_only(fixtures):
    """The app asks for the safe readers itself instead of relying on library defaults."""
    import inspect

    from visualizer.labs import pretrained

    source = inspect.getsource(pretrained._load)
    assert "use_safetensors=True" in source and "weights_only=True" in source
    model, tokenizer = pretrained.load_pretrained(fixtures["model_good"])
    assert tokenizer.convert_ids_to_tokens(tokenizer("cat")["input_ids"])[1] == "cat"   # not [UNK]
