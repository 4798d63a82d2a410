"""Figure export: one code path for the window and the headless CLI.

PNG renders the widget into a QImage at 1–4× scale; SVG and PDF paint the same widget with
QPainter onto QSvgGenerator / QPdfWriter, so lines and text stay vectors (pyqtgraph's own
SVG exporter is avoided: it is buggy since 0.14). Every write goes through atomic_write.
"""

from __future__ import annotations

import math
import re

from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPoint, QRect, QSize, QSizeF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QRegion
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView, QWidget

from visualizer.core.errors import ExportError, WriteError
from visualizer.core.writers import DATA_SUFFIXES, FIGURE_SUFFIXES, atomic_write, check_image_size, write_data

__all__ = ["DATA_SUFFIXES", "FIGURE_SUFFIXES", "export_figure", "write_figure", "export_data", "figure_image",
           "copy_figure"]


def _render(widget: QWidget, painter: QPainter) -> None:
    from PySide6.QtCore import QRectF

    from visualizer.ui.widgets.ink import paint_ink

    widget.render(painter, QPoint(0, 0), QRegion(),
                  QWidget.RenderFlag.DrawWindowBackground | QWidget.RenderFlag.DrawChildren)
    paint_ink(painter, QRectF(0, 0, widget.width(), widget.height()), widget)  # only if asked for


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
    w, h = check_image_size(size.width(), size.height(), scale, "the figure")  # refused, never a crash
    image = QImage(QSize(max(1, w), max(1, h)), QImage.Format.Format_ARGB32_Premultiplied)
    if image.isNull():
        raise ExportError(f"there is not enough memory for a {w}×{h} image; use a smaller size or scale")
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


def figure_rgb(widget: QWidget, scale: float = 1.0):
    """The figure as an (h, w, 3) uint8 array (an animation's frame)."""
    import numpy as np

    image = figure_image(widget, scale).convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    array = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * h).reshape(h, stride)
    return array[:, : w * 3].reshape(h, w, 3).copy()


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
    if suffix == ".png":
        check_image_size(widget.width(), widget.height(), scale, f"'{path.name}'")  # before any file exists
    return atomic_write(path, lambda tmp: write_figure(widget, tmp, suffix, scale, title))


def write_figure(widget: QWidget, tmp: str, suffix: str, scale: float = 2.0, title: str = "visualizer figure") -> None:
    """Paint the widget as `suffix` (.png .svg .pdf) into the file `tmp` (any name: a staged file)."""
    settle(widget)
    if suffix == ".png":
        # encoded in memory, written by Python: a full disk is an OSError naming the cause, where
        # libpng writing the file itself would print its own "Write Error" line on stderr
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        ok = figure_image(widget, scale).save(buffer, "PNG")
        buffer.close()
        if not ok:
            raise WriteError("could not encode the PNG (out of memory?)")
        with open(tmp, "wb") as fh:
            fh.write(data.data())
    elif suffix == ".svg":
        with _uncached(widget):
            _write_svg(widget, tmp, title)
    elif suffix == ".pdf":
        with _uncached(widget):
            _write_pdf(widget, tmp, title)
        with open(tmp, "rb") as fh:  # QPdfWriter says nothing when the disk fills: check the end
            fh.seek(max(0, Path(tmp).stat().st_size - 1024))
            if b"%%EOF" not in fh.read():
                raise WriteError("could not write the whole PDF (is the disk full?)")
    else:
        raise ExportError(f"unknown figure format '{suffix}'; use one of {', '.join(FIGURE_SUFFIXES)}")


@contextmanager
def _uncached(widget: QWidget):
    """Scene items cached as pixmaps (for fast repaints) would land in SVG/PDF as bitmaps:
    switch caching off while a vector file is painted, and put pyqtgraph's items in their export
    mode (as its own exporters do), so scatter symbols are drawn as shapes, not as fragments of
    a pixmap atlas (which a vector file holds as the whole atlas at every point)."""
    views = ([widget] if isinstance(widget, QGraphicsView) else []) + widget.findChildren(QGraphicsView)
    saved, exporting = [], []
    for view in views:
        if view.scene() is None:
            continue
        for item in view.scene().items():
            mode = item.cacheMode()
            if mode != QGraphicsItem.CacheMode.NoCache:
                saved.append((item, mode))
                item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
            if hasattr(item, "setExportMode"):
                item.setExportMode(True, {"antialias": True})
                exporting.append(item)
    try:
        yield
    finally:
        for item, mode in saved:
            item.setCacheMode(mode)
        for item in exporting:
            item.setExportMode(False)


def _write_svg(widget: QWidget, tmp: str, title: str) -> None:
    gen = QSvgGenerator()
    gen.setFileName(tmp)
    gen.setSize(widget.size())
    gen.setViewBox(QRect(0, 0, widget.width(), widget.height()))
    gen.setResolution(round(widget.logicalDpiX()))   # text at the size it has on screen
    gen.setTitle(title)
    gen.setDescription("Exported by visualizer")
    painter = QPainter()
    if not painter.begin(gen):
        raise ExportError(f"could not start an SVG file at '{tmp}'")
    try:
        _render(widget, painter)
    finally:
        painter.end()
    svg = Path(tmp)
    text = flatten_non_scaling_strokes(svg.read_text(encoding="utf-8"))
    svg.write_text(sharpen_scaled_images(text), encoding="utf-8")


_GROUP = re.compile(r'(<g\b[^>]*?)\stransform="matrix\(([^)]*)\)"([^>]*>)(.*?)(</g>)', re.S)
_SHAPE = re.compile(r'<(path|rect|polyline)((?:\s+[\w:-]+="[^"]*")*?)\s+vector-effect="non-scaling-stroke"([^>]*)/>')
_NUMBER_PAIR = re.compile(r"(-?[\d.]+(?:e-?\d+)?),(-?[\d.]+(?:e-?\d+)?)")


def flatten_non_scaling_strokes(svg: str) -> str:
    """Qt writes a cosmetic pen (pyqtgraph's lines, markers, arrows: a width in screen pixels) as
    a path in data coordinates under a data transform, with vector-effect="non-scaling-stroke".
    librsvg (Inkscape, LaTeX toolchains, file managers) ignores vector-effect and scales the
    stroke with the data: lines come out ~100× thick. For every group that holds only such
    shapes, map their coordinates through the group's transform and drop it: the same picture,
    with strokes as wide as on screen in every renderer."""

    def group(m: re.Match) -> str:
        head, matrix, tail, body, end = m.groups()
        shapes = list(_SHAPE.finditer(body))
        if not shapes or _SHAPE.sub("", body).strip():
            return m.group(0)          # text, images, plain shapes: the transform stays
        a, b, c, d, e, f = (float(v) for v in matrix.split(","))

        def point(x: float, y: float) -> str:
            return f"{a * x + c * y + e:.6g},{b * x + d * y + f:.6g}"

        out = []
        for shape in shapes:
            kind, before, attrs = shape.groups()
            attrs = before + attrs
            if kind in ("path", "polyline"):
                field = "d" if kind == "path" else "points"
                attrs = re.sub(rf' {field}="([^"]*)"', lambda dm: f' {field}="' + _NUMBER_PAIR.sub(
                    lambda pm: point(float(pm.group(1)), float(pm.group(2))), dm.group(1)) + '"', attrs)
            else:
                box = {k: float(v) for k, v in re.findall(r'\b(x|y|width|height)="([^"]*)"', attrs)}
                x, y, w, h = box.get("x", 0.0), box.get("y", 0.0), box["width"], box["height"]
                attrs = re.sub(r'\s(x|y|width|height)="[^"]*"', "", attrs)
                attrs += (f' d="M{point(x, y)} L{point(x + w, y)} L{point(x + w, y + h)} '
                          f'L{point(x, y + h)} Z"')
            out.append(f"<{'polyline' if kind == 'polyline' else 'path'}{attrs}/>")
        return head + tail + "\n" + "\n".join(out) + "\n" + end

    return _GROUP.sub(group, svg)


_IMAGE = re.compile(r'(<image\b[^>]*?\swidth=")(\d+)("\s+height=")(\d+)("[^>]*?xlink:href="data:image/png;base64,)'
                    r'([^"]*)(")')
MAX_SHARP_PIXELS = 4_000_000   # an image is enlarged for sharpness only up to this many pixels


def sharpen_scaled_images(svg: str) -> str:
    """A heatmap is a few pixels (one per cell) drawn large under a transform. Qt asks for
    image-rendering="optimizeSpeed", which librsvg ignores, so there every cell blurs into its
    neighbours. Enlarge each such image by the transform's scale with nearest-neighbour
    sampling (it keeps its place and size), so every renderer shows sharp cells."""

    def group(m: re.Match) -> str:
        head, matrix, tail, body, end = m.groups()
        if "<image" not in body:
            return m.group(0)
        a, b, c, d, _e, _f = (abs(float(v)) for v in matrix.split(","))
        fx, fy = max(1, math.ceil(max(a, b))), max(1, math.ceil(max(c, d)))

        def image(im: re.Match) -> str:
            w, h = int(im.group(2)), int(im.group(4))
            k = min(fx * fy, MAX_SHARP_PIXELS // max(1, w * h))
            if k <= 1:
                return im.group(0)
            sx, sy = (fx, fy) if fx * fy <= k else (max(1, int(fx * math.sqrt(k / (fx * fy)))),
                                                    max(1, int(fy * math.sqrt(k / (fx * fy)))))
            source = QImage.fromData(QByteArray.fromBase64(im.group(6).encode("ascii")), "PNG")
            if source.isNull():
                return im.group(0)
            big = source.scaled(w * sx, h * sy, Qt.AspectRatioMode.IgnoreAspectRatio,
                                Qt.TransformationMode.FastTransformation)
            data = QByteArray()
            buffer = QBuffer(data)
            buffer.open(QIODevice.OpenModeFlag.WriteOnly)
            big.save(buffer, "PNG")
            buffer.close()
            return im.group(1) + im.group(2) + im.group(3) + im.group(4) + im.group(5) + \
                bytes(data.toBase64()).decode("ascii") + im.group(7)

        return head + ' transform="matrix(' + matrix + ')"' + tail + _IMAGE.sub(image, body) + end

    return _GROUP.sub(group, svg)


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
