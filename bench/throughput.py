"""Training steps/s inside the running app (view drawing live) ÷ the same lab's bare loop.

    python bench/throughput.py [EXPLAINER --option value ...] [--seconds S]

Default: the attention explainer's live training (tiny transformer on digit reversal).
Prints one JSON object."""

import json
import sys

from _app import bare_steps_per_second, open_window, parse_options, run_for


def main() -> None:
    explainer, values, seconds = parse_options(sys.argv[1:])
    bare = bare_steps_per_second(explainer, values, seconds, threads=1)
    app, window = open_window(explainer, values)
    runner = window.runner
    window.play_action.trigger()
    run_for(app, 1.0)  # warm-up
    steps0, frames0 = runner.steps_done, window.status.frames_drawn
    import time

    t0 = time.perf_counter()
    run_for(app, seconds)
    elapsed = time.perf_counter() - t0
    in_app = (runner.steps_done - steps0) / elapsed
    fps = (window.status.frames_drawn - frames0) / elapsed
    window.close()
    print(json.dumps({
        "bench": "throughput", "explainer": explainer, "options": values, "seconds": seconds,
        "bare_steps_per_s": round(bare, 1), "app_steps_per_s": round(in_app, 1),
        "ratio": round(in_app / bare, 3), "view_fps": round(fps, 1),
        "targets": {"ratio": ">= 0.9", "view_fps": ">= 20"},
    }))


if __name__ == "__main__":
    main()
