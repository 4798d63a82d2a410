"""UI translations: a broken catalog never takes the window down."""


def test_a_broken_translation_file_leaves_its_strings_in_english(tmp_path, monkeypatch):
    """Not UTF-8, not JSON, or not an object: those strings stay English, the others translate."""
    import shutil

    from visualizer.core.resources import resources_dir
    from visualizer.ui import i18n

    copy = tmp_path / "resources"
    shutil.copytree(resources_dir() / "i18n", copy / "i18n")
    (copy / "i18n" / "zh_CN" / "broken.json").write_bytes(b'{"Play": "\xff\xfe"}')
    (copy / "i18n" / "zh_CN" / "list.json").write_text('["not", "a", "catalog"]', encoding="utf-8")
    monkeypatch.setenv("VISUALIZER_RESOURCES", str(copy))
    try:
        assert i18n.set_language("zh_CN") == "zh_CN"
        assert i18n.tr("Attention") == "注意力"
    finally:
        monkeypatch.delenv("VISUALIZER_RESOURCES")
        i18n.set_language("en")
