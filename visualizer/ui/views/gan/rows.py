"""TextRow: a line (or a few) of text in a row of a plot's own layout, outside the data.

A read-out ("step 1,200 · Adam", "D 0.693   G 0.701", "6 of 8 modes") changes on every frame.
Inside the plot it would print over the curves; as a pyqtgraph LabelItem each change would
re-lay out the whole figure. A TextRow keeps its height while the text changes (the layout is
asked again only when the wrapped text needs another number of lines), wraps to the width it
is given, and paints one QGraphicsTextItem."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QSizeF, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QGraphicsTextItem, QSizePolicy


class TextRow(pg.GraphicsWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.item = QGraphicsTextItem(self)
        self.item.document().setDocumentMargin(1)
        self._text = ""
        self._height = 0.0
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._fit()

    # ---- the text --------------------------------------------------------------------------------
    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        self.item.setPlainText(text)
        self._fit()

    def set_style(self, font: QFont, color: str) -> None:
        self.item.setFont(font)
        self.item.setDefaultTextColor(QColor(color))
        self._fit()

    def font(self) -> QFont:  # noqa: D102 - the text's font
        return self.item.font()

    def color(self) -> QColor:
        return self.item.defaultTextColor()

    # ---- geometry --------------------------------------------------------------------------------
    def _fit(self) -> None:
        width = self.rect().width()
        if width > 0:
            self.item.setTextWidth(width)
        height = math.ceil(self.item.document().size().height()) if self._text else 0.0
        if not self._text:   # an empty row keeps one line's height: no jump when a text arrives
            height = math.ceil(self.item.boundingRect().height())
        if height != self._height:
            self._height = height
            self.setMinimumHeight(height)
            self.setMaximumHeight(height)
            self.updateGeometry()

    def sizeHint(self, which, constraint=None):  # noqa: N802 - Qt's name
        if which == Qt.SizeHint.MinimumSize:
            return QSizeF(0.0, self._height)
        if which == Qt.SizeHint.MaximumSize:
            return QSizeF(1e6, self._height)
        return QSizeF(10.0, self._height)

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(ev)
        self._fit()
