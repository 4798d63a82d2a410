"""Light and dark themes: the Qt palette, pyqtgraph colours and the heatmap colour maps."""

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

    @property
    def dark(self) -> bool:
        return self.name == "dark"


OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")

LIGHT = Theme("light", "#ffffff", "#f3f4f6", "#1f2328", "#6b7280", "#2563eb",
              OKABE_ITO, "viridis", "CET-D1")
DARK = Theme("dark", "#16181d", "#1f232a", "#e6e8eb", "#9aa1ab", "#60a5fa",
             ("#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#F0E442", "#D55E00", "#0072B2", "#bbbbbb"),
             "viridis", "CET-D1")
THEMES = {"light": LIGHT, "dark": DARK}


def theme_named(name: str) -> Theme:
    return THEMES.get(name, LIGHT)


def apply_to_app(app, theme: Theme) -> None:
    """Fusion style with a palette from the theme, so every native widget follows it."""
    from PySide6.QtGui import QColor, QPalette

    app.setStyle("Fusion")
    pal = QPalette()
    bg, panel, fg, muted, accent = (QColor(c) for c in (theme.background, theme.panel, theme.foreground,
                                                         theme.muted, theme.accent))
    base = QColor("#ffffff") if not theme.dark else QColor("#111318")
    for role, color in (
        (QPalette.Window, panel), (QPalette.WindowText, fg), (QPalette.Base, base),
        (QPalette.AlternateBase, bg), (QPalette.Text, fg), (QPalette.Button, panel),
        (QPalette.ButtonText, fg), (QPalette.Highlight, accent),
        (QPalette.HighlightedText, QColor("#ffffff")), (QPalette.ToolTipBase, panel),
        (QPalette.ToolTipText, fg), (QPalette.PlaceholderText, muted), (QPalette.Link, accent),
    ):
        pal.setColor(role, color)
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        pal.setColor(QPalette.Disabled, role, muted)
    app.setPalette(pal)
