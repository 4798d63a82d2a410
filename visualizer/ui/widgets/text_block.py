"""TextBlock: a figure's title, subtitle, note or facts — wrapped plain or rich text.

A QLabel asks its layout for a new geometry on every setText, so a figure whose facts change
every frame (a loss, a step count) re-laid out its title rows, its canvas check and repainted
the labels two or three times a frame (~3–5 ms of a 20 ms GNN frame). A TextBlock repaints its
own text once and asks for room only when its height for its width changes.

It is a QLabel for whoever looks (isinstance, text(), wordWrap(), font, style sheet colour),
but draws and measures with its own QTextDocument."""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QAbstractTextDocumentLayout, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QLabel, QSizePolicy


class TextBlock(QLabel):
    MAX_HINT_WIDTH = 900      # the widest it asks to be (its text wraps in whatever it gets)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._text = ""
        self._rich = False
        self._doc = QTextDocument()
        self._doc.setDocumentMargin(0)
        self._heights: dict[int, int] = {}      # width -> height, for the current text and font
        self._one_line = False
        self._doc.setDefaultFont(self.font())
        super().setWordWrap(True)
        policy = self.sizePolicy()
        policy.setHeightForWidth(True)
        policy.setHorizontalPolicy(QSizePolicy.Policy.Preferred)
        self.setSizePolicy(policy)

    # ---- QLabel's interface ---------------------------------------------------------------------
    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        text = str(text)
        if text == self._text:
            return
        self._text = text
        self._reset()
        self._fit_tooltip()
        if self.heightForWidth(self.width()) != self.height() or not self.isVisible():
            self.updateGeometry()
        self.update()

    def setTextFormat(self, fmt) -> None:  # noqa: N802 - Qt's name
        self._rich = fmt == Qt.TextFormat.RichText
        self._reset()
        self.updateGeometry()
        self.update()

    def setWordWrap(self, on: bool) -> None:  # noqa: N802 - it always wraps
        super().setWordWrap(True)

    def set_one_line(self, on: bool) -> None:
        """Plain text on one line, cut with "…" where it is longer (the whole of it in the tooltip):
        for a figure too short to give a secondary line its wrapped rows."""
        on = bool(on) and not self._rich
        if on != self._one_line:
            self._one_line = on
            self._heights.clear()
            self._fit_tooltip()
            self.updateGeometry()
            self.update()

    # ---- measuring ------------------------------------------------------------------------------
    def _reset(self, font: bool = False) -> None:
        self._heights.clear()
        if font:                              # (setDefaultFont costs more than setting the text)
            self._doc.setDefaultFont(self.font())
        if self._rich:
            self._doc.setHtml(self._text)
        else:
            self._doc.setPlainText(self._text)

    def _laid_out(self, width: int) -> QTextDocument:
        if self._doc.textWidth() != width:
            self._doc.setTextWidth(max(1, width))
        return self._doc

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        if not self._text:
            return 0
        if self._one_line:
            return math.ceil(self.fontMetrics().height())
        h = self._heights.get(width)
        if h is None:
            h = self._heights[width] = math.ceil(self._laid_out(width).size().height())
        return h

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        if not self._text:
            return QSize(0, 0)
        self._doc.setTextWidth(-1)                 # the width of its longest line, unwrapped
        wide = min(self.MAX_HINT_WIDTH, math.ceil(self._doc.idealWidth()))
        return QSize(wide, self.heightForWidth(wide))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - a long text never sets the window's width
        return QSize(0, self.heightForWidth(max(1, self.width())) if self._text else 0)

    # ---- drawing --------------------------------------------------------------------------------
    def _cut_line(self) -> str:
        return self.fontMetrics().elidedText(self._text.replace("\n", " "), Qt.TextElideMode.ElideRight, self.width())

    def _fit_tooltip(self) -> None:
        """The whole text in the tooltip while one line cuts it."""
        cut = self._one_line and self._text and self._cut_line() != self._text
        tip = self._text if cut else ""
        if self.toolTip() != tip:
            self.setToolTip(tip)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if not self._text:
            return
        painter = QPainter(self)
        if self._one_line:
            cut = self._cut_line()
            painter.setPen(self.palette().color(self.foregroundRole()))
            painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), cut)
            painter.end()
            return
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette.setColor(QPalette.ColorRole.Text, self.palette().color(self.foregroundRole()))
        self._laid_out(self.width()).documentLayout().draw(painter, context)
        painter.end()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_tooltip()
        if event.size().width() != event.oldSize().width():
            # the layout keeps the heights it asked for at a few widths; one of them may be from
            # a text that changed since (setText did not ask): let it ask again at this width
            self.updateGeometry()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._reset(font=True)
            self._fit_tooltip()
            self.updateGeometry()
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self.update()
