"""The control strip: Play/Pause, Step, Reset with its seed, Speed and Device.

It shows the session (the seed box shows session.seed) and the runner's state; what the
buttons do is the window's (it owns the runner)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QSpinBox, QToolBar

from visualizer.core.resources import resources_dir
from visualizer.ui.i18n import tr
from visualizer.ui.runner import LOADING, PAUSED, RUNNING

SPEEDS = (("Max", None), ("100 steps/s", 100), ("30 steps/s", 30), ("10 steps/s", 10),
          ("2 steps/s (slow motion)", 2))


def icon(name: str) -> QIcon:
    return QIcon(str(resources_dir() / "icons" / f"{name}.svg"))


class SeedBox(QSpinBox):
    """A seed field as wide as seven digits, not as its largest value (2³¹ − 1: ten digits, which
    pushed Device off a 1280 px toolbar at presentation zoom); longer seeds scroll in it."""

    def sizeHint(self):  # noqa: N802 - Qt's name
        hint = super().sizeHint()
        fm = self.fontMetrics()
        hint.setWidth(hint.width() - max(0, fm.horizontalAdvance("0" * 10) - fm.horizontalAdvance("0" * 7)))
        return hint


class ControlStrip(QToolBar):
    def __init__(self, window):
        super().__init__(window)
        self.setMovable(False)
        self.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.play_action = QAction(icon("play"), "", window)
        self.play_action.setShortcut(QKeySequence("Ctrl+P"))
        self.play_action.triggered.connect(window.toggle_play)
        self.step_action = QAction(icon("step"), "", window)
        self.step_action.setShortcut(QKeySequence("Ctrl+Right"))
        self.step_action.triggered.connect(window.step_once)
        self.reset_action = QAction(icon("reset"), "", window)
        self.reset_action.setShortcut(QKeySequence("Ctrl+R"))
        self.reset_action.triggered.connect(window.reset)
        for action in self.actions_run():
            self.addAction(action)
        self.seed_label, self.speed_label, self.device_label = QLabel(), QLabel(), QLabel()
        self.seed_box = SeedBox()
        self.seed_box.setRange(0, 2**31 - 1)
        self.seed_box.valueChanged.connect(window.set_seed)
        self.speed_box = QComboBox()
        # as wide as "100 steps/s", not as "2 steps/s (slow motion)" (its list shows that whole)
        self.speed_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.speed_box.setMinimumContentsLength(12)
        self._paced: tuple[int, int] | None = None   # a lesson's pace: (its index, the one to put back)
        self.speed_box.currentIndexChanged.connect(window.speed_changed)
        self.device_box = QComboBox()
        self.device_box.addItem("CPU", "cpu")
        self.device_box.currentIndexChanged.connect(window.device_changed)
        for w in (self.seed_label, self.seed_box, self.speed_label, self.speed_box, self.device_label,
                  self.device_box):
            if isinstance(w, QLabel):
                w.setContentsMargins(12, 0, 4, 0)
            self.addWidget(w)

    def actions_run(self) -> tuple:
        return self.play_action, self.step_action, self.reset_action

    def speed(self) -> float | None:
        return SPEEDS[max(0, self.speed_box.currentIndex())][1]

    def prefer_speed(self, steps_per_second: float) -> None:
        """Preselect the speed closest to what a lab reads best at (the user may change it).
        While a lesson step sets a pace, the preference is kept for when the pace is lifted."""
        index = self._closest_speed(steps_per_second)
        if self._paced is not None:
            self._paced = (self._paced[0], index)
            return
        self.speed_box.setCurrentIndex(index)

    def set_pace(self, steps_per_second: float | None) -> None:
        """A lesson step's pace: select the closest speed and keep it over a lab's preference;
        None lifts it and puts back the speed from before (unless the user chose another)."""
        paced = self._paced
        if steps_per_second is None:
            if paced is not None:
                self._paced = None
                if self.speed_box.currentIndex() == paced[0]:
                    self.speed_box.setCurrentIndex(paced[1])
            return
        index = self._closest_speed(steps_per_second)
        self._paced = (index, paced[1] if paced is not None else max(0, self.speed_box.currentIndex()))
        self.speed_box.setCurrentIndex(index)

    def pace(self) -> float | None:
        """The speed a lesson step set (steps per second of the control), or None."""
        paced = self._paced
        return SPEEDS[paced[0]][1] if paced is not None else None

    @staticmethod
    def _closest_speed(steps_per_second: float) -> int:
        return min(range(1, len(SPEEDS)), key=lambda i: abs(SPEEDS[i][1] - steps_per_second))

    def set_devices(self, names: list[str]) -> None:
        self.device_box.blockSignals(True)
        self.device_box.clear()
        for name in names:
            self.device_box.addItem("CPU" if name == "cpu" else name.upper(), name)
        self.device_box.blockSignals(False)

    def show_seed(self, seed: int) -> None:
        if self.seed_box.value() != seed:
            self.seed_box.blockSignals(True)
            self.seed_box.setValue(seed)
            self.seed_box.blockSignals(False)

    def set_state(self, state: str | None, continuous: bool, has_runner: bool) -> None:
        running = state == RUNNING
        self.play_action.setEnabled(continuous and state in (RUNNING, PAUSED))
        self.play_action.setIcon(icon("pause" if running else "play"))
        self.play_action.setText(tr("Pause") if running else tr("Play"))
        self.step_action.setEnabled(continuous and state in (RUNNING, PAUSED))
        self.reset_action.setEnabled(has_runner and state not in (LOADING, None))

    def retranslate(self) -> None:
        self.step_action.setText(tr("Step"))
        self.reset_action.setText(tr("Reset"))
        self.seed_label.setText(tr("Seed"))
        self.speed_label.setText(tr("Speed"))
        self.device_label.setText(tr("Device"))
        self.speed_box.blockSignals(True)
        current = max(0, self.speed_box.currentIndex())
        self.speed_box.clear()
        for label, _value in SPEEDS:
            self.speed_box.addItem(tr(label))
        self.speed_box.setCurrentIndex(current)
        self.speed_box.blockSignals(False)
