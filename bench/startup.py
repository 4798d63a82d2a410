"""Process start → main window painted, for `python -m visualizer` (median of N runs).

The app prints the wall-clock time of its first paint when VISUALIZER_EXIT_AFTER_PAINT is set,
then quits. Prints one JSON object. Uses $DISPLAY if set (run under Xvfb for a real screen),
else the offscreen platform."""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def once(explainer: str) -> float:
    env = dict(os.environ, VISUALIZER_EXIT_AFTER_PAINT="1", VISUALIZER_SETTINGS="/tmp/visualizer-startup.ini")
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    start = time.time()
    done = subprocess.run([sys.executable, "-m", "visualizer", "gui", explainer], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    for line in done.stdout.splitlines():
        if line.startswith("painted "):
            return float(line.split()[1]) - start
    raise RuntimeError(f"no paint reported: {done.stdout} {done.stderr}")


def main():
    explainer = sys.argv[1] if len(sys.argv) > 1 else "attention"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    once(explainer)  # warm the file cache
    times = [once(explainer) for _ in range(runs)]
    print(json.dumps({"bench": "startup", "explainer": explainer, "platform": "xcb" if os.environ.get("DISPLAY")
                      else "offscreen", "runs_s": [round(t, 3) for t in times],
                      "median_s": round(statistics.median(times), 3), "target_s": "<= 0.8"}))


if __name__ == "__main__":
    main()
