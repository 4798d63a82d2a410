"""Drawing on the view: a pen (D) and a highlighter (H) over the view, Esc clears without leaving
the presentation, the next lesson step clears, strokes stretch with the view, and an export
includes them only when asked."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from visualizer.core.resources import Lesson, LessonStep
from visualizer.ui.widgets.ink import COLORS, HIGHLIGHTER, PEN, paint_ink


@pytest.fixture
def ink(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    return window.presentation.ink


def _draw(qtbot, overlay, *points):
    """A stroke through `points` (fractions of the overlay), with the mouse."""
    pts = [QPoint(int(x * overlay.width()), int(y * overlay.height())) for x, y in points]
    qtbot.mousePress(overlay, Qt.LeftButton, pos=pts[0])
    for p in pts[1:]:
        qtbot.mouseMove(overlay, p)
    qtbot.mouseRelease(overlay, Qt.LeftButton, pos=pts[-1])


def _pixel(image: QImage, x: float, y: float) -> QColor:
    return image.pixelColor(int(x * (image.width() - 1)), int(y * (image.height() - 1)))


def _is_pen(c: QColor) -> bool:
    return c.alpha() > 200 and c.red() > 200 and c.green() < 90 and c.blue() < 140


def _overlay_image(overlay) -> QImage:
    return overlay.grab().toImage()


def test_keys_pick_the_pen_and_the_highlighter_and_the_mouse_draws(qtbot, window, ink):
    overlay = ink.overlay
    assert ink.tool is None and not overlay.isVisible()
    assert overlay.testAttribute(Qt.WA_TransparentForMouseEvents)   # the view gets the mouse
    qtbot.keyClick(window.view, Qt.Key_D)
    assert ink.tool == PEN and ink.pen_action.isChecked()
    assert overlay.isVisible() and not overlay.testAttribute(Qt.WA_TransparentForMouseEvents)
    assert overlay.geometry() == window.stack.geometry()
    _draw(qtbot, overlay, (0.2, 0.5), (0.5, 0.5), (0.8, 0.5))
    assert len(ink.strokes) == 1 and ink.strokes[0].tool == PEN and len(ink.strokes[0].points) == 3
    image = _overlay_image(overlay)
    assert _is_pen(_pixel(image, 0.5, 0.5))
    assert _pixel(image, 0.5, 0.2).alpha() == 0                      # see-through elsewhere
    qtbot.keyClick(window.view, Qt.Key_H)
    assert ink.tool == HIGHLIGHTER and not ink.pen_action.isChecked()
    _draw(qtbot, overlay, (0.3, 0.3), (0.6, 0.3))
    c = _pixel(_overlay_image(overlay), 0.45, 0.3)
    assert 0 < c.alpha() < 255 and c.red() > 200 and c.green() > 180 and c.blue() < 100
    qtbot.keyClick(window.view, Qt.Key_H)                           # H again: the highlighter down
    assert ink.tool is None and overlay.testAttribute(Qt.WA_TransparentForMouseEvents)
    assert overlay.isVisible() and len(ink.strokes) == 2           # the drawing stays


def test_escape_clears_without_leaving_the_presentation(qtbot, window, ink):
    window.presentation.present(True)
    assert window.isFullScreen()
    ink.set_tool(PEN)
    qtbot.waitUntil(lambda: ink.overlay.width() > 100, timeout=5_000)
    _draw(qtbot, ink.overlay, (0.1, 0.1), (0.4, 0.4))
    assert ink.strokes
    window.presentation.leave_action.trigger()          # Esc
    assert not ink.strokes and window.isFullScreen() and ink.tool == PEN
    assert not _is_pen(_pixel(_overlay_image(ink.overlay), 0.25, 0.25))
    window.presentation.leave_action.trigger()          # Esc again: the pen is put down
    assert ink.tool is None and window.isFullScreen() and not ink.overlay.isVisible()
    window.presentation.leave_action.trigger()          # and again: the presentation ends
    assert not window.isFullScreen()


def test_the_next_lesson_step_clears_the_drawing(qtbot, window, ink):
    window.lesson.set_lesson(Lesson("L", [LessonStep("One", "a"), LessonStep("Two", "b")]), 0)
    ink.set_tool(PEN)
    _draw(qtbot, ink.overlay, (0.2, 0.2), (0.6, 0.6))
    assert ink.strokes
    window.lesson.next()
    assert not ink.strokes


def test_strokes_stretch_with_the_view(qtbot, window, ink):
    ink.set_tool(PEN)
    _draw(qtbot, ink.overlay, (0.25, 0.5), (0.75, 0.5))
    before = ink.overlay.size()
    stroke = [tuple(p) for p in ink.strokes[0].points]
    assert _is_pen(_pixel(_overlay_image(ink.overlay), 0.5, 0.5))
    window.resize(window.width() - 200, window.height() - 200)
    qtbot.waitUntil(lambda: window.stack.size() != before, timeout=5_000)
    qtbot.waitUntil(lambda: ink.overlay.geometry() == window.stack.geometry(), timeout=5_000)
    assert ink.overlay.size() != before
    assert [tuple(p) for p in ink.strokes[0].points] == stroke       # stored normalised
    image = _overlay_image(ink.overlay)
    assert _is_pen(_pixel(image, 0.5, 0.5)) and _is_pen(_pixel(image, 0.3, 0.5))
    # the old absolute row (half the old height) is now well below the middle: nothing there
    old_row = (before.height() // 2) / (image.height() - 1)
    assert old_row > 0.5 + 0.05 and _pixel(image, 0.5, old_row).alpha() == 0


def _export_like(widget, include_hook: bool = True) -> QImage:
    """What export.figure_image does, with the hook the exporter calls after rendering."""
    image = QImage(widget.size(), QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(widget.palette().window().color())
    painter = QPainter(image)
    try:
        widget.render(painter, QPoint(0, 0))
        painted = paint_ink(painter, QRectF(0, 0, widget.width(), widget.height()), widget) if include_hook else None
    finally:
        painter.end()
    image.painted = painted
    return image


def test_exports_include_the_drawing_only_when_asked(qtbot, window, ink):
    figure = window.view.figure_widget()
    assert figure is not window.view and window.stack.isAncestorOf(figure)
    # a stroke across the middle of the figure widget, in overlay coordinates
    centre = figure.mapTo(window.stack, figure.rect().center())
    y = centre.y() / ink.overlay.height()
    ink.set_tool(PEN)
    _draw(qtbot, ink.overlay, (0.05, y), (0.95, y))
    assert not ink.export_action.isChecked()            # off by default
    plain = _export_like(figure)
    assert plain.painted is False
    assert not _is_pen(_pixel(plain, 0.5, 0.5))
    ink.export_action.trigger()
    assert ink.overlay.include_in_exports
    drawn = _export_like(figure)
    assert drawn.painted is True
    assert _is_pen(_pixel(drawn, 0.5, 0.5))
    assert _pixel(drawn, 0.5, 0.1) == _pixel(plain, 0.5, 0.1)        # the rest of the figure is untouched
    # a scaled target (export at 2×) gets the stroke at the same relative place
    big = QImage(figure.width() * 2, figure.height() * 2, QImage.Format.Format_ARGB32_Premultiplied)
    big.fill(Qt.white)
    painter = QPainter(big)
    try:
        assert paint_ink(painter, QRectF(0, 0, big.width(), big.height()), figure)
    finally:
        painter.end()
    assert _is_pen(_pixel(big, 0.5, 0.5)) and not _is_pen(_pixel(big, 0.5, 0.25))
    # a widget the overlay does not cover (a figure exported headless) gets nothing
    from visualizer.ui.views.message import MessageView
    other = MessageView(window.theme, 1.0, "x", "y")
    qtbot.addWidget(other)
    other.resize(200, 100)
    assert _export_like(other).painted is False
    ink.export_action.trigger()
    assert _export_like(figure).painted is False


def test_the_pen_colour_reads_on_every_theme():
    from visualizer.ui.theme import THEMES

    for theme in THEMES.values():
        bg = QColor(theme.background)
        pen = COLORS[PEN]
        lum = lambda c: 0.2126 * c.redF() + 0.7152 * c.greenF() + 0.0722 * c.blueF()  # noqa: E731
        assert abs(lum(pen) - lum(bg)) > 0.2, theme.name
