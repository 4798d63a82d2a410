"""One colour map per kind of quantity, the same in every explainer, readable in both themes.

    quantity        light theme        dark theme             used for
    probability     viridis            viridis, from 18 %     attention weights, softmax rows, D(x)
    magnitude       viridis            viridis, from 18 %     non-negative sizes (norms, counts, |x|)
    signed          CET-D1 (blue–red)  CET-D1                 scores, logits, embeddings, differences
    angle           CET-C6 (cyclic)    CET-C6                 rotation angles mod 2π
    categorical     theme.series                              heads, classes, curves

viridis begins at a near-black purple that vanishes on the dark theme's near-black background:
the dark theme's sequential map is viridis without its darkest 18 %, so a weight of 0 is still
a visible deep blue and 1 is the same yellow. Use `colormap(name_or_quantity, theme)` wherever a
colour map is needed; a theme's own map names ("viridis", "CET-D1") are resolved the same way.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from visualizer.ui.theme import Theme

DARK_LOW = 0.18   # the dark theme's sequential map starts here on viridis

# quantity -> (light theme's map, dark theme's map)
QUANTITY_CMAPS: dict[str, tuple[str, str]] = {
    "probability": ("viridis", "viridis-dark"),
    "magnitude": ("viridis", "viridis-dark"),
    "signed": ("CET-D1", "CET-D1"),
    "angle": ("CET-C6", "CET-C6"),
}

_custom: dict[str, pg.ColorMap] = {}


def _viridis_dark() -> pg.ColorMap:
    base = pg.colormap.get("viridis")
    pos = np.linspace(0.0, 1.0, 64)
    colors = base.map(DARK_LOW + (1 - DARK_LOW) * pos, mode="byte")
    return pg.ColorMap(pos, colors, name="viridis-dark")


def cmap_name(name_or_quantity: str | None, theme: Theme, *, signed: bool = False) -> str:
    """The colour map's name for a quantity ("probability", "signed"...) or a map name, in this
    theme. None picks by the data: "signed" for signed values, "probability" otherwise."""
    key = name_or_quantity or ("signed" if signed else "probability")
    if key in QUANTITY_CMAPS:
        light, dark = QUANTITY_CMAPS[key]
        return dark if theme.dark else light
    if theme.dark and key == "viridis":
        return "viridis-dark"
    return key


def colormap(name_or_quantity: str | None, theme: Theme, *, signed: bool = False) -> pg.ColorMap:
    """The pyqtgraph ColorMap for a quantity or a map name, resolved for the theme."""
    name = cmap_name(name_or_quantity, theme, signed=signed)
    if name == "viridis-dark":
        if name not in _custom:
            _custom[name] = _viridis_dark()
        return _custom[name]
    return pg.colormap.get(name)


def lookup_table(name_or_quantity: str | None, theme: Theme) -> np.ndarray:
    """256 × 4 uint8 RGBA for a quantity or a map name (for images coloured by hand)."""
    return colormap(name_or_quantity, theme).getLookupTable(nPts=256, alpha=True, mode="byte")


def readable_on(color: str | QColor, background: str, minimum: float = 3.0) -> QColor:
    """`color` lightened (on a dark background) or darkened (on a light one) until its contrast
    with `background` is at least `minimum` (WCAG ratio), hue kept."""
    c, bg = QColor(color), QColor(background)
    dark_bg = _luminance(bg) < 0.5
    for _ in range(20):
        if _contrast(c, bg) >= minimum:
            break
        c = c.lighter(115) if dark_bg else c.darker(115)
        if dark_bg and c.value() >= 255 and c.saturation() > 0:
            h, s, v, a = c.getHsv()
            c.setHsv(h, max(0, s - 25), v, a)
    return c


def _luminance(c: QColor) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def _contrast(a: QColor, b: QColor) -> float:
    la, lb = _luminance(a), _luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)
