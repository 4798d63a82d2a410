"""Qt-free plumbing shared by every explainer: options, frames, labs, devices, writers.

Nothing in this package imports Qt, pyqtgraph or superqt (CI checks it). Import the modules
themselves (visualizer.core.lab, .frame, ...): this package stays light so that the window
can paint before numpy and torch are imported.
"""
