"""LabelLayer: many short texts painted by one graphics item (node ids, heatmap cell numbers)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF


class LabelLayer(pg.GraphicsObject):
    """Many short labels in one item, each painted in scene pixels at its point in data coordinates:
    a graph's node ids, a heatmap's cell numbers. pyqtgraph's TextItem is one item per label, each
    laid out again whenever its text or anything around it moves. `inside`: centred on the point;
    else beside it, on a plate of the background colour (a faded label stays readable over edges):
    right of its point, else left, above or below, whichever is clear of the labels before it in
    the list, or not at all (the first label always: put the one that matters first). `drawn`:
    (text, rect in the view's pixels) of what the last paint wrote."""

    def __init__(self):
        super().__init__()
        self.labels: list[tuple[float, float, str, QColor]] = []
        self.font = None
        self.inside = False
        self.plate: QColor | None = None
        self._key = None
        self.drawn: list[tuple[str, QRectF]] = []
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
        placed: list[QRectF] = []
        self.drawn = []
        for x, y, text, color in self.labels:
            at = to_scene.map(QPointF(x, y))
            w = fm.horizontalAdvance(text)
            if self.inside:
                rect = QRectF(at.x() - w / 2, at.y() - h / 2, w, h)
            else:
                rect = self._clear_spot(at, w, h, pad, placed)
                if rect is None:
                    continue
                plate = rect.adjusted(-pad, 0, pad, 0)
                placed.append(plate)
                if self.plate is not None:
                    p.setPen(Qt.PenStyle.NoPen)
                    p.setBrush(self.plate)
                    p.drawRoundedRect(plate, pad, pad)
            p.setPen(color)
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
            self.drawn.append((text, rect))
        p.restore()

    @staticmethod
    def _clear_spot(at: QPointF, w: float, h: float, pad: float, placed: list[QRectF]) -> QRectF | None:
        """Where a w × h label beside the point `at` overlaps none of `placed` (the first label
        goes right of its point, wherever that is)."""
        gap = 0.45 * h + pad
        spots = (QRectF(at.x() + gap, at.y() - h / 2, w, h), QRectF(at.x() - gap - w, at.y() - h / 2, w, h),
                 QRectF(at.x() - w / 2, at.y() - gap - h, w, h), QRectF(at.x() - w / 2, at.y() + gap, w, h))
        if not placed:
            return spots[0]
        for rect in spots:
            box = rect.adjusted(-pad, 0, pad, 0)
            if not any(box.intersects(other) for other in placed):
                return rect
        return None
