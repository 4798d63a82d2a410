"""The kit's Heatmap gives its image new data only when the numbers, their levels or the colour
map changed: a constant matrix (a GCN's normalisation column) redrawn every frame repaints nothing."""

import numpy as np
import pyqtgraph as pg

from visualizer.ui.theme import DARK, LIGHT
from visualizer.ui.widgets.plots import Heatmap, PlotCanvas, add_plot


def test_the_same_numbers_set_again_leave_the_image_alone(qapp, monkeypatch):
    canvas = PlotCanvas(LIGHT)
    hm = Heatmap(add_plot(canvas, 0, 0), LIGHT, 1.0)
    calls = []
    real = hm.image.setImage
    monkeypatch.setattr(hm.image, "setImage", lambda *a, **k: (calls.append(1), real(*a, **k)))
    m = np.arange(6, dtype=np.float64).reshape(2, 3)
    hm.set_matrix(m)
    calls.clear()
    hm.set_matrix(m.copy())                       # a new array, the same numbers
    assert calls == []
    hm.set_matrix(m + 1)                          # new numbers
    assert calls and np.array_equal(hm.image.image, m + 1)
    calls.clear()
    hm.set_matrix(m + 1, levels=(0.0, 100.0))     # new levels
    assert calls and hm.image.getLevels().tolist() == [0.0, 100.0]
    hm.restyle(DARK, 1.0)
    calls.clear()
    hm.set_matrix(m + 1, levels=(0.0, 100.0))     # another theme's colour map
    assert calls
    canvas.deleteLater()


def test_the_image_is_rendered_premultiplied_with_the_colour_tables_colours(qapp):
    from PySide6.QtGui import QColor, QImage

    canvas = PlotCanvas(LIGHT)
    hm = Heatmap(add_plot(canvas, 0, 0), LIGHT, 1.0)
    m = np.array([[-1.0, 0.0, 1.0], [0.5, np.nan, -0.25]])
    hm.set_matrix(m, levels=(-1.0, 1.0))
    hm.image.render()
    q = hm.image.qimage
    assert q.format() == QImage.Format.Format_ARGB32_Premultiplied   # drawn as it is, not converted per paint
    lut = hm.image.lut
    for i, j in [(0, 0), (0, 1), (0, 2), (1, 0), (1, 2)]:
        # pyqtgraph's mapping: (v - lo) × 256 / (hi - lo), clipped to the table
        k = int(np.clip(np.floor((m[i, j] + 1.0) * 256 / 2.0), 0, len(lut) - 1))
        got = QColor(q.pixel(j, i))
        assert (got.red(), got.green(), got.blue(), got.alpha()) == (*lut[k][:3], 255), (i, j)
    canvas.deleteLater()


def test_the_cells_numbers_are_the_values_and_are_painted_in_their_cells(qapp):
    from PySide6.QtGui import QColor

    def ink_in_cells(cell_text: bool):
        canvas = PlotCanvas(LIGHT)
        hm = Heatmap(add_plot(canvas, 0, 0), LIGHT, 1.0, colorbar=False, cell_text=cell_text)
        canvas.resize(480, 360)
        canvas.show()
        m = np.array([[0.123, -0.5, 0.25], [0.75, -1.0, 0.0]])
        hm.set_matrix(m, levels=(-1.0, 1.0))
        qapp.processEvents()
        image = canvas.grab().toImage()
        vb = hm.plot.getViewBox()
        found = []
        for i in range(2):
            for j in range(3):       # the cell's middle, against its own fill (above the number)
                w, h = hm.cell_pixels()
                c = canvas.mapFromScene(vb.mapViewToScene(pg.Point(j + 0.5, i + 0.5)))
                fill = QColor(image.pixel(c.x(), int(c.y() - 0.35 * h)))

                def off(x, y, fill=fill):
                    p = QColor(image.pixel(x, y))
                    return abs(p.red() - fill.red()) + abs(p.green() - fill.green()) + abs(p.blue() - fill.blue()) > 90
                hits = sum(off(x, y) for x in range(int(c.x() - w / 3), int(c.x() + w / 3))
                           for y in range(int(c.y() - h / 6), int(c.y() + h / 6)))
                found.append(hits)
        texts = hm.cell_texts.texts()
        canvas.deleteLater()
        return texts, found, m

    texts, found, m = ink_in_cells(True)
    assert texts == [f"{v:.2f}" for v in m.ravel()]
    assert all(hits > 40 for hits in found), found       # pixels of ink in each cell's middle
    texts, found, _ = ink_in_cells(False)
    assert texts == [] and max(found) < 15, found        # (a smoothed image edge, no number)
