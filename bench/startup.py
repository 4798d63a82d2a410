"""Process start → main window painted, and → the explainer's first frame drawn, for
`python -m visualizer gui EXPLAINER` (median of N runs; each run is a fresh process, so the
lab's process is cold: its forkserver imports torch while the window builds the view).

    python bench/startup.py [EXPLAINER|all] [RUNS]

The app prints the wall-clock times of its first paint and first frame when
VISUALIZER_EXIT_AFTER_FRAME is set, then quits. Prints one JSON object per explainer. Uses
$DISPLAY if set (run under Xvfb for a real screen), else the offscreen platform."""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def once(explainer: str) -> tuple[float, float]:
    env = dict(os.environ, VISUALIZER_EXIT_AFTER_FRAME="1", VISUALIZER_SETTINGS="/tmp/visualizer-startup.ini")
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    start = time.time()
    done = subprocess.run([sys.executable, "-m", "visualizer", "gui", explainer], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    times = {}
    for line in done.stdout.splitlines():
        word, _, value = line.partition(" ")
        if word in ("painted", "framed"):
            times[word] = float(value) - start
    if len(times) < 2:
        raise RuntimeError(f"no paint or frame reported: {done.stdout} {done.stderr[-2000:]}")
    return times["painted"], times["framed"]


def main():
    from visualizer.core import registry

    which = sys.argv[1] if len(sys.argv) > 1 else "attention"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    explainers = [e.id for e in registry.ready()] if which == "all" else [which]
    once(explainers[0])  # warm the file cache
    for explainer in explainers:
        results = [once(explainer) for _ in range(runs)]
        painted = [p for p, _ in results]
        framed = [f for _, f in results]
        print(json.dumps({"bench": "startup", "explainer": explainer,
                          "platform": "xcb" if os.environ.get("DISPLAY") else "offscreen", "cpus": os.cpu_count(),
                          "painted_s": {"median": round(statistics.median(painted), 3), "runs": [round(t, 3) for t in painted]},
                          "first_frame_s": {"median": round(statistics.median(framed), 3), "runs": [round(t, 3) for t in framed]},
                          "target_s": {"painted": 0.5, "first_frame": 3.5 if explainer == "gnn" else 1.5}}), flush=True)


if __name__ == "__main__":
    main()
