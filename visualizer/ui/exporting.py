"""File → Export figure / Export data / Copy figure / PNG scale, for the window's current view."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QFileDialog

from visualizer.core.errors import ExportError
from visualizer.ui.controls import icon
from visualizer.ui.i18n import tr


class ExportActions(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.png_scale = window.settings.png_scale
        self.figure_action = QAction(icon("export"), "", window)
        self.figure_action.setShortcut(QKeySequence("Ctrl+E"))
        self.figure_action.triggered.connect(self.export_figure_dialog)
        self.data_action = QAction("", window)
        self.data_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.data_action.triggered.connect(self.export_data_dialog)
        self.copy_action = QAction("", window)
        self.copy_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.copy_action.triggered.connect(self.copy_figure)
        self.scale_group = QActionGroup(self)
        self.scale_actions = []
        for scale in (1, 2, 3, 4):
            a = QAction(f"{scale}×", window, checkable=True)
            a.setChecked(scale == self.png_scale)
            a.triggered.connect(lambda _c=False, s=scale: self.set_png_scale(s))
            self.scale_group.addAction(a)
            self.scale_actions.append(a)

    def add_to(self, menu) -> None:
        for a in (self.figure_action, self.data_action, self.copy_action):
            menu.addAction(a)
        self.scale_menu = menu.addMenu("")
        for a in self.scale_actions:
            self.scale_menu.addAction(a)

    def set_enabled(self, on: bool) -> None:
        for a in (self.figure_action, self.data_action, self.copy_action):
            a.setEnabled(on)

    def retranslate(self) -> None:
        self.figure_action.setText(tr("Export figure…"))
        self.data_action.setText(tr("Export data…"))
        self.copy_action.setText(tr("Copy figure to clipboard"))
        self.scale_menu.setTitle(tr("PNG scale"))

    # ---- dialogs ----------------------------------------------------------------------------------
    def _ask_path(self, title: str, filters: str, suffix: str) -> str:
        explainer = self.window.explainer
        suggested = str(Path.home() / f"{explainer.id if explainer else 'figure'}{suffix}")
        path, _ = QFileDialog.getSaveFileName(self.window, title, suggested, filters)
        return path

    def export_figure_dialog(self) -> None:
        path = self._ask_path(tr("Export figure"), "PNG image (*.png);;SVG vector (*.svg);;PDF vector (*.pdf)", ".png")
        if path:
            self.export_figure_to(path)

    def export_data_dialog(self) -> None:
        path = self._ask_path(tr("Export data"), "NumPy arrays (*.npz);;CSV table (*.csv);;JSON (*.json)", ".npz")
        if path:
            self.export_data_to(path)

    # ---- writing ----------------------------------------------------------------------------------
    def export_figure_to(self, path: str) -> bool:
        view = self.window.view
        if view is None:
            return False
        from visualizer.ui.export import export_figure

        try:
            written = export_figure(view.figure_widget(), path, scale=self.png_scale,
                                    title=f"visualizer — {self.window.explainer.title}")
        except ExportError as exc:
            self.window.show_error(f"{tr('Export figure failed')}: {exc}")
            return False
        self.window.statusBar().showMessage(tr("Figure written to {path}").format(path=written), 8000)
        return True

    def export_data_to(self, path: str) -> bool:
        view = self.window.view
        if view is None:
            return False
        from visualizer.ui.export import export_data

        try:
            written = export_data(view.data_frame(), path)
        except ExportError as exc:
            self.window.show_error(f"{tr('Export data failed')}: {exc}")
            return False
        self.window.statusBar().showMessage(tr("Data written to {path}").format(path=written), 8000)
        return True

    def copy_figure(self) -> None:
        if self.window.view is not None:
            from visualizer.ui.export import copy_figure

            copy_figure(self.window.view.figure_widget(), self.png_scale)
            self.window.statusBar().showMessage(tr("Figure copied to the clipboard"), 5000)

    def set_png_scale(self, scale: int) -> None:
        self.png_scale = scale
        self.scale_actions[scale - 1].setChecked(True)
        self.window.settings.save(png_scale=scale)
