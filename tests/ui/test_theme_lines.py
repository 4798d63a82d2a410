"""Lines follow the theme: the high-contrast theme draws every curve, arrow, marker and axis
theme.pen_width(...) wide (thicker), the light theme keeps the widths it always had."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest

from visualizer.ui.theme import HIGH_CONTRAST, LIGHT
from visualizer.ui.widgets.plots import LiveCurves, PlotCanvas, add_plot


def _width(item) -> float:
    pen = item.opts["pen"]
    return (pen if not isinstance(pen, (str, tuple)) else pg.mkPen(pen)).widthF()


@pytest.mark.parametrize("theme", [LIGHT, HIGH_CONTRAST], ids=lambda t: t.name)
def test_live_curves_draw_theme_wide_lines(qapp, theme):
    canvas = PlotCanvas(theme)
    curves = LiveCurves(add_plot(canvas, 0, 0), theme, 1.0)
    curves.set("loss", np.arange(5), np.arange(5) ** 2)
    width = _width(curves.curves["loss"])
    assert width == theme.pen_width(LiveCurves.WIDTH)
    axis = curves.plot.getAxis("left").pen().widthF()
    if theme.high_contrast:
        assert width > LiveCurves.WIDTH and axis > 1
    else:
        assert width == LiveCurves.WIDTH == 2 and axis <= 1   # unchanged at line_width 1
    # 2 px or wider: not antialiased (the stroker met every self-crossing of a long curve)
    item = curves.curves["loss"]
    assert item.opts["antialias"] is False
    canvas.deleteLater()


def test_restyle_changes_the_widths_both_ways(qapp):
    canvas = PlotCanvas(LIGHT)
    curves = LiveCurves(add_plot(canvas, 0, 0), LIGHT, 1.0)
    curves.set("a", [0, 1], [1, 0])
    curves.restyle(HIGH_CONTRAST, 1.5)
    assert _width(curves.curves["a"]) == HIGH_CONTRAST.pen_width(2) > 2
    curves.restyle(LIGHT, 1.0)
    assert _width(curves.curves["a"]) == 2
    canvas.deleteLater()


def test_a_view_draws_its_own_lines_theme_wide(qapp):
    """The RoPE page's q and k arrows (3 px) and its decay curve: thicker in high contrast after a
    restyle, back to their widths in the light theme."""
    from visualizer.labs.positional.lab import PositionalLab
    from visualizer.ui.views.positional import PositionalView

    frame = PositionalLab(kind="rope", positions=24, dim=16).snapshot()
    view = PositionalView(LIGHT, 1.0)
    view.resize(1280, 720)
    try:
        view.show_frame(frame)
        page = view.current_page()

        def widths():
            arrows = [_width(item) for _, item in page.moving_items._items
                      if isinstance(item, pg.PlotCurveItem) and item.opts["pen"].style() == pg.QtCore.Qt.PenStyle.SolidLine
                      and _width(item) >= 2.9]
            decay = _width(page.decay.curves["score"])
            return arrows, decay

        arrows, decay = widths()
        assert arrows and all(w == 3 for w in arrows) and decay == 2
        view.apply_theme(HIGH_CONTRAST)
        arrows, decay = widths()
        assert arrows and all(w == HIGH_CONTRAST.pen_width(3) > 3 for w in arrows)
        assert decay == HIGH_CONTRAST.pen_width(2) > 2
        view.apply_theme(LIGHT)
        arrows, decay = widths()
        assert all(w == 3 for w in arrows) and decay == 2
    finally:
        view.close()
        view.deleteLater()


def test_lstm_thin_curves_are_wider_but_not_antialiased_in_high_contrast(qapp):
    """The LSTM keeps its long curves 1 px for speed; in high contrast they are 2 px, drawn
    without antialiasing (a wide antialiased curve costs ~25× more to paint)."""
    from visualizer.ui.views.lstm.panels import thin_pens

    canvas = PlotCanvas(LIGHT)
    curves = LiveCurves(add_plot(canvas, 0, 0), LIGHT, 1.0)
    curves.set("h", np.arange(300), np.sin(np.arange(300)))
    thin_pens(curves)
    curve = curves.curves["h"]
    assert _width(curve) == 1 and curve.opts["antialias"] == pg.getConfigOption("antialias")
    curves.restyle(HIGH_CONTRAST, 1.0)
    thin_pens(curves)
    assert _width(curve) == HIGH_CONTRAST.pen_width(1) > 1 and not curve.opts["antialias"]
    canvas.deleteLater()
