"""The rooms stay separate: core and labs never import Qt; views never import torch."""

import ast
from pathlib import Path

import visualizer

ROOT = Path(visualizer.__file__).parent
QT = {"PySide6", "pyqtgraph", "superqt", "qtpy", "PyQt5", "PyQt6"}
TORCH = {"torch", "transformers", "torch_geometric"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
            if node.module.startswith("visualizer.ui"):
                roots.add("visualizer.ui")
    return roots


def offenders(room: str, forbidden: set[str]) -> dict:
    found = {}
    for path in sorted((ROOT / room).rglob("*.py")):
        bad = imported_roots(path) & forbidden
        if bad:
            found[str(path.relative_to(ROOT))] = sorted(bad)
    return found


def test_core_and_labs_import_no_qt():
    assert offenders("core", QT | {"visualizer.ui"}) == {}
    assert offenders("labs", QT | {"visualizer.ui"}) == {}


def test_views_and_widgets_import_no_torch():
    assert offenders("ui", TORCH) == {}


def test_the_check_itself_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom PySide6.QtCore import Qt\n\ndef f():\n    import torch\n")
    assert imported_roots(bad) >= {"PySide6", "torch"}


def test_the_window_module_paints_before_numpy_pyqtgraph_and_torch():
    """The window paints first, then imports the heavy libraries (start-up ≤ 0.5 s)."""
    import os
    import subprocess
    import sys

    code = ("import sys, visualizer.ui.app; "
            "print(' '.join(m for m in ('numpy', 'pyqtgraph', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
