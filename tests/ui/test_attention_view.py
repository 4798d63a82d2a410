"""The attention view draws every kind of frame, edits masks by clicking, and exports figures."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage

from visualizer.labs.attention.lab import AttentionLab
from visualizer.ui import i18n
from visualizer.ui.export import export_data, export_figure
from visualizer.ui.theme import DARK, LIGHT
from visualizer.ui.views.attention import AttentionView
from visualizer.ui.views.attention.common import mosaic, lookup_table
from visualizer.ui.views.attention.head_view import line_groups


@pytest.fixture(scope="module")
def frames():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train = AttentionLab(model="train", dim=16, heads=2, layers=2)
        for _ in range(20):
            train.step()
        return {
            "mha": AttentionLab(model="mha", pad_to=12, causal=True).snapshot(),
            "pretrained": AttentionLab(model="minilm", text="The cat sat on the mat because it was tired.").snapshot(),
            "train": train.snapshot(),
        }
    finally:
        torch.set_num_threads(before)


@pytest.fixture
def view(qtbot):
    v = AttentionView(LIGHT, 1.0)
    qtbot.addWidget(v)
    v.resize(1280, 720)
    v.show()
    return v


def click(canvas, plot, x, y, qtbot):
    """A real mouse click at data coordinates (x, y) of a plot inside a pyqtgraph canvas."""
    qtbot.wait(20)  # let layouts settle after a redraw, so the mapping below is current
    scene = plot.getViewBox().mapViewToScene(QPointF(x, y))
    qtbot.mouseClick(canvas.viewport(), Qt.LeftButton, pos=canvas.mapFromScene(scene))


@pytest.mark.parametrize("kind", ["mha", "pretrained", "train"])
def test_each_kind_draws_and_exports(kind, frames, view, tmp_path):
    frame = frames[kind]
    view.show_frame(frame)
    page = view.pages[frame.kind]
    assert view.stack.currentWidget() is page
    figure = view.figure_widget()
    assert figure is page.figure_widget() and figure.width() > 600 and figure.height() > 400
    assert view.data_frame() is frame
    png = export_figure(figure, tmp_path / "f.png", scale=1)
    image = QImage(str(png))
    assert not image.isNull() and image.width() == figure.width()
    assert len({image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 37)}) > 20
    svg = export_figure(figure, tmp_path / "f.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and "</svg>" in svg
    pdf = export_figure(figure, tmp_path / "f.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and b"%%EOF" in pdf[-64:]
    data = np.load(export_data(view.data_frame(), tmp_path / "f.npz"))
    assert "tokens" in data.files and "attentions" in data.files or "weights" in data.files


@pytest.mark.parametrize("stage", ["all", "x", "q", "k", "v", "scores", "scaled", "masked", "weights",
                                   "context", "concat", "output"])
def test_every_stage_draws(stage, frames, view):
    view.set_view_options({"stage": stage, "head": 2})
    view.show_frame(frames["mha"])
    page = view.pages["mha"]
    if stage == "all":
        assert page.stack.currentWidget() is page.grid_canvas
        assert page.grid["weights"].values.shape == (12, 12)
        np.testing.assert_array_equal(page.grid["weights"].values, frames["mha"]["weights"][1])
    else:
        assert page.stack.currentWidget() is page.single_canvas
        assert page.single.values is not None


@pytest.mark.parametrize("panel", ["model", "head", "heatmap", "neuron"])
def test_every_pretrained_panel_draws(panel, frames, view):
    view.set_view_options({"panel": panel, "layer": 6, "head": 12, "query": 9})
    view.show_frame(frames["pretrained"])
    page = view.pages["pretrained"]
    assert page.tabs.currentIndex() == ["model", "head", "heatmap", "neuron"].index(panel)
    att = frames["pretrained"]["attentions"]
    if panel == "heatmap":
        np.testing.assert_array_equal(page.heatmap.values, att[5, 11])
        view.set_view_option("head", 0)                     # 0 = the layer's average
        np.testing.assert_allclose(page.heatmap.values, att[5].mean(0), atol=1e-6)
    if panel == "neuron":
        soft = page.neuron_view.soft_map.values[:, 0]
        np.testing.assert_allclose(soft, att[5, 11, 8], atol=1e-5)   # softmax(q·k) = the model's row
        assert "it" in page.subtitle.text()


def test_clicking_a_mask_cell_asks_the_lab_to_recompute(frames, view, qtbot):
    frame = AttentionLab(model="mha").snapshot()
    view.set_view_options({"stage": "weights"})
    view.show_frame(frame)
    page = view.pages["mha"]
    qtbot.wait(10)
    with qtbot.waitSignal(view.params_requested, timeout=2000) as blocker:
        click(page.single_canvas, page.single.plot, 3.5, 1.5, qtbot)        # query 2 → key 4
    assert blocker.args == [{"custom_mask": "2:4"}]
    # the lab applies it; the view then shows the cell masked, and a second click unmasks it
    lab = AttentionLab(model="mha", custom_mask="2:4")
    view.show_frame(lab.snapshot())
    assert page.single.values[1, 3] == 0.0
    with qtbot.waitSignal(view.params_requested, timeout=2000) as blocker:
        click(page.single_canvas, page.single.plot, 3.5, 1.5, qtbot)
    assert blocker.args == [{"custom_mask": ""}]


def test_a_click_that_would_mask_a_whole_row_is_refused(view, qtbot):
    frame = AttentionLab(model="mha", causal=True).snapshot()   # row 1 may only see itself
    view.set_view_options({"stage": "masked"})
    view.show_frame(frame)
    page = view.pages["mha"]
    received = []
    view.params_requested.connect(received.append)
    click(page.single_canvas, page.single.plot, 0.5, 0.5, qtbot)
    click(page.single_canvas, page.single.plot, 5.5, 0.5, qtbot)  # already hidden by the causal mask
    assert received == []
    assert view.status.text()


def test_clicking_a_thumbnail_zooms_and_tells_the_window(frames, view, qtbot):
    view.set_view_options({"panel": "model", "layer": 1, "head": 1})
    view.show_frame(frames["pretrained"])
    mv = view.pages["pretrained"].model_view
    S, gap, T = mv._geometry
    step = S + gap
    with qtbot.waitSignal(view.params_requested, timeout=2000) as blocker:
        click(mv.canvas, mv.grid, 2 * step + S / 2, 4 * step + S / 2, qtbot)   # layer 5, head 3
    assert blocker.args == [{"layer": 5, "head": 3}]
    assert view.view_options["layer"] == 5
    np.testing.assert_array_equal(mv.zoom.values, frames["pretrained"]["attentions"][4, 2])


def test_model_view_reuses_its_items(frames, view):
    view.set_view_options({"panel": "model"})
    view.show_frame(frames["pretrained"])
    mv = view.pages["pretrained"].model_view
    image, n_items = mv.image, len(mv.grid.items)
    other = AttentionLab(model="minilm", text="A different, longer sentence to draw again.").snapshot()
    view.show_frame(other)
    view.show_frame(frames["pretrained"])
    assert mv.image is image and len(mv.grid.items) == n_items


def test_mosaic_keeps_every_head_and_its_peaks():
    rng = np.random.default_rng(0)
    att = rng.random((2, 3, 100, 100)).astype(np.float32) * 0.1
    att[1, 2, 37, 61] = 1.0
    lut = lookup_table("viridis")
    from PySide6.QtGui import QColor

    image, S, gap = mosaic(att, lut, QColor("#ffffff"), max_cells=50)
    assert S == 50 and image.shape == (2 * S + gap, 3 * S + 2 * gap, 4)
    peak = image[S + gap + 37 // 2, 2 * (S + gap) + 61 // 2]
    assert tuple(peak) == tuple(lut[255])                              # max-pooling kept the peak


def test_head_view_hover_keeps_only_that_tokens_lines(frames, view):
    view.set_view_options({"panel": "head", "layer": 2, "head": 0})
    view.show_frame(frames["pretrained"])
    hv = view.pages["pretrained"].head_view
    assert hv.enabled == set(range(12))
    all_lines, _ = line_groups(hv.weights, range(12), 12, None)
    vb = hv.plot.getViewBox()
    hv._mouse_moved(vb.mapViewToScene(QPointF(-0.2, 3)))
    assert hv.focus == ("query", 3)
    focused, _ = line_groups(hv.weights, range(12), 12, hv.focus)
    n_all = sum(p.elementCount() for _, p in all_lines)
    n_focus = sum(p.elementCount() for _, p in focused)
    assert 0 < n_focus < n_all / 5
    hv.buttons[0].click()                                              # hide head 1
    assert 0 not in hv.enabled


def test_truncation_note_is_shown(view):
    frame = AttentionLab(model="minilm", text=" ".join(["word"] * 600)).snapshot()
    view.set_view_options({"panel": "heatmap"})
    view.show_frame(frame)
    note = view.pages["pretrained"].note
    assert note.isVisibleTo(view) and "602" in note.text() and "512" in note.text()


def test_theme_font_scale_and_language(frames, view):
    for frame in frames.values():
        view.show_frame(frame)
    view.apply_theme(DARK)
    view.apply_font_scale(1.6)
    try:
        i18n.set_language("zh_CN")
        view.retranslate()
        view.show_frame(frames["mha"])
        assert "多头注意力" in view.pages["mha"].title.text()
        view.show_frame(frames["train"])
        assert "学习" in view.pages["train"].title.text()
    finally:
        i18n.set_language("en")
    view.apply_theme(LIGHT)
    view.apply_font_scale(1.0)


def test_the_table_driven_strings_have_chinese_translations():
    """(tr() literals, option labels and lesson files are checked for every explainer in test_contract.)"""
    from tests.ui.test_contract import _catalog
    from visualizer.ui.views.attention.mha_page import SHORT, STAGES
    from visualizer.ui.views.attention.pretrained_page import PANEL_TITLES
    from visualizer.ui.views.attention.train_page import TASK_TEXT

    strings = {t for t, _ in STAGES.values()} | set(SHORT.values()) | set(PANEL_TITLES.values())
    strings |= set(TASK_TEXT.values()) | {"reverse", "copy", "sort"}
    assert not sorted(strings - set(_catalog()))


def test_compared_stages_share_one_colour_scale_with_a_bar(frames, view):
    frame = AttentionLab(model="mha").snapshot()
    view.show_frame(frame)
    page = view.pages["mha"]
    grid = page.grid
    scores = frame["scores"][0]
    m = float(np.abs(scores).max())
    for stage in ("scores", "scaled", "masked"):          # ÷ √d_k is drawn on Q·Kᵀ's scale: it fades
        assert grid[stage].levels == pytest.approx((-m, m), rel=1e-6)
    assert float(np.abs(frame["scaled"][0]).max()) < 0.9 * m
    with_bar = {name for name, hm in grid.items() if hm.colorbar is not None}
    assert with_bar == {"v", "masked", "weights", "output"}   # one bar per shared scale
    from visualizer.ui.widgets.plots import fmt

    bar = grid["masked"].colorbar.axis                          # the bar says the shared scale's ends
    assert [text for _, text in bar._tickLevels[0]][0] == fmt(-m, 2)
    view.set_view_options({"stage": "scaled"})               # one stage large: still Q·Kᵀ's scale
    assert page.single.levels == pytest.approx((-m, m), rel=1e-6) and page.single.colorbar is not None
    assert "probability" not in page.single.cmap_name and page.single.cmap_name == "CET-D1"
    view.set_view_options({"stage": "weights"})
    assert page.single.cmap_name == "viridis"
    view.apply_theme(DARK)
    assert page.single.cmap_name == "viridis-dark"            # viridis' near-black end is cut on dark


def test_the_hover_readout_follows_a_mask_click(view, qtbot):
    view.set_view_options({"stage": "weights"})
    view.show_frame(AttentionLab(model="mha").snapshot())
    page = view.pages["mha"]
    hm = page.single
    hm._hover_cell = (1, 3)                               # the pointer rests on query 2 → key 4
    before = hm.describe_cell(1, 3)
    view.show_frame(AttentionLab(model="mha", custom_mask="2:4").snapshot())   # what the click asked for
    assert view.status.text() == hm.describe_cell(1, 3) != before
    assert view.status.text().endswith("= 0")


def test_head_buttons_are_readable_on_the_dark_theme(frames, view):
    from PySide6.QtGui import QColor

    from visualizer.ui.views.attention.common import head_colour
    from visualizer.ui.widgets.colors import _contrast

    for h in range(12):
        assert _contrast(head_colour(h, 12, DARK.background), QColor(DARK.background)) >= 3.0
        assert _contrast(head_colour(h, 12, LIGHT.background), QColor(LIGHT.background)) >= 3.0
    assert _contrast(QColor("#3949ab"), QColor(DARK.background)) < 3.0   # head 11 as it was: unreadable


def test_the_figure_writes_readable_tokens_and_exports_the_tokenizers(frames, view):
    frame = frames["pretrained"]
    assert any(t.startswith("##") or t in ("[CLS]", "[SEP]") for t in frame["tokens"])
    view.set_view_options({"panel": "heatmap", "layer": 1, "head": 1})
    view.show_frame(frame)
    page = view.pages["pretrained"]
    assert page.heatmap.cols == list(frame["token_labels"])
    data = view.data_frame()
    assert list(data["tokens"]) == list(frame["tokens"]) and "token_labels" in data.arrays
