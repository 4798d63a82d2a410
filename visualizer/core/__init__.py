"""Qt-free plumbing shared by every explainer: options, frames, labs, devices, writers.

Nothing in this package imports Qt, pyqtgraph or superqt (CI checks it).
"""

from visualizer.core.errors import ConfigError, ExportError
from visualizer.core.frame import Frame
from visualizer.core.lab import Lab
from visualizer.core.options import Option, OptionSet

__all__ = ["ConfigError", "ExportError", "Frame", "Lab", "Option", "OptionSet"]
