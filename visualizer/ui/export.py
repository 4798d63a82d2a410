"""Figure export: one code path for the window and the headless CLI.

PNG renders the widget into a QImage at 1–4× scale; SVG and PDF paint the same widget with
QPainter onto QSvgGenerator / QPdfWriter, so lines and text stay vectors (pyqtgraph's own
SVG exporter is avoided: it is buggy since 0.14). Every write goes through atomic_write.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPoint, QRect, QSize, QSizeF
from PySide6.QtGui import QGuiApplication, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QRegion
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView, QWidget

from visualizer.core.errors import ExportError
from visualizer.core.writers import DATA_SUFFIXES, FIGURE_SUFFIXES, atomic_write, write_data

__all__ = ["DATA_SUFFIXES", "FIGURE_SUFFIXES", "export_figure", "export_data", "figure_image", "copy_figure"]


def _render(widget: QWidget, painter: QPainter) -> None:
    widget.render(painter, QPoint(0, 0), QRegion(),
                  QWidget.RenderFlag.DrawWindowBackground | QWidget.RenderFlag.DrawChildren)


def settle(widget: QWidget) -> None:
    """Paint once and let layouts react: pyqtgraph axes widen to fit their tick labels only after
    a first paint, so a figure rendered straight after drawing could miss a label."""
    scratch = QImage(widget.size(), QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(scratch)
    try:
        _render(widget, painter)
    finally:
        painter.end()
    QGuiApplication.processEvents()


def figure_image(widget: QWidget, scale: float = 2.0) -> QImage:
    size = widget.size()
    image = QImage(QSize(max(1, round(size.width() * scale)), max(1, round(size.height() * scale))),
                   QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(scale)  # widgets paint at logical size, Qt rasterises at scale
    image.fill(widget.palette().window().color())
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    try:
        _render(widget, painter)
    finally:
        painter.end()
    image.setDevicePixelRatio(1.0)
    return image


def export_figure(widget: QWidget, path: str | Path, scale: float = 2.0, title: str = "visualizer figure") -> Path:
    """Write the widget as .png (at `scale`), .svg or .pdf; ExportError says why if it cannot."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FIGURE_SUFFIXES:
        raise ExportError(f"unknown figure format '{suffix or path.name}'; use one of {', '.join(FIGURE_SUFFIXES)}")
    if not 1 <= scale <= 4:
        raise ExportError(f"PNG scale must be between 1 and 4, got {scale}")
    if widget.width() < 2 or widget.height() < 2:
        raise ExportError("the figure has no size yet (is the view shown?)")

    settle(widget)

    def write(tmp: str) -> None:
        if suffix == ".png":
            if not figure_image(widget, scale).save(tmp, "PNG"):
                raise ExportError(f"could not encode a PNG for '{path}'")
        elif suffix == ".svg":
            with _uncached(widget):
                _write_svg(widget, tmp, title)
        else:
            with _uncached(widget):
                _write_pdf(widget, tmp, title)

    return atomic_write(path, write)


@contextmanager
def _uncached(widget: QWidget):
    """Scene items cached as pixmaps (for fast repaints) would land in SVG/PDF as bitmaps:
    switch caching off while a vector file is painted."""
    views = ([widget] if isinstance(widget, QGraphicsView) else []) + widget.findChildren(QGraphicsView)
    saved = []
    for view in views:
        if view.scene() is None:
            continue
        for item in view.scene().items():
            mode = item.cacheMode()
            if mode != QGraphicsItem.CacheMode.NoCache:
                saved.append((item, mode))
                item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    try:
        yield
    finally:
        for item, mode in saved:
            item.setCacheMode(mode)


def _write_svg(widget: QWidget, tmp: str, title: str) -> None:
    gen = QSvgGenerator()
    gen.setFileName(tmp)
    gen.setSize(widget.size())
    gen.setViewBox(QRect(0, 0, widget.width(), widget.height()))
    gen.setTitle(title)
    gen.setDescription("Exported by visualizer")
    painter = QPainter()
    if not painter.begin(gen):
        raise ExportError(f"could not start an SVG file at '{tmp}'")
    try:
        _render(widget, painter)
    finally:
        painter.end()


def _write_pdf(widget: QWidget, tmp: str, title: str) -> None:
    writer = QPdfWriter(tmp)
    writer.setTitle(title)
    writer.setCreator("visualizer")
    dpi = 96
    writer.setResolution(dpi)
    w_pt, h_pt = widget.width() * 72.0 / dpi, widget.height() * 72.0 / dpi
    writer.setPageSize(QPageSize(QSizeF(w_pt, h_pt), QPageSize.Unit.Point, "figure"))
    writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)
    painter = QPainter()
    if not painter.begin(writer):
        raise ExportError(f"could not start a PDF file at '{tmp}'")
    try:
        _render(widget, painter)
    finally:
        painter.end()


def export_data(frame, path: str | Path) -> Path:
    if frame is None:
        raise ExportError("there is nothing to export yet: the explainer has not produced data")
    return write_data(frame, path)


def copy_figure(widget: QWidget, scale: float = 2.0) -> None:
    settle(widget)
    QGuiApplication.clipboard().setImage(figure_image(widget, scale))
