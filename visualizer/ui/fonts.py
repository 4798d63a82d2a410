"""Fonts at the current scale (Ctrl+= / Ctrl+−). Plain Qt: importable before pyqtgraph."""

from PySide6.QtGui import QFont, QFontDatabase

BASE_POINT_SIZE = 10.0


def font(scale: float, *, bold: bool = False, delta: float = 0.0) -> QFont:
    f = QFont()
    f.setPointSizeF(max(5.0, (BASE_POINT_SIZE + delta) * scale))
    f.setBold(bold)
    return f


# language -> (its script, the script's name, a Debian package with a font for it)
SCRIPTS = {"zh_CN": (QFontDatabase.WritingSystem.SimplifiedChinese, "Chinese", "fonts-noto-cjk")}


def missing_font_message(language: str) -> str | None:
    """What to say when no installed font writes the language's script (its text would be empty
    boxes), else None. In English: the message cannot rely on the missing script."""
    if language not in SCRIPTS:
        return None
    script, name, package = SCRIPTS[language]
    if QFontDatabase.families(script):
        return None
    return (f"No installed font has {name} characters, so they show as empty boxes. Install one "
            f"(Debian, Ubuntu: sudo apt install {package}) and start the app again.")
