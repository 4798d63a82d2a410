"""Shared bench plumbing: the real main window on one explainer, driven for a fixed time."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("VISUALIZER_SETTINGS", "/tmp/visualizer-bench.ini")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def parse_options(argv: list[str]) -> tuple[str, dict, float]:
    """`[EXPLAINER --name value ...] [--seconds S]` → (explainer id, option values, seconds).
    Default: the attention explainer's live training, 8 s."""
    argv = list(argv)
    if "-h" in argv or "--help" in argv:
        print((sys.modules["__main__"].__doc__ or "").strip())
        raise SystemExit(0)
    seconds = 8.0
    if "--seconds" in argv:
        i = argv.index("--seconds")
        seconds = float(argv[i + 1])
        del argv[i:i + 2]
    argv = argv or ["attention", "--model", "train"]   # also with only --seconds (it measured a still lab)
    explainer = argv[0]
    from visualizer.core import registry

    try:
        registry.get(explainer)
    except KeyError as exc:   # said here, not as a traceback from the bare loop's process
        print(f"{sys.argv[0]}: {exc.args[0]}", file=sys.stderr)
        raise SystemExit(2) from None
    values, i = {}, 1
    while i < len(argv) - 1:
        values[argv[i].lstrip("-").replace("-", "_")] = argv[i + 1]
        i += 2
    return explainer, values, seconds


def bare_steps_per_second(explainer_id: str, values: dict, seconds: float, threads: int = 1) -> float:
    """The same lab's step() in a plain loop, no Qt, in a fresh process of its own like the app's
    lab process: the floor the app is measured against. (Run inside the window's process the
    same loop was 5–45 % slower, alternated with the app 5 times: its heap and threads are not a
    lab process's.)"""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_bare_loop, (explainer_id, values, seconds, threads))


def _bare_loop(explainer_id: str, values: dict, seconds: float, threads: int) -> float:
    import torch

    from visualizer.core import registry

    torch.set_num_threads(threads)
    lab = registry.get(explainer_id).load_lab()(seed=0, **values)
    for _ in range(20):
        lab.step()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        lab.step()
        n += 1
    return n / (time.perf_counter() - start)


def open_window(explainer_id: str, values: dict):
    from PySide6.QtWidgets import QApplication

    from visualizer.ui.app import MainWindow

    app = QApplication.instance() or QApplication(["bench"])
    window = MainWindow(explainer=explainer_id)
    window.resize(1400, 860)
    window.show()
    wait(app, lambda: window.runner is not None and window.runner.frames_emitted > 0 and window.view.frame is not None)
    window.controls.set_pace(None)
    window.controls.speed_box.setCurrentIndex(0)   # Max: a lesson's pace must not cap a benchmark
    if values:
        window.apply_options(values)
        answered = window.runner.request("get", "steps")   # answered after the option change
        wait(app, lambda: answered.done)
        app.processEvents()  # let the lab's announcement reach the window (enables Play)
        wait(app, lambda: window.runner.state != "loading")
    return app, window


def wait(app, condition, timeout: float = 120.0) -> None:
    end = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > end:
            raise TimeoutError("the app did not get ready in time")
        app.processEvents()
        time.sleep(0.002)


def run_for(app, seconds: float) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
