"""DotLayer (kit): the dots are drawn where the data says, in their styles' colours and order, a
real mouse click or hover over a dot reports its row (the top one where dots overlap), and a
vector export holds shapes, not pixmaps."""

import re

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QVBoxLayout, QWidget

from visualizer.ui.export import export_figure
from visualizer.ui.widgets.dots import DotLayer, DotStyle

RED, BLUE, INK = QColor("#d62728"), QColor("#1f77b4"), QColor("#111111")


@pytest.fixture
def canvas(qtbot):
    limit = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOption("mouseRateLimit", 0)     # pyqtgraph drops mouse moves closer than 1/100 s apart
    holder = QWidget()          # a figure as views export it: a widget holding the canvas
    widget = pg.PlotWidget(holder)
    QVBoxLayout(holder).addWidget(widget)
    widget.setBackground("w")
    plot = widget.getPlotItem()
    plot.hideAxis("left")
    plot.hideAxis("bottom")
    plot.setXRange(0, 10, padding=0)
    plot.setYRange(0, 10, padding=0)
    plot.disableAutoRange()
    dots = DotLayer()
    plot.addItem(dots)
    holder.resize(400, 300)
    qtbot.addWidget(holder)
    holder.show()
    qtbot.waitExposed(holder)
    yield widget, dots
    holder.close()
    pg.setConfigOption("mouseRateLimit", limit)


def screen_point(widget, dots, row) -> QPoint:
    return widget.mapFromScene(dots.scene_pos(row))


def pixel(widget, point: QPoint) -> QColor:
    return QColor(widget.grab().toImage().pixel(point))


def test_dots_are_drawn_at_their_positions_in_their_styles_and_order(canvas):
    widget, dots = canvas
    pos = np.array([[2.0, 2.0], [8.0, 8.0], [8.0, 8.0], [5.0, 5.0]])
    styles = [DotStyle(RED, None, 0, 16), DotStyle(BLUE, None, 0, 16)]
    # rows 1 and 2 share a place: row 1 is blue (a later style), drawn over red row 2
    dots.set_dots(pos, np.array([0, 1, 0, 1]), styles, rows=np.array([0, 1, 2, 3]))
    np.testing.assert_array_equal(dots.positions(), pos)
    assert pixel(widget, screen_point(widget, dots, 0)).name() == RED.name()
    assert pixel(widget, screen_point(widget, dots, 3)).name() == BLUE.name()
    assert pixel(widget, screen_point(widget, dots, 1)).name() == BLUE.name()
    empty = widget.mapFromScene(dots.mapToScene(pg.Point(2.0, 8.0)))
    assert pixel(widget, empty).name() == "#ffffff"
    assert dots.style_of(2) == 0 and dots.style_of(1) == 1


def test_a_click_and_a_hover_report_the_row_under_the_mouse(canvas, qtbot):
    widget, dots = canvas
    pos = np.array([[2.0, 2.0], [8.0, 8.0], [8.0, 8.0]])
    styles = [DotStyle(RED, INK, 1.0, 14), DotStyle(None, INK, 2.0, 24)]     # a ring over row 1
    dots.set_dots(pos, np.array([0, 0, 1]), styles, rows=np.array([10, 11, 11]))
    clicked, hovered = [], []
    dots.clicked.connect(clicked.append)
    dots.hovered.connect(hovered.append)
    at = screen_point(widget, dots, 10)
    QTest.mouseMove(widget.viewport(), at)
    QTest.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert clicked == [10] and hovered[-1] == 10
    at = screen_point(widget, dots, 11) + QPoint(10, 0)     # on the ring, outside the dot
    QTest.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert clicked == [10, 11]
    QTest.mouseMove(widget.viewport(), widget.mapFromScene(dots.mapToScene(pg.Point(5.0, 2.0))))
    assert hovered[-1] == -1                                 # left every dot
    QTest.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton,
                     pos=widget.mapFromScene(dots.mapToScene(pg.Point(5.0, 2.0))))
    assert clicked == [10, 11]                               # nothing there


def test_bad_styles_are_refused_and_no_data_draws_nothing(canvas):
    _, dots = canvas
    with pytest.raises(ValueError, match="style index"):
        dots.set_dots(np.zeros((2, 2)), np.array([0, 2]), [DotStyle(RED, None, 0, 5)])
    with pytest.raises(ValueError, match="2 positions but 1"):
        dots.set_dots(np.zeros((2, 2)), np.array([0]), [DotStyle(RED, None, 0, 5)])
    dots.set_dots(np.zeros((0, 2)), np.zeros(0, np.int64), [])
    assert dots.boundingRect().isEmpty() and dots.row_at(pg.Point(0, 0)) == -1


def test_a_vector_export_holds_one_shape_per_dot(canvas, tmp_path):
    widget, dots = canvas
    pos = np.array([[1.0, 1.0], [3.0, 4.0], [6.0, 2.0], [9.0, 9.0], [np.nan, 1.0]])
    dots.set_dots(pos, np.array([0, 0, 1, 1, 1]), [DotStyle(RED, INK, 1.0, 12), DotStyle(BLUE, None, 0, 8)])
    out = tmp_path / "dots.svg"
    export_figure(widget.parentWidget(), out)
    svg = out.read_text()
    assert svg.count("<circle") == 4                       # the four finite dots, as circles
    sprites = [w for w in re.findall(r'<image[^>]*width="([0-9.]+)"', svg) if float(w) < 50]
    assert not sprites                                     # no dot pasted as a pixmap
