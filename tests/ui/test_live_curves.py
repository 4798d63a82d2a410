"""LiveCurves draw a long run at pixel resolution: peak downsampling to one min/max pair per pixel
column, so the extremes stay on screen and a 20,000-point curve costs what ~2 × width points do."""

from __future__ import annotations

import numpy as np

from visualizer.ui.theme import LIGHT
from visualizer.ui.widgets.plots import LiveCurves, PlotCanvas, add_plot


def test_a_long_curve_is_drawn_with_two_points_per_pixel_and_keeps_its_extremes(qtbot):
    canvas = PlotCanvas(LIGHT)
    qtbot.addWidget(canvas)
    canvas.resize(600, 300)
    canvas.show()
    qtbot.waitExposed(canvas)
    curves = LiveCurves(add_plot(canvas, 0, 0), LIGHT, 1.0)
    rng = np.random.default_rng(0)
    n = 20_000
    x = np.arange(n, dtype=np.float64)
    y = rng.normal(size=n)
    y[12_345], y[777] = 9.0, -9.0          # one-point spikes must survive the downsampling
    curves.set("loss", x, y)
    curves.plot.setXRange(0, n - 1, padding=0)
    curves.plot.setYRange(-10, 10, padding=0)
    qtbot.waitUntil(lambda: curves.plot.getViewBox().width() > 100)
    item = curves.curves["loss"]
    item.updateItems()
    shown_x, shown_y = item.getData()
    width = curves.plot.getViewBox().width()
    assert len(shown_x) <= 2.1 * width + 8          # whole points per bucket; the default: 10 × width
    assert len(shown_x) < n / 10
    assert shown_y.max() == 9.0 and shown_y.min() == -9.0
