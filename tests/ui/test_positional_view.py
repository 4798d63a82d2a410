"""The positional view draws every kind's frame, follows view options, theme and font scale,
and exports valid PNG, SVG and PDF figures and the data they are drawn from."""

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtGui import QImage

from visualizer.core import registry
from visualizer.core.writers import write_data
from visualizer.labs.positional.config import OPTIONS
from visualizer.labs.positional.lab import PositionalLab
from visualizer.ui.export import export_figure
from visualizer.ui.theme import DARK, LIGHT
from visualizer.ui.views.positional import PositionalView

from tests.support import reused_view_fixtures
from visualizer.ui.views.page import text_scale

SMALL = {
    "sinusoidal": dict(positions=40, dim=32),
    "learned": dict(positions=48),
    "rope": dict(positions=24, dim=16),
    "alibi": dict(positions=20, heads=6),
    "effect": dict(text="the dog bit the man", text2="the man bit the dog", heads=4),
}
SPEC_ARRAYS = {
    "sinusoidal": {"encoding": (40, 32), "similarity": (40, 40)},
    "learned": {"encoding": (48, 384), "similarity": (48, 48)},
    "rope": {"angles": (24, 8), "score_by_offset": (24,)},
    "alibi": {"slopes": (6,), "bias": (6, 20, 20)},
    "effect": {"deviation": (5,), "attention": (5, 4, 5, 5)},
}


shared_view, view = reused_view_fixtures(PositionalView)


_frames = {}


def frame_of(kind):
    if kind not in _frames:
        _frames[kind] = PositionalLab(kind=kind, **SMALL[kind]).snapshot()
    return _frames[kind]


def check_png(path, size):
    image = QImage(str(path))
    assert not image.isNull() and (image.width(), image.height()) == size
    pixels = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 29)}
    assert len(pixels) > 20, "the figure is blank"


def check_svg(path):
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    assert len(list(root.iter())) > 50


def check_pdf(path):
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-64:] and len(data) > 2000


@pytest.mark.parametrize("kind", list(SMALL))
def test_each_kind_draws_and_exports(view, tmp_path, kind):
    frame = frame_of(kind)
    view.show_frame(frame)
    page = view.figure_widget()
    assert page is view.pages[kind].figure_widget() and view.stack.currentWidget() is view.pages[kind]
    assert page.title.text() and page.facts.text()
    export_figure(page, tmp_path / f"{kind}.png", scale=1.0)
    check_png(tmp_path / f"{kind}.png", (page.width(), page.height()))
    export_figure(page, tmp_path / f"{kind}.svg")
    check_svg(tmp_path / f"{kind}.svg")
    export_figure(page, tmp_path / f"{kind}.pdf")
    check_pdf(tmp_path / f"{kind}.pdf")
    data = view.data_frame()
    for name, shape in SPEC_ARRAYS[kind].items():
        assert data[name].shape == shape
        np.testing.assert_array_equal(data[name], frame[name])
    write_data(data, tmp_path / f"{kind}.npz")
    with np.load(tmp_path / f"{kind}.npz") as saved:
        assert set(SPEC_ARRAYS[kind]) <= set(saved.files)


def test_switching_kinds_and_view_options(view):
    view.show_frame(frame_of("sinusoidal"))
    facts = view.pages["sinusoidal"].facts.text()
    view.set_view_options({"pair": 3, "shift": 2, "curve_dims": "0 1 5", "similarity": "dot", "train_length": 10})
    assert view.pages["sinusoidal"].facts.text() != facts and "k = 2" in view.pages["sinusoidal"].facts.text()
    assert len(view.pages["sinusoidal"].panel.curves.curves) == 3
    data = view.data_frame()
    assert data["pair_points"].shape == (40, 2) and data["shift_angles"].shape == (38,)
    np.testing.assert_allclose(data["shift_angles"], data["shift_angles"][0], atol=1e-5)
    view.set_view_option("pair", 999)      # clamped to the last pair, no error
    view.set_view_option("shift", "junk")  # ignored
    assert view.view_options["shift"] == 2
    view.show_frame(frame_of("alibi"))
    view.set_view_option("head", 5)
    assert "head 5" in view.pages["alibi"].biased.title
    view.show_frame(frame_of("effect"))
    view.apply_lesson_state({"head": 2})
    assert "head 2 of 4" in view.pages["effect"].subtitle.text()


def test_rope_steps_update_the_plane(view):
    lab = PositionalLab(kind="rope", **SMALL["rope"])
    view.show_frame(lab.snapshot())
    page = view.pages["rope"]
    before = page.plane.titleLabel.text
    lab.step()
    view.show_frame(lab.snapshot())
    assert page.plane.titleLabel.text != before and "m = 11" in page.plane.titleLabel.text


def test_theme_and_font_scale_restyle_every_page(view, tmp_path):
    for kind in SMALL:
        view.show_frame(frame_of(kind))
    view.apply_theme(DARK)
    view.apply_font_scale(1.6)
    for kind, page in view.pages.items():
        assert page.title.font().pointSizeF() == pytest.approx(15 * text_scale(1.6))   # 1 + 0.7 × 0.6
        assert page.palette().window().color().name() == DARK.background
        assert page.canvas.backgroundBrush().color().name() == DARK.background
    export_figure(view.figure_widget(), tmp_path / "dark.png", scale=1.0)
    check_png(tmp_path / "dark.png", (view.figure_widget().width(), view.figure_widget().height()))


def test_positional_is_registered_and_ready():
    explainer = registry.get("positional")
    assert explainer.ready
    assert explainer.load_view() is PositionalView
    assert explainer.load_lab() is PositionalLab


def test_the_scheme_titles_have_chinese_translations():
    """(tr() literals, option labels and lesson files are checked for every explainer in test_contract.)"""
    from tests.ui.test_contract import _catalog
    from visualizer.ui.views.positional.effect import SCHEME_TITLES

    assert not sorted(set(SCHEME_TITLES.values()) - set(_catalog()))


def test_every_page_draws_in_chinese(view):
    from visualizer.ui import i18n

    try:
        i18n.set_language("zh_CN")
        for kind in SMALL:
            view.show_frame(frame_of(kind))
            view.retranslate()
            assert any("\u4e00" <= ch <= "\u9fff" for ch in view.pages[kind].title.text())
    finally:
        i18n.set_language("en")
        view.retranslate()
    assert view.pages["effect"].title.text() == "Does attention see word order?"


@pytest.mark.parametrize("P", [1, 2])
def test_tiny_sizes_draw(view, P):
    for kind, extra in (("sinusoidal", dict(dim=2)), ("rope", dict(dim=2)), ("alibi", dict(heads=3))):
        view.show_frame(PositionalLab(kind=kind, positions=P, **extra).snapshot())
        assert view.figure_widget().facts.text()
    view.set_view_options({"curve_dims": "0 1 7"})
    view.show_frame(PositionalLab(kind="sinusoidal", positions=P, dim=2).snapshot())
    assert len(view.pages["sinusoidal"].panel.curves.curves) == 2


def test_heads_count_from_1_and_slopes_have_real_superscripts(view):
    from visualizer.ui.views.positional.alibi import slope_text

    assert slope_text(2 ** -0.5) == "2⁻⁰·⁵" and slope_text(2 ** -1.25) == "2⁻¹·²⁵" and slope_text(0.25) == "1/4"
    view.show_frame(frame_of("alibi"))
    view.set_view_option("head", 1)
    page = view.pages["alibi"]
    assert "head 1" in page.biased.title and "head 0" not in page.biased.title
    np.testing.assert_array_equal(page.biased.values, frame_of("alibi")["biased_logits"][0])
    ticks = page.slope_plot.getAxis("bottom")._tickLevels[0]
    assert ticks[0][1] == "1"
    view.set_view_option("head", 0)                        # below the first head: refused, kept
    assert view.view_options["head"] == 1


@pytest.mark.parametrize("kind", ["sinusoidal", "rope", "alibi", "learned"])
def test_a_short_canvas_puts_the_plots_side_by_side_and_gives_them_their_height_back(view, qapp, kind):
    """Presentation zoom in a 1280 × 720 window left a 2 × 2 grid's heatmaps a few pixels tall."""
    view.show_frame(frame_of(kind))
    page = view.pages[kind]

    def settle():
        for _ in range(4):
            qapp.processEvents()

    def heatmap_heights():
        return [hm.plot.getViewBox().height() for hm in page.heatmaps if hm.plot.isVisible()]

    view.apply_font_scale(2.0)
    view.resize(1220, 470)                 # the window's view at ×2 with the panes folded
    settle()
    assert page.reflow.in_line
    rows = {round(hm.plot.sceneBoundingRect().top()) for hm in page.heatmaps if hm.plot.isVisible()}
    assert len(rows) == 1 and min(heatmap_heights()) > 80    # in the grid: 0-25 px
    view.apply_font_scale(1.0)
    view.resize(1280, 900)                 # room again: the grid
    settle()
    assert not page.reflow.in_line and all(hm.plot.isVisible() for hm in page.heatmaps)
    view.resize(1280, 720)
    settle()
