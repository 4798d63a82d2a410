"""GAN explainer bench: training speed in the app vs. a bare loop, GUI latency, memory.

Prints one JSON object:
  bare_steps_per_s     GANLab.step() in a plain loop, no Qt (1 torch thread, as the runner uses);
                       measured again right before each app measurement (ratios are of neighbours)
  runner_only          LabRunner's worker stepping the lab and taking ≤ 30 snapshots/s, nothing drawn
  window_consumer      the same, while a GANView (1280 × 720, offscreen) draws every frame it is
                       handed and the runner hears "consumed" with the cost once it was painted,
                       as the main window does (the runner's pacing is the only one)
  ratio                app / bare (target ≥ 0.9); view_fps: frames drawn per second;
                       frame_cost_ms: GUI time per frame, paint included
  snapshot_ms          GANLab.snapshot() alone
  gui_late_ms          lateness of a 5 ms QTimer while training: p99 / max (target p99 ≤ 8)
  memory               RSS before/after N more steps, growth per 10k steps and extrapolated to
                       1M steps; histories are bounded (20 000 points, then decimated by 2)

    python bench/gan.py [--seconds S] [--repeats R] [--distribution ring8|digits|...]
                        [--mem-steps N]
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def arg(name: str, default):
    if name in sys.argv:
        return type(default)(sys.argv[sys.argv.index(name) + 1])
    return default


def bare(options: dict, seconds: float) -> dict:
    import torch

    from visualizer.labs.gan.lab import GANLab

    torch.set_num_threads(1)
    lab = GANLab(seed=0, **options)
    for _ in range(30):
        lab.step()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        lab.step()
        n += 1
    rate = n / (time.perf_counter() - start)
    t = time.perf_counter()
    for _ in range(30):
        lab.snapshot()
    snap_ms = (time.perf_counter() - t) / 30 * 1000
    return {"steps_per_s": rate, "snapshot_ms": snap_ms}


def memory(options: dict, steps: int) -> dict:
    from visualizer.labs.gan.lab import GANLab

    lab = GANLab(seed=0, **options)
    for _ in range(500):
        lab.step()
    lab.snapshot()
    gc.collect()
    before = rss_mb()
    for i in range(steps):
        lab.step()
        if i % 100 == 0:
            lab.snapshot()
    gc.collect()
    after = rss_mb()
    per_10k = (after - before) / steps * 10_000
    return {"steps": steps, "rss_before_mb": round(before, 1), "rss_after_mb": round(after, 1),
            "growth_per_10k_steps_mb": round(per_10k, 2),
            "extrapolated_1M_steps_mb": round(before + max(per_10k, 0.0) * 100, 1),
            "history_points": len(lab.history), "history_capacity": lab.history.capacity,
            "bounded": "curves keep ≤ 20 000 points (decimated by 2 when full); events ≤ 200; "
                       "mode metrics ≤ 20 000 points"}


def in_app(options: dict, seconds: float, draw: bool = True) -> dict:
    """draw=True: each frame is drawn and the runner hears frame_consumed(cost) after its paint,
    as the main window does; draw=False: frames are taken (snapshots) but not drawn: the cost of
    the runner alone."""
    from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Slot
    from PySide6.QtWidgets import QApplication

    from visualizer.labs.gan.lab import GANLab
    from visualizer.ui.runner import LabRunner
    from visualizer.ui.theme import LIGHT, apply_to_app
    from visualizer.ui.views.gan import GANView

    app = QApplication.instance() or QApplication(["bench"])
    apply_to_app(app, LIGHT)
    view = GANView(LIGHT, 1.0)
    view.resize(1280, 720)
    view.show()

    class Sink(QObject):
        def __init__(self, runner):
            super().__init__()
            self.runner = runner
            self.frames = 0
            self.draw_s: list[float] = []
            self.cost_s: list[float] = []
            self._start = None

        @Slot(object)
        def draw(self, frame):                # what the main window does with each frame
            t = time.perf_counter()
            if not draw:
                self.runner.frame_consumed()
                return
            view.show_frame(frame)            # the paint follows in the event loop
            self.draw_s.append(time.perf_counter() - t)
            self.frames += 1
            self._start = t
            QTimer.singleShot(0, self.painted)

        @Slot()
        def painted(self):
            cost = time.perf_counter() - self._start
            self.cost_s.append(cost)
            self.runner.frame_consumed(cost)

    class Probe(QObject):
        def __init__(self):
            super().__init__()
            self.late: list[float] = []
            self.last = time.perf_counter()
            self.timer = QTimer(self)
            self.timer.setTimerType(Qt.PreciseTimer)
            self.timer.setInterval(5)
            self.timer.timeout.connect(self.tick)

        @Slot()
        def tick(self):
            now = time.perf_counter()
            self.late.append(max(0.0, (now - self.last) * 1000 - 5))
            self.last = now

    def run_for(s):
        loop = QEventLoop()
        QTimer.singleShot(int(s * 1000), loop.quit)
        loop.exec()

    runner = LabRunner(GANLab, options=options, max_fps=30.0, name="gan")
    sink = Sink(runner)
    runner.frame_ready.connect(sink.draw)
    runner.start()
    end = time.perf_counter() + 60
    while runner.frames_emitted == 0 and time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.005)
    run_for(1.5)                                   # the first frame (fonts, layout) is drawn
    probe = Probe()
    probe.timer.start()
    run_for(1.5)
    idle = list(probe.late)
    runner.play()
    run_for(1.0)                                   # warm up
    probe.late.clear()
    sink.draw_s.clear()
    sink.cost_s.clear()
    sink.frames = 0
    steps0, emitted0, t0 = runner.steps_done, runner.frames_emitted, time.perf_counter()
    run_for(seconds)
    elapsed = time.perf_counter() - t0
    steps = runner.steps_done - steps0
    frames = sink.frames
    emitted = runner.frames_emitted - emitted0
    late = np.asarray(probe.late)
    runner.pause()
    probe.timer.stop()
    runner.stop(2.0)
    view.close()

    def pct(a, q):
        return round(float(np.percentile(a, q)), 2) if len(a) else None

    return {"steps_per_s": steps / elapsed, "view_fps": round(frames / elapsed, 1),
            "snapshots_per_s": round(emitted / elapsed, 1),
            "draw_ms": {"p50": pct(np.asarray(sink.draw_s) * 1000, 50), "p99": pct(np.asarray(sink.draw_s) * 1000, 99)},
            "gui_late_ms": {"p50": pct(late, 50), "p99": pct(late, 99), "max": round(float(late.max()), 2),
                            "ticks": int(late.size)},
            "gui_late_idle_ms": {"p99": pct(np.asarray(idle), 99)},
            "frame_cost_ms": pct(np.asarray(sink.cost_s) * 1000, 50)}


def main() -> None:
    if os.environ.get("GAN_SWITCH_INTERVAL"):      # explore: the interpreter's GIL hand-over time
        sys.setswitchinterval(float(os.environ["GAN_SWITCH_INTERVAL"]))
    seconds = arg("--seconds", 6.0)
    repeats = arg("--repeats", 2)
    options = {"distribution": arg("--distribution", "ring8")}
    # each app measurement is paired with a bare-loop measurement taken just before it, and the
    # pairs are repeated: on a shared machine the speed drifts, and a ratio of neighbours is steadier
    modes = {"runner_only": dict(draw=False), "window": {}}
    runs: dict[str, list] = {name: [] for name in modes}
    bares, snaps = [], []
    for _ in range(repeats):
        for name, kwargs in modes.items():
            b = bare(options, seconds)
            bares.append(b["steps_per_s"])
            snaps.append(b["snapshot_ms"])
            a = in_app(options, seconds, **kwargs)
            runs[name].append((a, a["steps_per_s"] / b["steps_per_s"]))

    def summary(name: str) -> dict:
        pairs = runs[name]
        last = pairs[-1][0]
        out = {"ratio_median": round(float(np.median([r for _, r in pairs])), 3),
               "ratios": [round(r, 3) for _, r in pairs],
               "steps_per_s": [round(a["steps_per_s"], 1) for a, _ in pairs],
               "snapshots_per_s": last["snapshots_per_s"]}
        if name != "runner_only":
            out.update({"view_fps": last["view_fps"], "frame_cost_ms": last["frame_cost_ms"],
                        "gui_late_ms_p99": [a["gui_late_ms"]["p99"] for a, _ in pairs],
                        "gui_late_ms_max": [a["gui_late_ms"]["max"] for a, _ in pairs],
                        "show_frame_ms_p99": last["draw_ms"]["p99"]})
        return out

    m = memory(options, arg("--mem-steps", 3000))
    print(json.dumps({
        "bench": "gan", "options": options, "cpus": os.cpu_count(),
        "seconds_per_measurement": seconds, "repeats": repeats,
        "bare_steps_per_s": [round(b, 1) for b in bares],
        "snapshot_ms_median": round(float(np.median(snaps)), 2),
        "runner_only": summary("runner_only"),
        "window_consumer": summary("window"),
        "gui_late_idle_ms_p99": runs["window"][-1][0]["gui_late_idle_ms"]["p99"],
        "memory": m,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "targets": {"ratio": ">= 0.9", "gui_p99_ms": "<= 8"},
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
