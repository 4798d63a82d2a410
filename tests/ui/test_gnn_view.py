"""The GNN view draws real lab frames (GCN, GAT, SAGE, GIN), shows the frame's own numbers (the
message table, the node positions), steps (layer, phase) by its own controls (never training),
asks the lab for a clicked node, says when the classes are communities, restyles, exports
PNG/SVG/PDF, and has its words in Chinese."""

import ast
import contextlib
import itertools
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
import torch
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from visualizer.core.frame import Frame
from visualizer.labs.gnn.config import OPTIONS
from visualizer.labs.gnn.lab import GNNLab
from visualizer.ui.export import export_figure
from visualizer.ui.theme import DARK, LIGHT
from visualizer.ui.views.gnn import GNNView
from visualizer.ui.views.gnn.graph import turn

from tests.support import reused_view_fixtures

SMALL = dict(graph="karate", hidden=4)


@pytest.fixture(scope="module")
def frames():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        out = {}
        for model in ("gcn", "gat", "sage", "gin"):
            lab = GNNLab(seed=0, model=model, **SMALL)
            for _ in range(3):
                lab.step()
            out[model] = lab.snapshot()
        lab = GNNLab(seed=0, graph="florentine", hidden=4, layers=3)
        lab.step()
        out["communities"] = lab.snapshot()
        return out
    finally:
        torch.set_num_threads(threads)


shared_view, view = reused_view_fixtures(GNNView)


def page_of(view):
    return view.current_page()


def check_png(path, size):
    image = QImage(str(path))
    assert not image.isNull() and (image.width(), image.height()) == size
    pixels = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 29)}
    assert len(pixels) > 10, "the figure is blank"


@pytest.mark.parametrize("model", ["gcn", "gat", "sage", "gin"])
def test_every_phase_draws_for_every_model(view, frames, model):
    frame = frames[model]
    view.show_frame(frame)
    page = page_of(view)
    for layer in range(2):
        for phase in ("message", "aggregate", "update"):
            view.set_view_options({"layer": layer, "phase": phase})
            assert page.title.text() and page.subtitle.text() and page.facts.text()
            assert f"layer {layer + 1}" in page.title.text() and phase in page.title.text()
            assert page.table.values is not None and np.isfinite(page.table.values).all()
    assert frame.info["model"].upper()[:2] in page.subtitle.text().upper()


def test_message_table_values_are_the_frames(view, frames):
    frame = frames["gcn"]
    view.show_frame(frame)
    page = page_of(view)
    names = frame["node_names"]
    node = int(frame["node"])
    for k in range(2):
        view.set_view_options({"layer": k, "phase": "message"})
        np.testing.assert_array_equal(page.table.values, frame[f"messages_l{k}"])
        sources = frame[f"message_sources_l{k}"]
        assert [r.split(" ")[0] for r in page.table.rows] == [str(names[s]) for s in sources]
        assert any("(self)" in r for r in page.table.rows)            # GCN's self-loop is one of the rows
        np.testing.assert_array_equal(page.coef.values[:, 0], frame[f"message_coef_l{k}"])
        view.set_view_options({"phase": "aggregate"})
        np.testing.assert_array_equal(page.table.values[0], frame[f"aggregate_l{k}"])
        view.set_view_options({"phase": "update"})
        np.testing.assert_array_equal(page.table.values[0], frame[f"update_l{k}"])
    np.testing.assert_array_equal(page.table.values[1], frame["prob"][node])   # the last layer: softmax
    view.set_view_options({"layer": 0})
    np.testing.assert_array_equal(page.table.values[1], frame["out_l0"])
    # GAT: the shown head, or every head side by side
    gat = frames["gat"]
    view.show_frame(gat)
    view.set_view_options({"layer": 0, "phase": "message", "head": 1})
    np.testing.assert_array_equal(page.table.values, gat["messages_l0"][:, 1, :])
    np.testing.assert_array_equal(page.coef.values[:, 0], gat["message_coef_l0"][:, 1])
    view.set_view_options({"head": -1})
    m, H, W = gat["messages_l0"].shape
    np.testing.assert_array_equal(page.table.values, gat["messages_l0"].reshape(m, H * W))
    assert page.coef.values.shape == (m, H)
    view.set_view_options({"phase": "aggregate"})
    np.testing.assert_array_equal(page.table.values, gat["aggregate_l0"])
    # SAGE: raw neighbour vectors, no coefficient column
    sage = frames["sage"]
    view.show_frame(sage)
    view.set_view_options({"phase": "message", "layer": 1})
    np.testing.assert_array_equal(page.table.values, sage["messages_l1"])
    assert not page.coef_plot.isVisible()
    view.set_view_options({"phase": "aggregate"})
    assert "mean of the" in page.facts.text() and page.table.title.endswith("mean")


def test_a_layout_turns_a_quarter_round_to_fill_its_plot_and_back(view, frames):
    frame = frames["gcn"]
    view.show_frame(frame)
    page = page_of(view)
    graph, vb = page.graph, page.graph_plot.getViewBox()
    pos = np.asarray(frame["pos"], dtype=np.float64)
    assert np.ptp(pos[:, 0]) >= np.ptp(pos[:, 1])          # the lab lays graphs out landscape
    for size, turned in (((1400, 500), False), ((520, 900), True), ((1400, 500), False)):
        view.resize(*size)
        QApplication.processEvents()     # paused: the resize alone redraws it turned or not
        assert graph.turned is turned, size
        np.testing.assert_array_equal(graph.nodes.positions(), turn(pos) if turned else pos)
        if turned:                        # a tall plot: turned, the layout draws larger than upright
            spread = np.ptp(turn(pos), axis=0)
            assert min(vb.width() / spread[0], vb.height() / spread[1]) > \
                min(vb.width() / np.ptp(pos[:, 0]), vb.height() / np.ptp(pos[:, 1]))
    view.resize(1280, 720)
    QApplication.processEvents()


def test_a_short_canvas_takes_the_right_hand_plots_out_of_its_grid_and_puts_them_back(view, frames):
    from PySide6.QtCore import Qt

    view.show_frame(frames["gcn"])
    page = page_of(view)
    view.apply_font_scale(2.0)              # presentation zoom in a 1280 × 720 window
    view.resize(1180, 470)
    QApplication.processEvents()
    assert page.compact() and not page.emb_plot.isVisible()
    canvas, grid = page.canvas, page.canvas.ci.layout
    # a hidden plot's minimum still counted: the rows grew taller than the canvas, cutting the
    # graph's legend and the table's axis name off at the bottom
    assert grid.effectiveSizeHint(Qt.SizeHint.MinimumSize).height() <= canvas.height()
    assert page.canvas.ci.geometry().height() <= canvas.height() + 0.5
    legend = page.graph.legend_row.mapRectToScene(page.graph.legend_row.boundingRect())
    assert legend.height() > 0 and legend.bottom() <= canvas.height() + 0.5
    view.apply_font_scale(1.0)
    view.resize(1280, 720)
    QApplication.processEvents()
    assert not page.compact()
    held = {grid.itemAt(i) for i in range(grid.count())}
    for plot in (page.emb_plot, page.train.plot, page.smooth.plot):
        assert plot in held and plot.isVisible() and plot.geometry().height() > 50


def test_the_coefficient_column_keeps_its_rows_level_with_the_message_table(view, frames):
    view.show_frame(frames["gcn"])
    view.set_view_options({"phase": "message", "layer": 0})
    page = page_of(view)
    tv, cv = page.table.plot.getViewBox(), page.coef_plot.getViewBox()
    rows = page.table.values.shape[0]
    for size in ((1280, 720), (720, 1000), (1600, 520)):    # the table's square cells: narrow or short
        view.resize(*size)
        QApplication.processEvents()
        for i in (0, rows // 2, rows):
            t = tv.mapViewToScene(pg.Point(0, i)).y()
            c = cv.mapViewToScene(pg.Point(0, i)).y()
            assert abs(t - c) <= 0.5, (size, i, t, c)
    # one column ("norm") is named by its title, not again under it; GAT's heads keep their labels
    assert not page.coef_plot.getAxis("bottom").isVisible()
    view.show_frame(frames["gat"])
    view.set_view_options({"head": -1})
    assert page.coef.values.shape[1] > 1 and page.coef_plot.getAxis("bottom").isVisible()
    view.resize(1280, 720)
    QApplication.processEvents()


def test_graph_positions_colours_and_edges(view, frames):
    frame = frames["gat"]
    view.show_frame(frame)
    page = page_of(view)
    graph = page.graph
    drawn = turn(frame["pos"]) if graph.turned else frame["pos"]     # the layout, maybe a quarter turn round
    np.testing.assert_array_equal(graph.nodes.positions(), drawn)
    E = frame["edge_index"].shape[1]
    assert len(graph.edges.getData()[0]) == E               # each undirected edge once: 2 points per edge
    node = int(frame["node"])
    np.testing.assert_array_equal(np.stack(graph.selected.getData(), axis=1)[0], drawn[node])
    assert set(graph.shown_labels) == {str(n) for n in frame["node_names"]}     # small: every node
    view.set_view_options({"color_by": "prediction"})
    np.testing.assert_array_equal(page.colors.index, frame["pred"])
    view.set_view_options({"color_by": "class"})
    np.testing.assert_array_equal(page.colors.index, frame["labels"])
    assert graph.legend.isVisible() and not graph.colorbar.isVisible()
    view.set_view_options({"color_by": "embedding", "color_dim": 1, "layer": 0})
    assert graph.colorbar.isVisible() and "dimension 1" in page.graph_plot.titleLabel.text
    h = frame["h_l0"][:, 1]
    assert np.argmax(page.colors.index) == np.argmax(h) and np.argmin(page.colors.index) == np.argmin(h)
    view.set_view_options({"edges": "attention", "head": 0})
    drawn = sum(0 if item.getData()[0] is None else len(item.getData()[0]) for item in graph.alpha_edges)
    assert drawn == 2 * E and not graph.edges.isVisible()         # every directed edge but the self-loops
    assert "α" in page.graph_plot.titleLabel.text
    view.set_view_options({"edges": "plain"})
    assert graph.edges.isVisible()
    # the receptive field: the messages' edges into the node, the field's edges
    assert len(graph.message_edges.getData()[0]) == 2 * (len(frame["message_sources_l0"]) - 1)
    view.set_view_options({"show_labels": False})
    assert graph.shown_labels == [str(frame["node_names"][node])]


def test_step_buttons_and_keys_walk_layer_and_phase_and_clamp(view, frames, qtbot):
    frame = frames["gcn"]
    view.show_frame(frame)
    view.set_view_options({"layer": 0, "phase": "message"})
    page = page_of(view)
    asked = []
    view.params_requested.connect(asked.append)
    assert not page.back.isEnabled()
    page.back.click()
    assert (view.view_options["layer"], view.view_options["phase"]) == (0, "message")
    seen = []
    for _ in range(7):
        page.forward.click()
        seen.append((view.view_options["layer"], view.view_options["phase"]))
    assert seen == [(0, "aggregate"), (0, "update"), (1, "message"), (1, "aggregate"), (1, "update"),
                    (1, "update"), (1, "update")]                                  # clamped at the end
    assert not page.forward.isEnabled() and page.step_label.text() == "layer 2 / 2 · update"
    qtbot.keyClick(view, Qt.Key.Key_BracketLeft)
    qtbot.keyClick(view, Qt.Key.Key_Comma)
    assert (view.view_options["layer"], view.view_options["phase"]) == (1, "message")
    qtbot.keyClick(view, Qt.Key.Key_Period)
    assert view.view_options["phase"] == "aggregate"
    qtbot.keyClick(view, Qt.Key.Key_Space)              # Space belongs to the lesson
    assert view.view_options["phase"] == "aggregate"
    assert all(set(a) <= {"layer", "phase"} for a in asked) and asked
    view.set_view_options({"layer": 5})                 # beyond the model: drawn at its last layer
    assert page.step_label.text().startswith("layer 2 / 2")
    assert frame.step == 3                              # stepping the view never trains


def test_a_click_on_a_node_asks_the_lab_for_it(view, frames, monkeypatch):
    monkeypatch.setitem(pg.CONFIG_OPTIONS, "mouseRateLimit", 0)    # pyqtgraph drops moves < 10 ms apart
    frame = frames["gcn"]
    view.show_frame(frame)
    page = page_of(view)
    asked, hints = [], []
    view.params_requested.connect(asked.append)
    page.hint.connect(hints.append)
    row = 5
    canvas = page.canvas
    QApplication.processEvents()                         # the layout a frame posts: the plots where they stay
    at = canvas.mapFromScene(page.graph.nodes.scene_pos(row))
    QTest.mouseMove(canvas.viewport(), at)
    QTest.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert asked[-1] == {"node": str(frame["node_names"][row])}
    n = len(asked)
    page.graph.node_clicked.emit(int(frame["node"]))     # the selected node: nothing to ask
    assert len(asked) == n
    QTest.mouseMove(canvas.viewport(), QPoint(2, 2))     # away, and back: the hover says what the node is
    QTest.mouseMove(canvas.viewport(), at)
    text = view.status.text()
    names = frame.info["class_names"]
    assert str(frame["node_names"][row]) in text and f"degree {int(frame['degree'][row])}" in text
    assert names[int(frame["pred"][row])] in text and "class" in text
    # a real click on the node's point in the embedding plot asks for it too
    emb_row = int(np.flatnonzero(frame["emb_nodes"] == 7)[0])
    at = canvas.mapFromScene(page.emb_dots.scene_pos(emb_row))
    QTest.mouseMove(canvas.viewport(), at)
    QTest.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert asked[-1] == {"node": str(frame["node_names"][7])}


def test_communities_are_said_and_the_lab_node_option_is_live(view, frames):
    frame = frames["communities"]
    assert frame.info["classes_from"] == "communities"
    view.show_frame(frame)
    page = page_of(view)
    assert "communities" in page.note.text() and page.note.isVisibleTo(page)
    view.set_view_options({"layer": 2, "phase": "update"})
    assert page.step_label.text().startswith("layer 3 / 3")
    view.show_frame(frames["gcn"])
    assert not page.note.isVisibleTo(page)
    assert OPTIONS["node"].role == "live"          # a click goes to the lab, not to the view


def test_theme_font_scale_and_export(view, frames, tmp_path):
    view.show_frame(frames["gat"])
    view.set_view_options({"edges": "attention"})
    view.apply_theme(DARK)
    view.apply_font_scale(2.0)
    page = page_of(view)
    from visualizer.ui.views.page import text_scale

    assert page.title.font().pointSizeF() == pytest.approx(15 * text_scale(2.0))   # the kit's title size
    assert page.palette().window().color().name() == DARK.background
    widget = view.figure_widget()
    export_figure(widget, tmp_path / "f.png", scale=1.0)
    check_png(tmp_path / "f.png", (widget.width(), widget.height()))
    view.apply_theme(LIGHT)
    view.apply_font_scale(1.0)
    export_figure(view.figure_widget(), tmp_path / "f.svg")
    assert ET.parse(tmp_path / "f.svg").getroot().tag.endswith("svg")
    export_figure(view.figure_widget(), tmp_path / "f.pdf")
    data = (tmp_path / "f.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]
    assert view.data_frame() is frames["gat"]


def test_lesson_view_keys_are_view_options():
    from visualizer.core.resources import resources_dir

    names = {o.name for o in OPTIONS.by_role("view")}
    for lang in ("en", "zh_CN"):
        lesson = json.loads((resources_dir() / "lessons" / f"gnn.{lang}.json").read_text(encoding="utf-8"))
        for step in lesson["steps"]:
            assert set(step.get("view", {})) <= names
            for name, value in step.get("view", {}).items():
                OPTIONS[name].coerce(value)
            assert not set(step.get("options", {})) & names


def test_every_view_string_has_a_chinese_translation(view, frames):
    import visualizer.ui.views.gnn as package
    from visualizer.core.resources import resources_dir
    from visualizer.ui import i18n
    from visualizer.ui.views.gnn import page as page_module
    from visualizer.ui.views.gnn import words

    strings = {o.help for o in OPTIONS}
    for table in (*words.TABLES, page_module.CURVE_WORDS, page_module.SMOOTH_WORDS):
        strings |= set(table.values())
    strings.add(GNNView.WAITING)
    for path in Path(package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tr" and node.args \
                    and isinstance(node.args[0], ast.Constant):
                strings.add(node.args[0].value)
    catalog = json.loads((resources_dir() / "i18n" / "zh_CN" / "gnn.json").read_text(encoding="utf-8"))
    missing = sorted(s for s in strings if s not in catalog)
    assert not missing
    for english, chinese in catalog.items():
        assert set(re.findall(r"\{\w*\}", english)) == set(re.findall(r"\{\w*\}", chinese)), english
    try:
        i18n.set_language("zh_CN")
        view.retranslate()
        view.show_frame(frames["gcn"])
        page = page_of(view)
        for phase in ("message", "aggregate", "update"):
            view.set_view_options({"phase": phase})
            assert any("\u4e00" <= ch <= "\u9fff" for ch in page.title.text())
            assert any("\u4e00" <= ch <= "\u9fff" for ch in page.table.title)
    finally:
        i18n.set_language("en")
        view.retranslate()


def test_gnn_is_registered_and_ready():
    from visualizer.core import registry

    explainer = registry.get("gnn")
    assert explainer.ready
    assert explainer.load_view() is GNNView


def test_loading_progress_is_shown_in_words_before_and_between_figures(qapp, frames):
    from visualizer.labs.gnn.progress import FRAME_KIND, PROGRESS

    fresh = GNNView(LIGHT, 1.0)
    fresh.resize(1280, 720)
    try:
        PROGRESS.begin("big.txt")
        PROGRESS.report("layout", 20, 50, nodes=100_000)
        fresh.poll_loading()                                # a build in this process: polled
        assert "PivotMDS" in fresh.waiting.text() and "20 of 50" in fresh.waiting.text()
        assert "100,000" in fresh.waiting.text()
        PROGRESS.end()
        fresh.show_frame(frames["gcn"])
        assert fresh.current_page() is not None and fresh.data_frame() is frames["gcn"]
        facts = {"loading_active": True, "loading_stage": "parse", "loading_done": 5,
                 "loading_total": 9, "loading_step": 2, "loading_steps": 5, "loading_elapsed_s": 3.0}
        fresh.show_frame(Frame(FRAME_KIND, 0, {}, facts))    # a frame a process runner forwards
        assert "line 5 of 9" in fresh.status.text() and fresh.data_frame() is frames["gcn"]
        fresh.show_frame(frames["gcn"])                      # the figure is back: the line is cleared
        assert fresh.status.text() == "" and fresh.loading_text == ""
    finally:
        PROGRESS.end()
        fresh.close()
        fresh.deleteLater()


def test_labels_are_one_item_that_holds_what_is_shown(view, frames):
    view.show_frame(frames["gcn"])
    graph = page_of(view).graph
    assert graph.labels.texts() == graph.shown_labels
    assert graph.labels.boundingRect().width() > 0
    before = graph.labels._key
    view.show_frame(frames["gcn"])                            # nothing changed: nothing re-laid out
    assert graph.labels._key is before
    frame = frames["gcn"]
    hops = np.asarray(frame["hops"])
    names = [str(n) for n in frame["node_names"]]
    for layer in (0, 1, 0):                                   # the field grows and shrinks: labels follow
        view.set_view_options({"layer": layer})
        dim = {text for x, y, text, color in graph.labels.labels if color.alpha() < 255}
        outside = {names[i] for i in np.flatnonzero((hops < 0) | (hops > layer + 1)) if names[i] in graph.shown_labels}
        assert dim == outside and len(graph.labels.labels) == len(graph.shown_labels)


def test_an_embedding_that_spreads_out_moves_its_range_every_few_frames_and_stays_inside():
    from visualizer.ui.views.gnn.ranges import StickyRange

    sticky, changes, rng = StickyRange(), 0, np.random.default_rng(0)
    lo, hi = -0.1, 0.05
    for step in range(60):                       # the extent grows ~10 % a frame, lopsided, noisy
        lo *= 1.12 + 0.05 * rng.random()
        hi *= 1.08 + 0.05 * rng.random()
        fitted = sticky.fit(lo, hi)
        changes += fitted is not None
        a, b = sticky.range
        assert a <= lo and hi <= b and (hi - lo) >= sticky.fill * (b - a)
    assert changes <= 20                         # it followed every frame before the bounds stuck
    assert sticky.fit(0.4 * lo, 0.4 * hi) is not None and sticky.range[0] > lo   # a shrunk cloud refits


def test_more_edges_than_drawn_are_a_seeded_sample_and_the_facts_say_so(view, frames, monkeypatch):
    from visualizer.ui.views.gnn import graph as graph_module

    monkeypatch.setattr(graph_module, "MAX_DRAWN_EDGES", 20)     # karate's 78 edges stand for 500 000
    frame = frames["gcn"]
    view.show_frame(frame)
    page = page_of(view)
    page.graph._graph_key = None                                  # draw the graph anew, with the cap
    view.show_frame(frame)
    drawn = page.graph.drawn_edges
    und = frame["edge_index"][:, frame["edge_index"][0] < frame["edge_index"][1]]
    assert drawn.shape[1] == 20 and len(page.graph.edges.getData()[0]) == 40
    assert {tuple(e) for e in drawn.T} <= {tuple(e) for e in und.T}                 # real edges
    assert f"a random 20 of the {und.shape[1]} edges" in page.facts.text()
    first = drawn.copy()
    view.show_frame(frames["sage"])
    view.show_frame(frame)
    np.testing.assert_array_equal(page_of(view).graph.drawn_edges, first)      # the same sample

    gat = frames["gat"]
    view.show_frame(gat)
    view.set_view_options({"edges": "attention", "head": 0})
    page = page_of(view)
    ei, alpha = gat["attention_edge_index"], gat["attention_l0"][:, 0]
    others = alpha[ei[0] != ei[1]]
    shown = sum(len(x) for x, _ in (item.getData() for item in page.graph.alpha_edges) if x is not None) // 2
    assert shown == 20 and f"the 20 edges of largest α, of {len(others)}" in page.facts.text()
    view.set_view_options({"edges": "plain"})


@contextlib.contextmanager
def zoomed_graph(view, frame, width: int, height: int):
    """The graph of `frame` at presentation zoom (×2) in a view of width × height, drawn again
    once laid out at that size; the view's size and zoom are put back afterwards."""
    size, scale = view.size(), view.font_scale
    view.apply_font_scale(2.0)
    try:
        view.resize(width, height)
        view.show_frame(frame)
        QApplication.processEvents()
        view.show_frame(frame)                   # drawn again at its laid-out size
        yield page_of(view).graph
    finally:
        view.resize(size)
        view.apply_font_scale(scale)


def test_labels_beside_the_nodes_only_as_many_as_fit(view, frames):
    """Presentation zoom in a small plot: the selected node and a few neighbours, not a pile."""
    frame = frames["gcn"]
    with zoomed_graph(view, frame, 700, 420) as graph:
        shown = graph.shown_labels
        node = str(frame["node_names"][int(frame["node"])])
        assert shown[0] == node and 1 <= len(shown) < len(frame["node_names"]) // 2
        hops = np.asarray(frame["hops"])
        assert all(hops[list(map(str, frame["node_names"])).index(s)] == 1 for s in shown[1:])   # its neighbours


def test_labels_beside_the_nodes_never_overprint(view, frames):
    """The selected node's neighbours sit round it: their labels take the first clear side of
    their node (right, left, above, below) or are left out, and the node's own is always there."""
    with zoomed_graph(view, frames["gcn"], 1000, 560) as graph:
        graph.plot.scene().views()[0].grab()              # a paint places the labels
        drawn = graph.labels.drawn
        assert drawn and drawn[0][0] == graph.shown_labels[0]
        assert not graph.labels.inside and len(graph.shown_labels) > 1
        for (ta, ra), (tb, rb) in itertools.combinations(drawn, 2):
            assert not ra.intersects(rb), f"{ta!r} {ra} and {tb!r} {rb} overlap"
