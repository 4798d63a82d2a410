"""Fonts at the current scale (Ctrl+= / Ctrl+−). Plain Qt: importable before pyqtgraph."""

from PySide6.QtGui import QFont

BASE_POINT_SIZE = 10.0


def font(scale: float, *, bold: bool = False, delta: float = 0.0) -> QFont:
    f = QFont()
    f.setPointSizeF(max(5.0, (BASE_POINT_SIZE + delta) * scale))
    f.setBold(bold)
    return f
