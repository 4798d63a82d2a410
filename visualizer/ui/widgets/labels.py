"""Labels that change often, drawn cheaply: LabelLayer (many short texts painted by one graphics
item: node ids, heatmap cell numbers) and SteadyLabel (a widget label for a counter)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF
from PySide6.QtWidgets import QLabel

UNBOUNDED = 16777215   # QWIDGETSIZE_MAX


class SteadyLabel(QLabel):
    """A QLabel for a text that changes a few times a second (steps/s, "step 1200 of 3400"). A
    plain QLabel's new text invalidates every layout up to the window, which lays itself out again;
    this one keeps a fixed size that only grows, so a new text repaints the label alone. A new
    font (presentation zoom) or language fits it again."""

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self._fit(grow_only=True)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.LanguageChange, QEvent.Type.StyleChange):
            self._fit(grow_only=False)

    def _fit(self, grow_only: bool) -> None:
        if not grow_only:
            self.setMinimumSize(0, 0)    # a QLabel's size hint is at least its minimum width
            self.setMaximumSize(UNBOUNDED, UNBOUNDED)
        hint = self.sizeHint()
        width, height = hint.width(), hint.height()
        if grow_only and self.minimumSize() == self.maximumSize():
            width, height = max(width, self.minimumWidth()), max(height, self.minimumHeight())
            if (width, height) == (self.minimumWidth(), self.minimumHeight()):
                return
        self.setFixedSize(width, height)


class LabelLayer(pg.GraphicsObject):
    """Many short labels in one item, each painted in scene pixels at its point in data coordinates:
    a graph's node ids, a heatmap's cell numbers. pyqtgraph's TextItem is one item per label, each
    laid out again whenever its text or anything around it moves. `inside`: centred on the point;
    else beside it, on a plate of the background colour (a faded label stays readable over edges)."""

    def __init__(self):
        super().__init__()
        self.labels: list[tuple[float, float, str, QColor]] = []
        self.font = None
        self.inside = False
        self.plate: QColor | None = None
        self._key = None
        self.setZValue(20)

    def set_labels(self, labels, font, inside: bool, plate: QColor | None) -> None:
        key = (tuple((x, y, t, c.rgba()) for x, y, t, c in labels), font.toString(), inside,
               None if plate is None else plate.rgba())
        if key == self._key:
            return
        self._key = key
        self.prepareGeometryChange()
        self.labels, self.font, self.inside, self.plate = list(labels), font, inside, plate
        self.update()

    def texts(self) -> list[str]:
        return [t for _, _, t, _ in self.labels]

    def viewTransformChanged(self):  # noqa: N802 - pyqtgraph's name: the margins are in pixels
        self.prepareGeometryChange()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        if not self.labels or self.font is None:
            return QRectF()
        xs = [x for x, _, _, _ in self.labels]
        ys = [y for _, y, _, _ in self.labels]
        fm = QFontMetricsF(self.font)
        wide = max(fm.horizontalAdvance(t) for _, _, t, _ in self.labels) + 2 * fm.height()
        pw, ph = self.pixelWidth() or 0.0, self.pixelHeight() or 0.0
        return QRectF(min(xs) - wide * pw, min(ys) - 2 * fm.height() * ph,
                      max(xs) - min(xs) + 2 * wide * pw, max(ys) - min(ys) + 4 * fm.height() * ph)

    def paint(self, p, *args) -> None:
        if not self.labels or self.font is None:
            return
        to_scene = self.sceneTransform()
        scene_to_device = to_scene.inverted()[0] * p.transform()
        p.save()
        p.setTransform(scene_to_device)
        p.setFont(self.font)
        fm = QFontMetricsF(self.font)
        h = fm.height()
        pad = max(1.0, 0.15 * h)
        for x, y, text, color in self.labels:
            at = to_scene.map(QPointF(x, y))
            w = fm.horizontalAdvance(text)
            if self.inside:
                rect = QRectF(at.x() - w / 2, at.y() - h / 2, w, h)
            else:
                rect = QRectF(at.x() + 0.45 * h + pad, at.y() - h / 2, w, h)
                if self.plate is not None:
                    p.setPen(Qt.PenStyle.NoPen)
                    p.setBrush(self.plate)
                    p.drawRoundedRect(rect.adjusted(-pad, 0, pad, 0), pad, pad)
            p.setPen(color)
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        p.restore()
