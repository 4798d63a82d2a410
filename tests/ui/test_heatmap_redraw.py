"""The kit's Heatmap gives its image new data only when the numbers, their levels or the colour
map changed: a constant matrix (a GCN's normalisation column) redrawn every frame repaints nothing."""

import numpy as np

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
