"""The window's left column: the explainers (ready or coming soon), then the current one's options."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QListWidget, QListWidgetItem, QScrollArea, QVBoxLayout, QWidget

from visualizer.core import registry
from visualizer.ui.fonts import font
from visualizer.ui.i18n import tr


class Navigator(QWidget):
    chosen = Signal(str)   # an explainer id the person picked

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setFocusPolicy(Qt.NoFocus)
        for explainer in registry.EXPLAINERS:
            item = QListWidgetItem()
            item.setData(Qt.UserRole, explainer.id)
            self.list.addItem(item)
        self.list.currentItemChanged.connect(self._changed)
        self.list.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.list.setSpacing(3)  # (a style sheet here would stop the list following the theme palette)
        self.title, self.options_title = QLabel(), QLabel()
        self.options_host = QScrollArea()
        self.options_host.setWidgetResizable(True)
        self.options_host.setFrameShape(QFrame.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        for w, stretch in ((self.title, 0), (self.list, 0), (self.options_title, 0), (self.options_host, 1)):
            layout.addWidget(w, stretch)

    def _changed(self, current, _previous=None) -> None:
        if current is not None:
            self.chosen.emit(current.data(Qt.UserRole))

    def select(self, explainer_id: str) -> None:
        """Show `explainer_id` as current without announcing it."""
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.UserRole) == explainer_id and self.list.currentRow() != i:
                self.list.blockSignals(True)
                self.list.setCurrentRow(i)
                self.list.blockSignals(False)

    def set_options_panel(self, panel: QWidget) -> None:
        self.options_host.setWidget(panel)

    def apply_font_scale(self, scale: float) -> None:
        self.list.setFont(font(scale, delta=1))
        for w in (self.title, self.options_title):
            w.setFont(font(scale, bold=True))
        self._fit()

    def _fit(self) -> None:
        """Every explainer in view, without a scroll bar: the rows' height at the current font
        and texts (called again when either changes)."""
        height = (sum(self.list.sizeHintForRow(i) + 2 * self.list.spacing() for i in range(self.list.count()))
                  + 2 * self.list.frameWidth())
        self.list.setFixedHeight(height)
        self.list.doItemsLayout()
        self.list.setFixedHeight(height + self.list.verticalScrollBar().maximum())  # what is still hidden

    def retranslate(self) -> None:
        self.title.setText(tr("Explainers"))
        self.options_title.setText(tr("Options"))
        for i in range(self.list.count()):
            item = self.list.item(i)
            explainer = registry.get(item.data(Qt.UserRole))
            item.setText(tr(explainer.title) + ("" if explainer.ready else "  · " + tr("coming soon")))
            item.setToolTip(tr(explainer.summary))
            if not explainer.ready:
                item.setForeground(self.palette().color(self.palette().ColorGroup.Disabled,
                                                        self.palette().ColorRole.Text))
        self._fit()
