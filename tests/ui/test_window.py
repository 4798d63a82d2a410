"""The main window: navigation, controls, export through the menu, presentation, settings."""

import xml.etree.ElementTree as ET

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QFileDialog

from visualizer.core import registry
from visualizer.ui.runner import PAUSED, RUNNING
from visualizer.ui.settings import Settings
from visualizer.ui.views.message import MessageView

TIMEOUT = 15_000


def test_window_shows_explainers_and_draws_the_lab(window):
    ids = [window.navigator.item(i).data(Qt.UserRole) for i in range(window.navigator.count())]
    assert ids[: len(registry.EXPLAINERS)] == [e.id for e in registry.EXPLAINERS]
    assert window.status.device.text() == "CPU"
    assert window.runner.state == PAUSED and window.play_action.isEnabled()


def test_coming_soon_explainer_opens_without_a_crash(qtbot, window, monkeypatch):
    import dataclasses

    soon = dataclasses.replace(registry.get("gnn"), ready=False)   # every explainer is built now
    monkeypatch.setattr(registry, "EXPLAINERS", tuple(soon if e.id == "gnn" else e for e in registry.EXPLAINERS))
    window.open_explainer(soon.id)
    assert isinstance(window.view, MessageView)
    assert "not built yet" in window.view.text_label.text()
    assert window.runner is None and not window.play_action.isEnabled()
    window.open_explainer("regression")
    qtbot.waitUntil(lambda: window.view.frame is not None, timeout=TIMEOUT)


def test_play_pause_and_step_from_the_toolbar(qtbot, window):
    window.play_action.trigger()
    qtbot.waitUntil(lambda: window.runner.state == RUNNING, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.view.drawn >= 3 and window.runner.steps_done >= 30, timeout=TIMEOUT)
    assert window.play_action.text() == "Pause"
    window.play_action.trigger()
    qtbot.waitUntil(lambda: window.runner.state == PAUSED, timeout=TIMEOUT)
    before = window.runner.ask("get", "steps")
    window.step_action.trigger()
    qtbot.waitUntil(lambda: window.view.frame.step == before + 1, timeout=TIMEOUT)


def test_option_panel_changes_reach_the_lab(qtbot, window):
    window.options_panel.widgets["features"].setValue(6)
    qtbot.waitUntil(lambda: window.view.frame["weights"].shape == (1, 6), timeout=TIMEOUT)


def test_lab_error_shows_in_the_window_and_the_app_keeps_running(qtbot, window):
    window.apply_options({"fail_at": 3})
    window.play_action.trigger()
    qtbot.waitUntil(lambda: window.banner.isVisible() if window.isVisible() else bool(window.last_error),
                    timeout=TIMEOUT)
    assert "deliberate failure" in window.last_error and "Step 3" in window.last_error
    window.apply_options({"fail_at": 0})
    window.reset_action.trigger()
    qtbot.waitUntil(lambda: window.view.frame.step == 0 and not window.last_error, timeout=TIMEOUT)


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_export_figure_through_the_menu(qtbot, window, tmp_path, monkeypatch, suffix):
    target = tmp_path / f"figure{suffix}"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.exports.figure_action.trigger()
    assert target.exists(), window.last_error
    w, h = window.view.width(), window.view.height()
    if suffix == ".png":
        image = QImage(str(target))
        assert (image.width(), image.height()) == (2 * w, 2 * h)  # the default 2× scale
    elif suffix == ".svg":
        root = ET.parse(target).getroot()
        assert root.tag.endswith("svg") and root.get("viewBox") == f"0 0 {w} {h}"
        assert len(list(root.iter())) > 50  # real vector content, not one embedded bitmap
    else:
        data = target.read_bytes()
        assert data.startswith(b"%PDF") and b"/MediaBox" in data and data.rstrip().endswith(b"%%EOF")
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary left behind


def test_png_scale_setting_is_used(qtbot, window, tmp_path):
    window.exports.set_png_scale(3)
    assert window.exports.export_figure_to(str(tmp_path / "f.png"))
    assert QImage(str(tmp_path / "f.png")).width() == 3 * window.view.width()


@pytest.mark.parametrize("suffix", [".npz", ".csv", ".json"])
def test_export_data_through_the_menu(qtbot, window, tmp_path, monkeypatch, suffix):
    import numpy as np

    target = tmp_path / f"data{suffix}"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.exports.data_action.trigger()
    assert target.exists(), window.last_error
    if suffix == ".npz":
        with np.load(target) as data:
            np.testing.assert_array_equal(data["weights"], window.view.frame["weights"])


def test_export_to_an_unwritable_place_says_why_and_leaves_nothing(qtbot, window, tmp_path):
    missing = tmp_path / "no" / "such" / "folder" / "f.png"
    assert not window.exports.export_figure_to(str(missing))
    assert "does not exist" in window.last_error and window.banner.isVisibleTo(window)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        ok = window.exports.export_data_to(str(locked / "d.npz"))
        if not ok:  # root may write anywhere; when refused, the message says why
            assert "cannot write" in window.last_error
            assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)
    assert not window.exports.export_data_to(str(tmp_path / "d.xyz"))
    assert "unknown data format" in window.last_error


def test_copy_figure_puts_an_image_on_the_clipboard(qtbot, window):
    window.exports.copy_action.trigger()
    image = QApplication.clipboard().image()
    assert image.width() == 2 * window.view.width()


def test_font_scale_changes_every_text(qtbot, window):
    axis = window.view.pages["regression"].weights.plot.getAxis("bottom")
    before = axis.style["tickFont"].pointSizeF()
    window.presentation.zoom_in_action.trigger()
    window.presentation.zoom_in_action.trigger()
    assert window.font_scale > 1.0
    assert axis.style["tickFont"].pointSizeF() > before
    assert window.lesson.step_title.font().pointSizeF() > 10
    assert Settings().font_scale == window.font_scale


def test_theme_switch_recolours_the_view(qtbot, window):
    window.presentation.theme_actions["dark"].trigger()
    assert window.theme.dark and window.view.theme.dark
    assert QApplication.palette().window().color().lightness() < 80
    assert Settings().theme == "dark"


def test_language_switch_takes_effect_at_once(qtbot, window):
    window.presentation.language_actions["zh_CN"].trigger()
    assert window.file_menu.title() == "文件(&F)"
    assert window.play_action.text() == "播放"
    window.presentation.language_actions["en"].trigger()
    assert window.file_menu.title() == "&File"


def test_a_language_without_a_font_says_what_to_install(qtbot, window, monkeypatch):
    """简体中文 on a machine with no Chinese font would be rows of empty boxes: the window says
    so in English and names a package; going back to English takes the words away."""
    from PySide6.QtGui import QFontDatabase

    real, chinese = QFontDatabase.families, QFontDatabase.WritingSystem.SimplifiedChinese
    monkeypatch.setattr(QFontDatabase, "families", lambda *a: [] if chinese in a else real(*a))
    window.presentation.language_actions["zh_CN"].trigger()
    assert "fonts-noto-cjk" in window.banner.message and window.banner.isVisible()
    window.presentation.language_actions["en"].trigger()
    assert window.banner.message == ""


def test_fullscreen_toggles(qtbot, window):
    window.presentation.fullscreen_action.trigger()
    assert window.isFullScreen()
    window.presentation.fullscreen_action.trigger()
    assert not window.isFullScreen()


def test_presentation_leaves_the_figure_and_the_lesson(qtbot, window):
    chrome = (window.menuBar(), window.controls, window.nav)
    window.presentation.fullscreen_action.trigger()
    assert window.isFullScreen() and not any(w.isVisible() for w in chrome)
    assert window.view.isVisible() and window.lesson.isVisible() == window.settings.lesson_visible
    window.presentation.controls_action.trigger()              # Ctrl+K: the controls, for a moment
    assert all(w.isVisible() for w in chrome)
    window.presentation.controls_action.trigger()
    assert not any(w.isVisible() for w in chrome)
    window.presentation.leave_action.trigger()                 # Esc
    assert not window.isFullScreen() and all(w.isVisible() for w in chrome)
    window.presentation.leave_action.trigger()                 # Esc outside presentation: nothing
    assert all(w.isVisible() for w in chrome)


def test_settings_persist_and_a_corrupt_file_falls_back(qtbot, with_test_explainer, tmp_path):
    from visualizer.ui.app import MainWindow

    path = tmp_path / "v.ini"
    settings = Settings(path)
    settings.save(theme="dark", font_scale=1.3, language="zh_CN", explainer="regression")
    win = MainWindow(Settings(path), start_labs=False)
    qtbot.addWidget(win)
    assert (win.theme.name, win.font_scale, win.initial_explainer) == ("dark", 1.3, "regression")
    win.close()
    path.write_bytes(b"\x00\xff[General\ntheme=purple\nfont_scale=banana\n\x00")
    win = MainWindow(Settings(path), start_labs=False)
    qtbot.addWidget(win)
    assert win.theme.name == "light" and win.font_scale == 1.0
    win.close()


def test_closing_during_a_run_stops_the_worker(qtbot, window):
    window.play_action.trigger()
    qtbot.waitUntil(lambda: window.runner.steps_done > 20, timeout=TIMEOUT)
    runner = window.runner
    window.close()
    assert not runner.is_alive()


def test_live_plot_redraws_for_seconds_without_crashing(qtbot, window):
    """Guards against Qt bindings that corrupt memory under repeated paints (PySide6 6.12.0 on
    Python 3.11 crashed pyqtgraph windows within seconds)."""
    import time

    window.runner.set_ui_budget(0)  # no frame pacing: this test wants as many paints as possible
    window.play_action.trigger()
    start = time.perf_counter()
    drawn = window.view.drawn
    while time.perf_counter() - start < 3.0:
        qtbot.wait(20)
        window.view.pages["regression"].weights.plot.update()
    assert window.view.drawn - drawn > 20


def test_the_window_reads_and_writes_its_session(window, qtbot):
    qtbot.waitUntil(lambda: window.runner is not None and window.runner.frames_emitted > 0, timeout=TIMEOUT)
    session = window.session
    assert session.explainer == "regression" and session.options["lr"] == 0.05
    window.controls.seed_box.setValue(11)
    assert session.seed == 11
    window.apply_options({"lr": 0.2, "show": "loss"})
    assert session.options["lr"] == 0.2 and session.view["show"] == "loss"
    assert window.options_panel.widgets["lr"].value() == pytest.approx(0.2)
    window.apply_options({"lr": -1})                       # refused: the session keeps its value
    assert session.options["lr"] == 0.2 and "lr" in window.last_error


@pytest.mark.parametrize("language, scale", [("en", 1.0), ("zh_CN", 2.0)])
def test_every_explainer_is_in_view_in_the_list(qtbot, window, language, scale):
    window.presentation.set_language(language)
    window.presentation.set_font_scale(scale)
    try:
        lst = window.navigator
        rows = sum(lst.visualItemRect(lst.item(i)).height() for i in range(lst.count()))
        assert lst.verticalScrollBar().maximum() == 0 and lst.viewport().height() >= rows
    finally:
        window.presentation.set_language("en")
        window.presentation.set_font_scale(1.0)


def test_the_loading_veil_lifts_when_the_rebuilt_lab_is_there(qtbot, window):
    window.apply_options({"features": 9})
    qtbot.waitUntil(lambda: window.view.frame["weights"].shape == (1, 9), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.runner.state != "loading", timeout=TIMEOUT)
    assert not window.loading.isVisible()
