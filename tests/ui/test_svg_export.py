"""SVG exports render in librsvg (Inkscape, LaTeX toolchains, file managers) as in the window:
strokes keep their on-screen width, heatmap cells stay sharp, scatter symbols are shapes."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from PySide6.QtGui import QImage

from visualizer.ui.export import export_figure, flatten_non_scaling_strokes, sharpen_scaled_images
from visualizer.ui.theme import LIGHT


def test_a_cosmetic_stroke_is_mapped_out_of_its_data_transform():
    svg = ('<g fill="none" stroke="#000" stroke-width="2" transform="matrix(10,0,0,-5,100,200)"\n>\n'
           '<path vector-effect="non-scaling-stroke" fill-rule="evenodd" d="M0,0 L1,2 "/>\n'
           '<polyline fill="none" vector-effect="non-scaling-stroke" points="-1,0 3,1 " />\n'
           '<rect vector-effect="non-scaling-stroke" x="1" y="1" width="2" height="1"/>\n</g>')
    out = flatten_non_scaling_strokes(svg)
    assert "transform" not in out and "vector-effect" not in out and 'stroke-width="2"' in out
    assert 'd="M100,200 L110,190 "' in out and 'points="90,200 130,195 "' in out
    assert 'd="M110,195 L130,195 L130,190 L110,190 Z"' in out


def test_a_group_with_text_keeps_its_transform():
    svg = ('<g transform="matrix(2,0,0,2,0,0)"\n><text x="1" y="1">a</text>\n'
           '<path vector-effect="non-scaling-stroke" d="M0,0 L1,1 "/>\n</g>')
    assert flatten_non_scaling_strokes(svg) == svg


def test_a_scaled_image_is_enlarged_with_sharp_pixels():
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    image = QImage(2, 1, QImage.Format.Format_RGB32)
    image.setPixel(0, 0, 0xFF0000FF)
    image.setPixel(1, 0, 0xFFFF0000)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    svg = (f'<g transform="matrix(30,0,0,20,0,0)"\n><image x="0" y="0" width="2" height="1" '
           f'preserveAspectRatio="none" xlink:href="data:image/png;base64,{bytes(data.toBase64()).decode()}" />\n</g>')
    out = sharpen_scaled_images(svg)
    href = out.split("base64,")[1].split('"')[0]
    big = QImage.fromData(QByteArray.fromBase64(href.encode()), "PNG")
    assert (big.width(), big.height()) == (60, 20)
    assert big.pixel(29, 10) == 0xFF0000FF and big.pixel(30, 10) == 0xFFFF0000   # no blended column
    assert 'width="2" height="1"' in out and 'transform="matrix(30,0,0,20,0,0)"' in out


def _pixels(path) -> np.ndarray:
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    return np.frombuffer(image.constBits(), np.uint8, count=stride * h).reshape(h, stride)[:, : w * 3] \
        .reshape(h, w, 3).astype(int).copy()


@pytest.mark.skipif(shutil.which("rsvg-convert") is None, reason="librsvg2-bin (rsvg-convert) is not installed")
@pytest.mark.parametrize("explainer, options, steps", [
    ("gan", {"width": 16, "depth": 1, "batch": 32}, 3),
    ("attention", {"model": "mha"}, 0),
])
def test_librsvg_draws_the_svg_like_the_png(qtbot, tmp_path, explainer, options, steps):
    from visualizer.core import registry

    lab = registry.get(explainer).load_lab()(seed=0, **options)
    for _ in range(steps):
        lab.step()
    view = registry.get(explainer).load_view()(LIGHT, 1.0)
    qtbot.addWidget(view)
    view.resize(1280, 720)
    view.show()
    view.show_frame(lab.snapshot())
    png = export_figure(view.figure_widget(), tmp_path / "f.png", scale=1.0)
    svg = export_figure(view.figure_widget(), tmp_path / "f.svg")
    reference = _pixels(png)
    h, w, _ = reference.shape
    subprocess.run(["rsvg-convert", "-w", str(w), "-h", str(h), str(svg), "-o", str(tmp_path / "r.png")],
                   check=True, timeout=60)
    rendered = _pixels(tmp_path / "r.png")
    assert rendered.shape == reference.shape
    differing = float((np.abs(rendered - reference).sum(axis=2) > 60).mean())
    assert differing < 0.10, f"{differing:.1%} of the pixels differ between librsvg and the PNG"
    view.close()
