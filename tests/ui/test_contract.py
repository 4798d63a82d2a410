"""The contract every explainer's view keeps, checked for every ready explainer × every frame
kind its view declares: it draws a real lab's frame, exports PNG (of the figure's size), SVG
and PDF, hands data export the frame's arrays; every tr() string of its package has a 简体中文
translation with the same {placeholders}; its lessons are valid in both languages.

A new explainer adds one line per frame kind to CONTRACT_FRAMES (small, fast lab options that
produce that kind); the test fails until it does."""

from __future__ import annotations

import ast
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from visualizer.core import registry
from visualizer.core.resources import load_lesson, resources_dir
from visualizer.ui.export import export_figure
from visualizer.ui.theme import DARK, LIGHT
from visualizer.ui.widgets.options_panel import option_label

# explainer -> frame kind -> (lab options, steps to train first)
CONTRACT_FRAMES = {
    "attention": {"mha": ({"model": "mha", "pad_to": 8}, 0),
                  "pretrained": ({"model": "minilm", "text": "The cat sat."}, 0),
                  "train": ({"model": "train", "dim": 16, "heads": 2, "layers": 1}, 3)},
    "positional": {"sinusoidal": ({"kind": "sinusoidal", "positions": 16, "dim": 16}, 0),
                   "learned": ({"kind": "learned", "positions": 16}, 0),
                   "rope": ({"kind": "rope", "positions": 16, "dim": 16}, 0),
                   "alibi": ({"kind": "alibi", "positions": 12, "heads": 4}, 0),
                   "effect": ({"kind": "effect", "heads": 2}, 0)},
    "lstm": {"lstm": ({"task": "adding", "hidden": 8, "length": 12}, 2),
             "compare": ({"task": "adding", "hidden": 8, "length": 12, "compare": True}, 1)},
    "gan": {"gan2d": ({"width": 16, "depth": 1, "batch": 32}, 2),
            "digits": ({"distribution": "digits", "width": 16, "depth": 1, "batch": 16}, 1)},
    "gnn": {"gnn": ({"graph": "karate", "hidden": 4}, 2)},
}
CASES = [(e.id, kind) for e in registry.ready() for kind in e.load_view().PAGES]
_frames: dict = {}


def frame_for(explainer_id: str, kind: str):
    key = (explainer_id, kind)
    if key not in _frames:
        import torch

        options, steps = CONTRACT_FRAMES[explainer_id][kind]
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            lab = registry.get(explainer_id).load_lab()(seed=0, **options)
            for _ in range(steps):
                lab.step()
            _frames[key] = lab.snapshot()
        finally:
            torch.set_num_threads(before)
    return _frames[key]


def test_every_kind_has_a_contract_frame():
    missing = [case for case in CASES if case[1] not in CONTRACT_FRAMES.get(case[0], {})]
    assert not missing, f"add these to CONTRACT_FRAMES: {missing}"


@pytest.mark.parametrize("explainer_id, kind", CASES)
def test_the_view_draws_exports_and_hands_over_the_frame(qtbot, tmp_path, explainer_id, kind):
    frame = frame_for(explainer_id, kind)
    assert frame.kind == kind
    view = registry.get(explainer_id).load_view()(LIGHT, 1.0)
    qtbot.addWidget(view)
    view.resize(1280, 720)
    view.show()
    view.show_frame(frame)
    qtbot.wait(1)
    figure = view.figure_widget()
    assert figure is not view and figure.isVisible() and figure.width() > 600
    png = export_figure(view.figure_widget(), tmp_path / "f.png", scale=1.0)
    image = QImage(str(png))
    assert (image.width(), image.height()) == (figure.width(), figure.height())
    pixels = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 29)}
    assert len(pixels) > 20, "the figure is blank"
    svg = export_figure(view.figure_widget(), tmp_path / "f.svg")
    assert ET.parse(svg).getroot().tag.endswith("svg")
    pdf = export_figure(view.figure_widget(), tmp_path / "f.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-64:]
    data = view.data_frame()
    assert all(data[name] is frame[name] for name in frame.arrays if name in data.arrays)
    assert set(frame.arrays) <= set(data.arrays)
    view.apply_theme(DARK)
    view.apply_font_scale(2.0)                 # restyles and redraws without an error
    view.close()


def _tr_literals(package_dir: Path) -> set[str]:
    strings = set()
    for path in package_dir.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tr" and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                strings.add(node.args[0].value)
    return strings


def _catalog() -> dict:
    catalog = {}
    for f in sorted((resources_dir() / "i18n" / "zh_CN").glob("*.json")):
        catalog.update(json.loads(f.read_text(encoding="utf-8")))
    return catalog


@pytest.mark.parametrize("explainer_id", [e.id for e in registry.ready()])
def test_every_string_of_the_view_and_its_options_is_translated(explainer_id):
    import importlib

    explainer = registry.get(explainer_id)
    package = importlib.import_module(explainer.view.partition(":")[0])
    strings = _tr_literals(Path(package.__file__).parent)
    strings |= {option_label(o) for o in explainer.load_options()} | {o.help for o in explainer.load_options()}
    catalog = _catalog()
    missing = sorted(s for s in strings if s and s not in catalog)
    assert not missing, missing
    for english in strings:
        assert sorted(re.findall(r"\{(\w+)\}", english)) == sorted(re.findall(r"\{(\w+)\}", catalog[english])), english


def test_the_kit_and_the_window_strings_are_translated():
    root = Path(__file__).resolve().parents[2] / "visualizer" / "ui"
    strings = _tr_literals(root) | _tr_literals(root / "views") | _tr_literals(root / "widgets")
    catalog = _catalog()
    assert not sorted(s for s in strings if s and s not in catalog)


@pytest.mark.parametrize("explainer_id", [e.id for e in registry.ready()])
def test_the_lessons_are_valid_in_both_languages(explainer_id):
    options = registry.get(explainer_id).load_options()
    en, zh = load_lesson(explainer_id, "en"), load_lesson(explainer_id, "zh_CN")
    assert len(en.steps) == len(zh.steps) >= 5
    for a, b in zip(en.steps, zh.steps):
        assert a.options == b.options and a.view == b.view
        options.validate({**a.options, **a.view})                 # raises if a step is invalid
        assert all(options[n].role != "view" for n in a.options)
        assert all(options[n].role == "view" for n in a.view)
        assert any("\u4e00" <= c <= "\u9fff" for c in b.text + b.title)
