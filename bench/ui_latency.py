"""GUI event-loop extra delay while a lab trains at full speed and the view redraws.

A 5 ms timer records how late each of its ticks fires; p50/p99/max of that lateness, idle
and while training. Prints one JSON object.

    python bench/ui_latency.py [EXPLAINER --option value ...] [--seconds S]
"""

import json
import sys
import time

import numpy as np
from _app import open_window, parse_options, run_for
from PySide6.QtCore import QObject, Qt, QTimer, Slot

INTERVAL_MS = 5


class Probe(QObject):
    def __init__(self):
        super().__init__()
        self.late: list[float] = []
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.tick)
        self.last = None

    def start(self):
        self.late.clear()
        self.last = time.perf_counter()
        self.timer.start()

    def stop(self):
        self.timer.stop()

    @Slot()
    def tick(self):
        now = time.perf_counter()
        self.late.append(max(0.0, (now - self.last) * 1000 - INTERVAL_MS))
        self.last = now


def stats(values):
    a = np.asarray(values)
    return {"p50_ms": round(float(np.percentile(a, 50)), 2), "p99_ms": round(float(np.percentile(a, 99)), 2),
            "max_ms": round(float(a.max()), 2), "ticks": int(a.size)}


def main():
    explainer, values, seconds = parse_options(sys.argv[1:])
    app, window = open_window(explainer, values)
    probe = Probe()
    probe.start()
    run_for(app, 3.0)
    idle = stats(probe.late)
    window.play_action.trigger()
    run_for(app, 1.0)
    frames0, t0 = window.status.frames_drawn, time.perf_counter()
    probe.start()
    run_for(app, seconds)
    busy = stats(probe.late)
    fps = (window.status.frames_drawn - frames0) / (time.perf_counter() - t0)
    steps = window.runner.steps_per_second()
    probe.stop()
    window.close()
    print(json.dumps({"bench": "ui_latency", "explainer": explainer, "options": values, "idle": idle,
                      "training": busy, "view_fps": round(fps, 1), "steps_per_s": round(steps, 1),
                      "targets": {"p99_ms": "<= 8", "max_ms": "<= 33"}}))


if __name__ == "__main__":
    main()
