"""The LSTM view draws every panel from real lab frames (LSTM, GRU, RNN; single and compare),
shows the frame's own numbers, moves the time step t by its own controls (never training),
lets a finder click pick the unit, restyles, exports PNG/SVG/PDF, and has its words in Chinese."""

import ast
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from visualizer.labs.lstm.config import OPTIONS, PAGES
from visualizer.labs.lstm.lab import LSTMLab
from visualizer.ui.export import export_figure
from visualizer.ui.theme import DARK, LIGHT
from visualizer.ui.views.lstm import LSTMView

from tests.support import reused_view_fixtures

SMALL = dict(hidden=8, length=12, batch=8)


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        out = {}
        for cell in ("lstm", "gru", "rnn"):
            lab = LSTMLab(seed=0, cell=cell, task="adding", **SMALL)
            for _ in range(3):
                lab.step()
            out[cell] = lab.snapshot()
        lab = LSTMLab(seed=0, task="adding", compare=True, **SMALL)
        lab.step()
        lab.step()
        out["compare"] = lab.snapshot()
        lab = LSTMLab(seed=0, task="brackets", layers=2, **SMALL)
        lab.step()
        out["layers2"] = lab.snapshot()
        corpus = tmp_path_factory.mktemp("corpus") / "fox.txt"
        corpus.write_text('print("the quick brown fox")\n    jumps(over, [the, lazy], dog)\n' * 30, encoding="utf-8")
        lab = LSTMLab(seed=0, task="charlm", corpus=str(corpus), text='x = "fox"\nif (a):\n    y', **SMALL)
        lab.step()
        out["charlm"] = lab.snapshot()
        return out
    finally:
        torch.set_num_threads(threads)


shared_view, view = reused_view_fixtures(LSTMView)


def page_of(view):
    return view.current_page()


def check_png(path, size):
    image = QImage(str(path))
    assert not image.isNull() and (image.width(), image.height()) == size
    pixels = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 29)}
    assert len(pixels) > 10, "the figure is blank"


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_every_panel_draws_for_every_cell(view, frames, cell):
    frame = frames[cell]
    view.show_frame(frame)
    page = page_of(view)
    for name in PAGES:
        view.set_view_options({"page": name, "quantity": "f"})
        assert page.stack.currentWidget() is page.panels[name].widget
        assert page.title.text().startswith(cell.upper())
        assert page.subtitle.text()
    # quantities the cell lacks say so instead of failing
    view.set_view_options({"page": "heatmap", "quantity": "c"})
    if cell == "lstm":
        assert not page.note.isVisibleTo(page)
    else:
        assert f"The {cell.upper()} has no cell state c" in page.note.text()
    view.set_view_options({"quantity": "i"})
    assert ("has no input gate" in page.note.text()) == (cell != "lstm")


def test_heatmap_values_are_the_frames(view, frames):
    frame = frames["lstm"]
    view.show_frame(frame)
    page = page_of(view)
    panel = page.panels["heatmap"]
    for q, g in (("i", 0), ("f", 1), ("g", 2), ("o", 3)):
        view.set_view_options({"page": "heatmap", "quantity": q})
        np.testing.assert_array_equal(panel.hm.values, frame["gates"][0, :, g, :].T)
        expected = (-1, 1) if q == "g" else (0, 1)        # σ gates in [0, 1], the tanh candidate in [−1, 1]
        assert tuple(panel.hm.image.levels) == expected
    view.set_view_options({"quantity": "c"})
    np.testing.assert_array_equal(panel.hm.values, frame["c"][0].T)
    lo, hi = panel.hm.image.levels
    assert lo == -hi and hi == pytest.approx(np.abs(frame["c"][0]).max())       # symmetric
    assert panel.hm.cols == list(frame["tokens"])
    view.set_view_options({"quantity": "x"})
    np.testing.assert_array_equal(panel.hm.values, frame["inputs"].T)
    # GRU gates r, z, n
    gru = frames["gru"]
    view.show_frame(gru)
    view.set_view_options({"quantity": "z"})
    np.testing.assert_array_equal(panel.hm.values, gru["gates"][0, :, 1, :].T)
    # layer 2 of a two-layer LSTM
    two = frames["layers2"]
    view.show_frame(two)
    view.set_view_options({"quantity": "h", "layer": 2})
    np.testing.assert_array_equal(panel.hm.values, two["h"][1].T)
    # hover says quantity, layer, unit and t with the exact value
    text = panel.hm.describe_cell(3, 5)
    assert "layer 2" in text and "unit 4" in text and "t = 6" in text and f"{two['h'][1, 5, 3]:.6g}" in text


def test_cell_diagram_shows_the_steps_values(view, frames):
    frame = frames["lstm"]
    view.show_frame(frame)
    view.set_view_options({"page": "cell", "t": 4, "unit": 3})
    panel = page_of(view).panels["cell"]
    gates = frame["gates"][0, 3]
    for g, name in enumerate("ifgo"):
        np.testing.assert_array_equal(panel.diagram.strips[name].values, gates[g])
    np.testing.assert_array_equal(panel.diagram.strips["c_prev"].values, frame["c"][0, 2])
    np.testing.assert_array_equal(panel.diagram.strips["h"].values, frame["h"][0, 3])
    assert f"{frame['gates'][0, 3, 1, 2]:+.3f}".replace("-", "−") in panel.diagram.labels["f"].toHtml()
    hints = []
    view.pages["lstm"].hint.connect(hints.append)
    panel._hovered("f", 2)
    assert hints and "unit 3" in hints[-1] and "t = 4" in hints[-1]
    view.set_view_options({"t": 1})    # t = 1: the previous state is the zero initial state
    assert not panel.diagram.strips["c_prev"].values.any()
    panel.diagram.clicked.emit(6)      # a click on a strip picks the unit
    assert view.view_options["unit"] == 7
    rnn = frames["rnn"]
    view.show_frame(rnn)
    assert set(panel.diagram.strips) == {"h_prev", "h", "x"}


def test_t_controls_move_t_clamp_and_never_train(view, frames, qtbot):
    frame = frames["lstm"]
    T = len(frame["tokens"])
    view.show_frame(frame)
    view.set_view_options({"page": "cell", "t": 1})
    page = page_of(view)
    asked = []
    view.params_requested.connect(asked.append)
    page.forward.click()
    assert view.view_options["t"] == 2 and page.slider.value() == 2
    page.back.click()
    page.back.click()                            # clamped at 1
    assert view.view_options["t"] == 1 and not page.back.isEnabled()
    page.slider.setValue(T + 5)                  # the scrubber's range is the sequence
    assert view.view_options["t"] == T and not page.forward.isEnabled()
    view.set_view_options({"t": 999})            # beyond the sequence: drawn at the last step
    assert page.t_label.text().startswith(f"t = {T} / {T}")
    view.set_view_options({"t": 3})
    qtbot.keyClick(view, Qt.Key.Key_BracketRight)
    qtbot.keyClick(view, Qt.Key.Key_Period)
    assert view.view_options["t"] == 5
    qtbot.keyClick(view, Qt.Key.Key_BracketLeft)
    assert view.view_options["t"] == 4
    qtbot.keyClick(view, Qt.Key.Key_Space)       # Space belongs to the lesson
    assert view.view_options["t"] == 4
    assert all(set(a) <= {"t", "animate", "page", "unit", "layer"} for a in asked)   # view options only
    # animate: a timer in the page steps t, wrapping around at the end
    view.set_view_options({"t": T})
    page.animate.setChecked(True)
    assert view.view_options["animate"] and page.timer.isActive()
    page._tick()
    assert view.view_options["t"] == 1
    page._tick()
    assert view.view_options["t"] == 2
    qtbot.waitUntil(lambda: view.view_options["t"] > 2, timeout=2000)
    view.set_view_options({"page": "train"})     # no time axis there: the timer rests
    assert not page.timer.isActive() and not page.slider.isVisible()
    view.set_view_options({"animate": False, "page": "cell"})
    assert not page.timer.isActive() and not page.animate.isChecked()


def test_heatmap_click_and_finder_click_pick_unit_and_layer(view, frames):
    two = frames["layers2"]
    view.show_frame(two)
    view.set_view_options({"page": "heatmap"})
    page = page_of(view)
    page.panels["heatmap"].hm.cell_clicked.emit(2, 7)
    assert view.view_options["t"] == 8 and view.view_options["unit"] == 3
    view.set_view_options({"page": "finder", "property": "bracket_depth"})
    panel = page.panels["finder"]
    p = list(two["finder_property"]).index("bracket_depth")
    assert [(a, b) for a, b, _ in panel.ranked] == list(zip(two["finder_top_layer"][p], two["finder_top_unit"][p]))
    asked = []
    view.params_requested.connect(asked.append)
    panel.select_rank(1)
    layer, unit = int(two["finder_top_layer"][p, 1]), int(two["finder_top_unit"][p, 1])
    assert view.view_options["layer"] == layer + 1 and view.view_options["unit"] == unit + 1
    assert asked[-1] == {"layer": layer + 1, "unit": unit + 1}
    assert panel.selected.isVisible()
    view.set_view_options({"property": "in_string"})     # not a property of brackets: said, not failed
    assert "not a property" in page.note.text()


def test_train_compare_and_sample_panels(view, frames):
    comp = frames["compare"]
    view.show_frame(comp)
    assert view.stack.currentWidget() is view.pages["compare"]
    view.set_view_options({"page": "compare"})
    page = page_of(view)
    panel = page.panels["compare"]
    assert set(panel.losses.curves) == {"rnn", "gru", "lstm"}
    for cell in ("rnn", "gru", "lstm"):
        np.testing.assert_allclose(panel.losses.data(cell)[1], comp[f"loss_{cell}"])
        np.testing.assert_allclose(panel.grads.data(cell)[1], comp[f"grad_norm_{cell}"])
    assert "÷" in page.facts.text()
    view.set_view_options({"page": "train"})
    assert set(page.panels["train"].curves.curves) == {"loss_rnn", "loss_gru", "loss_lstm"}
    assert page.panels["train"].baseline.isVisible()
    view.show_frame(frames["lstm"])
    view.set_view_options({"page": "compare"})
    assert "Turn on compare" in page.note.text()
    view.set_view_options({"page": "sample"})
    assert "charlm" in page.note.text()
    char = frames["charlm"]
    view.show_frame(char)
    assert "".join(char["sample"][:5]).replace(" ", "&nbsp;")[:3] in page.panels["sample"].widget.text()
    view.set_view_options({"page": "trace", "quantity": "c", "unit": 2, "t": 3})
    text = page.panels["trace"].text.text()
    assert text.count("<span") >= len(char["tokens"])
    np.testing.assert_array_equal(page.panels["trace"].trace, char["c"][0, :, 1])


def test_theme_font_scale_and_export(view, frames, tmp_path):
    view.show_frame(frames["lstm"])
    for name in ("cell", "heatmap", "finder"):
        view.set_view_options({"page": name})
        view.apply_theme(DARK)
        view.apply_font_scale(1.6)
        page = page_of(view)
        # the kit's rule: page texts grow with the font scale (more slowly than plot labels)
        from visualizer.ui.views.page import text_scale
        assert page.title.font().pointSizeF() == pytest.approx(15 * text_scale(1.6))
        assert page.palette().window().color().name() == DARK.background
        widget = view.figure_widget()
        export_figure(widget, tmp_path / f"{name}.png", scale=1.0)
        check_png(tmp_path / f"{name}.png", (widget.width(), widget.height()))
        view.apply_theme(LIGHT)
        view.apply_font_scale(1.0)
    export_figure(view.figure_widget(), tmp_path / "f.svg")
    assert ET.parse(tmp_path / "f.svg").getroot().tag.endswith("svg")
    export_figure(view.figure_widget(), tmp_path / "f.pdf")
    data = (tmp_path / "f.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]
    frame = view.data_frame()
    assert frame is frames["lstm"]
    for name in ("tokens", "inputs", "h", "c", "gates", "weight_ih_l0", "grad_norm", "loss"):
        assert name in frame.arrays


def test_lesson_view_keys_are_view_options():
    from visualizer.core.resources import resources_dir

    names = {o.name for o in OPTIONS.by_role("view")}
    for lang in ("en", "zh_CN"):
        lesson = json.loads((resources_dir() / "lessons" / f"lstm.{lang}.json").read_text(encoding="utf-8"))
        for step in lesson["steps"]:
            assert set(step.get("view", {})) <= names
            for name, value in step.get("view", {}).items():
                OPTIONS[name].coerce(value)
            assert not set(step.get("options", {})) & names


def test_every_view_string_has_a_chinese_translation(view, frames):
    import visualizer.ui.views.lstm as package
    from visualizer.core.resources import resources_dir
    from visualizer.ui import i18n
    from visualizer.ui.views.lstm import common

    strings = {o.help for o in OPTIONS}
    for table in (common.TASK_WORDS, common.PROPERTY_WORDS, common.QUANTITY_WORDS, common.PAGE_TITLES):
        strings |= set(table.values())
    for path in Path(package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tr" and node.args \
                    and isinstance(node.args[0], ast.Constant):
                strings.add(node.args[0].value)
    catalog = json.loads((resources_dir() / "i18n" / "zh_CN" / "lstm.json").read_text(encoding="utf-8"))
    missing = sorted(s for s in strings if s not in catalog)
    assert not missing
    for english, chinese in catalog.items():
        assert set(re.findall(r"\{\w*\}", english)) == set(re.findall(r"\{\w*\}", chinese)), english
    try:
        i18n.set_language("zh_CN")
        view.show_frame(frames["lstm"])
        for name in PAGES:
            view.set_view_options({"page": name})
            assert any("\u4e00" <= ch <= "\u9fff" for ch in page_of(view).title.text() + page_of(view).facts.text()
                       + page_of(view).note.text())
    finally:
        i18n.set_language("en")
        view.retranslate()


def test_lstm_is_registered_and_ready():
    from visualizer.core import registry

    explainer = registry.get("lstm")
    assert explainer.ready
    assert explainer.load_view() is LSTMView


# ---- presentation zoom --------------------------------------------------------------------------------
@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_at_1280x720_nothing_in_the_bar_is_cut_or_covered_and_the_trace_keeps_its_curve(qtbot, scale):
    torch.set_num_threads(1)
    text = "def greet(names):\n    return [f'hello {n}' for n in names]\n" * 3
    lab = LSTMLab(seed=0, task="charlm", hidden=16, batch=4, text=text)
    lab.step()
    frame = lab.snapshot()
    view = LSTMView(LIGHT, scale)
    qtbot.addWidget(view)
    view.resize(1280, 720)
    view.show()
    view.show_frame(frame)
    for name in ("cell", "trace", "train"):
        view.set_view_options({"page": name, "t": 12})
        qtbot.wait(20)
        page = page_of(view)
        tabs = page.tabs
        assert tabs.sizeHint().width() <= tabs.width() + 1, "tabs would scroll"
        shown = [w for w in (tabs, page.back, page.slider, page.forward, page.t_label, page.animate) if w.isVisible()]
        rects = [w.rect().translated(w.mapTo(page, w.rect().topLeft())) for w in shown]
        for i, a in enumerate(rects):
            assert page.rect().contains(a), shown[i]
            for b in rects[i + 1:]:
                assert not a.intersects(b), "two controls overlap"
        if page.t_label.isVisible():
            assert page.t_label.fontMetrics().horizontalAdvance(page.t_label.text()) <= page.t_label.width()
    trace = page.panels["trace"]
    view.set_view_options({"page": "trace"})
    qtbot.waitUntil(lambda: trace.text.height() >= trace.text.heightForWidth(trace.text.width()) - 2, timeout=5000)
    assert trace.plot.getViewBox().height() > 60                                        # the curve has room
    train = page.panels["train"]
    view.set_view_options({"page": "train"})
    qtbot.wait(20)
    (_, _), (y0, y1) = train.plot.getViewBox().viewRange()
    assert y0 < train.baseline.value() < y1 - 0.1 * (y1 - y0)        # room above the dashed line for its words
    view.close()
