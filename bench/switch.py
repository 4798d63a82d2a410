"""Switching explainers in a running window (warm: the forkserver has imported torch): seconds
from open_explainer() to the new explainer's first frame drawn, for every explainer, plus how
long one lab process takes to start with the forkserver and with spawn. Prints JSON lines.

    python bench/switch.py [ROUNDS]
"""

import json
import multiprocessing
import os
import statistics
import sys
import time

import _app  # noqa: F401 - sets up the path and the headless platform


def child_started(conn):
    import torch  # noqa: F401 - what every lab needs first: preloaded in the forkserver, imported by spawn

    conn.send(time.perf_counter())


def process_start(method: str, runs: int = 5) -> dict:
    """Process.start() → the child has torch and runs: a forkserver (torch preloaded) vs spawn."""
    from visualizer.ui.runner import PRELOAD

    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(PRELOAD)
        from multiprocessing import forkserver

        forkserver.ensure_running()
        p = ctx.Process(target=os.getpid)
        p.start()
        p.join()  # the server has preloaded torch
    times = []
    for _ in range(runs):
        here, there = ctx.Pipe()
        start = time.perf_counter()
        p = ctx.Process(target=child_started, args=(there,))
        p.start()
        times.append(here.recv() - start)
        p.join()
    return {"bench": "process_start", "method": method, "median_ms": round(1000 * statistics.median(times), 1),
            "runs_ms": [round(1000 * t, 1) for t in times]}


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    for method in ("forkserver", "spawn"):
        print(json.dumps(process_start(method)), flush=True)
    from visualizer.core import registry

    app, window = _app.open_window("attention", {})
    ids = [e.id for e in registry.ready()]
    times = {i: [] for i in ids}
    for _ in range(rounds):
        for explainer in ids[1:] + ids[:1]:
            start = time.perf_counter()
            window.open_explainer(explainer)
            _app.wait(app, lambda: window.runner is not None and window.runner.frames_emitted > 0
                      and window.view.frame is not None)
            times[explainer].append(time.perf_counter() - start)
    for explainer, t in times.items():
        print(json.dumps({"bench": "switch", "explainer": explainer, "median_s": round(statistics.median(t), 3),
                          "runs_s": [round(x, 3) for x in t], "target_s": 1.0}), flush=True)
    window.close()
    os._exit(0)


if __name__ == "__main__":
    main()
