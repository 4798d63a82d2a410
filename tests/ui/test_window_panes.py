"""The window's side panes on a projector (1280×720 at presentation zoom): they fold into rails
when the figure would be left less than a readable width (presentation.Panes), open again when
there is room, never against the person's own choice, and lose nothing; the options pane never
scrolls sideways (widgets/options_panel.py)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.ui.test_geometry import frame_for, problems, step_state   # before a fixture patches the registry
from visualizer.core import registry
from visualizer.ui import i18n
from visualizer.ui.panes import READABLE_VIEW_WIDTH, REFIT_MS


def settle(window, rounds: int = 3) -> None:
    for _ in range(rounds):
        QApplication.processEvents()
    # the panes fit again once their layouts know new fonts (a timer, restarted by each layout
    # pass): wait until it has run and not been started again, however slow the machine
    refit = window.presentation.panes._refit
    for _ in range(100):
        QTest.qWait(REFIT_MS + 10)
        window.grab()          # layouts settle on a paint
        QApplication.processEvents()
        if not refit.isActive():
            break


def panes(window):
    return window.presentation.panes


def shown(window, key: str) -> bool:
    return panes(window).is_shown(key)


def zoom(window, scale: float) -> None:
    window.presentation.set_font_scale(scale)
    settle(window)


def show_without_lab(window, explainer_id: str) -> None:
    """Open an explainer's view and options without starting its lab (frames are fed by hand)."""
    window.start_labs = False
    window.open_explainer(explainer_id)
    window.retranslate()
    settle(window)


@pytest.fixture
def small_scale(window):
    yield window
    window.presentation.set_font_scale(1.0)   # the settings file is per test; the app font is not
    i18n.set_language("en")


def test_presentation_zoom_on_a_projector_folds_the_panes_for_the_figure(small_scale):
    window = small_scale
    assert window.size().width() == 1280 and shown(window, "side") and shown(window, "lesson")
    zoom(window, 2.0)
    assert not shown(window, "side") and not shown(window, "lesson")
    p = panes(window)
    assert all(rail.isVisible() for rail in p.rails.values())          # each folds to a rail that opens it
    assert not p.side_action.isChecked() and not window.presentation.lesson_action.isChecked()
    assert window.stack.width() >= READABLE_VIEW_WIDTH * 2.0
    assert window.settings.lesson_visible                             # folding is not the person's choice

    # the positional explainer's sinusoidal page (lesson step 3) in that window
    show_without_lab(window, "positional")
    lab_options, view_options, state = step_state("positional", 3)
    view = window.view
    defaults = {o.name: o.default for o in registry.get("positional").load_options().by_role("view")}
    view.set_view_options({**defaults, **view_options})
    view.show_frame(frame_for("positional", lab_options))
    view.apply_lesson_state(state)
    settle(window)
    figure = view.figure_widget()
    figure.grab()
    settle(window)
    assert figure.width() >= READABLE_VIEW_WIDTH * 2.0 - 40     # the page's margins aside
    assert problems(figure) == []

    zoom(window, 1.5)            # room for the lesson again, not yet for the options
    assert not shown(window, "side") and shown(window, "lesson")
    assert window.stack.width() >= READABLE_VIEW_WIDTH * 1.5
    zoom(window, 1.0)            # and for both
    assert shown(window, "side") and shown(window, "lesson")
    assert not any(rail.isVisible() for rail in p.rails.values())


def test_a_large_screen_keeps_the_panes_open(small_scale):
    window = small_scale
    window.resize(1920, 1080)
    settle(window)
    assert shown(window, "side") and shown(window, "lesson")
    zoom(window, 2.0)
    assert shown(window, "side") and shown(window, "lesson")
    assert window.stack.width() >= READABLE_VIEW_WIDTH * 2.0
    window.resize(1280, 720)     # a smaller window: they fold...
    settle(window)
    assert not shown(window, "side") and not shown(window, "lesson")
    window.resize(1920, 1080)    # ...and open again
    settle(window)
    assert shown(window, "side") and shown(window, "lesson")


def test_the_persons_choice_is_kept(qtbot, small_scale):
    window = small_scale
    p = panes(window)
    zoom(window, 2.0)
    assert not shown(window, "side")
    qtbot.mouseClick(p.rails["side"], Qt.LeftButton)      # the rail opens the pane: a choice
    settle(window)
    assert shown(window, "side") and p.side_action.isChecked()
    window.resize(1200, 720)
    settle(window)
    zoom(window, 2.5)
    assert shown(window, "side")                          # narrower, larger text: still shown
    assert not shown(window, "lesson")                    # the lesson, not chosen, still folds

    window.resize(1920, 1080)
    zoom(window, 1.0)
    assert shown(window, "lesson")
    window.presentation.lesson_action.trigger()           # Ctrl+L: the person hides the lesson
    settle(window)
    assert not shown(window, "lesson") and not window.settings.lesson_visible
    window.resize(2400, 1200)                             # all the room in the world: it stays hidden
    settle(window)
    assert not shown(window, "lesson") and p.rails["lesson"].isVisible()
    p.side_action.trigger()                               # Ctrl+B hides the options by hand
    settle(window)
    assert not shown(window, "side")
    p.side_action.trigger()
    settle(window)
    assert shown(window, "side")


def test_folding_loses_nothing_typed_and_keeps_the_lesson_keys(qtbot, small_scale):
    window = small_scale
    box = window.options_panel.widgets["features"]
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "7")                 # typed, not yet confirmed
    zoom(window, 2.0)                                    # the pane folds under the typist's hands
    assert not shown(window, "side")
    assert window.session.options["features"] == 7       # the field committed on losing the focus
    assert box.value() == 7
    focus = window.focusWidget()
    assert focus is None or not window.nav.isAncestorOf(focus)
    assert focus is None or not hasattr(focus, "lineEdit")   # not the seed box: Space still turns the page
    zoom(window, 1.0)
    assert shown(window, "side") and box.value() == 7    # back as it was left


def test_the_pane_keys_are_real_actions_in_f1(small_scale):
    from visualizer.ui.keys_help import collect_keys

    window = small_scale
    rows = collect_keys(window)
    assert any("Ctrl+B" in keys and text == "Show explainers and options" for _s, keys, text in rows)
    assert any("Ctrl+L" in keys and text == "Show lesson" for _s, keys, text in rows)
    window.presentation.set_language("zh_CN")
    rows = collect_keys(window)
    assert any("Ctrl+B" in keys and text == "显示讲解模块和选项" for _s, keys, text in rows)
    assert "显示讲解模块和选项" in panes(window).rails["side"].toolTip()


def test_the_options_pane_never_scrolls_sideways(small_scale):
    """Every explainer's options at 1280×720 × 2 in Chinese (the widest), and the GAN's (the
    longest list) also in English and at font scales 1 and 1.5, with the pane shown (by hand
    where the window folds it)."""
    window = small_scale
    p = panes(window)
    cases = [(e.id, "zh_CN", 2.0) for e in registry.ready()]
    cases += [("gan", language, scale) for language in ("zh_CN", "en") for scale in (1.0, 1.5, 2.0)
              if (language, scale) != ("zh_CN", 2.0)]
    failures = []
    for explainer_id, language, scale in cases:
        if window.explainer is None or window.explainer.id != explainer_id:
            show_without_lab(window, explainer_id)
        if i18n.language() != language:
            window.presentation.set_language(language)
        zoom(window, scale)
        if not shown(window, "side"):
            p.side_action.trigger()
            settle(window)
        host = window.nav.options_host
        bar = host.horizontalScrollBar()
        if bar.maximum() > 0 or bar.isVisible():
            failures.append(f"{explainer_id} {language} ×{scale:g}: {bar.maximum()} px sideways "
                            f"(pane {host.viewport().width()} px, options want "
                            f"{window.options_panel.minimumSizeHint().width()} px)")
    assert not failures, "\n".join(failures)
