"""LiveCurves draw a long run at pixel resolution: the part in view, peak-downsampled to one
min/max pair per pixel column, so the extremes stay on screen and a 20,000-point curve costs what
~2 × width points do."""

from __future__ import annotations

import numpy as np

from visualizer.ui.theme import LIGHT
from visualizer.ui.widgets.plots import LiveCurves, PlotCanvas, add_plot, peak_downsample


def test_peak_downsample_keeps_every_bucket_extreme_and_nan_gaps():
    rng = np.random.default_rng(1)
    x = np.arange(10_000, dtype=np.float64)
    y = rng.normal(size=x.size)
    y[4321] = np.nan
    sx, sy = peak_downsample(x, y, 100)
    assert len(sx) <= 2 * 100 + 128                   # pairs, and the last partial bucket as given
    size = int(sx[2] - sx[0])
    assert size == 128                                # the power of 2 that makes at most 100
    for b in (0, 7, 42, 77):                          # each bucket's own min and max, at its first x
        block = y[b * size:(b + 1) * size]
        assert sx[2 * b] == sx[2 * b + 1] == b * size
        if np.isnan(block).any():
            assert np.isnan(sy[2 * b]) and np.isnan(sy[2 * b + 1])
        else:
            assert sy[2 * b] == block.min() and sy[2 * b + 1] == block.max()
    assert np.isnan(sy[2 * 33]) and np.isnan(sy[2 * 33 + 1])     # 4321 lies in bucket 33
    short_x, short_y = peak_downsample(x[:150], y[:150], 100)
    assert short_x is x[:150].base or np.array_equal(short_x, x[:150])   # few points: all of them


def test_peak_downsample_cuts_to_the_view_and_keeps_its_buckets_as_the_run_grows():
    x = np.arange(20_000, dtype=np.float64)
    y = np.sin(x / 50.0)
    sx, _ = peak_downsample(x, y, 200, clip=(5_000.0, 6_000.0))
    assert sx.min() >= 5_000 - 2 * 8 and sx.max() <= 6_000 + 2 * 8    # 1,001 points in view: 8 a bucket
    a, _ = peak_downsample(x[:12_000], y[:12_000], 100)
    b, _ = peak_downsample(x[:12_050], y[:12_050], 100)
    whole = 2 * (12_000 // 128)
    assert np.array_equal(a[:whole], b[:whole])       # the same bucket size: the same buckets


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
    curves.plot.setXRange(0, n - 1, padding=0)
    curves.plot.setYRange(-10, 10, padding=0)
    qtbot.waitUntil(lambda: curves.plot.getViewBox().width() > 100)
    curves.set("loss", x, y)
    shown_x, shown_y = curves.curves["loss"].getData()
    width = curves.plot.getViewBox().width()
    assert len(shown_x) <= 2 * width + 64            # pairs, and a partial bucket; pyqtgraph's default: 10 × width
    assert len(shown_x) < n / 10
    assert shown_y.max() == 9.0 and shown_y.min() == -9.0
    np.testing.assert_array_equal(curves.data("loss")[1], y)      # what was given is kept whole
    curves.plot.setXRange(12_000, 12_500, padding=0)              # zoomed in: the points themselves
    zx, zy = curves.curves["loss"].getData()
    assert zx.min() >= 11_999 and zx.max() <= 12_501 and 9.0 in zy
