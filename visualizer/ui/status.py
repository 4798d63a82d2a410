"""The status bar's permanent part: the runner's state, steps/s · fps while running (or the
step count), and the device the lab runs on."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel

from visualizer.ui.i18n import tr
from visualizer.ui.widgets.steady_label import SteadyLabel
from visualizer.ui.runner import ERROR, LOADING, PAUSED, READY, RUNNING, STOPPED

STATE_TEXT = {LOADING: "Loading…", READY: "Ready", RUNNING: "Running", PAUSED: "Paused", ERROR: "Error",
              STOPPED: "Stopped"}


class StatusLine(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.state, self.rate, self.device = QLabel(), SteadyLabel(), QLabel()   # the rate changes 2×/s
        for w in (self.state, self.rate, self.device):
            window.statusBar().addPermanentWidget(w)
        self.frames_drawn = 0
        self._fps_mark, self._fps = (time.perf_counter(), 0), 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(500)
        self._timer.timeout.connect(self.update)
        self._timer.start()

    def show_state(self, state: str | None) -> None:
        self.state.setText(tr(STATE_TEXT.get(state, "")) if state else tr("Coming soon"))
        if state is None:
            self.device.setText("")
            self.rate.setText("")

    def update(self) -> None:
        now = time.perf_counter()
        t0, n0 = self._fps_mark
        if now - t0 >= 1.0:
            self._fps = (self.frames_drawn - n0) / (now - t0)
            self._fps_mark = (now, self.frames_drawn)
        runner = self.window.runner
        if runner is None:
            return
        if runner.state == RUNNING:
            self.rate.setText(tr("{rate:.0f} steps/s · {fps:.0f} fps").format(
                rate=runner.steps_per_second(), fps=self._fps))
        elif not runner.continuous:
            self.rate.setText("")
        else:
            self.rate.setText(tr("step {n}").format(n=runner.lab_steps))
        silent = runner.unresponsive_for()
        if runner.hung():
            self.window.show_error(tr("The model has not answered for {s:.0f} s: a step may hang. "
                                      "Reset ends its process and starts a new one.").format(s=silent))
