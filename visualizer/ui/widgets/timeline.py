"""The rewind bar under the figure: a slider over the checkpoints the lab's process keeps while it
trains (core/timeline.py). Releasing it goes back to that step; playing on from there starts a
new branch, and "Undo branch" takes the branch back. Hidden until there is something to rewind."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from visualizer.ui.i18n import tr
from visualizer.ui.widgets.steady_label import SteadyLabel


class TimelineBar(QWidget):
    rewind_requested = Signal(int)   # a kept step
    undo_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.steps: list[int] = []
        self.rewound_to: int | None = None
        self.title = QLabel()
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setPageStep(1)
        self.where = SteadyLabel()   # a new step 4×/s while training
        self.undo = QPushButton()
        self.undo.clicked.connect(self.undo_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.addWidget(self.title)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.where)
        layout.addWidget(self.undo)
        self.slider.valueChanged.connect(self._moved)
        self.slider.sliderReleased.connect(self._released)
        self.retranslate()
        self.show_timeline({"steps": []})

    @Slot(object)
    def show_timeline(self, info: dict) -> None:
        """What the lab's process keeps: {"steps", "rewound_to", "can_undo", "bytes"}."""
        self.steps = list(info.get("steps", []))
        self.rewound_to = info.get("rewound_to")
        self.setVisible(len(self.steps) >= 2)
        self.undo.setVisible(bool(info.get("can_undo")))
        if self.slider.isSliderDown():
            return   # the person is dragging: their position wins
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(self.steps) - 1))
        at = self.steps.index(self.rewound_to) if self.rewound_to in self.steps else len(self.steps) - 1
        self.slider.setValue(max(0, at))
        self.slider.blockSignals(False)
        self._label(at)

    def _label(self, index: int) -> None:
        if not self.steps:
            self.where.setText("")
            return
        step = self.steps[max(0, min(index, len(self.steps) - 1))]
        self.where.setText(tr("step {n} of {last}").format(n=step, last=self.steps[-1]))

    @Slot(int)
    def _moved(self, index: int) -> None:
        self._label(index)
        if not self.slider.isSliderDown():   # keys and clicks on the groove go there at once
            self._released()

    @Slot()
    def _released(self) -> None:
        if self.steps:
            self.rewind_requested.emit(self.steps[self.slider.value()])

    def retranslate(self) -> None:
        self.title.setText(tr("Rewind"))
        self.undo.setText(tr("Undo branch"))
        self.slider.setToolTip(tr("Go back to an earlier step of this run; playing on from there starts a new branch."))
        self._label(self.slider.value())
