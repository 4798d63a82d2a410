"""Drawing on the view: a pen and a highlighter over whatever view is shown, for a lecturer who
circles a head or underlines a curve.

    D  pen on / off          H  highlighter on / off          Esc  clear (then: pen down)
    View → Include drawing in exports (off by default)

InkOverlay is a transparent widget laid over a host (the window's view stack): it lets the mouse
through to the view until a tool is picked. Strokes are kept in coordinates normalised to the
overlay (0..1 on each axis), so they stretch with the view when the window is resized, and a
stroke's width follows the overlay's size too. The drawing is cleared on the next lesson step and
when another view is shown.

The figure exporter draws the ink only when the person asked for it:

    from visualizer.ui.widgets.ink import paint_ink
    paint_ink(painter, QRectF(0, 0, widget.width(), widget.height()), widget)

paints the strokes that lie over `widget` (a view's figure widget) into `target_rect` of any
QPainter (image, SVG, PDF) and returns whether it painted anything."""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget

from visualizer.ui.i18n import tr

PEN, HIGHLIGHTER = "pen", "highlighter"
# colours that read on white, on near-black and on black; the highlighter is see-through
COLORS = {PEN: QColor("#ff1f5a"), HIGHLIGHTER: QColor(255, 221, 0, 150)}
# widths as fractions of the overlay's shorter side (3.6 px and 22 px at 720 px)
WIDTHS = {PEN: 0.005, HIGHLIGHTER: 0.03}

_overlays: "weakref.WeakSet[InkOverlay]" = weakref.WeakSet()


@dataclass
class Stroke:
    tool: str
    points: list[tuple[float, float]] = field(default_factory=list)   # normalised to the overlay


def _alive(widget) -> bool:
    try:
        from shiboken6 import isValid
    except ImportError:  # pragma: no cover - shiboken6 ships with PySide6
        return True
    return isValid(widget)


class InkOverlay(QWidget):
    changed = Signal()

    def __init__(self, host: QWidget):
        super().__init__(host.parentWidget())
        self.host = host
        self.tool: str | None = None
        self.strokes: list[Stroke] = []
        self.include_in_exports = False
        self._current: Stroke | None = None
        self.setAttribute(Qt.WA_NoSystemBackground)
        self.setAttribute(Qt.WA_TranslucentBackground)
        self.setAutoFillBackground(False)
        self.setFocusPolicy(Qt.NoFocus)
        self._update_mouse()
        host.installEventFilter(self)
        self.setGeometry(host.geometry())
        self.setVisible(False)
        _overlays.add(self)

    # ---- following the host ---------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self.host and event.type() in (QEvent.Resize, QEvent.Move, QEvent.Show):
            self.setGeometry(self.host.geometry())
            self.raise_()
        return False

    # ---- tools ------------------------------------------------------------------------------------
    def set_tool(self, tool: str | None) -> None:
        self.tool = tool
        self._current = None
        self._update_mouse()
        self.changed.emit()

    def _update_mouse(self) -> None:
        drawing = self.tool is not None
        self.setAttribute(Qt.WA_TransparentForMouseEvents, not drawing)
        self.setCursor(Qt.CrossCursor if drawing else Qt.ArrowCursor)
        self._update_visible()

    def _update_visible(self) -> None:
        show = self.tool is not None or bool(self.strokes)
        if show:
            self.setGeometry(self.host.geometry())
            self.raise_()
        self.setVisible(show)

    def clear(self) -> None:
        if self.strokes or self._current is not None:
            self.strokes.clear()
            self._current = None
            self._update_visible()
            self.update()
            self.changed.emit()

    # ---- drawing with the mouse -------------------------------------------------------------------
    def _normalised(self, pos) -> tuple[float, float]:
        w, h = max(1, self.width()), max(1, self.height())
        return (min(1.0, max(0.0, pos.x() / w)), min(1.0, max(0.0, pos.y() / h)))

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if self.tool is None or event.button() != Qt.LeftButton:
            event.ignore()
            return
        self._current = Stroke(self.tool, [self._normalised(event.position())])
        self.strokes.append(self._current)
        self.update()
        event.accept()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._current is None:
            event.ignore()
            return
        self._add_point(event.position())
        self.update()
        event.accept()

    def _add_point(self, pos) -> None:
        point = self._normalised(pos)
        if not self._current.points or self._current.points[-1] != point:
            self._current.points.append(point)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if self._current is not None and event.button() == Qt.LeftButton:
            self._add_point(event.position())
            self._current = None
            self.update()
            self.changed.emit()
        event.accept()

    # ---- painting ---------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        try:
            self.paint_strokes(painter, self.width(), self.height())
        finally:
            painter.end()

    def paint_strokes(self, painter: QPainter, width: float, height: float) -> None:
        """Every stroke, in a `width` × `height` box at the painter's origin."""
        painter.save()
        painter.setRenderHint(QPainter.Antialiasing)
        side = max(1.0, min(width, height))
        for stroke in self.strokes:
            if not stroke.points:
                continue
            pen = QPen(COLORS[stroke.tool], max(1.5, WIDTHS[stroke.tool] * side))
            pen.setCapStyle(Qt.RoundCap if stroke.tool == PEN else Qt.FlatCap)
            pen.setJoinStyle(Qt.RoundJoin)
            painter.setPen(pen)
            painter.setBrush(Qt.NoBrush)
            points = [QPointF(x * width, y * height) for x, y in stroke.points]
            if len(points) == 1 or all(p == points[0] for p in points):
                painter.drawPoint(points[0])
                continue
            path = QPainterPath(points[0])
            for p in points[1:]:
                path.lineTo(p)
            painter.drawPath(path)
        painter.restore()

    def covers(self, widget: QWidget) -> bool:
        return widget is self.host or self.host.isAncestorOf(widget)

    def paint_over(self, painter: QPainter, target: QRectF, widget: QWidget) -> None:
        """The strokes lying over `widget` (inside the host), drawn into `target`, which stands
        for the whole of `widget` (an exported figure)."""
        offset = widget.mapTo(self.host, widget.rect().topLeft()) if widget is not self.host else None
        ox, oy = (offset.x(), offset.y()) if offset is not None else (0, 0)
        ww, wh = max(1, widget.width()), max(1, widget.height())
        painter.save()
        painter.setClipRect(target)
        painter.translate(target.left(), target.top())
        painter.scale(target.width() / ww, target.height() / wh)
        painter.translate(-ox, -oy)
        self.paint_strokes(painter, self.width(), self.height())
        painter.restore()


def paint_ink(painter: QPainter, target_rect: QRectF, widget: QWidget | None = None) -> bool:
    """The exporter's hook: draw the drawing that lies over `widget` (a figure widget of the view
    under an overlay) into `target_rect`, only when the person asked to include it in exports.
    Returns whether anything was painted. Nothing happens headless (no overlay exists there)."""
    for overlay in list(_overlays):
        if not _alive(overlay) or not overlay.include_in_exports or not overlay.strokes:
            continue
        if widget is None or overlay.covers(widget):
            overlay.paint_over(painter, QRectF(target_rect), widget if widget is not None else overlay.host)
            return True
    return False


class Ink(QObject):
    """The window's drawing: the overlay over its view stack and the actions (View menu) that
    pick a tool, clear, and say whether exports include the drawing."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.overlay = InkOverlay(window.stack)
        self.pen_action = QAction("", window, checkable=True)
        self.pen_action.setShortcut(QKeySequence(Qt.Key_D))
        self.pen_action.triggered.connect(lambda on: self.set_tool(PEN if on else None))
        self.highlighter_action = QAction("", window, checkable=True)
        self.highlighter_action.setShortcut(QKeySequence(Qt.Key_H))
        self.highlighter_action.triggered.connect(lambda on: self.set_tool(HIGHLIGHTER if on else None))
        self.clear_action = QAction("", window)
        self.clear_action.triggered.connect(self.overlay.clear)
        self.export_action = QAction("", window, checkable=True)
        self.export_action.setChecked(False)
        self.export_action.toggled.connect(self._set_include)
        window.lesson.step_changed.connect(self._step_changed)
        window.stack.currentChanged.connect(self._view_changed)

    def actions(self) -> tuple:
        return self.pen_action, self.highlighter_action, self.clear_action, self.export_action

    def shortcut_actions(self) -> tuple:
        return self.pen_action, self.highlighter_action

    def add_to(self, menu) -> None:
        self.menu = menu.addMenu("")
        for a in self.actions():
            self.menu.addAction(a)

    @property
    def tool(self) -> str | None:
        return self.overlay.tool

    @property
    def strokes(self) -> list[Stroke]:
        return self.overlay.strokes

    def set_tool(self, tool: str | None) -> None:
        self.overlay.set_tool(tool)
        self.pen_action.setChecked(tool == PEN)
        self.highlighter_action.setChecked(tool == HIGHLIGHTER)

    def escape(self) -> bool:
        """Esc: clear a drawing, or put the pen down; True when it did either (Esc then does
        nothing else, e.g. it does not leave the presentation)."""
        if self.overlay.strokes:
            self.overlay.clear()
            return True
        if self.overlay.tool is not None:
            self.set_tool(None)
            return True
        return False

    def _set_include(self, on: bool) -> None:
        self.overlay.include_in_exports = bool(on)

    def _step_changed(self, _index: int) -> None:
        self.overlay.clear()

    def _view_changed(self, _index: int) -> None:
        self.overlay.clear()

    def retranslate(self) -> None:
        self.menu.setTitle(tr("Draw on the view"))
        self.pen_action.setText(tr("Pen"))
        self.highlighter_action.setText(tr("Highlighter"))
        self.clear_action.setText(tr("Clear drawing (Esc)"))
        self.export_action.setText(tr("Include drawing in exports"))
