"""Light, dark and high-contrast themes: the Qt palette, pyqtgraph colours and the heatmap colour maps.

High contrast is for a room with a weak projector: black background, white text, yellow accents,
bright series colours and thicker lines (`line_width`, a factor a view multiplies its pen widths
by: `theme.pen_width(1.5)`). It counts as a dark theme (`theme.dark`), so every place that picks
colours for a dark background picks them for it too."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    name: str
    background: str      # plot and window background
    panel: str           # side panels
    foreground: str      # text, axes
    muted: str           # secondary text, grid
    accent: str          # selection, highlights
    series: tuple        # distinct curve colours (colour-blind friendly, Okabe–Ito based)
    sequential: str      # colormap for 0..1 quantities (attention weights)
    diverging: str       # colormap for signed quantities (scores, embeddings)
    line_width: float = 1.0   # factor on every pen width (high contrast: thicker lines)

    @property
    def dark(self) -> bool:
        """A dark background (the dark and the high-contrast themes)."""
        return self.name in ("dark", "high-contrast")

    @property
    def high_contrast(self) -> bool:
        return self.name == "high-contrast"

    def pen_width(self, width: float = 1.0) -> float:
        """A pen width in this theme (thicker in high contrast)."""
        return width * self.line_width

    def palette(self) -> tuple:
        """The colours a figure is drawn with, first in an animation's one palette (a curve keeps
        its colour from the first frame to the last)."""
        return (self.background, self.panel, self.foreground, self.muted, self.accent) + tuple(self.series)


OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")

LIGHT = Theme("light", "#ffffff", "#f3f4f6", "#1f2328", "#6b7280", "#2563eb",
              OKABE_ITO, "viridis", "CET-D1")
DARK = Theme("dark", "#16181d", "#1f232a", "#e6e8eb", "#9aa1ab", "#60a5fa",
             ("#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#F0E442", "#D55E00", "#0072B2", "#bbbbbb"),
             "viridis", "CET-D1")
HIGH_CONTRAST = Theme("high-contrast", "#000000", "#000000", "#ffffff", "#d8d8d8", "#ffd400",
                      ("#ffd400", "#40c4ff", "#00e676", "#ff80ab", "#ffffff", "#ff9100", "#b388ff", "#c0c0c0"),
                      "viridis", "CET-D1", line_width=2.0)
THEMES = {"light": LIGHT, "dark": DARK, "high-contrast": HIGH_CONTRAST}
THEME_NAMES = tuple(THEMES)     # the View → Theme menu, in this order


def theme_named(name: str) -> Theme:
    return THEMES.get(name, LIGHT)


def apply_to_app(app, theme: Theme) -> None:
    """Fusion style with a palette from the theme, so every native widget follows it."""
    from PySide6.QtGui import QColor, QPalette

    if not app.styleSheet() and app.style().name().lower() != "fusion":
        app.setStyle("Fusion")   # only when needed: replacing the style under live widgets can crash
    pal = QPalette()
    bg, panel, fg, muted, accent = (QColor(c) for c in (theme.background, theme.panel, theme.foreground,
                                                         theme.muted, theme.accent))
    base = QColor("#ffffff") if not theme.dark else QColor("#000000" if theme.high_contrast else "#111318")
    for role, color in (
        (QPalette.Window, panel), (QPalette.WindowText, fg), (QPalette.Base, base),
        (QPalette.AlternateBase, bg), (QPalette.Text, fg), (QPalette.Button, panel),
        (QPalette.ButtonText, fg), (QPalette.Highlight, accent),
        (QPalette.HighlightedText, QColor("#000000" if theme.high_contrast else "#ffffff")), (QPalette.ToolTipBase, panel),
        (QPalette.ToolTipText, fg), (QPalette.PlaceholderText, muted), (QPalette.Link, accent),
    ):
        pal.setColor(role, color)
    if theme.high_contrast:
        # Fusion draws frames and bevels from these: white outlines, not black on black
        for role, color in ((QPalette.Light, fg), (QPalette.Midlight, fg), (QPalette.Mid, muted),
                            (QPalette.Dark, fg), (QPalette.Shadow, fg), (QPalette.BrightText, accent)):
            pal.setColor(role, QColor(color))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        pal.setColor(QPalette.Disabled, role, muted if not theme.high_contrast else QColor("#9a9a9a"))
    app.setPalette(pal)
    sheet = HIGH_CONTRAST_STYLE if theme.high_contrast else ""
    if app.styleSheet() != sheet:
        app.setStyleSheet(sheet)


# every control outlined in white, the checked and focused ones in yellow: nothing is told by a
# faint shade; the other themes use no style sheet
HIGH_CONTRAST_STYLE = """
QPushButton, QToolButton, QComboBox, QAbstractSpinBox, QLineEdit {
    border: 2px solid #ffffff; border-radius: 3px; padding: 2px 6px; }
QPushButton:disabled, QToolButton:disabled, QComboBox:disabled, QAbstractSpinBox:disabled {
    border-color: #7a7a7a; }
QPushButton:checked, QToolButton:checked { background: #ffd400; color: #000000; }
QPushButton:focus, QToolButton:focus, QComboBox:focus, QAbstractSpinBox:focus, QLineEdit:focus {
    border-color: #ffd400; }
QMenu { border: 2px solid #ffffff; }
QMenu::item:selected, QMenuBar::item:selected { background: #ffd400; color: #000000; }
QToolTip { border: 2px solid #ffd400; }
"""
